"""Small data sets of the course and its playground, generated with a seed (no download).

Every generator returns ``(x, y)`` with ``x`` float32 of shape (n, 2) (xor: (4, 2)) and
``y`` integer labels (0/1 unless stated), and takes ``noise`` (standard deviation of the
Gaussian jitter, in the data's units) and ``seed``.
"""
from __future__ import annotations

import numpy as np

from .. import random as gn_random
from .._validation import check_float, check_positive_int


def xor():
    """The four XOR points: inputs {0,1}^2, target x1 xor x2 (no single line separates them)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return x, y


def _args(n, noise, where):
    return (check_positive_int(n, "n_samples", where),
            check_float(noise, "noise", where, low=0.0))


def circles(n_samples=500, noise=0.05, factor=0.5, seed=None):
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``."""
    n, noise = _args(n_samples, noise, "circles")
    factor = check_float(factor, "factor", "circles", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    rng = gn_random.make_generator(seed)
    y = (np.arange(n) >= n // 2).astype(np.int64)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(scale=noise, size=x.shape)
    return x.astype(np.float32), y


def spirals(n_samples=500, noise=0.1, turns=1.75, seed=None):
    """Two interleaved spirals (the playground's hardest set): r grows with the angle, arm k offset by pi."""
    n, noise = _args(n_samples, noise, "spirals")
    rng = gn_random.make_generator(seed)
    y = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0.0, 1.0, n)
    angle = t * turns * 2 * np.pi + np.pi * y
    radius = 0.1 + 0.9 * t
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(scale=noise * 0.25, size=x.shape)
    return x.astype(np.float32), y


def blobs(n_samples=500, noise=0.5, centers=2, seed=None):
    """Gaussian blobs around ``centers`` points (an int: that many, spread on a circle of radius 2)."""
    n, noise = _args(n_samples, noise, "blobs")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = check_positive_int(centers, "centers", "blobs")
        angles = 2 * np.pi * np.arange(k) / k
        centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2:
        raise ValueError(f"blobs: centers must be an int or an array of shape (k, 2), got shape {centers.shape}")
    rng = gn_random.make_generator(seed)
    y = np.arange(n) % len(centers)
    x = centers[y] + rng.normal(scale=noise, size=(n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def xor_quadrants(n_samples=500, noise=0.1, seed=None):
    """Points in [-1, 1]^2 labelled 1 where x1 * x2 < 0 (the XOR of the signs), with jitter."""
    n, noise = _args(n_samples, noise, "xor_quadrants")
    rng = gn_random.make_generator(seed)
    clean = rng.uniform(-1, 1, size=(n, 2))
    clean += np.sign(clean) * 0.05          # keep a small margin around the axes
    y = (clean[:, 0] * clean[:, 1] < 0).astype(np.int64)
    x = clean + rng.normal(scale=noise, size=clean.shape)
    return x.astype(np.float32), y


def regression_plane(n_samples=500, noise=0.1, seed=None):
    """A smooth regression surface on [-1, 1]^2: t = sin(pi x1) * cos(pi x2) / 2 (+ noise)."""
    n, noise = _args(n_samples, noise, "regression_plane")
    rng = gn_random.make_generator(seed)
    x = rng.uniform(-1, 1, size=(n, 2))
    t = 0.5 * np.sin(np.pi * x[:, 0]) * np.cos(np.pi * x[:, 1]) + rng.normal(scale=noise, size=n)
    return x.astype(np.float32), t.astype(np.float32)
