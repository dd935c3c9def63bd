"""scikit-learn's bundled 8x8 digits (1797 images): the demo's default, no download needed."""
from __future__ import annotations

import numpy as np


def load_data(test_fraction: float = 0.25, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))``: x float32 in [0, 1], shape (n, 8, 8); y int labels.

    The split is stratified-free but seeded: a fixed permutation, the last ``test_fraction`` for test.
    """
    from .._validation import check_float

    test_fraction = check_float(test_fraction, "test_fraction", "digits.load_data", low=0.0, high=1.0,
                                low_inclusive=False, high_inclusive=False)
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("glassnet.datasets.digits needs scikit-learn's bundled copy; "
                          "pip install 'glassnet[sklearn]'") from None
    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(round(len(x) * (1 - test_fraction)))
    return (x[:split], y[:split]), (x[split:], y[split:])
