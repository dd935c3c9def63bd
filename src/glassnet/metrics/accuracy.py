"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k.

Each is a per-sample function (Keras's ``accuracy``, ``binary_accuracy``, ...) and the class that
keeps its running mean (:class:`~.base.MeanMetricWrapper`).
"""
from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_float, check_positive_int
from ..losses import squeeze_or_expand_to_same_rank
from .base import METRIC_FUNCTIONS, REG, PlainWrapper, check_broadcast, float_array

# ===================================================================== accuracy functions
def accuracy(y_true, y_pred):
    """Per-element exact match: ``1.0 if y_true == y_pred else 0.0``."""
    y_pred = float_array(y_pred, "y_pred", "accuracy")
    y_true = float_array(y_true, "y_true", "accuracy", y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcast(y_true, y_pred, "y_true", "y_pred", "accuracy")
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-element binary match: ``1.0 if y_true == (y_pred > threshold) else 0.0``.

    ``y_true`` ``(n,)`` and ``y_pred`` ``(n, 1)`` are aligned to ``(n, 1)``.
    The comparison is done in ``y_pred``'s float type (threshold cast to it).
    """
    threshold = check_float(threshold, "threshold", "binary_accuracy")
    y_pred = float_array(y_pred, "y_pred", "binary_accuracy")
    y_true = float_array(y_true, "y_true", "binary_accuracy", y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_broadcast(y_true, y_pred, "y_true", "y_pred", "binary_accuracy")
    predicted = (y_pred > np.asarray(threshold, dtype=y_pred.dtype)).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """Per-sample match of one-hot targets: ``argmax(y_true) == argmax(y_pred)``.

    Ties go to the first maximal class (as ``argmax`` does in TensorFlow).
    """
    y_pred = float_array(y_pred, "y_pred", "categorical_accuracy")
    y_true = float_array(y_true, "y_true", "categorical_accuracy", y_pred.dtype)
    if y_true.ndim == 0 or y_pred.ndim == 0:
        raise ValueError(
            f"categorical_accuracy: y_true and y_pred must have a class axis, got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    labels = np.argmax(y_true, axis=-1)
    shape = labels.shape
    reshape = False
    if labels.ndim == y_pred.ndim:
        labels = np.squeeze(labels, -1)
        reshape = True
    predicted = np.argmax(y_pred, axis=-1)
    check_broadcast(labels, predicted, "argmax(y_true)", "argmax(y_pred)", "categorical_accuracy")
    matches = (labels == predicted).astype(config.floatx())
    return matches.reshape(shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """Per-sample match of integer labels: ``y_true == argmax(y_pred)``.

    ``y_true`` may be ``(n,)`` or ``(n, 1)``; the result is ``(n,)``.
    """
    y_pred = float_array(y_pred, "y_pred", "sparse_categorical_accuracy")
    y_true = float_array(y_true, "y_true", "sparse_categorical_accuracy", y_pred.dtype)
    if y_pred.ndim == 0:
        raise ValueError("sparse_categorical_accuracy: y_pred must have a class axis, got a scalar")
    shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
        reshape = True
    predicted = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    check_broadcast(y_true, predicted, "y_true", "argmax(y_pred)", "sparse_categorical_accuracy")
    matches = (y_true == predicted).astype(config.floatx())
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def _in_top_k(targets: np.ndarray, predictions: np.ndarray, k: int) -> np.ndarray:
    """TensorFlow's ``in_top_k``: ``#{j: p_j > p_target} < k``.

    Ties at the boundary count as inside; a target outside ``[0, C)`` or a
    row holding NaN/inf gives False.
    """
    n, c = predictions.shape
    if targets.shape != (n,):
        raise ValueError(
            f"top-k accuracy: y_true must give one label per row of y_pred, got labels of shape "
            f"{targets.shape} for {n} rows"
        )
    valid = (targets >= 0) & (targets < c) & np.isfinite(predictions).all(axis=1)
    safe = np.where(valid, targets, 0)
    target_score = predictions[np.arange(n), safe]
    greater = np.count_nonzero(predictions > target_score[:, None], axis=1)
    return valid & (greater < k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per-sample: 1.0 if ``argmax(y_true)`` is among the ``k`` highest scores of ``y_pred``.

    A class tied with the k-th highest score counts as inside (TensorFlow's rule).
    """
    k = check_positive_int(k, "k", "top_k_categorical_accuracy")
    y_pred = float_array(y_pred, "y_pred", "top_k_categorical_accuracy")
    y_true = float_array(y_true, "y_true", "top_k_categorical_accuracy", y_pred.dtype)
    if y_true.ndim == 0 or y_pred.ndim < 2:
        raise ValueError(
            f"top_k_categorical_accuracy: y_true and y_pred must be (batch, classes), got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    labels = np.argmax(y_true, axis=-1)
    shape = labels.shape
    preds = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    matches = _in_top_k(labels.reshape(-1), preds, k).astype(config.floatx())
    return matches.reshape(shape) if labels.ndim > 1 else matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per-sample: 1.0 if the integer label ``y_true`` is among the ``k`` highest scores.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score
    (best first) and the test is ``y_true in y_pred[:, :k]``.
    """
    k = check_positive_int(k, "k", "sparse_top_k_categorical_accuracy")
    y_pred = float_array(y_pred, "y_pred", "sparse_top_k_categorical_accuracy")
    y_true = float_array(y_true, "y_true", "sparse_top_k_categorical_accuracy", y_pred.dtype)
    if y_pred.ndim < 2:
        raise ValueError(
            f"sparse_top_k_categorical_accuracy: y_pred must be (batch, classes), got shape {y_pred.shape}"
        )
    shape = y_true.shape
    preds = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    if from_sorted_ids:
        labels = y_true.reshape(-1)
        if labels.shape[0] != preds.shape[0]:
            raise ValueError(
                f"sparse_top_k_categorical_accuracy: y_true must give one label per row of y_pred, "
                f"got shapes {y_true.shape} and {y_pred.shape}"
            )
        matches = np.any(labels[:, None] == preds[:, :k], axis=1)
    else:
        finite = np.isfinite(y_true)
        labels = np.where(finite, y_true, -1).astype(np.int64).reshape(-1)
        matches = _in_top_k(labels, preds, k)
    matches = matches.astype(config.floatx())
    return matches.reshape(shape) if y_true.ndim > 1 else matches


METRIC_FUNCTIONS.update({
    f.__name__: f
    for f in (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)
})


# ===================================================================== accuracy classes
@REG.register("accuracy", "acc")
class Accuracy(PlainWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly: mean of :func:`accuracy`.

    (``get('accuracy')`` gives this class, as in Keras; in ``compile``/``fit``
    the string 'accuracy' is turned into the binary/categorical/sparse
    variant by :func:`resolve`.)
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


@REG.register("binary_accuracy")
class BinaryAccuracy(PlainWrapper):
    """Fraction of binary labels matched: mean of ``y_true == (y_pred > threshold)``.

    Args:
        name: default ``'binary_accuracy'``.
        dtype: float type of the state.
        threshold: predictions strictly above it count as class 1 (default 0.5).
    """

    _keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        threshold = check_float(threshold, "threshold", "BinaryAccuracy")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


@REG.register("categorical_accuracy")
class CategoricalAccuracy(PlainWrapper):
    """Fraction of one-hot targets matched: mean of ``argmax(y_true) == argmax(y_pred)``."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


@REG.register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(PlainWrapper):
    """Fraction of integer labels matched: mean of ``y_true == argmax(y_pred)``."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


@REG.register("top_k_categorical_accuracy")
class TopKCategoricalAccuracy(PlainWrapper):
    """Fraction of samples whose one-hot target class is among the ``k`` top scores.

    Args:
        k: how many of the highest scores count (default 5).
    """

    _keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        k = check_positive_int(k, "k", "TopKCategoricalAccuracy")
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


@REG.register("sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(PlainWrapper):
    """Fraction of samples whose integer label is among the ``k`` top scores.

    Args:
        k: how many of the highest scores count (default 5).
        from_sorted_ids: ``y_pred`` holds class ids sorted best first.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        k = check_positive_int(k, "k", "SparseTopKCategoricalAccuracy")
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=bool(from_sorted_ids))
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
