"""Data sets the playground has that :mod:`glassnet.datasets` does not (the exported script carries them).

``regression_gaussians``: the "Gaussian" regression data set of the original TensorFlow playground,
scaled from its [-6, 6] square to glassnet's [-1, 1].  Six bumps at x1 in {-2/3, 0, 2/3},
x2 in {+5/12, -5/12}, with alternating signs; the target of a point is the value of the bump
whose value is largest in magnitude there:

    t(p) = s_k * max(0, 1 - |p - c_k| / (1/3))      for the k with the largest |t_k(p)|

(each bump falls linearly from +-1 at its centre to 0 at distance 1/3).  Noise, as in the original,
moves the point the target is read at: ``p + noise * U(-1, 1)^2``; the point itself stays.
"""
from __future__ import annotations

import numpy as np

__all__ = ["regression_gaussians"]


def regression_gaussians(n_samples=500, noise=0.0, seed=None):
    """Six signed bumps on [-1, 1]^2 (the TensorFlow playground's regression "Gaussian"); ``(x, t)``."""
    n = int(n_samples)
    if n < 1:
        raise ValueError(f"regression_gaussians: n_samples must be a positive whole number, got {n_samples!r}")
    noise = float(noise)
    if not noise >= 0:
        raise ValueError(f"regression_gaussians: noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]]) / 6.0
    signs = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    p = x + noise * rng.uniform(-1.0, 1.0, size=(n, 2))
    dist = np.linalg.norm(p[:, None, :] - centres[None, :, :], axis=2)       # (n, 6)
    values = signs * np.clip(1.0 - dist / (1.0 / 3.0), 0.0, 1.0)
    pick = np.argmax(np.abs(values), axis=1)
    t = values[np.arange(n), pick]
    return x.astype(np.float32), t.astype(np.float32)
