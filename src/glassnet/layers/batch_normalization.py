"""``BatchNormalization``: normalise each feature over the batch, then scale and shift.

For one feature (the ``axis`` channel; the statistics run over every other axis,
``N`` values in all: the batch, and e.g. the pixels of an image)::

    training:   mu    = (1/N) sum x                    the batch mean
                var   = (1/N) sum (x - mu)^2           the biased batch variance (as Keras 3 / TF)
                x_hat = (x - mu) / sqrt(var + eps)
                y     = gamma * x_hat + beta
                moving_mean     <- moving_mean * momentum     + mu  * (1 - momentum)
                moving_variance <- moving_variance * momentum + var * (1 - momentum)

    inference:  x_hat = (x - moving_mean) / sqrt(moving_variance + eps),  y = gamma * x_hat + beta

A *frozen* layer (``trainable=False``) always runs the inference formula and leaves
the moving statistics alone, even inside ``fit`` (Keras 3's rule, the one fine-tuning
relies on).

Backward in training mode, with ``g = dC/dy`` and ``s = 1 / sqrt(var + eps)``.
``x_hat`` depends on x directly and through mu and var, so (sums over the N values)::

    dC/dbeta  = sum g
    dC/dgamma = sum g * x_hat
    dC/dx_hat = g * gamma
    dC/dvar   = sum dC/dx_hat * (x - mu) * (-1/2) s^3
    dC/dmu    = -s sum dC/dx_hat            (the var term's own derivative sums to zero)
    dC/dx     = dC/dx_hat * s + dC/dvar * 2 (x - mu) / N + dC/dmu / N

which collapses to the form computed here::

    dC/dx = (s / N) * (N * dC/dx_hat - sum dC/dx_hat - x_hat * sum(dC/dx_hat * x_hat))

In inference (or frozen) mode mu and var are constants, so ``dC/dx = g * gamma * s``
with ``s = 1 / sqrt(moving_variance + eps)``.
"""
from __future__ import annotations

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_float
from .base import LAYERS, Layer


def _bool(value, name, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


def _reg_config(reg):
    return regularizers.serialize(reg) if reg is not None else None


def add_gamma_beta(layer, shape) -> None:
    """Create the learned scale ``gamma`` (when ``layer.scale``) and shift ``beta`` (when
    ``layer.center``) of a normalization layer, with its initializers, regularizers and
    constraints; the weights of BatchNormalization and LayerNormalization."""
    if layer.scale:
        layer.gamma = layer.add_weight(shape=shape, initializer=layer.gamma_initializer, name="gamma",
                                       regularizer=layer.gamma_regularizer, trainable=True)
        layer.gamma.constraint = layer.gamma_constraint
    if layer.center:
        layer.beta = layer.add_weight(shape=shape, initializer=layer.beta_initializer, name="beta",
                                      regularizer=layer.beta_regularizer, trainable=True)
        layer.beta.constraint = layer.beta_constraint


@LAYERS.register("BatchNormalization")
class BatchNormalization(Layer):
    """Keras 3's ``BatchNormalization`` (weights in Keras's order: gamma, beta, moving_mean, moving_variance).

    Args:
        axis: the feature axis (default -1, the last; counted with the batch axis as 0).
        momentum: of the moving statistics (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center / scale: learn beta / gamma (default True both).
        beta_initializer='zeros', gamma_initializer='ones', moving_mean_initializer='zeros',
        moving_variance_initializer='ones', beta/gamma_regularizer, beta/gamma_constraint.
        renorm / synchronized: not supported (must be False).

    Attributes after a training forward pass: ``x_hat``, ``batch_mean``, ``batch_variance``.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        where = "BatchNormalization"
        if isinstance(axis, np.integer):
            axis = int(axis)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"{where}: axis must be an integer, got {axis!r}")
        if axis == 0:
            raise ValueError(f"{where}: axis 0 is the batch axis; give the feature axis (e.g. -1)")
        self.axis = axis
        self.momentum = check_float(momentum, "momentum", where, low=0.0, high=1.0)
        self.epsilon = check_float(epsilon, "epsilon", where, low=0.0, low_inclusive=False)
        self.center = _bool(center, "center", where)
        self.scale = _bool(scale, "scale", where)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        if renorm or synchronized:
            raise ValueError(f"{where}: renorm and synchronized are not supported by glassnet, got "
                             f"renorm={renorm!r}, synchronized={synchronized!r}")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self.x_hat = self.batch_mean = self.batch_variance = None
        self._inv_std = None
        self._trained_step = False
        self._axis = None          # positive axis of the full (batch-first) input
        self._reduce = None        # the axes the statistics run over

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape) + 1
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of range for inputs "
                             f"of shape {(None,) + input_shape}")
        self._axis = self.axis % ndim
        if self._axis == 0:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is the batch axis for inputs "
                             f"of shape {(None,) + input_shape}")
        size = input_shape[self._axis - 1]
        if size is None:
            raise ValueError(f"BatchNormalization {self.name!r}: the feature axis {self.axis} must have a known "
                             f"size, got input shape {(None,) + input_shape}")
        shape = (size,)
        add_gamma_beta(self, shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self._reduce = tuple(i for i in range(ndim) if i != self._axis)
        super().build(input_shape)

    def _bcast(self, v: np.ndarray, ndim: int) -> np.ndarray:
        """A per-feature vector shaped to broadcast against the input."""
        shape = [1] * ndim
        shape[self._axis] = v.shape[0]
        return v.reshape(shape)

    def _check(self, x):
        if x.ndim != len(self.input_shape) + 1 or x.shape[self._axis] != self.moving_mean.shape[0]:
            raise ValueError(f"BatchNormalization {self.name!r}: expected inputs of shape "
                             f"{(None,) + tuple(self.input_shape)}, got {x.shape}")

    def forward(self, x, training=False):
        self._check(x)
        nd = x.ndim
        if training and self.trainable:
            mean = np.mean(x, axis=self._reduce)
            centered = x - self._bcast(mean, nd)
            var = np.mean(np.square(centered), axis=self._reduce)
            # moving = moving * momentum + batch * (1 - momentum)
            m = self.momentum
            self.moving_mean.value[...] = self.moving_mean.value * m + mean * (1.0 - m)
            self.moving_variance.value[...] = self.moving_variance.value * m + var * (1.0 - m)
        else:
            mean, var = self.moving_mean.value, self.moving_variance.value
            centered = x - self._bcast(mean, nd)
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        x_hat = centered * self._bcast(inv_std, nd)
        y = x_hat * self._bcast(self.gamma.value, nd) if self.scale else x_hat.copy()
        if self.center:
            y += self._bcast(self.beta.value, nd)
        if training:
            self.x_hat, self._inv_std = x_hat, inv_std
            self._trained_step = bool(self.trainable)
            if self._trained_step:
                self.batch_mean, self.batch_variance = mean, var
        return y

    def backward(self, grad):
        """dC/dy -> dC/dx; writes dC/dgamma = sum g x_hat and dC/dbeta = sum g (module docstring)."""
        nd = grad.ndim
        x_hat, red = self.x_hat, self._reduce
        if self.center:
            self.beta.grad[...] = np.sum(grad, axis=red)
        if self.scale:
            self.gamma.grad[...] = np.sum(grad * x_hat, axis=red)
            dx_hat = grad * self._bcast(self.gamma.value, nd)
        else:
            dx_hat = grad
        s = self._bcast(self._inv_std, nd)
        if not self._trained_step:         # inference / frozen: mu and var are constants
            return dx_hat * s
        n = x_hat.size // x_hat.shape[self._axis]
        sum_d = self._bcast(np.sum(dx_hat, axis=red), nd)
        sum_dx = self._bcast(np.sum(dx_hat * x_hat, axis=red), nd)
        return (s / n) * (n * dx_hat - sum_d - x_hat * sum_dx)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": _reg_config(self.beta_regularizer),
            "gamma_regularizer": _reg_config(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": False,
            "renorm": False,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
