"""The smooth and piecewise activations of later papers: softplus, softsign, SiLU/swish, GELU, mish,
CELU, the shrinks, squareplus, sparse plus/sigmoid, threshold and others.  Each is a class (value
``call`` and ``derivative`` side by side) and Keras's function."""
from __future__ import annotations

import math

import numpy as np

from .._validation import check_float
from .base import REG, ActivationFunction, check_bool_argument, erfc, function_of, softplus_kernel, stable_sigmoid


@REG.register("softplus")
class Softplus(ActivationFunction):
    """``f(z) = log(1 + exp(z))``, computed as ``max(z, 0) + log1p(exp(-|z|))``;
    ``f'(z) = sigmoid(z)``."""

    name = "softplus"

    def call(self, z):
        return softplus_kernel(z)

    def derivative(self, z, a=None):
        return stable_sigmoid(z)


@function_of(Softplus)
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


@function_of(Softsign)
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


@function_of(SiLU)
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


@function_of(HardSiLU)
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
        self.approximate = check_bool_argument(approximate, "approximate", "gelu")

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
        return 0.5 * z * erfc(-z / _SQRT_2)

    def derivative(self, z, a=None):
        if self.approximate:
            one_plus_t, sech2, zc = self._tanh_parts(z)
            return 0.5 * one_plus_t + 0.5 * zc * sech2 * _GELU_C * (1.0 + 3.0 * _GELU_K * zc * zc)
        zc = np.clip(z, -40.0, 40.0)  # phi(40) underflows to 0 even in float64
        return 0.5 * erfc(-z / _SQRT_2) + zc * (np.exp(-0.5 * zc * zc) * _INV_SQRT_2PI)


@function_of(GELU)
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


@function_of(Exponential)
def exponential(x):
    """Exponential activation: ``exponential(x) = exp(x)``."""
    return Exponential()(x)


@REG.register("mish")
class Mish(ActivationFunction):
    """``f(z) = z tanh(softplus(z))``;
    ``f'(z) = tanh(sp) + z (1 - tanh^2(sp)) sigmoid(z)`` with ``sp = softplus(z)``."""

    name = "mish"

    def call(self, z):
        return z * np.tanh(softplus_kernel(z))

    def derivative(self, z, a=None):
        t = np.tanh(softplus_kernel(z))
        return t + z * (1.0 - t * t) * stable_sigmoid(z)


@function_of(Mish)
def mish(x):
    """Mish: ``mish(x) = x * tanh(softplus(x))``."""
    return Mish()(x)


@REG.register("log_sigmoid")
class LogSigmoid(ActivationFunction):
    """``f(z) = log(sigmoid(z)) = -softplus(-z)``; ``f'(z) = sigmoid(-z) = 1 - sigmoid(z)``."""

    name = "log_sigmoid"

    def call(self, z):
        return -softplus_kernel(-z)

    def derivative(self, z, a=None):
        return stable_sigmoid(-z)


@function_of(LogSigmoid)
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


@function_of(CELU)
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


@function_of(HardTanh)
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


@function_of(TanhShrink)
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


@function_of(Squareplus)
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


@function_of(HardShrink)
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


@function_of(SoftShrink)
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


@function_of(SparsePlus)
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


@function_of(SparseSigmoid)
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


@function_of(Threshold)
def threshold(x, threshold, default_value):
    """Threshold: ``threshold(x) = x if x > threshold else default_value``."""
    return Threshold(threshold, default_value)(x)
