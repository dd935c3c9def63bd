"""RMSprop, in Keras's form (epsilon inside the square root)."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .._validation import check_bool
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("rmsprop")
class RMSprop(Optimizer):
    """RMSprop (Keras 3's ``keras.optimizers.RMSprop``).

    With ``v`` (and ``a``, ``s``) zero at the start::

        v <- rho * v + (1 - rho) * g**2
        a <- rho * a + (1 - rho) * g                 (centered=True only)
        d =  v - a**2 + epsilon   if centered  else  v + epsilon
        inc = lr * g / sqrt(d)
        s <- momentum * s + inc;  w <- w - s          (momentum > 0)
        w <- w - inc                                 (momentum = 0)

    Differences from PyTorch's ``torch.optim.RMSprop``: Keras adds ``epsilon``
    (1e-7) *inside* the square root, PyTorch adds it (1e-8) outside,
    ``g / (sqrt(v) + eps)``; Keras's momentum buffer includes the learning
    rate (PyTorch's does not, ``w -= lr * buf``); defaults differ (Keras
    ``rho=0.9``, lr 0.001; PyTorch ``alpha=0.99``, lr 0.01).

    Args: learning_rate=0.001, rho=0.9 (in [0, 1)), momentum=0.0 (in [0, 1]),
    epsilon=1e-7 (>= 0), centered=False, plus the base arguments.
    State (Keras's order): ``velocity`` for all variables, then ``momentum``
    (if momentum > 0), then ``average_gradient`` (if centered).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho = check_float(rho, "rho", "RMSprop", low=0.0, high=1.0, high_inclusive=False)
        self.momentum = check_float(momentum, "momentum", "RMSprop", low=0.0, high=1.0)
        self.epsilon = check_float(epsilon, "epsilon", "RMSprop", low=0.0)
        self.centered = check_bool(centered, "centered", "RMSprop")

    def _slot_groups(self):
        groups = [[("velocity", 0.0)]]
        if self.momentum > 0:
            groups.append([("momentum", 0.0)])
        if self.centered:
            groups.append([("average_gradient", 0.0)])
        return groups

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        K.rmsprop(param, grad, slots["velocity"], slots.get("momentum"), slots.get("average_gradient"),
                  lr, f(self.rho), f(1 - self.rho), f(self.momentum), f(self.epsilon),
                  self.momentum > 0, self.centered)

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
