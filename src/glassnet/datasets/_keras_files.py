"""Where Keras's data files come from: a local ``path``, the cache, the mirror, then Keras's own URL.

``locate(path, default_name, origin, file_hash)`` follows Keras's meaning of ``path`` (a file name in
the cache, ``$GLASSNET_HOME/datasets``) and adds glassnet's: a ``path`` with a folder part (``./x.npz``,
``/data/x.npz``, a ``Path`` to a folder holding ``default_name``) is a local copy, used as it is.
Without a local copy, the cache is tried, then ``GLASSNET_DATASETS_MIRROR`` (a folder, copied into
the cache, or a URL), then the origin Keras downloads from, through :func:`get_file`.  Every copy,
whatever its source, must have the published ``file_hash`` (MD5 or SHA-256 of the file, as Keras pins
it); a copy that differs is refused with an error naming the file and both hashes.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .._io import atomic_open
from . import _files
from ._files import DatasetError
from ._get_file import get_file, resolve_hasher, hash_file


def is_local(path) -> bool:
    """Whether ``path`` names a local copy (it has a folder part) rather than a name in the cache."""
    text = os.fspath(path)
    return os.path.isabs(text) or os.sep in text or bool(os.altsep and os.altsep in text) or os.path.isdir(text)


def check_file(path: Path, file_hash: str | None, what: str) -> Path:
    """``path`` itself, once its hash is the published one."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file (expected {what})")
    if file_hash is not None:
        hasher = resolve_hasher("auto", file_hash)
        got = hash_file(path, hasher)
        if got != file_hash:
            raise DatasetError(f"{path}: its {hasher.name} is {got}, but the published {what} has {file_hash}; the "
                               f"file is corrupt, truncated or another data set (delete it and retry)")
    return path


def locate(path, default_name: str, origin: str, file_hash: str | None, what: str | None = None) -> Path:
    """A verified local copy of ``default_name`` (see the module's docstring for the order of sources)."""
    what = what or default_name
    if path is None:
        path = default_name
    if is_local(path):
        local = Path(path)
        return check_file(local / default_name if local.is_dir() else local, file_hash, what)
    name = os.fspath(path)
    cached = _files.cache_dir() / name
    if cached.is_file():
        try:
            return check_file(cached, file_hash, what)
        except DatasetError:
            pass                                   # a bad cached copy is fetched again, as Keras does
    mirror = os.environ.get("GLASSNET_DATASETS_MIRROR")
    if mirror and "://" not in mirror:
        for candidate in (Path(mirror) / name, Path(mirror) / default_name):
            if candidate.is_file():
                check_file(candidate, file_hash, what)
                with atomic_open(cached, "wb") as out, open(candidate, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                return cached
    if mirror and "://" in mirror:
        origin = mirror.rstrip("/") + "/" + default_name
    try:
        return Path(get_file(name, origin=origin, file_hash=file_hash, cache_dir=_files.home()))
    except DatasetError as exc:
        raise DatasetError(f"{what}: not in the cache ({cached}) nor the mirror, and the download failed ({exc}); "
                           f"give a local copy with path=... or set GLASSNET_DATASETS_MIRROR") from None
