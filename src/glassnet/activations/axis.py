"""Activations along an axis: softmax, log-softmax and GLU (``backward`` instead of an elementwise
``derivative``)."""
from __future__ import annotations

import warnings

import numpy as np

from .base import REG, ActivationFunction, check_axis, function_of, resolve_axis, stable_sigmoid


# =============================================================================== along an axis
def _warn_size_one(z, axis, where):
    if isinstance(axis, int) and z.ndim and z.shape[axis] == 1:
        warnings.warn(
            f"{where} over axis {axis} of an input of shape {z.shape}: that axis has size 1, "
            f"so the result is constant; did you mean sigmoid?",
            stacklevel=4,
        )


class _AlongAxis(ActivationFunction):
    """An activation over an ``axis`` (config ``{'axis': ...}``): a vector-Jacobian ``backward``,
    no elementwise derivative."""

    elementwise = False
    _axis_may_be_none = True

    def __init__(self, axis=-1):
        self.axis = check_axis(axis, self.name, allow_none=self._axis_may_be_none)

    def get_config(self):
        return {"axis": self.axis}

    def derivative(self, z, a=None):
        raise NotImplementedError(
            f"{self.name} is not elementwise (its Jacobian is a matrix per row); "
            f"use backward(grad_a, z, a) for the vector-Jacobian product"
        )


@REG.register("softmax")
class Softmax(_AlongAxis):
    """``a_i = exp(z_i - m) / sum_j exp(z_j - m)`` along ``axis``, ``m = max_j z_j`` (stable).

    Not elementwise: ``backward(g, z, a) = a * (g - sum(g * a, axis))``, the vector-Jacobian
    product with ``J_ij = a_i (delta_ij - a_j)``.  ``axis`` is an int, a tuple of ints, or
    ``None`` (all elements).
    """

    name = "softmax"

    def call(self, z):
        axis = resolve_axis(self.axis, z.ndim, self.name)
        _warn_size_one(z, axis, self.name)
        e = np.exp(z - np.max(z, axis=axis, keepdims=True))
        e /= np.sum(e, axis=axis, keepdims=True)
        return e

    def backward(self, grad_a, z, a=None):
        if a is None:
            a = self.call(z)
        axis = resolve_axis(self.axis, a.ndim, self.name)
        return a * (grad_a - np.sum(grad_a * a, axis=axis, keepdims=True))


@function_of(Softmax)
def softmax(x, axis=-1):
    """Softmax along ``axis``: ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``, computed as
    ``exp(x_i - max x) / sum_j exp(x_j - max x)``; each slice sums to 1."""
    return Softmax(axis)(x)


@REG.register("log_softmax")
class LogSoftmax(_AlongAxis):
    """``a_i = z_i - m - log(sum_j exp(z_j - m))`` along ``axis``, ``m = max_j z_j``.

    Not elementwise: ``backward(g, z, a) = g - exp(a) * sum(g, axis)`` (``exp(a)`` is the softmax).
    """

    name = "log_softmax"

    def call(self, z):
        axis = resolve_axis(self.axis, z.ndim, self.name)
        shifted = z - np.max(z, axis=axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def backward(self, grad_a, z, a=None):
        if a is None:
            a = self.call(z)
        axis = resolve_axis(self.axis, a.ndim, self.name)
        return grad_a - np.exp(a) * np.sum(grad_a, axis=axis, keepdims=True)


@function_of(LogSoftmax)
def log_softmax(x, axis=-1):
    """Log-softmax along ``axis``: ``log_softmax(x) = x - max(x) - log(sum(exp(x - max(x))))``."""
    return LogSoftmax(axis)(x)


@REG.register("glu")
class GLU(_AlongAxis):
    """Gated linear unit: split ``z`` into halves ``(u, v)`` along ``axis``; ``f(z) = u sigmoid(v)``.

    The output has half of ``z``'s size along ``axis``.  ``backward(g) = concat(g s,
    g u s (1 - s))`` with ``s = sigmoid(v)``.
    """

    name = "glu"
    _axis_may_be_none = False

    def _halves(self, z):
        axis = resolve_axis(self.axis, z.ndim, self.name)
        if z.shape[axis] % 2:
            raise ValueError(
                f"glu: the size of axis {self.axis} must be even to split x into two halves, "
                f"got shape {z.shape}"
            )
        return axis, np.split(z, 2, axis=axis)

    def call(self, z):
        _, (u, v) = self._halves(z)
        return u * stable_sigmoid(v)

    def backward(self, grad_a, z, a=None):
        axis, (u, v) = self._halves(z)
        s = stable_sigmoid(v)
        gs = grad_a * s
        return np.concatenate([gs, gs * u * (1.0 - s)], axis=axis)


@function_of(GLU)
def glu(x, axis=-1):
    """Gated linear unit: ``glu(x) = u * sigmoid(v)`` where ``(u, v)`` split ``x`` along ``axis``."""
    return GLU(axis)(x)
