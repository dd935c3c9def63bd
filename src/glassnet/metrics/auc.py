"""The area under the ROC or precision-recall curve, from confusion counts at fixed thresholds."""
from __future__ import annotations

import numbers

import numpy as np

from .. import config
from .._validation import check_positive_int
from ..activations import stable_sigmoid
from .base import REG, Metric, as_result, broadcast_weight, divide_no_nan, float_array
from .confusion import confusion_counts, evenly_distributed, parse_thresholds, prepare_confusion_inputs

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@REG.register("auc")
class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Thresholds (Keras's layout): ``[-eps, 1/(T-1), 2/(T-1), ..., (T-2)/(T-1), 1 + eps]``
    for ``num_thresholds = T`` (default 200), or ``[-eps] + sorted(thresholds) + [1 + eps]``.
    TP/FP/TN/FN are accumulated at each threshold (``y_pred > t`` is positive).

    ``curve='ROC'``: ``x = FPR = FP / (FP + TN)``, ``y = TPR = TP / (TP + FN)``,
    ``AUC = sum_i (x_i - x_{i+1}) * h_i`` with ``h_i = (y_i + y_{i+1}) / 2`` for
    ``summation_method='interpolation'`` (trapezoid), ``min`` for 'minoring',
    ``max`` for 'majoring'.  ``curve='PR'``: ``x = recall``, ``y = precision``;
    with 'interpolation' the Davis & Goadrich interpolation is used: between
    thresholds TP and P = TP + FP vary linearly, giving per interval
    ``slope * (dTP + intercept * log(P_i / P_{i+1})) / (TP_{i+1} + FN_{i+1})``
    with ``slope = dTP / dP`` and ``intercept = TP_{i+1} - slope * P_{i+1}``.
    ``curve='PRGAIN'`` uses precision/recall gains.

    The error against the exact (sorting-based) AUC is at most the effect of
    merging scores that fall in the same threshold bucket (width 1/(T-1)).

    Args:
        num_thresholds: number of thresholds, > 1 (ignored when ``thresholds`` is given).
        curve: 'ROC', 'PR' or 'PRGAIN'.
        summation_method: 'interpolation', 'minoring' or 'majoring'.
        thresholds: explicit thresholds in [0, 1].
        multi_label: treat each column as its own label and average the AUCs
            (weighted by ``label_weights`` if given); else all columns are pooled.
        num_labels: number of columns when ``multi_label`` (else taken from the first batch).
        label_weights: per-column weights (pooled counts, or the average's weights).
        from_logits: apply a sigmoid to ``y_pred`` first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        where = "AUC"
        if not isinstance(curve, str) or curve.lower() not in _CURVES or curve not in (
                curve.lower(), curve.upper()):
            raise ValueError(f"AUC: curve must be one of 'ROC', 'PR', 'PRGAIN', got {curve!r}")
        if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS or \
                summation_method not in (summation_method.lower(), summation_method.capitalize()):
            raise ValueError(
                f"AUC: summation_method must be one of 'interpolation', 'majoring', 'minoring', "
                f"got {summation_method!r}"
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds(thresholds, None, where))
            self.num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = evenly_distributed([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, numbers.Integral) \
                    or num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1, got {num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = _CURVES[curve.lower()]
        self.summation_method = summation_method.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            lw = float_array(label_weights, "label_weights", where, self._dtype)
            if lw.ndim != 1 or (lw < 0).any():
                raise ValueError(
                    f"AUC: label_weights must be a 1-D array of non-negative weights, got {label_weights!r}"
                )
            self.label_weights = lw
        else:
            self.label_weights = None
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self.num_labels = check_positive_int(num_labels, "num_labels", where)
                self._build((None, self.num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: num_labels is only used with multi_label=True, got "
                                 f"num_labels={num_labels!r}")
            self._build(None)

    @property
    def thresholds(self) -> list:
        """All thresholds, including the two end points just outside [0, 1]."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2, got shape {tuple(shape)}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(var_shape, name="true_positives")
        self.false_positives = self.add_variable(var_shape, name="false_positives")
        self.true_negatives = self.add_variable(var_shape, name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted TP/FP/TN/FN at every threshold (one bincount pass)."""
        where = "AUC"
        y_pred = float_array(y_pred, "y_pred", where, self._dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = stable_sigmoid(y_pred)
        yt, yp, sw = prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, where)
        if self.multi_label and yp.ndim == 2 and yp.shape[1] != self._num_labels:
            raise ValueError(f"AUC: y_pred must have {self._num_labels} columns (num_labels), got shape {yp.shape}")
        weights = sw
        if self.label_weights is not None and not self.multi_label:
            lw = broadcast_weight(self.label_weights[None], yp.shape, where, "label_weights")
            weights = lw if weights is None else weights * lw
        tp, fp, tn, fn = confusion_counts(yt, yp, weights, self._thresholds,
                                           evenly=self._thresholds_distributed_evenly,
                                           multi_label=self.multi_label, dtype=self._dtype)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _average_labels(self, per_threshold_terms):
        if not self.multi_label:
            return np.sum(per_threshold_terms)
        by_label = np.sum(per_threshold_terms, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich interpolation (see the class docstring)."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both_positive, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        increment = divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._average_labels(increment)

    def result(self):
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return as_result(self.interpolate_pr_auc())
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
            no_tp = tp == 0
            recall_gain = np.maximum(np.where(no_tp, np.zeros_like(recall_gain), recall_gain), 0)
            precision_gain = np.where(no_tp, np.ones_like(precision_gain), precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return as_result(self._average_labels((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return {**super().get_config(), **config}
