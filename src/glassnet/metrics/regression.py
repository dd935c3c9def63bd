"""Regression and loss-based metrics: the running mean of a loss function per sample.

``MeanSquaredError()`` keeps the mean of ``glassnet.losses.mean_squared_error`` over everything
seen, and so on; :class:`RootMeanSquaredError` takes the square root at the end, and
:func:`cosine_similarity` is the metric's own (positive) sign of the cosine.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import config
from ..losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
                      log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
                      squeeze_or_expand_to_same_rank)
from .base import (METRIC_FUNCTIONS, REG, Mean, PlainWrapper, as_result, check_broadcast,
                   divide_no_nan, float_array)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine similarity ``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    ``l2_normalize(x) = x * min(1 / sqrt(sum(x**2, axis)), 1 / epsilon)``, so an
    all-zero vector gives 0 instead of NaN.  (This is the metric's sign: +1 for
    equal directions, unlike the loss, which is its negative.)
    """
    y_pred = float_array(y_pred, "y_pred", "cosine_similarity")
    y_true = float_array(y_true, "y_true", "cosine_similarity", y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcast(y_true, y_pred, "y_true", "y_pred", "cosine_similarity")
    cap = 1.0 / config.epsilon()

    def normalize(x):
        square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):
            inv = 1.0 / np.sqrt(square_sum)
        return x * np.minimum(inv, cap)

    return np.sum(normalize(y_true) * normalize(y_pred), axis=axis)


METRIC_FUNCTIONS["cosine_similarity"] = cosine_similarity


# ===================================================================== regression / loss metrics
@REG.register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(PlainWrapper):
    """Running mean of ``mean((y_true - y_pred)**2, axis=-1)`` (``glassnet.losses.mean_squared_error``)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


@REG.register("mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(PlainWrapper):
    """Running mean of ``mean(|y_true - y_pred|, axis=-1)`` (``glassnet.losses.mean_absolute_error``)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


@REG.register("mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(PlainWrapper):
    """Running mean of ``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


@REG.register("mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(PlainWrapper):
    """Running mean of ``mean((log(max(y_true, eps) + 1) - log(max(y_pred, eps) + 1))**2, axis=-1)``."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


@REG.register("root_mean_squared_error")
class RootMeanSquaredError(Mean):
    """``sqrt(sum_i w_i (y_pred_i - y_true_i)**2 / sum_i w_i)`` over everything seen.

    The squared errors are averaged per sample (over trailing axes) before
    weighting, and the square root is taken of the final mean, not per batch.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = type(self).__name__
        y_true = float_array(y_true, "y_true", where, self._dtype)
        y_pred = float_array(y_pred, "y_pred", where, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        check_broadcast(y_true, y_pred, "y_true", "y_pred", where)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return as_result(np.sqrt(divide_no_nan(self.total, self.count)))


@REG.register("cosine_similarity")
class CosineSimilarity(PlainWrapper):
    """Running mean of the per-sample :func:`cosine_similarity` along ``axis``.

    (Keras's config omits ``axis``; glassnet writes it so the round trip keeps it.)
    """

    _keys = ("axis",)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"CosineSimilarity: axis must be an integer, got {axis!r}")
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=int(axis))
        self.axis = int(axis)


@REG.register("log_cosh_error")
class LogCoshError(PlainWrapper):
    """Running mean of ``mean(log(cosh(y_pred - y_true)), axis=-1)`` (``glassnet.losses.log_cosh``)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


@REG.register("binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(PlainWrapper):
    """Running mean of ``glassnet.losses.binary_crossentropy`` per sample:
    ``-mean(y log p + (1 - y) log(1 - p), axis=-1)`` with ``p`` clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (sigmoid applied inside).
        label_smoothing: ``y -> y (1 - s) + s / 2``.
    """

    _keys = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=label_smoothing)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing


@REG.register("categorical_crossentropy")
class CategoricalCrossentropy(PlainWrapper):
    """Running mean of ``glassnet.losses.categorical_crossentropy`` per sample:
    ``-sum(y * log(p), axis)`` with ``p`` renormalised and clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (softmax applied inside).
        label_smoothing: ``y -> y (1 - s) + s / C``.
        axis: the class axis.
    """

    _keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=label_smoothing, axis=axis)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing
        self.axis = axis


@REG.register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(PlainWrapper):
    """Running mean of ``glassnet.losses.sparse_categorical_crossentropy`` per sample:
    ``-log(p[y])`` with ``p`` clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (softmax applied inside).
        ignore_class: a label value whose samples are left out (weight 0).
        axis: the class axis.
    """

    _keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class, axis=axis)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class
        self.axis = axis


@REG.register("kl_divergence")
class KLDivergence(PlainWrapper):
    """Running mean of ``sum(y * log(y / p), axis=-1)`` with both clipped to ``[eps, 1]``."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


@REG.register("poisson")
class Poisson(PlainWrapper):
    """Running mean of ``mean(p - y * log(p + eps), axis=-1)``."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


@REG.register("hinge")
class Hinge(PlainWrapper):
    """Running mean of ``mean(max(1 - y * p, 0), axis=-1)`` (0/1 labels mapped to -1/1)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


@REG.register("squared_hinge")
class SquaredHinge(PlainWrapper):
    """Running mean of ``mean(max(1 - y * p, 0)**2, axis=-1)`` (0/1 labels mapped to -1/1)."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


@REG.register("categorical_hinge")
class CategoricalHinge(PlainWrapper):
    """Running mean of ``max(max((1 - y) * p) - sum(y * p) + 1, 0)`` per sample."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
