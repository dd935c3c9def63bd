"""keras.ops.numpy, arrays: shapes, indexing, joining and splitting, creation.

Each recorded function's VJP is written right under its forward formula (e.g. ``reshape``: reshape
``g`` back; ``take``: add ``g`` back at the indices).
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import config
from ..autodiff import plain, record
from ..autodiff.tape import unbroadcast
from .core import as_array, convert_to_tensor, getitem, resolve_dtype, tuple_axis
from .numpy_elementwise import add, where
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "reshape", "transpose", "swapaxes", "moveaxis", "concatenate", "stack", "expand_dims",
    "squeeze", "broadcast_to", "tile", "repeat", "flip", "take", "copy", "ndim", "size", "zeros",
    "ones", "zeros_like", "ones_like", "full", "full_like", "arange", "split", "sort",
    "take_along_axis", "tril", "triu", "pad", "vstack", "hstack", "ravel", "diagonal", "diag",
    "eye", "identity", "linspace", "argsort", "nonzero", "array", "empty", "empty_like", "get_item",
    "roll", "flipud", "fliplr", "tri", "select", "meshgrid", "unravel_index",
]

_slice = builtins.slice


# =============================================================================== shapes & indexing
def _same_values(name, x, new_shape):
    """Record ``new_shape(x)``, an op that keeps x's values in order and only changes the shape
    (reshape, expand_dims, squeeze).  VJP: reshape g back to ``x``'s shape."""
    x = as_array(x)
    a = plain(x)
    return record(name, (x,), new_shape(a), (lambda g: np.reshape(g, a.shape),))


def reshape(x, newshape):
    """The same values in ``newshape``.  VJP: reshape g back to ``x``'s shape."""
    return _same_values("reshape", x, lambda a: np.reshape(a, newshape))


def transpose(x, axes=None):
    """Permute the axes (reverse them when None).  VJP: apply the inverse permutation to g."""
    x = as_array(x)
    a = plain(x)
    out = np.transpose(a, axes)
    inverse = None if axes is None else np.argsort([ax % a.ndim for ax in axes])
    return record("transpose", (x,), out, (lambda g: np.transpose(g, inverse),))


def swapaxes(x, axis1, axis2):
    """Exchange two axes.  VJP: exchange them back."""
    x = as_array(x)
    out = np.swapaxes(plain(x), axis1, axis2)
    return record("swapaxes", (x,), out, (lambda g: np.swapaxes(g, axis1, axis2),))


def moveaxis(x, source, destination):
    """Move axes to new positions.  VJP: move them back."""
    x = as_array(x)
    out = np.moveaxis(plain(x), source, destination)
    return record("moveaxis", (x,), out, (lambda g: np.moveaxis(g, destination, source),))


def concatenate(xs, axis=0):
    """Join arrays along an existing axis.  VJP of input k: its slice of g along ``axis``."""
    xs = tuple(as_array(x) for x in xs)
    arrays = [plain(x) for x in xs]
    out = np.concatenate(arrays, axis=axis)
    ax = axis % out.ndim
    bounds = np.cumsum([0] + [a.shape[ax] for a in arrays])

    def part(k):
        sl = (_slice(None),) * ax + (_slice(int(bounds[k]), int(bounds[k + 1])),)
        return lambda g: g[sl]
    return record("concatenate", xs, out, tuple(part(k) for k in range(len(xs))))


def stack(x, axis=0):
    """Join arrays of one shape along a new axis.  VJP of input k: ``g`` taken at k along ``axis``."""
    xs = tuple(as_array(v) for v in x)
    out = np.stack([plain(v) for v in xs], axis=axis)
    ax = axis % out.ndim
    return record("stack", xs, out, tuple((lambda g, k=k: np.take(g, k, axis=ax)) for k in range(len(xs))))


def expand_dims(x, axis):
    """Insert axes of length 1 at ``axis``.  VJP: reshape g back."""
    return _same_values("expand_dims", x, lambda a: np.expand_dims(a, axis))


def squeeze(x, axis=None):
    """Remove axes of length 1 (those in ``axis``, or all).  VJP: reshape g back."""
    return _same_values("squeeze", x, lambda a: np.squeeze(a, axis=tuple_axis(axis)))


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``.  VJP: g summed over the broadcast axes."""
    x = as_array(x)
    a = plain(x)
    out = np.broadcast_to(a, shape)
    return record("broadcast_to", (x,), out, (lambda g: unbroadcast(g, a.shape),))


def tile(x, repeats):
    """``x`` repeated ``repeats`` times per axis.  VJP: the tiles of g summed."""
    x = as_array(x)
    a = plain(x)
    out = np.tile(a, repeats)
    reps = (1,) * (out.ndim - len(np.atleast_1d(repeats))) + tuple(np.atleast_1d(repeats))
    shape = (1,) * (out.ndim - a.ndim) + a.shape

    def vjp(g):
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * out.ndim, 2))).reshape(a.shape)
    return record("tile", (x,), out, (vjp,))


def repeat(x, repeats, axis=None):
    """Each element repeated ``repeats`` times along ``axis`` (flattened when None).  VJP: the
    copies of each element summed."""
    x = as_array(x)
    a = plain(x)
    out = np.repeat(a, repeats, axis=axis)
    ax = 0 if axis is None else axis % a.ndim
    n = a.size if axis is None else a.shape[ax]
    reps = np.broadcast_to(np.asarray(repeats), (n,))
    starts = np.concatenate([[0], np.cumsum(reps)[:-1]]).astype(np.intp)

    def vjp(g):
        if g.shape[ax] == 0:
            return np.zeros(a.shape, g.dtype)
        summed = np.add.reduceat(g, starts, axis=ax)
        summed = np.where(np.expand_dims(reps == 0, tuple(i for i in range(g.ndim) if i != ax)), 0, summed)
        return summed.reshape(a.shape)
    return record("repeat", (x,), out, (vjp,))


def flip(x, axis=None):
    """Reverse the order along ``axis`` (all axes when None).  VJP: flip g back."""
    x = as_array(x)
    out = np.flip(plain(x), axis)
    return record("flip", (x,), out, (lambda g: np.flip(g, axis),))


def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).
    VJP: g added back at the indices."""
    x = as_array(x)
    a = plain(x)
    idx = plain(indices).astype(np.intp)
    out = np.take(a, idx, axis=axis)

    def vjp(g):
        z = np.zeros(a.shape, g.dtype)
        if axis is None:
            np.add.at(z.reshape(-1), idx, g)
        else:
            np.add.at(z, (_slice(None),) * (axis % a.ndim) + (idx,), g)
        return z
    return record("take", (x,), out, (vjp,))


def copy(x):
    """A copy of ``x``.  d/dx = 1."""
    x = as_array(x)
    return record("copy", (x,), np.array(plain(x)), (lambda g: g,))


def ndim(x):
    """The number of dimensions."""
    return np.ndim(plain(x))


def size(x):
    """The number of elements."""
    return np.size(plain(x))


# =============================================================================== creation
def zeros(shape, dtype=None):
    """An array of zeros (``floatx()`` by default)."""
    return np.zeros(shape, resolve_dtype(dtype))


def ones(shape, dtype=None):
    """An array of ones (``floatx()`` by default)."""
    return np.ones(shape, resolve_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value`` (``floatx()`` by default)."""
    return np.full(shape, fill_value, resolve_dtype(dtype))


def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape and dtype (no gradient)."""
    a = plain(x)
    return np.zeros(a.shape, dtype or a.dtype)


def ones_like(x, dtype=None):
    """Ones of ``x``'s shape and dtype (no gradient)."""
    a = plain(x)
    return np.ones(a.shape, dtype or a.dtype)


def full_like(x, fill_value, dtype=None):
    """``fill_value`` in ``x``'s shape and dtype (no gradient)."""
    a = plain(x)
    return np.full(a.shape, fill_value, dtype or a.dtype)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``: ``int32`` for integer arguments, ``floatx()``
    for floats, as keras.ops."""
    if step is None:
        step = 1
    if dtype is None:
        args = [v for v in (start, stop, step) if v is not None]
        dtype = "int32" if builtins.all(isinstance(v, numbers.Integral) for v in args) else config.floatx()
    if stop is None:
        return np.arange(0, start, step, dtype=dtype)
    return np.arange(start, stop, step, dtype=dtype)


def take_along_axis(x, indices, axis=None):
    """``np.take_along_axis``: ``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along
    ``axis`` (of the flattened ``x`` when None).  VJP: g added back at the indices."""
    x = as_array(x)
    a = plain(x)
    idx = plain(indices).astype(np.intp)
    if axis is None:
        out = np.take_along_axis(a.reshape(-1), idx.reshape(-1), 0)
    else:
        out = np.take_along_axis(a, idx, axis)

    def vjp(g):
        if axis is None:
            z = np.zeros(a.size, g.dtype)
            np.add.at(z, idx.reshape(-1), g.reshape(-1))
            return z.reshape(a.shape)
        z = np.zeros(a.shape, g.dtype)
        ax = axis % a.ndim
        grid = list(np.indices(g.shape, sparse=True))
        grid[ax] = np.broadcast_to(idx, g.shape)
        np.add.at(z, tuple(grid), g)
        return z
    return record("take_along_axis", (x,), out, (vjp,))


def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis``.  VJP: g returned to the positions the values came from."""
    a = plain(x)
    return take_along_axis(x, np.argsort(a, axis=axis, kind="stable"), axis=axis)


# =============================================================================== more arrays
def split(x, indices_or_sections, axis=0):
    """A list of sub-arrays of ``x`` along ``axis`` (``indices_or_sections``: a number of equal
    parts, or the split positions).  Each part is recorded as a slice of ``x``."""
    ndim = np.ndim(plain(x))
    ax = axis % ndim
    sizes = [len(p) for p in np.split(np.arange(np.shape(plain(x))[ax]), indices_or_sections)]
    parts, start = [], 0
    for n in sizes:
        parts.append(getitem(x, (_slice(None),) * ax + (_slice(start, start + n),)))
        start += n
    return parts


def _triangle(name, x, k, lower):
    x = as_array(x)
    a = plain(x)
    keep = (np.tril if lower else np.triu)(np.ones(a.shape[-2:], bool), k)
    return record(name, (x,), np.where(keep, a, 0).astype(a.dtype), (lambda g: g * keep,))


def tril(x, k=0):
    """The lower triangle (entries on and below diagonal ``k``) of the last two axes, zeros above.
    d/dx = 1 on the kept entries, 0 elsewhere."""
    return _triangle("tril", x, k, True)


def triu(x, k=0):
    """The upper triangle (entries on and above diagonal ``k``), zeros below."""
    return _triangle("triu", x, k, False)


def _gather_flat(name, x, index):
    """``x.ravel()[index]`` for an integer ``index`` array (-1: a constant 0 entry).  VJP: g added
    back at the indices (repeated indices accumulate)."""
    x = as_array(x)
    a = plain(x)
    flat = a.reshape(-1)
    valid = index >= 0
    out = np.where(valid, flat[np.where(valid, index, 0)], 0).astype(a.dtype)

    def vjp(g):
        z = np.zeros(a.size, g.dtype)
        np.add.at(z, index[valid], g[valid])
        return z.reshape(a.shape)
    return record(name, (x,), out, (vjp,))


def pad(x, pad_width, mode="constant", constant_values=None):
    """``np.pad`` (modes ``'constant'``, ``'reflect'``, ``'symmetric'``, ``'edge'``...).  VJP: each
    output position sends g back to the input position it copies (padding by a constant: none)."""
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values can only be given with mode='constant', got mode={mode!r}")
    a = plain(x)
    index = np.pad(np.arange(a.size).reshape(a.shape), pad_width, mode=mode,
                   **({"constant_values": -1} if mode == "constant" else {}))
    out = _gather_flat("pad", x, index)
    if mode == "constant" and constant_values not in (None, 0):
        out = add(out, np.where(index < 0, constant_values, 0).astype(a.dtype))
    return out


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the planes ``(axis1, axis2)`` (moved to the last axis, as NumPy).
    VJP: g written back onto that diagonal."""
    a = plain(x)
    index = np.diagonal(np.arange(a.size).reshape(a.shape), offset, axis1, axis2)
    return _gather_flat("diagonal", x, index)


def diag(x, k=0):
    """A 1-D ``x`` -> the square matrix with ``x`` on diagonal ``k``; a 2-D ``x`` -> its diagonal ``k``."""
    a = plain(x)
    if a.ndim == 2:
        return diagonal(x, offset=k)
    if a.ndim != 1:
        raise ValueError(f"diag: x must be 1-D or 2-D, got shape {a.shape}")
    index = np.diag(np.arange(a.size) + 1, k) - 1
    return _gather_flat("diag", x, index)


def ravel(x):
    """``x`` flattened to 1-D."""
    return reshape(x, (-1,))


def vstack(xs):
    """Stack along the first axis (1-D inputs become rows)."""
    xs = [as_array(v) for v in xs]
    return concatenate([reshape(v, (1, -1)) if np.ndim(plain(v)) == 1 else v for v in xs], axis=0)


def hstack(xs):
    """Stack along the second axis (the first for 1-D inputs)."""
    xs = [as_array(v) for v in xs]
    return concatenate(xs, axis=0 if np.ndim(plain(xs[0])) == 1 else 1)


def eye(N, M=None, k=0, dtype=None):
    """A 2-D array with ones on diagonal ``k`` (``floatx()`` by default)."""
    return np.eye(N, M, k, dtype=resolve_dtype(dtype))


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return np.identity(n, dtype=resolve_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced numbers from ``start`` to ``stop`` (``floatx()`` by default)."""
    return np.linspace(plain(start), plain(stop), num, endpoint=endpoint, retstep=retstep,
                       dtype=resolve_dtype(dtype), axis=axis)


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (not differentiable)."""
    return np.argsort(plain(x), axis=axis, kind="stable")


def nonzero(x):
    """The indices of the non-zero entries, one array per axis."""
    return np.nonzero(plain(x))


def array(x, dtype=None):
    """``x`` as an array (see :func:`convert_to_tensor`)."""
    return convert_to_tensor(x, dtype=dtype)


def empty(shape, dtype=None):
    """A new array of ``shape`` (zeros, so that nothing depends on leftover memory)."""
    return zeros(shape, dtype=dtype)


def empty_like(x, dtype=None):
    """A new array of ``x``'s shape and dtype (zeros)."""
    return zeros_like(x, dtype=dtype)


def get_item(x, key):
    """``x[key]`` (see :func:`getitem`)."""
    return getitem(x, key)


def roll(x, shift, axis=None):
    """``x`` rolled by ``shift`` along ``axis`` (the flattened ``x`` when None).  VJP: rolled back."""
    a = plain(x)
    index = np.roll(np.arange(a.size).reshape(a.shape), shift, axis)
    return _gather_flat("roll", x, index)


def flipud(x):
    """Reverse the first axis."""
    return flip(x, 0)


def fliplr(x):
    """Reverse the second axis."""
    return flip(x, 1)


def tri(N, M=None, k=0, dtype=None):
    """Ones on and below diagonal ``k`` of an ``N x M`` array (``floatx()`` by default)."""
    return np.tri(N, M, k, dtype=resolve_dtype(dtype))


def select(condlist, choicelist, default=0):
    """``choicelist[i]`` where ``condlist[i]`` is the first true condition, else ``default``
    (composed from recorded ``where``)."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, got "
                         f"{len(condlist)} and {len(choicelist)}")
    result = default
    for cond, choice in builtins.reversed(list(zip(condlist, choicelist))):
        result = where(cond, choice, result)
    if isinstance(result, numbers.Number):
        return np.asarray(result)
    return result


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays from 1-D inputs, as ``np.meshgrid`` (each recorded as a broadcast)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    sizes = [np.size(plain(v)) for v in x]
    shape = list(sizes)
    if indexing == "xy" and len(x) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    grids = []
    for i, v in enumerate(x):
        axis = i
        if indexing == "xy" and len(x) > 1 and i < 2:
            axis = 1 - i
        view = [1] * len(x)
        view[axis] = sizes[i]
        grids.append(broadcast_to(reshape(v, tuple(view)), tuple(shape)))
    return grids


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape`` (a tuple of arrays)."""
    return np.unravel_index(plain(indices), shape)


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
