"""Helpers shared by the file formats: errors, paths, h5py, safe HDF5 reads.

Nothing here executes anything a file contains: HDF5 objects are reached only
through hard links, external and virtual datasets are refused, and a dataset
is read only after its shape was checked against the variable it will fill
(so a file cannot make glassnet allocate more memory than the model needs).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import struct
import warnings
import zipfile
import zlib

import numpy as np

from .._io import atomic_write_bytes

#: The Keras release whose file layouts glassnet writes (and states in its files).
KERAS_VERSION = "3.15.1"

#: The first bytes of every HDF5 file (at offset 0 for the files h5py writes).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


class ModelFileError(ValueError):
    """A file that cannot be read as a model or weights file.

    Raised for corrupt, truncated, empty or foreign files, for unsafe content
    (path traversal in a zip, HDF5 external links, unknown class names) and for
    files whose weights do not fit the model.  The message names the file and
    says what is wrong.  A subclass of ``ValueError``, as Keras raises.
    """


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """The file does not exist (both a ``ValueError``, as in Keras, and a ``FileNotFoundError``)."""


def fspath(filepath, where: str) -> str:
    """``str`` or ``os.PathLike`` -> ``str``; anything else is a ``TypeError``."""
    if isinstance(filepath, (str, os.PathLike)):
        path = os.fspath(filepath)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not path:
            raise ValueError(f"{where}: filepath must not be empty")
        return path
    raise TypeError(f"{where}: filepath must be a str or os.PathLike, got {type(filepath).__name__} {filepath!r}")


def check_can_write(path: str, overwrite, where: str) -> None:
    """Refuse to replace an existing file when ``overwrite`` is False, and refuse directories."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where}: {path!r} is a directory; give a file path such as 'model.keras'")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{where}: {path!r} already exists and overwrite=False; "
                              f"pass overwrite=True to replace it")


def write_file_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically (``glassnet._io``: temporary file, fsync, rename)."""
    atomic_write_bytes(path, data)


def check_readable(path: str, where: str) -> None:
    if not os.path.exists(path):
        raise ModelFileNotFoundError(f"{where}: no such file: {path!r}")
    if os.path.isdir(path):
        raise ModelFileError(f"{where}: {path!r} is a directory, not a model file")


def sniff(path: str) -> bytes:
    """The first 8 bytes of the file (b'' for an empty file)."""
    with open(path, "rb") as fh:
        return fh.read(8)


def describe_foreign(head: bytes) -> str:
    """A few words on what a file that is not what we expected seems to be."""
    if not head:
        return "the file is empty (0 bytes)"
    if head.startswith(HDF5_SIGNATURE):
        return "it is an HDF5 file"
    if head.startswith(ZIP_SIGNATURE):
        return "it is a zip archive"
    if head.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON text file"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "it looks like a text file"
    return f"its first bytes are {head!r}"


def require_h5py(where: str):
    """Import h5py or raise an ``ImportError`` that names the extra to install."""
    try:
        import h5py
    except ImportError as exc:   # pragma: no cover - h5py is installed in the test environment
        raise ImportError(
            f"{where} needs the h5py package (HDF5 files: .keras, .h5, .weights.h5). "
            f"Install it with: pip install 'glassnet[h5]'"
        ) from exc
    return h5py


@contextlib.contextmanager
def reading(path: str, what: str):
    """Turn low-level read failures into :class:`ModelFileError` naming ``path``.

    Errors that are already a ``ModelFileError`` pass through unchanged.
    """
    try:
        yield
    except ModelFileError:
        raise
    except (OSError, KeyError, EOFError, zipfile.BadZipFile, zlib.error, zipfile.LargeZipFile,
            NotImplementedError, RuntimeError, UnicodeDecodeError, json.JSONDecodeError,
            RecursionError, ValueError, TypeError, IndexError, OverflowError, struct.error) as exc:
        # (h5py and zipfile raise plain ValueError / TypeError / IndexError for some corrupt bytes)
        raise ModelFileError(f"{path!r}: cannot read this {what}: the file is corrupt or truncated "
                             f"({type(exc).__name__}: {exc})") from exc


# ----------------------------------------------------------------- HDF5 global heaps
def _hdf5_sizeof_lengths(data) -> int | None:
    """The superblock's "size of lengths" (bytes per length field), or None if unreadable."""
    if len(data) < 16 or bytes(data[:8]) != HDF5_SIGNATURE:
        return None
    version = data[8]
    return data[14] if version in (0, 1) else data[10] if version in (2, 3) else None


def check_global_heaps(source, where: str) -> None:
    """Refuse an HDF5 file whose global heap would send libhdf5 into an endless loop.

    A global heap collection (``GCOL``: strings of variable length live there) lists its
    objects as ``index (2 bytes), references (2), reserved (4), size (size of lengths)``;
    libhdf5 walks them by ``size`` and never advances past an entry with index 0 and size 0
    (a run of zero bytes, say), spinning forever in ``H5HG__cache_heap_deserialize``.  This
    walks every collection the same way first.  ``source`` is a path or a ``BytesIO``.
    """
    import mmap

    if isinstance(source, io.BytesIO):
        data, handle = source.getvalue(), None
    else:
        handle = open(source, "rb")
        try:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):      # an empty file: h5py says what is wrong with it
            handle.close()
            return
    try:
        width = _hdf5_sizeof_lengths(data)
        if width not in (2, 4, 8):
            return
        header, obj_header = 8 + width, 8 + width
        start = data.find(b"GCOL")
        while start >= 0:
            size = int.from_bytes(data[start + 8:start + 8 + width], "little")
            end = start + size
            if data[start + 4] == 1 and header < size and end <= len(data):
                p = start + header
                while p + obj_header <= end:
                    index = int.from_bytes(data[p:p + 2], "little")
                    length = int.from_bytes(data[p + 8:p + 8 + width], "little")
                    step = length if index == 0 else obj_header + ((length + 7) & ~7)
                    if step == 0:
                        raise ModelFileError(f"{where}: the HDF5 file is corrupt: the global heap at byte {start} "
                                             f"has an empty entry at byte {p} (the HDF5 library would loop forever "
                                             f"reading it); refusing to open it")
                    p += step
            start = data.find(b"GCOL", start + 4)
    finally:
        if handle is not None:
            data.close()
            handle.close()


# ----------------------------------------------------------------- HDF5 attributes
def attr_to_str(value) -> str:
    """An HDF5 string attribute (str, bytes or a 0-d array of either) as ``str``."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string attribute, got {type(value).__name__}")


def read_str_list_attr(group, name: str) -> list[str]:
    """A list-of-strings attribute, also in Keras's chunked form ``name0``, ``name1``, ..."""
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks, i = [], 0
        while f"{name}{i}" in group.attrs:
            chunks.append(group.attrs[f"{name}{i}"])
            i += 1
    out = []
    for chunk in chunks:
        arr = np.asarray(chunk)
        if arr.size == 0:
            continue
        for item in arr.reshape(-1):
            out.append(attr_to_str(item))
    return out


def write_str_list_attr(group, name: str, items) -> None:
    """Store a list of strings as Keras does: variable-length ASCII strings, or an empty float array."""
    data = [s.encode("utf8") for s in items]
    if data:
        group.attrs[name] = data
    else:
        group.attrs[name] = np.asarray([])


# ----------------------------------------------------------------- safe HDF5 access
def _hard_link(h5py, parent, name: str, where: str):
    """``parent[name]`` when it is a hard link in this file; None when absent; soft/external links refused."""
    link = parent.get(name, default=None, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ModelFileError(f"{where}: refusing {type(link).__name__} {name!r} in the HDF5 file "
                             f"(only plain groups and datasets are allowed)")
    return parent[name]


def safe_group(h5py, parent, path: str, where: str):
    """The group at ``path`` below ``parent`` reached through hard links only, or None if absent."""
    current = parent
    for part in path.split("/"):
        if not part:
            continue
        current = _hard_link(h5py, current, part, where)
        if current is None:
            return None
        if not isinstance(current, h5py.Group):
            raise ModelFileError(f"{where}: expected an HDF5 group at {path!r}, found a {type(current).__name__}")
    return current


def safe_dataset(h5py, group, key: str, where: str):
    """The dataset ``key`` in ``group`` (hard link, stored in this file), or None if absent."""
    if "/" in key:
        head, key = key.rsplit("/", 1)
        group = safe_group(h5py, group, head, where)
        if group is None:
            return None
    ds = _hard_link(h5py, group, key, where)
    if ds is None:
        return None
    if not isinstance(ds, h5py.Dataset):
        raise ModelFileError(f"{where}: expected an HDF5 dataset at {key!r}, found a {type(ds).__name__}")
    if ds.external:
        raise ModelFileError(f"{where}: refusing dataset {key!r}: its data lives in external files {ds.external}")
    if ds.is_virtual:
        raise ModelFileError(f"{where}: refusing dataset {key!r}: it is a virtual dataset")
    return ds


def check_declared_storage(h5py, h5file, where: str, limits) -> None:
    """Refuse an HDF5 file whose datasets declare far more bytes than the file stores.

    A dataset's shape is metadata: a few bytes can declare a (20000, 20000) array
    whose chunks were never written (or compress 1000:1), and reading it would
    allocate 1.6 GB.  The bytes all datasets declare may exceed what they store
    by ``max_ratio`` (beyond ``ratio_floor_bytes``), as for a zip member.
    Only metadata is read.
    """
    from .limits import raise_hint

    totals = [0, 0, None]

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.shape is not None:
            declared = int(obj.dtype.itemsize)
            for d in obj.shape:
                declared *= int(d)
            totals[0] += declared
            totals[1] += int(obj.id.get_storage_size())
            if totals[2] is None or declared > totals[2][1]:
                totals[2] = (name, declared, tuple(obj.shape))
        return None

    h5file.visititems(visit)
    declared, stored, largest = totals
    if declared > limits.ratio_floor_bytes + limits.max_ratio * stored:
        raise ModelFileError(
            f"{where}: the HDF5 datasets declare {declared:,} bytes but the file stores {stored:,} (the largest, "
            f"{largest[0]!r}, declares shape {largest[2]}); refusing to allocate for data that is not there "
            f"(max_ratio={limits.max_ratio} beyond {limits.ratio_floor_bytes:,} bytes; {raise_hint('max_ratio')})")


def read_array(ds, expected_shape, where: str, what: str) -> np.ndarray:
    """Read a numeric dataset after checking that its shape is ``expected_shape``."""
    if tuple(ds.shape) != tuple(expected_shape):
        raise ModelFileError(f"{where}: {what} has shape {tuple(ds.shape)} in the file, "
                             f"but the model expects {tuple(expected_shape)}")
    if ds.dtype.kind not in "fiub":
        raise ModelFileError(f"{where}: {what} has the non-numeric HDF5 type {ds.dtype}")
    return np.asarray(ds[()])


class _HugeInteger(ValueError):
    pass


def load_json(raw, where: str, what: str, limits):
    """Parse JSON text (``bytes`` as UTF-8, or ``str``) from a file, within ``limits``.

    The text may hold at most ``max_config_bytes`` bytes and its integers at most
    ``max_int_digits`` digits (a config's integers are layer widths and counts:
    a 5000-digit one is an attack on ``int()``, whose cost grows with the
    square of the digits).  Any problem is a :class:`ModelFileError` naming
    ``where`` (the file) and ``what`` (the member or attribute).
    """
    from .limits import raise_hint

    if len(raw) > limits.max_config_bytes:
        raise ModelFileError(f"{where}: {what} holds {len(raw)} bytes, more than the {limits.max_config_bytes} "
                             f"glassnet parses (max_config_bytes; {raise_hint('max_config_bytes')})")

    def parse_int(digits: str) -> int:
        if len(digits) > limits.max_int_digits + 1:
            raise _HugeInteger(f"{what} holds an integer of {len(digits.lstrip('-'))} digits "
                               f"({digits[:20]}...); glassnet accepts at most {limits.max_int_digits} "
                               f"(max_int_digits)")
        return int(digits)

    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        return json.loads(text, parse_int=parse_int)
    except _HugeInteger as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ModelFileError(f"{where}: {what} is not valid JSON text in UTF-8 ({type(exc).__name__}: {exc})") from None


def name_list(names, most: int = 10) -> str:
    """Names read from a file, for an error message: control characters escaped, each name cut at 80
    characters, at most ``most`` of them."""
    from .._validation import printable

    names = list(names)
    shown = [printable(n if len(n) <= 80 else n[:77] + "...") for n in names[:most]]
    more = f", ... ({len(names) - most} more)" if len(names) > most else ""
    return ", ".join(shown) + more


def warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=3)


def read_variable(h5py, group, key: str, var, where: str, what: str, skip_mismatch: bool):
    """The array of dataset ``key`` of ``group`` for the model variable ``var`` (``what`` names it in
    messages), its shape checked before it is read; ``None`` when the shape differs and
    ``skip_mismatch`` (see :func:`skip_or_raise`)."""
    ds = safe_dataset(h5py, group, key, where)
    if ds is None:
        raise ModelFileError(f"{where}: {what} is listed in the file but cannot be opened")
    if tuple(ds.shape) != tuple(var.shape):
        skip_or_raise(f"{where}: {what} has shape {tuple(ds.shape)} in the file, but the model expects "
                      f"{tuple(var.shape)}", skip_mismatch)
        return None
    return read_array(ds, var.shape, where, what)


def skip_or_raise(message: str, skip_mismatch: bool) -> None:
    """A part of the file that does not fit the model: with ``skip_mismatch`` a warning (the
    caller then skips that part), otherwise :class:`ModelFileError`."""
    if not skip_mismatch:
        raise ModelFileError(message)
    warnings.warn(message + "; skipped (skip_mismatch=True)", UserWarning, stacklevel=3)
