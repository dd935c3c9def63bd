"""Activation layers with hyper-parameters: ReLU, LeakyReLU, PReLU, ELU and Softmax (Keras 3's).

Each is ``a = f(z)`` applied to the layer's input ``z``; the backward pass is the
notes' BP2 step ``dC/dz = dC/da ⊙ f'(z)`` (softmax: the vector-Jacobian product
``a ⊙ (g - sum(g ⊙ a))`` along ``axis``).  Formulas:

- ``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)``::

      f(z) = max_value                       z >= max_value
             z                               threshold <= z < max_value
             negative_slope * (z - threshold) otherwise

- ``LeakyReLU(negative_slope=0.3)``: ``f(z) = z`` for ``z > 0``, ``negative_slope * z`` otherwise.
- ``ELU(alpha=1.0)``: ``f(z) = z`` for ``z > 0``, ``alpha (exp(z) - 1)`` otherwise.
- ``Softmax(axis=-1)``: ``a_i = exp(z_i) / sum_j exp(z_j)`` along ``axis``.
- ``PReLU``: a leaky ReLU whose slope ``alpha`` is a trainable weight, one per input
  element (or shared along ``shared_axes``)::

      f(z) = max(z, 0) - alpha * max(-z, 0)
      dC/dz     = dC/da * ([z > 0] + alpha [z < 0])
      dC/dalpha = sum over the batch (and shared axes) of dC/da * min(z, 0)
"""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .._validation import check_float
from .activation import ActivationFunctionLayer
from .base import LAYERS, Layer


@LAYERS.register("ReLU")
class ReLU(ActivationFunctionLayer):
    """Rectified linear unit layer (see the module docstring for the formula).

    Args:
        max_value: upper cap (>= 0) or None for none.
        negative_slope: slope below the threshold (>= 0; default 0.0).
        threshold: where the unit switches on (>= 0; default 0.0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = check_float(max_value, "max_value", "ReLU", low=0.0, allow_none=True)
        self.negative_slope = check_float(negative_slope, "negative_slope", "ReLU", low=0.0)
        self.threshold = check_float(threshold, "threshold", "ReLU", low=0.0)
        self._fn = activations.ReLU(negative_slope=self.negative_slope, max_value=self.max_value,
                                    threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


@LAYERS.register("LeakyReLU")
class LeakyReLU(ActivationFunctionLayer):
    """``f(z) = z if z > 0 else negative_slope * z``; Keras 3's layer default slope is 0.3.

    Args:
        negative_slope: >= 0 (default 0.3).  ``alpha=`` (Keras 2's name) is accepted too.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = check_float(negative_slope, "negative_slope", "LeakyReLU", low=0.0)
        self._fn = activations.LeakyReLU(self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


@LAYERS.register("ELU")
class ELU(ActivationFunctionLayer):
    """``f(z) = z if z > 0 else alpha * (exp(z) - 1)``; ``f'(z) = 1`` or ``alpha exp(z)``.

    Args:
        alpha: the scale of the negative part (default 1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_float(alpha, "alpha", "ELU")
        self._fn = activations.ELU(self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


@LAYERS.register("Softmax")
class Softmax(ActivationFunctionLayer):
    """``a = softmax(z)`` along ``axis`` (an axis of the input *with* its batch axis, default -1).

    Backward: ``dC/dz = a ⊙ (g - sum(g ⊙ a, axis))``.  As last layer with a cross-entropy loss
    over the last axis, the model fuses it with the loss (as Keras's TensorFlow backend does).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = [self._check_int(a) for a in axis]
            if not axis:
                raise ValueError("Softmax: axis must name at least one axis, got []")
        else:
            axis = self._check_int(axis)
        self.axis = axis
        fn_axis = tuple(axis) if isinstance(axis, list) else axis
        self._fn = activations.Softmax(fn_axis)
        # the model's fused softmax + cross-entropy path works on the last axis only
        self.activation = self._fn if axis in (-1, [-1]) else None

    @staticmethod
    def _check_int(a):
        if isinstance(a, np.integer):
            a = int(a)
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"Softmax: axis must be an integer or a list of integers, got {a!r}")
        if a == 0:
            raise ValueError("Softmax: axis 0 is the batch axis; give an axis of the samples (e.g. -1)")
        return a

    def build(self, input_shape):
        ndim = len(input_shape) + 1
        for a in (self.axis if isinstance(self.axis, list) else [self.axis]):
            if not -ndim <= a < ndim or a % ndim == 0:
                raise ValueError(f"Softmax {self.name!r}: axis {a} is out of range for inputs of shape "
                                 f"{(None,) + tuple(input_shape)}")
        super().build(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


@LAYERS.register("PReLU")
class PReLU(Layer):
    """Parametric ReLU: ``f(z) = max(z, 0) - alpha * max(-z, 0)`` with a trainable ``alpha``.

    Args:
        alpha_initializer: default 'Zeros' (Keras's spelling).
        alpha_regularizer, alpha_constraint: as for Dense's kernel.
        shared_axes: axes (1-based, the batch axis is 0) along which one alpha is shared,
            e.g. ``[1, 2]`` for one slope per channel of an image.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            for a in axes:
                if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1:
                    raise ValueError(f"PReLU: shared_axes must be axes >= 1 (0 is the batch axis), "
                                     f"got {shared_axes!r}")
            self.shared_axes = [int(a) for a in axes]
        self.alpha = None
        self.z = None
        self._sum_axes = None

    def build(self, input_shape):
        shape = list(input_shape)
        if any(d is None for d in shape):
            raise ValueError(f"PReLU {self.name!r}: every input dimension must be known, got {tuple(shape)}")
        for a in self.shared_axes or []:
            if a > len(shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {a} is out of range for inputs of shape "
                                 f"{(None,) + tuple(input_shape)}")
            shape[a - 1] = 1
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer)
        self.alpha.constraint = self.alpha_constraint
        # dC/dalpha sums over the batch axis and every shared axis
        self._sum_axes = (0,) + tuple(a for a in (self.shared_axes or []))
        super().build(input_shape)

    def forward(self, x, training=False):
        """a = max(z, 0) - alpha * max(-z, 0)."""
        a = np.maximum(x, 0.0) - self.alpha.value * np.maximum(-x, 0.0)
        if training:
            self.z = x
        return a

    def backward(self, grad):
        """dC/dz = g ⊙ ([z > 0] + alpha [z < 0]);  dC/dalpha = sum_(batch, shared) g ⊙ min(z, 0)."""
        z = self.z
        neg = z < 0
        self.alpha.grad[...] = np.sum(grad * np.minimum(z, 0.0), axis=self._sum_axes).reshape(self.alpha.shape)
        return grad * np.where(neg, self.alpha.value, (z > 0).astype(z.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer)
            if self.alpha_regularizer is not None else None,
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
