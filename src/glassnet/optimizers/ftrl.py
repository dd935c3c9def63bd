"""FTRL-Proximal (McMahan et al. 2013)."""
from __future__ import annotations

from .._validation import check_float
from ..kernels import K
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("ftrl")
class Ftrl(Optimizer):
    """FTRL-Proximal ("Follow The Regularized Leader") as Keras 3's ``keras.optimizers.Ftrl``.

    With ``n`` (accumulator) starting at ``initial_accumulator_value``, the
    linear term ``z`` at 0, ``p = -learning_rate_power`` (0.5 by default),
    ``lambda_1, lambda_2`` the L1/L2 strengths and ``lambda_s`` the shrinkage::

        g_s  = g + 2 * lambda_s * w
        n'   = n + g**2
        z   <- z + g_s - (n'**p - n**p) / lr * w
        q    = n'**p / lr + 2 * (lambda_2 + beta / (2 * lr))
        w   <- (clip(z, -lambda_1, lambda_1) - z) / q     (0 where |z| <= lambda_1)
        n   <- n'

    This is TensorFlow's FTRL (the same rule as ``tf.compat.v1.train.FtrlOptimizer``);
    PyTorch has no built-in FTRL.  Note the update *replaces* ``w`` rather than
    adding a step to it.

    Args: learning_rate=0.001, learning_rate_power=-0.5 (<= 0),
    initial_accumulator_value=0.1, l1_regularization_strength=0.0,
    l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
    beta=0.0 (all >= 0), plus the base arguments.  State: ``accumulator,
    linear`` interleaved per variable.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        w = "Ftrl"
        self.learning_rate_power = check_float(learning_rate_power, "learning_rate_power", w, high=0.0)
        self.initial_accumulator_value = check_float(
            initial_accumulator_value, "initial_accumulator_value", w, low=0.0)
        self.l1_regularization_strength = check_float(
            l1_regularization_strength, "l1_regularization_strength", w, low=0.0)
        self.l2_regularization_strength = check_float(
            l2_regularization_strength, "l2_regularization_strength", w, low=0.0)
        self.l2_shrinkage_regularization_strength = check_float(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", w, low=0.0)
        self.beta = check_float(beta, "beta", w, low=0.0)

    def _slot_groups(self):
        return [[("accumulator", self.initial_accumulator_value), ("linear", 0.0)]]

    def _update_step(self, param, grad, slots, lr, step):
        f = param.dtype.type
        l2_total = f(self.l2_regularization_strength) + f(self.beta) / (f(2.0) * lr)
        K.ftrl(param, grad, slots["accumulator"], slots["linear"], lr, f(-self.learning_rate_power),
               f(self.l1_regularization_strength), f(2) * l2_total,
               f(2 * self.l2_shrinkage_regularization_strength))

    def get_config(self):
        """The base optimizer's config plus this optimizer's hyper-parameters (Keras's keys)."""
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
