"""``ActivityRegularization``: the identity, plus a penalty on the activations it passes on.

    y = x
    C += (l1 * sum |x| + l2 * sum x^2) / n          n = batch size (Keras 3 divides by it)
    dC/dx = dC/dy + (l1 * sign(x) + 2 * l2 * x) / n
"""
from __future__ import annotations

from .. import regularizers
from .._validation import check_float
from .base import LAYERS, Layer


@LAYERS.register("ActivityRegularization")
class ActivityRegularization(Layer):
    """Add ``L1L2(l1, l2)`` of the layer's output (divided by the batch size) to the cost."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1 = check_float(l1, "l1", "ActivityRegularization", low=0.0)
        self.l2 = check_float(l2, "l2", "ActivityRegularization", low=0.0)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self.a = None

    def forward(self, x, training=False):
        if training:
            self.a = x
        return x

    def activity_penalty(self) -> float:
        """penalty(a) / batch size, as Keras 3 adds it to the loss."""
        return self.activity_regularizer(self.a) / self.a.shape[0]

    def backward(self, grad):
        """dC/dx = dC/dy + penalty'(x) / n."""
        return grad + self.activity_regularizer.gradient(self.a) / self.a.shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
