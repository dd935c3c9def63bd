"""``Activation``: apply an activation function as a layer of its own, a = f(z)."""
from __future__ import annotations

from .. import activations
from .base import LAYERS, Layer


@LAYERS.register("Activation")
class Activation(Layer):
    """a = f(z) elementwise (or softmax over the last axis); backward: dC/dz = dC/da ⊙ f'(z)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.z = self.a = None

    def forward(self, x, training=False):
        a = self.activation(x)
        if training:
            self.z, self.a = x, a
        return a

    def forward_with_logits(self, x):
        """``(z, a)``: the input is the logits."""
        return x, self.activation(x)

    def backward(self, grad, grad_is_delta: bool = False):
        if grad_is_delta:
            return grad
        return self.activation.backward(grad, self.z, self.a)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
