"""``GlobalAveragePooling1D`` / ``GlobalMaxPooling1D``: one value per channel from a sequence.

Inputs ``(n, steps, channels)`` (channels_last, the default) or ``(n, channels, steps)``
(channels_first); outputs ``(n, channels)`` (``keepdims=True`` keeps a steps axis of 1).

- average: ``y = (1/T) sum_t x_t``;  ``dC/dx_t = dC/dy / T``.  With a mask (e.g. from
  ``Embedding(mask_zero=True).compute_mask``) only the unmasked steps count:
  ``y = sum_t m_t x_t / sum_t m_t``, ``dC/dx_t = m_t dC/dy / sum_t m_t``.
- max: ``y = max_t x_t``; the error goes to the step(s) holding the maximum, shared
  equally between ties (TensorFlow's rule): ``dC/dx_t = dC/dy [x_t = y] / #{t: x_t = y}``.

Together with ``Embedding`` they make the bag-of-embeddings text model.
"""
from __future__ import annotations

import numpy as np

from .base import LAYERS, Layer



class _GlobalPooling1D(Layer):
    def __init__(self, data_format=None, keepdims=False, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if data_format is None:
            data_format = "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: data_format must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        if not isinstance(keepdims, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}: keepdims must be True or False, got {keepdims!r}")
        self.data_format = data_format
        self.keepdims = bool(keepdims)
        self._steps_axis = 1 if data_format == "channels_last" else 2
        self._in_shape = self._weights_t = self._route = None

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected 3-D inputs (batch, steps, channels), "
                             f"got input shape {(None,) + tuple(input_shape)}")
        channels = input_shape[1] if self.data_format == "channels_last" else input_shape[0]
        if not self.keepdims:
            return (channels,)
        return (1, channels) if self.data_format == "channels_last" else (channels, 1)

    def _check(self, x):
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected 3-D inputs (batch, steps, channels), "
                             f"got shape {x.shape}")

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


@LAYERS.register("GlobalAveragePooling1D", "GlobalAvgPool1D")
class GlobalAveragePooling1D(_GlobalPooling1D):
    """Average over the steps axis (optionally only over the steps a mask keeps)."""

    def forward(self, x, training=False, mask=None):
        self._check(x)
        ax = self._steps_axis
        if mask is None:
            w = None
            y = np.mean(x, axis=ax, keepdims=True)
        else:
            m = np.asarray(mask).astype(x.dtype)
            if m.shape != (x.shape[0], x.shape[ax]):
                raise ValueError(f"GlobalAveragePooling1D {self.name!r}: mask must have shape "
                                 f"{(x.shape[0], x.shape[ax])} (batch, steps), got {m.shape}")
            m = m[:, :, None] if ax == 1 else m[:, None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                w = m / np.sum(m, axis=ax, keepdims=True)    # m_t / sum m (NaN for an all-masked row, as Keras)
            y = np.sum(x * w, axis=ax, keepdims=True)
        if training:
            self._in_shape, self._weights_t = x.shape, w
        return y if self.keepdims else np.squeeze(y, axis=ax)

    def backward(self, grad):
        """dC/dx_t = dC/dy / T (or m_t dC/dy / sum m)."""
        ax = self._steps_axis
        if not self.keepdims:
            grad = np.expand_dims(grad, ax)
        if self._weights_t is None:
            return np.broadcast_to(grad / self._in_shape[ax], self._in_shape).copy()
        return grad * self._weights_t


@LAYERS.register("GlobalMaxPooling1D", "GlobalMaxPool1D")
class GlobalMaxPooling1D(_GlobalPooling1D):
    """Maximum over the steps axis."""

    def forward(self, x, training=False):
        self._check(x)
        ax = self._steps_axis
        y = np.max(x, axis=ax, keepdims=True)
        if training:
            hits = (x == y).astype(x.dtype)
            self._route = hits / np.sum(hits, axis=ax, keepdims=True)   # ties share the error equally
        return y if self.keepdims else np.squeeze(y, axis=ax)

    def backward(self, grad):
        """dC/dx_t = dC/dy [x_t = max] / (number of maxima)."""
        if not self.keepdims:
            grad = np.expand_dims(grad, self._steps_axis)
        return grad * self._route
