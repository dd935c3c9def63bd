"""Fashion-MNIST (Zalando's clothing images), as ``keras.datasets.fashion_mnist``.

``load_data(path=None) -> ((x_train, y_train), (x_test, y_test))``: uint8, (60000, 28, 28) and
(10000, 28, 28), labels 0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
Sneaker, Bag, Ankle boot).  Sources as for MNIST: ``path`` (a folder of the four IDX files,
``.gz`` or unpacked), the cache, ``GLASSNET_DATASETS_MIRROR``, the folder of Debian's
``dataset-fashion-mnist`` package when installed, then Keras's download URL.

Integrity is checked on the *decoded* arrays: each one's shape, dtype and the SHA-256 of its
bytes are pinned (taken from Debian's ``dataset-fashion-mnist`` copy, whose unpacked IDX files
have the MD5s the data set's authors publish).  Any correct copy loads whatever its compression
(the authors' archives, a distribution's re-compressed ones, unpacked files); a damaged or
different copy is refused with an error naming the file and the array that differs.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import _files
from ._files import DatasetError
from .mnist import _check_pair, parse_idx

#: the four files, in Keras's return order, and the array each decodes to
FILES = {
    "train-images-idx3-ubyte.gz": "x_train",
    "train-labels-idx1-ubyte.gz": "y_train",
    "t10k-images-idx3-ubyte.gz": "x_test",
    "t10k-labels-idx1-ubyte.gz": "y_test",
}
#: shape, dtype and SHA-256 of each decoded array's bytes (C order)
ARRAY_PINS = {
    "x_train": ((60000, 28, 28), "uint8", "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012"),
    "y_train": ((60000,), "uint8", "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7"),
    "x_test": ((10000, 28, 28), "uint8", "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a"),
    "y_test": ((10000,), "uint8", "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9"),
}
#: where Debian's (and Ubuntu's) package dataset-fashion-mnist installs the files (re-compressed: same data)
DISTRIBUTION_FOLDER = Path("/usr/share/datasets/fashion-mnist")
BASE_URLS = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/"]
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")


def _find(folder: Path, name: str):
    return next((p for p in (folder / name, folder / name[:-3]) if p.is_file()), None)


def _load_folder(folder: Path):
    """The four arrays from ``folder``, checked against the pins; None when the folder lacks a file."""
    paths = {name: _find(folder, name) for name in FILES}
    if any(p is None for p in paths.values()):
        return None
    arrays = {}
    for name, key in FILES.items():
        arr = parse_idx(_files.read_bytes(paths[name]), str(paths[name]))
        _files.verify_arrays({key: arr}, {key: ARRAY_PINS[key]}, paths[name], "Fashion-MNIST")
        arrays[key] = arr
    return (_check_pair(arrays["x_train"], arrays["y_train"], folder),
            _check_pair(arrays["x_test"], arrays["y_test"], folder))


def load_data(path=None):
    """Fashion-MNIST as Keras gives it: ``((x_train, y_train), (x_test, y_test))``, uint8."""
    if path is not None:
        found = _load_folder(Path(path))
        if found is None:
            raise DatasetError(f"{path}: expected a folder with {', '.join(FILES)} (gzipped or not)")
        return found
    cache = _files.cache_dir() / "fashion_mnist"
    folders = [cache]
    mirror = os.environ.get("GLASSNET_DATASETS_MIRROR")
    if mirror and "://" not in mirror:
        folders += [Path(mirror) / "fashion_mnist", Path(mirror) / "fashion-mnist", Path(mirror)]
    folders.append(DISTRIBUTION_FOLDER)
    for folder in folders:
        found = _load_folder(folder)
        if found is not None:
            return found
    fetched = []
    for name in FILES:   # download each missing archive into the cache; the decoded arrays are checked below
        if _find(cache, name) is None:
            fetched.append(_files.fetch(name, "fashion_mnist", [base + name for base in BASE_URLS], None))
    try:
        return _load_folder(cache)
    except DatasetError:
        for p in fetched:      # a bad download must not stay in the cache
            p.unlink(missing_ok=True)
        raise
