"""Merging layers: several tensors in, one out (Keras's ``Concatenate``, ``Add``, ``Dot``, ...).

Each takes a list of inputs ``[x_1, ..., x_k]`` and its backward pass returns one gradient per
input::

    Concatenate   y = [x_1 | x_2 | ...] along axis      dC/dx_i = the slice of dC/dy that x_i filled
    Add           y = sum_i x_i                         dC/dx_i = dC/dy
    Subtract      y = x_1 - x_2                         dC/dx_1 = dC/dy,  dC/dx_2 = -dC/dy
    Multiply      y = prod_i x_i                        dC/dx_i = dC/dy * prod_{j != i} x_j
    Average       y = (1/k) sum_i x_i                   dC/dx_i = dC/dy / k
    Maximum       y = max_i x_i (elementwise)           dC/dx_i = dC/dy where x_i was the max (first wins)
    Minimum       y = min_i x_i                         likewise for the min
    Dot           y_n = <x_1n, x_2n> over ``axes``       dC/dx_1 = dC/dy * x_2,  dC/dx_2 = dC/dy * x_1

Inputs of different shapes broadcast as NumPy does (the gradient is summed over broadcast axes).
"""
from __future__ import annotations

import numpy as np

from ..autodiff.tape import unbroadcast as _unbroadcast   # sum a gradient down to an input's shape
from .base import LAYERS, Layer


class Merge(Layer):
    """Base of the merging layers: checks that it gets a list of at least two inputs."""

    min_inputs = 2

    def _check_list(self, inputs, what="inputs"):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self.min_inputs:
            got = f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple)) else type(inputs).__name__
            raise ValueError(f"{type(self).__name__} {self.name!r}: {what} must be a list of at least "
                             f"{self.min_inputs} tensors, got {got}")

    def build(self, input_shape) -> None:
        self._check_list(input_shape, "the input shapes")
        self.compute_output_shape(input_shape)       # raises on incompatible shapes
        self.input_shape = [tuple(s) for s in input_shape]
        self.output_shape = self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        out = shapes[0]
        for s in shapes[1:]:
            out = self._broadcast(out, s, shapes)
        return out

    def _broadcast(self, a, b, shapes):
        if len(a) != len(b):
            raise ValueError(f"{type(self).__name__} {self.name!r}: inputs must have the same rank, got shapes "
                             f"{[(None, *s) for s in shapes]}")
        out = []
        for x, y in zip(a, b):
            if x is None or y is None:
                out.append(x if y in (None, 1) else y)
            elif x == y or y == 1:
                out.append(x)
            elif x == 1:
                out.append(y)
            else:
                raise ValueError(f"{type(self).__name__} {self.name!r}: inputs with incompatible shapes "
                                 f"{[(None, *s) for s in shapes]}")
        return tuple(out)

    def forward(self, inputs, training=False):
        self._check_list(inputs)
        if training:
            self._shapes = [x.shape for x in inputs]
        return self._merge(list(inputs), training)


def _sum(xs):
    """``x_1 + x_2 + ...`` added in order (with broadcasting) into a new array: Add and Average."""
    out = xs[0] + xs[1]
    for x in xs[2:]:
        out = out + x
    return out


@LAYERS.register("Add")
class Add(Merge):
    """y = x_1 + x_2 + ... (elementwise)."""

    def _merge(self, xs, training):
        return _sum(xs)

    def backward(self, grad):
        return [_unbroadcast(grad, s) for s in self._shapes]


@LAYERS.register("Subtract")
class Subtract(Merge):
    """y = x_1 - x_2 (exactly two inputs)."""

    def _check_list(self, inputs, what="inputs"):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Subtract {self.name!r}: {what} must be a list of exactly 2 tensors, got "
                             f"{len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__}")

    def _merge(self, xs, training):
        return xs[0] - xs[1]

    def backward(self, grad):
        return [_unbroadcast(grad, self._shapes[0]), _unbroadcast(-grad, self._shapes[1])]


@LAYERS.register("Multiply")
class Multiply(Merge):
    """y = x_1 * x_2 * ... (elementwise); dC/dx_i = dC/dy * (product of the others)."""

    def _merge(self, xs, training):
        if training:
            self._xs = xs
        out = xs[0] * xs[1]
        for x in xs[2:]:
            out = out * x
        return out

    def backward(self, grad):
        grads = []
        for i, s in enumerate(self._shapes):
            g = grad
            for j, x in enumerate(self._xs):
                if j != i:
                    g = g * x
            grads.append(_unbroadcast(g, s))
        return grads


@LAYERS.register("Average")
class Average(Merge):
    """y = (x_1 + ... + x_k) / k."""

    def _merge(self, xs, training):
        return _sum(xs) / len(xs)

    def backward(self, grad):
        g = grad / len(self._shapes)
        return [_unbroadcast(g, s) for s in self._shapes]


class _Extremum(Merge):
    _pick = None

    def _merge(self, xs, training):
        out = xs[0]
        for x in xs[1:]:
            out = type(self)._pick(out, x)
        if training:
            self._xs, self._out = xs, out
        return out

    def backward(self, grad):
        taken = np.zeros(np.broadcast_shapes(*self._shapes), dtype=bool)
        grads = []
        for x, s in zip(self._xs, self._shapes):
            mine = (x == self._out) & ~taken          # the first input that holds the extremum gets it
            taken |= mine
            grads.append(_unbroadcast(np.where(mine, grad, 0).astype(grad.dtype), s))
        return grads


@LAYERS.register("Maximum")
class Maximum(_Extremum):
    """y = max(x_1, x_2, ...) elementwise; the gradient flows to the input that was largest."""

    _pick = np.maximum


@LAYERS.register("Minimum")
class Minimum(_Extremum):
    """y = min(x_1, x_2, ...) elementwise; the gradient flows to the input that was smallest."""

    _pick = np.minimum


@LAYERS.register("Concatenate")
class Concatenate(Merge):
    """y = the inputs joined along ``axis`` (default the last); backward hands each input its slice."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Concatenate: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def _sample_axis(self, rank):
        """``axis`` as an index into a sample shape (no batch axis)."""
        axis = self.axis if self.axis < 0 else self.axis - 1
        if self.axis == 0 or not -rank <= axis < rank:
            raise ValueError(f"Concatenate {self.name!r}: axis {self.axis} is out of range for inputs of rank "
                             f"{rank + 1}")
        return axis % rank

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ValueError(f"Concatenate {self.name!r}: inputs must have the same rank, got shapes "
                             f"{[(None, *s) for s in shapes]}")
        ax = self._sample_axis(rank)
        for s in shapes[1:]:
            if any(i != ax and a is not None and b is not None and a != b for i, (a, b) in enumerate(zip(shapes[0], s))):
                raise ValueError(f"Concatenate {self.name!r}: inputs must match in every dimension but the "
                                 f"concatenation axis ({self.axis}), got shapes {[(None, *s) for s in shapes]}")
        widths = [s[ax] for s in shapes]
        out = list(shapes[0])
        out[ax] = None if any(w is None for w in widths) else sum(widths)
        return tuple(out)

    def _merge(self, xs, training):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, grad):
        bounds = np.cumsum([s[self.axis] for s in self._shapes])[:-1]
        return np.split(grad, bounds, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


@LAYERS.register("Dot")
class Dot(Merge):
    """y_n = sum over ``axes`` of x_1n * x_2n (per sample), optionally of L2-normalized inputs (cosine).

    For 2-D inputs (n, d): y = sum_k x_1[:, k] x_2[:, k], shape (n, 1); dC/dx_1 = dC/dy * x_2.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(f"Dot: axes must be an integer or a pair of integers, got {axes!r}")
            axes = [int(a) for a in axes]
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _axes(self, ranks):
        axes = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        return [a % r for a, r in zip(axes, ranks)]

    def compute_output_shape(self, input_shape):
        a, b = [(None, *s) for s in input_shape]
        if len(a) != 2 or len(b) != 2:
            raise ValueError(f"Dot {self.name!r}: glassnet supports 2-D inputs (samples, features), got shapes "
                             f"{a} and {b}")
        ax = self._axes([2, 2])
        if ax != [1, 1]:
            raise ValueError(f"Dot {self.name!r}: axes must be 1 (or -1) for 2-D inputs, got {self.axes!r}")
        if a[1] is not None and b[1] is not None and a[1] != b[1]:
            raise ValueError(f"Dot {self.name!r}: the inputs' dot axes differ in size: {a} and {b}")
        return (1,)

    def _check_list(self, inputs, what="inputs"):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Dot {self.name!r}: {what} must be a list of exactly 2 tensors")

    def _merge(self, xs, training):
        x1, x2 = xs
        if self.normalize:
            n1 = np.sqrt(np.maximum(np.sum(x1 * x1, axis=1, keepdims=True), 1e-12))
            n2 = np.sqrt(np.maximum(np.sum(x2 * x2, axis=1, keepdims=True), 1e-12))
            u1, u2 = x1 / n1, x2 / n2
        else:
            n1 = n2 = None
            u1, u2 = x1, x2
        if training:
            self._cache = (x1, x2, n1, n2, u1, u2)
        return np.sum(u1 * u2, axis=1, keepdims=True)

    def backward(self, grad):
        x1, x2, n1, n2, u1, u2 = self._cache
        g1, g2 = grad * u2, grad * u1                     # dC/du_1, dC/du_2
        if self.normalize:                                # u = x / |x|: du/dx = (I - u u^T) / |x|
            g1 = (g1 - u1 * np.sum(g1 * u1, axis=1, keepdims=True)) / n1
            g2 = (g2 - u2 * np.sum(g2 * u2, axis=1, keepdims=True)) / n2
        return [g1, g2]

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _functional(cls, name):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = name
    merge.__doc__ = f"``{name}(inputs, **kwargs)`` = ``{cls.__name__}(**kwargs)(inputs)`` (Keras's function form)."
    return merge


add = _functional(Add, "add")
subtract = _functional(Subtract, "subtract")
multiply = _functional(Multiply, "multiply")
average = _functional(Average, "average")
maximum = _functional(Maximum, "maximum")
minimum = _functional(Minimum, "minimum")


def concatenate(inputs, axis=-1, **kwargs):
    """``concatenate(inputs, axis=-1)`` = ``Concatenate(axis=axis)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``dot(inputs, axes, normalize=False)`` = ``Dot(axes, normalize)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
