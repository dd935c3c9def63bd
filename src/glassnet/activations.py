"""Activation functions: Keras 3's functions, plus the derivatives backpropagation needs.

Every activation exists in two forms:

* a module-level function with Keras 3's exact signature and defaults, for example
  ``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)`` or
  ``softmax(x, axis=-1)``, returning ``f(x)``;
* an :class:`ActivationFunction` instance (``ReLU()``, ``Softmax(axis=-1)``, ...) that layers use:
  ``act(z)`` in the forward pass and ``act.backward(grad_a, z, a)`` in the backward pass.

``get(identifier)`` turns ``None`` (linear), a name (``'relu'``, ``'swish'``), a config dict, one of
the module-level functions, or an :class:`ActivationFunction` into an :class:`ActivationFunction`.

Numbers follow Keras 3 on its TensorFlow backend, including the derivative TensorFlow's autodiff
returns at a kink (``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``, ``elu'(0) = alpha``,
``hard_tanh'(+-1) = 1``, ``celu'(0) = 2``).  A float32 input gives a float32 output, and no
activation evaluates ``exp`` of a large positive number, so extreme inputs raise no overflow
warning (``exponential`` returns ``inf`` where ``e**x`` exceeds the float range, as TensorFlow does).

Keras's ``sparsemax`` is not provided: Keras 3.15's TensorFlow implementation sums the cumulative
sums over the support when it computes the threshold, so it does not give the sparsemax of
Martins & Astudillo (2016); glassnet neither copies that result nor silently disagrees with it.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import config
from ._registry import Registry
from ._validation import check_float

__all__ = [
    "ActivationFunction", "get", "serialize", "deserialize",
    # module-level functions (Keras 3 names), plus glassnet's ``step``
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "squareplus", "step", "swish", "tanh", "tanh_shrink",
    "threshold",
    # classes
    "CELU", "ELU", "Exponential", "GELU", "GLU", "HardShrink", "HardSigmoid", "HardSiLU",
    "HardTanh", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "Mish", "ReLU", "ReLU6", "SELU",
    "Sigmoid", "SiLU", "SoftShrink", "Softmax", "Softplus", "Softsign", "SparsePlus",
    "SparseSigmoid", "Squareplus", "Step", "Tanh", "TanhShrink", "Threshold",
]

REG = Registry("activation", "keras.activations")

# Module-level function -> its ActivationFunction class (filled by ``_function_of``).
_FUNCTION_CLASSES: dict = {}


# =============================================================================== input handling
def _as_float(x, where: str) -> np.ndarray:
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


def _check_axis(axis, where: str, allow_none: bool = True):
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


def _resolve_axis(axis, ndim: int, where: str):
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


def _check_bool(value, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool (True or False), got "
                        f"{type(value).__name__} {value!r}")
    return bool(value)


# =============================================================================== the base class
class ActivationFunction:
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
        return self.call(_as_float(z, self.name))

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

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild the activation from :meth:`get_config`'s dict."""
        return cls(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.get_config().items()))))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _function_of(cls):
    """Decorator: record that a module-level function is the functional form of ``cls``."""

    def deco(fn):
        _FUNCTION_CLASSES[fn] = cls
        return fn

    return deco


def _ones(z):
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


def _erf(x):
    """The error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``, vectorised.

    Piecewise polynomial approximations (see ``_ERF_SMALL``), accurate to about 1e-15 relative
    in float64; computed in the input's float type.  Both pieces are evaluated everywhere and
    blended with 0/1 masks (exact for finite values), which is faster than gathering.
    """
    x = _as_float(x, "erf")
    inside = (np.abs(x) < 1.0).astype(x.dtype)
    outside = np.copysign(1.0 - _erfc_large(np.abs(x)), x)
    return _erf_small(x) * inside + outside * (1.0 - inside)


def _erfc(x):
    """The complementary error function ``erfc(x) = 1 - erf(x)``, accurate in both tails.

    For ``x >= 1`` it never forms ``1 - erf(x)`` (which would cancel), so tiny values such as
    ``erfc(10) = 2.09e-45`` keep their relative precision; ``erfc(-x) = 2 - erfc(x)``.
    """
    x = _as_float(x, "erfc")
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


def _softplus(z):
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))``: exp only of a non-positive number."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _leaky(z, s):
    """``z if z > 0 else s z`` = ``max(z, s z)`` for ``s <= 1``, ``min(z, s z)`` for ``s > 1``."""
    return np.maximum(z, z * s) if s <= 1 else np.minimum(z, z * s)


def _leaky_derivative(z, s):
    """``1 if z > 0 else s``, as an exact 0/1 blend."""
    above = (z > 0).astype(z.dtype)
    return above + s * (1.0 - above)


# =============================================================================== activations
@REG.register("linear")
class Linear(ActivationFunction):
    """Identity: ``f(z) = z``, ``f'(z) = 1``."""

    name = "linear"

    def call(self, z):
        return z

    def derivative(self, z, a=None):
        return _ones(z)

    def backward(self, grad_a, z, a=None):
        return grad_a


@_function_of(Linear)
def linear(x):
    """Linear (identity) activation: ``linear(x) = x``."""
    return _as_float(x, "linear")


@REG.register("step", "heaviside")
class Step(ActivationFunction):
    """Heaviside step (glassnet's addition, for the perceptron).

    ``f(z) = 1 if z >= 0 else 0``; ``f'(z) = 0`` everywhere it is defined (and taken as 0 at 0),
    so no gradient flows through it.
    """

    name = "step"

    def call(self, z):
        return (z >= 0).astype(z.dtype)

    def derivative(self, z, a=None):
        return np.zeros_like(z)

    def backward(self, grad_a, z, a=None):
        return np.zeros_like(grad_a)


@_function_of(Step)
def step(x):
    """Heaviside step: ``step(x) = 1`` where ``x >= 0``, else ``0`` (a glassnet addition)."""
    return Step()(x)


@REG.register("sigmoid")
class Sigmoid(ActivationFunction):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))``; ``f'(z) = a (1 - a)``.

    Computed with ``exp(-|z|)`` only, so ``|z| = 1e4`` gives exactly 0 or 1 with no overflow.
    """

    name = "sigmoid"

    def call(self, z):
        return stable_sigmoid(z)

    def derivative(self, z, a=None):
        if a is None:
            a = stable_sigmoid(z)
        return a * (1.0 - a)


@_function_of(Sigmoid)
def sigmoid(x):
    """Sigmoid activation: ``sigmoid(x) = 1 / (1 + exp(-x))``, in (0, 1)."""
    return Sigmoid()(x)


@REG.register("hard_sigmoid")
class HardSigmoid(ActivationFunction):
    """Keras 3's hard sigmoid ``f(z) = relu6(z + 3) / 6``: 0 for ``z <= -3``, 1 for ``z >= 3``,
    ``z/6 + 1/2`` between.  ``f'(z) = 1/6`` for ``-3 < z < 3`` else 0 (0 at the corners)."""

    name = "hard_sigmoid"

    def call(self, z):
        return np.clip(z + 3.0, 0.0, 6.0) / 6.0

    def derivative(self, z, a=None):
        t = z + 3.0
        return ((t > 0) & (t < 6)).astype(z.dtype) / 6.0


@_function_of(HardSigmoid)
def hard_sigmoid(x):
    """Hard sigmoid: ``hard_sigmoid(x) = relu6(x + 3) / 6``, i.e. ``clip(x/6 + 1/2, 0, 1)``."""
    return HardSigmoid()(x)


@REG.register("tanh")
class Tanh(ActivationFunction):
    """Hyperbolic tangent ``f(z) = (e^z - e^-z) / (e^z + e^-z)``; ``f'(z) = 1 - a^2``."""

    name = "tanh"

    def call(self, z):
        return np.tanh(z)

    def derivative(self, z, a=None):
        if a is None:
            a = np.tanh(z)
        return 1.0 - a * a


@_function_of(Tanh)
def tanh(x):
    """Hyperbolic tangent: ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``."""
    return Tanh()(x)


@REG.register("relu")
class ReLU(ActivationFunction):
    """Rectified linear unit with Keras 3's three options.

    With ``t = threshold``, ``m = max_value`` and ``s = negative_slope``::

        f(z) = clip(z if z > t else 0, 0, m) - s * max(t - z, 0)

    (no clipping when ``m`` is None; ``m`` must be >= 0, the rule of Keras's ReLU layer).
    Defaults give ``max(z, 0)``.  Keras's special cases are
    kept: with ``s != 0`` and no ``m``/``t`` it is the leaky ReLU ``z if z > 0 else s z``.
    Derivative (TensorFlow's at the kinks)::

        f'(z) = [z > t] [0 <= z <= m] + s [z < t]

    except ``[0 < z < 6]`` for ``m == 6, t == 0`` (TensorFlow's relu6 op) and
    ``1 if z > 0 else s`` for the leaky case; so ``relu'(0) = 0``.
    """

    name = "relu"

    def __init__(self, negative_slope=0.0, max_value=None, threshold=0.0):
        self.negative_slope = check_float(negative_slope, "negative_slope", "relu")
        self.max_value = check_float(max_value, "max_value", "relu", low=0.0, allow_none=True)
        self.threshold = check_float(threshold, "threshold", "relu")
        self._plain = self.negative_slope == 0 and self.max_value is None and self.threshold == 0
        self._leaky = self.negative_slope != 0 and self.max_value is None and self.threshold == 0

    def get_config(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value,
                "threshold": self.threshold}

    def call_inplace(self, z):
        if self._plain:
            return np.maximum(z, 0.0, out=z)
        return self.call(z)

    def call(self, z):
        s, m, t = self.negative_slope, self.max_value, self.threshold
        if self._plain:
            return np.maximum(z, 0.0)
        if self._leaky:
            return _leaky(z, s)
        if t != 0:
            x = np.where(z > t, z, 0.0)
        elif m == 6:
            return self._subtract_negative(np.clip(z, 0.0, 6.0), z)
        else:
            x = np.maximum(z, 0.0)
        if m is not None:
            x = np.clip(x, 0.0, m)
        return self._subtract_negative(x, z)

    def _subtract_negative(self, x, z):
        s = self.negative_slope
        if s == 0:
            return x
        return x - s * np.maximum(self.threshold - z, 0.0)

    def derivative(self, z, a=None):
        s, m, t = self.negative_slope, self.max_value, self.threshold
        if self._plain:
            return (z > 0).astype(z.dtype)
        if self._leaky:
            return _leaky_derivative(z, s)
        if t == 0 and m == 6:
            passes = (z > 0) & (z < 6)
        else:
            passes = z > t
            if m is not None:
                passes &= (z >= 0) & (z <= m)
        d = passes.astype(z.dtype)
        if s != 0:
            d += s * (z < t).astype(z.dtype)
        return d

    def backward(self, grad_a, z, a=None):
        if self._plain:
            return grad_a * (z > 0)
        return grad_a * self.derivative(z, a)


@_function_of(ReLU)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, Keras 3 semantics.

    ``relu(x) = clip(x if x > threshold else 0, 0, max_value) - negative_slope * max(threshold - x, 0)``;
    with the defaults, ``max(x, 0)``.  ``max_value=None`` means no upper clip; a given
    ``max_value`` must be >= 0.
    """
    return ReLU(negative_slope, max_value, threshold)(x)


@REG.register("relu6")
class ReLU6(ActivationFunction):
    """``f(z) = min(max(z, 0), 6)``; ``f'(z) = 1`` for ``0 < z < 6`` else 0."""

    name = "relu6"

    def call(self, z):
        return np.clip(z, 0.0, 6.0)

    def derivative(self, z, a=None):
        return ((z > 0) & (z < 6)).astype(z.dtype)


@_function_of(ReLU6)
def relu6(x):
    """ReLU capped at 6: ``relu6(x) = min(max(x, 0), 6)``."""
    return ReLU6()(x)


@REG.register("leaky_relu")
class LeakyReLU(ActivationFunction):
    """``f(z) = z if z > 0 else negative_slope * z``; ``f'(z) = 1 if z > 0 else negative_slope``
    (so ``f'(0) = negative_slope``, as TensorFlow's LeakyRelu gradient).  Keras 3's default
    ``negative_slope`` is 0.2."""

    name = "leaky_relu"

    def __init__(self, negative_slope=0.2):
        self.negative_slope = check_float(negative_slope, "negative_slope", "leaky_relu")

    def get_config(self):
        return {"negative_slope": self.negative_slope}

    def call(self, z):
        return _leaky(z, self.negative_slope)

    def derivative(self, z, a=None):
        return _leaky_derivative(z, self.negative_slope)


@_function_of(LeakyReLU)
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``leaky_relu(x) = x if x > 0 else negative_slope * x``."""
    return LeakyReLU(negative_slope)(x)


@REG.register("elu")
class ELU(ActivationFunction):
    """Exponential linear unit ``f(z) = z if z > 0 else alpha (exp(z) - 1)``.

    ``f'(z) = 1 if z > 0 else alpha exp(z)`` (``alpha`` at 0, as TensorFlow).  ``exp`` only ever
    sees ``min(z, 0)``.
    """

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = check_float(alpha, "alpha", "elu")

    def get_config(self):
        return {"alpha": self.alpha}

    def call(self, z):
        # exp(min(z, 0)) - 1 is exactly 0 for z >= 0, and max(z, 0) is 0 for z <= 0
        neg = np.exp(np.minimum(z, 0.0)) - 1.0
        if self.alpha != 1:
            neg *= self.alpha
        return neg + np.maximum(z, 0.0)

    def derivative(self, z, a=None):
        if self.alpha == 1 and a is not None:
            return np.minimum(a, 0.0) + 1.0  # TensorFlow's EluGrad: y + 1 where y < 0, else 1
        d = (np.exp(np.minimum(z, 0.0)) - 1.0) + 1.0
        if self.alpha == 1:
            return d
        above = (z > 0).astype(z.dtype)
        return above + self.alpha * d * (1.0 - above)


@_function_of(ELU)
def elu(x, alpha=1.0):
    """Exponential linear unit: ``elu(x) = x if x > 0 else alpha * (exp(x) - 1)``."""
    return ELU(alpha)(x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123


@REG.register("selu")
class SELU(ActivationFunction):
    """Scaled ELU ``f(z) = scale z if z >= 0 else scale alpha (exp(z) - 1)`` with Keras's
    ``alpha = 1.6732632423543772`` and ``scale = 1.0507009873554805``.

    ``f'(z) = scale if z >= 0 else a + scale alpha`` (= ``scale alpha exp(z)``); ``f'(0) = scale``.
    """

    name = "selu"
    alpha = _SELU_ALPHA
    scale = _SELU_SCALE

    def call(self, z):
        neg = _SELU_SCALE_ALPHA * (np.exp(np.minimum(z, 0.0)) - 1.0)  # 0 for z >= 0
        return neg + _SELU_SCALE * np.maximum(z, 0.0)

    def derivative(self, z, a=None):
        if a is None:
            a = self.call(z)
        below = (a < 0).astype(a.dtype)  # TensorFlow's SeluGrad tests the output
        return (a + _SELU_SCALE_ALPHA) * below + _SELU_SCALE * (1.0 - below)


@_function_of(SELU)
def selu(x):
    """Scaled exponential linear unit: ``selu(x) = scale * (x if x > 0 else alpha * (exp(x) - 1))``,
    ``alpha = 1.67326324``, ``scale = 1.05070098``."""
    return SELU()(x)


@REG.register("softplus")
class Softplus(ActivationFunction):
    """``f(z) = log(1 + exp(z))``, computed as ``max(z, 0) + log1p(exp(-|z|))``;
    ``f'(z) = sigmoid(z)``."""

    name = "softplus"

    def call(self, z):
        return _softplus(z)

    def derivative(self, z, a=None):
        return stable_sigmoid(z)


@_function_of(Softplus)
def softplus(x):
    """Softplus: ``softplus(x) = log(exp(x) + 1)``, never overflowing."""
    return Softplus()(x)


@REG.register("softsign")
class Softsign(ActivationFunction):
    """``f(z) = z / (1 + |z|)``; ``f'(z) = 1 / (1 + |z|)^2``."""

    name = "softsign"

    def call(self, z):
        return z / (np.abs(z) + 1.0)

    def derivative(self, z, a=None):
        r = 1.0 / (np.abs(z) + 1.0)
        return r * r


@_function_of(Softsign)
def softsign(x):
    """Softsign: ``softsign(x) = x / (abs(x) + 1)``."""
    return Softsign()(x)


@REG.register("silu", "swish")
class SiLU(ActivationFunction):
    """Sigmoid-weighted linear unit (swish) ``f(z) = z sigmoid(z)``;
    ``f'(z) = s (1 + z (1 - s))`` with ``s = sigmoid(z)``."""

    name = "silu"

    def call(self, z):
        return z * stable_sigmoid(z)

    def derivative(self, z, a=None):
        s = stable_sigmoid(z)
        return s * (1.0 + z * (1.0 - s))


@_function_of(SiLU)
def silu(x):
    """Swish / SiLU: ``silu(x) = x * sigmoid(x)``."""
    return SiLU()(x)


swish = silu


@REG.register("hard_silu", "hard_swish")
class HardSiLU(ActivationFunction):
    """Hard swish ``f(z) = z * hard_sigmoid(z)``: 0 for ``z <= -3``, ``z`` for ``z >= 3``,
    ``z (z + 3) / 6`` between.  ``f'(z) = hard_sigmoid(z) + z * hard_sigmoid'(z)``, i.e.
    ``(2 z + 3) / 6`` inside (-3, 3), 0 below, 1 above (1 at ``z = 3``, 0 at ``z = -3``)."""

    name = "hard_silu"

    def call(self, z):
        return z * (np.clip(z + 3.0, 0.0, 6.0) / 6.0)

    def derivative(self, z, a=None):
        t = z + 3.0
        inside = ((t > 0) & (t < 6)).astype(z.dtype)
        return np.clip(t, 0.0, 6.0) / 6.0 + z * inside / 6.0


@_function_of(HardSiLU)
def hard_silu(x):
    """Hard SiLU / hard swish: ``hard_silu(x) = x * relu6(x + 3) / 6``."""
    return HardSiLU()(x)


hard_swish = hard_silu

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = math.sqrt(2.0 / math.pi)  # 0.7978845608028654
_GELU_K = 0.044715


@REG.register("gelu")
class GELU(ActivationFunction):
    """Gaussian error linear unit.

    Exact (Keras's default, ``approximate=False``): ``f(z) = z Phi(z) = z/2 (1 + erf(z/sqrt 2))``,
    ``f'(z) = Phi(z) + z phi(z)`` with ``phi(z) = exp(-z^2/2) / sqrt(2 pi)``.  glassnet evaluates
    ``1 + erf(z/sqrt 2)`` as ``erfc(-z/sqrt 2)``, so the far negative tail keeps its digits.

    Approximate: ``f(z) = z/2 (1 + tanh(u))``, ``u = sqrt(2/pi) (z + 0.044715 z^3)``,
    ``f'(z) = (1 + tanh u)/2 + z/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 z^2)``, with
    ``1 + tanh u`` and ``1 - tanh^2 u`` formed from ``exp(-2|u|)`` so the tails keep their digits.
    """

    name = "gelu"

    def __init__(self, approximate=False):
        self.approximate = _check_bool(approximate, "approximate", "gelu")

    def get_config(self):
        return {"approximate": self.approximate}

    @staticmethod
    def _tanh_parts(z):
        """``(1 + tanh u, 1 - tanh^2 u, z clipped)`` for the tanh approximation, from
        ``e = exp(-2|u|)``: ``1 + tanh u = 2/(1+e)`` (u >= 0) or ``2e/(1+e)`` (u < 0) and
        ``1 - tanh^2 u = 4e/(1+e)^2``, so neither cancels in the tails."""
        # beyond |z| = 25, e underflows to 0 even in float64: clipping keeps z**3 finite
        # without changing any value.
        zc = np.clip(z, -25.0, 25.0)
        u = _GELU_C * (zc + _GELU_K * (zc * zc * zc))
        e = np.exp(-2.0 * np.abs(u))
        r = 1.0 / (1.0 + e)
        one_plus_t = 2.0 * np.maximum(e, u >= 0) * r
        return one_plus_t, 4.0 * e * (r * r), zc

    def call(self, z):
        if self.approximate:
            one_plus_t, _, _ = self._tanh_parts(z)
            return 0.5 * z * one_plus_t
        return 0.5 * z * _erfc(-z / _SQRT_2)

    def derivative(self, z, a=None):
        if self.approximate:
            one_plus_t, sech2, zc = self._tanh_parts(z)
            return 0.5 * one_plus_t + 0.5 * zc * sech2 * _GELU_C * (1.0 + 3.0 * _GELU_K * zc * zc)
        zc = np.clip(z, -40.0, 40.0)  # phi(40) underflows to 0 even in float64
        return 0.5 * _erfc(-z / _SQRT_2) + zc * (np.exp(-0.5 * zc * zc) * _INV_SQRT_2PI)


@_function_of(GELU)
def gelu(x, approximate=False):
    """Gaussian error linear unit: ``gelu(x) = x * P(X <= x), X ~ N(0, 1)``, i.e.
    ``0.5 x (1 + erf(x / sqrt 2))``; with ``approximate=True``,
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    return GELU(approximate)(x)


@REG.register("exponential")
class Exponential(ActivationFunction):
    """``f(z) = exp(z)``; ``f'(z) = exp(z) = a``.  Overflows to ``inf`` (without a warning)
    for ``z`` above about 88.7 in float32, as TensorFlow does."""

    name = "exponential"

    def call(self, z):
        with np.errstate(over="ignore"):
            return np.exp(z)

    def derivative(self, z, a=None):
        return self.call(z) if a is None else a


@_function_of(Exponential)
def exponential(x):
    """Exponential activation: ``exponential(x) = exp(x)``."""
    return Exponential()(x)


@REG.register("mish")
class Mish(ActivationFunction):
    """``f(z) = z tanh(softplus(z))``;
    ``f'(z) = tanh(sp) + z (1 - tanh^2(sp)) sigmoid(z)`` with ``sp = softplus(z)``."""

    name = "mish"

    def call(self, z):
        return z * np.tanh(_softplus(z))

    def derivative(self, z, a=None):
        t = np.tanh(_softplus(z))
        return t + z * (1.0 - t * t) * stable_sigmoid(z)


@_function_of(Mish)
def mish(x):
    """Mish: ``mish(x) = x * tanh(softplus(x))``."""
    return Mish()(x)


@REG.register("log_sigmoid")
class LogSigmoid(ActivationFunction):
    """``f(z) = log(sigmoid(z)) = -softplus(-z)``; ``f'(z) = sigmoid(-z) = 1 - sigmoid(z)``."""

    name = "log_sigmoid"

    def call(self, z):
        return -_softplus(-z)

    def derivative(self, z, a=None):
        return stable_sigmoid(-z)


@_function_of(LogSigmoid)
def log_sigmoid(x):
    """Log-sigmoid: ``log_sigmoid(x) = log(1 / (1 + exp(-x))) = -softplus(-x)``."""
    return LogSigmoid()(x)


@REG.register("celu")
class CELU(ActivationFunction):
    """Continuously differentiable ELU ``f(z) = max(z, 0) + alpha expm1(min(z, 0) / alpha)``.

    ``f'(z) = 1 for z > 0, exp(z / alpha) for z < 0``.  At exactly ``z = 0`` TensorFlow's
    gradients of ``max`` and ``min`` both pass (ties go to ``z``), giving ``f'(0) = 2``; glassnet
    returns the same.  ``alpha`` must be > 0.
    """

    name = "celu"

    def __init__(self, alpha=1.0):
        self.alpha = check_float(alpha, "alpha", "celu", low=0.0, low_inclusive=False)

    def get_config(self):
        return {"alpha": self.alpha}

    def call(self, z):
        return np.maximum(z, 0.0) + self.alpha * np.expm1(np.minimum(z, 0.0) / self.alpha)

    def derivative(self, z, a=None):
        e = np.exp(np.minimum(z, 0.0) / self.alpha)
        return (z >= 0).astype(z.dtype) + e * (z <= 0)


@_function_of(CELU)
def celu(x, alpha=1.0):
    """CELU: ``celu(x) = x if x >= 0 else alpha * (exp(x / alpha) - 1)``."""
    return CELU(alpha)(x)


@REG.register("hard_tanh")
class HardTanh(ActivationFunction):
    """``f(z) = clip(z, -1, 1)``; ``f'(z) = 1 for -1 <= z <= 1`` (ends included, as TensorFlow's
    clip gradient) else 0."""

    name = "hard_tanh"

    def call(self, z):
        return np.clip(z, -1.0, 1.0)

    def derivative(self, z, a=None):
        return ((z >= -1) & (z <= 1)).astype(z.dtype)


@_function_of(HardTanh)
def hard_tanh(x):
    """Hard tanh: ``hard_tanh(x) = -1 if x < -1, x if -1 <= x <= 1, 1 if x > 1``."""
    return HardTanh()(x)


@REG.register("tanh_shrink")
class TanhShrink(ActivationFunction):
    """``f(z) = z - tanh(z)``; ``f'(z) = tanh(z)^2``."""

    name = "tanh_shrink"

    def call(self, z):
        return z - np.tanh(z)

    def derivative(self, z, a=None):
        t = np.tanh(z)
        return t * t


@_function_of(TanhShrink)
def tanh_shrink(x):
    """Tanh shrink: ``tanh_shrink(x) = x - tanh(x)``."""
    return TanhShrink()(x)


@REG.register("squareplus")
class Squareplus(ActivationFunction):
    """``f(z) = (z + sqrt(z^2 + b)) / 2``; ``f'(z) = (1 + z / sqrt(z^2 + b)) / 2``.

    ``sqrt(z^2 + b)`` is computed as ``hypot(z, sqrt(b))``, which cannot overflow.  ``b >= 0``
    (Keras's default 4); with ``b = 0`` it is ``relu`` and ``f'(0)`` is taken as 1/2.
    """

    name = "squareplus"

    def __init__(self, b=4):
        self.b = check_float(b, "b", "squareplus", low=0.0)
        self._root_b = math.sqrt(self.b)

    def get_config(self):
        return {"b": self.b}

    def call(self, z):
        # halves first: identical to (z + h) / 2 in floating point, but cannot overflow
        return 0.5 * z + 0.5 * np.hypot(z, self._root_b)

    def derivative(self, z, a=None):
        h = np.hypot(z, self._root_b)
        ratio = np.divide(z, h, out=np.zeros_like(z), where=h > 0)
        return (1.0 + ratio) / 2.0


@_function_of(Squareplus)
def squareplus(x, b=4):
    """Squareplus: ``squareplus(x) = (x + sqrt(x^2 + b)) / 2``, ``b`` the smoothness."""
    return Squareplus(b)(x)


@REG.register("hard_shrink")
class HardShrink(ActivationFunction):
    """``f(z) = z if |z| > threshold else 0``; ``f'(z) = [|z| > threshold]``."""

    name = "hard_shrink"

    def __init__(self, threshold=0.5):
        self.threshold = check_float(threshold, "threshold", "hard_shrink", low=0.0)

    def get_config(self):
        return {"threshold": self.threshold}

    def call(self, z):
        return np.where(np.abs(z) > self.threshold, z, 0.0)

    def derivative(self, z, a=None):
        return (np.abs(z) > self.threshold).astype(z.dtype)


@_function_of(HardShrink)
def hard_shrink(x, threshold=0.5):
    """Hard shrink: ``hard_shrink(x) = x if |x| > threshold else 0``."""
    return HardShrink(threshold)(x)


@REG.register("soft_shrink")
class SoftShrink(ActivationFunction):
    """``f(z) = z - threshold if z > threshold, z + threshold if z < -threshold, else 0``;
    ``f'(z) = [|z| > threshold]``."""

    name = "soft_shrink"

    def __init__(self, threshold=0.5):
        self.threshold = check_float(threshold, "threshold", "soft_shrink", low=0.0)

    def get_config(self):
        return {"threshold": self.threshold}

    def call(self, z):
        t = self.threshold
        return np.where(z > t, z - t, np.where(z < -t, z + t, 0.0))

    def derivative(self, z, a=None):
        return (np.abs(z) > self.threshold).astype(z.dtype)


@_function_of(SoftShrink)
def soft_shrink(x, threshold=0.5):
    """Soft shrink: ``soft_shrink(x) = sign(x) * max(|x| - threshold, 0)``."""
    return SoftShrink(threshold)(x)


@REG.register("sparse_plus")
class SparsePlus(ActivationFunction):
    """``f(z) = 0 for z <= -1, (z + 1)^2 / 4 for -1 < z < 1, z for z >= 1``;
    ``f'(z) = 0, (z + 1) / 2, 1`` on the same pieces."""

    name = "sparse_plus"

    def call(self, z):
        u = np.clip(z, -1.0, 1.0) + 1.0  # the clip only bites where the square is not used
        return np.where(z <= -1, 0.0, np.where(z < 1, 0.25 * (u * u), z))

    def derivative(self, z, a=None):
        return np.where(z <= -1, 0.0, np.where(z < 1, 0.5 * (z + 1.0), 1.0))


@_function_of(SparsePlus)
def sparse_plus(x):
    """SparsePlus: ``0`` for ``x <= -1``, ``(x + 1)^2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    return SparsePlus()(x)


@REG.register("sparse_sigmoid")
class SparseSigmoid(ActivationFunction):
    """``f(z) = 0 for z <= -1, (z + 1) / 2 for -1 < z < 1, 1 for z >= 1``;
    ``f'(z) = 1/2`` strictly inside (-1, 1), else 0."""

    name = "sparse_sigmoid"

    def call(self, z):
        return np.where(z <= -1, 0.0, np.where(z >= 1, 1.0, 0.5 * (z + 1.0)))

    def derivative(self, z, a=None):
        return ((z > -1) & (z < 1)).astype(z.dtype) * 0.5


@_function_of(SparseSigmoid)
def sparse_sigmoid(x):
    """Sparse sigmoid: ``clip((x + 1) / 2, 0, 1)``."""
    return SparseSigmoid()(x)


@REG.register("threshold")
class Threshold(ActivationFunction):
    """``f(z) = z if z > threshold else default_value``; ``f'(z) = [z > threshold]``.

    Both arguments are required, as in Keras.
    """

    name = "threshold"

    def __init__(self, threshold=None, default_value=None):
        if threshold is None or default_value is None:
            raise ValueError(
                "threshold: threshold and default_value are both required (e.g. "
                "Threshold(threshold=0.0, default_value=-1.0)), got "
                f"threshold={threshold!r}, default_value={default_value!r}"
            )
        self.threshold = check_float(threshold, "threshold", "threshold")
        self.default_value = check_float(default_value, "default_value", "threshold")

    def get_config(self):
        return {"threshold": self.threshold, "default_value": self.default_value}

    def call(self, z):
        return np.where(z > self.threshold, z, self.default_value)

    def derivative(self, z, a=None):
        return (z > self.threshold).astype(z.dtype)


@_function_of(Threshold)
def threshold(x, threshold, default_value):
    """Threshold: ``threshold(x) = x if x > threshold else default_value``."""
    return Threshold(threshold, default_value)(x)


# =============================================================================== along an axis
def _warn_size_one(z, axis, where):
    if isinstance(axis, int) and z.ndim and z.shape[axis] == 1:
        warnings.warn(
            f"{where} over axis {axis} of an input of shape {z.shape}: that axis has size 1, "
            f"so the result is constant; did you mean sigmoid?",
            stacklevel=4,
        )


@REG.register("softmax")
class Softmax(ActivationFunction):
    """``a_i = exp(z_i - m) / sum_j exp(z_j - m)`` along ``axis``, ``m = max_j z_j`` (stable).

    Not elementwise: ``backward(g, z, a) = a * (g - sum(g * a, axis))``, the vector-Jacobian
    product with ``J_ij = a_i (delta_ij - a_j)``.  ``axis`` is an int, a tuple of ints, or
    ``None`` (all elements).
    """

    name = "softmax"
    elementwise = False

    def __init__(self, axis=-1):
        self.axis = _check_axis(axis, self.name)

    def get_config(self):
        return {"axis": self.axis}

    def call(self, z):
        axis = _resolve_axis(self.axis, z.ndim, self.name)
        _warn_size_one(z, axis, self.name)
        e = np.exp(z - np.max(z, axis=axis, keepdims=True))
        e /= np.sum(e, axis=axis, keepdims=True)
        return e

    def derivative(self, z, a=None):
        raise NotImplementedError(
            f"{self.name} is not elementwise (its Jacobian is a matrix per row); "
            f"use backward(grad_a, z, a) for the vector-Jacobian product"
        )

    def backward(self, grad_a, z, a=None):
        if a is None:
            a = self.call(z)
        axis = _resolve_axis(self.axis, a.ndim, self.name)
        return a * (grad_a - np.sum(grad_a * a, axis=axis, keepdims=True))


@_function_of(Softmax)
def softmax(x, axis=-1):
    """Softmax along ``axis``: ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``, computed as
    ``exp(x_i - max x) / sum_j exp(x_j - max x)``; each slice sums to 1."""
    return Softmax(axis)(x)


@REG.register("log_softmax")
class LogSoftmax(ActivationFunction):
    """``a_i = z_i - m - log(sum_j exp(z_j - m))`` along ``axis``, ``m = max_j z_j``.

    Not elementwise: ``backward(g, z, a) = g - exp(a) * sum(g, axis)`` (``exp(a)`` is the softmax).
    """

    name = "log_softmax"
    elementwise = False

    def __init__(self, axis=-1):
        self.axis = _check_axis(axis, self.name)

    def get_config(self):
        return {"axis": self.axis}

    def call(self, z):
        axis = _resolve_axis(self.axis, z.ndim, self.name)
        shifted = z - np.max(z, axis=axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    derivative = Softmax.derivative

    def backward(self, grad_a, z, a=None):
        if a is None:
            a = self.call(z)
        axis = _resolve_axis(self.axis, a.ndim, self.name)
        return grad_a - np.exp(a) * np.sum(grad_a, axis=axis, keepdims=True)


@_function_of(LogSoftmax)
def log_softmax(x, axis=-1):
    """Log-softmax along ``axis``: ``log_softmax(x) = x - max(x) - log(sum(exp(x - max(x))))``."""
    return LogSoftmax(axis)(x)


@REG.register("glu")
class GLU(ActivationFunction):
    """Gated linear unit: split ``z`` into halves ``(u, v)`` along ``axis``; ``f(z) = u sigmoid(v)``.

    The output has half of ``z``'s size along ``axis``.  ``backward(g) = concat(g s,
    g u s (1 - s))`` with ``s = sigmoid(v)``.
    """

    name = "glu"
    elementwise = False

    def __init__(self, axis=-1):
        self.axis = _check_axis(axis, self.name, allow_none=False)

    def get_config(self):
        return {"axis": self.axis}

    def _halves(self, z):
        axis = _resolve_axis(self.axis, z.ndim, self.name)
        if z.shape[axis] % 2:
            raise ValueError(
                f"glu: the size of axis {self.axis} must be even to split x into two halves, "
                f"got shape {z.shape}"
            )
        return axis, np.split(z, 2, axis=axis)

    def call(self, z):
        _, (u, v) = self._halves(z)
        return u * stable_sigmoid(v)

    derivative = Softmax.derivative

    def backward(self, grad_a, z, a=None):
        axis, (u, v) = self._halves(z)
        s = stable_sigmoid(v)
        gs = grad_a * s
        return np.concatenate([gs, gs * u * (1.0 - s)], axis=axis)


@_function_of(GLU)
def glu(x, axis=-1):
    """Gated linear unit: ``glu(x) = u * sigmoid(v)`` where ``(u, v)`` split ``x`` along ``axis``."""
    return GLU(axis)(x)


# =============================================================================== registry
_DEFAULT_CONFIGS: dict = {}


def _default_config(cls):
    """The config of ``cls()`` (None when ``cls`` has required arguments)."""
    if cls not in _DEFAULT_CONFIGS:
        try:
            _DEFAULT_CONFIGS[cls] = cls().get_config()
        except (TypeError, ValueError):
            _DEFAULT_CONFIGS[cls] = None
    return _DEFAULT_CONFIGS[cls]


def _check_differentiable(act):
    cls = type(act)
    if cls.derivative is ActivationFunction.derivative and cls.backward is ActivationFunction.backward:
        raise TypeError(
            f"activation {cls.__name__} defines neither derivative(z, a) nor backward(grad_a, z, a); "
            f"a custom activation must subclass glassnet.activations.ActivationFunction and "
            f"define derivative (or backward) so that it can be trained"
        )
    return act


def get(identifier) -> ActivationFunction:
    """Resolve an activation identifier to an :class:`ActivationFunction`.

    ``None`` -> ``Linear()``; a name (``'relu'``, ``'swish'``; unknown names raise ``ValueError``
    listing the valid ones); a config dict (see :func:`deserialize`); a glassnet module-level
    function such as ``glassnet.activations.relu`` -> ``ReLU()``; an :class:`ActivationFunction`
    instance -> itself (a subclass -> an instance).  A plain Python callable raises
    ``TypeError``: training needs its derivative.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, ActivationFunction):
        return _check_differentiable(identifier)
    if isinstance(identifier, str):
        return REG.get(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, ActivationFunction):
        return _check_differentiable(identifier())
    if callable(identifier):
        cls = _FUNCTION_CLASSES.get(identifier)
        if cls is not None:
            return cls()
        name = getattr(identifier, "__name__", type(identifier).__name__)
        raise TypeError(
            f"activation {name!r} is a plain Python callable, so glassnet does not know its "
            f"derivative; a custom activation must subclass glassnet.activations.ActivationFunction "
            f"and define derivative(z, a) (or backward(grad_a, z, a) if it is not elementwise)"
        )
    raise ValueError(
        f"Could not interpret activation function identifier: expected None, a name such as "
        f"'relu', a config dict or an ActivationFunction, got {type(identifier).__name__} "
        f"{identifier!r}"
    )


def serialize(activation):
    """The activation's name (``'relu'``), as Keras writes it in a layer config.

    An activation with non-default hyper-parameters (``ReLU(max_value=6.0)``) or an unregistered
    custom class serializes to Keras's dict form ``{"module", "class_name", "config",
    "registered_name"}`` instead, so nothing is lost.
    """
    act = get(activation)
    cls = type(act)
    if act.name in REG and REG.lookup(act.name) is cls and act.get_config() == _default_config(cls):
        return act.name
    return REG.serialize(act)


def deserialize(config, custom_objects=None) -> ActivationFunction:
    """Inverse of :func:`serialize`: a name string or a dict.

    Accepted dicts: glassnet's/Keras's class form ``{"class_name": "ReLU", "config": {...}}``
    and Keras's form for a built-in function ``{"class_name": "function", "config": "relu"}``.
    ``custom_objects`` maps extra names to :class:`ActivationFunction` classes or instances.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return get(custom_objects[config])
        return REG.get(config)
    if isinstance(config, dict):
        class_name = config.get("class_name")
        if class_name == "function":
            return deserialize(config.get("config"), custom_objects)
        if class_name in custom_objects:
            obj = custom_objects[class_name]
            inner = config.get("config") or {}
            if isinstance(obj, type):
                return _check_differentiable(obj.from_config(inner))
            return get(obj)
        return _check_differentiable(REG.deserialize(config))
    raise ValueError(
        f"activations.deserialize: config must be a name string or a dict, got "
        f"{type(config).__name__} {config!r}"
    )
