"""Confusion-matrix metrics: TP/FP/TN/FN counts at thresholds, precision and recall.

:func:`confusion_counts` computes all four weighted counts at every threshold in one pass; the
AUC (:mod:`.auc`) accumulates the same counts.
"""
from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_float, check_non_negative_int, check_positive_int
from ..losses import squeeze_or_expand_to_same_rank
from .base import REG, Metric, as_result, broadcast_weight, divide_no_nan, float_array

#: The value Keras gives to predictions outside the top k (and the default
#: threshold of Precision/Recall when ``top_k`` is set).
NEG_INF = -1e10


# ===================================================================== confusion-matrix machinery
def parse_thresholds(thresholds, default, where):
    """A list of thresholds: ``[default]`` for None, else each checked in [0, 1]."""
    if thresholds is None:
        return [default]
    if isinstance(thresholds, np.ndarray):
        items = thresholds.ravel().tolist()
    elif isinstance(thresholds, (list, tuple)):
        items = list(thresholds)
    else:
        items = [thresholds]
    if not items:
        raise ValueError(f"{where}: thresholds must not be empty, got {thresholds!r}")
    return [check_float(t, "thresholds", where, low=0.0, high=1.0) for t in items]


def evenly_distributed(thresholds) -> bool:
    """True for 3+ thresholds equal to ``i / (n - 1)`` (within 1e-7): Keras's fast path."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(np.asarray(thresholds, dtype=np.float64), even, atol=config.epsilon()))


def prepare_confusion_inputs(y_true, y_pred, sample_weight, dtype, where, *, top_k=None, class_id=None):
    """Align y_true/y_pred/sample_weight as Keras does; apply top_k and class_id.

    Returns ``(y_true, y_pred, weights_or_None)`` with matching shapes.
    """
    y_true = float_array(y_true, "y_true", where, dtype)
    y_pred = float_array(y_pred, "y_pred", where, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same shape, got y_true {y_true.shape} "
            f"and y_pred {y_pred.shape}"
        )
    sw = None
    if sample_weight is not None:
        sw = float_array(sample_weight, "sample_weight", where, dtype)[..., None]
        _, sw = squeeze_or_expand_to_same_rank(y_true, sw, expand_rank_1=False)
    if top_k is not None:
        if y_pred.ndim == 0 or top_k > y_pred.shape[-1]:
            raise ValueError(
                f"{where}: top_k must be at most the number of classes (last axis of y_pred), got "
                f"top_k={top_k} for y_pred of shape {y_pred.shape}"
            )
        # Keep the top_k scores of each row (ties: lower index first, as TF's top_k)
        # and push the rest to NEG_INF so that no threshold counts them as positive.
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]
        keep = np.zeros(y_pred.shape, dtype=bool)
        np.put_along_axis(keep, top, True, axis=-1)
        y_pred = np.where(keep, y_pred, np.asarray(NEG_INF, dtype=y_pred.dtype))
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(
                f"{where}: with class_id, y_pred must be (num_samples, num_classes), got shape {y_pred.shape}"
            )
        if class_id >= y_pred.shape[-1]:
            raise ValueError(
                f"{where}: class_id must be in [0, {y_pred.shape[-1]}) for y_pred of shape {y_pred.shape}, "
                f"got {class_id}"
            )
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if sw is not None:
        sw = broadcast_weight(sw, y_pred.shape, where)
    return y_true, y_pred, sw


def confusion_counts(y_true, y_pred, weights, thresholds, *, evenly, multi_label=False, dtype="float32"):
    """Weighted TP, FP, TN, FN at every threshold, in one pass (no loop over thresholds).

    A prediction ``p`` is positive at threshold ``t`` when ``p > t``.  For each
    prediction we find ``last``, the highest (sorted) threshold index it
    exceeds (-1 for none); a bincount over ``last`` followed by a reversed
    cumulative sum gives ``TP(t_i) = sum of positive-label weights with last >= i``,
    and likewise FP; ``FN = total positive weight - TP``, ``TN = total negative - FP``.

    ``evenly`` uses Keras's bucket formula for thresholds ``i / (T - 1)``
    (``last = ceil(p * (T - 1)) - 1`` on ``p`` clipped to [0, 1], floored at 0 when the
    end thresholds sit just outside [0, 1]), which reproduces Keras's numbers
    including its float32 rounding; otherwise ``np.searchsorted`` on the
    sorted thresholds.  NaN predictions are negative at every threshold.

    Returns four arrays of shape ``(T,)``, or ``(T, L)`` with ``multi_label``
    (``y_true``/``y_pred`` of shape ``(n, L)``, one curve per column).
    """
    num_t = len(thresholds)
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2, got shape {y_pred.shape}")
        num_l = y_pred.shape[1]
        col = np.broadcast_to(np.arange(num_l), y_pred.shape).ravel()
    else:
        num_l = 1
        col = None
    pred = y_pred.ravel()
    label = (y_true != 0).ravel()
    nan = np.isnan(pred)

    if evenly:
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        clipped = np.clip(pred, 0.0, 1.0)
        bucket = np.ceil(clipped * np.asarray(num_t - 1, dtype=pred.dtype)) - 1
        if with_eps:
            bucket = np.maximum(bucket, 0)
        bucket[nan] = -1
        last = bucket.astype(np.int64)
        order = None
    else:
        thr = np.asarray(thresholds, dtype=pred.dtype)
        order = np.argsort(thr, kind="stable")
        last = np.searchsorted(thr[order], pred, side="left") - 1
        last[nan] = -1

    slots = num_t + 1
    index = last + 1 if col is None else last + 1 + col * slots
    if weights is None:
        w = None
        pos_w = label.astype(np.float64)
    else:
        w = np.asarray(weights).ravel().astype(np.float64)
        pos_w = np.where(label, w, 0.0)
    neg_w = (1.0 - pos_w) if w is None else (w - pos_w)
    size = num_l * slots
    pos_bins = np.bincount(index, weights=pos_w, minlength=size).reshape(num_l, slots)
    neg_bins = np.bincount(index, weights=neg_w, minlength=size).reshape(num_l, slots)
    # count at threshold i = sum of bins j >= i + 1
    tp = np.cumsum(pos_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fp = np.cumsum(neg_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fn = pos_bins.sum(axis=1, keepdims=True) - tp
    tn = neg_bins.sum(axis=1, keepdims=True) - fp
    out = []
    for a in (tp, fp, tn, fn):
        if order is not None:
            unsorted = np.empty_like(a)
            unsorted[:, order] = a
            a = unsorted
        a = a.T if multi_label else a[0]
        out.append(a.astype(dtype))
    return tuple(out)


_TP, _FP, _TN, _FN = "tp", "fp", "tn", "fn"


class _ConfusionMatrixConditionCount(Metric):
    """Weighted count of one confusion-matrix cell at each threshold."""

    _cond = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5, where)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted count (``y_pred > threshold`` is a positive prediction)."""
        yt, yp, sw = prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, type(self).__name__)
        tp, fp, tn, fn = confusion_counts(yt, yp, sw, self.thresholds,
                                           evenly=self._thresholds_distributed_evenly, dtype=self._dtype)
        self.accumulator += {_TP: tp, _FP: fp, _TN: tn, _FN: fn}[self._cond]

    def result(self):
        return as_result(self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@REG.register("true_positives")
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true != 0 and y_pred > threshold`` (threshold default 0.5;
    a list of thresholds gives one count per threshold)."""

    _cond = _TP


@REG.register("false_positives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true == 0 and y_pred > threshold`` (default threshold 0.5)."""

    _cond = _FP


@REG.register("true_negatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true == 0 and y_pred <= threshold`` (default threshold 0.5)."""

    _cond = _TN


@REG.register("false_negatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true != 0 and y_pred <= threshold`` (default threshold 0.5)."""

    _cond = _FN


class _PrecisionRecallBase(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        self.init_thresholds = thresholds
        self.top_k = check_positive_int(top_k, "top_k", where, allow_none=True)
        self.class_id = None if class_id is None else check_non_negative_int(class_id, "class_id", where)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, where)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        self._second = self.add_variable((n,), name=self._second_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted true positives and false positives/negatives."""
        yt, yp, sw = prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, type(self).__name__,
                                               top_k=self.top_k, class_id=self.class_id)
        tp, fp, tn, fn = confusion_counts(yt, yp, sw, self.thresholds,
                                           evenly=self._thresholds_distributed_evenly, dtype=self._dtype)
        self.true_positives += tp
        self._second += fp if self._second_name == "false_positives" else fn

    def result(self):
        value = divide_no_nan(self.true_positives, self.true_positives + self._second)
        return as_result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@REG.register("precision")
class Precision(_PrecisionRecallBase):
    """``precision = TP / (TP + FP)`` (0 when nothing was predicted positive).

    A prediction is positive when ``y_pred > threshold`` (default 0.5; a list
    gives one precision per threshold).  With ``top_k``, only the ``k``
    highest scores of each row can be positive (threshold then defaults to
    "any score").  With ``class_id``, only that column of ``y_true``/``y_pred``
    is used.
    """

    _second_name = "false_positives"

    @property
    def false_positives(self):
        return self._second


@REG.register("recall")
class Recall(_PrecisionRecallBase):
    """``recall = TP / (TP + FN)`` (0 when there are no positive labels).

    Same ``thresholds`` / ``top_k`` / ``class_id`` rules as :class:`Precision`.
    """

    _second_name = "false_negatives"

    @property
    def false_negatives(self):
        return self._second
