"""``glassnet.ops``: Keras 3's ``keras.ops`` functions on NumPy arrays, differentiable on a tape.

Each function has ``keras.ops``'s name, arguments and defaults.  On plain arrays (no active
:class:`glassnet.autodiff.Tape`, or no recorded input) it simply computes the NumPy result.  When an
input is a recorded :class:`~glassnet.autodiff.Tensor` or a Variable and a tape is active, the
result is recorded together with its vector-Jacobian product, written right under the forward
formula below (elementwise arithmetic goes through NumPy's ufuncs, whose VJPs live in
``autodiff.py``).  This is what lets a custom layer's ``call`` or a custom loss ``fn(y_true, y_pred)``
train: ``ops.relu(ops.matmul(x, self.w) + self.b)``.

The activation functions (``relu``, ``sigmoid``, ``softmax``, ``gelu``, ...) reuse
``glassnet.activations``'s formulas and derivatives, so their numbers are those of the built-in
layers.  Functions that return indices or booleans (``argmax``, ``equal``, ``one_hot``, ...) are not
differentiated (their results are constants of the recorded computation).
"""
from __future__ import annotations

import builtins
import functools
import numbers

import numpy as np

from . import activations as _act
from . import config
from .autodiff import Tensor, call_activation, lift, plain, record
from .variables import Variable

__all__ = [
    # arithmetic
    "add", "subtract", "multiply", "divide", "true_divide", "power", "negative", "matmul", "dot",
    "reciprocal", "outer", "einsum",
    # elementwise math
    "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square", "abs", "absolute", "sign",
    "tanh", "sin", "cos", "floor", "ceil", "round", "erf", "maximum", "minimum", "clip", "where",
    # activations
    "sigmoid", "relu", "relu6", "elu", "selu", "gelu", "softplus", "softsign", "silu", "swish",
    "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "celu", "hard_tanh",
    "tanh_shrink", "soft_shrink", "hard_shrink", "squareplus", "sparse_plus", "glu", "softmax",
    "log_softmax",
    # reductions
    "sum", "mean", "max", "min", "prod", "var", "std", "argmax", "argmin", "norm", "logsumexp",
    "cumsum",
    # shapes and indexing
    "reshape", "transpose", "swapaxes", "moveaxis", "concatenate", "stack", "expand_dims", "squeeze",
    "broadcast_to", "tile", "repeat", "flip", "take", "getitem", "copy", "shape", "ndim", "size",
    # creation and conversion
    "zeros", "ones", "zeros_like", "ones_like", "full", "full_like", "arange", "one_hot", "cast",
    "convert_to_tensor", "convert_to_numpy",
    # comparisons (no gradient)
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "isnan", "isfinite",
    # more keras.ops
    "stop_gradient", "split", "average", "sort", "take_along_axis", "top_k", "slice", "tril", "triu",
    "normalize", "moments", "logaddexp", "hypot", "arctan", "sinh", "cosh", "rsqrt", "mod",
    "floor_divide", "isinf", "exp2", "logical_xor", "pad", "any", "all", "count_nonzero", "vstack",
    "hstack", "ravel", "diagonal", "diag", "trace", "eye", "identity", "linspace", "nan_to_num",
    "multi_hot", "is_tensor", "amax", "amin", "ptp", "argsort", "allclose", "isclose", "nonzero",
    "array", "empty", "empty_like", "fmax", "fmin", "fmod", "tan", "cbrt", "arcsin", "arccos",
    "arcsinh", "arccosh", "arctanh", "arctan2", "fabs", "trunc", "deg2rad", "rad2deg", "logaddexp2",
    "get_item", "divide_no_nan", "erfc", "sparse_sigmoid", "threshold", "tensordot", "inner", "vdot",
    "roll", "flipud", "fliplr", "unstack", "signbit", "isneginf", "isposinf", "tri",
    "scatter", "scatter_update", "slice_update", "segment_sum", "cumprod", "select", "meshgrid",
    "unravel_index",
    # losses
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
]

_max, _slice = builtins.max, builtins.slice


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


def _in(x):
    """An operand for a ufunc: Variables lifted, Python numbers kept (weakly typed), rest arrays."""
    if isinstance(x, (np.ndarray, np.generic, numbers.Number)):
        return x
    return convert_to_tensor(x)


def _fin(x):
    """A floating operand: integer / bool arrays become ``floatx()`` (as keras.ops.exp of ints)."""
    x = _in(x)
    if isinstance(x, np.ndarray) and x.dtype.kind != "f":
        return x.astype(config.floatx())
    if isinstance(x, numbers.Number) and not isinstance(x, float):
        return np.asarray(x, dtype=config.floatx())
    return x


def _weak(x):
    """Plain data for computing, Python numbers kept as they are (weakly typed: float32 stays float32)."""
    return x if isinstance(x, numbers.Number) else plain(x)


def _arr(x):
    """An array operand for a recorded primitive (Python numbers and lists converted)."""
    x = _in(x)
    return x if isinstance(x, np.ndarray) else convert_to_tensor(x)


def _farr(x):
    x = _fin(x)
    return x if isinstance(x, np.ndarray) else np.asarray(x, dtype=config.floatx())


def _axes(axis, ndim):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(sorted(int(a) % ndim for a in axis)) if ndim else ()
    return (int(axis) % ndim,) if ndim else ()


def _restore(g, axis, keepdims, ndim):
    """A reduction's gradient ``g`` with the reduced axes put back (size 1), ready to broadcast."""
    if keepdims:
        return g
    return np.expand_dims(g, _axes(axis, ndim)) if ndim else g


# =============================================================================== arithmetic
def add(x1, x2):
    """``x1 + x2`` elementwise (broadcasting).  d/dx1 = 1, d/dx2 = 1."""
    return np.add(_in(x1), _in(x2))


def subtract(x1, x2):
    """``x1 - x2``.  d/dx1 = 1, d/dx2 = -1."""
    return np.subtract(_in(x1), _in(x2))


def multiply(x1, x2):
    """``x1 * x2``.  d/dx1 = x2, d/dx2 = x1."""
    return np.multiply(_in(x1), _in(x2))


def divide(x1, x2):
    """``x1 / x2`` (true division; integers give floats).  d/dx1 = 1/x2, d/dx2 = -x1/x2^2."""
    return np.true_divide(_in(x1), _in(x2))


true_divide = divide


def power(x1, x2):
    """``x1 ** x2``.  d/dx1 = x2 x1^(x2-1), d/dx2 = x1^x2 log(x1)."""
    return np.power(_in(x1), _in(x2))


def negative(x):
    """``-x``.  d/dx = -1."""
    return np.negative(_in(x))


def reciprocal(x):
    """``1 / x``.  d/dx = -1/x^2."""
    return np.reciprocal(_fin(x))


def matmul(x1, x2):
    """Matrix product ``x1 @ x2`` (NumPy's rules for 1-D and batched operands).

    dC/dx1 = g @ x2^T, dC/dx2 = x1^T @ g.
    """
    return np.matmul(_in(x1), _in(x2))


def dot(x1, x2):
    """``np.dot``: a product for scalars, the inner product of vectors, ``x1 @ x2`` when ``x2`` has
    at most 2 dimensions; otherwise the sum over the last axis of ``x1`` and the second-to-last of
    ``x2``."""
    x1, x2 = _arr(x1), _arr(x2)
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
    xs = tuple(_arr(x) for x in operands)
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


# =============================================================================== elementwise math
def exp(x):
    """``e^x``.  d/dx = e^x."""
    return np.exp(_fin(x))


def expm1(x):
    """``e^x - 1`` (accurate near 0).  d/dx = e^x."""
    return np.expm1(_fin(x))


def log(x):
    """Natural logarithm.  d/dx = 1/x."""
    return np.log(_fin(x))


def log1p(x):
    """``log(1 + x)`` (accurate near 0).  d/dx = 1/(1 + x)."""
    return np.log1p(_fin(x))


def log2(x):
    """Base-2 logarithm.  d/dx = 1/(x ln 2)."""
    return np.log2(_fin(x))


def log10(x):
    """Base-10 logarithm.  d/dx = 1/(x ln 10)."""
    return np.log10(_fin(x))


def sqrt(x):
    """Square root.  d/dx = 1/(2 sqrt(x))."""
    return np.sqrt(_fin(x))


def square(x):
    """``x^2``.  d/dx = 2x."""
    return np.square(_in(x))


def absolute(x):
    """``|x|``.  d/dx = sign(x) (0 at 0)."""
    return np.absolute(_in(x))


abs = absolute


def sign(x):
    """-1, 0 or 1.  Piecewise constant: d/dx = 0."""
    return np.sign(_in(x))


def tanh(x):
    """Hyperbolic tangent.  d/dx = 1 - tanh^2(x)."""
    return np.tanh(_fin(x))


def sin(x):
    """Sine.  d/dx = cos(x)."""
    return np.sin(_fin(x))


def cos(x):
    """Cosine.  d/dx = -sin(x)."""
    return np.cos(_fin(x))


def floor(x):
    """Largest integer <= x (as a float).  d/dx = 0."""
    return np.floor(_fin(x))


def ceil(x):
    """Smallest integer >= x (as a float).  d/dx = 0."""
    return np.ceil(_fin(x))


def round(x, decimals=0):
    """Round half to even to ``decimals`` digits.  Piecewise constant: d/dx = 0."""
    x = _arr(x)
    a = plain(x)
    return record("round", (x,), np.round(a, decimals), (np.zeros_like,))


def erf(x):
    """The error function.  d/dx = 2/sqrt(pi) exp(-x^2)."""
    x = _farr(x)
    a = plain(x)
    out = _act._erf(a)
    return record("erf", (x,), out, (lambda g: g * (2.0 / np.sqrt(np.pi)) * np.exp(-a * a),))


def maximum(x1, x2):
    """Elementwise maximum.  g goes to ``x1`` where x1 >= x2, else to ``x2`` (TensorFlow's ties)."""
    return np.maximum(_in(x1), _in(x2))


def minimum(x1, x2):
    """Elementwise minimum.  g goes to ``x1`` where x1 <= x2, else to ``x2`` (TensorFlow's ties)."""
    return np.minimum(_in(x1), _in(x2))


def clip(x, x_min, x_max):
    """``min(max(x, x_min), x_max)``.  d/dx = 1 where x_min <= x <= x_max, else 0 (TensorFlow's
    ``clip_by_value``: the bounds themselves pass the gradient); the bounds get no gradient."""
    x = _arr(x)
    a = plain(x)
    lo = _weak(lift(x_min)) if x_min is not None else None
    hi = _weak(lift(x_max)) if x_max is not None else None
    out = np.clip(a, lo, hi)
    if out.dtype != a.dtype and a.dtype.kind == "f":
        out = out.astype(a.dtype)

    def vjp(g):
        mask = np.ones(a.shape, bool)
        if lo is not None:
            mask &= a >= lo
        if hi is not None:
            mask &= a <= hi
        return g * mask
    return record("clip", (x,), out, (vjp,))


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2`` (broadcasting).  d/dx1 = condition,
    d/dx2 = not condition.  With only ``condition``: the indices where it holds (no gradient)."""
    cond = plain(condition).astype(bool)
    if x1 is None and x2 is None:
        return np.nonzero(cond)
    if x1 is None or x2 is None:
        raise ValueError("where: x1 and x2 must both be given, or neither")
    x1, x2 = _in(x1), _in(x2)
    out = np.where(cond, _weak(x1), _weak(x2))
    return record("where", (x1, x2), out, ((lambda g: g * cond), (lambda g: g * ~cond)))


# =============================================================================== activations
def _activation(act, x):
    """Apply a glassnet ActivationFunction ``a = f(z)``; VJP: ``act.backward(g, z, a)`` (the
    built-in layers' own derivative, so numbers match them)."""
    return call_activation(act, _fin(x))


def sigmoid(x):
    """``1 / (1 + e^-x)``.  d/dx = s (1 - s)."""
    return _activation(_act.Sigmoid(), x)


def relu(x):
    """``max(x, 0)``.  d/dx = 1 for x > 0, else 0."""
    return _activation(_act.ReLU(), x)


def relu6(x):
    """``min(max(x, 0), 6)``.  d/dx = 1 for 0 < x < 6, else 0."""
    return _activation(_act.ReLU6(), x)


def elu(x, alpha=1.0):
    """``x`` for x > 0, ``alpha (e^x - 1)`` otherwise.  d/dx = 1 or ``alpha e^x``."""
    return _activation(_act.ELU(alpha), x)


def selu(x):
    """``scale * elu(x, alpha)`` with SELU's constants.  d/dx = scale or scale alpha e^x."""
    return _activation(_act.SELU(), x)


def gelu(x, approximate=True):
    """Gaussian error linear unit (keras.ops's default is the tanh approximation).

    Exact: ``x Phi(x)``, d/dx = Phi(x) + x phi(x).  Approximate: ``0.5 x (1 + tanh(c (x + k x^3)))``.
    """
    return _activation(_act.GELU(approximate), x)


def softplus(x):
    """``log(1 + e^x)``.  d/dx = sigmoid(x)."""
    return _activation(_act.Softplus(), x)


def softsign(x):
    """``x / (|x| + 1)``.  d/dx = 1 / (|x| + 1)^2."""
    return _activation(_act.Softsign(), x)


def silu(x):
    """``x sigmoid(x)``.  d/dx = s (1 + x (1 - s))."""
    return _activation(_act.SiLU(), x)


swish = silu


def leaky_relu(x, negative_slope=0.2):
    """``x`` for x > 0, ``negative_slope * x`` otherwise.  d/dx = 1 or negative_slope."""
    return _activation(_act.LeakyReLU(negative_slope), x)


def hard_sigmoid(x):
    """``clip((x + 3) / 6, 0, 1)``.  d/dx = 1/6 inside (-3, 3), else 0."""
    return _activation(_act.HardSigmoid(), x)


def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    return _activation(_act.HardSiLU(), x)


hard_swish = hard_silu


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``.  d/dx = sigmoid(-x)."""
    return _activation(_act.LogSigmoid(), x)


def celu(x, alpha=1.0):
    """``max(x, 0) + alpha (e^(min(x, 0)/alpha) - 1)``."""
    return _activation(_act.CELU(alpha), x)


def hard_tanh(x):
    """``clip(x, -1, 1)``.  d/dx = 1 on [-1, 1]."""
    return _activation(_act.HardTanh(), x)


def tanh_shrink(x):
    """``x - tanh(x)``.  d/dx = tanh^2(x)."""
    return _activation(_act.TanhShrink(), x)


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above threshold, ``x + threshold`` below -threshold, else 0."""
    return _activation(_act.SoftShrink(threshold), x)


def hard_shrink(x, threshold=0.5):
    """``x`` where |x| > threshold, else 0."""
    return _activation(_act.HardShrink(threshold), x)


def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``."""
    return _activation(_act.Squareplus(b), x)


def sparse_plus(x):
    """0 for x <= -1, ``(x + 1)^2 / 4`` for |x| < 1, ``x`` for x >= 1."""
    return _activation(_act.SparsePlus(), x)


def glu(x, axis=-1):
    """Gated linear unit: ``u * sigmoid(v)`` for the halves ``(u, v)`` of ``x`` along ``axis``."""
    return _activation(_act.GLU(axis), x)


def softmax(x, axis=-1):
    """``e^x_i / sum_j e^x_j`` along ``axis``.  VJP: ``s (g - sum(g s))``."""
    return _activation(_act.Softmax(axis), x)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``.  VJP: ``g - softmax(x) sum(g)``."""
    return _activation(_act.LogSoftmax(axis), x)


# =============================================================================== reductions
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes when None).  d/dx_i = 1: g is broadcast back over the summed axes."""
    x = _arr(x)
    a = plain(x)
    out = np.sum(a, axis=_tuple_axis(axis), keepdims=keepdims)
    return record("sum", (x,), out,
                  (lambda g: np.broadcast_to(_restore(g, axis, keepdims, a.ndim), a.shape),))


def _tuple_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; integer inputs give ``floatx()``.  d/dx_i = 1/N (N values averaged)."""
    x = _farr(x)
    a = plain(x)
    out = np.mean(a, axis=_tuple_axis(axis), keepdims=keepdims)
    n = a.size // _max(out.size, 1) if a.size else 1
    return record("mean", (x,), out,
                  (lambda g: np.broadcast_to(_restore(g, axis, keepdims, a.ndim) / n, a.shape),))


def _extreme(name, fn, x, axis, keepdims, initial):
    x = _arr(x)
    a = plain(x)
    kw = {} if initial is None else {"initial": initial}
    out = fn(a, axis=_tuple_axis(axis), keepdims=keepdims, **kw)

    def vjp(g):
        """TensorFlow's rule: g is shared equally among the entries equal to the extreme."""
        o = _restore(np.asarray(out), axis, keepdims, a.ndim)
        hit = a == o
        count = np.sum(hit, axis=_axes(axis, a.ndim), keepdims=True)
        return _restore(g, axis, keepdims, a.ndim) * hit / np.maximum(count, 1)
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
    x = _arr(x)
    a = plain(x)
    out = np.prod(a, axis=_tuple_axis(axis), keepdims=keepdims, dtype=dtype)
    axes = _axes(axis, a.ndim)

    def vjp(g):
        kept = [i for i in range(a.ndim) if i not in axes]
        moved = np.transpose(a, kept + list(axes))
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(moved.shape)
        others = np.transpose(others, np.argsort(kept + list(axes)))
        return _restore(g, axis, keepdims, a.ndim) * others
    return record("prod", (x,), out, (vjp,))


def var(x, axis=None, keepdims=False):
    """Population variance ``mean((x - mean(x))^2)`` over ``axis``.  d/dx_i = 2 (x_i - mean) / N."""
    x = _farr(x)
    a = plain(x)
    m = np.mean(a, axis=_tuple_axis(axis), keepdims=True)
    out = np.mean(np.square(a - m), axis=_tuple_axis(axis), keepdims=keepdims)
    n = a.size // _max(np.size(out), 1) if a.size else 1
    return record("var", (x,), out, (lambda g: _restore(g, axis, keepdims, a.ndim) * (2.0 / n) * (a - m),))


def std(x, axis=None, keepdims=False):
    """Population standard deviation ``sqrt(var(x))``.  d/dx_i = (x_i - mean) / (N std)."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (first one on ties); not differentiable."""
    return np.argmax(plain(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (first one on ties); not differentiable."""
    return np.argmin(plain(x), axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(e^x))`` over ``axis``, computed as ``m + log(sum(e^(x - m)))`` with ``m = max x``.
    d/dx_i = e^(x_i - logsumexp) (the softmax)."""
    x = _farr(x)
    a = plain(x)
    ax = _tuple_axis(axis)
    m = np.max(a, axis=ax, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    full = m + np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True))
    out = full if keepdims else np.squeeze(full, axis=_axes(axis, a.ndim))
    return record("logsumexp", (x,), out,
                  (lambda g: _restore(g, axis, keepdims, a.ndim) * np.exp(a - full),))


def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (of the flattened input when None).  d/dx_i = sum of g over the
    positions j >= i (a reversed cumulative sum)."""
    x = _arr(x)
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
    x = _farr(x)
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


# =============================================================================== shapes & indexing
def reshape(x, newshape):
    """The same values in ``newshape``.  VJP: reshape g back to ``x``'s shape."""
    x = _arr(x)
    a = plain(x)
    out = np.reshape(a, newshape)
    return record("reshape", (x,), out, (lambda g: np.reshape(g, a.shape),))


def transpose(x, axes=None):
    """Permute the axes (reverse them when None).  VJP: apply the inverse permutation to g."""
    x = _arr(x)
    a = plain(x)
    out = np.transpose(a, axes)
    inverse = None if axes is None else np.argsort([ax % a.ndim for ax in axes])
    return record("transpose", (x,), out, (lambda g: np.transpose(g, inverse),))


def swapaxes(x, axis1, axis2):
    """Exchange two axes.  VJP: exchange them back."""
    x = _arr(x)
    out = np.swapaxes(plain(x), axis1, axis2)
    return record("swapaxes", (x,), out, (lambda g: np.swapaxes(g, axis1, axis2),))


def moveaxis(x, source, destination):
    """Move axes to new positions.  VJP: move them back."""
    x = _arr(x)
    out = np.moveaxis(plain(x), source, destination)
    return record("moveaxis", (x,), out, (lambda g: np.moveaxis(g, destination, source),))


def concatenate(xs, axis=0):
    """Join arrays along an existing axis.  VJP of input k: its slice of g along ``axis``."""
    xs = tuple(_arr(x) for x in xs)
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
    xs = tuple(_arr(v) for v in x)
    out = np.stack([plain(v) for v in xs], axis=axis)
    ax = axis % out.ndim
    return record("stack", xs, out, tuple((lambda g, k=k: np.take(g, k, axis=ax)) for k in range(len(xs))))


def expand_dims(x, axis):
    """Insert axes of length 1 at ``axis``.  VJP: reshape g back."""
    x = _arr(x)
    a = plain(x)
    out = np.expand_dims(a, axis)
    return record("expand_dims", (x,), out, (lambda g: np.reshape(g, a.shape),))


def squeeze(x, axis=None):
    """Remove axes of length 1 (those in ``axis``, or all).  VJP: reshape g back."""
    x = _arr(x)
    a = plain(x)
    out = np.squeeze(a, axis=_tuple_axis(axis))
    return record("squeeze", (x,), out, (lambda g: np.reshape(g, a.shape),))


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``.  VJP: g summed over the broadcast axes."""
    x = _arr(x)
    a = plain(x)
    out = np.broadcast_to(a, shape)
    from .autodiff.tape import unbroadcast as _unbroadcast
    return record("broadcast_to", (x,), out, (lambda g: _unbroadcast(g, a.shape),))


def tile(x, repeats):
    """``x`` repeated ``repeats`` times per axis.  VJP: the tiles of g summed."""
    x = _arr(x)
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
    x = _arr(x)
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
    x = _arr(x)
    out = np.flip(plain(x), axis)
    return record("flip", (x,), out, (lambda g: np.flip(g, axis),))


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
    x = _arr(x)
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


def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None).
    VJP: g added back at the indices."""
    x = _arr(x)
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
    x = _arr(x)
    return record("copy", (x,), np.array(plain(x)), (lambda g: g,))


def shape(x):
    """The shape as a tuple of ints."""
    return np.shape(plain(x))


def ndim(x):
    """The number of dimensions."""
    return np.ndim(plain(x))


def size(x):
    """The number of elements."""
    return np.size(plain(x))


# =============================================================================== creation & casts
def _dtype(dtype):
    return np.dtype(dtype or config.floatx())


def zeros(shape, dtype=None):
    """An array of zeros (``floatx()`` by default)."""
    return np.zeros(shape, _dtype(dtype))


def ones(shape, dtype=None):
    """An array of ones (``floatx()`` by default)."""
    return np.ones(shape, _dtype(dtype))


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value`` (``floatx()`` by default)."""
    return np.full(shape, fill_value, _dtype(dtype))


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


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """``out[..., c] = 1`` where ``x == c`` (integer ``x``; a negative or too large class gives a
    row of zeros, as TensorFlow).  Not differentiable."""
    if sparse:
        raise ValueError("one_hot: glassnet has no sparse tensors; use sparse=False")
    idx = plain(x)
    if idx.dtype.kind not in "iub":
        if idx.dtype.kind == "f" and np.all(np.isfinite(idx)) and np.all(idx == np.round(idx)):
            idx = idx.astype(np.int64)
        else:
            raise TypeError(f"one_hot: x must hold integer class indices, got dtype {idx.dtype}")
    out = (idx[..., None] == np.arange(int(num_classes))).astype(_dtype(dtype))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


def cast(x, dtype):
    """``x`` converted to ``dtype``.  To a float type d/dx = 1 (the gradient comes back in ``x``'s
    dtype); to an integer or boolean type the result is a constant."""
    x = _in(x)
    a = plain(x)
    dtype = np.dtype(dtype)
    out = a.astype(dtype)
    if dtype.kind != "f":
        return out
    return record("cast", (x,), out, (lambda g: g,))


# =============================================================================== comparisons
def equal(x1, x2):
    """``x1 == x2`` elementwise (boolean, no gradient)."""
    return np.equal(plain(x1), plain(x2))


def not_equal(x1, x2):
    """``x1 != x2`` elementwise (boolean, no gradient)."""
    return np.not_equal(plain(x1), plain(x2))


def greater(x1, x2):
    """``x1 > x2`` elementwise (boolean, no gradient)."""
    return np.greater(plain(x1), plain(x2))


def greater_equal(x1, x2):
    """``x1 >= x2`` elementwise (boolean, no gradient)."""
    return np.greater_equal(plain(x1), plain(x2))


def less(x1, x2):
    """``x1 < x2`` elementwise (boolean, no gradient)."""
    return np.less(plain(x1), plain(x2))


def less_equal(x1, x2):
    """``x1 <= x2`` elementwise (boolean, no gradient)."""
    return np.less_equal(plain(x1), plain(x2))


def logical_and(x1, x2):
    """Elementwise ``and`` (boolean)."""
    return np.logical_and(plain(x1), plain(x2))


def logical_or(x1, x2):
    """Elementwise ``or`` (boolean)."""
    return np.logical_or(plain(x1), plain(x2))


def logical_not(x):
    """Elementwise ``not`` (boolean)."""
    return np.logical_not(plain(x))


def isnan(x):
    """Elementwise NaN test (boolean)."""
    return np.isnan(plain(x))


def isfinite(x):
    """Elementwise finiteness test (boolean)."""
    return np.isfinite(plain(x))


# =============================================================================== more keras.ops
def stop_gradient(variable):
    """``variable``'s value as a constant: no gradient flows back through it."""
    return np.array(plain(lift(variable)))


def logaddexp(x1, x2):
    """``log(e^x1 + e^x2)``.  d/dx1 = e^(x1 - out), d/dx2 = e^(x2 - out)."""
    return np.logaddexp(_fin(x1), _fin(x2))


def hypot(x1, x2):
    """``sqrt(x1^2 + x2^2)``.  d/dx1 = x1/out, d/dx2 = x2/out."""
    return np.hypot(_fin(x1), _fin(x2))


def arctan(x):
    """Inverse tangent.  d/dx = 1/(1 + x^2)."""
    return np.arctan(_fin(x))


def sinh(x):
    """Hyperbolic sine.  d/dx = cosh(x)."""
    return np.sinh(_fin(x))


def cosh(x):
    """Hyperbolic cosine.  d/dx = sinh(x)."""
    return np.cosh(_fin(x))


def rsqrt(x):
    """``1 / sqrt(x)``.  d/dx = -1/(2 x^(3/2))."""
    return reciprocal(sqrt(x))


def mod(x1, x2):
    """Remainder ``x1 - x2 floor(x1 / x2)`` (sign of ``x2``).  d/dx1 = 1, d/dx2 = -floor(x1/x2)."""
    return np.remainder(_in(x1), _in(x2))


def floor_divide(x1, x2):
    """``floor(x1 / x2)``.  Piecewise constant: d/dx = 0."""
    return np.floor_divide(_in(x1), _in(x2))


def isinf(x):
    """Elementwise infinity test (boolean)."""
    return np.isinf(plain(x))


def take_along_axis(x, indices, axis=None):
    """``np.take_along_axis``: ``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along
    ``axis`` (of the flattened ``x`` when None).  VJP: g added back at the indices."""
    x = _arr(x)
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


def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis (largest first; the lower index first on ties)
    and their ``int32`` indices.  The values are differentiable, the indices are not."""
    a = plain(x)
    idx = np.argsort(-a, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


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


def slice(inputs, start_indices, shape):
    """``inputs[start_0 : start_0 + shape_0, start_1 : ...]`` (recorded as indexing)."""
    key = tuple(_slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return getitem(inputs, key)


def _triangle(name, x, k, lower):
    x = _arr(x)
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


def average(x, axis=None, weights=None):
    """Weighted mean ``sum(w x) / sum(w)`` over ``axis`` (a 1-D ``weights`` runs along ``axis``);
    the plain mean without weights.  Composed from recorded operations."""
    if weights is None:
        return mean(x, axis=axis)
    x, w = _farr(x), _in(weights)
    wa = plain(w)
    if axis is not None and wa.ndim == 1 and np.ndim(plain(x)) > 1:
        shape = [1] * np.ndim(plain(x))
        shape[axis] = -1
        w = reshape(w, tuple(shape))
    return divide(sum(multiply(x, w), axis=axis), sum(multiply(ones_like(x), w), axis=axis))


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order, axis), epsilon)`` (``epsilon`` defaults to ``config.epsilon()``);
    for ``order=2`` computed as Keras does: ``x * min(1/sqrt(sum x^2), 1/epsilon)``."""
    if not isinstance(order, numbers.Integral) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}")
    eps = config.epsilon() if epsilon is None else epsilon
    x = _farr(x)
    if np.ndim(plain(x)) == 0:
        x = expand_dims(x, 0)
    if order == 2:
        with np.errstate(divide="ignore"):   # 1/sqrt(0) = inf, then capped at 1/epsilon
            inv = minimum(rsqrt(sum(square(x), axis=axis, keepdims=True)), 1.0 / eps)
        return multiply(x, inv)
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` over ``axes`` (population variance), both recorded."""
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def exp2(x):
    """``2^x``.  d/dx = 2^x ln 2."""
    return power(2.0, _fin(x))


def logical_xor(x1, x2):
    """Elementwise exclusive or (boolean)."""
    return np.logical_xor(plain(x1), plain(x2))


def _gather_flat(name, x, index):
    """``x.ravel()[index]`` for an integer ``index`` array (-1: a constant 0 entry).  VJP: g added
    back at the indices (repeated indices accumulate)."""
    x = _arr(x)
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


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along the diagonal ``offset`` of the planes ``(axis1, axis2)``."""
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def ravel(x):
    """``x`` flattened to 1-D."""
    return reshape(x, (-1,))


def vstack(xs):
    """Stack along the first axis (1-D inputs become rows)."""
    xs = [_arr(v) for v in xs]
    return concatenate([reshape(v, (1, -1)) if np.ndim(plain(v)) == 1 else v for v in xs], axis=0)


def hstack(xs):
    """Stack along the second axis (the first for 1-D inputs)."""
    xs = [_arr(v) for v in xs]
    return concatenate(xs, axis=0 if np.ndim(plain(xs[0])) == 1 else 1)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN and +-inf replaced by finite numbers.  d/dx = 1 where ``x`` is finite, else 0."""
    x = _farr(x)
    a = plain(x)
    out = np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
    finite = np.isfinite(a)
    return record("nan_to_num", (x,), out, (lambda g: g * finite,))


def any(x, axis=None, keepdims=False):
    """Whether any entry is true (non-zero) over ``axis`` (boolean)."""
    return np.any(plain(x), axis=_tuple_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Whether every entry is true (non-zero) over ``axis`` (boolean)."""
    return np.all(plain(x), axis=_tuple_axis(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    """The number of non-zero entries over ``axis`` (``int32``)."""
    return np.asarray(np.count_nonzero(plain(x), axis=_tuple_axis(axis))).astype(np.int32)


def eye(N, M=None, k=0, dtype=None):
    """A 2-D array with ones on diagonal ``k`` (``floatx()`` by default)."""
    return np.eye(N, M, k, dtype=_dtype(dtype))


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return np.identity(n, dtype=_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced numbers from ``start`` to ``stop`` (``floatx()`` by default)."""
    return np.linspace(plain(start), plain(stop), num, endpoint=endpoint, retstep=retstep,
                       dtype=_dtype(dtype), axis=axis)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """``out[c] = 1`` for every class ``c`` present in each sample's integer labels (the last axis
    of a 2-D ``inputs``, or all of a 1-D one).  Not differentiable."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None or kwargs:
        raise ValueError("multi_hot: num_classes must be given" if num_classes is None
                         else f"multi_hot: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    hot = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return np.max(hot, axis=1 if np.ndim(plain(inputs)) > 1 else 0)


def is_tensor(x):
    """Whether ``x`` is an array (NumPy is glassnet's tensor type)."""
    return isinstance(x, np.ndarray)


def amax(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (see :func:`max`)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (see :func:`min`)."""
    return min(x, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    """Range ``max - min`` over ``axis``."""
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (not differentiable)."""
    return np.argsort(plain(x), axis=axis, kind="stable")


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all entries are close: ``|x1 - x2| <= atol + rtol |x2|`` (a bool)."""
    return bool(np.allclose(plain(x1), plain(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|x1 - x2| <= atol + rtol |x2|`` (boolean)."""
    return np.isclose(plain(x1), plain(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


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


def fmax(x1, x2):
    """Elementwise maximum ignoring NaN.  g goes to ``x1`` where x1 >= x2, else to ``x2``."""
    return np.fmax(_in(x1), _in(x2))


def fmin(x1, x2):
    """Elementwise minimum ignoring NaN.  g goes to ``x1`` where x1 <= x2, else to ``x2``."""
    return np.fmin(_in(x1), _in(x2))


def fmod(x1, x2):
    """Remainder with the sign of ``x1``: ``x1 - x2 trunc(x1/x2)``."""
    return np.fmod(_in(x1), _in(x2))


def tan(x):
    """Tangent.  d/dx = 1 + tan^2(x)."""
    return np.tan(_fin(x))


def cbrt(x):
    """Cube root.  d/dx = 1/(3 x^(2/3))."""
    return np.cbrt(_fin(x))


def arcsin(x):
    """Inverse sine.  d/dx = 1/sqrt(1 - x^2)."""
    return np.arcsin(_fin(x))


def arccos(x):
    """Inverse cosine.  d/dx = -1/sqrt(1 - x^2)."""
    return np.arccos(_fin(x))


def arcsinh(x):
    """Inverse hyperbolic sine.  d/dx = 1/sqrt(x^2 + 1)."""
    return np.arcsinh(_fin(x))


def arccosh(x):
    """Inverse hyperbolic cosine.  d/dx = 1/sqrt(x^2 - 1)."""
    return np.arccosh(_fin(x))


def arctanh(x):
    """Inverse hyperbolic tangent.  d/dx = 1/(1 - x^2)."""
    return np.arctanh(_fin(x))


def arctan2(x1, x2):
    """The angle of the point ``(x2, x1)``.  d/dx1 = x2/(x1^2 + x2^2), d/dx2 = -x1/(x1^2 + x2^2)."""
    return np.arctan2(_fin(x1), _fin(x2))


def fabs(x):
    """``|x|`` as a float.  d/dx = sign(x)."""
    return np.fabs(_fin(x))


def trunc(x):
    """``x`` rounded towards 0.  d/dx = 0."""
    return np.trunc(_fin(x))


def deg2rad(x):
    """Degrees to radians: ``x pi / 180``."""
    return np.deg2rad(_fin(x))


def rad2deg(x):
    """Radians to degrees: ``x 180 / pi``."""
    return np.rad2deg(_fin(x))


def logaddexp2(x1, x2):
    """``log2(2^x1 + 2^x2)``.  d/dx1 = 2^(x1 - out)."""
    return np.logaddexp2(_fin(x1), _fin(x2))


def get_item(x, key):
    """``x[key]`` (see :func:`getitem`)."""
    return getitem(x, key)


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (composed: no gradient flows through the zeros)."""
    x1, x2 = _in(x1), _in(x2)
    zero = plain(x2) == 0
    return where(zero, 0.0, divide(x1, where(zero, 1.0, x2)))


def erfc(x):
    """The complementary error function ``1 - erf(x)``.  d/dx = -2/sqrt(pi) exp(-x^2)."""
    x = _farr(x)
    a = plain(x)
    out = _act._erfc(a)
    return record("erfc", (x,), out, (lambda g: g * (-2.0 / np.sqrt(np.pi)) * np.exp(-a * a),))


def sparse_sigmoid(x):
    """0 for x <= -1, ``(x + 1) / 2`` for |x| < 1, 1 for x >= 1."""
    return _activation(_act.SparseSigmoid(), x)


def threshold(x, threshold, default_value):
    """``x`` where x > threshold, else ``default_value``.  d/dx = 1 where x > threshold."""
    return _activation(_act.Threshold(threshold, default_value), x)


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int n: the last n axes of ``x1`` with the first n of
    ``x2``; or two lists of axes), as ``np.tensordot``.  Recorded as an einsum."""
    x1, x2 = _arr(x1), _arr(x2)
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


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list (each recorded as indexing)."""
    n = np.shape(plain(x))[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} does not match the size {n} of axis {axis}")
    ax = axis % np.ndim(plain(x))
    return [getitem(x, (_slice(None),) * ax + (k,)) for k in range(n)]


def signbit(x):
    """Whether the sign bit is set (boolean)."""
    return np.signbit(plain(x))


def isneginf(x):
    """Elementwise ``x == -inf`` (boolean)."""
    return np.isneginf(plain(x))


def isposinf(x):
    """Elementwise ``x == +inf`` (boolean)."""
    return np.isposinf(plain(x))


def tri(N, M=None, k=0, dtype=None):
    """Ones on and below diagonal ``k`` of an ``N x M`` array (``floatx()`` by default)."""
    return np.tri(N, M, k, dtype=_dtype(dtype))


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
    values = _farr(values)
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
    inputs, updates = _farr(inputs), _farr(updates)
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
    inputs, updates = _farr(inputs), _farr(updates)
    a, u = plain(inputs), plain(updates)
    key = tuple(_slice(int(st), int(st) + n) for st, n in zip(start_indices, u.shape))
    out = a.copy()
    out[key] = u

    def g_inputs(g):
        z = g.copy()
        z[key] = 0
        return z
    return record("slice_update", (inputs, updates), out, (g_inputs, lambda g: g[key]))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """``out[s] = sum of the rows of data whose segment id is s``; ``num_segments`` defaults to the
    number of distinct ids (``max id + 1`` when ``sorted``), as TensorFlow; rows whose id is out of
    range are dropped.  VJP: each row gets g of its segment."""
    if sorted and num_segments is not None:
        raise ValueError("segment_sum: num_segments cannot be set when sorted is True")
    data = _farr(data)
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


def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (flattened when None).  d y_i / d x_j = prod of x_k for
    k <= i, k != j: computed without dividing by x (zeros are handled) through the recurrence
    ``r_j = g_j + x_(j+1) r_(j+1)``, ``dC/dx_j = (prod_(k<j) x_k) r_j``."""
    x = _arr(x)
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


# =============================================================================== losses
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no mean), as keras.ops on TensorFlow.

    Probabilities: ``p = clip(output, eps, 1 - eps)``, ``-(t log p + (1 - t) log(1 - p))``.
    Logits ``x``: ``max(x, 0) - x t + log(1 + e^-|x|)`` (d/dx = sigmoid(x) - t everywhere).
    Composed from recorded operations.
    """
    target, output = _in(target), _farr(output)
    if np.ndim(target) != np.ndim(output) or np.shape(target) != np.shape(output):
        raise ValueError(f"binary_crossentropy: target and output must have the same shape, got "
                         f"target.shape={np.shape(target)}, output.shape={np.shape(output)}")
    target = cast(target, plain(output).dtype)
    if from_logits:
        # TensorFlow's sigmoid_cross_entropy_with_logits, with where() rather than max / abs so
        # that the gradient at x = 0 is the true derivative sigmoid(0) - t, not a subgradient.
        nonneg = plain(output) >= 0
        relu_x = where(nonneg, output, 0.0)
        neg_abs_x = where(nonneg, negative(output), output)
        return add(subtract(relu_x, multiply(output, target)), log1p(exp(neg_abs_x)))
    eps = config.epsilon()
    p = clip(output, eps, 1.0 - eps)
    return negative(add(multiply(target, log(p)), multiply(subtract(1.0, target), log(subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy ``-sum(t log p)`` along ``axis``, as keras.ops on TensorFlow.

    Probabilities: ``p = clip(output / sum(output), eps, 1 - eps)``; logits: ``p = softmax``,
    computed as ``-sum(t log_softmax(x))``.  Composed from recorded operations.
    """
    target, output = _in(target), _farr(output)
    if np.ndim(target) < 1 or np.shape(target) != np.shape(output):
        raise ValueError(f"categorical_crossentropy: target and output must have the same shape (at "
                         f"least rank 1), got target.shape={np.shape(target)}, output.shape={np.shape(output)}")
    target = cast(target, plain(output).dtype)
    if from_logits:
        return negative(sum(multiply(target, log_softmax(output, axis=axis)), axis=axis))
    eps = config.epsilon()
    p = divide(output, sum(output, axis=axis, keepdims=True))
    p = clip(p, eps, 1.0 - eps)
    return negative(sum(multiply(target, log(p)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy with integer class ``target``: ``-log p[target]``, as keras.ops on TensorFlow
    (probabilities are clipped to ``[eps, 1 - eps]`` and then normalised by a log-softmax of their
    logarithms).  A ``target`` with a trailing axis of 1 is squeezed.  Composed from recorded
    operations."""
    if axis != -1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got {axis!r}")
    output = _farr(output)
    t = plain(target)
    if t.ndim == np.ndim(output) and t.shape[-1:] == (1,):
        t = t[..., 0]
    if t.dtype.kind == "f":
        t = t.astype(np.int64)
    if np.ndim(output) < 1 or t.shape != np.shape(output)[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: target must have output's shape without "
                         f"the last axis, got target.shape={np.shape(target)}, output.shape={np.shape(output)}")
    logits = output if from_logits else log(clip(output, config.epsilon(), 1.0 - config.epsilon()))
    logp = log_softmax(logits, axis=-1)
    mask = one_hot(t, np.shape(output)[-1], dtype=plain(output).dtype)
    return negative(sum(multiply(mask, logp), axis=-1))


# =============================================================================== symbolic tensors
# The functional API's symbolic tensors (Keras's ``x = ops.expand_dims(inputs, -1)`` on an
# ``Input``) are not arrays: a model engine registers their type and a handler that records the
# call as a graph node, with ``register_symbolic``.  Every public function above is wrapped so
# that a call with a symbolic argument (anywhere in lists / tuples / dicts) goes to the handler.
_SYMBOLIC_TYPES: tuple = ()
_SYMBOLIC_HANDLER = None


def register_symbolic(types, handler) -> None:
    """Send calls of ``glassnet.ops`` functions that receive an instance of ``types`` to
    ``handler(fn, args, kwargs)``, whose result the call returns (``fn`` is the ops function,
    to apply later to real arrays).  ``types=()`` removes the hook."""
    global _SYMBOLIC_TYPES, _SYMBOLIC_HANDLER
    _SYMBOLIC_TYPES = tuple(types) if isinstance(types, (list, tuple)) else (types,)
    _SYMBOLIC_HANDLER = handler if _SYMBOLIC_TYPES else None


def _has_symbolic(x) -> bool:
    if isinstance(x, _SYMBOLIC_TYPES):
        return True
    if isinstance(x, (list, tuple)):
        return builtins.any(_has_symbolic(v) for v in x)
    if isinstance(x, dict):
        return builtins.any(_has_symbolic(v) for v in x.values())
    return False


def _symbolic_aware(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _SYMBOLIC_TYPES and (_has_symbolic(args) or _has_symbolic(kwargs)):
            return _SYMBOLIC_HANDLER(call, args, kwargs)
        return fn(*args, **kwargs)
    return call


for _name in __all__:
    globals()[_name] = _symbolic_aware(globals()[_name])
del _name
__all__.append("register_symbolic")
