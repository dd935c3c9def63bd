"""CIFAR's "python version" batches: read from the ``.tar.gz`` or its unpacked folder, never unpickled.

Each batch is a Python 2 pickle of a dict: ``data`` (uint8, one image per row: 1024 red, 1024
green, 1024 blue values, row by row) and the labels (a list of ints).  The restricted pickle reader
builds it; rows become ``(n, 3, 32, 32)``, then ``(n, 32, 32, 3)`` (channels last, Keras's default).
"""
from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

import numpy as np

from . import _keras_files
from ._files import DatasetError
from ._restricted_pickle import loads

#: the most bytes one batch may hold (the real ones are 31 MB and 155 MB)
MAX_BATCH_BYTES = 1 << 30


def decode_batch(raw: bytes, name: str, label_key: str, num_classes: int):
    """``(images uint8 (n, 32, 32, 3), labels int64 (n,))`` of one pickled batch."""
    batch = loads(raw, name)
    if not isinstance(batch, dict):
        raise DatasetError(f"{name}: a CIFAR batch is a dict, this pickle holds a {type(batch).__name__}")
    batch = {k.decode("utf-8", "replace") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise DatasetError(f"{name}: a CIFAR batch needs 'data' and {label_key!r}; it has {', '.join(map(str, batch))}")
    data, labels = batch["data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DatasetError(f"{name}: 'data' must be uint8 rows of 3072 values (3 x 32 x 32); got "
                           f"{getattr(data, 'shape', type(data).__name__)} {getattr(data, 'dtype', '')}")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise DatasetError(f"{name}: {label_key!r} must be a list of ints") from None
    if labels.shape != (len(data),):
        raise DatasetError(f"{name}: {len(data)} images but {labels.size} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise DatasetError(f"{name}: labels must be in 0..{num_classes - 1}; found {labels.min()}..{labels.max()}")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def _read_folder(folder: Path, inner: str, names):
    for base in (folder / inner, folder):
        if all((base / n).is_file() for n in names):
            return {n: ((base / n).read_bytes(), str(base / n)) for n in names}
    return None


def _read_tar(path: Path, inner: str, names):
    wanted = {f"{inner}/{n}": n for n in names}
    found = {}
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                if member.name in wanted and member.isfile():
                    if member.size > MAX_BATCH_BYTES:
                        raise DatasetError(f"{path}: member {member.name} claims {member.size} bytes; refused")
                    found[wanted[member.name]] = (tar.extractfile(member).read(), f"{path}[{member.name}]")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DatasetError(f"{path}: not a complete tar archive ({exc}); it may be truncated") from None
    missing = [m for m, n in wanted.items() if n not in found]
    if missing:
        raise DatasetError(f"{path}: missing {', '.join(missing)}")
    return found


def read_batches(path, archive_name, origin, file_hash, inner, names, what):
    """``{name: (bytes, where)}`` of the batches: from ``path`` (the archive or its folder), else the usual sources.

    A folder given as ``path`` is read as it is (the published hash is of the archive); an archive
    from any source must have the published hash.
    """
    if path is not None:
        local = Path(path)
        if local.is_dir():
            found = _read_folder(local, inner, names)
            if found is not None:
                return found
            if not (local / archive_name).is_file():
                raise DatasetError(f"{local}: expected {archive_name} or the folder {inner} with {', '.join(names)}")
    archive = _keras_files.locate(path, archive_name, origin, file_hash, what)
    return _read_tar(archive, inner, names)
