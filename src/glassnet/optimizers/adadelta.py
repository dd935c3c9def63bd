"""Adadelta, in Keras's form (the learning rate multiplies the Adadelta step)."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("adadelta")
class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012) as Keras 3's ``keras.optimizers.Adadelta``.

    With ``E[g2]`` and ``E[dx2]`` zero at the start::

        E[g2]  <- rho * E[g2] + (1 - rho) * g**2
        dx     =  -sqrt(E[dx2] + epsilon) * g / sqrt(E[g2] + epsilon)
        E[dx2] <- rho * E[dx2] + (1 - rho) * dx**2
        w      <- w + lr * dx

    Same rule as PyTorch's ``torch.optim.Adadelta`` (epsilon inside both
    roots), but Keras's defaults are lr=0.001, rho=0.95, epsilon=1e-7 where
    PyTorch (and the paper, which has no learning rate) use lr=1.0, rho=0.9,
    eps=1e-6: with Keras's default the steps are 1000 times smaller.

    Args: learning_rate=0.001, rho=0.95 (in [0, 1)), epsilon=1e-7 (>= 0), plus
    the base arguments.  State: ``accumulated_grad, accumulated_delta_var``
    interleaved per variable.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.rho = check_float(rho, "rho", "Adadelta", low=0.0, high=1.0, high_inclusive=False)
        self.epsilon = check_float(epsilon, "epsilon", "Adadelta", low=0.0)

    def _slot_groups(self):
        return [[("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]]

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        K.adadelta(param, grad, slots["accumulated_grad"], slots["accumulated_delta_var"], lr,
                   f(self.rho), f(1 - self.rho), f(self.epsilon))

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
