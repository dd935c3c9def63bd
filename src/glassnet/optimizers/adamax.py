"""Adamax: Adam with the infinity norm."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .base import check_beta, Optimizer, OPTIMIZERS


@OPTIMIZERS.register("adamax")
class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2014, section 7) as Keras 3's ``keras.optimizers.Adamax``.

    With ``m, u`` zero at the start and ``t`` the 1-based step::

        m <- m + (g - m) * (1 - beta_1)
        u <- max(beta_2 * u, |g|)
        w <- w - lr * m / ((1 - beta_1**t) * (u + epsilon))

    PyTorch's ``torch.optim.Adamax`` puts epsilon inside the maximum,
    ``u <- max(beta_2 * u, |g| + eps)`` (eps=1e-8), and its default lr is 0.002.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.999 (in [0, 1)),
    epsilon=1e-7 (>= 0), plus the base arguments.  State: ``momentum, norm``
    interleaved per variable.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        self.beta_1 = check_beta(beta_1, "beta_1", "Adamax")
        self.beta_2 = check_beta(beta_2, "beta_2", "Adamax")
        self.epsilon = check_float(epsilon, "epsilon", "Adamax", low=0.0)

    def _slot_groups(self):
        return [[("momentum", 0.0), ("norm", 0.0)]]

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        b1_power = f(self.beta_1) ** f(step)
        K.adamax(param, grad, slots["momentum"], slots["norm"], lr, f(1 - self.beta_1),
                 f(self.beta_2), f(self.epsilon), f(1) - b1_power)

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
