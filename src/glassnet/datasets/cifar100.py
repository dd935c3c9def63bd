"""CIFAR-100 small colour images, as ``keras.datasets.cifar100``: 100 fine classes in 20 coarse ones.

``load_data(label_mode="fine") -> ((x_train, y_train), (x_test, y_test))``: x uint8 (50000 / 10000,
32, 32, 3) (channels last), y int64 (n, 1) (as Keras 3 returns them): the fine labels 0..99, or with
``label_mode="coarse"`` the superclasses 0..19.  glassnet adds ``path=`` (the
``cifar-100-python.tar.gz`` archive or its unpacked ``cifar-100-python`` folder); otherwise the
cache, the mirror, Keras's origin.  Read with the restricted pickle reader.  Integrity: the
archive's published SHA-256 (a folder you give is read as it is).
"""
from __future__ import annotations

import numpy as np

from ._cifar import decode_batch, read_batches

ARCHIVE_NAME = "cifar-100-python.tar.gz"
ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
INNER = "cifar-100-python"


def load_data(label_mode="fine", path=None):
    """``((x_train, y_train), (x_test, y_test))``; ``label_mode`` is "fine" (100 classes) or "coarse" (20)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: label_mode must be one of "fine", "coarse"; got {label_mode!r}')
    raw = read_batches(path, ARCHIVE_NAME, ORIGIN, FILE_SHA256, INNER, ("train", "test"),
                       "CIFAR-100 (cifar-100-python.tar.gz)")
    classes = 100 if label_mode == "fine" else 20
    out = []
    for name in ("train", "test"):
        x, y = decode_batch(*raw[name], f"{label_mode}_labels", classes)
        out.append((np.ascontiguousarray(x), y.reshape(-1, 1)))
    return out[0], out[1]
