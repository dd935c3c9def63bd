"""Shape layers: ``Reshape``, ``Permute`` and ``RepeatVector`` (Keras 3's).

They move numbers around without changing them, so each backward pass is the
inverse movement applied to the gradient:

- ``Reshape(target_shape)``: ``(n, *input_shape) -> (n, *target_shape)`` (one entry may be
  -1, inferred); backward reshapes dC/dy back to the input's shape.
- ``Permute(dims)``: ``y = transpose(x, (0,) + dims)`` with 1-based ``dims``; backward
  transposes dC/dy with the inverse permutation.
- ``RepeatVector(n)``: ``(batch, features) -> (batch, n, features)``, ``y[:, k, :] = x``;
  backward sums over the copies: ``dC/dx = sum_k dC/dy[:, k, :]``.
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import as_tuple
from .base import LAYERS, Layer


@LAYERS.register("Reshape")
class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (no batch axis; at most one -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)) and not isinstance(target_shape, bool):
            target_shape = (target_shape,)
        target_shape = as_tuple(target_shape, "target_shape", "Reshape", "a tuple of integers")
        for d in target_shape:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or (d < 1 and d != -1):
                raise ValueError(f"Reshape: target_shape entries must be positive integers or -1, "
                                 f"got {target_shape!r}")
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError(f"Reshape: target_shape may hold at most one -1, got {target_shape!r}")
        self.target_shape = tuple(int(d) for d in target_shape)
        self._in_shape = None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if any(d is None for d in input_shape):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(input_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise ValueError(f"Reshape {self.name!r}: cannot reshape inputs of shape {input_shape} "
                                 f"({size} values) to target_shape {self.target_shape}")
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(f"Reshape {self.name!r}: cannot reshape inputs of shape {input_shape} "
                             f"({size} values) to target_shape {self.target_shape} ({known} values)")
        return self.target_shape

    def forward(self, x, training=False):
        out = self.compute_output_shape(x.shape[1:])
        if training:
            self._in_shape = x.shape
        return x.reshape((x.shape[0],) + out)

    def backward(self, grad):
        """dC/dx = dC/dy reshaped to the input's shape."""
        return grad.reshape(self._in_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


@LAYERS.register("Permute")
class Permute(Layer):
    """Permute the axes of each sample: ``dims`` is a permutation of ``1..k`` (1-based, as Keras)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = as_tuple(dims, "dims", "Permute", "a tuple of integers")
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims) \
                or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(dims)} (axis 0 is the batch axis), "
                             f"got {dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self._axes = (0,) + self.dims
        self._inverse = tuple(int(i) for i in np.argsort(self._axes))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims):
            raise ValueError(f"Permute {self.name!r}: dims {self.dims} need inputs of rank {len(self.dims)} "
                             f"(batch axis excluded), got input shape {tuple(input_shape)}")
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        if x.ndim != len(self._axes):
            raise ValueError(f"Permute {self.name!r}: expected {len(self._axes)}-D inputs (batch first), "
                             f"got shape {x.shape}")
        return np.transpose(x, self._axes)

    def backward(self, grad):
        """dC/dx = transpose(dC/dy, inverse permutation)."""
        return np.transpose(grad, self._inverse)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


@LAYERS.register("RepeatVector")
class RepeatVector(Layer):
    """Repeat each input vector ``n`` times: ``(batch, features) -> (batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"RepeatVector: n must be an integer, got {type(n).__name__} {n!r}")
        if n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer, got {n!r}")
        self.n = int(n)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"RepeatVector {self.name!r}: expected 2-D inputs (batch, features), got input "
                             f"shape {(None,) + tuple(input_shape)}")
        return (self.n, input_shape[0])

    def forward(self, x, training=False):
        if x.ndim != 2:
            raise ValueError(f"RepeatVector {self.name!r}: expected 2-D inputs (batch, features), got shape {x.shape}")
        return np.repeat(x[:, None, :], self.n, axis=1)

    def backward(self, grad):
        """dC/dx = sum over the n copies of dC/dy."""
        return np.sum(grad, axis=1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
