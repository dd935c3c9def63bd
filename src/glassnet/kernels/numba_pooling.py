"""Max pooling's backward as one compiled loop: the twin of ``numpy_kernels.max_pool_backward``
(read the formula there), exported by ``numba_kernels``.

The reference makes three passes over the tiled input (compare with the maxima, count the hits
to detect ties, multiply); this loop visits each input position once, keeping per channel whether
the window's error has been given to an earlier position.  It only selects and copies values, so
both give the same bits.
"""
from __future__ import annotations

import numba
import numpy as np

from . import numpy_kernels as _ref

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _max_pool_backward_s(x6, out, grad, dx6):
    n, ho, ph, wo, pw, c = x6.shape
    taken = np.empty(c, dtype=np.bool_)
    zero = dx6.dtype.type(0)
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                taken[:] = False
                for p in range(ph):
                    for q in range(pw):
                        for k in range(c):
                            hit = (not taken[k]) and x6[b, i, p, j, q, k] == out[b, i, j, k]
                            dx6[b, i, p, j, q, k] = grad[b, i, j, k] if hit else zero
                            taken[k] = taken[k] or hit


def max_pool_backward(x6, out, grad, dx6):
    if x6.dtype not in _FLOATS or any(a.dtype != x6.dtype for a in (out, grad, dx6)):
        return _ref.max_pool_backward(x6, out, grad, dx6)
    _max_pool_backward_s(x6, out, grad, dx6)
