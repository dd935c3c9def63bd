"""Lion: sign-based momentum (Chen et al. 2023)."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("lion")
class Lion(Optimizer):
    """Lion, "EvoLved Sign Momentum" (Chen et al. 2023), as Keras 3's ``keras.optimizers.Lion``.

    With ``m`` zero at the start::

        c = beta_1 * m + (1 - beta_1) * g
        w <- w - lr * sign(c)
        m <- beta_2 * m + (1 - beta_2) * g

    Every coordinate moves by exactly ``lr`` (or 0), so Lion wants a learning
    rate 3-10 times smaller than Adam's.  PyTorch has no built-in Lion; the
    common ``lion-pytorch`` package follows the same rule.

    Args: learning_rate=0.001, beta_1=0.9 (in (0, 1]), beta_2=0.99 (in [0, 1]),
    plus the base arguments.  State: ``momentum``.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1 = check_float(beta_1, "beta_1", "Lion", low=0.0, high=1.0, low_inclusive=False)
        self.beta_2 = check_float(beta_2, "beta_2", "Lion", low=0.0, high=1.0)

    def _slot_groups(self):
        return [[("momentum", 0.0)]]

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        beta_1, beta_2 = f(self.beta_1), f(self.beta_2)
        K.lion(param, grad, slots["momentum"], lr, beta_1, f(1) - beta_1, beta_2, f(1) - beta_2)

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
