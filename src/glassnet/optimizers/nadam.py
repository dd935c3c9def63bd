"""Nadam: Adam with Nesterov momentum and Keras's momentum-cache schedule."""
from __future__ import annotations

import numpy as np

from .._validation import check_float
from ..kernels import K
from .base import check_beta, Optimizer, OPTIMIZERS

_DECAY = 0.96


@OPTIMIZERS.register("nadam")
class Nadam(Optimizer):
    """Nadam (Dozat 2015) as Keras 3's ``keras.optimizers.Nadam``.

    A momentum schedule ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and its running
    product ``P_t = mu_1 * mu_2 * ... * mu_t`` (state, starts at 1) give, with
    ``m, v`` zero at the start and ``t`` the 1-based step::

        P_t = P_{t-1} * mu_t
        m <- m + (g - m) * (1 - beta_1)
        v <- v + (g**2 - v) * (1 - beta_2)
        m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        v_hat = v / (1 - beta_2**t)
        w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)

    PyTorch's ``torch.optim.NAdam`` uses ``mu_t = beta_1 * (1 - 0.5 *
    0.96**(0.004 * t))`` (``momentum_decay=0.004``), so its schedule changes
    250 times more slowly than Keras's ``0.96**t``; epsilon is 1e-8 there and
    its default lr 0.002.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.999 (in [0, 1)),
    epsilon=1e-7 (>= 0), plus the base arguments.  State: ``momentum,
    velocity`` interleaved per variable, then the scalar product ``P``.
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
        self.beta_1 = check_beta(beta_1, "beta_1", "Nadam")
        self.beta_2 = check_beta(beta_2, "beta_2", "Nadam")
        self.epsilon = check_float(epsilon, "epsilon", "Nadam", low=0.0)

    def _slot_groups(self):
        return [[("momentum", 0.0), ("velocity", 0.0)]]

    def _extra_state(self, dtype):
        self._u_product = np.ones((), dtype=dtype)
        return [("u_product", self._u_product)]

    def _prepare_step(self, step):
        # P_t = P_{t-1} * beta_1 * (1 - 0.5 * 0.96**t), once per update (not per variable)
        f = self._dtype.type
        mu_part = f(1) - f(0.5) * f(_DECAY) ** f(step)
        self._u_product[...] = self._u_product[()] * f(self.beta_1) * mu_part

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        one = f(1)
        beta_1, beta_2, decay = f(self.beta_1), f(self.beta_2), f(_DECAY)
        u_t = beta_1 * (one - f(0.5) * decay ** f(step))
        u_t1 = beta_1 * (one - f(0.5) * decay ** f(step + 1))
        u_prod = f(self._u_product[()])
        u_prod_t1 = u_prod * u_t1
        b2_power = beta_2 ** f(step)
        K.nadam(param, grad, slots["momentum"], slots["velocity"], lr, one - beta_1, one - beta_2,
                u_t1, one - u_prod_t1, one - u_t, one - u_prod, one - b2_power, f(self.epsilon))

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
