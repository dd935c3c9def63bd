"""``SpatialDropout1D`` / ``SpatialDropout2D``: dropout of whole feature maps.

Like ``Dropout``, but one keep/drop decision per (sample, channel) is shared by every
time step (1D, inputs ``(n, steps, channels)``) or pixel (2D, ``(n, rows, cols, channels)``
channels_last or ``(n, channels, rows, cols)`` channels_first)::

    mask = [u >= rate] / (1 - rate),  u ~ U[0, 1) of shape (n, 1, channels) / (n, 1, 1, channels)
    y = x * mask (broadcast)          dC/dx = dC/dy * mask
"""
from __future__ import annotations

import numpy as np

from .base import LAYERS
from .dropout import Dropout



class _SpatialDropout(Dropout):
    _ndim = 3

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def _noise_shape(self, x):
        return (x.shape[0], 1, x.shape[2])

    def forward(self, x, training=False):
        if x.ndim != self._ndim:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected {self._ndim}-D inputs "
                             f"(batch first), got shape {x.shape}")
        if not training:
            return x
        if self.rate == 0.0:
            self.mask = None
            return x
        u = self.generator.random(self._noise_shape(x), dtype=np.float32)
        # mask = 1[u >= rate] / keep, one value per (sample, channel)
        self.mask = np.multiply(u >= self.rate, 1.0 / (1.0 - self.rate), dtype=x.dtype)
        return x * self.mask

    def get_config(self):
        # Keras 3's SpatialDropout config: rate, seed, name, dtype (no trainable / noise_shape)
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


@LAYERS.register("SpatialDropout1D")
class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of ``(n, steps, channels)`` inputs (one decision per sample and channel)."""


@LAYERS.register("SpatialDropout2D")
class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of images; ``data_format`` 'channels_last' (default) or 'channels_first'."""

    _ndim = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        if data_format is None:
            data_format = "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"SpatialDropout2D: data_format must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        self.data_format = data_format

    def _noise_shape(self, x):
        if self.data_format == "channels_first":
            return (x.shape[0], x.shape[1], 1, 1)
        return (x.shape[0], 1, 1, x.shape[3])

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
