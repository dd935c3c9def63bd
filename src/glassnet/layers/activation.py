"""``Activation``: apply an activation function as a layer of its own, a = f(z).

:class:`ActivationFunctionLayer` is the shared forward / backward of every layer that only
applies an activation function (``Activation`` and the layers of ``advanced_activations``).
"""
from __future__ import annotations

from .. import activations
from .base import LAYERS, Layer


class ActivationFunctionLayer(Layer):
    """A layer ``a = f(z)`` whose ``f`` is the ActivationFunction ``self._fn``; backward is the notes'
    BP2 step ``dC/dz = dC/da ⊙ f'(z)`` (softmax: its vector-Jacobian product)."""

    _fn: activations.ActivationFunction

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.z = self.a = None

    def forward(self, x, training=False):
        a = self._fn(x)
        if training:
            self.z, self.a = x, a
        return a

    def forward_with_logits(self, x):
        """``(z, a)``: the input is the logits."""
        return x, self._fn(x)

    def backward(self, grad, grad_is_delta: bool = False):
        """``dC/dz = dC/da ⊙ f'(z)`` (BP2); with ``grad_is_delta`` the caller already gives dC/dz."""
        if grad_is_delta:
            return grad
        return self._fn.backward(grad, self.z, self.a)


@LAYERS.register("Activation")
class Activation(ActivationFunctionLayer):
    """a = f(z) elementwise (or softmax over the last axis); backward: dC/dz = dC/da ⊙ f'(z)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    @property
    def _fn(self):
        return self.activation

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
