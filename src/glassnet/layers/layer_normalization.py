"""``LayerNormalization``: normalise each sample over its feature axes, then scale and shift.

For one sample, over the ``N`` values of the ``axis`` axes (default: the last)::

    mu    = (1/N) sum x,    var = (1/N) sum (x - mu)^2       (biased, as Keras 3 / TF)
    x_hat = (x - mu) / sqrt(var + eps)
    y     = gamma * x_hat + beta                              gamma, beta shaped like the axes

Unlike BatchNormalization the statistics are the sample's own, so training and
inference compute the same thing and there are no moving statistics.

Backward, with ``g = dC/dy`` and ``s = 1 / sqrt(var + eps)`` (sums over the N values
of one sample for dC/dx; over the batch and the other axes for gamma and beta)::

    dC/dbeta  = sum g
    dC/dgamma = sum g * x_hat
    dC/dx_hat = g * gamma
    dC/dx     = (s / N) * (N * dC/dx_hat - sum dC/dx_hat - x_hat * sum(dC/dx_hat * x_hat))

(the same algebra as BatchNormalization's, with the roles of the axes swapped).
"""
from __future__ import annotations

import math

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_float
from .base import LAYERS, Layer
from .batch_normalization import _bool, _reg_config, add_gamma_beta


def _axis_arg(axis, where):
    if isinstance(axis, (list, tuple)):
        if not axis:
            raise ValueError(f"{where}: axis must name at least one axis, got {axis!r}")
        return [_axis_arg(a, where) for a in axis]
    if isinstance(axis, np.integer):
        axis = int(axis)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{where}: axis must be an integer or a list of integers, got {axis!r}")
    return axis


def _positive_axes(axis, input_shape, layer):
    """Axes counted in the full (batch-first) input, positive and sorted; the batch axis is refused."""
    ndim = len(input_shape) + 1
    axes = axis if isinstance(axis, list) else [axis]
    out = []
    for a in axes:
        if not -ndim <= a < ndim or a % ndim == 0:
            raise ValueError(f"{type(layer).__name__} {layer.name!r}: axis {a} is out of range (or the batch "
                             f"axis) for inputs of shape {(None,) + tuple(input_shape)}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


@LAYERS.register("LayerNormalization")
class LayerNormalization(Layer):
    """Keras 3's ``LayerNormalization`` (weights: gamma, beta).

    Args:
        axis: the axis or list of axes to normalise over (default -1; the batch axis is 0).
        epsilon: added to the variance (default 1e-3).
        center / scale: learn beta / gamma (default True both).
        beta_initializer='zeros', gamma_initializer='ones', beta/gamma_regularizer, beta/gamma_constraint.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        where = "LayerNormalization"
        self.axis = _axis_arg(axis, where)
        self.epsilon = check_float(epsilon, "epsilon", where, low=0.0, low_inclusive=False)
        self.center = _bool(center, "center", where)
        self.scale = _bool(scale, "scale", where)
        if rms_scaling:
            raise ValueError(f"{where}: rms_scaling is deprecated in Keras 3 and not supported by glassnet; "
                             "got rms_scaling=True")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.x_hat = None
        self._inv_std = None
        self._axes = self._others = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._axes = _positive_axes(self.axis, input_shape, self)
        # Keras keeps the axes as a sorted list once built (its config writes [-1])
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a - 1] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization {self.name!r}: the normalised axes must have known sizes, "
                             f"got input shape {(None,) + input_shape}")
        add_gamma_beta(self, shape)
        ndim = len(input_shape) + 1
        self._others = tuple(i for i in range(ndim) if i not in self._axes)
        self._param_shape = tuple(input_shape[i - 1] if i in self._axes else 1 for i in range(1, ndim))
        super().build(input_shape)

    def forward(self, x, training=False):
        if x.ndim != len(self.input_shape) + 1:
            raise ValueError(f"LayerNormalization {self.name!r}: expected inputs of shape "
                             f"{(None,) + tuple(self.input_shape)}, got {x.shape}")
        ax = self._axes
        mean = np.mean(x, axis=ax, keepdims=True)
        centered = x - mean
        var = np.mean(np.square(centered), axis=ax, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        x_hat = centered * inv_std
        y = x_hat * self.gamma.value.reshape(self._param_shape) if self.scale else x_hat.copy()
        if self.center:
            y += self.beta.value.reshape(self._param_shape)
        if training:
            self.x_hat, self._inv_std = x_hat, inv_std
        return y

    def backward(self, grad):
        """dC/dy -> dC/dx; writes dC/dgamma = sum g x_hat and dC/dbeta = sum g (module docstring)."""
        x_hat, ax, others = self.x_hat, self._axes, self._others
        if self.center:
            self.beta.grad[...] = np.sum(grad, axis=others).reshape(self.beta.shape)
        if self.scale:
            self.gamma.grad[...] = np.sum(grad * x_hat, axis=others).reshape(self.gamma.shape)
            dx_hat = grad * self.gamma.value.reshape(self._param_shape)
        else:
            dx_hat = grad
        n = math.prod(x_hat.shape[a] for a in ax)
        sum_d = np.sum(dx_hat, axis=ax, keepdims=True)
        sum_dx = np.sum(dx_hat * x_hat, axis=ax, keepdims=True)
        return (self._inv_std / n) * (n * dx_hat - sum_d - x_hat * sum_dx)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": False,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _reg_config(self.beta_regularizer),
            "gamma_regularizer": _reg_config(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
