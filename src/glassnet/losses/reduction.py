"""Keras 3.15's rank alignment and reduction of per-sample losses, with the derivative of the reduction.

A loss is ``reduce(w * L(y_true, y_pred))``; backpropagation needs ``d result / d L``, which
:func:`reduce_with_coefficient` returns next to the result (``coef``).  The metrics use the same
rank alignment (:func:`squeeze_or_expand_to_same_rank`).
"""
from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_one_of
from ..autodiff.tape import unbroadcast

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none")


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


def as_dtype(a, dtype: np.dtype) -> np.ndarray:
    """``a`` as an array of ``dtype`` (no copy when it already is one)."""
    a = np.asarray(a)
    return a if a.dtype == dtype else a.astype(dtype)


def _sum_to_shape(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum ``a`` over the axes along which ``shape`` was stretched."""
    if a.shape == tuple(shape):
        return a
    a = unbroadcast(a, shape)
    return np.broadcast_to(a, shape) if a.shape != tuple(shape) else a


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


def reduce_with_coefficient(values: np.ndarray, sample_weight, mask, reduction, need_coef: bool):
    """Reduce per-sample ``values``; return ``(result, coef)`` with ``coef = d result / d values``.

    For an unreduced result (``None``/``'none'``) ``coef`` is the derivative of the sum of
    the weighted values (what ``tape.gradient`` of a non-scalar gives).  ``coef`` is ``None``
    unless ``need_coef``.
    """
    values = np.asarray(values)
    dt = values.dtype
    sw = None if sample_weight is None else as_dtype(sample_weight, dt)
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


def as_result(result):
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
    return reduce_with_coefficient(values, sample_weight, None if mask is None else np.asarray(mask, bool),
                                   reduction, False)[0]
