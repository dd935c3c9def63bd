"""Stochastic gradient descent, with optional (Nesterov) momentum, in Keras's form."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .._validation import check_bool
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("sgd")
class SGD(Optimizer):
    """Gradient descent with momentum (Keras 3's ``keras.optimizers.SGD``).

    Without momentum (``momentum=0``, the default)::

        w <- w - lr * g

    With momentum, Keras keeps a *velocity* ``m`` (zero at the start) that
    already contains the learning rate::

        m <- momentum * m - lr * g
        w <- w + m                                  (nesterov=False)
        w <- w + momentum * m - lr * g              (nesterov=True, with the new m)

    PyTorch (``torch.optim.SGD``, dampening 0) keeps ``b <- momentum * b + g``
    and steps ``w <- w - lr * b``; with a constant learning rate the two give
    the same weights (``m = -lr * b``), but when the learning rate changes
    Keras's velocity still carries the old rates.  PyTorch's Nesterov step
    ``w <- w - lr * (g + momentum * b)`` likewise equals Keras's for a
    constant rate.

    Args: learning_rate=0.01, momentum=0.0 (in [0, 1]), nesterov=False, plus the
    base optimizer's arguments.  State: ``momentum`` per variable (only when
    ``momentum != 0``).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.momentum = check_float(momentum, "momentum", "SGD", low=0.0, high=1.0)
        self.nesterov = check_bool(nesterov, "nesterov", "SGD")

    def _slot_groups(self):
        return [[("momentum", 0.0)]] if self.momentum != 0 else []

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        K.sgd(param, grad, slots.get("momentum"), lr, f(self.momentum), self.nesterov)

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
