"""CIFAR-10 small colour images, as ``keras.datasets.cifar10``: 50,000 training and 10,000 test images.

``load_data() -> ((x_train, y_train), (x_test, y_test))``: x uint8 (n, 32, 32, 3) (channels last),
y uint8 (n, 1), labels 0..9 (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck).
glassnet adds ``path=``: the ``cifar-10-python.tar.gz`` archive or its unpacked
``cifar-10-batches-py`` folder (or the folder above it).  Without it: the cache, the mirror,
Keras's origin (the Toronto site).  The batches are Python pickles, read by glassnet's restricted
reader (never unpickled).  Integrity: the archive's published SHA-256 (Keras's); a folder you give
is read as it is (the published hash is of the archive; no local copy was at hand to pin the
decoded arrays).
"""
from __future__ import annotations

import numpy as np

from ._cifar import decode_batch, read_batches

ARCHIVE_NAME = "cifar-10-python.tar.gz"
ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
INNER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``, uint8, as Keras 3 gives them (channels last)."""
    raw = read_batches(path, ARCHIVE_NAME, ORIGIN, FILE_SHA256, INNER, TRAIN_BATCHES + ("test_batch",),
                       "CIFAR-10 (cifar-10-python.tar.gz)")
    parts = [decode_batch(*raw[name], "labels", 10) for name in TRAIN_BATCHES]
    x_test, y_test = decode_batch(*raw["test_batch"], "labels", 10)
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts]).astype(np.uint8).reshape(-1, 1)
    return (x_train, y_train), (np.ascontiguousarray(x_test), y_test.astype(np.uint8).reshape(-1, 1))
