"""Adam, in Keras's "epsilon hat" form."""
from __future__ import annotations

import numpy as np

from .._validation import check_float
from ..kernels import K
from .._validation import check_bool
from .base import check_beta, Optimizer, OPTIMIZERS


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    """Adam (Kingma & Ba 2014) as Keras 3's ``keras.optimizers.Adam`` computes it.

    With ``m, v`` zero at the start and ``t`` the 1-based step::

        m <- m + (g - m) * (1 - beta_1)          (= beta_1*m + (1-beta_1)*g)
        v <- v + (g**2 - v) * (1 - beta_2)
        v_hat_max <- max(v_hat_max, v); use it as v       (amsgrad=True only)
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w <- w - alpha * m / (sqrt(v) + epsilon)

    This is the paper's "epsilon hat" variant: the bias corrections are folded
    into ``alpha`` and ``epsilon`` is added to the *uncorrected* ``sqrt(v)``.
    PyTorch's ``torch.optim.Adam`` divides by ``sqrt(v / (1 - beta_2**t)) + eps``
    instead, which equals Keras's with ``eps_keras = eps * sqrt(1 - beta_2**t)``;
    the defaults also differ (Keras epsilon 1e-7, PyTorch 1e-8).  Both take the
    AMSGrad maximum over the uncorrected ``v``.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.999 (in [0, 1)),
    epsilon=1e-7 (>= 0), amsgrad=False, plus the base arguments.
    State (Keras's order): ``momentum, velocity`` interleaved per variable,
    then ``velocity_hat`` per variable (amsgrad).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        where = type(self).__name__
        self.beta_1 = check_beta(beta_1, "beta_1", where)
        self.beta_2 = check_beta(beta_2, "beta_2", where)
        self.epsilon = check_float(epsilon, "epsilon", where, low=0.0)
        self.amsgrad = check_bool(amsgrad, "amsgrad", where)

    def _slot_groups(self):
        groups = [[("momentum", 0.0), ("velocity", 0.0)]]
        if self.amsgrad:
            groups.append([("velocity_hat", 0.0)])
        return groups

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        one = f(1)
        b1_power = f(self.beta_1) ** f(step)
        b2_power = f(self.beta_2) ** f(step)
        alpha = lr * np.sqrt(one - b2_power) / (one - b1_power)
        K.adam(param, grad, slots["momentum"], slots["velocity"], slots.get("velocity_hat"),
               self.amsgrad, alpha, f(1 - self.beta_1), f(1 - self.beta_2), f(self.epsilon))

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
