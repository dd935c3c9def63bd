"""``Flatten``: (n, d1, d2, ...) -> (n, d1*d2*...), e.g. 28x28 images to 784 inputs."""
from __future__ import annotations

import math

import numpy as np

from .base import LAYERS, Layer


@LAYERS.register("Flatten")
class Flatten(Layer):
    """Reshape each sample to a vector; backward reshapes the gradient back."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                f"Flatten: data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
            )
        self.data_format = data_format
        self._in_shape = None

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape):
            return (None,)
        return (int(math.prod(input_shape)),)

    def forward(self, x, training=False):
        if self.data_format == "channels_first" and x.ndim > 2:
            x = np.moveaxis(x, 1, -1)          # Keras puts channels last before flattening
        if training:
            self._in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        grad = grad.reshape(self._in_shape)
        if self.data_format == "channels_first" and grad.ndim > 2:
            grad = np.moveaxis(grad, -1, 1)
        return grad

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format or "channels_last"
        return config
