"""Noise layers that regularise in training and are the identity in inference (Keras 3's).

Each draws from its own seeded generator ``layer.generator`` (so a checkpoint
captures its state), like ``Dropout``.

- ``GaussianNoise(stddev)``: additive noise, ``y = x + e``, ``e ~ N(0, stddev^2)``;
  ``dC/dx = dC/dy``.
- ``GaussianDropout(rate)``: multiplicative noise with mean 1,
  ``y = x * m``, ``m ~ N(1, rate / (1 - rate))``; ``dC/dx = dC/dy * m``.
- ``AlphaDropout(rate)``: dropout that keeps the mean and variance of SELU activations.
  Dropped units are set to ``alpha' = -scale * alpha`` (SELU's negative saturation) and
  an affine map restores the moments::

      keep = [u >= rate],  u ~ U[0, 1)   (shaped like noise_shape, broadcast over the rest)
      a = ((1 - rate) (1 + rate alpha'^2))^(-1/2),   b = -a alpha' rate
      y = a (x keep + alpha' (1 - keep)) + b
      dC/dx = dC/dy * a * keep
"""
from __future__ import annotations

import math

import numpy as np

from .. import random as gn_random
from .._validation import as_tuple, check_float
from .base import LAYERS, Layer
from .dropout import is_identity_step

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _NoiseLayer(Layer):
    """Shared: a seed, ``self.generator`` and the ``seed`` config entry."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"{type(self).__name__}: seed must be an integer or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self.generator = gn_random.make_generator(self.seed)


@LAYERS.register("GaussianNoise")
class GaussianNoise(_NoiseLayer):
    """Add zero-centred Gaussian noise of standard deviation ``stddev`` (in [0, 1]) in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_float(stddev, "stddev", "GaussianNoise", low=0.0, high=1.0)

    def forward(self, x, training=False):
        """y = x + e,  e ~ N(0, stddev^2)  (training);  y = x  (inference)."""
        if not training or self.stddev == 0.0:
            return x
        noise = self.generator.standard_normal(x.shape, dtype=np.float32).astype(x.dtype, copy=False)
        noise *= self.stddev
        return x + noise

    def backward(self, grad):
        """dC/dx = dC/dy: the noise does not depend on x."""
        return grad

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


@LAYERS.register("GaussianDropout")
class GaussianDropout(_NoiseLayer):
    """Multiply by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_float(rate, "rate", "GaussianDropout", low=0.0, high=1.0, high_inclusive=False)
        self.mask = None

    def forward(self, x, training=False):
        """y = x * m,  m ~ N(1, rate / (1 - rate))  (training);  y = x  (inference)."""
        if is_identity_step(self, training):
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        m = self.generator.standard_normal(x.shape, dtype=np.float32).astype(x.dtype, copy=False)
        m *= stddev
        m += 1.0
        self.mask = m
        return x * m

    def backward(self, grad):
        """dC/dx = dC/dy * m."""
        return grad if self.mask is None else grad * self.mask

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


@LAYERS.register("AlphaDropout")
class AlphaDropout(_NoiseLayer):
    """Dropout for self-normalising (SELU) networks; see the module docstring.

    Args:
        rate: fraction dropped, in [0, 1).
        noise_shape: shape of the keep mask *with* the batch axis, ``None`` entries taking the
            input's size (e.g. ``(None, 1, None)`` drops whole time steps' features alike).
        seed: for a repeatable sequence of masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_float(rate, "rate", "AlphaDropout", low=0.0, high=1.0, high_inclusive=False)
        if noise_shape is not None:
            noise_shape = as_tuple(noise_shape, "noise_shape", "AlphaDropout", "a tuple of integers or None")
            for d in noise_shape:
                if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1):
                    raise ValueError(f"AlphaDropout: noise_shape entries must be positive integers or None, "
                                     f"got {noise_shape!r}")
        self.noise_shape = noise_shape
        self.scale_mask = None

    def _mask_shape(self, x):
        if self.noise_shape is None:
            return x.shape
        if len(self.noise_shape) != x.ndim:
            raise ValueError(f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} must have one entry per "
                             f"input axis (batch included), got inputs of shape {x.shape}")
        shape = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        for d, n in zip(shape, x.shape):
            if d not in (1, n):
                raise ValueError(f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} does not broadcast "
                                 f"to inputs of shape {x.shape}")
        return shape

    def forward(self, x, training=False):
        """y = a (x keep + alpha' (1 - keep)) + b  (training);  y = x  (inference)."""
        if not training:
            return x
        if self.rate == 0.0:
            self.scale_mask = None
            return x
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        u = self.generator.random(self._mask_shape(x), dtype=np.float32)
        keep = (u >= rate).astype(x.dtype)
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        self.scale_mask = keep * a                       # dy/dx
        return (x * keep + alpha_p * (1.0 - keep)) * a + b

    def backward(self, grad):
        """dC/dx = dC/dy * a * keep."""
        return grad if self.scale_mask is None else grad * self.scale_mask

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": list(self.noise_shape) if self.noise_shape is not None else None})
        return config
