"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh and cosine.

Each loss is a :class:`~.base.LossKernel` (per-sample value and gradient side by side), Keras's
function (``mean_squared_error(y_true, y_pred)``) and Keras's class (``MeanSquaredError()``).
``K`` below is the size of the reduced (last) axis.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import check_float
from .base import REG, ArgumentFreeLoss, Loss, LossFunctionWrapper, LossKernel, canonical_axis, \
    check_axis, computed_by, eps


def _softplus(u: np.ndarray) -> np.ndarray:
    """``log(1 + exp(u))`` without overflow."""
    return np.logaddexp(0.0, u).astype(u.dtype, copy=False)


# ================================================================= mean squared error
class MeanSquaredErrorKernel(LossKernel):
    """``mean((p - y)^2)``; gradient ``2 (p - y) / K``."""

    def values_and_gradient(self, y, p, need_grad):
        d = p - y
        values = np.mean(np.square(d), axis=-1)
        return values, (d * (2.0 / d.shape[-1]) if need_grad else None)


@REG.register("mean_squared_error", "mse", "MSE")
@computed_by(MeanSquaredErrorKernel)
def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: ``mean((y_true - y_pred)^2, axis=-1)``.

    Gradient: ``2 (y_pred - y_true) / K`` (``K`` = size of the last axis).
    """
    return MeanSquaredErrorKernel()(y_true, y_pred)


@REG.register("MeanSquaredError")
class MeanSquaredError(ArgumentFreeLoss):
    """Mean squared error ``mean((y_true - y_pred)^2)``, reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name or "mean_squared_error", reduction=reduction, dtype=dtype)


# ================================================================ mean absolute error
class MeanAbsoluteErrorKernel(LossKernel):
    """``mean(|p - y|)``; gradient ``sign(p - y) / K``."""

    def values_and_gradient(self, y, p, need_grad):
        d = p - y
        values = np.mean(np.abs(d), axis=-1)
        return values, (np.sign(d) * (1.0 / d.shape[-1]) if need_grad else None)


@REG.register("mean_absolute_error", "mae", "MAE")
@computed_by(MeanAbsoluteErrorKernel)
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: ``mean(|y_true - y_pred|, axis=-1)``.

    Gradient: ``sign(y_pred - y_true) / K`` (0 where they are equal, as TensorFlow).
    """
    return MeanAbsoluteErrorKernel()(y_true, y_pred)


@REG.register("MeanAbsoluteError")
class MeanAbsoluteError(ArgumentFreeLoss):
    """Mean absolute error ``mean(|y_true - y_pred|)``, reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name or "mean_absolute_error", reduction=reduction, dtype=dtype)


# ===================================================== mean absolute percentage error
class MeanAbsolutePercentageErrorKernel(LossKernel):
    """``100 mean(|y - p| / max(|y|, eps))``; gradient ``100 sign(p - y) / (K max(|y|, eps))``."""

    def values_and_gradient(self, y, p, need_grad):
        scale = np.maximum(np.abs(y), eps())
        diff = np.abs((y - p) / scale)
        values = 100.0 * np.mean(diff, axis=-1)
        grad = None
        if need_grad:
            grad = np.sign(p - y) / scale * (100.0 / p.shape[-1])
        return values, grad


@REG.register("mean_absolute_percentage_error", "mape", "MAPE")
@computed_by(MeanAbsolutePercentageErrorKernel)
def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error: ``100 mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``.

    ``eps`` = ``config.epsilon()`` = 1e-7.  Gradient: ``100 sign(y_pred - y_true) / (K max(|y_true|, eps))``.
    """
    return MeanAbsolutePercentageErrorKernel()(y_true, y_pred)


@REG.register("MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(ArgumentFreeLoss):
    """Mean absolute percentage error ``100 mean(|y_true - y_pred| / max(|y_true|, eps))``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name or "mean_absolute_percentage_error",
                         reduction=reduction, dtype=dtype)


# =================================================== mean squared logarithmic error
class MeanSquaredLogarithmicErrorKernel(LossKernel):
    """``mean(d^2)``, ``d = log(max(p, eps) + 1) - log(max(y, eps) + 1)``;
    gradient ``2 d / (K (max(p, eps) + 1))`` where ``p >= eps``, else 0."""

    def values_and_gradient(self, y, p, need_grad):
        e = eps()
        pm = np.maximum(p, e)
        d = np.log(pm + 1.0) - np.log(np.maximum(y, e) + 1.0)
        values = np.mean(np.square(d), axis=-1)
        grad = None
        if need_grad:
            # maximum(p, eps) passes the gradient where p >= eps
            grad = np.where(pm == p, d * (2.0 / p.shape[-1]) / (pm + 1.0), 0.0).astype(p.dtype, copy=False)
        return values, grad


@REG.register("mean_squared_logarithmic_error", "msle", "MSLE")
@computed_by(MeanSquaredLogarithmicErrorKernel)
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error: ``mean((log(max(y_pred,eps)+1) - log(max(y_true,eps)+1))^2, axis=-1)``.

    Gradient: ``2 d / (K (max(y_pred, eps) + 1))`` where ``y_pred >= eps``, else 0 (``d`` the log difference).
    """
    return MeanSquaredLogarithmicErrorKernel()(y_true, y_pred)


@REG.register("MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(ArgumentFreeLoss):
    """Mean squared logarithmic error ``mean((log(max(y_pred,eps)+1) - log(max(y_true,eps)+1))^2)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name or "mean_squared_logarithmic_error",
                         reduction=reduction, dtype=dtype)


# ============================================================================= Huber
class HuberKernel(LossKernel):
    """``mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2)``, ``e = p - y``;
    gradient ``e / K`` inside the quadratic zone, ``delta sign(e) / K`` outside."""

    def __init__(self, delta=1.0):
        self.delta = delta

    def values_and_gradient(self, y, p, need_grad):
        dt = p.dtype
        d32 = dt.type(self.delta)
        half = dt.type(0.5)
        err = p - y
        ae = np.abs(err)
        quad = ae <= d32
        values = np.mean(np.where(quad, half * np.square(err), d32 * ae - half * np.square(d32)), axis=-1)
        grad = None
        if need_grad:
            grad = np.where(quad, err, d32 * np.sign(err)) * (1.0 / p.shape[-1])
        return values, grad


@REG.register("huber")
@computed_by(HuberKernel)
def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample with ``e = y_pred - y_true``:

    ``mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2, axis=-1)``.
    Gradient: ``e / K`` inside the quadratic zone, ``delta sign(e) / K`` outside.
    """
    return HuberKernel(delta=check_float(delta, "delta", "huber", low=0.0))(y_true, y_pred)


@REG.register("Huber")
class Huber(LossFunctionWrapper):
    """Huber loss (``e = y_pred - y_true``): ``0.5 e^2`` if ``|e| <= delta`` else ``delta |e| - 0.5 delta^2``.

    Averaged over the last axis, then reduced over the batch.  Config adds ``delta`` to
    Keras's ``{'name', 'reduction'}`` so that it round-trips (Keras drops it).
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        delta = check_float(delta.item() if isinstance(delta, np.generic) else delta, "delta", "Huber", low=0.0)
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)

    def get_config(self):
        """``{'name', 'reduction', 'delta'}``."""
        config = Loss.get_config(self)
        config["delta"] = self._fn_kwargs["delta"]
        return config


# ========================================================================== log-cosh
class LogCoshKernel(LossKernel):
    """``mean(x + softplus(-2x) - log 2)`` = ``mean(log cosh x)``, ``x = p - y``; gradient ``tanh(x) / K``."""

    def values_and_gradient(self, y, p, need_grad):
        x = p - y
        values = np.mean(x + _softplus(-2.0 * x) - math.log(2.0), axis=-1)
        return values, (np.tanh(x) * (1.0 / x.shape[-1]) if need_grad else None)


@REG.register("log_cosh", "logcosh")
@computed_by(LogCoshKernel)
def log_cosh(y_true, y_pred):
    """Log-cosh per sample with ``x = y_pred - y_true``: ``mean(x + softplus(-2x) - log 2, axis=-1)``.

    That is ``log(cosh(x))`` computed without overflow; about ``x^2/2`` for small ``x`` and
    ``|x| - log 2`` for large.  Gradient: ``tanh(x) / K``.
    """
    return LogCoshKernel()(y_true, y_pred)


@REG.register("LogCosh")
class LogCosh(ArgumentFreeLoss):
    """Log-cosh ``mean(log(cosh(y_pred - y_true)))``, reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name or "log_cosh", reduction=reduction, dtype=dtype)


# ================================================================= cosine similarity
def l2_normalize(x: np.ndarray, axis: int):
    """Keras's ``normalize``: ``x * min(rsqrt(sum(x^2)), 1/eps)``; also returns the factor and where rsqrt won."""
    s = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        r = 1.0 / np.sqrt(s)
    cap = x.dtype.type(1.0 / eps())
    inv = np.minimum(r, cap)
    return x * inv, inv, r <= cap


class CosineSimilarityKernel(LossKernel):
    """``-sum(t_hat p_hat, axis)``; gradient ``-(t_hat - p_hat (p_hat . t_hat)) / ||p||``
    (``-t_hat / eps`` where the normalisation is capped)."""

    def __init__(self, axis=-1):
        self.axis = axis

    def values_and_gradient(self, y, p, need_grad):
        ax = canonical_axis(self.axis, p.ndim)
        tn, _, _ = l2_normalize(y, ax)
        pn, inv, active = l2_normalize(p, ax)
        values = -np.sum(tn * pn, axis=ax)
        grad = None
        if need_grad:
            proj = np.sum(pn * tn, axis=ax, keepdims=True)
            grad = np.where(active, -inv * (tn - pn * proj), -inv * tn).astype(p.dtype, copy=False)
        return values, grad


@REG.register("cosine_similarity")
@computed_by(CosineSimilarityKernel)
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    ``l2_normalize(x) = x min(1/||x||, 1/eps)`` (a zero vector stays zero), so the loss
    lies in [-1, 1] and -1 means the same direction.  Gradient (when ``1/||p|| <= 1/eps``):
    ``-(t_hat - p_hat (p_hat . t_hat)) / ||p||``; otherwise ``-t_hat / eps``.
    """
    return CosineSimilarityKernel(axis=check_axis(axis, "cosine_similarity"))(y_true, y_pred)


@REG.register("CosineSimilarity")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity ``-sum(t_hat p_hat, axis)`` (in [-1, 1]), reduced over the batch.

    Config adds ``axis`` to Keras's ``{'name', 'reduction'}`` so that it round-trips (Keras
    itself drops it); Keras reads such a config fine.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        axis = check_axis(axis, "CosineSimilarity")
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)

    def get_config(self):
        """``{'name', 'reduction', 'axis'}``."""
        config = Loss.get_config(self)
        config["axis"] = self._fn_kwargs["axis"]
        return config
