"""Keras's seeded shuffle-and-split of a regression table, and the check of its ``test_split``."""
from __future__ import annotations

import numpy as np

from ._files import DatasetError


def check_test_split(test_split, where: str, allow_one: bool = False) -> float:
    """``test_split`` must be a number in [0, 1) (or [0, 1] when ``allow_one``)."""
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: test_split must be a number between 0 and 1; got {test_split!r}")
    ok = 0 <= test_split <= 1 if allow_one else 0 <= test_split < 1
    if not ok:
        raise ValueError(f"{where}: invalid test_split {test_split!r}: it must be between 0 and 1"
                         f"{'' if allow_one else ' (exclusive of 1)'}")
    return float(test_split)


def check_seed(seed, where: str):
    """A seed for NumPy's legacy RandomState: None or an int in [0, 2**32)."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 32:
        raise ValueError(f"{where}: seed must be None or an int in [0, 2**32); got {seed!r}")
    return int(seed)


def keras_order(n: int, seed) -> np.ndarray:
    """The permutation Keras draws: ``np.random.RandomState(seed).shuffle(arange(n))`` (its legacy generator)."""
    indices = np.arange(n)
    np.random.RandomState(check_seed(seed, "load_data")).shuffle(indices)
    return indices


def shuffled_split(x, y, test_split: float, seed):
    """Shuffle ``x, y`` with :func:`keras_order`, then the first ``int(n * (1 - test_split))`` rows train."""
    order = keras_order(len(x), seed)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut].copy(), y[:cut].copy()), (x[cut:].copy(), y[cut:].copy())


def load_xy_npz(path, what: str, n_features: int):
    """The ``x`` (n, n_features) and ``y`` (n,) arrays of a Keras regression ``.npz``, pickles disabled."""
    from ._restricted_pickle import load_npz

    arrays = load_npz(path)
    if "x" not in arrays or "y" not in arrays:
        raise DatasetError(f"{path}: not the {what} .npz (it holds {', '.join(sorted(arrays)) or 'no arrays'}, "
                           f"expected x and y)")
    x, y = arrays["x"], arrays["y"]
    if (x.ndim != 2 or x.shape[1] != n_features or y.shape != (x.shape[0],)
            or x.dtype.kind != "f" or y.dtype.kind != "f"):
        raise DatasetError(f"{path}: {what} holds x of shape (n, {n_features}) and y of shape (n,), floats; this file "
                           f"has x {x.shape} {x.dtype} and y {y.shape} {y.dtype}")
    return x, y
