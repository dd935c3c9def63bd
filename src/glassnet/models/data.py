"""Turning what the user gives ``fit`` / ``evaluate`` / ``predict`` into checked float arrays.

Everything is validated and converted once per call (float32, C-contiguous), so the
batch loop only slices.  Errors name the argument and the row:
``fit: x and y must have the same number of samples, got 100 and 99``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import config
from .._validation import check_float, check_positive_int, to_array


def as_inputs(x, name: str, where: str, expected_shape=None) -> np.ndarray:
    """Features as a float array of shape (n, ...), checked against the model's input shape.

    An ``np.memmap`` is checked in chunks and returned as it is (never copied whole): the
    training and inference loops read and convert one batch at a time (see :func:`batch`).
    """
    if x is None:
        raise ValueError(f"{where}: {name} is required, got None")
    arr = _as_memmap(x, name, where) if isinstance(x, np.memmap) else to_array(x, name, where,
                                                                               dtype=config.floatx())
    if arr.ndim == 1:
        raise ValueError(
            f"{where}: {name} must be 2-D (samples, features), got a 1-D array of shape {arr.shape}; "
            f"use {name}.reshape(-1, 1) for a single feature or {name}.reshape(1, -1) for a single sample"
        )
    if expected_shape is not None:
        got = arr.shape[1:]
        if len(got) != len(expected_shape) or any(
            e is not None and e != g for e, g in zip(expected_shape, got)
        ):
            if len(expected_shape) == 1 and len(got) == 1:
                raise ValueError(
                    f"{where}: {name} has {got[0]} features but the model was built for {expected_shape[0]}"
                )
            hint = " (add a Flatten layer first for images)" if len(got) > len(expected_shape) else ""
            raise ValueError(
                f"{where}: {name} has sample shape {got} but the model expects {tuple(expected_shape)}{hint}"
            )
    return arr


def _as_memmap(x: np.memmap, name: str, where: str, rows: int = 16384) -> np.memmap:
    """Validate an on-disk array without loading it: dtype, emptiness, NaN/inf chunk by chunk."""
    from .._validation import check_finite

    if x.dtype.kind not in "fiub":
        raise TypeError(f"{where}: {name} must contain only numbers, got a memmap of dtype {x.dtype}")
    if x.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {x.shape}); need at least one sample")
    if x.dtype.kind == "f":
        for start in range(0, x.shape[0], rows):
            chunk = np.asarray(x[start:start + rows])
            try:
                check_finite(chunk, name, where)
            except ValueError as exc:   # report the row in the whole array, not in the chunk
                bad = int(np.argwhere(~np.isfinite(chunk))[0][0])
                raise ValueError(str(exc).replace(f"row {bad}", f"row {start + bad}", 1)) from None
    return x


def batch(x: np.ndarray, index) -> np.ndarray:
    """Rows ``index`` (a slice or an index array) of ``x`` as a float array of ``floatx``.

    For in-memory data this is the plain slice; for a memmap (or another dtype) only this
    batch is read and converted.
    """
    b = x[index]
    if b.dtype.kind in "OUS":          # text for a StringLookup / Hashing first layer
        return b
    if type(b) is not np.ndarray or b.dtype != config.floatx():
        b = np.asarray(b, dtype=config.floatx())
    return b


def take(x, index):
    """Rows ``index`` of an array, or of each array of a list (several inputs or outputs)."""
    if x is None:
        return None
    if isinstance(x, list):
        return [batch(a, index) if a.ndim and a.dtype.kind == "f" else a[index] for a in x]
    return x[index]


def concat(parts):
    """Batches of outputs joined along the rows: arrays, or lists of arrays for several outputs."""
    if isinstance(parts[0], list):
        return [np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))]
    if isinstance(parts[0], dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return np.concatenate(parts)


def rows(x) -> int:
    """The number of samples of an array or of a list of arrays."""
    return (x[0] if isinstance(x, list) else x).shape[0]


def as_targets(y, name: str, where: str) -> np.ndarray:
    """Targets as a float array (labels stay exact: integers below 2**24 are exact in float32)."""
    if y is None:
        raise ValueError(f"{where}: {name} is required to train or evaluate, got None")
    return to_array(y, name, where, dtype=config.floatx(), min_ndim=1)


def as_sample_weight(sample_weight, n: int, name: str, where: str):
    if sample_weight is None:
        return None
    sw = to_array(sample_weight, name, where, dtype=config.floatx(), min_ndim=1)
    if sw.ndim == 2 and sw.shape[1] == 1:
        sw = sw[:, 0]
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"{where}: {name} must have shape ({n},), one weight per sample, got {sw.shape}")
    if (sw < 0).any():
        row = int(np.argmax(sw < 0))
        raise ValueError(f"{where}: {name} must be >= 0, got {sw[row]} at row {row}")
    return sw


def check_same_length(where: str, **arrays) -> None:
    items = [(k, v) for k, v in arrays.items() if v is not None]
    lengths = {k: v.shape[0] for k, v in items}
    if len(set(lengths.values())) > 1:
        names = " and ".join(lengths)
        counts = " and ".join(str(v) for v in lengths.values())
        raise ValueError(f"{where}: {names} must have the same number of samples, got {counts}")


def class_weight_to_sample_weight(class_weight, y: np.ndarray, n_outputs: int, where: str) -> np.ndarray:
    """Keras's ``class_weight`` {class index: weight} -> one weight per sample.

    Classes are the integer labels for 1-D / (n, 1) targets (binary: 0 and 1), or the
    argmax of one-hot rows.  Classes missing from the dict weigh 1.0.
    """
    if not isinstance(class_weight, dict):
        raise TypeError(f"{where}: class_weight must be a dict {{class index: weight}}, got "
                        f"{type(class_weight).__name__}")
    n_classes = max(n_outputs, 2)
    table = np.ones(n_classes, dtype=config.floatx())
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, numbers.Integral) or not 0 <= key < n_classes:
            raise ValueError(
                f"{where}: class_weight has key {key!r}, but the classes are 0..{n_classes - 1} "
                f"(the model has {n_outputs} output unit(s))"
            )
        table[int(key)] = check_float(value, f"class_weight[{key}]", where, low=0.0)
    if y.ndim == 1 or y.shape[-1] == 1:
        labels = y.reshape(len(y), -1)[:, 0]
        if n_outputs == 1:
            labels = np.rint(labels)
        labels = labels.astype(np.int64)
    else:
        labels = np.argmax(y.reshape(len(y), -1), axis=1)
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"{where}: y has class {labels.max() if labels.max() >= n_classes else labels.min()} "
                         f"that does not fit class_weight's classes 0..{n_classes - 1}")
    return table[labels]


def split_validation(arrays, validation_split: float, where: str):
    """Keras's rule: the *last* ``validation_split`` fraction, taken before any shuffling."""
    validation_split = check_float(validation_split, "validation_split", where, low=0.0, high=1.0,
                                   high_inclusive=False)
    n = rows(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"{where}: validation_split={validation_split} leaves {split_at} training and "
            f"{n - split_at} validation samples out of {n}; both need at least one"
        )
    train = tuple(_rows_slice(a, slice(None, split_at)) for a in arrays)
    val = tuple(_rows_slice(a, slice(split_at, None)) for a in arrays)
    return train, val


def _rows_slice(a, sl):
    if a is None:
        return None
    return [x[sl] for x in a] if isinstance(a, list) else a[sl]


def unpack_validation_data(validation_data, where: str):
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return vx, vy, vsw
    raise ValueError(
        f"{where}: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val), "
        f"got {type(validation_data).__name__}"
        + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else "")
    )


def batch_size_or_default(batch_size, where: str) -> int:
    if batch_size is None:
        return 32
    return check_positive_int(batch_size, "batch_size", where)


def check_non_negative_epochs(value, where: str, name: str = "epochs") -> int:
    from .._validation import check_non_negative_int

    return check_non_negative_int(value, name, where)


def check_validation_freq(value, where: str) -> int:
    return check_positive_int(value, "validation_freq", where)


def split_validation_check(validation_split, where: str) -> None:
    """Validate ``validation_split`` even when it is not used (0.0)."""
    check_float(validation_split, "validation_split", where, low=0.0, high=1.0, high_inclusive=False)
