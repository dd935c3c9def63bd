"""``Input`` / ``InputLayer``: declare the shape of one sample (without the batch axis)."""
from __future__ import annotations

from .base import LAYERS, Layer, normalize_shape


@LAYERS.register("InputLayer")
class InputLayer(Layer):
    """The entry of a Sequential model: holds the input shape, passes data through."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        if shape is None and batch_shape is None:
            # Keras 2 spelling
            if "input_shape" in kwargs:
                shape = kwargs.pop("input_shape")
            elif "batch_input_shape" in kwargs:
                batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is None and batch_shape is None:
            raise ValueError("Input: shape is required, e.g. Input(shape=(4,)) for 4 features")
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            if not batch_shape:
                raise ValueError("Input: batch_shape must include the batch axis, got ()")
            shape = normalize_shape(batch_shape[1:], "batch_shape", "Input")
            batch_size = batch_shape[0]
        else:
            shape = normalize_shape(shape, "shape", "Input")
        if sparse:
            raise ValueError("Input: sparse inputs are not supported by glassnet")
        self.shape = shape
        self.batch_size = batch_size
        self.input_shape = shape
        self.output_shape = shape
        self.built = True

    @property
    def batch_shape(self):
        return (self.batch_size,) + self.shape

    def forward(self, x, training=False):
        return x

    def backward(self, grad):
        return grad

    def get_config(self):
        return {
            "batch_shape": [self.batch_size, *self.shape],
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": False,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("sparse", "ragged", "optional"):
            config.pop(key, None)
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """``Input(shape=(4,))``: the first item of a Sequential model, as in Keras.

    glassnet has no symbolic tensors: ``Input`` returns an :class:`InputLayer`
    that a ``Sequential`` accepts in its place.
    """
    if tensor is not None:
        raise ValueError("Input: tensor= is not supported by glassnet (there are no symbolic tensors)")
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                      batch_shape=batch_shape, name=name)
