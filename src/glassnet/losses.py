"""Loss functions: Keras 3's classes, functions, names and numbers (TensorFlow backend).

Two faces, as in Keras:

- **functions** (``mean_squared_error(y_true, y_pred)``, ...) return one loss per
  sample (the last axis is reduced), and are what ``'mse'``, ``'binary_crossentropy'``
  ... resolve to through :func:`get`;
- **classes** (``MeanSquaredError()``, ...) wrap a function, and their call
  ``loss(y_true, y_pred, sample_weight=None)`` reduces the per-sample losses to one
  number with Keras 3.15's reduction rules (see :func:`reduce_weighted_values`).

On top of Keras's API every :class:`Loss` can differentiate itself, which is what a
NumPy model needs for backpropagation:

- ``loss.gradient(y_true, y_pred, sample_weight)`` is ``d loss(...) / d y_pred``, the
  exact derivative of the number ``loss(...)`` computes, with TensorFlow's conventions
  where the function is not smooth: clipping (``clip_by_value``) passes the gradient
  only where ``low <= x <= high``; ``maximum(a, b)`` sends it to ``a`` when ``a >= b``
  (``minimum``: when ``a <= b``); ``abs`` and ``sign`` have derivative 0 at 0; a ``max``
  over an axis shares the gradient equally between tied maxima.
- ``loss.fused_value(y_true, z, sample_weight)`` / ``loss.fused_gradient(y_true, z,
  y_pred, sample_weight)``: the cross-entropies compute from the logits ``z`` when the
  model's output layer is a softmax (categorical and sparse categorical) or a sigmoid
  (binary, binary focal), exactly as Keras's TensorFlow backend does: ``softmax`` and
  ``sigmoid`` leave the logits on their output (``output._keras_logits``) and the
  backend's cross-entropy reads them, so no probability is clipped and the gradient
  with respect to ``z`` is ``(y_pred - y) / N`` (labels smoothed, sample weights and
  the reduction applied). :attr:`Loss.fused_activation` names the activation.
- ``loss.check_targets(y_true, y_pred_shape, where)``: validate the targets once per
  ``fit`` and return them aligned with the predictions, with messages that say what is
  wrong (one-hot labels given to a sparse loss, class index out of range, ...).

Every computation keeps the float type of ``y_pred`` (float32 in, float32 out); a
loss built with an explicit ``dtype`` computes in that type.  Hyper-parameters are
Python floats, so they never promote an array.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import config
from ._registry import Registry, snake_case
from ._validation import check_float, check_one_of, to_array
from .kernels import K

__all__ = [
    "Loss", "LossFunctionWrapper",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh",
    "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
    "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
    "squeeze_or_expand_to_same_rank", "reduce_weighted_values",
    "get", "serialize", "deserialize", "resolve",
]

REG = Registry("loss", "keras.losses")

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none")
_FLOAT_DTYPES = ("float16", "float32", "float64")


# =============================================================== small helpers
def _eps() -> float:
    return config.epsilon()


def _float_dtype_of(a, explicit) -> np.dtype:
    """The dtype a loss computes in: ``explicit`` if given, else the float type of the NumPy
    array ``a``, else floatx (integer arrays, lists and other array-likes, as Keras converts them)."""
    if explicit is not None:
        return explicit
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.dtype
    return np.dtype(config.floatx())


def _as(a, dtype: np.dtype) -> np.ndarray:
    a = np.asarray(a)
    return a if a.dtype == dtype else a.astype(dtype)


def _pred_and_true(y_true, y_pred, dtype=None):
    """``(y_true, y_pred)`` as arrays of ``y_pred``'s float type (Keras's functions cast the same way)."""
    dt = _float_dtype_of(y_pred, dtype)
    return _as(y_true, dt), _as(y_pred, dt)


def _canon_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of rank {ndim}")
    return axis % ndim


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two arrays' ranks agree when they differ by one trailing axis of size 1.

    Keras's rule: if one array has exactly one more axis than the other and that last
    axis has size 1, either the other array gains a trailing axis (when it is 1-D and
    ``expand_rank_1``) or the size-1 axis is squeezed away.  Anything else is returned
    unchanged (``(n,)`` vs ``(n, 1)`` becomes ``(n, 1)`` vs ``(n, 1)``).
    """
    r1, r2 = np.ndim(x1), np.ndim(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and np.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = np.expand_dims(x2, -1)
        else:
            x1 = np.squeeze(x1, -1)
    elif r2 == r1 + 1 and np.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = np.expand_dims(x1, -1)
        else:
            x2 = np.squeeze(x2, -1)
    return x1, x2


def _sum_to_shape(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum ``a`` over the axes along which ``shape`` was stretched."""
    if a.shape == tuple(shape):
        return a
    extra = a.ndim - len(shape)
    if extra > 0:
        a = a.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1)
    if axes:
        a = a.sum(axis=axes, keepdims=True)
    return np.broadcast_to(a, shape) if a.shape != tuple(shape) else a


def _check_same_shape(yt: np.ndarray, yp: np.ndarray, fn_name: str) -> None:
    if yt.shape != yp.shape:
        raise ValueError(
            f"{fn_name}: y_true and y_pred must have the same shape, got y_true.shape={yt.shape} "
            f"and y_pred.shape={yp.shape}"
        )


def _softplus(u: np.ndarray) -> np.ndarray:
    """``log(1 + exp(u))`` without overflow."""
    return np.logaddexp(0.0, u).astype(u.dtype, copy=False)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` without overflow: ``e = exp(-|z|)``, then ``1/(1+e)`` or ``e/(1+e)``."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _logsumexp(z: np.ndarray, axis: int) -> np.ndarray:
    """``log(sum(exp(z), axis, keepdims=True))``, shifted by the max for stability."""
    m = np.max(z, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _clip_and_mask(x: np.ndarray, low: float, high: float):
    """``clip(x, low, high)`` and where TensorFlow's gradient of the clip passes (``low <= x <= high``)."""
    c = np.clip(x, low, high)
    return c, c == x


def _smooth_binary(yt: np.ndarray, ls: float) -> np.ndarray:
    """Binary label smoothing ``y (1 - ls) + 0.5 ls``."""
    return yt * (1.0 - ls) + 0.5 * ls if ls else yt


def _smooth_categorical(yt: np.ndarray, ls: float) -> np.ndarray:
    """Categorical label smoothing ``y (1 - ls) + ls / K``, ``K = y.shape[-1]`` (as Keras, whatever the axis)."""
    if not ls:
        return yt
    k = yt.dtype.type(yt.shape[-1])
    return yt * (1.0 - ls) + yt.dtype.type(ls) / k


# =================================================================== reductions
def _float_mask(mask: np.ndarray, reduction, dtype: np.dtype) -> np.ndarray:
    """A boolean mask as weights, Keras's ``apply_mask``.

    For ``'sum_over_batch_size'`` and ``'mean'`` valid entries weigh ``total / valid``
    (so the mean runs over the valid entries only), others 0; otherwise 1 and 0.
    """
    if reduction in ("mean", "sum_over_batch_size"):
        total = dtype.type(mask.size)
        valid = dtype.type(np.count_nonzero(mask))
        weight = total / valid if valid != 0 else dtype.type(0)
        return np.where(mask, weight, dtype.type(0)).astype(dtype, copy=False)
    return mask.astype(dtype)


def _reduce(values: np.ndarray, sample_weight, mask, reduction, need_coef: bool):
    """Reduce per-sample ``values``; return ``(result, coef)`` with ``coef = d result / d values``.

    For an unreduced result (``None``/``'none'``) ``coef`` is the derivative of the sum of
    the weighted values (what ``tape.gradient`` of a non-scalar gives).
    """
    values = np.asarray(values)
    dt = values.dtype
    sw = None if sample_weight is None else _as(sample_weight, dt)
    if mask is not None:
        fmask = _float_mask(mask, reduction, dt)
        if sw is not None:
            fmask, sw = squeeze_or_expand_to_same_rank(fmask, sw)
            sw = sw * fmask
        else:
            sw = fmask
    if sw is not None:
        v, sw = squeeze_or_expand_to_same_rank(values, sw)
        weighted = v * sw
    else:
        v = weighted = values

    if reduction is None or reduction == "none" or weighted.shape in ((), (0,)):
        result, scale = weighted, dt.type(1)
    else:
        total = np.sum(weighted, dtype=dt)
        if reduction == "sum":
            result, scale = total, dt.type(1)
        else:
            if reduction == "mean_with_sample_weight" and sw is not None:
                divisor = np.sum(sw, dtype=dt)
            else:
                divisor = dt.type(weighted.size)
            if divisor != 0:
                result, scale = total / divisor, dt.type(1) / divisor
            else:  # divide_no_nan
                result, scale = dt.type(0), dt.type(0)
    if not need_coef:
        return result, None
    if sw is None:
        coef = np.broadcast_to(scale, values.shape)
    else:
        coef = _sum_to_shape(np.broadcast_to(sw * scale, weighted.shape), v.shape).reshape(values.shape)
    return result, coef


def _finish(result):
    """A reduced result as a Python float; an unreduced one as an array (Keras's ``None`` reduction)."""
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Keras 3.15's reduction of per-sample losses ``L`` with weights ``w`` (and a mask ``m``).

    ``w`` (and ``L``) first lose or gain a trailing size-1 axis to match ranks
    (:func:`squeeze_or_expand_to_same_rank`), then broadcast: ``W = L * w``.

    - ``'sum'``: ``sum(W)``;
    - ``'sum_over_batch_size'`` / ``'mean'``: ``sum(W) / size(W)`` (the number of entries,
      weights or not);
    - ``'mean_with_sample_weight'``: ``sum(W) / sum(w)`` (``size(W)`` without weights);
    - ``None`` / ``'none'``: ``W`` itself.

    A zero divisor gives 0 (``divide_no_nan``).  A mask (``ignore_class``) multiplies the
    weights; for ``'sum_over_batch_size'``/``'mean'`` its valid entries weigh
    ``size / valid`` so the mean runs over the valid entries.  Arrays of shape ``()`` or
    ``(0,)`` are returned as they are.
    """
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(config.floatx())
    check_one_of(reduction, "reduction", REDUCTIONS, "reduce_weighted_values")
    return _reduce(values, sample_weight, None if mask is None else np.asarray(mask, bool),
                   reduction, False)[0]


# ============================================================ per-loss kernels
# Each kernel takes arrays already cast (and aligned by the class) and returns
# ``(values, grad, mask, axis)``: the per-sample losses, their derivative with
# respect to y_pred (same shape as y_pred; ``None`` unless ``need_grad``), an
# optional boolean mask of valid samples (ignore_class) and the axis of y_pred
# that was reduced.

def _mse_parts(yt, yp, need_grad):
    d = yp - yt
    values = np.mean(np.square(d), axis=-1)
    return values, (d * (2.0 / d.shape[-1]) if need_grad else None), None, -1


def _mae_parts(yt, yp, need_grad):
    d = yp - yt
    values = np.mean(np.abs(d), axis=-1)
    return values, (np.sign(d) * (1.0 / d.shape[-1]) if need_grad else None), None, -1


def _mape_parts(yt, yp, need_grad):
    scale = np.maximum(np.abs(yt), _eps())
    diff = np.abs((yt - yp) / scale)
    values = 100.0 * np.mean(diff, axis=-1)
    grad = None
    if need_grad:
        grad = np.sign(yp - yt) / scale * (100.0 / yp.shape[-1])
    return values, grad, None, -1


def _msle_parts(yt, yp, need_grad):
    eps = _eps()
    pm = np.maximum(yp, eps)
    a = np.log(pm + 1.0)
    b = np.log(np.maximum(yt, eps) + 1.0)
    d = a - b
    values = np.mean(np.square(d), axis=-1)
    grad = None
    if need_grad:
        # maximum(yp, eps) passes the gradient where yp >= eps
        grad = np.where(pm == yp, d * (2.0 / yp.shape[-1]) / (pm + 1.0), 0.0).astype(yp.dtype, copy=False)
    return values, grad, None, -1


def _huber_parts(yt, yp, need_grad, delta=1.0):
    dt = yp.dtype
    d32 = dt.type(delta)
    half = dt.type(0.5)
    err = yp - yt
    ae = np.abs(err)
    quad = ae <= d32
    values = np.mean(np.where(quad, half * np.square(err), d32 * ae - half * np.square(d32)), axis=-1)
    grad = None
    if need_grad:
        grad = np.where(quad, err, d32 * np.sign(err)) * (1.0 / yp.shape[-1])
    return values, grad, None, -1


def _log_cosh_parts(yt, yp, need_grad):
    x = yp - yt
    values = np.mean(x + _softplus(-2.0 * x) - math.log(2.0), axis=-1)
    return values, (np.tanh(x) * (1.0 / x.shape[-1]) if need_grad else None), None, -1


def _hinge_labels(yt: np.ndarray) -> np.ndarray:
    """Keras's conversion: if every label is 0 or 1, map them to -1 and 1 (``2y - 1``)."""
    if np.all((yt == 0) | (yt == 1)):
        return 2.0 * yt - 1.0
    return yt


def _hinge_parts(yt, yp, need_grad):
    y = _hinge_labels(yt)
    margin = 1.0 - y * yp
    values = np.mean(np.maximum(margin, 0.0), axis=-1)
    grad = None
    if need_grad:
        grad = np.where(margin >= 0, -y, 0.0).astype(yp.dtype, copy=False) * (1.0 / yp.shape[-1])
    return values, grad, None, -1


def _squared_hinge_parts(yt, yp, need_grad):
    y = _hinge_labels(yt)
    m = np.maximum(1.0 - y * yp, 0.0)
    values = np.mean(np.square(m), axis=-1)
    return values, ((-2.0 / yp.shape[-1]) * y * m if need_grad else None), None, -1


def _categorical_hinge_parts(yt, yp, need_grad):
    pos = np.sum(yt * yp, axis=-1)
    negv = (1.0 - yt) * yp
    neg = np.max(negv, axis=-1)
    arg = neg - pos + 1.0
    values = np.maximum(arg, 0.0)
    grad = None
    if need_grad:
        ties = (negv == neg[..., None]).astype(yp.dtype)
        ties /= np.sum(ties, axis=-1, keepdims=True)
        grad = (ties * (1.0 - yt) - yt) * (arg >= 0)[..., None]
    return values, grad, None, -1


def _kld_parts(yt, yp, need_grad):
    eps = _eps()
    tc = np.clip(yt, eps, 1.0)
    pc, inside = _clip_and_mask(yp, eps, 1.0)
    values = np.sum(tc * np.log(tc / pc), axis=-1)
    grad = np.where(inside, -tc / pc, 0.0).astype(yp.dtype, copy=False) if need_grad else None
    return values, grad, None, -1


def _poisson_parts(yt, yp, need_grad):
    eps = _eps()
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.mean(yp - yt * np.log(yp + eps), axis=-1)
        grad = (1.0 - yt / (yp + eps)) * (1.0 / yp.shape[-1]) if need_grad else None
    return values, grad, None, -1


def _l2_normalize(x: np.ndarray, axis: int):
    """Keras's ``normalize``: ``x * min(rsqrt(sum(x^2)), 1/eps)``; also returns the factor and where rsqrt won."""
    s = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        r = 1.0 / np.sqrt(s)
    cap = x.dtype.type(1.0 / _eps())
    inv = np.minimum(r, cap)
    return x * inv, inv, r <= cap


def _cosine_parts(yt, yp, need_grad, axis=-1):
    ax = _canon_axis(axis, yp.ndim)
    tn, _, _ = _l2_normalize(yt, ax)
    pn, inv, active = _l2_normalize(yp, ax)
    values = -np.sum(tn * pn, axis=ax)
    grad = None
    if need_grad:
        proj = np.sum(pn * tn, axis=ax, keepdims=True)
        grad = np.where(active, -inv * (tn - pn * proj), -inv * tn).astype(yp.dtype, copy=False)
    return values, grad, None, ax


def _bce_logits_elementwise(y, z):
    """TensorFlow's ``sigmoid_cross_entropy_with_logits``: ``max(z,0) - z y + log(1 + exp(-|z|))``."""
    return np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))


def _bce_prob_elementwise(y, p):
    """Cross-entropy of probabilities clipped to [eps, 1-eps]; returns (values, dvalue/dp)."""
    eps = _eps()
    pc, inside = _clip_and_mask(p, eps, 1.0 - eps)
    values = -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
    dp = np.where(inside, -(y / pc) + (1.0 - y) / (1.0 - pc), 0.0).astype(p.dtype, copy=False)
    return values, dp


def _bce_parts(yt, yp, need_grad, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, yp, "binary_crossentropy")
    ax = _canon_axis(axis, yp.ndim)
    y = _smooth_binary(yt, label_smoothing)
    if from_logits:
        e = _bce_logits_elementwise(y, yp)
        g = (_sigmoid(yp) - y) if need_grad else None
    else:
        e, g = _bce_prob_elementwise(y, yp)
    values = np.mean(e, axis=ax)
    return values, (g * (1.0 / yp.shape[ax]) if need_grad else None), None, ax


def _bce_fused_parts(yt, z, yp, need_grad, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, z, "binary_crossentropy")
    ax = _canon_axis(axis, z.ndim)
    y = _smooth_binary(yt, label_smoothing)
    values = np.mean(_bce_logits_elementwise(y, z), axis=ax)
    return values, ((yp - y) * (1.0 / z.shape[ax]) if need_grad else None), None, ax


def _focal_dfactor(base: np.ndarray, gamma: float) -> np.ndarray:
    """``d base^gamma / d base`` = ``gamma base^(gamma-1)``, taken as its limit (0, or 1 for gamma=1) at base=0."""
    pos = base > 0
    safe = np.where(pos, base, 1.0).astype(base.dtype, copy=False)
    at_zero = 1.0 if gamma == 1 else 0.0
    return np.where(pos, gamma * safe ** (gamma - 1.0), at_zero).astype(base.dtype, copy=False)


def _binary_focal_core(y, p, bce, dbce, need_grad, apply_class_balancing, alpha, gamma, logits_grad):
    """Focal weighting of an elementwise BCE: ``w (1 - p_t)^gamma bce``, ``p_t = y p + (1-y)(1-p)``.

    ``dbce`` is d bce / d p (probability inputs) or d bce / d z (``logits_grad``, then the
    chain through the sigmoid ``dp/dz = p (1 - p)`` is applied to the focal factor).
    """
    base = 1.0 - (y * p + (1.0 - y) * (1.0 - p))
    with np.errstate(invalid="ignore"):
        factor = base ** gamma
    focal = factor * bce
    w = None
    if apply_class_balancing:
        w = y * alpha + (1.0 - y) * (1.0 - alpha)
        focal = w * focal
    if not need_grad:
        return focal, None
    dfactor_dp = -_focal_dfactor(base, gamma) * (2.0 * y - 1.0)
    if logits_grad:
        dfactor_dp = dfactor_dp * (p * (1.0 - p))
    g = dfactor_dp * bce + factor * dbce
    if w is not None:
        g = w * g
    return focal, g


def _binary_focal_parts(yt, yp, need_grad, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                        from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, yp, "binary_focal_crossentropy")
    ax = _canon_axis(axis, yp.ndim)
    y = _smooth_binary(yt, label_smoothing)
    if from_logits:
        p = _sigmoid(yp)
        bce = _bce_logits_elementwise(y, yp)
        dbce = p - y
    else:
        p = yp
        bce, dbce = _bce_prob_elementwise(y, yp)
    focal, g = _binary_focal_core(y, p, bce, dbce, need_grad, apply_class_balancing, alpha, gamma,
                                  logits_grad=from_logits)
    values = np.mean(focal, axis=ax)
    return values, (g * (1.0 / yp.shape[ax]) if need_grad else None), None, ax


def _binary_focal_fused_parts(yt, z, yp, need_grad, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, z, "binary_focal_crossentropy")
    ax = _canon_axis(axis, z.ndim)
    y = _smooth_binary(yt, label_smoothing)
    if yp is None:  # the value alone: the focal factor still needs the probabilities
        yp = _sigmoid(z)
    bce = _bce_logits_elementwise(y, z)
    focal, g = _binary_focal_core(y, yp, bce, yp - y, need_grad, apply_class_balancing, alpha, gamma,
                                  logits_grad=True)
    values = np.mean(focal, axis=ax)
    return values, (g * (1.0 / z.shape[ax]) if need_grad else None), None, ax


def _cce_logits(y, z, ax):
    """TensorFlow's ``softmax_cross_entropy_with_logits``: ``sum(y (logsumexp(z) - z))``."""
    m = np.max(z, axis=ax, keepdims=True)
    shifted = z - m
    lse = np.log(np.sum(np.exp(shifted), axis=ax, keepdims=True))
    return np.sum(y * (lse - shifted), axis=ax)


def _cce_parts(yt, yp, need_grad, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, yp, "categorical_crossentropy")
    ax = _canon_axis(axis, yp.ndim)
    y = _smooth_categorical(yt, label_smoothing)
    if from_logits:
        values = _cce_logits(y, yp, ax)
        # TensorFlow's kernel gradient: softmax(z) - y (exact when the labels sum to 1)
        return values, (_softmax(yp, ax) - y if need_grad else None), None, ax
    eps = _eps()
    total = np.sum(yp, axis=ax, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = yp / total
    oc, inside = _clip_and_mask(out, eps, 1.0 - eps)
    values = -np.sum(y * np.log(oc), axis=ax)
    grad = None
    if need_grad:
        g_out = np.where(inside, -y / oc, 0.0).astype(yp.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = (g_out - np.sum(g_out * out, axis=ax, keepdims=True)) / total
    return values, grad, None, ax


def _cce_fused_parts(yt, z, yp, need_grad, from_logits=False, label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, z, "categorical_crossentropy")
    ax = _canon_axis(axis, z.ndim)
    y = _smooth_categorical(yt, label_smoothing)
    return _cce_logits(y, z, ax), (yp - y if need_grad else None), None, ax


def _categorical_focal_parts(yt, yp, need_grad, alpha=0.25, gamma=2.0, from_logits=False,
                             label_smoothing=0.0, axis=-1):
    _check_same_shape(yt, yp, "categorical_focal_crossentropy")
    ax = _canon_axis(axis, yp.ndim)
    y = _smooth_categorical(yt, label_smoothing)
    s = _softmax(yp, ax) if from_logits else yp
    eps = _eps()
    total = np.sum(s, axis=ax, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = s / total
    oc, inside = _clip_and_mask(out, eps, 1.0 - eps)
    cce = -y * np.log(oc)
    base = 1.0 - oc
    with np.errstate(invalid="ignore"):
        factor = base ** gamma
    values = np.sum(factor * alpha * cce, axis=ax)
    grad = None
    if need_grad:
        g_oc = alpha * (-_focal_dfactor(base, gamma) * cce + factor * (-y / oc))
        g_out = np.where(inside, g_oc, 0.0).astype(yp.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            grad = (g_out - np.sum(g_out * out, axis=ax, keepdims=True)) / total
        if from_logits:
            grad = s * (grad - np.sum(grad * s, axis=ax, keepdims=True))
    return values, grad, None, ax


def _sparse_labels(yt, yp, axis):
    """Labels as int64 of shape ``y_pred.shape[:-1]`` (a trailing size-1 axis is dropped)."""
    if axis != -1 and axis != yp.ndim - 1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got axis={axis}")
    yt = np.asarray(yt)
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = yt.reshape(yt.shape[:-1])
    if yt.shape != yp.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: y_true must have the shape of y_pred without its last "
            f"axis, got y_true.shape={yt.shape} and y_pred.shape={yp.shape}"
        )
    return yt


def _sparse_prepare(yt, yp, ignore_class, axis):
    yt = _sparse_labels(yt, yp, axis)
    valid = None
    if ignore_class is not None:
        valid = yt != ignore_class
        yt = np.where(valid, yt, 0)
        yp = np.where(valid[..., None], yp, 0.0).astype(yp.dtype, copy=False)
    labels = yt.astype(np.int64, copy=False) if yt.dtype.kind != "i" else yt
    k = yp.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels[(labels < 0) | (labels >= k)].flat[0]
        raise ValueError(
            f"sparse_categorical_crossentropy: label {bad} is outside the valid range [0, {k}) "
            f"for {k} output units"
        )
    return labels[..., None], yp, valid


def _sparse_finish(values, grad, valid):
    if valid is None:
        return values, grad, None, -1
    values = np.where(valid, values, 0.0).astype(values.dtype, copy=False)
    if grad is not None:
        grad = np.where(valid[..., None], grad, 0.0).astype(grad.dtype, copy=False)
    return values, grad, valid, -1


def _scce_parts(yt, yp, need_grad, from_logits=False, ignore_class=None, axis=-1):
    idx, yp, valid = _sparse_prepare(yt, yp, ignore_class, axis)
    if from_logits:
        logits, inside, pc = yp, None, None
    else:
        eps = _eps()
        pc, inside = _clip_and_mask(yp, eps, 1.0 - eps)
        logits = np.log(pc)
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    e = np.exp(shifted)
    se = np.sum(e, axis=-1, keepdims=True)
    values = (np.log(se) - np.take_along_axis(shifted, idx, axis=-1))[..., 0]
    grad = None
    if need_grad:
        g = e / se  # softmax of the logits ...
        np.put_along_axis(g, idx, np.take_along_axis(g, idx, axis=-1) - 1.0, axis=-1)  # ... minus one-hot
        if not from_logits:  # chain through log(clip(y_pred))
            g = np.where(inside, g / pc, 0.0).astype(yp.dtype, copy=False)
        grad = g
    return _sparse_finish(values, grad, valid)


def _scce_fused_parts(yt, z, yp, need_grad, from_logits=False, ignore_class=None, axis=-1):
    idx, z, valid = _sparse_prepare(yt, z, ignore_class, axis)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    values = (lse - np.take_along_axis(shifted, idx, axis=-1))[..., 0]
    grad = None
    if need_grad:
        grad = np.array(yp, dtype=z.dtype, copy=True)
        np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, axis=-1) - 1.0, axis=-1)
    return _sparse_finish(values, grad, valid)


# ======================================================== the public functions
class _Spec:
    """What the classes need to know about one loss function."""

    __slots__ = ("parts", "fused_parts", "fused_activation", "targets", "align")

    def __init__(self, parts, targets="regression", fused_parts=None, fused_activation=None, align=True):
        self.parts = parts
        self.fused_parts = fused_parts
        self.fused_activation = fused_activation  # callable(kwargs) -> str | None
        self.targets = targets  # 'regression' | 'binary' | 'categorical' | 'sparse'
        self.align = align  # does the function itself squeeze/expand y_true and y_pred?


_SPECS: dict = {}


def _spec(parts, **kwargs):
    def deco(fn):
        _SPECS[fn] = _Spec(parts, **kwargs)
        return fn

    return deco


def _apply(fn, y_true, y_pred, **kwargs):
    spec = _SPECS[fn]
    yt, yp = _pred_and_true(y_true, y_pred)
    if spec.align:
        yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
    return np.asarray(spec.parts(yt, yp, False, **kwargs)[0])


@REG.register("mean_squared_error", "mse", "MSE")
@_spec(_mse_parts)
def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: ``mean((y_true - y_pred)^2, axis=-1)``.

    Gradient: ``2 (y_pred - y_true) / K`` (``K`` = size of the last axis).
    """
    return _apply(mean_squared_error, y_true, y_pred)


@REG.register("mean_absolute_error", "mae", "MAE")
@_spec(_mae_parts)
def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: ``mean(|y_true - y_pred|, axis=-1)``.

    Gradient: ``sign(y_pred - y_true) / K`` (0 where they are equal, as TensorFlow).
    """
    return _apply(mean_absolute_error, y_true, y_pred)


@REG.register("mean_absolute_percentage_error", "mape", "MAPE")
@_spec(_mape_parts)
def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error: ``100 mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``.

    ``eps`` = ``config.epsilon()`` = 1e-7.  Gradient: ``100 sign(y_pred - y_true) / (K max(|y_true|, eps))``.
    """
    return _apply(mean_absolute_percentage_error, y_true, y_pred)


@REG.register("mean_squared_logarithmic_error", "msle", "MSLE")
@_spec(_msle_parts)
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error: ``mean((log(max(y_pred,eps)+1) - log(max(y_true,eps)+1))^2, axis=-1)``.

    Gradient: ``2 d / (K (max(y_pred, eps) + 1))`` where ``y_pred >= eps``, else 0 (``d`` the log difference).
    """
    return _apply(mean_squared_logarithmic_error, y_true, y_pred)


@REG.register("cosine_similarity")
@_spec(_cosine_parts)
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity: ``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    ``l2_normalize(x) = x min(1/||x||, 1/eps)`` (a zero vector stays zero), so the loss
    lies in [-1, 1] and -1 means the same direction.  Gradient (when ``1/||p|| <= 1/eps``):
    ``-(t_hat - p_hat (p_hat . t_hat)) / ||p||``; otherwise ``-t_hat / eps``.
    """
    return _apply(cosine_similarity, y_true, y_pred, axis=_check_axis(axis, "cosine_similarity"))


@REG.register("huber")
@_spec(_huber_parts)
def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample with ``e = y_pred - y_true``:

    ``mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2, axis=-1)``.
    Gradient: ``e / K`` inside the quadratic zone, ``delta sign(e) / K`` outside.
    """
    delta = check_float(delta, "delta", "huber", low=0.0)
    return _apply(huber, y_true, y_pred, delta=delta)


@REG.register("log_cosh", "logcosh")
@_spec(_log_cosh_parts)
def log_cosh(y_true, y_pred):
    """Log-cosh per sample with ``x = y_pred - y_true``: ``mean(x + softplus(-2x) - log 2, axis=-1)``.

    That is ``log(cosh(x))`` computed without overflow; about ``x^2/2`` for small ``x`` and
    ``|x| - log 2`` for large.  Gradient: ``tanh(x) / K``.
    """
    return _apply(log_cosh, y_true, y_pred)


@REG.register("hinge")
@_spec(_hinge_parts, align=False)
def hinge(y_true, y_pred):
    """Hinge loss: ``mean(max(1 - y_true y_pred, 0), axis=-1)``.

    Labels should be -1 or 1; if every label in the batch is 0 or 1 they become ``2y - 1``.
    Gradient: ``-y / K`` where ``1 - y y_pred >= 0``, else 0.
    """
    return _apply(hinge, y_true, y_pred)


@REG.register("squared_hinge")
@_spec(_squared_hinge_parts, align=False)
def squared_hinge(y_true, y_pred):
    """Squared hinge loss: ``mean(max(1 - y_true y_pred, 0)^2, axis=-1)`` (0/1 labels become -1/1).

    Gradient: ``-2 y max(1 - y y_pred, 0) / K``.
    """
    return _apply(squared_hinge, y_true, y_pred)


@REG.register("categorical_hinge")
@_spec(_categorical_hinge_parts, align=False)
def categorical_hinge(y_true, y_pred):
    """Categorical hinge: ``max(max((1 - y) p) - sum(y p) + 1, 0)`` over the last axis.

    Gradient (where the argument is >= 0): ``(1 - y) [p is the max of (1-y) p] / #ties - y``.
    """
    return _apply(categorical_hinge, y_true, y_pred)


@REG.register("kl_divergence", "kld", "KLD", "kullback_leibler_divergence")
@_spec(_kld_parts, align=False)
def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence: ``sum(t log(t / p), axis=-1)`` with ``t, p`` clipped to ``[eps, 1]``.

    Gradient: ``-t / p`` where ``eps <= y_pred <= 1``, else 0.
    """
    return _apply(kl_divergence, y_true, y_pred)


@REG.register("poisson")
@_spec(_poisson_parts, align=False)
def poisson(y_true, y_pred):
    """Poisson loss: ``mean(y_pred - y_true log(y_pred + eps), axis=-1)``.

    Gradient: ``(1 - y_true / (y_pred + eps)) / K``.  Predictions must be > -eps
    (an ``exp`` or ``softplus`` output); otherwise the result is inf/NaN, as in Keras.
    """
    return _apply(poisson, y_true, y_pred)


def _prob_fused(kind):
    return lambda kwargs: kind


@REG.register("binary_crossentropy", "bce", "BCE")
@_spec(_bce_parts, targets="binary", fused_parts=_bce_fused_parts, fused_activation=_prob_fused("sigmoid"),
       align=False)
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``.

    With ``y = y_true (1 - ls) + 0.5 ls`` (label smoothing ``ls``):

    - probabilities: ``p = clip(y_pred, eps, 1 - eps)``, ``-(y log p + (1 - y) log(1 - p))``;
      gradient ``(-(y/p) + (1-y)/(1-p)) / K`` where ``eps <= y_pred <= 1 - eps``, else 0;
    - logits ``z``: ``max(z, 0) - z y + log(1 + exp(-|z|))``; gradient ``(sigmoid(z) - y) / K``.
    """
    _check_bool(from_logits, "from_logits", "binary_crossentropy")
    ls = _check_smoothing(label_smoothing, "binary_crossentropy")
    return _apply(binary_crossentropy, y_true, y_pred, from_logits=bool(from_logits), label_smoothing=ls,
                  axis=_check_axis(axis, "binary_crossentropy"))


@REG.register("binary_focal_crossentropy")
@_spec(_binary_focal_parts, targets="binary", fused_parts=_binary_focal_fused_parts,
       fused_activation=_prob_fused("sigmoid"), align=False)
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy, averaged over ``axis``: ``w (1 - p_t)^gamma bce``.

    ``y`` is smoothed as in :func:`binary_crossentropy`; ``p = sigmoid(y_pred)`` for logits
    else ``y_pred``; ``p_t = y p + (1 - y)(1 - p)``; ``bce`` is the binary cross-entropy
    (from the logits when ``from_logits``); ``w = y alpha + (1 - y)(1 - alpha)`` with
    ``apply_class_balancing``, else 1.  ``gamma = 0`` gives back the binary cross-entropy.
    """
    where = "binary_focal_crossentropy"
    kw = _focal_kwargs(where, from_logits, label_smoothing, alpha, gamma, axis)
    _check_bool(apply_class_balancing, "apply_class_balancing", where)
    return _apply(binary_focal_crossentropy, y_true, y_pred, apply_class_balancing=bool(apply_class_balancing),
                  **kw)


@REG.register("categorical_crossentropy")
@_spec(_cce_parts, targets="categorical", fused_parts=_cce_fused_parts, fused_activation=_prob_fused("softmax"),
       align=False)
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy over ``axis``, one-hot (or soft) labels.

    With ``y = y_true (1 - ls) + ls / K``:

    - probabilities: ``o = y_pred / sum(y_pred)`` (renormalised), ``p = clip(o, eps, 1 - eps)``,
      ``-sum(y log p)``; gradient through the clip (0 where clipping is active) and the
      renormalisation: ``(g - sum(g o)) / sum(y_pred)`` with ``g = -y / p``;
    - logits ``z``: ``sum(y (logsumexp(z) - z))``; gradient ``softmax(z) - y`` (TensorFlow's
      kernel, the exact derivative when the labels sum to 1).
    """
    where = "categorical_crossentropy"
    _check_bool(from_logits, "from_logits", where)
    ls = _check_smoothing(label_smoothing, where)
    return _apply(categorical_crossentropy, y_true, y_pred, from_logits=bool(from_logits), label_smoothing=ls,
                  axis=_check_axis(axis, where))


@REG.register("categorical_focal_crossentropy")
@_spec(_categorical_focal_parts, targets="categorical", align=False)
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: ``sum(alpha (1 - p)^gamma (-y log p), axis)``.

    ``y`` smoothed as in :func:`categorical_crossentropy`; ``p = clip(s / sum(s), eps, 1 - eps)``
    with ``s = softmax(y_pred)`` for logits, else ``y_pred``.
    """
    kw = _focal_kwargs("categorical_focal_crossentropy", from_logits, label_smoothing, alpha, gamma, axis)
    return _apply(categorical_focal_crossentropy, y_true, y_pred, **kw)


@REG.register("sparse_categorical_crossentropy")
@_spec(_scce_parts, targets="sparse", fused_parts=_scce_fused_parts,
       fused_activation=lambda kw: "softmax" if kw.get("ignore_class") is None else None, align=False)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``).

    - probabilities: ``l = log(clip(y_pred, eps, 1 - eps))`` then ``logsumexp(l) - l[c]``
      (TensorFlow's sparse softmax cross-entropy of the log-probabilities, which
      renormalises the clipped probabilities); gradient ``(softmax(l) - onehot(c)) / clip(y_pred)``
      where the clip is inactive, else 0;
    - logits ``z``: ``logsumexp(z) - z[c]``; gradient ``softmax(z) - onehot(c)``.

    Samples whose label equals ``ignore_class`` get loss 0 and are left out of the mean.
    """
    where = "sparse_categorical_crossentropy"
    _check_bool(from_logits, "from_logits", where)
    return _apply(sparse_categorical_crossentropy, y_true, y_pred, from_logits=bool(from_logits),
                  ignore_class=_check_ignore_class(ignore_class, where), axis=_check_axis(axis, where))


# ====================================================== argument validation
def _check_bool(value, name, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _check_axis(axis, where):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{where}: axis must be an integer, got {type(axis).__name__} {axis!r}")
    return int(axis)


def _check_smoothing(value, where):
    if isinstance(value, np.generic):
        value = value.item()
    return check_float(value, "label_smoothing", where, low=0.0, high=1.0)


def _check_ignore_class(value, where):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: ignore_class must be an integer or None, got {type(value).__name__} {value!r}")
    return int(value)


def _check_gamma(value, where):
    if isinstance(value, np.generic):
        value = value.item()
    return check_float(value, "gamma", where, low=0.0)


def _check_alpha(value, where):
    if isinstance(value, np.generic):
        value = value.item()
    return check_float(value, "alpha", where, low=0.0, high=1.0)


def _focal_kwargs(where, from_logits, label_smoothing, alpha, gamma, axis):
    return dict(alpha=_check_alpha(alpha, where), gamma=_check_gamma(gamma, where),
                from_logits=_check_bool(from_logits, "from_logits", where),
                label_smoothing=_check_smoothing(label_smoothing, where), axis=_check_axis(axis, where))


# ================================================================ the classes
def _fmt_shape(shape) -> str:
    inner = ", ".join(str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _spec_shape(pred_shape) -> str:
    """A prediction shape with the sample axis written ``n``: ``(n, 3)``."""
    return _fmt_shape(("n",) + tuple(pred_shape[1:]))


def _dims_match(a, b) -> bool:
    return len(a) == len(b) and all(bi is None or ai == bi for ai, bi in zip(a, b))


def _first_bad(bad: np.ndarray, values: np.ndarray):
    pos = tuple(int(i) for i in np.argwhere(bad)[0])
    return float(values[pos]), pos[0]


def _numeric_parts(fn, yt, yp, need_grad):
    """A custom per-sample loss function and its central-difference gradient.

    The gradient perturbs one output unit at a time for all samples at once, so it
    assumes (as every per-sample loss does) that a sample's loss depends only on its
    own row of ``y_pred``.
    """
    values = np.asarray(fn(yt, yp))
    if not need_grad:
        return values, None, None, -1
    if yp.ndim == 0 or values.shape != yp.shape[:-1]:
        raise TypeError(
            f"gradient of a custom loss: the function must return one loss per sample, of shape "
            f"{yp.shape[:-1]}, got shape {values.shape}"
        )
    p64 = yp.astype(np.float64)
    t64 = yt.astype(np.float64) if np.asarray(yt).dtype.kind == "f" else yt
    h = 6.0e-6 * np.maximum(1.0, np.abs(p64))
    grad = np.empty_like(p64)
    for j in range(p64.shape[-1]):  # one pass per output unit, vectorised over samples
        up, down = p64.copy(), p64.copy()
        up[..., j] += h[..., j]
        down[..., j] -= h[..., j]
        grad[..., j] = (np.asarray(fn(t64, up), np.float64) - np.asarray(fn(t64, down), np.float64)) / (
            up[..., j] - down[..., j])
    return values, grad.astype(yp.dtype), None, -1


class Loss:
    """Base class of the losses: ``loss(y_true, y_pred, sample_weight=None) -> float``.

    ``call(y_true, y_pred)`` gives the per-sample losses; ``__call__`` weights them and
    applies ``reduction`` (see :func:`reduce_weighted_values`): ``'sum_over_batch_size'``
    (default, = ``'mean'``) ``sum(w L) / size``; ``'sum'``; ``'mean_with_sample_weight'``
    ``sum(w L) / sum(w)``; ``None``/``'none'`` the weighted array.

    name: defaults to the snake_case class name.  dtype: the float type to compute in;
    ``None`` (default) computes in ``y_pred``'s float type (floatx for integer input), so
    float32 stays float32 and float64 gradient checks stay float64.

    Subclass and override ``call`` for a custom loss; its ``gradient`` is then a central
    difference (vectorised over samples).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        where = type(self).__name__
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__} {name!r}")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = check_one_of(reduction, "reduction", REDUCTIONS, where)
        if dtype is not None:
            dtype = str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype
            check_one_of(dtype, "dtype", _FLOAT_DTYPES, where)
        self._dtype_arg = dtype
        self._compute_dtype = None if dtype is None else np.dtype(dtype)
        self._warned_logits = False

    # ------------------------------------------------------------- Keras API
    @property
    def dtype(self) -> str:
        """The compute dtype: the explicit ``dtype`` or ``config.floatx()``."""
        return self._dtype_arg or config.floatx()

    def call(self, y_true, y_pred):
        """Per-sample losses (override in subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: a Python float (an array for ``reduction=None``/``'none'``)."""
        yt, yp = self._convert(y_true, y_pred)
        values, _, mask, _ = self._parts(yt, yp, False)
        return _finish(_reduce(values, sample_weight, mask, self.reduction, False)[0])

    def get_config(self) -> dict:
        """Keras's config: ``{'name', 'reduction'}`` (subclasses add their arguments)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`'s dict: ``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"

    # ------------------------------------------------------ glassnet additions
    @property
    def fused_activation(self):
        """``'softmax'``/``'sigmoid'`` if this loss reads the logits behind that activation, else ``None``."""
        return None

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """``d loss(y_true, y_pred, sample_weight) / d y_pred``, same shape and float type as ``y_pred``.

        The derivative of exactly what ``__call__`` computes, reduction and weights included
        (for ``reduction=None`` the derivative of the sum of the weighted losses).
        """
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """``(loss(...), gradient(...))`` computed in one pass."""
        yt, yp = self._convert(y_true, y_pred)
        values, g, mask, axis = self._parts(yt, yp, True)
        result, coef = _reduce(values, sample_weight, mask, self.reduction, True)
        return _finish(result), self._shape_grad(g, coef, axis, y_pred, yp)

    def fused_value(self, y_true, z, sample_weight=None):
        """The loss computed from the output layer's logits ``z`` (see :attr:`fused_activation`)."""
        return self.fused_value_and_gradient(y_true, z, None, sample_weight, need_grad=False)[0]

    def fused_gradient(self, y_true, z, y_pred, sample_weight=None) -> np.ndarray:
        """``d loss / d z`` on the logits path: ``(y_pred - y) / K`` weighted and reduced.

        ``y_pred`` is the activation's output ``softmax(z)``/``sigmoid(z)``, given to save work.
        """
        return self.fused_value_and_gradient(y_true, z, y_pred, sample_weight)[1]

    def fused_value_and_gradient(self, y_true, z, y_pred, sample_weight=None, need_grad=True):
        """``(fused_value(...), fused_gradient(...))`` in one pass."""
        raise NotImplementedError(f"{type(self).__name__} has no fused logits path")

    def check_targets(self, y_true, y_pred_shape, where="fit"):
        """Validate targets once and return them aligned with predictions of shape ``y_pred_shape``.

        Checks NaN/inf (naming the row), the number of samples and the width, and (by loss)
        the values: 0..1 for the cross-entropies; integer labels in ``[0, units)`` for the
        sparse one.  Returns a float array of the loss's dtype shaped like the
        predictions, or int64 labels of shape ``y_pred_shape[:-1]`` for the sparse loss.
        A trailing size-1 axis is added or dropped as Keras's alignment does.
        ``y_pred_shape`` may hold ``None`` for an unknown batch size.
        """
        return _check_targets(self._target_kind(), self._target_name(), y_true, tuple(y_pred_shape), where,
                              self._compute_dtype or np.dtype(config.floatx()), self._ignore_class())

    # --------------------------------------------------------------- internals
    def _target_kind(self):
        return "regression"

    def _target_name(self):
        return self.name

    def _ignore_class(self):
        return None

    def _float_targets(self) -> bool:
        return self._target_kind() != "sparse"

    def _convert(self, y_true, y_pred):
        dt = _float_dtype_of(y_pred, self._compute_dtype)
        yp = _as(y_pred, dt)
        yt = np.asarray(y_true)
        if self._float_targets() and yt.dtype != dt:
            yt = yt.astype(dt)
        return yt, yp

    def _parts(self, yt, yp, need_grad):
        return _numeric_parts(self.call, yt, yp, need_grad)

    @staticmethod
    def _shape_grad(g, coef, axis, y_pred, yp):
        grad = g * np.expand_dims(coef, axis)
        if grad.shape != yp.shape:
            grad = grad.reshape(yp.shape)
        out_dtype = np.asarray(y_pred).dtype
        if out_dtype.kind == "f" and grad.dtype != out_dtype:
            grad = grad.astype(out_dtype)
        return grad


def _check_targets(kind, fname, y_true, shape, where, dtype, ignore_class):
    prefix = f"{where}: " if where else ""
    if kind == "sparse":
        return _check_sparse_targets(fname, y_true, shape, prefix, where, ignore_class)
    y = to_array(y_true, "y", where, dtype=dtype)
    if shape and shape[0] is not None and y.shape[0] != shape[0]:
        raise ValueError(f"{prefix}y has {y.shape[0]} samples but the predictions have {shape[0]}")
    if _dims_match(y.shape, shape):
        pass
    elif y.ndim == len(shape) - 1 and shape[-1] == 1 and _dims_match(y.shape + (1,), shape):
        y = y.reshape(y.shape + (1,))
    elif y.ndim == len(shape) + 1 and y.shape[-1] == 1 and _dims_match(y.shape[:-1], shape):
        y = y.reshape(y.shape[:-1])
    else:
        units = shape[-1] if shape else None
        if kind == "categorical":
            msg = (f"{fname} expects one-hot targets of shape {_spec_shape(shape)} (one column per output "
                   f"unit), got shape {y.shape}")
            if y.ndim < len(shape) or (y.ndim == len(shape) and y.shape[-1] == 1):
                msg += "; for integer class labels use sparse_categorical_crossentropy"
        else:
            msg = (f"{fname} expects targets of shape {_spec_shape(shape)} to match the {units} output "
                   f"unit(s), got shape {y.shape}")
            if kind == "binary" and y.ndim < len(shape) and units and units > 1:
                msg += "; for integer class labels use sparse_categorical_crossentropy with a softmax output"
        raise ValueError(prefix + msg)
    if kind in ("binary", "categorical"):
        bad = (y < 0) | (y > 1)
        if bad.any():
            v, row = _first_bad(bad, y)
            what = "0/1 labels or probabilities" if kind == "binary" else "one-hot labels or probabilities"
            raise ValueError(f"{prefix}{fname} expects targets in [0, 1] ({what}), got {v!r} at row {row}")
    if kind == "categorical" and shape and shape[-1] == 1:
        warnings.warn(
            f"{fname}: expected predictions of shape (batch_size, num_classes) with num_classes > 1, "
            f"got {_spec_shape(shape)}; consider binary_crossentropy for two classes",
            SyntaxWarning, stacklevel=3,
        )
    return y


def _check_sparse_targets(fname, y_true, shape, prefix, where, ignore_class):
    y = to_array(y_true, "y", where, dtype="float64")
    if shape and shape[0] is not None and y.shape[0] != shape[0]:
        raise ValueError(f"{prefix}y has {y.shape[0]} samples but the predictions have {shape[0]}")
    expected = shape[:-1]
    if _dims_match(y.shape, expected):
        labels = y
    elif y.ndim == len(shape) and y.shape[-1] == 1 and _dims_match(y.shape[:-1], expected):
        labels = y.reshape(y.shape[:-1])
    else:
        spec_a = _spec_shape(expected) if expected else "()"
        spec_b = _spec_shape(expected + (1,)) if expected else "(1,)"
        msg = f"{fname} expects integer class labels of shape {spec_a} or {spec_b}, got shape {y.shape}"
        if y.ndim == len(shape) and y.shape[-1] > 1:
            msg += "; use categorical_crossentropy for one-hot labels"
        raise ValueError(prefix + msg)
    frac = labels != np.floor(labels)
    if frac.any():
        v, row = _first_bad(frac, labels)
        raise ValueError(f"{prefix}{fname} expects integer class labels, got {v!r} at row {row}")
    units = shape[-1]
    ok = np.zeros(labels.shape, bool) if ignore_class is None else labels == ignore_class
    neg = (labels < 0) & ~ok
    if neg.any():
        v, row = _first_bad(neg, labels)
        hint = "" if ignore_class is not None else " (to skip samples, set ignore_class)"
        raise ValueError(f"{prefix}{fname} got the negative class label {int(v)} at row {row}; labels must be "
                         f"in 0..{units - 1 if units else 'units-1'}{hint}")
    if units is not None:
        high = (labels >= units) & ~ok
        if high.any():
            v, row = _first_bad(high, labels)
            raise ValueError(f"{prefix}{fname} got class label {int(v)} at row {row}, but the model has {units} "
                             f"output unit(s), so labels must be in 0..{units - 1}")
    return labels.astype(np.int64)


@REG.register("LossFunctionWrapper")
class LossFunctionWrapper(Loss):
    """A :class:`Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    ``call`` first aligns ``y_true`` and ``y_pred`` (:func:`squeeze_or_expand_to_same_rank`)
    then applies ``fn``.  Every function of this module comes with its exact gradient and,
    for the cross-entropies, the fused logits path; any other function gets a
    central-difference gradient.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: fn must be a function, got {type(fn).__name__} {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs
        self._spec_obj = _SPECS.get(fn)
        if "from_logits" in kwargs:
            self.from_logits = kwargs["from_logits"]

    def call(self, y_true, y_pred):
        """Per-sample losses: ``fn(y_true, y_pred, **kwargs)`` after aligning ranks."""
        yt, yp = self._convert(y_true, y_pred)
        yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
        if self._spec_obj is not None:
            return np.asarray(self._spec_obj.parts(yt, yp, False, **self._fn_kwargs)[0])
        return np.asarray(self.fn(yt, yp, **self._fn_kwargs))

    def _parts(self, yt, yp, need_grad):
        yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
        if self._spec_obj is not None:
            return self._spec_obj.parts(yt, yp, need_grad, **self._fn_kwargs)
        fn, kw = self.fn, self._fn_kwargs
        return _numeric_parts(lambda t, p: fn(t, p, **kw), yt, yp, need_grad)

    @property
    def fused_activation(self):
        spec = self._spec_obj
        if spec is None or spec.fused_activation is None:
            return None
        return spec.fused_activation(self._fn_kwargs)

    def fused_value_and_gradient(self, y_true, z, y_pred, sample_weight=None, need_grad=True):
        spec = self._spec_obj
        if spec is None or spec.fused_parts is None:
            return super().fused_value_and_gradient(y_true, z, y_pred, sample_weight, need_grad)
        if sample_weight is None and need_grad:
            fast = self._fast_fused(y_true, z, y_pred)
            if fast is not None:
                return fast
        if self._fn_kwargs.get("from_logits") and not self._warned_logits:
            self._warned_logits = True
            warnings.warn(
                f"{self.name}: from_logits=True but the output comes from a {self.fused_activation} "
                "activation, so it does not hold logits; the loss uses the layer's logits "
                "(as Keras does). Was this intended?",
                UserWarning, stacklevel=3,
            )
        yt, zz = self._convert(y_true, z)
        yt, zz = squeeze_or_expand_to_same_rank(yt, zz)
        yp = None
        if need_grad:
            yp = _as(y_pred, zz.dtype).reshape(zz.shape)
        values, g, mask, axis = spec.fused_parts(yt, zz, yp, need_grad, **self._fn_kwargs)
        result, coef = _reduce(values, sample_weight, mask, self.reduction, need_grad)
        if not need_grad:
            return _finish(result), None
        return _finish(result), self._shape_grad(g, coef, axis, z, np.asarray(z))

    def _fast_fused(self, y, z, y_pred):
        """The training loop's common case, with no generic machinery: a 2-D float32 batch,
        targets already aligned by ``check_targets``, no sample weights, the default reduction
        and no label smoothing.  Same formulas, same float32 order as the general path
        (per-sample mean over the last axis, then sum / n).  ``None`` when not applicable."""
        kw = self._fn_kwargs
        if not (isinstance(y, np.ndarray) and isinstance(z, np.ndarray) and isinstance(y_pred, np.ndarray)):
            return None
        if (self.reduction != "sum_over_batch_size" or z.ndim != 2 or kw.get("label_smoothing", 0.0)
                or kw.get("axis", -1) not in (-1, 1) or kw.get("ignore_class") is not None
                or kw.get("from_logits") or z.dtype != y_pred.dtype):
            return None
        n, d = z.shape
        fn = self.fn
        if fn is binary_crossentropy and y.shape == z.shape:
            # TF's sigmoid CE per row and grad = (sigmoid(z) - y) / d / n: one fused kernel
            dt = z.dtype
            values, grad = K.sigmoid_bce(z, y, y_pred, dt.type(1.0 / d), dt.type(1) / dt.type(n))
            return float(np.add.reduce(values, dtype=dt) / dt.type(n)), grad
        elif fn is categorical_crossentropy and y.shape == z.shape:
            shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
            lse = np.log(np.add.reduce(np.exp(shifted), axis=1, keepdims=True))
            values = np.add.reduce(y * (lse - shifted), axis=1)               # TF's softmax CE
            grad = y_pred - y
        elif fn is sparse_categorical_crossentropy and y.ndim == 1 and y.dtype.kind == "i" and len(y) == n:
            # values = logsumexp(z) - z[y], grad = (softmax - one_hot(y)) / n: one fused kernel
            dt = z.dtype
            values, grad = K.sparse_softmax_ce(z, y, y_pred, dt.type(1) / dt.type(n))
            return float(np.add.reduce(values, dtype=dt) / dt.type(n)), grad
        else:
            return None
        dt = z.dtype
        scale = dt.type(1) / dt.type(n)
        value = float(np.add.reduce(values, dtype=dt) / dt.type(n))
        grad *= scale
        return value, grad

    def _target_kind(self):
        return self._spec_obj.targets if self._spec_obj is not None else "regression"

    def _target_name(self):
        return getattr(self.fn, "__name__", self.name)

    def _ignore_class(self):
        return self._fn_kwargs.get("ignore_class")

    def get_config(self):
        """``{'name', 'reduction', 'fn': serialize(fn), **kwargs}``, as Keras writes it."""
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`'s dict, deserializing ``fn``."""
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


class _Simple(LossFunctionWrapper):
    """Losses without hyper-parameters: config ``{'name', 'reduction'}``."""

    _fn = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self)._fn, name=name or self._default_name, reduction=reduction, dtype=dtype)

    def get_config(self):
        """``{'name', 'reduction'}``."""
        return Loss.get_config(self)


def _simple(cls_name, fn, default_name, formula):
    cls = type(cls_name, (_Simple,), {
        "_fn": staticmethod(fn),
        "_default_name": default_name,
        "__doc__": f"{formula}\n\n    Class form of :func:`{fn.__name__}`; "
                   f"``{cls_name}(reduction='sum_over_batch_size', name='{default_name}', dtype=None)``.",
        "__module__": __name__,
    })

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        _Simple.__init__(self, reduction=reduction, name=name, dtype=dtype)

    __init__.__qualname__ = f"{cls_name}.__init__"
    cls.__init__ = __init__
    cls.__qualname__ = cls_name
    return REG.register(cls_name)(cls)


MeanSquaredError = _simple("MeanSquaredError", mean_squared_error, "mean_squared_error",
                           "Mean squared error ``mean((y_true - y_pred)^2)``, reduced over the batch.")
MeanAbsoluteError = _simple("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                            "Mean absolute error ``mean(|y_true - y_pred|)``, reduced over the batch.")
MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error",
    "Mean absolute percentage error ``100 mean(|y_true - y_pred| / max(|y_true|, eps))``.")
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error",
    "Mean squared logarithmic error ``mean((log(max(y_pred,eps)+1) - log(max(y_true,eps)+1))^2)``.")
LogCosh = _simple("LogCosh", log_cosh, "log_cosh",
                  "Log-cosh ``mean(log(cosh(y_pred - y_true)))``, reduced over the batch.")
Hinge = _simple("Hinge", hinge, "hinge", "Hinge ``mean(max(1 - y_true y_pred, 0))`` (0/1 labels become -1/1).")
SquaredHinge = _simple("SquaredHinge", squared_hinge, "squared_hinge",
                       "Squared hinge ``mean(max(1 - y_true y_pred, 0)^2)`` (0/1 labels become -1/1).")
CategoricalHinge = _simple("CategoricalHinge", categorical_hinge, "categorical_hinge",
                           "Categorical hinge ``max(max((1 - y) p) - sum(y p) + 1, 0)``.")
KLDivergence = _simple("KLDivergence", kl_divergence, "kl_divergence",
                       "Kullback-Leibler divergence ``sum(t log(t / p))``, ``t, p`` clipped to ``[eps, 1]``.")
Poisson = _simple("Poisson", poisson, "poisson", "Poisson ``mean(y_pred - y_true log(y_pred + eps))``.")


@REG.register("CosineSimilarity")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity ``-sum(t_hat p_hat, axis)`` (in [-1, 1]), reduced over the batch.

    Config adds ``axis`` to Keras's ``{'name', 'reduction'}`` so that it round-trips (Keras
    itself drops it); Keras reads such a config fine.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        axis = _check_axis(axis, "CosineSimilarity")
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)

    def get_config(self):
        """``{'name', 'reduction', 'axis'}``."""
        config = Loss.get_config(self)
        config["axis"] = self._fn_kwargs["axis"]
        return config


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


class _Crossentropy(LossFunctionWrapper):
    _keys: tuple = ()

    def get_config(self):
        """``{'name', 'reduction'}`` plus the loss's arguments, in Keras's order."""
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._keys})
        return config


@REG.register("BinaryCrossentropy")
class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy (see :func:`binary_crossentropy`), reduced over the batch.

    With a sigmoid output layer the model uses :meth:`fused_value`/:meth:`fused_gradient`:
    ``mean(max(z,0) - z y + log(1 + exp(-|z|)))`` and ``(sigmoid(z) - y) / K``, as Keras does.
    """

    _keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        w = "BinaryCrossentropy"
        from_logits = _check_bool(from_logits, "from_logits", w)
        label_smoothing = _check_smoothing(label_smoothing, w)
        axis = _check_axis(axis, w)
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@REG.register("BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(_Crossentropy):
    """Binary focal cross-entropy ``w (1 - p_t)^gamma bce`` (see :func:`binary_focal_crossentropy`)."""

    _keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        w = "BinaryFocalCrossentropy"
        kw = _focal_kwargs(w, from_logits, label_smoothing, alpha, gamma, axis)
        apply_class_balancing = _check_bool(apply_class_balancing, "apply_class_balancing", w)
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, **kw)
        self.apply_class_balancing = apply_class_balancing
        self.alpha, self.gamma = kw["alpha"], kw["gamma"]
        self.from_logits, self.label_smoothing, self.axis = kw["from_logits"], kw["label_smoothing"], kw["axis"]


@REG.register("CategoricalCrossentropy")
class CategoricalCrossentropy(_Crossentropy):
    """Categorical cross-entropy (see :func:`categorical_crossentropy`), reduced over the batch.

    With a softmax output layer the model uses :meth:`fused_value`/:meth:`fused_gradient`:
    ``sum(y (logsumexp(z) - z))`` and ``softmax(z) - y``, as Keras does.
    """

    _keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        w = "CategoricalCrossentropy"
        from_logits = _check_bool(from_logits, "from_logits", w)
        label_smoothing = _check_smoothing(label_smoothing, w)
        axis = _check_axis(axis, w)
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@REG.register("CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(_Crossentropy):
    """Categorical focal cross-entropy ``sum(alpha (1 - p)^gamma (-y log p))`` (no fused path, as in Keras)."""

    _keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        kw = _focal_kwargs("CategoricalFocalCrossentropy", from_logits, label_smoothing, alpha, gamma, axis)
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype, **kw)
        self.alpha, self.gamma = kw["alpha"], kw["gamma"]
        self.from_logits, self.label_smoothing, self.axis = kw["from_logits"], kw["label_smoothing"], kw["axis"]


@REG.register("SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(_Crossentropy):
    """Categorical cross-entropy with integer labels (see :func:`sparse_categorical_crossentropy`).

    ``ignore_class``: a label value whose samples are skipped (loss 0, left out of the mean).
    With a softmax output (and no ``ignore_class``) the model uses the fused logits path
    ``logsumexp(z) - z[c]``, gradient ``softmax(z) - onehot(c)``, as Keras does; with
    ``ignore_class`` Keras masks the probabilities first and so loses the logits, and so do we.
    """

    _keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        w = "SparseCategoricalCrossentropy"
        from_logits = _check_bool(from_logits, "from_logits", w)
        ignore_class = _check_ignore_class(ignore_class, w)
        axis = _check_axis(axis, w)
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class


REG.register("Loss")(Loss)


# ========================================================= get / (de)serialize
def serialize(loss):
    """Keras's dict form: ``{'module', 'class_name', 'config', 'registered_name'}``.

    A loss function becomes ``{'module': 'builtins', 'class_name': 'function',
    'config': 'mean_squared_error', 'registered_name': 'function'}``, as in Keras.
    """
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        return REG.serialize(loss)
    if callable(loss) and hasattr(loss, "__name__"):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise TypeError(f"losses.serialize: loss must be a Loss or a loss function, got {type(loss).__name__} {loss!r}")


def deserialize(config, custom_objects=None):
    """A loss function or :class:`Loss` instance from :func:`serialize`'s dict (or a name)."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        return REG.lookup(config)
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        if name in custom_objects:
            return custom_objects[name]
        return REG.lookup(name)
    if isinstance(config, dict) and config.get("class_name") in custom_objects:
        cls = custom_objects[config["class_name"]]
        return cls.from_config(config.get("config") or {})
    return REG.deserialize(config)


def get(identifier):
    """Keras's ``losses.get``: ``None``, a name, a config dict, a function or a :class:`Loss`.

    A function name (``'mse'``, ``'binary_crossentropy'``) gives the function, a class name
    (``'MeanSquaredError'``) an instance with default arguments, a dict its deserialized
    object; callables are returned as they are.  Use :func:`resolve` to always get a
    :class:`Loss`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = REG.lookup(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    return obj


def resolve(identifier, y_true_shape=None, y_pred_shape=None):
    """A :class:`Loss` instance for ``compile(loss=identifier)``, as Keras's compile builds it.

    Functions (and their names) are wrapped in :class:`LossFunctionWrapper` named after the
    identifier string (``'mse'``) or the function.  ``'crossentropy'``/``'ce'`` pick the
    binary (one output unit), sparse (targets of lower rank, or one column for several
    units) or categorical cross-entropy from the shapes, as Keras does.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(f"losses.resolve: loss={identifier!r} needs y_true_shape and y_pred_shape to choose "
                             "between binary, sparse and categorical cross-entropy")
        yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
        if yp[-1] == 1:
            obj = binary_crossentropy
        elif len(yt) < len(yp) or (yt[-1] == 1 and yp[-1] > 1):
            obj = sparse_categorical_crossentropy
        else:
            obj = categorical_crossentropy
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)
