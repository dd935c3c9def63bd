"""What every preprocessing layer shares: turning user data into arrays, batches for ``adapt``,
and Keras's categorical encodings.

Encodings of integer indices ``i`` into ``depth`` slots (Keras's ``encode_categorical_inputs``)::

    one_hot:    out[..., k]  = 1[i == k]                 (a trailing axis of size 1 is replaced)
    multi_hot:  out[n, k]    = 1[k appears in row n]     (the last axis is reduced; a 1-D input is one sample)
    count:      out[n, k]    = sum_j w[n, j] 1[i[n, j] == k]   (w = 1, or count_weights)

Preprocessing layers are not differentiable (their outputs are piecewise constant in the
input, or the input is not a number at all): ``backward`` raises, and a model only reaches a
layer's backward when a layer with weights sits below it.
"""
from __future__ import annotations

import numbers

import numpy as np

from ... import config
from ..base import Layer

MAX_FILE_BYTES = 64 << 20


def to_numpy(x, name: str, where: str) -> np.ndarray:
    """NumPy arrays, lists, tuples, scalars and pandas Series / DataFrames (anything with
    ``to_numpy``; pandas itself is never imported) -> an ndarray; ragged lists are refused."""
    if x is None:
        raise ValueError(f"{where}: {name} is required, got None")
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "to_numpy"):
        return np.asarray(x.to_numpy())
    if hasattr(x, "numpy") and callable(x.numpy):      # framework tensors
        return np.asarray(x.numpy())
    try:
        return np.asarray(x)
    except ValueError as exc:
        raise ValueError(f"{where}: {name} must be rectangular (rows of equal length); it looks ragged") from exc


def is_data(x) -> bool:
    """Concrete data a preprocessing layer converts itself: arrays, lists, scalars, pandas objects."""
    return isinstance(x, (np.ndarray, np.generic, list, tuple, str, bytes, int, float)) or hasattr(x, "to_numpy")


def is_batch_iterable(data) -> bool:
    """A generator / iterator (or a list of arrays) that yields batches, as Keras's ``adapt`` takes."""
    if isinstance(data, (np.ndarray, str, bytes)) or hasattr(data, "to_numpy"):
        return False
    if isinstance(data, (list, tuple)):
        return len(data) > 0 and all(isinstance(b, np.ndarray) and b.ndim >= 1 for b in data)
    return hasattr(data, "__iter__")


def iter_batches(data, name: str, where: str, steps=None):
    """Yield ndarray batches of ``data`` ((x, y) tuples give x); an array is one batch."""
    if not is_batch_iterable(data):
        yield to_numpy(data, name, where)
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple) and not isinstance(data, tuple):
            batch = batch[0]
        yield to_numpy(batch, f"{name} (batch {i})", where)


def check_numeric_finite(x: np.ndarray, name: str, where: str) -> None:
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must contain numbers, got dtype {x.dtype}")
    if x.dtype.kind == "f" and x.size and not np.isfinite(x).all():
        pos = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        kind = "NaN" if np.isnan(x[pos]) else "inf"
        raise ValueError(f"{where}: {name} contains {kind} at index {pos}; remove or impute it before adapt()")


def to_int_indices(x: np.ndarray, name: str, where: str) -> np.ndarray:
    """Integer-valued input (ints, or floats holding whole numbers as a model's float32 input) -> int64."""
    if x.dtype.kind in "iub":
        return x.astype(np.int64, copy=False)
    if x.dtype.kind == "f":
        if x.size and not np.isfinite(x).all():
            raise ValueError(f"{where}: {name} contains NaN or inf; expected integer values")
        if x.size and not np.array_equal(x, np.trunc(x)):
            pos = tuple(int(i) for i in np.argwhere(x != np.trunc(x))[0])
            raise ValueError(f"{where}: {name} must hold whole numbers (integer indices or ids), "
                             f"got {x[pos]!r} at index {pos}")
        return x.astype(np.int64)
    raise TypeError(f"{where}: {name} must contain integers, got dtype {x.dtype}")


def encode(indices: np.ndarray, output_mode: str, depth: int, dtype, count_weights=None,
           drop_out_of_range: bool = False, where: str = "", name: str = "inputs") -> np.ndarray:
    """Keras's one_hot / multi_hot / count encodings of int64 ``indices`` (see the module docstring).

    Indices outside ``[0, depth)`` are an error, unless ``drop_out_of_range`` (the lookups' mask
    slot, which Keras drops): they then give no 1 anywhere.
    """
    if indices.ndim == 0:
        indices = indices.reshape(1)
    bad = (indices < 0) | (indices >= depth)
    if bad.any() and not drop_out_of_range:
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{where}: {name} must be integers in [0, {depth}) (num_tokens={depth}), "
                         f"got {int(indices[pos])} at index {pos}")
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        out = np.zeros(indices.shape + (depth,), dtype=dtype)
        keep = ~((indices < 0) | (indices >= depth))
        pos = np.nonzero(keep)
        out[pos + (indices[pos],)] = 1
        return out
    rows = indices.reshape(1, -1) if indices.ndim == 1 else indices.reshape(-1, indices.shape[-1])
    lead = indices.shape[:-1]
    n, m = rows.shape
    keep = (rows >= 0) & (rows < depth)
    flat = (np.arange(n)[:, None] * depth + np.where(keep, rows, 0))[keep]
    if output_mode == "multi_hot":
        out = np.zeros(n * depth, dtype=dtype)
        out[flat] = 1
    elif output_mode == "count":
        if count_weights is not None:
            w = np.broadcast_to(np.asarray(count_weights, dtype=dtype), indices.shape).reshape(n, m)[keep]
            out = np.bincount(flat, weights=w, minlength=n * depth).astype(dtype)
        else:
            out = np.bincount(flat, minlength=n * depth).astype(dtype)
    else:
        raise ValueError(f"{where}: unknown output_mode {output_mode!r}")
    return out.reshape(lead + (depth,))


def encoded_shape(sample_shape: tuple, output_mode: str, depth: int) -> tuple:
    """Output shape (no batch axis) of :func:`encode` for inputs of ``sample_shape``."""
    sample_shape = tuple(sample_shape)
    if output_mode == "int":
        return sample_shape
    if output_mode == "one_hot":
        if sample_shape and sample_shape[-1] == 1:
            return sample_shape[:-1] + (depth,)
        return sample_shape + (depth,)
    return sample_shape[:-1] + (depth,)


class PreprocessingLayer(Layer):
    """Base of the preprocessing layers: any array-like input (strings too), no gradient.

    ``layer(x)`` returns Keras's output dtype (``int64`` indices, ``int32`` bins, ...);
    inside a model (``forward``) numeric outputs are cast to ``floatx`` so that the next layer
    stays float32, as Keras's next layer casts its inputs to its compute dtype.
    """

    differentiable = False
    #: ``call`` is this family's computation, wrapped by ``forward`` (not a user's call to run on the tape)
    call_is_forward = True
    #: Does the layer take string inputs (StringLookup, Hashing)? A model whose first layer does can
    #: pass text columns through unconverted (glassnet's Sequential converts inputs to floats today).
    accepts_strings = False

    def __call__(self, x, training: bool = False):
        if not is_data(x):                 # anything else (e.g. a symbolic tensor): the base class decides
            return super().__call__(x, training=training)
        x = self._convert_input(x)
        if not self.built:
            self.build(x.shape[1:])
        return self.call(x)

    def _convert_input(self, x) -> np.ndarray:
        return to_numpy(x, "inputs", f"{type(self).__name__} {self.name!r}")

    def call(self, x):
        raise NotImplementedError

    def forward(self, x, training=False):
        out = self.call(self._convert_input(x))
        if out.dtype.kind in "biuf" and out.dtype != np.dtype(config.floatx()):
            out = out.astype(config.floatx())
        return out

    def backward(self, grad):
        raise ValueError(
            f"{type(self).__name__} {self.name!r} is a preprocessing layer: it is not differentiable "
            f"(its output is piecewise constant in its input), so no gradient flows through it. "
            f"Put it before every layer that has weights (first in the model), or apply it to the data "
            f"before fit()."
        )


def check_int_arg(value, name, where, low=0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{where}: {name} must be an integer >= {low}, got {value!r}")
    return int(value)
