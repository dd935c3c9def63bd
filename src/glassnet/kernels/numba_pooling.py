"""Max pooling's forward and backward as compiled loops: the twins of ``numpy_kernels.max_pool``
and ``numpy_kernels.max_pool_backward`` (read the formulas there), exported by ``numba_kernels``.

The reference makes a pass per window position (forward) or three passes over the tiled input
(backward: compare with the maxima, count the hits to detect ties, multiply); these loops visit
each input position once, the channels innermost (the backward keeps per channel whether the
window's error has gone to an earlier position).  They only compare, select and copy values, in
the reference's order and with ``np.maximum``'s rule (the second operand unless the first is
larger or NaN), so both implementations give the same bits.  C-contiguous float arrays only;
anything else goes to the reference.
"""
from __future__ import annotations

import numba
import numpy as np

from . import numpy_kernels as _ref

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_njit = numba.njit(cache=True, nogil=True, error_model="numpy")


def _fits(*arrays) -> bool:
    return (arrays[0].dtype in _FLOATS and all(a.dtype == arrays[0].dtype for a in arrays)
            and all(a.flags.c_contiguous for a in arrays))


@_njit
def _max_pool_s(xp, ph, pw, sh, sw, out):
    n, ho, wo, c = out.shape
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = out[b, i, j]
                src = xp[b, i * sh, j * sw]
                for k in range(c):
                    o[k] = src[k]
                for t in range(1, ph * pw):
                    src = xp[b, i * sh + t // pw, j * sw + t % pw]
                    for k in range(c):
                        m = o[k]
                        v = src[k]
                        o[k] = m if (m > v or m != m) else v       # np.maximum(m, v)


def max_pool(xp, pool, strides, out):
    if not _fits(xp, out):
        return _ref.max_pool(xp, pool, strides, out)
    _max_pool_s(xp, pool[0], pool[1], strides[0], strides[1], out)


@_njit
def _max_pool_backward_s(xp, out, grad, ph, pw, dxp):
    n, ho, wo, c = out.shape
    taken = np.empty(c, dtype=np.bool_)
    zero = dxp.dtype.type(0)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                o = out[b, i, j]
                g = grad[b, i, j]
                taken[:] = False
                for t in range(ph * pw):
                    y, x = i * ph + t // pw, j * pw + t % pw
                    src = xp[b, y, x]
                    dst = dxp[b, y, x]
                    for k in range(c):
                        hit = (not taken[k]) and src[k] == o[k]
                        dst[k] = g[k] if hit else zero
                        taken[k] = taken[k] or hit


def max_pool_backward(xp, out, grad, pool, dxp):
    if not _fits(xp, out, grad, dxp):
        return _ref.max_pool_backward(xp, out, grad, pool, dxp)
    _max_pool_backward_s(xp, out, grad, pool[0], pool[1], dxp)
