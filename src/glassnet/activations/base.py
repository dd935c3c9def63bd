"""The activation base class :class:`ActivationFunction`, input checks, and the numerical kernels
the activations share (a stable sigmoid and softplus, erf/erfc)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import config
from .._registry import Configurable, Registry

REG = Registry("activation", "keras.activations")

# Module-level function -> its ActivationFunction class (filled by ``function_of``).
FUNCTION_CLASSES: dict = {}


# =============================================================================== input handling
def as_float(x, where: str) -> np.ndarray:
    """``x`` as a floating NumPy array.

    Float arrays pass through untouched (float32 stays float32, float64 stays float64);
    lists, Python numbers, integer and boolean arrays become ``config.floatx()``, as
    ``keras.ops.convert_to_tensor`` makes Python floats float32.
    """
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return x
        arr = x
    elif isinstance(x, np.generic) and x.dtype.kind == "f":
        return np.asarray(x)
    else:
        if hasattr(x, "to_numpy"):
            x = x.to_numpy()
        try:
            arr = np.asarray(x)
        except ValueError:
            raise ValueError(
                f"{where}: x must be a rectangular array of numbers; it looks ragged "
                f"(rows of different lengths)"
            ) from None
        if arr.dtype.kind == "f":
            return arr.astype(config.floatx(), copy=False)
    if arr.dtype.kind in "biu":
        return arr.astype(config.floatx())
    raise TypeError(f"{where}: x must be a real numeric array, got dtype {arr.dtype}")


def check_axis(axis, where: str, allow_none: bool = True):
    """Validate a Keras ``axis`` argument: an int, a tuple of ints, or None (all axes)."""
    if axis is None and allow_none:
        return None
    if isinstance(axis, (numbers.Integral,)) and not isinstance(axis, bool):
        return int(axis)
    if isinstance(axis, (tuple, list)) and allow_none and axis and all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis
    ):
        return tuple(int(a) for a in axis)
    expected = "an int, a tuple of ints or None" if allow_none else "an int"
    raise TypeError(f"{where}: axis must be {expected}, got {type(axis).__name__} {axis!r}")


def resolve_axis(axis, ndim: int, where: str):
    """Check ``axis`` against an input of ``ndim`` dimensions; return it as NumPy wants it."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"{where}: axis {ax} out of range for a {ndim}-D input")
    if isinstance(axis, tuple):
        normalised = tuple(ax % ndim for ax in axis)
        if len(set(normalised)) != len(normalised):
            raise ValueError(f"{where}: axis {axis} repeats an axis")
        return normalised
    return axis


def check_bool_argument(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool (True or False), got "
                        f"{type(value).__name__} {value!r}")
    return bool(value)


# =============================================================================== the base class
class ActivationFunction(Configurable):
    """An activation ``a = f(z)`` together with what backpropagation needs.

    Layers call ``act(z)`` in the forward pass and ``act.backward(grad_a, z, a)`` in the
    backward pass.  For an elementwise activation ``backward`` is the Hadamard product
    ``grad_z = grad_a * f'(z)`` (Nielsen's BP1/BP2); for softmax-like activations, whose
    Jacobian is a matrix per row, ``backward`` returns the vector-Jacobian product
    ``grad_z = J(z)^T grad_a`` and ``derivative`` is not defined.

    A custom activation subclasses this class, sets ``name``, implements ``call(z)`` (or
    ``__call__``) and defines ``derivative(z, a)`` (or ``backward`` for a non-elementwise one).
    ``z`` and ``a`` given to ``derivative``/``backward`` are the arrays of the forward pass;
    ``a`` may be ``None``, in which case it is recomputed when needed.
    """

    name: str = "activation"
    elementwise: bool = True

    def __call__(self, z):
        """``a = f(z)``; lists and integer arrays become ``floatx()`` arrays first.  On a tensor that a custom
        call is recording, the activation is one recorded step whose VJP is :meth:`backward`."""
        if type(z) is not np.ndarray and not isinstance(z, (list, tuple, int, float)):
            from . import autodiff

            if autodiff.recorded_inputs(z):
                return autodiff.call_activation(self, z)
        return self.call(as_float(z, self.name))

    def call(self, z: np.ndarray) -> np.ndarray:
        """``f(z)`` for a float array ``z``; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(z) -> f(z)")

    def call_inplace(self, z: np.ndarray) -> np.ndarray:
        """``f(z)``, allowed to overwrite ``z`` (inference, where z is not needed afterwards)."""
        return self.call(z)

    def derivative(self, z, a=None):
        """``f'(z)`` elementwise; ``a = f(z)`` may be given to save work."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no derivative(z, a); a custom activation must "
            f"define derivative (or backward)"
        )

    def backward(self, grad_a, z, a=None):
        """``dC/dz = dC/da * f'(z)`` (elementwise product) for an elementwise activation."""
        return grad_a * self.derivative(z, a)

    def get_config(self) -> dict:
        """The hyper-parameters as a dict (empty when there are none)."""
        return {}

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))


def function_of(cls):
    """Decorator: record that a module-level function is the functional form of ``cls``."""

    def deco(fn):
        FUNCTION_CLASSES[fn] = cls
        return fn

    return deco


def ones_of(z):
    return np.ones_like(z)


# =============================================================================== erf / erfc
# Polynomial coefficients (lowest order first) fitted by glassnet: least-squares Chebyshev fits
# at 6001 / 8001 Chebyshev nodes in float64 against math.erf / math.erfc, converted to the power
# basis (both are well conditioned: every coefficient is below 1.2 in size).
#   |x| < 1   erf(x) = x * S(u),              u = x^2 in [0, 1]
#   x >= 1    erfc(x) = t * exp(Q(s) - x^2),   t = 1 / (1 + x/2); s maps t in [2/28.5, 2/3]
#             (x in [1, 26.5], beyond which erfc underflows float64) onto [-1, 1]
# Measured against math.erf / math.erfc in float64: erf within 1e-15 relative everywhere,
# erfc within 2e-13 relative for x <= 26.
_ERF_SMALL = (
    1.1283791670955123, -0.3761263890317745, 0.1128379167065104, -0.02686617059424827,
    0.005223977200968219, -0.0008548306556207259, 0.00012054719374409056,
    -1.4913820666860014e-05, 1.6314735303101634e-06, -1.5208763661314447e-07,
    9.469397065782924e-09,
)
_ERFC_LARGE = (
    -0.84472990389632, 0.38109562931897284, 0.028051714294552173, -0.006663539691847097,
    -0.002318983008416386, 0.00024103138480046732, 0.00021565113453564307,
    -1.273841954351421e-05, -2.274429900201816e-05, 1.3943047115907995e-06,
    2.577699375224829e-06, -2.737901083461011e-07, -2.9216395282466014e-07,
    5.6058820939673346e-08, 2.9745029800042804e-08, -9.252881678789612e-09,
    -2.193952346744463e-09, 8.912449392388215e-10, 5.889465007113859e-11,
)
_ERFC_T_LO, _ERFC_T_HI = 2.0 / 28.5, 2.0 / 3.0


def _horner(s, coeffs):
    """``sum_k coeffs[k] s^k`` by Horner's rule, in place in one buffer of ``s``'s dtype."""
    out = np.full_like(s, coeffs[-1])
    for c in coeffs[-2::-1]:
        out *= s
        out += c
    return out


def _erf_small(x):
    """``erf(x)`` for ``|x| < 1``; ``x`` is clipped to [-1, 1] so the result is always finite."""
    xc = np.clip(x, -1.0, 1.0)
    return xc * _horner(xc * xc, _ERF_SMALL)


def _erfc_large(ax):
    """``erfc(x)`` for ``x >= 1``; ``x`` is clipped to [1, 30] (erfc(30) is 0 even in
    float64), so ``x * x`` stays finite and the result lies in [0, erfc(1)]."""
    xc = np.clip(ax, 1.0, 30.0)
    t = 1.0 / (1.0 + 0.5 * xc)
    s = (2.0 * t - (_ERFC_T_LO + _ERFC_T_HI)) / (_ERFC_T_HI - _ERFC_T_LO)
    return t * np.exp(_horner(s, _ERFC_LARGE) - xc * xc)


def erf(x):
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``, vectorised.

    Piecewise polynomial approximations (see ``_ERF_SMALL``), accurate to about 1e-15 relative
    in float64; computed in the input's float type.  Both pieces are evaluated everywhere and
    blended with 0/1 masks (exact for finite values), which is faster than gathering.
    """
    x = as_float(x, "erf")
    inside = (np.abs(x) < 1.0).astype(x.dtype)
    outside = np.copysign(1.0 - _erfc_large(np.abs(x)), x)
    return _erf_small(x) * inside + outside * (1.0 - inside)


def erfc(x):
    """The complementary error function ``erfc(x) = 1 - erf(x)``, accurate in both tails.

    For ``x >= 1`` it never forms ``1 - erf(x)`` (which would cancel), so tiny values such as
    ``erfc(10) = 2.09e-45`` keep their relative precision; ``erfc(-x) = 2 - erfc(x)``.
    """
    x = as_float(x, "erfc")
    inside = (np.abs(x) < 1.0).astype(x.dtype)
    positive = (x > 0).astype(x.dtype)
    tail = _erfc_large(np.abs(x))
    outside = tail * positive + (2.0 - tail) * (1.0 - positive)
    return (1.0 - _erf_small(x)) * inside + outside * (1.0 - inside)


# =============================================================================== shared kernels
def stable_sigmoid(z):
    """``1 / (1 + exp(-z))`` without exp of a positive number: with ``e = exp(-|z|)``,
    ``1/(1+e)`` for ``z >= 0`` and ``e/(1+e)`` for ``z < 0`` (numerator ``max(e, [z >= 0])``,
    branch-free).  A float array in, the same float type out, no checks: the one logistic kernel
    of the package (activations, the sigmoid cross-entropies, the metrics' ``from_logits``)."""
    e = np.exp(-np.abs(z))
    return np.maximum(e, z >= 0) / (1.0 + e)


def softplus_kernel(z):
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``: exp only of a non-positive number."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def leaky(z, s):
    """``z if z > 0 else s z`` = ``max(z, s z)`` for ``s <= 1``, ``min(z, s z)`` for ``s > 1``."""
    return np.maximum(z, z * s) if s <= 1 else np.minimum(z, z * s)


def leaky_derivative(z, s):
    """``1 if z > 0 else s``, as an exact 0/1 blend."""
    above = (z > 0).astype(z.dtype)
    return above + s * (1.0 - above)
