"""The classic activations: linear, step, sigmoid, hard sigmoid, tanh and the ReLU family
(ReLU, ReLU6, leaky ReLU, ELU, SELU).  Each is a class (value ``call`` and ``derivative`` side by
side) and Keras's function."""
from __future__ import annotations

import numpy as np

from .._validation import check_float
from .base import REG, ActivationFunction, as_float, function_of, leaky, leaky_derivative, ones_of, stable_sigmoid


# =============================================================================== activations
@REG.register("linear")
class Linear(ActivationFunction):
    """Identity: ``f(z) = z``, ``f'(z) = 1``."""

    name = "linear"

    def call(self, z):
        return z

    def derivative(self, z, a=None):
        return ones_of(z)

    def backward(self, grad_a, z, a=None):
        return grad_a


@function_of(Linear)
def linear(x):
    """Linear (identity) activation: ``linear(x) = x``."""
    return as_float(x, "linear")


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


@function_of(Step)
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


@function_of(Sigmoid)
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


@function_of(HardSigmoid)
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


@function_of(Tanh)
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
        self.leaky = self.negative_slope != 0 and self.max_value is None and self.threshold == 0

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
        if self.leaky:
            return leaky(z, s)
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
        if self.leaky:
            return leaky_derivative(z, s)
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


@function_of(ReLU)
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


@function_of(ReLU6)
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
        return leaky(z, self.negative_slope)

    def derivative(self, z, a=None):
        return leaky_derivative(z, self.negative_slope)


@function_of(LeakyReLU)
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


@function_of(ELU)
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


@function_of(SELU)
def selu(x):
    """Scaled exponential linear unit: ``selu(x) = scale * (x if x > 0 else alpha * (exp(x) - 1))``,
    ``alpha = 1.67326324``, ``scale = 1.05070098``."""
    return SELU()(x)
