"""Fashion-MNIST (Zalando's clothing images), as ``keras.datasets.fashion_mnist``.

``load_data(path=None) -> ((x_train, y_train), (x_test, y_test))``: uint8, (60000, 28, 28) and
(10000, 28, 28), labels 0..9 (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
Sneaker, Bag, Ankle boot).  Sources as for MNIST: ``path`` (a folder of the four IDX ``.gz``
files), the cache, ``GLASSNET_DATASETS_MIRROR``, then the download URL.

Each ``.gz`` archive is checked against the MD5 its authors publish with the data set (no
local copy was at hand to pin the SHA-256 of the unpacked content, as MNIST's are); a
mismatch is an error naming the file.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import _files
from ._files import DatasetError
from .mnist import _check_pair, parse_idx

#: the authors' published MD5 of each archive
FILES = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
BASE_URLS = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/"]
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")


def _verified_archive(path: Path, md5: str) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    got = hashlib.md5(raw).hexdigest()
    if got != md5:
        raise DatasetError(f"{path}: checksum mismatch (MD5 {got}, expected the published {md5}); the file is "
                           f"corrupt, truncated or another data set. Delete it and retry.")
    return _files.read_bytes(path)


def _load_folder(folder: Path):
    paths = {name: folder / name for name in FILES}
    if not all(p.exists() for p in paths.values()):
        return None
    arrays = [parse_idx(_verified_archive(paths[name], md5), str(paths[name])) for name, md5 in FILES.items()]
    xtr, ytr, xte, yte = arrays
    return _check_pair(xtr, ytr, folder), _check_pair(xte, yte, folder)


def load_data(path=None):
    """Fashion-MNIST as Keras gives it: ``((x_train, y_train), (x_test, y_test))``, uint8."""
    if path is not None:
        found = _load_folder(Path(path))
        if found is None:
            raise DatasetError(f"{path}: expected a folder with {', '.join(FILES)}")
        return found
    folders = [_files.cache_dir() / "fashion_mnist"]
    mirror = os.environ.get("GLASSNET_DATASETS_MIRROR")
    if mirror and "://" not in mirror:
        folders += [Path(mirror) / "fashion_mnist", Path(mirror)]
    for folder in folders:
        found = _load_folder(folder)
        if found is not None:
            return found
    for name in FILES:   # download each archive into the cache; the MD5 is checked on load
        urls = [base + name for base in BASE_URLS]
        _files.fetch(name, "fashion_mnist", urls, None)
    return _load_folder(_files.cache_dir() / "fashion_mnist")
