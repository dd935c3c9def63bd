"""keras.ops.core: conversion (``convert_to_tensor``, ``cast``), indexing (``getitem``, ``slice``,
``unstack``), scatters (``scatter``, ``scatter_update``, ``slice_update``, ...), ``stop_gradient``.

Also the helpers every ``glassnet.ops`` module uses to read its arguments (``operand``,
``float_operand``, ``as_array``, ``as_float_array``, ``weak_data``, ``resolve_dtype``) and reduction
axes (``reduced_axes``, ``unreduce``, ``tuple_axis``).
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import config
from ..autodiff import Tensor, lift, plain, record
from ..variables import Variable
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "getitem", "shape", "cast", "convert_to_tensor", "convert_to_numpy", "stop_gradient", "slice",
    "is_tensor", "unstack", "scatter", "scatter_update", "slice_update",
]

_slice = builtins.slice


# =============================================================================== inputs
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as an array (a recorded Tensor stays itself; a Variable gives its value, or its leaf
    under a tape).  Python floats become ``floatx()`` and Python ints ``int32``, as in Keras."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: glassnet has no sparse or ragged tensors; "
                         f"got sparse={sparse!r}, ragged={ragged!r}")
    x = lift(x)
    if isinstance(x, np.ndarray):
        return x if dtype is None else cast(x, dtype)
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    arr = np.asarray(x)
    if dtype is not None:
        return arr.astype(dtype)
    if arr.dtype == np.float64 and not isinstance(x, np.generic):
        arr = arr.astype(config.floatx())
    elif arr.dtype.kind in "iu" and arr.dtype.itemsize == 8 and not isinstance(x, np.generic):
        arr = arr.astype(np.int32)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"convert_to_tensor: x must be numeric, got {type(x).__name__} of dtype {arr.dtype}")
    return arr


def convert_to_numpy(x):
    """A plain NumPy copy of ``x`` (this leaves the recorded computation: no gradient flows back)."""
    return np.array(plain(x))


def operand(x):
    """An operand for a ufunc: Variables lifted, Python numbers kept (weakly typed), rest arrays."""
    if isinstance(x, (np.ndarray, np.generic, numbers.Number)):
        return x
    return convert_to_tensor(x)


def float_operand(x):
    """A floating operand: integer / bool arrays become ``floatx()`` (as keras.ops.exp of ints)."""
    x = operand(x)
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        return x.astype(config.floatx())
    if isinstance(x, numbers.Number) and not isinstance(x, float):
        return np.asarray(x, dtype=config.floatx())
    return x


def weak_data(x):
    """Plain data for computing, Python numbers kept as they are (weakly typed: float32 stays float32)."""
    return x if isinstance(x, numbers.Number) else plain(x)


def as_array(x):
    """An array operand for a recorded primitive (Python numbers and lists converted)."""
    x = operand(x)
    return x if isinstance(x, np.ndarray) else convert_to_tensor(x)


def as_float_array(x):
    x = float_operand(x)
    return x if isinstance(x, np.ndarray) else np.asarray(x, dtype=config.floatx())


def reduced_axes(axis, ndim):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(sorted(int(a) % ndim for a in axis)) if ndim else ()
    return (int(axis) % ndim,) if ndim else ()


def unreduce(g, axis, keepdims, ndim):
    """A reduction's gradient ``g`` with the reduced axes put back (size 1), ready to broadcast."""
    if keepdims:
        return g
    return np.expand_dims(g, reduced_axes(axis, ndim)) if ndim else g


def tuple_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# =============================================================================== indexing
def _plain_key(key):
    if isinstance(key, tuple):
        return tuple(_plain_key(k) for k in key)
    if isinstance(key, (Tensor, Variable)):
        return plain(key)
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _basic(key) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return builtins.all(k is None or k is Ellipsis or isinstance(k, (_slice, numbers.Integral)) for k in keys)


def getitem(x, key):
    """``x[key]`` (slices, integers, ``None``, ``...``, index and boolean arrays).

    VJP: g scattered back into zeros of ``x``'s shape (repeated indices accumulate).
    """
    x = as_array(x)
    a = plain(x)
    key = _plain_key(key)
    out = a[key]
    basic = _basic(key)

    def vjp(g):
        z = np.zeros(a.shape, g.dtype)
        if basic:
            z[key] = g
        else:
            np.add.at(z, key, g)
        return z
    return record("getitem", (x,), np.array(out) if basic else out, (vjp,))


def shape(x):
    """The shape as a tuple of ints."""
    return np.shape(plain(x))


# =============================================================================== dtypes and casts
def resolve_dtype(dtype):
    return np.dtype(dtype or config.floatx())


def cast(x, dtype):
    """``x`` converted to ``dtype``.  To a float type d/dx = 1 (the gradient comes back in ``x``'s
    dtype); to an integer or boolean type the result is a constant."""
    x = operand(x)
    a = plain(x)
    dtype = np.dtype(dtype)
    out = a.astype(dtype)
    if dtype.kind != "f":
        return out
    return record("cast", (x,), out, (lambda g: g,))


# =============================================================================== slices, scatters
def stop_gradient(variable):
    """``variable``'s value as a constant: no gradient flows back through it."""
    return np.array(plain(lift(variable)))


def slice(inputs, start_indices, shape):
    """``inputs[start_0 : start_0 + shape_0, start_1 : ...]`` (recorded as indexing)."""
    key = tuple(_slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return getitem(inputs, key)


def is_tensor(x):
    """Whether ``x`` is an array (NumPy is glassnet's tensor type)."""
    return isinstance(x, np.ndarray)


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list (each recorded as indexing)."""
    n = np.shape(plain(x))[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match the size {n} of axis {axis}")
    ax = axis % np.ndim(plain(x))
    return [getitem(x, (_slice(None),) * ax + (k,)) for k in range(n)]


def _nd_index(indices, where):
    idx = plain(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{where}: indices must be integers, got dtype {idx.dtype}")
    if idx.ndim < 1:
        raise ValueError(f"{where}: indices must have shape (N, k), got a scalar")
    idx = idx.reshape(-1, idx.shape[-1]) if idx.ndim > 1 else idx.reshape(-1, 1)
    return tuple(idx.T)


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (``(N, k)``: the first k coordinates
    of each of N entries; repeated indices add up), as ``tf.scatter_nd``.  VJP: g at the indices."""
    key = _nd_index(indices, "scatter")
    values = as_float_array(values)
    v = plain(values)
    out = np.zeros(tuple(shape), v.dtype)
    np.add.at(out, key, v.reshape((-1,) + out.shape[len(key):]))
    return record("scatter", (values,), out, (lambda g: g[key].reshape(v.shape),))


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the entries at ``indices`` replaced by ``updates`` (``reduction=None``; the
    last of repeated indices wins) or increased by them (``reduction="add"``).  VJP: ``inputs``
    gets g except where replaced; ``updates`` gets g at the indices (for a replacement, only the
    update that was kept)."""
    if reduction not in (None, "add"):
        raise ValueError(f"scatter_update: glassnet supports reduction=None or 'add', got {reduction!r}")
    key = _nd_index(indices, "scatter_update")
    inputs, updates = as_float_array(inputs), as_float_array(updates)
    a, u = plain(inputs), plain(updates)
    u2 = u.reshape((-1,) + a.shape[len(key):])
    out = a.copy()
    if reduction == "add":
        np.add.at(out, key, u2)
        return record("scatter_update", (inputs, updates), out,
                      (lambda g: g, lambda g: g[key].reshape(u.shape)))
    out[key] = u2
    flat = np.ravel_multi_index(key, a.shape[:len(key)])
    kept = np.zeros(len(flat), bool)
    kept[len(flat) - 1 - np.unique(flat[::-1], return_index=True)[1]] = True   # last occurrence

    def g_inputs(g):
        z = g.copy()
        z[key] = 0
        return z

    def g_updates(g):
        gu = g[key]
        gu[~kept] = 0
        return gu.reshape(u.shape)
    return record("scatter_update", (inputs, updates), out, (g_inputs, g_updates))


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``.  VJP:
    ``inputs`` gets g outside the block, ``updates`` gets g inside it."""
    inputs, updates = as_float_array(inputs), as_float_array(updates)
    a, u = plain(inputs), plain(updates)
    key = tuple(_slice(int(st), int(st) + n) for st, n in zip(start_indices, u.shape))
    out = a.copy()
    out[key] = u

    def g_inputs(g):
        z = g.copy()
        z[key] = 0
        return z
    return record("slice_update", (inputs, updates), out, (g_inputs, lambda g: g[key]))


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
