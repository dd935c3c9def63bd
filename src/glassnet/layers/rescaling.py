"""``Rescaling``: ``y = x * scale + offset`` (e.g. ``Rescaling(1/255)`` for pixel values).

``scale`` and ``offset`` are numbers, or arrays that broadcast against each sample
(e.g. one per channel).  Backward: ``dC/dx = dC/dy * scale``.
"""
from __future__ import annotations

import numpy as np

from .base import LAYERS, Layer


def _value(v, name):
    """A number stays a Python float; a list / array becomes an array (checked finite)."""
    if isinstance(v, dict) and v.get("class_name") == "__numpy__":     # Keras's serialized ndarray
        cfg = v.get("config") or {}
        v = np.asarray(cfg.get("value"), dtype=cfg.get("dtype", "float32"))
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        raise TypeError(f"Rescaling: {name} must be a number or an array of numbers, got {v!r}")
    if isinstance(v, (int, float)):
        if not np.isfinite(v):
            raise ValueError(f"Rescaling: {name} must be finite, got {v!r}")
        return float(v)
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"Rescaling: {name} must be a number or an array of numbers, got {v!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"Rescaling: {name} must be finite, got {v!r}")
    return arr


def _as_given(v):
    if isinstance(v, dict):                  # a serialized ndarray comes back as an ndarray
        cfg = v.get("config") or {}
        return np.asarray(cfg.get("value"), dtype=cfg.get("dtype", "float32"))
    return list(v) if isinstance(v, tuple) else v


def _serialize(v):
    if isinstance(v, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": v.tolist(), "dtype": str(v.dtype)}}
    return v


@LAYERS.register("Rescaling")
class Rescaling(Layer):
    """Multiply by ``scale`` and add ``offset`` (default 0.0)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self._scale = _value(scale, "scale")           # what forward uses: a float or an array
        self._offset = _value(offset, "offset")
        # as given (a number, a list or an array), as Keras keeps and serializes them
        self.scale = self._scale if isinstance(self._scale, float) else _as_given(scale)
        self.offset = self._offset if isinstance(self._offset, float) else _as_given(offset)

    def _cast(self, v, x):
        return v if isinstance(v, float) else v.astype(x.dtype)

    def compute_output_shape(self, input_shape):
        for v, name in ((self._scale, "scale"), (self._offset, "offset")):
            if isinstance(v, np.ndarray) and None not in input_shape:
                try:
                    ok = np.broadcast_shapes(tuple(input_shape), v.shape) == tuple(input_shape)
                except ValueError:
                    ok = False
                if not ok:
                    raise ValueError(f"Rescaling {self.name!r}: {name} of shape {v.shape} does not broadcast "
                                     f"against inputs of shape {tuple(input_shape)}")
        return tuple(input_shape)

    def forward(self, x, training=False):
        return x * self._cast(self._scale, x) + self._cast(self._offset, x)

    def backward(self, grad):
        """dC/dx = dC/dy * scale."""
        return grad * self._cast(self._scale, grad)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _serialize(self.scale), "offset": _serialize(self.offset)})
        return config
