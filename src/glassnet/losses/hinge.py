"""Hinge losses (margin classifiers): hinge, squared hinge and categorical hinge.

Each loss is a :class:`~.base.LossKernel` (per-sample value and gradient side by side), Keras's
function and Keras's class.  ``K`` is the size of the last axis.  The hinge functions take
``y_true`` and ``y_pred`` as they come (no rank alignment), as Keras's do.
"""
from __future__ import annotations

import numpy as np

from .base import REG, ArgumentFreeLoss, LossKernel, computed_by


def _hinge_labels(y: np.ndarray) -> np.ndarray:
    """Keras's conversion: if every label is 0 or 1, map them to -1 and 1 (``2y - 1``)."""
    if np.all((y == 0) | (y == 1)):
        return 2.0 * y - 1.0
    return y


# ============================================================================= hinge
class HingeKernel(LossKernel):
    """``mean(max(1 - y p, 0))``; gradient ``-y / K`` where ``1 - y p >= 0``, else 0."""

    aligns_ranks = False

    def values_and_gradient(self, y, p, need_grad):
        y = _hinge_labels(y)
        margin = 1.0 - y * p
        values = np.mean(np.maximum(margin, 0.0), axis=-1)
        grad = None
        if need_grad:
            grad = np.where(margin >= 0, -y, 0.0).astype(p.dtype, copy=False) * (1.0 / p.shape[-1])
        return values, grad


@REG.register("hinge")
@computed_by(HingeKernel)
def hinge(y_true, y_pred):
    """Hinge loss: ``mean(max(1 - y_true y_pred, 0), axis=-1)``.

    Labels should be -1 or 1; if every label in the batch is 0 or 1 they become ``2y - 1``.
    Gradient: ``-y / K`` where ``1 - y y_pred >= 0``, else 0.
    """
    return HingeKernel()(y_true, y_pred)


@REG.register("Hinge")
class Hinge(ArgumentFreeLoss):
    """Hinge ``mean(max(1 - y_true y_pred, 0))`` (0/1 labels become -1/1)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name or "hinge", reduction=reduction, dtype=dtype)


# ===================================================================== squared hinge
class SquaredHingeKernel(LossKernel):
    """``mean(m^2)``, ``m = max(1 - y p, 0)``; gradient ``-2 y m / K``."""

    aligns_ranks = False

    def values_and_gradient(self, y, p, need_grad):
        y = _hinge_labels(y)
        m = np.maximum(1.0 - y * p, 0.0)
        values = np.mean(np.square(m), axis=-1)
        return values, ((-2.0 / p.shape[-1]) * y * m if need_grad else None)


@REG.register("squared_hinge")
@computed_by(SquaredHingeKernel)
def squared_hinge(y_true, y_pred):
    """Squared hinge loss: ``mean(max(1 - y_true y_pred, 0)^2, axis=-1)`` (0/1 labels become -1/1).

    Gradient: ``-2 y max(1 - y y_pred, 0) / K``.
    """
    return SquaredHingeKernel()(y_true, y_pred)


@REG.register("SquaredHinge")
class SquaredHinge(ArgumentFreeLoss):
    """Squared hinge ``mean(max(1 - y_true y_pred, 0)^2)`` (0/1 labels become -1/1)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name or "squared_hinge", reduction=reduction, dtype=dtype)


# ================================================================= categorical hinge
class CategoricalHingeKernel(LossKernel):
    """``max(neg - pos + 1, 0)``, ``pos = sum(y p)``, ``neg = max((1 - y) p)``; gradient (where the
    argument is >= 0) ``(1 - y) [(1 - y) p == neg] / #ties - y``."""

    aligns_ranks = False

    def values_and_gradient(self, y, p, need_grad):
        pos = np.sum(y * p, axis=-1)
        negv = (1.0 - y) * p
        neg = np.max(negv, axis=-1)
        arg = neg - pos + 1.0
        values = np.maximum(arg, 0.0)
        grad = None
        if need_grad:
            ties = (negv == neg[..., None]).astype(p.dtype)
            ties /= np.sum(ties, axis=-1, keepdims=True)
            grad = (ties * (1.0 - y) - y) * (arg >= 0)[..., None]
        return values, grad


@REG.register("categorical_hinge")
@computed_by(CategoricalHingeKernel)
def categorical_hinge(y_true, y_pred):
    """Categorical hinge: ``max(max((1 - y) p) - sum(y p) + 1, 0)`` over the last axis.

    Gradient (where the argument is >= 0): ``(1 - y) [p is the max of (1-y) p] / #ties - y``.
    """
    return CategoricalHingeKernel()(y_true, y_pred)


@REG.register("CategoricalHinge")
class CategoricalHinge(ArgumentFreeLoss):
    """Categorical hinge ``max(max((1 - y) p) - sum(y p) + 1, 0)``."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name or "categorical_hinge", reduction=reduction, dtype=dtype)
