"""Losses between distributions and counts: Kullback-Leibler divergence and Poisson.

(The cross-entropies, the other probabilistic losses, are in :mod:`.crossentropy`.)  Each loss
is a :class:`~.base.LossKernel` (per-sample value and gradient side by side), Keras's function
and Keras's class.  ``K`` is the size of the last axis.
"""
from __future__ import annotations

import numpy as np

from .base import REG, ArgumentFreeLoss, LossKernel, clip_and_mask, computed_by, eps


# ===================================================================== KL divergence
class KLDivergenceKernel(LossKernel):
    """``sum(t log(t / q))``, ``t, q = clip(y, p; eps, 1)``; gradient ``-t / q`` where ``eps <= p <= 1``, else 0."""

    aligns_ranks = False

    def values_and_gradient(self, y, p, need_grad):
        e = eps()
        tc = np.clip(y, e, 1.0)
        pc, inside = clip_and_mask(p, e, 1.0)
        values = np.sum(tc * np.log(tc / pc), axis=-1)
        grad = np.where(inside, -tc / pc, 0.0).astype(p.dtype, copy=False) if need_grad else None
        return values, grad


@REG.register("kl_divergence", "kld", "KLD", "kullback_leibler_divergence")
@computed_by(KLDivergenceKernel)
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence: ``sum(t log(t / p), axis=-1)`` with ``t, p`` clipped to ``[eps, 1]``.

    Gradient: ``-t / p`` where ``eps <= y_pred <= 1``, else 0.
    """
    return KLDivergenceKernel()(y_true, y_pred)


@REG.register("KLDivergence")
class KLDivergence(ArgumentFreeLoss):
    """Kullback-Leibler divergence ``sum(t log(t / p))``, ``t, p`` clipped to ``[eps, 1]``."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name or "kl_divergence", reduction=reduction, dtype=dtype)


# =========================================================================== Poisson
class PoissonKernel(LossKernel):
    """``mean(p - y log(p + eps))``; gradient ``(1 - y / (p + eps)) / K``."""

    aligns_ranks = False

    def values_and_gradient(self, y, p, need_grad):
        e = eps()
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.mean(p - y * np.log(p + e), axis=-1)
            grad = (1.0 - y / (p + e)) * (1.0 / p.shape[-1]) if need_grad else None
        return values, grad


@REG.register("poisson")
@computed_by(PoissonKernel)
def poisson(y_true, y_pred):
    """Poisson loss: ``mean(y_pred - y_true log(y_pred + eps), axis=-1)``.

    Gradient: ``(1 - y_true / (y_pred + eps)) / K``.  Predictions must be > -eps
    (an ``exp`` or ``softplus`` output); otherwise the result is inf/NaN, as in Keras.
    """
    return PoissonKernel()(y_true, y_pred)


@REG.register("Poisson")
class Poisson(ArgumentFreeLoss):
    """Poisson ``mean(y_pred - y_true log(y_pred + eps))``."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name or "poisson", reduction=reduction, dtype=dtype)
