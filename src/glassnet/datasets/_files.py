"""Finding, checking and caching data files: explicit path, cache, mirror, then the download URL.

Every file is checked against a pinned SHA-256 of its *unpacked* content (so a
recompressed ``.gz`` with the same data passes).  Downloads go to a temporary file
beside the cache entry and are renamed only once complete and verified.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import sys
import urllib.request
import zlib
from pathlib import Path

from .._io import atomic_open


class DatasetError(ValueError):
    """A data file is missing, truncated, corrupt or not what it claims to be."""


def home() -> Path:
    """``$GLASSNET_HOME`` or ``~/.glassnet``."""
    return Path(os.environ.get("GLASSNET_HOME") or Path.home() / ".glassnet")


def cache_dir() -> Path:
    return home() / "datasets"


#: the most bytes a ``.gz`` data file may unpack to (a gzip bomb stops here, not at the memory's end)
MAX_UNPACKED_BYTES = 1 << 31


def read_bytes(path, max_bytes: int | None = None) -> bytes:
    """The unpacked bytes of ``path`` (gunzipped when it ends in .gz), with clear errors.

    Unpacking stops with an error past ``max_bytes`` (default :data:`MAX_UNPACKED_BYTES`).
    """
    path = Path(path)
    limit = MAX_UNPACKED_BYTES if max_bytes is None else int(max_bytes)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
                data = unpacked.read(limit + 1)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise DatasetError(f"{path}: not a complete gzip file ({exc}); it may be truncated") from None
        if len(data) > limit:
            raise DatasetError(f"{path}: unpacks to more than {limit} bytes, more than any data set it could be "
                               f"(a gzip bomb?); refused")
        return data
    return raw


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verified_bytes(path, expected_sha256: str | None) -> bytes:
    """Unpacked content of ``path``, after checking its SHA-256 (when one is pinned)."""
    data = read_bytes(path)
    if expected_sha256 is not None:
        got = sha256(data)
        if got != expected_sha256:
            raise DatasetError(
                f"{path}: checksum mismatch (SHA-256 of the unpacked content is {got}, expected "
                f"{expected_sha256}); the file is corrupt, truncated or a different data set. Delete it and retry."
            )
    return data


def array_sha256(array) -> str:
    """SHA-256 of an array's bytes in C order (the pin of decoded data: any container, same content)."""
    import numpy as np

    return sha256(np.ascontiguousarray(array).tobytes())


def verify_arrays(arrays: dict, pins: dict, what, dataset: str) -> None:
    """Check each decoded array against its pinned ``(shape, dtype, sha256)``; say which one differs and how."""
    for key, (shape, dtype, digest) in pins.items():
        arr = arrays[key]
        if tuple(arr.shape) != tuple(shape):
            raise DatasetError(f"{what}: {key} has shape {tuple(arr.shape)}, {dataset} has {tuple(shape)}; the file is "
                               f"truncated, a subset or another data set")
        if str(arr.dtype) != dtype:
            raise DatasetError(f"{what}: {key} holds {arr.dtype}, {dataset} holds {dtype}")
        got = array_sha256(arr)
        if got != digest:
            raise DatasetError(f"{what}: {key} (shape {tuple(arr.shape)}, {arr.dtype}) differs from {dataset}'s pinned "
                               f"content (SHA-256 of the decoded array {got}, expected {digest}); the file is corrupt "
                               f"or another data set. Delete it and retry.")


def _progress(done: int, total: int | None, name: str) -> None:
    if not sys.stderr.isatty():
        return
    if total:
        frac = done / total
        bar = "━" * int(30 * frac)
        sys.stderr.write(f"\rDownloading {name} {bar:<30} {done / 1e6:.1f}/{total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\rDownloading {name} {done / 1e6:.1f} MB")
    sys.stderr.flush()


def _progress_end() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\n")
        sys.stderr.flush()


def stream(url, dest, timeout: float = 60.0, hasher=None, check=None) -> int:
    """Stream ``url`` into ``dest`` atomically in 1 MiB chunks (a progress bar on a terminal); ``hasher``
    sees every chunk and ``check()`` runs before the file appears, so a refused download leaves nothing.
    A download shorter than its Content-Length is refused.  Returns the bytes written."""
    with urllib.request.urlopen(url, timeout=timeout) as response, atomic_open(dest, "wb") as out:
        total = response.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        done = 0
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            done += len(chunk)
            _progress(done, total, os.path.basename(str(dest)))
        _progress_end()
        if total is not None and done != total:
            raise DatasetError(f"{url}: the download stopped after {done} of {total} bytes")
        if check is not None:
            check()
    return done


def download(url: str, dest: Path, expected_sha256: str | None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` (atomically), verify it, and return ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        stream(url, dest, timeout)
    except DatasetError:
        raise
    except OSError as exc:
        raise DatasetError(f"{url}: download failed ({exc}); give the file with path=... or set "
                           f"GLASSNET_DATASETS_MIRROR to a folder that has it") from None
    try:
        verified_bytes(dest, expected_sha256)
    except DatasetError:
        dest.unlink(missing_ok=True)
        raise
    return dest


def fetch(name: str, subdir: str, urls: list[str], expected_sha256: str | None) -> Path:
    """Locate ``name``: the cache, then ``GLASSNET_DATASETS_MIRROR`` (folder or URL), then ``urls``.

    A file found in a mirror folder or downloaded is copied into the cache after verification.
    """
    cached = cache_dir() / subdir / name
    if cached.exists():
        verified_bytes(cached, expected_sha256)
        return cached
    mirror = os.environ.get("GLASSNET_DATASETS_MIRROR")
    if mirror:
        if "://" in mirror:
            return download(mirror.rstrip("/") + "/" + name, cached, expected_sha256)
        for candidate in (Path(mirror) / name, Path(mirror) / subdir / name):
            if candidate.exists():
                verified_bytes(candidate, expected_sha256)
                cached.parent.mkdir(parents=True, exist_ok=True)
                with atomic_open(cached, "wb") as out, open(candidate, "rb") as src:
                    shutil.copyfileobj(src, out)
                return cached
    errors = []
    for url in urls:
        try:
            return download(url, cached, expected_sha256)
        except DatasetError as exc:
            errors.append(str(exc))
    raise DatasetError(f"{name}: not in the cache ({cached}) nor the mirror, and every download failed: "
                       + "; ".join(errors))
