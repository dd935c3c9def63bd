"""Validation of a loss's targets before ``fit``: shapes aligned with the predictions, values in range.

:meth:`glassnet.losses.Loss.check_targets` calls :func:`check_targets` with the loss's kind of
targets (``'regression'``, ``'binary'``, ``'categorical'`` or ``'sparse'``), so that a wrong
target is reported once, with a message that says what is wrong and what to use instead.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._validation import to_array


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


def check_targets(kind, fname, y_true, shape, where, dtype, ignore_class):
    """``y_true`` checked against predictions of shape ``shape`` and aligned with them (see ``Loss.check_targets``)."""
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
