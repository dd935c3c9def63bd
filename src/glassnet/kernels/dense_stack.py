"""One compiled training step for a small stack of Dense and Dropout layers (numba only).

For a network as small as the breast-cancer net (30-30-15-1, batches of 32) a training step
is about fifty NumPy calls of one or two microseconds each: the calls, not the arithmetic,
are the cost.  :func:`forward_backward` does the whole of the notes' backpropagation for a
chain of Dense / Dropout layers in one call, with the same formulas as the layers
(``layers/dense.py``, ``layers/dropout.py``) and the fused losses (``numpy_kernels``):

    forward, op by op        z = a_prev W + b,  a = f(z)          (Dense)
                             a = a_prev * mask,  mask = [u >= rate] / (1 - rate)   (Dropout)
    output, fused with the loss (delta_L = dC/dz_L):
        sigmoid + binary CE  e_ij = max(z, 0) - z y + log(1 + exp(-|z|)),  delta = (a - y) / d / n
        softmax + sparse CE  e_i = logsumexp(z_i) - z_i[y_i],           delta = (a - one_hot(y)) / n
    backward, op by op from the top
        delta      = dC/da * f'(z)       BP1 / BP2  (the output's delta comes from the loss)
        dC/db      = sum of delta        BP3
        dC/dW      = a_prev^T delta      BP4
        dC/da_prev = delta W^T           (Dropout: dC/da_prev = dC/da * mask)

The matrix products are BLAS's, called from the compiled code (numba's ``np.dot``, which needs
SciPy's BLAS bindings: the ``fast`` extra installs SciPy); the elementwise passes are loops.
Some sums (the bias gradient, the loss) run in another order than NumPy's, so results agree with
the layer-by-layer path to float32 rounding, not bit for bit.  ``models/dense_stack_step.py``
decides when a model qualifies and lays out the arrays; the uniforms of dropout come from each
Dropout layer's own NumPy generator, so a seed gives the same masks on both paths.

Arrays, all float32: ``x`` (n, features); ``work``, a flat buffer in which every intermediate
(z, a, delta, dC/da) is an (n, units) block starting at ``n * column`` (the columns are in
``table``, one row per layer, see ``COLUMNS``); ``masks``, each Dropout's (n, units) uniforms,
turned into its mask in place, from ``n * mask_off``.
"""
from __future__ import annotations

import math

import numba
import numpy as np

#: The columns of ``table``, one row per layer.
COLUMNS = ("kind", "fan_in", "units", "in_col", "out_col", "z_col", "delta_col", "gout_col",
           "mask_off", "kernel_off", "bias_off", "act", "prev_gout_col")
DENSE, DROPOUT = 0, 1
LINEAR, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
SIGMOID_BCE, SPARSE_SOFTMAX_CE = 0, 1

_OPTS = dict(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
_inline = numba.njit(inline="always", **_OPTS)


@_inline
def _block(buf, col, n, u):
    """The (n, u) block of a flat buffer that starts at ``n * col``."""
    return buf[col * n:(col + u) * n].reshape((n, u))


@_inline
def _weights(params, k_off, fi, u):
    return params[k_off:k_off + fi * u].reshape((fi, u))


@numba.njit(**_OPTS)
def _dense_forward(a, W, params, b_off, z):
    """z = a_prev W + b (the product is BLAS's, through numba's ``np.dot``)."""
    np.dot(a, W, z)
    if b_off >= 0:
        n, u = z.shape
        b = params[b_off:b_off + u]       # a view: indices from range stay provably non-negative
        for i in range(n):
            for j in range(u):
                z[i, j] += b[j]


@numba.njit(**_OPTS)
def _activate(z, a, act):
    """a = f(z) (linear: a is z itself)."""
    n, u = z.shape
    for i in range(n):
        if act == RELU:
            for j in range(u):
                a[i, j] = z[i, j] if z[i, j] > 0.0 else np.float32(0.0)
        elif act == SIGMOID:
            for j in range(u):
                e = math.exp(-abs(z[i, j]))
                a[i, j] = (np.float32(1.0) if z[i, j] >= 0.0 else e) / (np.float32(1.0) + e)
        elif act == TANH:
            for j in range(u):
                a[i, j] = math.tanh(z[i, j])
        elif act == SOFTMAX:
            m = z[i, 0]
            for j in range(1, u):
                m = max(m, z[i, j])
            s = np.float32(0.0)
            for j in range(u):
                a[i, j] = math.exp(z[i, j] - m)
                s += a[i, j]
            for j in range(u):
                a[i, j] /= s


@numba.njit(**_OPTS)
def _delta(g, z, a, d, act):
    """BP2: delta = dC/da * f'(z), f' from z (ReLU) or from a (sigmoid, tanh)."""
    n, u = g.shape
    for i in range(n):
        if act == RELU:
            for j in range(u):
                d[i, j] = g[i, j] if z[i, j] > 0.0 else np.float32(0.0)
        elif act == SIGMOID:
            for j in range(u):
                d[i, j] = g[i, j] * (a[i, j] * (np.float32(1.0) - a[i, j]))
        elif act == TANH:
            for j in range(u):
                d[i, j] = g[i, j] * (np.float32(1.0) - a[i, j] * a[i, j])
        else:
            for j in range(u):
                d[i, j] = g[i, j]


@numba.njit(**_OPTS)
def _loss_and_delta(z, a, d, loss, y_float, y_int):
    """The fused loss of the output layer (mean over rows) and its delta = dC/dz."""
    n, u = z.shape
    total = 0.0
    inv_n = np.float32(1.0) / np.float32(n)
    if loss == SIGMOID_BCE:
        inv_d = np.float32(1.0) / np.float32(u)
        for i in range(n):
            row = 0.0
            for j in range(u):
                zij, y = z[i, j], y_float[i, j]
                row += max(zij, 0.0) - zij * y + math.log1p(math.exp(-abs(zij)))
                d[i, j] = (a[i, j] - y) * inv_d * inv_n
            total += row / u
    else:
        for i in range(n):
            m = z[i, 0]
            for j in range(1, u):
                m = max(m, z[i, j])
            s = 0.0
            for j in range(u):
                s += math.exp(z[i, j] - m)
            label = y_int[i]
            total += math.log(s) - (z[i, label] - m)
            for j in range(u):
                d[i, j] = a[i, j] * inv_n
            d[i, label] -= inv_n
    return total / n


@numba.njit(**_OPTS)
def _dense_backward(a, d, W, grads, k_off, b_off, g_prev, need_prev):
    """BP4 dC/dW = a_prev^T delta, BP3 dC/db = sum of delta, and dC/da_prev = delta W^T."""
    fi, u = W.shape
    np.dot(a.T, d, _weights(grads, k_off, fi, u))
    if b_off >= 0:
        n = d.shape[0]
        db = grads[b_off:b_off + u]
        for j in range(u):
            db[j] = 0.0
        for i in range(n):
            for j in range(u):
                db[j] += d[i, j]
    if need_prev:
        np.dot(d, W.T, g_prev)


@numba.njit(**_OPTS)
def forward_backward(x, work, masks, rates, table, params, grads, loss, y_float, y_int):
    """The cost of the batch; fills ``grads`` (dC/dW, dC/db of every Dense) and ``work``."""
    n = x.shape[0]
    ops = table.shape[0]
    for o in range(ops):                                   # forward
        fi, u, ic, oc = table[o, 1], table[o, 2], table[o, 3], table[o, 4]
        src = x if ic < 0 else _block(work, ic, n, fi)
        out = _block(work, oc, n, u)
        if table[o, 0] == DENSE:
            z = _block(work, table[o, 5], n, u)
            _dense_forward(src, _weights(params, table[o, 9], fi, u), params, table[o, 10], z)
            if oc != table[o, 5]:
                _activate(z, out, table[o, 11])
        else:
            rate = rates[o]
            scale = np.float32(1.0) / (np.float32(1.0) - rate)
            mask = _block(masks, table[o, 8], n, u)
            for i in range(n):
                for j in range(u):
                    mask[i, j] = scale if mask[i, j] >= rate else np.float32(0.0)
                    out[i, j] = src[i, j] * mask[i, j]
    last = ops - 1
    u = table[last, 2]
    value = _loss_and_delta(_block(work, table[last, 5], n, u), _block(work, table[last, 4], n, u),
                            _block(work, table[last, 6], n, u), loss, y_float, y_int)
    for o in range(last, -1, -1):                          # backward
        fi, u, ic, pg = table[o, 1], table[o, 2], table[o, 3], table[o, 12]
        g_prev = _block(work, pg if pg >= 0 else 0, n, fi if pg >= 0 else 0)
        if table[o, 0] == DROPOUT:
            if pg >= 0:
                g = _block(work, table[o, 7], n, u)
                mask = _block(masks, table[o, 8], n, u)
                for i in range(n):
                    for j in range(u):
                        g_prev[i, j] = g[i, j] * mask[i, j]
            continue
        d = _block(work, table[o, 6], n, u)
        if o != last:                                      # BP2: delta = dC/da * f'(z)
            _delta(_block(work, table[o, 7], n, u), _block(work, table[o, 5], n, u),
                   _block(work, table[o, 4], n, u), d, table[o, 11])
        src = x if ic < 0 else _block(work, ic, n, fi)
        _dense_backward(src, d, _weights(params, table[o, 9], fi, u), grads, table[o, 9], table[o, 10],
                        g_prev, pg >= 0)
    return value
