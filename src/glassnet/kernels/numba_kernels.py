"""The fused kernels: ``numpy_kernels``' formulas, each as one loop compiled by numba.

Same functions, same arguments, same results as ``numpy_kernels`` (read the
formulas there).  What changes is how many times memory is walked: NumPy makes
one pass per operation (Adam: about ten passes over each of ``w, g, m, v`` and
two temporaries); here each element is loaded once, updated in registers and
stored once.  The serial loops are written so that LLVM vectorizes them (no
store under a condition: options such as AMSGrad or "no bias" get loops of their
own).  When threads are asked for (``glassnet.config.set_kernel_threads``),
arrays of at least ``PARALLEL_MIN`` elements are split over numba's threads
(``parallel=True``); smaller ones always run the serial loop, as waking threads
costs more than it saves there.

Exactness: every operation is the same float32 operation in the same order as
the reference (no fused multiply-add, no reassociation: ``fastmath`` is off), so
the optimizer updates agree bit for bit with NumPy's; functions that call
``exp``/``log`` (the cross-entropy) may differ in the last bit, as the two
libraries' ``exp`` differ.  ``error_model='numpy'``: a division by zero gives
inf/NaN as in NumPy, not an exception.

Compilation happens at the first call with each dtype (a few seconds for all the
kernels a fit uses) and is cached on disk (``cache=True``: next to this file, or
in numba's user cache directory when that is read-only), so later processes load
the machine code (about 0.1 s per kernel, measured on a busy machine).  Arrays of a dtype other than
float32/float64 (float16) go to the NumPy reference.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from . import numpy_kernels as _ref

NAME = "numba"

#: Arrays with fewer elements than this are updated by a serial loop.
PARALLEL_MIN = 1 << 15

_OPTS = dict(cache=True, nogil=True, error_model="numpy", fastmath=False)
_elem = numba.njit(inline="always", **_OPTS)
_ser = numba.njit(**_OPTS)
_par = numba.njit(parallel=True, **_OPTS)

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_threads = 1


def set_num_threads(n) -> None:
    """Threads for the parallel kernels: ``n`` (capped at numba's pool); 1 or None: serial loops.

    Serial by default (see ``glassnet.config.set_kernel_threads``): the serial loops are
    vectorized and already 5-20 times faster than NumPy's passes, and parallel regions share
    the cores with BLAS's threads.
    """
    global _threads
    limit = numba.config.NUMBA_NUM_THREADS
    n = 1 if n is None else max(1, min(int(n), limit))
    if n > 1:
        numba.set_num_threads(n)    # starts numba's thread pool: only when threads are wanted
    _threads = n


def _parallel(n: int) -> bool:
    return _threads > 1 and n >= PARALLEL_MIN


# ============================================================================ optimizers
@_elem
def _decay_e(i, p, wd, lr):
    p[i] = p[i] - (p[i] * wd) * lr


@_ser
def _decay_s(p, wd, lr):
    for i in range(p.size):
        _decay_e(i, p, wd, lr)


@_par
def _decay_p(p, wd, lr):
    for i in prange(p.size):
        _decay_e(i, p, wd, lr)


def weight_decay(p, wd, lr):
    if p.dtype not in _FLOATS:
        return _ref.weight_decay(p, wd, lr)
    (_decay_p if _parallel(p.size) else _decay_s)(p, wd, lr)


@_ser
def _ema_s(avg, w, mom, one_minus_mom):
    for i in range(w.size):
        avg[i] = avg[i] * mom + w[i] * one_minus_mom


def ema(avg, w, mom, one_minus_mom):
    if w.dtype not in _FLOATS or avg.dtype != w.dtype:
        return _ref.ema(avg, w, mom, one_minus_mom)
    _ema_s(avg, w, mom, one_minus_mom)


# --------------------------------------------------------------------------- SGD
@_elem
def _sgd_e(i, p, g, m, lr, momentum, nesterov, use_momentum):
    step = g[i] * lr
    if not use_momentum:
        p[i] = p[i] - step
        return
    mi = m[i] * momentum - step
    m[i] = mi
    if nesterov:
        p[i] = p[i] + (mi * momentum - step)
    else:
        p[i] = p[i] + mi


@_ser
def _sgd_s(p, g, m, lr, momentum, nesterov, use_momentum):
    for i in range(p.size):
        _sgd_e(i, p, g, m, lr, momentum, nesterov, use_momentum)


@_par
def _sgd_p(p, g, m, lr, momentum, nesterov, use_momentum):
    for i in prange(p.size):
        _sgd_e(i, p, g, m, lr, momentum, nesterov, use_momentum)


def sgd(p, g, m, lr, momentum, nesterov):
    if p.dtype not in _FLOATS:
        return _ref.sgd(p, g, m, lr, momentum, nesterov)
    use_momentum = bool(momentum != 0)
    if m is None:
        m = p                        # not read when momentum == 0 (numba needs an array)
    (_sgd_p if _parallel(p.size) else _sgd_s)(p, g, m, lr, momentum, bool(nesterov), use_momentum)


# --------------------------------------------------------------------------- Adam
# Options that add a conditional store (amsgrad's vhat, RMSprop's momentum / centered slots)
# get kernels of their own: a branch storing into an array that may alias the others keeps
# LLVM from vectorizing the serial loop (a 8x slower loop for everybody).
@_elem
def _adam_e(i, p, g, m, v, alpha, c1, c2, eps):
    gi = g[i]
    mi = m[i]
    mi = mi + (gi - mi) * c1
    m[i] = mi
    vi = v[i]
    vi = vi + (gi * gi - vi) * c2
    v[i] = vi
    p[i] = p[i] - (mi * alpha) / (math.sqrt(vi) + eps)


@_ser
def _adam_s(p, g, m, v, alpha, c1, c2, eps):
    for i in range(p.size):
        _adam_e(i, p, g, m, v, alpha, c1, c2, eps)


@_par
def _adam_p(p, g, m, v, alpha, c1, c2, eps):
    for i in prange(p.size):
        _adam_e(i, p, g, m, v, alpha, c1, c2, eps)


@_elem
def _adam_ams_e(i, p, g, m, v, vhat, alpha, c1, c2, eps):
    gi = g[i]
    mi = m[i]
    mi = mi + (gi - mi) * c1
    m[i] = mi
    vi = v[i]
    vi = vi + (gi * gi - vi) * c2
    v[i] = vi
    vh = vhat[i]
    if not vh >= vi:                 # np.maximum: the larger, NaN if either is NaN
        vh = vi if (vi >= vh or vi != vi) else vh
    vhat[i] = vh
    p[i] = p[i] - (mi * alpha) / (math.sqrt(vh) + eps)


@_ser
def _adam_ams_s(p, g, m, v, vhat, alpha, c1, c2, eps):
    for i in range(p.size):
        _adam_ams_e(i, p, g, m, v, vhat, alpha, c1, c2, eps)


@_par
def _adam_ams_p(p, g, m, v, vhat, alpha, c1, c2, eps):
    for i in prange(p.size):
        _adam_ams_e(i, p, g, m, v, vhat, alpha, c1, c2, eps)


def adam(p, g, m, v, vhat, amsgrad, alpha, c1, c2, eps):
    if p.dtype not in _FLOATS:
        return _ref.adam(p, g, m, v, vhat, amsgrad, alpha, c1, c2, eps)
    par = _parallel(p.size)
    if amsgrad:
        (_adam_ams_p if par else _adam_ams_s)(p, g, m, v, vhat, alpha, c1, c2, eps)
    else:
        (_adam_p if par else _adam_s)(p, g, m, v, alpha, c1, c2, eps)


# --------------------------------------------------------------------------- RMSprop
@_elem
def _rmsprop_e(i, p, g, v, lr, rho, c, eps):
    gi = g[i]
    vi = v[i] * rho + gi * gi * c
    v[i] = vi
    p[i] = p[i] - (gi * lr) / math.sqrt(vi + eps)


@_ser
def _rmsprop_s(p, g, v, lr, rho, c, eps):
    for i in range(p.size):
        _rmsprop_e(i, p, g, v, lr, rho, c, eps)


@_par
def _rmsprop_p(p, g, v, lr, rho, c, eps):
    for i in prange(p.size):
        _rmsprop_e(i, p, g, v, lr, rho, c, eps)


@_elem
def _rmsprop_full_e(i, p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered):
    gi = g[i]
    vi = v[i] * rho + gi * gi * c
    v[i] = vi
    if centered:
        ai = a[i] * rho + gi * c
        a[i] = ai
        d = (vi - ai * ai) + eps
    else:
        d = vi + eps
    inc = (gi * lr) / math.sqrt(d)
    if use_momentum:
        si = s[i] * momentum + inc
        s[i] = si
        p[i] = p[i] - si
    else:
        p[i] = p[i] - inc


@_ser
def _rmsprop_full_s(p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered):
    for i in range(p.size):
        _rmsprop_full_e(i, p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered)


@_par
def _rmsprop_full_p(p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered):
    for i in prange(p.size):
        _rmsprop_full_e(i, p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered)


def rmsprop(p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered):
    if p.dtype not in _FLOATS:
        return _ref.rmsprop(p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered)
    par = _parallel(p.size)
    if not use_momentum and not centered:
        (_rmsprop_p if par else _rmsprop_s)(p, g, v, lr, rho, c, eps)
        return
    s = v if s is None else s        # not touched unless use_momentum / centered
    a = v if a is None else a
    (_rmsprop_full_p if par else _rmsprop_full_s)(
        p, g, v, s, a, lr, rho, c, momentum, eps, bool(use_momentum), bool(centered))


# --------------------------------------------------------------------------- Adagrad
@_elem
def _adagrad_e(i, p, g, acc, lr, eps):
    gi = g[i]
    ai = acc[i] + gi * gi
    acc[i] = ai
    p[i] = p[i] - (gi * lr) / math.sqrt(ai + eps)


@_ser
def _adagrad_s(p, g, acc, lr, eps):
    for i in range(p.size):
        _adagrad_e(i, p, g, acc, lr, eps)


@_par
def _adagrad_p(p, g, acc, lr, eps):
    for i in prange(p.size):
        _adagrad_e(i, p, g, acc, lr, eps)


def adagrad(p, g, acc, lr, eps):
    if p.dtype not in _FLOATS:
        return _ref.adagrad(p, g, acc, lr, eps)
    (_adagrad_p if _parallel(p.size) else _adagrad_s)(p, g, acc, lr, eps)


# --------------------------------------------------------------------------- Adadelta
@_elem
def _adadelta_e(i, p, g, eg2, edx2, lr, rho, c, eps):
    gi = g[i]
    e = eg2[i] * rho + gi * gi * c
    eg2[i] = e
    dx = -((math.sqrt(edx2[i] + eps) * gi) / math.sqrt(e + eps))
    edx2[i] = edx2[i] * rho + dx * dx * c
    p[i] = p[i] + dx * lr


@_ser
def _adadelta_s(p, g, eg2, edx2, lr, rho, c, eps):
    for i in range(p.size):
        _adadelta_e(i, p, g, eg2, edx2, lr, rho, c, eps)


@_par
def _adadelta_p(p, g, eg2, edx2, lr, rho, c, eps):
    for i in prange(p.size):
        _adadelta_e(i, p, g, eg2, edx2, lr, rho, c, eps)


def adadelta(p, g, eg2, edx2, lr, rho, c, eps):
    if p.dtype not in _FLOATS:
        return _ref.adadelta(p, g, eg2, edx2, lr, rho, c, eps)
    (_adadelta_p if _parallel(p.size) else _adadelta_s)(p, g, eg2, edx2, lr, rho, c, eps)


# --------------------------------------------------------------------------- Adamax
@_elem
def _adamax_e(i, p, g, m, u, lr, c1, beta_2, eps, bias_correction):
    gi = g[i]
    mi = m[i]
    mi = mi + (gi - mi) * c1
    m[i] = mi
    x = u[i] * beta_2
    y = abs(gi)
    ui = x if (x >= y or x != x) else y        # np.maximum, NaN-propagating
    u[i] = ui
    p[i] = p[i] - (mi * lr) / ((ui + eps) * bias_correction)


@_ser
def _adamax_s(p, g, m, u, lr, c1, beta_2, eps, bias_correction):
    for i in range(p.size):
        _adamax_e(i, p, g, m, u, lr, c1, beta_2, eps, bias_correction)


@_par
def _adamax_p(p, g, m, u, lr, c1, beta_2, eps, bias_correction):
    for i in prange(p.size):
        _adamax_e(i, p, g, m, u, lr, c1, beta_2, eps, bias_correction)


def adamax(p, g, m, u, lr, c1, beta_2, eps, bias_correction):
    if p.dtype not in _FLOATS:
        return _ref.adamax(p, g, m, u, lr, c1, beta_2, eps, bias_correction)
    (_adamax_p if _parallel(p.size) else _adamax_s)(p, g, m, u, lr, c1, beta_2, eps,
                                                      bias_correction)


# --------------------------------------------------------------------------- Nadam
@_elem
def _nadam_e(i, p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps):
    gi = g[i]
    mi = m[i]
    mi = mi + (gi - mi) * c1
    m[i] = mi
    vi = v[i]
    vi = vi + (gi * gi - vi) * c2
    v[i] = vi
    m_hat = (mi * u_t1) / den_m + (gi * c_g) / den_g
    p[i] = p[i] - (m_hat * lr) / (math.sqrt(vi / den_v) + eps)


@_ser
def _nadam_s(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps):
    for i in range(p.size):
        _nadam_e(i, p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps)


@_par
def _nadam_p(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps):
    for i in prange(p.size):
        _nadam_e(i, p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps)


def nadam(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps):
    if p.dtype not in _FLOATS:
        return _ref.nadam(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps)
    (_nadam_p if _parallel(p.size) else _nadam_s)(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g,
                                                    den_g, den_v, eps)


# --------------------------------------------------------------------------- Lion
@_elem
def _lion_e(i, p, g, m, lr, beta_1, c1, beta_2, c2):
    gi = g[i]
    mi = m[i]
    c = mi * beta_1 + gi * c1
    if c > 0:
        s = lr
    elif c < 0:
        s = -lr
    else:
        s = c * lr                   # sign(0) = 0 (keeps -0.0), sign(NaN) = NaN, as np.sign
    p[i] = p[i] - s
    m[i] = mi * beta_2 + gi * c2


@_ser
def _lion_s(p, g, m, lr, beta_1, c1, beta_2, c2):
    for i in range(p.size):
        _lion_e(i, p, g, m, lr, beta_1, c1, beta_2, c2)


@_par
def _lion_p(p, g, m, lr, beta_1, c1, beta_2, c2):
    for i in prange(p.size):
        _lion_e(i, p, g, m, lr, beta_1, c1, beta_2, c2)


def lion(p, g, m, lr, beta_1, c1, beta_2, c2):
    if p.dtype not in _FLOATS:
        return _ref.lion(p, g, m, lr, beta_1, c1, beta_2, c2)
    (_lion_p if _parallel(p.size) else _lion_s)(p, g, m, lr, beta_1, c1, beta_2, c2)


# --------------------------------------------------------------------------- FTRL
@_elem
def _ftrl_e(i, p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice, sqrt_power):
    gi = g[i]
    wi = p[i]
    ai = acc[i]
    new = gi * gi + ai
    if sqrt_power:
        pow_new = math.sqrt(new)
        pow_old = math.sqrt(ai)
    else:
        pow_new = new ** power
        pow_old = ai ** power
    sigma_w = ((pow_new - pow_old) / lr) * wi
    z = linear[i] + ((gi + wi * shrink_twice) - sigma_w)
    linear[i] = z
    q = pow_new / lr + l2_twice
    clipped = z
    if clipped < -l1:
        clipped = -l1
    elif clipped > l1:
        clipped = l1
    p[i] = (clipped - z) / q
    acc[i] = new


@_ser
def _ftrl_s(p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice, sqrt_power):
    for i in range(p.size):
        _ftrl_e(i, p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice, sqrt_power)


@_par
def _ftrl_p(p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice, sqrt_power):
    for i in prange(p.size):
        _ftrl_e(i, p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice, sqrt_power)


def ftrl(p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice):
    # a power other than 0.5: numba's pow and NumPy's differ in the last bits, and FTRL's
    # n'^p - n^p cancels them into visible differences: keep the reference there
    if p.dtype not in _FLOATS or power != 0.5:
        return _ref.ftrl(p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice)
    (_ftrl_p if _parallel(p.size) else _ftrl_s)(p, g, acc, linear, lr, power, l1, l2_twice,
                                                  shrink_twice, bool(power == 0.5))


# ============================================================================ layers
# with and without a bias: separate loops, as a conditional store (z <- z + b only when there is
# a bias) keeps LLVM from vectorizing the loop
@_ser
def _bias_relu_s(z, b, a):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j] + b[j]
            z[i, j] = x
            a[i, j] = x if (x > 0 or x != x) else 0


@_par
def _bias_relu_p(z, b, a):
    for i in prange(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j] + b[j]
            z[i, j] = x
            a[i, j] = x if (x > 0 or x != x) else 0


@_ser
def _relu_s(z, a):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j]
            a[i, j] = x if (x > 0 or x != x) else 0


@_par
def _relu_p(z, a):
    for i in prange(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j]
            a[i, j] = x if (x > 0 or x != x) else 0


@_ser
def _bias_relu_inplace_s(z, b):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j] + b[j]
            z[i, j] = x if (x > 0 or x != x) else 0


@_par
def _bias_relu_inplace_p(z, b):
    for i in prange(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j] + b[j]
            z[i, j] = x if (x > 0 or x != x) else 0


@_ser
def _relu_inplace_s(z):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j]
            z[i, j] = x if (x > 0 or x != x) else 0


@_par
def _relu_inplace_p(z):
    for i in prange(z.shape[0]):
        for j in range(z.shape[1]):
            x = z[i, j]
            z[i, j] = x if (x > 0 or x != x) else 0


def _as_2d(x):
    return x if x.ndim == 2 else x.reshape(-1, x.shape[-1])


def _bias_relu_ok(z, b):
    return z.dtype in _FLOATS and (b is None or b.dtype == z.dtype) and z.flags.c_contiguous


def bias_relu(z, b):
    if not _bias_relu_ok(z, b):
        return _ref.bias_relu(z, b)
    a = np.empty_like(z)
    par = _parallel(z.size)
    if b is None:
        (_relu_p if par else _relu_s)(_as_2d(z), _as_2d(a))
    else:
        (_bias_relu_p if par else _bias_relu_s)(_as_2d(z), b, _as_2d(a))
    return a


def bias_relu_inplace(z, b):
    if not _bias_relu_ok(z, b):
        return _ref.bias_relu_inplace(z, b)
    par = _parallel(z.size)
    if b is None:
        (_relu_inplace_p if par else _relu_inplace_s)(_as_2d(z))
    else:
        (_bias_relu_inplace_p if par else _bias_relu_inplace_s)(_as_2d(z), b)
    return z


@_ser
def _bias_add_s(z, b):
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = z[i, j] + b[j]


@_par
def _bias_add_p(z, b):
    for i in prange(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] = z[i, j] + b[j]


def bias_add(z, b):
    if z.dtype not in _FLOATS or b.dtype != z.dtype:
        return _ref.bias_add(z, b)
    (_bias_add_p if _parallel(z.size) else _bias_add_s)(_as_2d(z), b)




@_elem
def _relu_delta_rows(grad, z, delta, bias_grad, has_bias, lo, hi):
    """Columns lo:hi of every row; the bias gradient summed row after row (NumPy's order)."""
    n = z.shape[0]
    one = z.dtype.type(1)
    zero = z.dtype.type(0)
    if has_bias:
        for j in range(lo, hi):                  # row 0 starts the sums
            d = grad[0, j] * (one if z[0, j] > 0 else zero)
            delta[0, j] = d
            bias_grad[j] = d
        for i in range(1, n):
            for j in range(lo, hi):
                d = grad[i, j] * (one if z[i, j] > 0 else zero)
                delta[i, j] = d
                bias_grad[j] = bias_grad[j] + d
    else:
        for i in range(n):
            for j in range(lo, hi):
                delta[i, j] = grad[i, j] * (one if z[i, j] > 0 else zero)


@_ser
def _relu_delta_s(grad, z, delta, bias_grad, has_bias):
    _relu_delta_rows(grad, z, delta, bias_grad, has_bias, 0, z.shape[1])


def relu_delta(grad, z, bias_grad):
    if (z.dtype not in _FLOATS or grad.dtype != z.dtype or grad.shape != z.shape
            or (bias_grad is not None and bias_grad.dtype != z.dtype)):
        return _ref.relu_delta(grad, z, bias_grad)
    delta = np.empty_like(z)
    z2, g2, d2 = _as_2d(z), _as_2d(grad), _as_2d(delta)
    has_bias = bias_grad is not None
    bg = bias_grad if has_bias else z2[0]
    # serial only: a column-block parallel form (each thread summing its own columns) measured
    # 5x slower than this loop on (128, 512) with two threads (benchmarks/kernels_micro.py)
    _relu_delta_s(g2, z2, d2, bg, has_bias)
    return delta


@_ser
def _column_sum_s(delta, out):
    n, k = delta.shape
    for j in range(k):
        out[j] = delta[0, j] if n else 0
    for i in range(1, n):
        for j in range(k):
            out[j] = out[j] + delta[i, j]


def column_sum(delta, out):
    # NumPy's reduction over the rows is one streaming pass already; numba's serial loop
    # only saves the call overhead on small layers.
    if delta.dtype not in _FLOATS or out.dtype != delta.dtype or delta.size >= PARALLEL_MIN:
        return _ref.column_sum(delta, out)
    _column_sum_s(_as_2d(delta), out)


@_elem
def _dropout_e(i, x, u, rate, scale, out, mask):
    mi = scale if u[i] >= rate else scale * 0
    mask[i] = mi
    out[i] = x[i] * mi


@_ser
def _dropout_s(x, u, rate, scale, out, mask):
    for i in range(x.size):
        _dropout_e(i, x, u, rate, scale, out, mask)


@_par
def _dropout_p(x, u, rate, scale, out, mask):
    for i in prange(x.size):
        _dropout_e(i, x, u, rate, scale, out, mask)


def dropout(x, u, rate, scale):
    if x.dtype not in _FLOATS or u.dtype not in _FLOATS or x.shape != u.shape:
        return _ref.dropout(x, u, rate, scale)
    out = np.empty(x.shape, dtype=x.dtype)
    mask = np.empty(x.shape, dtype=x.dtype)
    xf = x.reshape(-1)
    (_dropout_p if _parallel(x.size) else _dropout_s)(xf, u.reshape(-1), rate, scale,
                                                      out.reshape(-1), mask.reshape(-1))
    return out, mask


@_ser
def _multiply_s(a, b, out):
    for i in range(a.size):
        out[i] = a[i] * b[i]


@_par
def _multiply_p(a, b, out):
    for i in prange(a.size):
        out[i] = a[i] * b[i]


def multiply(a, b):
    # one pass either way: NumPy's call is cheaper unless the threads can share the work
    if (a.dtype not in _FLOATS or b.dtype != a.dtype or a.shape != b.shape
            or not _parallel(a.size)):
        return _ref.multiply(a, b)
    out = np.empty(a.shape, dtype=a.dtype)
    (_multiply_p if _parallel(a.size) else _multiply_s)(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


# ============================================================================ losses
@_elem
def _sce_row(i, z, labels, y_pred, scale, values, grad):
    k = z.shape[1]
    mx = z[i, 0]
    for j in range(1, k):
        x = z[i, j]
        if x > mx or x != x:
            mx = x
    s = z.dtype.type(0)
    for j in range(k):
        s += math.exp(z[i, j] - mx)
    y = labels[i]
    if y < 0 or y >= k:
        raise IndexError("sparse_softmax_ce: a label is outside [0, number of classes)")
    values[i] = math.log(s) - (z[i, y] - mx)
    for j in range(k):
        grad[i, j] = y_pred[i, j] * scale
    grad[i, y] = (y_pred[i, y] - z.dtype.type(1)) * scale


@_ser
def _sce_s(z, labels, y_pred, scale, values, grad):
    for i in range(z.shape[0]):
        _sce_row(i, z, labels, y_pred, scale, values, grad)


@_par
def _sce_p(z, labels, y_pred, scale, values, grad):
    for i in prange(z.shape[0]):
        _sce_row(i, z, labels, y_pred, scale, values, grad)


def sparse_softmax_ce(z, labels, y_pred, scale):
    if (z.dtype not in _FLOATS or y_pred.dtype != z.dtype or z.ndim != 2
            or y_pred.shape != z.shape or labels.dtype.kind not in "iu"):
        return _ref.sparse_softmax_ce(z, labels, y_pred, scale)
    n = z.shape[0]
    values = np.empty(n, dtype=z.dtype)
    grad = np.empty_like(z)
    (_sce_p if _parallel(z.size) else _sce_s)(z, labels, y_pred, scale, values, grad)
    return values, grad


@_elem
def _bce_row(i, z, y, y_pred, inv_d, scale, values, grad):
    k = z.shape[1]
    zero = z.dtype.type(0)
    s = zero
    for j in range(k):
        x = z[i, j]
        e = (x if x > zero else zero) - x * y[i, j] + math.log1p(math.exp(-abs(x)))
        s = e if j == 0 else s + e
        grad[i, j] = ((y_pred[i, j] - y[i, j]) * inv_d) * scale
    values[i] = s if k == 1 else s / z.dtype.type(k)


@_ser
def _bce_s(z, y, y_pred, inv_d, scale, values, grad):
    for i in range(z.shape[0]):
        _bce_row(i, z, y, y_pred, inv_d, scale, values, grad)


@_par
def _bce_p(z, y, y_pred, inv_d, scale, values, grad):
    for i in prange(z.shape[0]):
        _bce_row(i, z, y, y_pred, inv_d, scale, values, grad)


def sigmoid_bce(z, y, y_pred, inv_d, scale):
    if (z.dtype not in _FLOATS or y.dtype != z.dtype or y_pred.dtype != z.dtype or z.ndim != 2
            or y.shape != z.shape or y_pred.shape != z.shape):
        return _ref.sigmoid_bce(z, y, y_pred, inv_d, scale)
    values = np.empty(z.shape[0], dtype=z.dtype)
    grad = np.empty_like(z)
    (_bce_p if _parallel(z.size) else _bce_s)(z, y, y_pred, inv_d, scale, values, grad)
    return values, grad


from .numba_pooling import max_pool, max_pool_backward  # noqa: E402  (its own module: this one is near 800 lines)

__all__ = _ref.__all__ + ["set_num_threads"]
