"""keras.ops.numpy, reductions and products: ``sum``, ``mean``, ``max``, ``var``, ``norm``,
``cumsum``, ... and ``matmul``, ``dot``, ``einsum``, ``tensordot``, ``trace``.

A reduction's VJP puts the reduced axes back (``unreduce``) and broadcasts ``g`` over them.
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..autodiff import plain, record
from .core import as_array, as_float_array, operand, reduced_axes, tuple_axis, unreduce
from .numpy_elementwise import absolute, divide, multiply, power, sqrt, square, subtract
from .numpy_arrays import diagonal, ones_like, reshape
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "matmul", "dot", "outer", "einsum", "sum", "mean", "max", "min", "prod", "var", "std", "argmax",
    "argmin", "norm", "cumsum", "average", "any", "all", "count_nonzero", "trace", "amax", "amin",
    "ptp", "tensordot", "inner", "vdot", "cumprod",
]

_max = builtins.max


# =============================================================================== products
def matmul(x1, x2):
    """Matrix product ``x1 @ x2`` (NumPy's rules for 1-D and batched operands).

    dC/dx1 = g @ x2^T, dC/dx2 = x1^T @ g.
    """
    return np.matmul(operand(x1), operand(x2))


def dot(x1, x2):
    """``np.dot``: a product for scalars, the inner product of vectors, ``x1 @ x2`` when ``x2`` has
    at most 2 dimensions; otherwise the sum over the last axis of ``x1`` and the second-to-last of
    ``x2``."""
    x1, x2 = as_array(x1), as_array(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return np.multiply(x1, x2)
    if x2.ndim <= 2:
        return np.matmul(x1, x2)
    sub1 = "".join(chr(ord("a") + i) for i in range(x1.ndim))
    sub2 = "".join(chr(ord("n") + i) for i in range(x2.ndim))
    sub2 = sub2[:-2] + sub1[-1] + sub2[-1]
    return einsum(f"{sub1},{sub2}->{sub1[:-1] + sub2[:-2] + sub2[-1]}", x1, x2)


def outer(x1, x2):
    """Outer product of the flattened inputs: ``out[i, j] = x1[i] x2[j]``."""
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation ``np.einsum(subscripts, *operands)`` (explicit ``->`` form, no ``...``).

    The VJP of operand ``k`` is again an einsum: the output gradient contracted with the other
    operands onto operand ``k``'s subscripts (an index only operand ``k`` carries, summed away in
    the forward pass, is broadcast back).  Repeated indices within one operand (diagonals) are
    computed but not differentiated.
    """
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    xs = tuple(as_array(x) for x in operands)
    arrays = [plain(x) for x in xs]
    out = np.einsum(subscripts, *arrays)
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, out_sub = spec.split("->")
    else:
        ins = spec
        letters = [c for c in ins.replace(",", "")]
        out_sub = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    in_subs = ins.split(",")
    if "." in spec or len(in_subs) != len(xs):
        vjps = (None,) * len(xs)
        return record("einsum", xs, out, vjps)

    def make_vjp(k):
        sub = in_subs[k]
        if len(set(sub)) != len(sub):
            return None
        others = [s for i, s in enumerate(in_subs) if i != k]
        present = set(out_sub).union(*others) if others else set(out_sub)
        kept = "".join(c for c in sub if c in present)
        shape = arrays[k].shape

        def vjp(g):
            rest = [arrays[i] for i in range(len(arrays)) if i != k]
            gk = np.einsum(",".join([out_sub] + others) + "->" + kept, g, *rest)
            if kept != sub:
                gk = np.expand_dims(gk, tuple(i for i, c in enumerate(sub) if c not in present))
                gk = np.broadcast_to(gk, shape)
            return gk
        return vjp
    return record("einsum", xs, out, tuple(make_vjp(k) for k in range(len(xs))))


# =============================================================================== reductions
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes when None).  d/dx_i = 1: g is broadcast back over the summed axes."""
    x = as_array(x)
    a = plain(x)
    out = np.sum(a, axis=tuple_axis(axis), keepdims=keepdims)
    return record("sum", (x,), out,
                  (lambda g: np.broadcast_to(unreduce(g, axis, keepdims, a.ndim), a.shape),))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; integer inputs give ``floatx()``.  d/dx_i = 1/N (N values averaged)."""
    x = as_float_array(x)
    a = plain(x)
    out = np.mean(a, axis=tuple_axis(axis), keepdims=keepdims)
    n = a.size // _max(out.size, 1) if a.size else 1
    return record("mean", (x,), out,
                  (lambda g: np.broadcast_to(unreduce(g, axis, keepdims, a.ndim) / n, a.shape),))


def _extreme(name, fn, x, axis, keepdims, initial):
    x = as_array(x)
    a = plain(x)
    kw = {} if initial is None else {"initial": initial}
    out = fn(a, axis=tuple_axis(axis), keepdims=keepdims, **kw)

    def vjp(g):
        """TensorFlow's rule: g is shared equally among the entries equal to the extreme."""
        o = unreduce(np.asarray(out), axis, keepdims, a.ndim)
        hit = a == o
        count = np.sum(hit, axis=reduced_axes(axis, a.ndim), keepdims=True)
        return unreduce(g, axis, keepdims, a.ndim) * hit / np.maximum(count, 1)
    return record(name, (x,), out, (vjp,))


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over ``axis``.  d/dx_i = 1/k for the k entries equal to the maximum, else 0."""
    return _extreme("max", np.max, x, axis, keepdims, initial)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over ``axis``.  d/dx_i = 1/k for the k entries equal to the minimum, else 0."""
    return _extreme("min", np.min, x, axis, keepdims, initial)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``.  d/dx_i = product of the other entries (computed without dividing,
    so zeros are handled)."""
    x = as_array(x)
    a = plain(x)
    out = np.prod(a, axis=tuple_axis(axis), keepdims=keepdims, dtype=dtype)
    axes = reduced_axes(axis, a.ndim)

    def vjp(g):
        kept = [i for i in range(a.ndim) if i not in axes]
        moved = np.transpose(a, kept + list(axes))
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(moved.shape)
        others = np.transpose(others, np.argsort(kept + list(axes)))
        return unreduce(g, axis, keepdims, a.ndim) * others
    return record("prod", (x,), out, (vjp,))


def var(x, axis=None, keepdims=False):
    """Population variance ``mean((x - mean(x))^2)`` over ``axis``.  d/dx_i = 2 (x_i - mean) / N."""
    x = as_float_array(x)
    a = plain(x)
    m = np.mean(a, axis=tuple_axis(axis), keepdims=True)
    out = np.mean(np.square(a - m), axis=tuple_axis(axis), keepdims=keepdims)
    n = a.size // _max(np.size(out), 1) if a.size else 1
    return record("var", (x,), out, (lambda g: unreduce(g, axis, keepdims, a.ndim) * (2.0 / n) * (a - m),))


def std(x, axis=None, keepdims=False):
    """Population standard deviation ``sqrt(var(x))``.  d/dx_i = (x_i - mean) / (N std)."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (first one on ties); not differentiable."""
    return np.argmax(plain(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (first one on ties); not differentiable."""
    return np.argmin(plain(x), axis=axis, keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (of the flattened input when None).  d/dx_i = sum of g over the
    positions j >= i (a reversed cumulative sum)."""
    x = as_array(x)
    a = plain(x)
    out = np.cumsum(a, axis=axis, dtype=dtype)

    def vjp(g):
        ax = 0 if axis is None else axis
        r = np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)
        return r.reshape(a.shape)
    return record("cumsum", (x,), out, (vjp,))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (and the Frobenius norm), composed from recorded operations.

    ``ord=None`` / ``2`` / ``'fro'``: ``sqrt(sum x^2)`` (of all entries when ``axis`` is None);
    ``1``: ``sum |x|``; ``inf`` / ``-inf``: ``max |x|`` / ``min |x|``; ``0``: count of non-zeros;
    another number ``p``: ``(sum |x|^p)^(1/p)``.  Matrix norms other than Frobenius over two axes
    are not provided.
    """
    x = as_float_array(x)
    if axis is None:
        if ord not in (None, "fro", 2) and plain(x).ndim > 1:
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a vector; pass axis")
        axis_t = None
    elif isinstance(axis, (tuple, list)) and len(axis) == 2:
        if ord not in (None, "fro"):
            raise ValueError(f"norm: the matrix norm ord={ord!r} is not provided by glassnet.ops; "
                             f"use ord=None or 'fro'")
        axis_t = tuple(axis)
    else:
        axis_t = axis
    if ord in (None, "fro", 2):
        return sqrt(sum(square(x), axis=axis_t, keepdims=keepdims))
    if ord == 1:
        return sum(absolute(x), axis=axis_t, keepdims=keepdims)
    if ord == np.inf:
        return max(absolute(x), axis=axis_t, keepdims=keepdims)
    if ord == -np.inf:
        return min(absolute(x), axis=axis_t, keepdims=keepdims)
    if ord == 0:
        return np.sum(plain(x) != 0, axis=axis_t, keepdims=keepdims).astype(plain(x).dtype)
    if isinstance(ord, numbers.Real):
        return power(sum(power(absolute(x), float(ord)), axis=axis_t, keepdims=keepdims), 1.0 / ord)
    raise ValueError(f"norm: ord must be None, 'fro', a number or +-inf, got {ord!r}")


def average(x, axis=None, weights=None):
    """Weighted mean ``sum(w x) / sum(w)`` over ``axis`` (a 1-D ``weights`` runs along ``axis``);
    the plain mean without weights.  Composed from recorded operations."""
    if weights is None:
        return mean(x, axis=axis)
    x, w = as_float_array(x), operand(weights)
    wa = plain(w)
    if axis is not None and wa.ndim == 1 and np.ndim(plain(x)) > 1:
        shape = [1] * np.ndim(plain(x))
        shape[axis] = -1
        w = reshape(w, tuple(shape))
    return divide(sum(multiply(x, w), axis=axis), sum(multiply(ones_like(x), w), axis=axis))


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along the diagonal ``offset`` of the planes ``(axis1, axis2)``."""
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def any(x, axis=None, keepdims=False):
    """Whether any entry is true (non-zero) over ``axis`` (boolean)."""
    return np.any(plain(x), axis=tuple_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Whether every entry is true (non-zero) over ``axis`` (boolean)."""
    return np.all(plain(x), axis=tuple_axis(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    """The number of non-zero entries over ``axis`` (``int32``)."""
    return np.asarray(np.count_nonzero(plain(x), axis=tuple_axis(axis))).astype(np.int32)


def amax(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (see :func:`max`)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (see :func:`min`)."""
    return min(x, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    """Range ``max - min`` over ``axis``."""
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int n: the last n axes of ``x1`` with the first n of
    ``x2``; or two lists of axes), as ``np.tensordot``.  Recorded as an einsum."""
    x1, x2 = as_array(x1), as_array(x2)
    n1, n2 = np.ndim(plain(x1)), np.ndim(plain(x2))
    if isinstance(axes, numbers.Integral):
        a1, a2 = list(range(n1 - axes, n1)), list(range(axes))
    else:
        a1, a2 = ([axes[0]] if isinstance(axes[0], numbers.Integral) else list(axes[0]),
                  [axes[1]] if isinstance(axes[1], numbers.Integral) else list(axes[1]))
    a1, a2 = [a % n1 for a in a1], [a % n2 for a in a2]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    s1 = [next(letters) for _ in range(n1)]
    s2 = [next(letters) for _ in range(n2)]
    for i, j in zip(a1, a2):
        s2[j] = s1[i]
    out = [c for i, c in enumerate(s1) if i not in a1] + [c for j, c in enumerate(s2) if j not in a2]
    return einsum(f"{''.join(s1)},{''.join(s2)}->{''.join(out)}", x1, x2)


def inner(x1, x2):
    """Inner product over the last axes (a product when one input is a scalar)."""
    if np.ndim(plain(x1)) == 0 or np.ndim(plain(x2)) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-1]))


def vdot(x1, x2):
    """Dot product of the flattened inputs."""
    return sum(multiply(reshape(x1, (-1,)), reshape(x2, (-1,))))


def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (flattened when None).  d y_i / d x_j = prod of x_k for
    k <= i, k != j: computed without dividing by x (zeros are handled) through the recurrence
    ``r_j = g_j + x_(j+1) r_(j+1)``, ``dC/dx_j = (prod_(k<j) x_k) r_j``."""
    x = as_array(x)
    a = plain(x)
    out = np.cumprod(a, axis=axis, dtype=dtype)

    def vjp(g):
        ax = 0 if axis is None else axis % a.ndim
        xa = np.moveaxis(a.reshape(-1) if axis is None else a, ax, 0)
        ga = np.moveaxis(g.reshape(-1) if axis is None else g, ax, 0)
        n = xa.shape[0]
        r = np.empty(ga.shape, np.result_type(ga, xa))
        r[n - 1] = ga[n - 1]
        for j in range(n - 2, -1, -1):   # a recurrence along the axis, vectorised over the rest
            r[j] = ga[j] + xa[j + 1] * r[j + 1]
        before = np.concatenate([np.ones_like(xa[:1]), np.cumprod(xa[:-1], axis=0)], axis=0)
        return np.moveaxis(before * r, 0, ax).reshape(a.shape)
    return record("cumprod", (x,), out, (vjp,))


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
