"""Reports on predictions, as the course prints them: confusion matrix, classification report, regression scores.

NumPy only (the course uses scikit-learn's functions of the same names; these agree with them).
"""
from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "classification_report", "precision_recall_f1", "mean_absolute_error",
           "mean_squared_error", "explained_variance_score", "r2_score"]


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)                       # one-hot rows -> class index
    y = y.reshape(-1)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{name} must hold integer class labels (or one-hot rows)")
    return y.astype(np.int64)


def confusion_matrix(y_true, y_pred, num_classes=None) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as class j."""
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: y_true and y_pred must have the same length, got {t.size} and {p.size}")
    if t.size and min(t.min(), p.min()) < 0:
        raise ValueError("confusion_matrix: class labels must be >= 0")
    k = num_classes or int(max(t.max(initial=0), p.max(initial=0)) + 1)
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def precision_recall_f1(cm: np.ndarray):
    """Per class from a confusion matrix: precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R)."""
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1, actual


def classification_report(y_true, y_pred, target_names=None, digits=2, num_classes=None) -> str:
    """The text table scikit-learn prints: precision, recall, f1-score and support per class,
    then accuracy, macro average and weighted average.

    ``num_classes`` (default: the number of ``target_names``, else the largest label + 1) fixes
    the rows, so a class absent from both y_true and y_pred still gets its (zero) row.
    """
    if num_classes is None and target_names is not None:
        num_classes = len(target_names)
    cm = confusion_matrix(y_true, y_pred, num_classes=num_classes)
    precision, recall, f1, support = precision_recall_f1(cm)
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if target_names is None else [str(n) for n in target_names]
    if len(names) != k:
        raise ValueError(f"classification_report: {len(names)} target_names for {k} classes")
    total = int(support.sum())
    width = max(len("weighted avg"), digits, *(len(n) for n in names))

    def row(label, values, count):
        cells = "".join(f" {v:>9}" if isinstance(v, str) else f" {v:>9.{digits}f}" for v in values)
        return f"{label:>{width}} {cells} {count:>9}\n"

    out = f"{'':>{width}} " + "".join(f" {h:>9}" for h in ("precision", "recall", "f1-score", "support")) + "\n\n"
    for i, name in enumerate(names):
        out += row(name, (precision[i], recall[i], f1[i]), int(support[i]))
    out += "\n"
    accuracy = np.trace(cm) / total if total else 0.0
    out += row("accuracy", ("", "", accuracy), total)
    w = support / total if total else np.zeros(k)
    out += row("macro avg", (precision.mean(), recall.mean(), f1.mean()), total)
    out += row("weighted avg", ((precision * w).sum(), (recall * w).sum(), (f1 * w).sum()), total)
    return out


def _pair(y_true, y_pred):
    t = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}")
    return t, p


def mean_absolute_error(y_true, y_pred) -> float:
    """mean |y - y_hat|."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def mean_squared_error(y_true, y_pred) -> float:
    """mean (y - y_hat)^2."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def explained_variance_score(y_true, y_pred) -> float:
    """1 - Var(y - y_hat) / Var(y) (averaged over outputs)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(1 - np.var(t - p, axis=0) / np.var(t, axis=0)))


def r2_score(y_true, y_pred) -> float:
    """1 - sum (y - y_hat)^2 / sum (y - mean y)^2 (averaged over outputs)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(1 - ((t - p) ** 2).sum(axis=0) / ((t - t.mean(axis=0)) ** 2).sum(axis=0)))
