"""keras.ops.nn: activations, ``softmax`` / ``log_softmax``, ``one_hot`` / ``multi_hot``,
``moments``, ``normalize`` and the crossentropies.

The activations reuse ``glassnet.activations``'s formulas and derivatives (recorded through
``autodiff.call_activation``), so their numbers are those of the built-in layers.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import activations as _act
from .. import config
from ..autodiff import call_activation, plain
from .core import as_float_array, cast, float_operand, operand, resolve_dtype
from .numpy_elementwise import (add, clip, divide, exp, log, log1p, maximum, minimum, multiply, negative,
                                square, subtract, where)
from .numpy_arrays import expand_dims
from .numpy_reductions import mean, norm, sum, var
from .math import rsqrt
from .symbolic_dispatch import symbolic_aware

__all__ = [
    "sigmoid", "relu", "relu6", "elu", "selu", "gelu", "softplus", "softsign", "silu", "swish",
    "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "celu", "hard_tanh",
    "tanh_shrink", "soft_shrink", "hard_shrink", "squareplus", "sparse_plus", "glu", "softmax",
    "log_softmax", "one_hot", "normalize", "moments", "multi_hot", "sparse_sigmoid", "threshold",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
]


# =============================================================================== activations
def _activation(act, x):
    """Apply a glassnet ActivationFunction ``a = f(z)``; VJP: ``act.backward(g, z, a)`` (the
    built-in layers' own derivative, so numbers match them)."""
    return call_activation(act, float_operand(x))


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


# =============================================================================== encodings, moments
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
    out = (idx[..., None] == np.arange(int(num_classes))).astype(resolve_dtype(dtype))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order, axis), epsilon)`` (``epsilon`` defaults to ``config.epsilon()``);
    for ``order=2`` computed as Keras does: ``x * min(1/sqrt(sum x^2), 1/epsilon)``."""
    if not isinstance(order, numbers.Integral) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}")
    eps = config.epsilon() if epsilon is None else epsilon
    x = as_float_array(x)
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


def sparse_sigmoid(x):
    """0 for x <= -1, ``(x + 1) / 2`` for |x| < 1, 1 for x >= 1."""
    return _activation(_act.SparseSigmoid(), x)


def threshold(x, threshold, default_value):
    """``x`` where x > threshold, else ``default_value``.  d/dx = 1 where x > threshold."""
    return _activation(_act.Threshold(threshold, default_value), x)


# =============================================================================== losses
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no mean), as keras.ops on TensorFlow.

    Probabilities: ``p = clip(output, eps, 1 - eps)``, ``-(t log p + (1 - t) log(1 - p))``.
    Logits ``x``: ``max(x, 0) - x t + log(1 + e^-|x|)`` (d/dx = sigmoid(x) - t everywhere).
    Composed from recorded operations.
    """
    target, output = operand(target), as_float_array(output)
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
    target, output = operand(target), as_float_array(output)
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
    output = as_float_array(output)
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


for _name in __all__:   # a call with a symbolic tensor goes to the registered handler
    globals()[_name] = symbolic_aware(globals()[_name])
del _name
