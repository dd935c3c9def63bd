"""F-scores: :class:`FBetaScore` and :class:`F1Score`, per class or averaged."""
from __future__ import annotations

import numpy as np

from .. import config
from .._validation import check_float
from .base import REG, Metric, as_result, broadcast_weight, float_array

@REG.register("f_beta_score")
class FBetaScore(Metric):
    """F-beta score per class, or averaged: ``(1 + b^2) P R / (b^2 P + R)``.

    Per class ``c`` (columns of 2-D ``y_true``/``y_pred``), with weighted counts
    ``TP, FP, FN`` accumulated over all batches::

        P = TP / (TP + FP + eps),  R = TP / (TP + FN + eps)
        F = (1 + b^2) * P * R / (b^2 * P + R + eps)

    A prediction is 1 where ``y_pred > threshold``; with ``threshold=None``
    the row's maximum (ties all count) is 1 unless it is 0.
    ``average``: None -> array of per-class scores; 'micro' -> counts pooled
    over classes; 'macro' -> unweighted mean of the class scores; 'weighted' ->
    mean weighted by each class's (weighted) number of true labels.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                f"{where}: average must be one of None, 'micro', 'macro', 'weighted', got {average!r}"
            )
        self.beta = check_float(beta, "beta", where, low=0.0, low_inclusive=False)
        self.threshold = check_float(threshold, "threshold", where, low=0.0, high=1.0, low_inclusive=False,
                                     allow_none=True)
        self.average = average
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__}: y_true and y_pred must be 2-D (batch_size, num_classes), got "
                f"y_true {tuple(y_true_shape)} and y_pred {tuple(y_pred_shape)}"
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._num_classes = y_pred_shape[-1]
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted TP, FP, FN and true-label totals per class."""
        where = type(self).__name__
        y_true = float_array(y_true, "y_true", where, self._dtype)
        y_pred = float_array(y_pred, "y_pred", where, self._dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape or y_pred.ndim != 2 or y_pred.shape[-1] != self._num_classes:
            raise ValueError(
                f"{where}: y_true and y_pred must both be (batch_size, {self._num_classes}), got "
                f"y_true {y_true.shape} and y_pred {y_pred.shape}"
            )
        if self.threshold is None:
            row_max = np.max(y_pred, axis=-1, keepdims=True) if y_pred.size else y_pred
            predicted = (y_pred >= row_max) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > np.asarray(self.threshold, dtype=y_pred.dtype)
        predicted = predicted.astype(self._dtype)
        sw = None
        if sample_weight is not None:
            sw = float_array(sample_weight, "sample_weight", where, self._dtype)
            if sw.ndim == 2 and sw.shape[1] == 1:
                sw = sw[:, 0]
            if sw.ndim > 1:
                raise ValueError(f"{where}: sample_weight must be one weight per sample, got shape {sw.shape}")
            sw = broadcast_weight(sw, (y_pred.shape[0],), where)[:, None]

        def weighted_sum(v):
            if sw is not None:
                v = v * sw
            return np.sum(v, axis=self.axis)

        self.true_positives += weighted_sum(predicted * y_true)
        self.false_positives += weighted_sum(predicted * (1 - y_true))
        self.false_negatives += weighted_sum((1 - predicted) * y_true)
        self.intermediate_weights += weighted_sum(y_true)

    def result(self):
        if not self._built:
            return 0.0 if self.average is not None else np.zeros((0,), dtype=self._dtype)
        eps = config.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + eps)
            score = np.sum(score * weights)
        elif self.average is not None:
            score = np.mean(score)
        return as_result(score)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


@REG.register("f1_score")
class F1Score(FBetaScore):
    """F1 score: :class:`FBetaScore` with ``beta = 1``, i.e. ``2 P R / (P + R)``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
