"""``UnitNormalization``: scale each sample to unit L2 norm along ``axis``.

    r = sum over axis of x^2
    y = x * min(1 / sqrt(r), 1e12)          (Keras 3: ops.normalize with epsilon 1e-12)

Backward, with ``g = dC/dy`` and ``s = 1 / sqrt(r)`` (when the cap is not hit)::

    dC/dx = s * g - s^3 * x * sum over axis of (x * g)

and ``dC/dx = 1e12 * g`` where the cap applies (an all-zero slice).
"""
from __future__ import annotations

import numpy as np

from .base import LAYERS, Layer
from .layer_normalization import _axis_arg, _positive_axes

_CAP = 1e12   # 1 / epsilon, Keras's UnitNormalization epsilon being 1e-12


@LAYERS.register("UnitNormalization")
class UnitNormalization(Layer):
    """Keras 3's ``UnitNormalization``: ``y = x / ||x||_2`` along ``axis`` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_arg(axis, "UnitNormalization")
        self._axes = None
        self.x = self._scale = self._capped = None

    def build(self, input_shape):
        self._axes = _positive_axes(self.axis, tuple(input_shape), self)
        super().build(input_shape)

    def _scales(self, x):
        r = np.sum(np.square(x), axis=self._axes, keepdims=True)
        with np.errstate(divide="ignore"):
            inv = 1.0 / np.sqrt(r)
        capped = ~(inv < _CAP)
        return np.where(capped, x.dtype.type(_CAP), inv).astype(x.dtype, copy=False), capped

    def forward(self, x, training=False):
        if x.ndim != len(self.input_shape) + 1:
            raise ValueError(f"UnitNormalization {self.name!r}: expected inputs of shape "
                             f"{(None,) + tuple(self.input_shape)}, got {x.shape}")
        s, capped = self._scales(x)
        if training:
            self.x, self._scale, self._capped = x, s, capped
        return x * s

    def backward(self, grad):
        """dC/dx = s g - s^3 x sum(x g) (uncapped slices), 1e12 g (capped ones)."""
        x, s = self.x, self._scale
        proj = np.sum(x * grad, axis=self._axes, keepdims=True)
        return s * grad - np.where(self._capped, 0.0, s ** 3 * proj).astype(x.dtype, copy=False) * x

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
