"""``Dropout``: inverted dropout, the cure for overfitting taught in the notes.

In training each input unit is kept with probability ``p = 1 - rate`` and the
kept ones are scaled by ``1 / p``, so the expected activation is unchanged and
nothing needs rescaling at test time::

    mask = (u >= rate) / (1 - rate),  u ~ Uniform[0, 1)
    a    = a_prev * mask               (training)      a = a_prev   (inference)
    dC/da_prev = dC/da * mask
"""
from __future__ import annotations

import numpy as np

from .. import random as gn_random
from .._validation import check_float
from ..kernels import K
from .base import LAYERS, Layer


def is_identity_step(layer, training) -> bool:
    """Is this call of a dropout layer (one with ``rate`` and a kept ``mask``) the identity?  Yes in
    inference (and then nothing is written, so predict is thread-safe) and in training with
    ``rate == 0`` (the mask is cleared, so backward passes dC/dy through)."""
    if not training:
        return True
    if layer.rate == 0.0:
        layer.mask = None
        return True
    return False


@LAYERS.register("Dropout")
class Dropout(Layer):
    """Randomly zero a fraction ``rate`` of the inputs during training (Keras's ``Dropout``).

    Args:
        rate: fraction of units to drop, in [0, 1).
        noise_shape: not supported (must be None).
        seed: integer for a repeatable mask sequence; None draws from the global seed.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_float(rate, "rate", "Dropout", low=0.0, high=1.0, high_inclusive=False)
        if noise_shape is not None:
            raise ValueError(f"Dropout: noise_shape is not supported by glassnet yet, got {noise_shape!r}")
        self.noise_shape = None
        self.seed = seed
        self.generator = gn_random.make_generator(seed)
        self.mask = None
        self._uniform = None

    def forward(self, x, training=False):
        if is_identity_step(self, training):
            return x
        keep = 1.0 - self.rate
        # u ~ U[0, 1) drawn into a buffer reused from step to step (allocation is most of a draw)
        u = self._uniform
        if u is None or u.shape != x.shape:
            u = self._uniform = np.empty(x.shape, dtype=np.float32)
        self.generator.random(out=u, dtype=np.float32)
        # mask = 1[u >= rate] / keep and x * mask, in one pass (the uniforms come from the
        # layer's generator on every kernel path, so a seed gives the same masks)
        out, self.mask = K.dropout(x, u, np.float32(self.rate), x.dtype.type(1.0 / keep))
        return out

    def backward(self, grad):
        return grad if self.mask is None else K.multiply(grad, self.mask)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": None})
        return config
