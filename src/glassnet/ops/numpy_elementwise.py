"""keras.ops.numpy, elementwise: arithmetic, elementwise math and comparisons.

Most of these are NumPy ufuncs applied to the lifted operands: on a recorded Tensor the ufunc is
recorded with its VJP from ``glassnet.autodiff.vjp`` (the formula in each docstring).
"""
from __future__ import annotations

import numpy as np

from ..autodiff import lift, plain, record
from .core import as_array, as_float_array, float_operand, operand, weak_data
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "power", "negative", "reciprocal",
    "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square", "abs", "absolute", "sign",
    "tanh", "sin", "cos", "floor", "ceil", "round", "maximum", "minimum", "clip", "where", "equal",
    "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
    "logical_not", "isnan", "isfinite", "logaddexp", "hypot", "arctan", "sinh", "cosh", "mod",
    "floor_divide", "isinf", "exp2", "logical_xor", "nan_to_num", "allclose", "isclose", "fmax",
    "fmin", "fmod", "tan", "cbrt", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "arctan2",
    "fabs", "trunc", "deg2rad", "rad2deg", "logaddexp2", "divide_no_nan", "signbit", "isneginf",
    "isposinf",
]


# =============================================================================== arithmetic
def add(x1, x2):
    """``x1 + x2`` elementwise (broadcasting).  d/dx1 = 1, d/dx2 = 1."""
    return np.add(operand(x1), operand(x2))


def subtract(x1, x2):
    """``x1 - x2``.  d/dx1 = 1, d/dx2 = -1."""
    return np.subtract(operand(x1), operand(x2))


def multiply(x1, x2):
    """``x1 * x2``.  d/dx1 = x2, d/dx2 = x1."""
    return np.multiply(operand(x1), operand(x2))


def divide(x1, x2):
    """``x1 / x2`` (true division; integers give floats).  d/dx1 = 1/x2, d/dx2 = -x1/x2^2."""
    return np.true_divide(operand(x1), operand(x2))


true_divide = divide


def power(x1, x2):
    """``x1 ** x2``.  d/dx1 = x2 x1^(x2-1), d/dx2 = x1^x2 log(x1)."""
    return np.power(operand(x1), operand(x2))


def negative(x):
    """``-x``.  d/dx = -1."""
    return np.negative(operand(x))


def reciprocal(x):
    """``1 / x``.  d/dx = -1/x^2."""
    return np.reciprocal(float_operand(x))


# =============================================================================== elementwise math
def exp(x):
    """``e^x``.  d/dx = e^x."""
    return np.exp(float_operand(x))


def expm1(x):
    """``e^x - 1`` (accurate near 0).  d/dx = e^x."""
    return np.expm1(float_operand(x))


def log(x):
    """Natural logarithm.  d/dx = 1/x."""
    return np.log(float_operand(x))


def log1p(x):
    """``log(1 + x)`` (accurate near 0).  d/dx = 1/(1 + x)."""
    return np.log1p(float_operand(x))


def log2(x):
    """Base-2 logarithm.  d/dx = 1/(x ln 2)."""
    return np.log2(float_operand(x))


def log10(x):
    """Base-10 logarithm.  d/dx = 1/(x ln 10)."""
    return np.log10(float_operand(x))


def sqrt(x):
    """Square root.  d/dx = 1/(2 sqrt(x))."""
    return np.sqrt(float_operand(x))


def square(x):
    """``x^2``.  d/dx = 2x."""
    return np.square(operand(x))


def absolute(x):
    """``|x|``.  d/dx = sign(x) (0 at 0)."""
    return np.absolute(operand(x))


abs = absolute


def sign(x):
    """-1, 0 or 1.  Piecewise constant: d/dx = 0."""
    return np.sign(operand(x))


def tanh(x):
    """Hyperbolic tangent.  d/dx = 1 - tanh^2(x)."""
    return np.tanh(float_operand(x))


def sin(x):
    """Sine.  d/dx = cos(x)."""
    return np.sin(float_operand(x))


def cos(x):
    """Cosine.  d/dx = -sin(x)."""
    return np.cos(float_operand(x))


def floor(x):
    """Largest integer <= x (as a float).  d/dx = 0."""
    return np.floor(float_operand(x))


def ceil(x):
    """Smallest integer >= x (as a float).  d/dx = 0."""
    return np.ceil(float_operand(x))


def round(x, decimals=0):
    """Round half to even to ``decimals`` digits.  Piecewise constant: d/dx = 0."""
    x = as_array(x)
    a = plain(x)
    return record("round", (x,), np.round(a, decimals), (np.zeros_like,))


def maximum(x1, x2):
    """Elementwise maximum.  g goes to ``x1`` where x1 >= x2, else to ``x2`` (TensorFlow's ties)."""
    return np.maximum(operand(x1), operand(x2))


def minimum(x1, x2):
    """Elementwise minimum.  g goes to ``x1`` where x1 <= x2, else to ``x2`` (TensorFlow's ties)."""
    return np.minimum(operand(x1), operand(x2))


def clip(x, x_min, x_max):
    """``min(max(x, x_min), x_max)``.  d/dx = 1 where x_min <= x <= x_max, else 0 (TensorFlow's
    ``clip_by_value``: the bounds themselves pass the gradient); the bounds get no gradient."""
    x = as_array(x)
    a = plain(x)
    lo = weak_data(lift(x_min)) if x_min is not None else None
    hi = weak_data(lift(x_max)) if x_max is not None else None
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
    x1, x2 = operand(x1), operand(x2)
    out = np.where(cond, weak_data(x1), weak_data(x2))
    return record("where", (x1, x2), out, ((lambda g: g * cond), (lambda g: g * ~cond)))


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


# =============================================================================== more elementwise
def logaddexp(x1, x2):
    """``log(e^x1 + e^x2)``.  d/dx1 = e^(x1 - out), d/dx2 = e^(x2 - out)."""
    return np.logaddexp(float_operand(x1), float_operand(x2))


def hypot(x1, x2):
    """``sqrt(x1^2 + x2^2)``.  d/dx1 = x1/out, d/dx2 = x2/out."""
    return np.hypot(float_operand(x1), float_operand(x2))


def arctan(x):
    """Inverse tangent.  d/dx = 1/(1 + x^2)."""
    return np.arctan(float_operand(x))


def sinh(x):
    """Hyperbolic sine.  d/dx = cosh(x)."""
    return np.sinh(float_operand(x))


def cosh(x):
    """Hyperbolic cosine.  d/dx = sinh(x)."""
    return np.cosh(float_operand(x))


def mod(x1, x2):
    """Remainder ``x1 - x2 floor(x1 / x2)`` (sign of ``x2``).  d/dx1 = 1, d/dx2 = -floor(x1/x2)."""
    return np.remainder(operand(x1), operand(x2))


def floor_divide(x1, x2):
    """``floor(x1 / x2)``.  Piecewise constant: d/dx = 0."""
    return np.floor_divide(operand(x1), operand(x2))


def isinf(x):
    """Elementwise infinity test (boolean)."""
    return np.isinf(plain(x))


def exp2(x):
    """``2^x``.  d/dx = 2^x ln 2."""
    return power(2.0, float_operand(x))


def logical_xor(x1, x2):
    """Elementwise exclusive or (boolean)."""
    return np.logical_xor(plain(x1), plain(x2))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN and +-inf replaced by finite numbers.  d/dx = 1 where ``x`` is finite, else 0."""
    x = as_float_array(x)
    a = plain(x)
    out = np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
    finite = np.isfinite(a)
    return record("nan_to_num", (x,), out, (lambda g: g * finite,))


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all entries are close: ``|x1 - x2| <= atol + rtol |x2|`` (a bool)."""
    return bool(np.allclose(plain(x1), plain(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|x1 - x2| <= atol + rtol |x2|`` (boolean)."""
    return np.isclose(plain(x1), plain(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def fmax(x1, x2):
    """Elementwise maximum ignoring NaN.  g goes to ``x1`` where x1 >= x2, else to ``x2``."""
    return np.fmax(operand(x1), operand(x2))


def fmin(x1, x2):
    """Elementwise minimum ignoring NaN.  g goes to ``x1`` where x1 <= x2, else to ``x2``."""
    return np.fmin(operand(x1), operand(x2))


def fmod(x1, x2):
    """Remainder with the sign of ``x1``: ``x1 - x2 trunc(x1/x2)``."""
    return np.fmod(operand(x1), operand(x2))


def tan(x):
    """Tangent.  d/dx = 1 + tan^2(x)."""
    return np.tan(float_operand(x))


def cbrt(x):
    """Cube root.  d/dx = 1/(3 x^(2/3))."""
    return np.cbrt(float_operand(x))


def arcsin(x):
    """Inverse sine.  d/dx = 1/sqrt(1 - x^2)."""
    return np.arcsin(float_operand(x))


def arccos(x):
    """Inverse cosine.  d/dx = -1/sqrt(1 - x^2)."""
    return np.arccos(float_operand(x))


def arcsinh(x):
    """Inverse hyperbolic sine.  d/dx = 1/sqrt(x^2 + 1)."""
    return np.arcsinh(float_operand(x))


def arccosh(x):
    """Inverse hyperbolic cosine.  d/dx = 1/sqrt(x^2 - 1)."""
    return np.arccosh(float_operand(x))


def arctanh(x):
    """Inverse hyperbolic tangent.  d/dx = 1/(1 - x^2)."""
    return np.arctanh(float_operand(x))


def arctan2(x1, x2):
    """The angle of the point ``(x2, x1)``.  d/dx1 = x2/(x1^2 + x2^2), d/dx2 = -x1/(x1^2 + x2^2)."""
    return np.arctan2(float_operand(x1), float_operand(x2))


def fabs(x):
    """``|x|`` as a float.  d/dx = sign(x)."""
    return np.fabs(float_operand(x))


def trunc(x):
    """``x`` rounded towards 0.  d/dx = 0."""
    return np.trunc(float_operand(x))


def deg2rad(x):
    """Degrees to radians: ``x pi / 180``."""
    return np.deg2rad(float_operand(x))


def rad2deg(x):
    """Radians to degrees: ``x 180 / pi``."""
    return np.rad2deg(float_operand(x))


def logaddexp2(x1, x2):
    """``log2(2^x1 + 2^x2)``.  d/dx1 = 2^(x1 - out)."""
    return np.logaddexp2(float_operand(x1), float_operand(x2))


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (composed: no gradient flows through the zeros)."""
    x1, x2 = operand(x1), operand(x2)
    zero = plain(x2) == 0
    return where(zero, 0.0, divide(x1, where(zero, 1.0, x2)))


def signbit(x):
    """Whether the sign bit is set (boolean)."""
    return np.signbit(plain(x))


def isneginf(x):
    """Elementwise ``x == -inf`` (boolean)."""
    return np.isneginf(plain(x))


def isposinf(x):
    """Elementwise ``x == +inf`` (boolean)."""
    return np.isposinf(plain(x))


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
