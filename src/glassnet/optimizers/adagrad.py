"""Adagrad, in Keras's form (accumulator starts at 0.1, epsilon inside the root)."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("adagrad")
class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011) as Keras 3's ``keras.optimizers.Adagrad``.

    With the accumulator ``G`` starting at ``initial_accumulator_value``::

        G <- G + g**2
        w <- w - lr * g / sqrt(G + epsilon)

    Differences from PyTorch's ``torch.optim.Adagrad``: Keras starts ``G`` at
    0.1 (PyTorch at 0), adds ``epsilon`` (1e-7) inside the square root
    (PyTorch adds 1e-10 outside, ``sqrt(G) + eps``), and defaults to lr 0.001
    (PyTorch 0.01).  The non-zero start damps the first steps: the first
    update is ``lr * g / sqrt(0.1 + g**2)``, not ``lr * sign(g)``.

    Args: learning_rate=0.001, initial_accumulator_value=0.1 (>= 0),
    epsilon=1e-7 (>= 0), plus the base arguments.  State: ``accumulator``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.initial_accumulator_value = check_float(
            initial_accumulator_value, "initial_accumulator_value", "Adagrad", low=0.0)
        self.epsilon = check_float(epsilon, "epsilon", "Adagrad", low=0.0)

    def _slot_groups(self):
        return [[("accumulator", self.initial_accumulator_value)]]

    def _update_step(self, param, grad, slots, lr, step):
        K.adagrad(param, grad, slots["accumulator"], lr, param.dtype.type(self.epsilon))

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
