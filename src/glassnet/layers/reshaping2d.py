"""``ZeroPadding2D`` / ``Cropping2D``: add or remove rows and columns at the borders of images.

With ``((top, bottom), (left, right))``::

    ZeroPadding2D:  a = zeros (n, top + H + bottom, left + W + right, C);  a[:, top:top+H, left:left+W] = a_prev
                    dC/da_prev = dC/da[:, top:top+H, left:left+W]            (the inner block)
    Cropping2D:     a = a_prev[:, top:H-bottom, left:W-right]
                    dC/da_prev = zeros with dC/da written into the kept block
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _patches as P
from .base import LAYERS, Layer


def _two_by_two(value, name: str, where: str) -> tuple:
    """int -> all four sides; (sym_h, sym_w); ((top, bottom), (left, right)): Keras's three forms."""
    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0

    msg = (f"{where}: {name} must be a non-negative integer, a tuple of 2 non-negative integers or a tuple of "
           f"2 tuples of 2 non-negative integers ((top, bottom), (left, right)), got {value!r}")
    if is_int(value):
        return ((int(value),) * 2,) * 2
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError(msg) from None
    if len(value) != 2:
        raise ValueError(msg)
    if all(is_int(v) for v in value):
        return ((int(value[0]),) * 2, (int(value[1]),) * 2)
    out = []
    for pair in value:
        try:
            pair = tuple(pair)
        except TypeError:
            raise ValueError(msg) from None
        if len(pair) != 2 or not all(is_int(v) for v in pair):
            raise ValueError(msg)
        out.append((int(pair[0]), int(pair[1])))
    return tuple(out)


class _Border2D(Layer):
    _prefix = "border2d"
    _arg = "padding"

    def __init__(self, amounts, data_format=None, name=None, **kwargs):
        super().__init__(name=P.keras_name(name, self._prefix), **kwargs)
        self._where = f"{type(self).__name__} {self.name!r}"
        self.amounts = _two_by_two(amounts, self._arg, self._where)
        self.data_format = P.normalize_data_format(data_format, self._where)
        self._in_shape = None

    def build(self, input_shape):
        P.check_input_rank(input_shape, 2, self._where)
        super().build(input_shape)

    def _as_images(self, x):
        if x.ndim != 4:
            P.check_input_rank(x.shape[1:], 2, self._where)
        return P.to_channels_last(x, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({self._arg: [list(p) for p in self.amounts], "data_format": self.data_format})
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(config)


@LAYERS.register("ZeroPadding2D")
class ZeroPadding2D(_Border2D):
    """Pad images with zeros (Keras's ``ZeroPadding2D``); padding: int, (h, w) or ((top, bottom), (left, right))."""

    _prefix, _arg = "zero_padding2d", "padding"

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)
        self.padding = self.amounts

    def compute_output_shape(self, input_shape):
        P.check_input_rank(input_shape, 2, self._where)
        spatial, c = P.spatial_shape(input_shape, self.data_format)
        out = tuple(None if s is None else s + sum(p) for s, p in zip(spatial, self.amounts))
        return (c,) + out if self.data_format == "channels_first" else out + (c,)

    def forward(self, x, training=False):
        x4 = self._as_images(x)
        if training:
            self._in_shape = x4.shape
        return P.from_channels_last(P.pad(x4, self.amounts, 0.0), self.data_format)

    def backward(self, grad):
        grad = P.to_channels_last(grad, self.data_format)
        return P.from_channels_last(P.crop(grad, self.amounts), self.data_format)


@LAYERS.register("Cropping2D")
class Cropping2D(_Border2D):
    """Crop rows / columns off images (Keras's ``Cropping2D``); cropping: int, (h, w) or
    ((top, bottom), (left, right))."""

    _prefix, _arg = "cropping2d", "cropping"

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
        self.cropping = self.amounts

    def _check_fits(self, spatial):
        for size, (a, b), axis in zip(spatial, self.amounts, ("height", "width")):
            if size is not None and a + b >= size:
                raise ValueError(f"{self._where}: cropping {(a, b)} removes all {size} rows along the {axis} axis; "
                                 f"the cropping must leave at least one")

    def compute_output_shape(self, input_shape):
        P.check_input_rank(input_shape, 2, self._where)
        spatial, c = P.spatial_shape(input_shape, self.data_format)
        self._check_fits(spatial)
        out = tuple(None if s is None else s - sum(p) for s, p in zip(spatial, self.amounts))
        return (c,) + out if self.data_format == "channels_first" else out + (c,)

    def forward(self, x, training=False):
        x4 = self._as_images(x)
        self._check_fits(x4.shape[1:3])
        if training:
            self._in_shape = x4.shape
        return P.from_channels_last(P.crop(x4, self.amounts), self.data_format)

    def backward(self, grad):
        grad = P.to_channels_last(grad, self.data_format)
        dx = np.zeros(self._in_shape, dtype=grad.dtype)
        P.crop(dx, self.amounts)[...] = grad
        return P.from_channels_last(dx, self.data_format)
