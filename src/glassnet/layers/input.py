"""``Input`` / ``InputLayer``: declare the shape of one sample (without the batch axis)."""
from __future__ import annotations

from .. import symbolic
from .base import LAYERS, Layer, normalize_shape


@LAYERS.register("InputLayer")
class InputLayer(Layer):
    """The entry of a model: holds the sample shape (``shape``, no batch axis), passes data through.

    ``layer.output`` is the symbolic tensor that ``Input(...)`` returns."""

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
        # The graph starts here: a node with no inputs whose one output is the model's input tensor.
        node = symbolic.Node(self, [], [])
        node.outputs = [symbolic.KerasTensor((batch_size, *shape), dtype=self.dtype, name=self.name,
                                             node=node)]
        self._inbound_nodes.append(node)

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
    """``Input(shape=(4,))``: a symbolic tensor of shape ``(None, 4)`` that starts a functional graph
    (``Model(inputs, outputs)``), or the first item of a ``Sequential``, as in Keras 3."""
    if tensor is not None:
        raise ValueError("Input: tensor= is not supported by glassnet; call layers on the Input instead")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output
