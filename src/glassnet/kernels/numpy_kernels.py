"""The reference kernels: each formula as NumPy calls, in Keras's float32 order.

Every function here has a twin of the same name and arguments in
``numba_kernels`` that computes the same numbers in one fused loop.  Arrays are
updated in place; scalars arrive already converted to the arrays' dtype (a
float32 model gets ``np.float32`` scalars), so no pass is ever promoted to
float64.  Optimizer kernels work on 1-D arrays (a run of the flat parameter
vector and the matching run of each slot); ``grad`` is only read.

Scratch buffers are reused from call to call (one set per thread), as the
allocation of a 670k-element temporary costs as much as the arithmetic.
"""
from __future__ import annotations

import threading

import numpy as np

NAME = "numpy"

_local = threading.local()


def _tmp(k: int, n: int, dtype) -> np.ndarray:
    """Scratch buffer number ``k`` of this thread: its first ``n`` elements, of ``dtype``."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    key = (k, np.dtype(dtype))
    buf = pool.get(key)
    if buf is None or buf.size < n:
        buf = pool[key] = np.empty(n, dtype=dtype)
    return buf[:n]


# ============================================================================ optimizers
def weight_decay(p, wd, lr):
    """Decoupled weight decay: ``w <- w - (w * wd) * lr``."""
    t = _tmp(0, p.size, p.dtype)
    np.multiply(p, wd, out=t)
    t *= lr
    p -= t


def ema(avg, w, mom, one_minus_mom):
    """Moving average of the weights: ``avg <- mom * avg + (1 - mom) * w``."""
    t = _tmp(0, w.size, w.dtype)
    np.multiply(w, one_minus_mom, out=t)
    avg *= mom
    avg += t


def sgd(p, g, m, lr, momentum, nesterov):
    """Keras's SGD; ``m`` is the velocity (ignored when ``momentum == 0``)::

        momentum == 0:  w <- w - lr * g
        otherwise:      m <- momentum * m - lr * g
                        w <- w + m                         (nesterov False)
                        w <- w + momentum * m - lr * g     (nesterov True)
    """
    step = _tmp(0, p.size, p.dtype)
    np.multiply(g, lr, out=step)                          # lr * g
    if momentum == 0:
        p -= step
        return
    m *= momentum
    m -= step                                             # m = momentum*m - lr*g
    if nesterov:
        t = _tmp(1, p.size, p.dtype)
        np.multiply(m, momentum, out=t)
        t -= step
        p += t                                            # w += momentum*m - lr*g
    else:
        p += m


def _moments(g, m, v, c1, c2, t):
    """Adam's and Nadam's moving averages, in place (``t``: scratch)::

        m <- m + (g - m) * c1;   v <- v + (g^2 - v) * c2
    """
    np.subtract(g, m, out=t)
    t *= c1
    m += t
    np.square(g, out=t)
    t -= v
    t *= c2
    v += t


def adam(p, g, m, v, vhat, amsgrad, alpha, c1, c2, eps):
    """Keras's Adam with ``alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``, ``c1 = 1 - beta_1``,
    ``c2 = 1 - beta_2``::

        m <- m + (g - m) * c1
        v <- v + (g^2 - v) * c2
        vhat <- max(vhat, v), used as v                   (amsgrad only)
        w <- w - (m * alpha) / (sqrt(v) + eps)
    """
    n = p.size
    t = _tmp(0, n, p.dtype)
    _moments(g, m, v, c1, c2, t)
    if amsgrad:
        np.maximum(vhat, v, out=vhat)
        v = vhat
    np.sqrt(v, out=t)
    t += eps
    u = _tmp(1, n, p.dtype)
    np.multiply(m, alpha, out=u)
    u /= t
    p -= u


def rmsprop(p, g, v, s, a, lr, rho, c, momentum, eps, use_momentum, centered):
    """Keras's RMSprop, ``c = 1 - rho``; ``s`` (momentum) and ``a`` (average gradient)
    are used only when ``use_momentum`` / ``centered``::

        v <- rho * v + c * g^2
        a <- rho * a + c * g                              (centered)
        d  = v - a^2 + eps  (centered)   or   v + eps
        inc = (g * lr) / sqrt(d)
        s <- momentum * s + inc;  w <- w - s              (use_momentum)
        w <- w - inc                                      (otherwise)
    """
    n = p.size
    t = _tmp(0, n, p.dtype)
    np.square(g, out=t)
    t *= c
    v *= rho
    v += t
    if centered:
        np.multiply(g, c, out=t)
        a *= rho
        a += t
        np.square(a, out=t)
        np.subtract(v, t, out=t)
        t += eps
    else:
        np.add(v, eps, out=t)
    np.sqrt(t, out=t)
    inc = _tmp(1, n, p.dtype)
    np.multiply(g, lr, out=inc)
    inc /= t
    if use_momentum:
        s *= momentum
        s += inc
        p -= s
    else:
        p -= inc


def adagrad(p, g, acc, lr, eps):
    """Keras's Adagrad: ``G <- G + g^2``; ``w <- w - (g * lr) / sqrt(G + eps)``."""
    n = p.size
    t = _tmp(0, n, p.dtype)
    np.square(g, out=t)
    acc += t
    np.add(acc, eps, out=t)
    np.sqrt(t, out=t)
    u = _tmp(1, n, p.dtype)
    np.multiply(g, lr, out=u)
    u /= t
    p -= u


def adadelta(p, g, eg2, edx2, lr, rho, c, eps):
    """Keras's Adadelta, ``c = 1 - rho``::

        E[g2]  <- rho * E[g2] + c * g^2
        dx      = -(sqrt(E[dx2] + eps) * g / sqrt(E[g2] + eps))
        E[dx2] <- rho * E[dx2] + c * dx^2
        w      <- w + dx * lr
    """
    n = p.size
    t = _tmp(0, n, p.dtype)
    np.square(g, out=t)
    t *= c
    eg2 *= rho
    eg2 += t
    dx = _tmp(1, n, p.dtype)
    np.add(edx2, eps, out=dx)
    np.sqrt(dx, out=dx)
    dx *= g
    np.add(eg2, eps, out=t)
    np.sqrt(t, out=t)
    dx /= t
    np.negative(dx, out=dx)
    np.square(dx, out=t)
    t *= c
    edx2 *= rho
    edx2 += t
    dx *= lr
    p += dx


def adamax(p, g, m, u, lr, c1, beta_2, eps, bias_correction):
    """Keras's Adamax, ``c1 = 1 - beta_1``, ``bias_correction = 1 - beta_1^t``::

        m <- m + (g - m) * c1
        u <- max(beta_2 * u, |g|)
        w <- w - (m * lr) / ((u + eps) * bias_correction)
    """
    n = p.size
    t = _tmp(0, n, p.dtype)
    np.subtract(g, m, out=t)
    t *= c1
    m += t
    u *= beta_2
    np.abs(g, out=t)
    np.maximum(u, t, out=u)
    np.add(u, eps, out=t)
    t *= bias_correction
    d = _tmp(1, n, p.dtype)
    np.multiply(m, lr, out=d)
    d /= t
    p -= d


def nadam(p, g, m, v, lr, c1, c2, u_t1, den_m, c_g, den_g, den_v, eps):
    """Keras's Nadam with the step's scalars prepared by the optimizer
    (``u_t1 = mu_{t+1}``, ``den_m = 1 - P_t mu_{t+1}``, ``c_g = 1 - mu_t``,
    ``den_g = 1 - P_t``, ``den_v = 1 - beta_2^t``)::

        m <- m + (g - m) * c1;   v <- v + (g^2 - v) * c2
        m_hat = (m * u_t1) / den_m + (g * c_g) / den_g
        w <- w - (m_hat * lr) / (sqrt(v / den_v) + eps)
    """
    n = p.size
    t = _tmp(0, n, p.dtype)
    _moments(g, m, v, c1, c2, t)
    m_hat = _tmp(1, n, p.dtype)
    np.multiply(m, u_t1, out=m_hat)
    m_hat /= den_m
    np.multiply(g, c_g, out=t)
    t /= den_g
    m_hat += t
    np.divide(v, den_v, out=t)
    np.sqrt(t, out=t)
    t += eps
    m_hat *= lr
    m_hat /= t
    p -= m_hat


def lion(p, g, m, lr, beta_1, c1, beta_2, c2):
    """Keras's Lion, ``c1 = 1 - beta_1``, ``c2 = 1 - beta_2``::

        w <- w - sign(m * beta_1 + g * c1) * lr
        m <- m * beta_2 + g * c2
    """
    n = p.size
    c = _tmp(0, n, p.dtype)
    t = _tmp(1, n, p.dtype)
    np.multiply(m, beta_1, out=c)
    np.multiply(g, c1, out=t)
    c += t
    np.sign(c, out=c)
    c *= lr
    p -= c
    m *= beta_2
    np.multiply(g, c2, out=t)
    m += t


def ftrl(p, g, acc, linear, lr, power, l1, l2_twice, shrink_twice):
    """TensorFlow's FTRL-Proximal (``power = -learning_rate_power``,
    ``l2_twice = 2 * (l2 + beta / (2 lr))``, ``shrink_twice = 2 * l2_shrinkage``)::

        n'  = n + g^2
        z  <- z + (g + w * shrink_twice) - ((n'^power - n^power) / lr) * w
        q   = n'^power / lr + l2_twice
        w  <- (clip(z, -l1, l1) - z) / q;   n <- n'
    """
    n = p.size
    new_acc = _tmp(0, n, p.dtype)
    np.square(g, out=new_acc)
    new_acc += acc
    pow_new = _tmp(1, n, p.dtype)
    t = _tmp(2, n, p.dtype)
    if power == 0.5:
        np.sqrt(new_acc, out=pow_new)
        np.sqrt(acc, out=t)
    else:
        np.power(new_acc, power, out=pow_new)
        np.power(acc, power, out=t)
    np.subtract(pow_new, t, out=t)
    t /= lr
    t *= p
    gs = _tmp(3, n, p.dtype)
    np.multiply(p, shrink_twice, out=gs)
    np.add(g, gs, out=gs)
    gs -= t
    linear += gs
    pow_new /= lr
    pow_new += l2_twice
    np.clip(linear, -l1, l1, out=t)
    t -= linear
    np.divide(t, pow_new, out=p)
    acc[...] = new_acc


# ============================================================================ layers
def bias_add(z, b):
    """``z <- z + b`` (``b`` broadcast over the rows)."""
    z += b


def bias_relu(z, b):
    """Dense's forward behind the GEMM, for ReLU: ``z <- z + b`` in place; returns ``a = max(z, 0)``.
    ``b`` may be None (no bias)."""
    if b is not None:
        z += b
    return np.maximum(z, 0.0)


def bias_relu_inplace(z, b):
    """Inference: ``z <- max(z + b, 0)`` in place (z is not kept); returns z."""
    if b is not None:
        z += b
    return np.maximum(z, 0.0, out=z)


def relu_delta(grad, z, bias_grad):
    """Dense's backward for ReLU: ``delta = dC/da * [z > 0]`` (BP2); when ``bias_grad`` is
    given, ``bias_grad <- sum of delta over the rows`` (BP3).  Returns delta."""
    delta = grad * (z > 0)
    if bias_grad is not None:
        np.add.reduce(delta.reshape(-1, delta.shape[-1]), axis=0, out=bias_grad)
    return delta


def column_sum(delta, out):
    """``out <- sum of delta over the rows`` (the bias gradient, BP3)."""
    np.add.reduce(delta.reshape(-1, delta.shape[-1]), axis=0, out=out)


def dropout(x, u, rate, scale):
    """Inverted dropout from uniforms ``u`` drawn by the caller:
    ``mask = [u >= rate] * scale`` (x's dtype), ``out = x * mask``; returns ``(out, mask)``."""
    mask = np.multiply(u >= rate, scale, dtype=x.dtype)
    return x * mask, mask


def multiply(a, b):
    """``a * b`` (a new array): dropout's backward ``dC/da_prev = dC/da * mask``."""
    return a * b


# ============================================================================ losses
def sparse_softmax_ce(z, labels, y_pred, scale):
    """The fused softmax + sparse categorical cross-entropy of a 2-D batch of logits ``z``::

        values_i = logsumexp(z_i) - z_i[y_i]              (per row, shifted by the row max)
        grad     = (softmax(z) - one_hot(y)) * scale      (``y_pred`` is softmax(z))

    Returns ``(values, grad)``.
    """
    n = z.shape[0]
    shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
    lse = np.log(np.add.reduce(np.exp(shifted), axis=1))
    rows = np.arange(n)
    values = lse - shifted[rows, labels]
    grad = y_pred.copy()
    grad[rows, labels] -= 1.0
    grad *= scale
    return values, grad


def sigmoid_bce(z, y, y_pred, inv_d, scale):
    """The fused sigmoid + binary cross-entropy of a 2-D batch of logits ``z`` (TensorFlow's
    ``sigmoid_cross_entropy_with_logits``), ``d = z.shape[1]``, ``inv_d = 1 / d``::

        e_ij     = max(z_ij, 0) - z_ij y_ij + log(1 + exp(-|z_ij|))
        values_i = mean_j e_ij
        grad     = ((y_pred - y) * inv_d) * scale            (``y_pred`` is sigmoid(z))

    Returns ``(values, grad)``.
    """
    d = z.shape[1]
    e = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    values = e[:, 0] if d == 1 else np.add.reduce(e, axis=1) / z.dtype.type(d)
    grad = (y_pred - y) * inv_d
    grad *= scale
    return values, grad


def max_pool(xp, pool, strides, out):
    """Max pooling's forward: the padded input ``xp`` (n, H, W, C) into ``out`` (n, Ho, Wo, C)::

        out[n, i, j, c] = max_{p, q} xp[n, i s_h + p, j s_w + q, c]

    taken as ``np.maximum`` over the window positions in row-major order (a NaN anywhere in a
    window gives NaN).
    """
    (ph, pw), (sh, sw) = pool, strides
    ho, wo = out.shape[1:3]
    for t in range(ph * pw):
        p, q = divmod(t, pw)
        w = xp[:, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw]
        if t == 0:
            np.copyto(out, w)
        else:
            np.maximum(out, w, out=out)


def _tiles(a, out_hw, pool):
    """The view (n, Ho, ph, Wo, pw, C) of ``a``'s top-left (Ho ph, Wo pw) block: non-overlapping windows."""
    (ho, wo), (ph, pw) = out_hw, pool
    s = a.strides
    return np.lib.stride_tricks.as_strided(
        a, shape=(a.shape[0], ho, ph, wo, pw, a.shape[3]),
        strides=(s[0], s[1] * ph, s[1], s[2] * pw, s[2], s[3]))


def max_pool_backward(xp, out, grad, pool, dxp):
    """Max pooling's backward over non-overlapping (ph, pw) windows (strides == pool size): ``xp``
    the padded input (n, H, W, C), ``out`` and ``grad`` (n, Ho, Wo, C); writes the top-left
    (Ho ph, Wo pw) block of ``dxp`` (like ``xp``)::

        dxp[n, i ph + p, j pw + q, c] = grad[n, i, j, c]  at the first (p, q), row-major, where
                                        xp[n, i ph + p, j pw + q, c] == out[n, i, j, c]
                                      = 0                 elsewhere in the window

    One broadcast comparison on the tiled views finds every window's maxima; ties keep the first;
    one broadcast product writes every entry of the block.
    """
    ph, pw = pool
    x6 = _tiles(xp, out.shape[1:3], pool)
    hit = x6 == out[:, :, None, :, None, :]
    if np.count_nonzero(hit) > out.size:          # some window has tied maxima
        taken = hit[:, :, 0, :, 0, :].copy()
        last = ph * pw - 1
        for k in range(1, last + 1):
            h = hit[:, :, k // pw, :, k % pw, :]
            h &= ~taken
            if k < last:
                taken |= h
    np.multiply(hit, grad[:, :, None, :, None, :], out=_tiles(dxp, out.shape[1:3], pool))


__all__ = [
    "NAME", "weight_decay", "ema", "sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax",
    "nadam", "lion", "ftrl", "bias_add", "bias_relu", "bias_relu_inplace", "relu_delta",
    "column_sum", "dropout", "multiply", "sparse_softmax_ce", "sigmoid_bce", "max_pool",
    "max_pool_backward",
]
