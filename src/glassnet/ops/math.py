"""keras.ops.math: ``erf``, ``erfc``, ``logsumexp``, ``rsqrt``, ``top_k``, ``segment_sum``."""
from __future__ import annotations

import numpy as np

from .. import activations as _act
from ..autodiff import plain, record
from .core import as_float_array, reduced_axes, tuple_axis, unreduce
from .numpy_elementwise import reciprocal, sqrt
from .numpy_arrays import take_along_axis
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "erf", "logsumexp", "top_k", "rsqrt", "erfc", "segment_sum",
]


def erf(x):
    """The error function.  d/dx = 2/sqrt(pi) exp(-x^2)."""
    x = as_float_array(x)
    a = plain(x)
    out = _act._erf(a)
    return record("erf", (x,), out, (lambda g: g * (2.0 / np.sqrt(np.pi)) * np.exp(-a * a),))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(e^x))`` over ``axis``, computed as ``m + log(sum(e^(x - m)))`` with ``m = max x``.
    d/dx_i = e^(x_i - logsumexp) (the softmax)."""
    x = as_float_array(x)
    a = plain(x)
    ax = tuple_axis(axis)
    m = np.max(a, axis=ax, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    full = m + np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True))
    out = full if keepdims else np.squeeze(full, axis=reduced_axes(axis, a.ndim))
    return record("logsumexp", (x,), out,
                  (lambda g: unreduce(g, axis, keepdims, a.ndim) * np.exp(a - full),))


def rsqrt(x):
    """``1 / sqrt(x)``.  d/dx = -1/(2 x^(3/2))."""
    return reciprocal(sqrt(x))


def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis (largest first; the lower index first on ties)
    and their ``int32`` indices.  The values are differentiable, the indices are not."""
    a = plain(x)
    idx = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


def erfc(x):
    """The complementary error function ``1 - erf(x)``.  d/dx = -2/sqrt(pi) exp(-x^2)."""
    x = as_float_array(x)
    a = plain(x)
    out = _act._erfc(a)
    return record("erfc", (x,), out, (lambda g: g * (-2.0 / np.sqrt(np.pi)) * np.exp(-a * a),))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """``out[s] = sum of the rows of data whose segment id is s``; ``num_segments`` defaults to the
    number of distinct ids (``max id + 1`` when ``sorted``), as TensorFlow; rows whose id is out of
    range are dropped.  VJP: each row gets g of its segment."""
    if sorted and num_segments is not None:
        raise ValueError("segment_sum: num_segments cannot be set when sorted is True")
    data = as_float_array(data)
    d = plain(data)
    ids = plain(segment_ids).astype(np.intp)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if sorted and ids.size else len(np.unique(ids))
    valid = (ids >= 0) & (ids < num_segments)
    out = np.zeros((int(num_segments),) + d.shape[ids.ndim:], d.dtype)
    np.add.at(out, ids[valid], d[valid])

    def vjp(g):
        z = np.zeros(d.shape, g.dtype)
        z[valid] = g[ids[valid]]
        return z
    return record("segment_sum", (data,), out, (vjp,))


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
