"""MNIST handwritten digits, as ``keras.datasets.mnist``: ``load_data() -> ((x_train, y_train), (x_test, y_test))``.

``path`` defaults to Keras's ``"mnist.npz"`` (a name in the cache).  Shapes and types are Keras's:
``x`` uint8 ``(60000, 28, 28)`` / ``(10000, 28, 28)``, ``y`` uint8.
Sources, in order: ``path`` (a folder of the four IDX ``.gz`` files, a Keras-style ``.npz``, or a
folder with ``mnist_train.csv`` / ``mnist_test.csv``, plain or ``.gz``), the cache
(``$GLASSNET_HOME/datasets/mnist``), the mirror ``GLASSNET_DATASETS_MIRROR``, the download URL.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from . import _files, _keras_files
from ._files import DatasetError

# SHA-256 of the unpacked IDX files (their MD5s are the canonical ones published with MNIST)
IDX_FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
CSV_FILES = {
    "mnist_train.csv": "fb60bc58af4dac3554e394af262b3184479833d3cc540ff8783f274b73492d5d",
    "mnist_test.csv": "51c292478d94ec3a01461bdfa82eb0885d262eb09e615679b2d69dedb6ad09e7",
}
# SHA-256 of the decoded arrays' bytes (C order): every source (IDX, CSV, npz) must give exactly these
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
NPZ_NAME = "mnist.npz"
NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"   # Keras's published hash
NPZ_URLS = ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"]


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode the IDX format: 2 zero bytes, a type code (0x08 = uint8), the rank, big-endian dims, data."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DatasetError(f"{name}: not an IDX file (bad magic number {data[:4]!r})")
    if data[2] != 0x08:
        raise DatasetError(f"{name}: IDX type code {data[2]:#x} is not supported (only 0x08, unsigned bytes)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DatasetError(f"{name}: IDX header is truncated")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(dims)      # exact: np.prod would wrap around in int64 for huge headers
    if len(data) - header != expected:
        raise DatasetError(f"{name}: IDX data holds {len(data) - header} bytes, but its header {dims} "
                           f"promises {expected}; the file is truncated or corrupt")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def _check_pair(x, y, what):
    if x.ndim == 0 or y.ndim == 0:
        raise DatasetError(f"{what}: images and labels must be arrays, got shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise DatasetError(f"{what}: {x.shape[0]} images but {y.shape[0]} labels")
    return x, y


def _verify_arrays(data, what):
    """Check the decoded arrays against the pinned hashes (any container, same content)."""
    (x_train, y_train), (x_test, y_test) = data
    for name, arr in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        arr = np.ascontiguousarray(arr, dtype=np.uint8) if arr.dtype != np.uint8 else np.ascontiguousarray(arr)
        if _files.sha256(arr.tobytes()) != ARRAY_SHA256[name]:
            raise DatasetError(f"{what}: {name} does not match MNIST's pinned SHA-256 (shape {arr.shape}); "
                               f"the file is corrupt, truncated or another data set")
    return data


def _load_idx_folder(folder: Path):
    arrays = []
    for name, digest in IDX_FILES.items():
        candidates = [folder / name, folder / name[:-3]]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            raise DatasetError(f"{folder}: missing {name}")
        arrays.append(parse_idx(_files.verified_bytes(path, digest), str(path)))
    xtr, ytr, xte, yte = arrays
    return _check_pair(xtr, ytr, folder), _check_pair(xte, yte, folder)


def _load_npz(path: Path):
    from ._restricted_pickle import load_npz

    data = _files.read_bytes(path)
    what = f"{path}: not a Keras-style MNIST .npz (x_train, y_train, x_test, y_test)"
    try:
        arrays = load_npz(data, str(path))       # member sizes checked before allocation; nothing unpickled
        out = (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
    except DatasetError as exc:
        raise DatasetError(f"{what}: {exc}") from None
    except KeyError as exc:
        raise DatasetError(f"{what}: no array {exc}") from None
    if any(a.dtype.hasobject for pair in out for a in pair):
        raise DatasetError(f"{what}: it holds pickled objects, not arrays of numbers")
    return _verify_arrays((_check_pair(*out[0], path), _check_pair(*out[1], path)), path)


def parse_csv(data: bytes, name: str):
    """The lab's CSV layout: label, then 784 pixel values, one image per line; no header."""
    first, _, rest = data.partition(b"\n")
    if first and not first.split(b",")[0].strip().isdigit():      # tolerate a header line
        data = rest
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    try:
        flat = np.fromstring(data.replace(b"\n", b",").decode("ascii", errors="replace"), dtype=np.int64, sep=",")
    except ValueError as exc:      # NumPy 2: text that is not comma-separated integers
        raise DatasetError(f"{name}: not an MNIST CSV: expected lines of 785 comma-separated integers "
                           f"(label + 28*28 pixels) ({exc})") from None
    if lines == 0 or flat.size != lines * 785:
        raise DatasetError(f"{name}: not an MNIST CSV: expected {lines} lines of 785 numbers "
                           f"(label + 28*28 pixels), got {flat.size} numbers in all")
    table = flat.reshape(lines, 785)
    if table.min() < 0 or table[:, 1:].max() > 255 or table[:, 0].max() > 9:
        raise DatasetError(f"{name}: values out of range (labels 0..9, pixels 0..255)")
    return table[:, 1:].astype(np.uint8).reshape(-1, 28, 28), table[:, 0].astype(np.uint8)


def load_csv(train_csv, test_csv, verify=False):
    """Load the lab's ``mnist_train.csv`` / ``mnist_test.csv`` (plain or .gz) -> Keras's tuples.

    Any CSV of that layout loads (a subset, say); ``verify=True`` also checks it is the full MNIST.
    """
    out = tuple(parse_csv(_files.read_bytes(p), str(p)) for p in (Path(train_csv), Path(test_csv)))
    return _verify_arrays(out, f"{train_csv}, {test_csv}") if verify else out


def _load_csv_folder(folder: Path):
    paths = []
    for name, digest in CSV_FILES.items():
        path = next((p for p in (folder / name, folder / (name + ".gz")) if p.exists()), None)
        if path is None:
            return None
        paths.append((path, digest))
    out = tuple(parse_csv(_files.verified_bytes(path, digest), str(path)) for path, digest in paths)
    return _verify_arrays(out, folder)


def load_data(path=NPZ_NAME):
    """``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, exactly Keras's shapes.

    ``path`` (Keras's default ``"mnist.npz"``): a bare file name is the name in the cache, as in
    Keras; a path with a folder part (or an existing folder) is a local copy: a folder (IDX ``.gz``
    files, or the CSV pair) or a ``.npz`` file.  Otherwise the cache, the mirror and the download
    are tried in that order.
    """
    if path is not None and _keras_files.is_local(path):
        path = Path(path)
        if path.is_dir():
            found = _load_folder(path)
            if found is not None:
                return found
            raise DatasetError(f"{path}: no MNIST files here (expected the four IDX .gz files, "
                               f"mnist_train.csv + mnist_test.csv, or mnist.npz)")
        if path.suffix == ".npz":
            return _load_npz(path)
        raise DatasetError(f"{path}: expected a folder or a .npz file")
    for folder in _local_folders():
        found = _load_folder(folder)
        if found is not None:
            return found
    name = NPZ_NAME if path is None else os.fspath(path)
    return _load_npz(_files.fetch(name, "mnist", NPZ_URLS, NPZ_SHA256))


def _local_folders():
    """The cache, then a mirror folder (``GLASSNET_DATASETS_MIRROR``) and its ``mnist/`` subfolder."""
    yield _files.cache_dir() / "mnist"
    mirror = os.environ.get("GLASSNET_DATASETS_MIRROR")
    if mirror and "://" not in mirror:
        yield Path(mirror)
        yield Path(mirror) / "mnist"


def _load_folder(folder: Path):
    """MNIST from whatever complete set of files ``folder`` holds, or None when it holds none."""
    if not folder.is_dir():
        return None
    if all((folder / n).exists() or (folder / n[:-3]).exists() for n in IDX_FILES):
        return _load_idx_folder(folder)
    csv = _load_csv_folder(folder)
    if csv is not None:
        return csv
    if (folder / NPZ_NAME).exists():
        return _load_npz(folder / NPZ_NAME)
    return None
