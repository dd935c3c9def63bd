"""Pooling layers: max / average over windows, and over the whole image (channels_last).

Windowed pooling (pool size (ph, pw), strides s, Keras's "valid" / "same" padding; see :mod:`._patches`)::

    max:      a[n, i, j, c] = max_{p, q} a_prev_pad[n, i s_h + p, j s_w + q, c]     (padding is -inf)
    average:  a[n, i, j, c] = (1 / m_ij) sum_{p, q} a_prev_pad[n, i s_h + p, j s_w + q, c]
              m_ij = the number of window positions inside the unpadded input (TensorFlow's rule:
              the padding is not counted)

Backward (no weights; the error is routed back to the inputs that produced each output)::

    max:      dC/da_prev[window position of the max] += dC/da[n, i, j, c]   (the first max in row-major
              order when several tie, as TensorFlow's MaxPoolGrad)
    average:  dC/da_prev[every position of the window] += dC/da[n, i, j, c] / m_ij

Global pooling reduces the spatial axes entirely::

    GlobalAveragePooling2D:  a[n, c] = mean_{y, x} a_prev[n, y, x, c];   dC/da_prev = dC/da / (H W)
    GlobalMaxPooling2D:      a[n, c] = max_{y, x} a_prev[n, y, x, c];    dC/da_prev = dC/da * 1[a_prev = a] / #ties
                             (ties share the gradient equally, as TensorFlow's reduce_max gradient)

The windowed layers loop only over the ph * pw offsets of the window; each step handles the whole batch.
"""
from __future__ import annotations

import numpy as np

from ..kernels import K
from . import _patches as P
from .base import LAYERS, Layer


class _Pooling(Layer):
    """Shared body of the windowed pooling layers (1-D runs as 2-D with height 1)."""

    rank = 2
    mode = "max"
    _prefix = "pooling"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(name=P.keras_name(name, self._prefix), **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self._where = where
        self.pool_size = P.normalize_tuple(pool_size, self.rank, "pool_size", where)
        self.strides = (self.pool_size if strides is None
                        else P.normalize_tuple(strides, self.rank, "strides", where))
        self.padding = P.normalize_padding(padding, where)
        self.data_format = P.normalize_data_format(data_format, where)
        self._geometry = {}
        self._in_shape = None
        self._xp = self._out = None
        self._counts = None

    def _pool2(self):
        pre = (1,) * (2 - self.rank)
        return pre + self.pool_size, pre + self.strides

    def _geometry_for(self, spatial):
        """``((Ho, Wo), pads)`` for 2-D spatial dims ``spatial`` (cached per input size)."""
        pool, strides = self._pool2()
        return P.window_geometry(self._geometry, spatial, pool, strides, (1, 1), self.padding, self.rank,
                                 self._where, "pool_size")

    def build(self, input_shape):
        P.check_input_rank(input_shape, self.rank, self._where)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        P.check_input_rank(input_shape, self.rank, self._where)
        spatial, channels = P.spatial_shape(input_shape, self.data_format)
        spatial2 = (1,) + spatial if self.rank == 1 else spatial
        (ho, wo), _ = self._geometry_for(spatial2)
        out = (wo,) if self.rank == 1 else (ho, wo)
        return (channels,) + out if self.data_format == "channels_first" else out + (channels,)

    def _as_images(self, x):
        if x.ndim != self.rank + 2:
            P.check_input_rank(x.shape[1:], self.rank, self._where)
        x = P.to_channels_last(x, self.data_format)
        return x[:, None] if self.rank == 1 else x

    def _from_images(self, y):
        if self.rank == 1:
            y = y[:, 0]
        return P.from_channels_last(y, self.data_format)

    def _counts_for(self, spatial, out_hw, pads):
        """m_ij: how many positions of window (i, j) lie inside the unpadded input, shape (Ho, Wo, 1)."""
        pool, strides = self._pool2()
        per_axis = []
        for ax in range(2):
            start = np.arange(out_hw[ax]) * strides[ax] - pads[ax][0]
            stop = np.minimum(start + pool[ax], spatial[ax])
            per_axis.append(stop - np.maximum(start, 0))
        return np.multiply.outer(per_axis[0], per_axis[1])[:, :, None]

    def forward(self, x, training=False):
        x4 = self._as_images(x)
        out_hw, pads = self._geometry_for(x4.shape[1:3])
        pool, strides = self._pool2()
        offsets = [(p, q) for p in range(pool[0]) for q in range(pool[1])]
        if self.mode == "max":
            xp = P.pad(x4, pads, value=-np.inf)
            out = np.empty((x4.shape[0],) + tuple(out_hw) + (x4.shape[3],), dtype=x4.dtype)
            K.max_pool(xp, pool, strides, out)
            if training:
                self._xp, self._out = xp, out     # backward finds the (first) position of each max
        else:
            xp = P.pad(x4, pads, value=0.0)
            out = P.window(xp, 0, 0, out_hw, strides, (1, 1)).copy()
            for p, q in offsets[1:]:
                out += P.window(xp, p, q, out_hw, strides, (1, 1))
            counts = self._counts_for(x4.shape[1:3], out_hw, pads).astype(out.dtype)
            out /= counts
            if training:
                self._counts = counts
        if training:
            self._in_shape = x4.shape
        return self._from_images(out)

    def backward(self, grad):
        grad = P.to_channels_last(grad, self.data_format)
        if self.rank == 1:
            grad = grad[:, None]
        n, h, w, c = self._in_shape
        out_hw, pads = self._geometry_for((h, w))
        pool, strides = self._pool2()
        padded = (h + sum(pads[0]), w + sum(pads[1]))
        offsets = [(p, q) for p in range(pool[0]) for q in range(pool[1])]
        overlapping = any(s != k for s, k in zip(strides, pool))
        tiled = (not overlapping and self.mode == "max"
                 and padded == (out_hw[0] * pool[0], out_hw[1] * pool[1]))
        # the tiled max-pool backward writes every entry; otherwise start from zeros
        dxp = (np.empty if tiled else np.zeros)((n,) + padded + (c,), dtype=grad.dtype)
        if self.mode == "max" and not overlapping:
            # one comparison finds each window's (first) maximum; every entry of the tiles is written
            K.max_pool_backward(self._xp, self._out, grad, pool, dxp)
        elif self.mode == "max":
            # route each output's error to the first window position (row-major) holding the max
            taken = None
            for k, (p, q) in enumerate(offsets):
                hit = P.window(self._xp, p, q, out_hw, strides, (1, 1)) == self._out
                if taken is None:
                    taken = hit
                else:
                    hit &= ~taken
                    if k < len(offsets) - 1:
                        taken |= hit
                P.window(dxp, p, q, out_hw, strides, (1, 1))[...] += grad * hit
        else:
            g = grad / self._counts
            for p, q in offsets:
                P.window(dxp, p, q, out_hw, strides, (1, 1))[...] += g
        return self._from_images(P.crop(dxp, pads))

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "padding": self.padding,
                       "strides": list(self.strides), "data_format": self.data_format})
        return config


@LAYERS.register("MaxPooling2D")
class MaxPooling2D(_Pooling):
    """Max over (ph, pw) windows of images (n, H, W, C) (Keras's ``MaxPooling2D``).

    Args: pool_size (2, 2); strides None -> pool_size; padding 'valid' / 'same'; data_format.
    """

    rank, mode, _prefix = 2, "max", "max_pooling2d"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)


@LAYERS.register("MaxPooling1D")
class MaxPooling1D(_Pooling):
    """Max over windows of pool_size steps of sequences (n, steps, C) (Keras's ``MaxPooling1D``)."""

    rank, mode, _prefix = 1, "max", "max_pooling1d"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)


@LAYERS.register("AveragePooling2D")
class AveragePooling2D(_Pooling):
    """Mean over (ph, pw) windows of images (Keras's ``AveragePooling2D``; pool_size is required, as in
    Keras 3); with padding='same' the mean is over the positions inside the input only."""

    rank, mode, _prefix = 2, "average", "average_pooling2d"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)


@LAYERS.register("AveragePooling1D")
class AveragePooling1D(_Pooling):
    """Mean over windows of pool_size steps of sequences (Keras's ``AveragePooling1D``)."""

    rank, mode, _prefix = 1, "average", "average_pooling1d"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides=strides, padding=padding, data_format=data_format, name=name, **kwargs)


class _GlobalPooling2D(Layer):
    mode = "average"
    _prefix = "global_pooling2d"

    def __init__(self, data_format=None, keepdims=False, name=None, **kwargs):
        super().__init__(name=P.keras_name(name, self._prefix), **kwargs)
        self._where = f"{type(self).__name__} {self.name!r}"
        self.data_format = P.normalize_data_format(data_format, self._where)
        self.keepdims = bool(keepdims)
        self._x = self._out = None

    def _axes(self):
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def build(self, input_shape):
        P.check_input_rank(input_shape, 2, self._where)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        P.check_input_rank(input_shape, 2, self._where)
        if self.data_format == "channels_last":
            return (1, 1, input_shape[2]) if self.keepdims else (input_shape[2],)
        return (input_shape[0], 1, 1) if self.keepdims else (input_shape[0],)

    def forward(self, x, training=False):
        if x.ndim != 4:
            P.check_input_rank(x.shape[1:], 2, self._where)
        axes = self._axes()
        out = x.mean(axis=axes, keepdims=True) if self.mode == "average" else x.max(axis=axes, keepdims=True)
        if training:
            self._x, self._out = x, out
        return out if self.keepdims else out.reshape(out.shape[0], -1)

    def backward(self, grad):
        x = self._x
        axes = self._axes()
        grad = grad.reshape(self._out.shape)
        if self.mode == "average":
            scale = 1.0 / (x.shape[axes[0]] * x.shape[axes[1]])
            return np.broadcast_to(grad * scale, x.shape).copy()
        hit = x == self._out
        ties = hit.sum(axis=axes, keepdims=True).astype(grad.dtype)
        return hit * (grad / ties)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


@LAYERS.register("GlobalAveragePooling2D")
class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over height and width: (n, H, W, C) -> (n, C) (or (n, 1, 1, C) with keepdims)."""

    mode, _prefix = "average", "global_average_pooling2d"


@LAYERS.register("GlobalMaxPooling2D")
class GlobalMaxPooling2D(_GlobalPooling2D):
    """Max over height and width: (n, H, W, C) -> (n, C) (or (n, 1, 1, C) with keepdims)."""

    mode, _prefix = "max", "global_max_pooling2d"
