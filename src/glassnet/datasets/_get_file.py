"""``get_file``: download a file into the cache once, check its hash, optionally unpack it (Keras 3's).

The file lands in ``cache_dir/cache_subdir/fname`` (``cache_dir`` defaults to ``$GLASSNET_HOME`` or
``~/.glassnet``, where Keras uses ``~/.keras``).  The download streams into a temporary file beside
the target; the hash (MD5 for 32 hex digits, SHA-256 for 64, or ``hash_algorithm``) is computed on
the way and the file is renamed into place only when complete and correct, so the cache never holds
half a file or a wrong one.  A cached file whose hash differs is downloaded again.  Archives are
unpacked by :func:`glassnet.datasets._archive.extract_archive` (no member outside the target folder,
no links out of it, a bounded size).  A progress bar is drawn when stderr is a terminal.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

from . import _archive, _files
from ._files import DatasetError

_ALGORITHMS = ("auto", "md5", "sha256")


def resolve_hasher(algorithm="auto", file_hash=None):
    """``sha256`` when asked, or for ``"auto"`` when ``file_hash`` has 64 hex digits; else ``md5``."""
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"get_file: hash_algorithm must be one of {', '.join(_ALGORITHMS)}; got {algorithm!r}")
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535) -> str:
    """The hex digest of the file ``fpath`` (``algorithm``: "sha256", "md5", "auto" or a hashlib object)."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """Whether ``fpath``'s hash equals ``file_hash`` (MD5 or SHA-256, detected as in :func:`resolve_hasher`)."""
    return hash_file(fpath, resolve_hasher(algorithm, file_hash), chunk_size) == str(file_hash).lower()


def _check_hash(file_hash, where="get_file"):
    if file_hash is None:
        return None
    text = str(file_hash).strip().lower()
    if len(text) not in (32, 64) or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"{where}: file_hash must be an MD5 (32 hex digits) or SHA-256 (64 hex digits); "
                         f"got {file_hash!r}")
    return text


def _writable_base(cache_dir) -> str:
    base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(base, exist_ok=True)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return os.path.join(tempfile.gettempdir(), ".glassnet")     # as Keras falls back to /tmp/.keras


def download(origin, target, file_hash=None, algorithm="auto", timeout=60.0) -> str:
    """Stream ``origin`` into ``target`` atomically, checking ``file_hash`` before the file appears."""
    hasher = resolve_hasher(algorithm, file_hash)

    def check():
        if file_hash is not None and hasher.hexdigest() != file_hash:
            raise DatasetError(f"{origin}: incomplete or corrupted download: its {hasher.name} is "
                               f"{hasher.hexdigest()}, expected {file_hash}; nothing was written to {target}")

    try:
        _files.stream(origin, target, timeout, hasher=hasher, check=check)
    except urllib.error.HTTPError as exc:
        raise DatasetError(f"URL fetch failure on {origin}: {exc.code} -- {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DatasetError(f"URL fetch failure on {origin}: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"URL fetch failure on {origin}: {exc}") from None
    return target


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` into the cache unless a correct copy is there; return the local path (a ``str``).

    Arguments are Keras 3's: ``fname`` (the file's name in the cache; default: the URL's last part;
    no folders), ``origin`` (the URL; ``file://`` works too), ``file_hash`` (MD5 or SHA-256, checked
    after download and on a cached copy; ``md5_hash`` is its deprecated MD5-only spelling),
    ``cache_subdir`` (a folder under ``cache_dir``, or an absolute path), ``hash_algorithm``
    ("auto", "md5", "sha256"), ``extract`` / ``untar`` (unpack a tar or zip; the extraction folder
    is returned: ``fname`` without its extension + ``_extracted``, or ``fname`` when it has none),
    ``archive_format`` ("auto", "tar", "zip", None), ``cache_dir`` (default ``$GLASSNET_HOME`` or
    ``~/.glassnet``), ``force_download``.
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file to download)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    file_hash = _check_hash(file_hash)
    resolve_hasher(hash_algorithm, file_hash)          # validates hash_algorithm
    base = _writable_base(_files.home() if cache_dir is None else cache_dir)
    datadir = os.path.join(base, os.fspath(cache_subdir))
    os.makedirs(datadir, exist_ok=True)

    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(str(origin)).path)
        if not fname:
            raise ValueError(f"get_file: cannot tell the file name from origin {origin!r}; give fname")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(f"get_file: fname must be a file name, not a path (use cache_dir for the folder); "
                         f"got fname={fname!r}")
    if fname in (".", ".."):
        raise ValueError(f"get_file: fname {fname!r} is not a file name")

    if extract or untar:
        if provided and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[: fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, fname + "_archive")
    else:
        download_target = os.path.join(datadir, fname)

    fetched = force_download or not os.path.exists(download_target)
    if not fetched and file_hash is not None and not validate_file(download_target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{resolve_hasher(hash_algorithm, file_hash).name} file hash does not match the original value of "
              f"{file_hash} so we will re-download the data.")
        fetched = True
    if fetched:
        print(f"Downloading data from {origin}")
        download(origin, download_target, file_hash, hash_algorithm)

    if extract or untar:
        if untar:
            archive_format = "tar"
        if fetched or not os.path.isdir(extraction_dir):
            if not _archive.extract_archive(download_target, extraction_dir, archive_format):
                warnings.warn(f"get_file: could not extract {download_target} (not a {archive_format} archive)",
                              stacklevel=2)
        return extraction_dir
    return download_target
