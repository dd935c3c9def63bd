"""Helpers under Keras's ``keras.utils`` names: one-hot labels, normalisation, seeding.

- :func:`to_categorical` turns integer class labels into one-hot rows;
- :func:`normalize` scales vectors to unit norm along an axis;
- :func:`set_random_seed` is :func:`glassnet.random.set_random_seed`.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import config
from ._validation import check_positive_int, to_array
from .random import set_random_seed

__all__ = ["to_categorical", "normalize", "set_random_seed"]
__all__ += ["get_file", "plot_model"]


def _position(mask: np.ndarray) -> str:
    """Where the first True of ``mask`` is, for messages: ' at index 3', ' at index (1, 0)'."""
    pos = tuple(int(i) for i in np.argwhere(mask)[0])
    if not pos:
        return ""
    return f" at index {pos[0]}" if len(pos) == 1 else f" at index {pos}"


def _label_value(a: np.ndarray, mask: np.ndarray):
    return a[tuple(np.argwhere(mask)[0])].item()


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels: ``out[..., c] = 1 if x[...] == c else 0``.

    ``x`` holds labels in ``0 .. num_classes - 1`` (ints, bools, or floats that
    are whole numbers, e.g. labels read from a CSV).  A last axis of size 1 is
    dropped first (shape ``(n, 1)`` gives ``(n, num_classes)``, as does shape
    ``(n,)``); the class axis is appended last, so a scalar gives
    ``(num_classes,)``.  ``num_classes=None`` uses ``max(x) + 1``.

    Returns an array of ``config.floatx()`` (float32).  Keras's NumPy path
    returns float64 with the same 0/1 values; glassnet keeps data float32 end to end.

    Unlike Keras (which silently wraps a label of -1 to the last class and
    truncates 1.5 to 1), negative labels, labels >= ``num_classes`` and
    non-integer labels raise ``ValueError`` naming the label and its position.
    """
    where = "to_categorical"
    num_classes = check_positive_int(num_classes, "num_classes", where, allow_none=True)
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    try:
        arr = np.asarray(x)
    except ValueError as exc:
        raise ValueError(
            f"{where}: x must be a rectangular array of integer class labels; it looks ragged"
        ) from exc
    kind = arr.dtype.kind
    if kind == "f":
        bad = ~np.isfinite(arr)
        if not bad.any():
            bad = (arr != np.floor(arr)) | (np.abs(arr) >= 2.0**53)
        if bad.any():
            raise ValueError(
                f"{where}: x must contain integer class labels, got {_label_value(arr, bad)!r}"
                f"{_position(bad)}"
            )
    elif kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{where}: x must contain integer class labels, got objects/strings "
                f"(map class names to integers first)"
            ) from None
        return to_categorical(arr, num_classes)
    elif kind not in "biu":
        raise TypeError(
            f"{where}: x must contain integer class labels, got dtype {arr.dtype} "
            f"(map class names to integers first)"
        )
    if kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
        big = arr > np.iinfo(np.int64).max
        raise ValueError(
            f"{where}: x has a label too large to be a class index, got "
            f"{_label_value(arr, big)!r}{_position(big)}"
        )
    if arr.size:
        negative = arr < 0
        if negative.any():
            raise ValueError(
                f"{where}: x must contain class labels >= 0, got {_label_value(arr, negative)!r}"
                f"{_position(negative)}"
            )
    labels = arr.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None:
        if flat.size == 0:
            raise ValueError(
                f"{where}: num_classes cannot be inferred from an empty x; pass num_classes"
            )
        num_classes = int(flat.max()) + 1
    elif flat.size:
        too_big = labels >= num_classes
        if too_big.any():
            raise ValueError(
                f"{where}: x must contain class labels < num_classes={num_classes} "
                f"(labels run from 0 to {num_classes - 1}), got {_label_value(labels, too_big)!r}"
                f"{_position(too_big)}"
            )
    out = np.zeros((flat.size, num_classes), dtype=config.floatx())
    out[np.arange(flat.size), flat] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis``: ``x / ||x||_order``.

    ``||v||_p = (sum |v_i|^p)^(1/p)`` (``p = inf``: ``max |v_i|``).  Vectors whose
    norm is 0 are returned as they are (all zeros), as in Keras.  Float arrays
    keep their dtype (float32 in, float32 out); other input becomes
    ``config.floatx()``.  Vectors so large or so small that the norm would
    overflow or underflow are first divided by their largest ``|v_i|`` (which
    does not change the result), so every non-zero vector comes out with norm 1.

    Args:
        x: array-like (NumPy array, list, pandas object) of finite numbers.
        axis: the axis to normalise along (an int; default -1).
        order: the norm's order, a number > 0 or ``inf`` (default 2).

    Keras's NumPy path turns ``axis=0`` into ``-1`` (a bug that breaks or
    mis-scales ``axis=0``); glassnet normalises along the axis asked for.
    """
    where = "normalize"
    if isinstance(order, bool) or not isinstance(order, numbers.Real) or math.isnan(order) \
            or not order > 0:
        raise ValueError(
            f"{where}: order must be a number > 0 or inf (e.g. 1, 2, np.inf), got {order!r}"
        )
    order = float(order) if not isinstance(order, numbers.Integral) else int(order)
    dtype = getattr(x, "dtype", None)
    dtype = dtype if dtype is not None and np.dtype(dtype).kind == "f" else None
    arr = to_array(x, "x", where, dtype=dtype, min_ndim=1, allow_empty=True)
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) \
            or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(
            f"{where}: axis must be an integer in [{-arr.ndim}, {arr.ndim - 1}] for x of "
            f"shape {arr.shape}, got {axis!r}"
        )
    axis = int(axis)
    with np.errstate(over="ignore", under="ignore"):
        norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    bad = ~np.isfinite(norm) | ((norm == 0) & np.any(arr != 0, axis=axis, keepdims=True))
    if bad.any():
        peak = np.max(np.abs(arr), axis=axis, keepdims=True)
        arr = arr / np.where(bad, peak, np.ones_like(peak))
        with np.errstate(over="ignore", under="ignore"):
            norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return arr / norm


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_range=None, show_layer_activations=False,
               show_trainable=False, **kwargs):
    """Keras's ``utils.plot_model``: a picture of the layer graph saved to ``to_file`` (PNG).

    Drawn with matplotlib (the ``plot`` extra), so no graphviz is needed; returns the Figure.
    """
    from .plot import model_graph

    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    return model_graph(model, path=to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable, dpi=dpi)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Keras's ``get_file``: download ``origin`` into the cache once, check its hash, unpack it safely.

    See :func:`glassnet.datasets._get_file.get_file` (imported on first call, to keep ``import glassnet`` fast).
    """
    from .datasets._get_file import get_file as _get_file

    return _get_file(fname=fname, origin=origin, untar=untar, md5_hash=md5_hash, file_hash=file_hash,
                     cache_subdir=cache_subdir, hash_algorithm=hash_algorithm, extract=extract,
                     archive_format=archive_format, cache_dir=cache_dir, force_download=force_download)
