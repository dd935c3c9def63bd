"""Safe extraction of tar and zip archives (``get_file(..., extract=True)``).

Before anything is written, every member is checked: its path must stay inside the target folder
(no absolute name, no ``..`` that climbs out), a symbolic or hard link must point inside it, devices
and FIFOs are refused, and the unpacked sizes must add up to at most ``max_bytes`` (and fit on the
disk), which bounds what a gzip or zip bomb can cost.  The archive is unpacked into a temporary
folder beside the target and renamed into place only when complete, so a failure leaves nothing
behind.  Tar members are written with Python's ``"data"`` extraction filter as a second guard.
"""
from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib

from ._files import DatasetError

#: the most bytes an archive may unpack to, and the most members it may hold
MAX_EXTRACTED_BYTES = 16 << 30
MAX_MEMBERS = 1_000_000


def _inside(root: str, name: str) -> bool:
    """Whether ``root/name`` stays inside ``root`` (lexically, before anything exists)."""
    if not name or os.path.isabs(name) or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return False
    target = os.path.normpath(os.path.join(root, name))
    return target == root or target.startswith(root + os.sep)


def _check_name(archive, root, name):
    if "\0" in name or not _inside(root, name.replace("\\", "/")):
        raise DatasetError(f"{archive}: member {name!r} would be written outside the target folder; refused")


def _check_total(archive, total, count, max_bytes):
    if count > MAX_MEMBERS:
        raise DatasetError(f"{archive}: more than {MAX_MEMBERS} members; refused")
    if total > max_bytes:
        raise DatasetError(f"{archive}: unpacks to more than {max_bytes} bytes (a decompression bomb?); refused")


def _check_tar(path, tar, root, max_bytes):
    members, total = [], 0
    for member in tar:          # headers are read one by one: a bomb stops at the limit, not at its end
        _check_name(path, root, member.name)
        if member.issym() or member.islnk():
            if member.issym():
                dest = os.path.join(os.path.dirname(os.path.join(root, member.name)), member.linkname)
                ok = not os.path.isabs(member.linkname) and _inside(root, os.path.relpath(os.path.normpath(dest), root))
            else:
                ok = _inside(root, member.linkname)
            if not ok:
                kind = "symbolic" if member.issym() else "hard"
                raise DatasetError(f"{path}: member {member.name!r} is a {kind} link to {member.linkname!r}, outside "
                                   f"the target folder; refused")
        elif not (member.isfile() or member.isdir()):
            raise DatasetError(f"{path}: member {member.name!r} is a device or FIFO; refused")
        total += member.size if member.isfile() else 0
        members.append(member)
        _check_total(path, total, len(members), max_bytes)
    return members, total


def _check_zip(path, archive, root, max_bytes):
    members, total = archive.infolist(), 0
    _check_total(path, 0, len(members), max_bytes)
    for info in members:
        _check_name(path, root, info.filename)
        if info.flag_bits & 0x1:
            raise DatasetError(f"{path}: member {info.filename!r} is encrypted; refused")
        total += info.file_size
        _check_total(path, total, len(members), max_bytes)
    return members, total


def _check_space(path, folder, total):
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if total > free:
        raise DatasetError(f"{path}: unpacks to {total} bytes but only {free} are free in {folder}")


def extract_archive(file_path, path=".", archive_format="auto", max_bytes=None) -> bool:
    """Unpack ``file_path`` into the folder ``path``, safely; ``True`` when it was an archive of ``archive_format``.

    ``archive_format``: ``"auto"`` (``["tar", "zip"]``), ``"tar"`` (tar, tar.gz, tar.bz2, tar.xz),
    ``"zip"``, a list of those, or ``None`` (no extraction, returns ``False``), as Keras's.
    An existing ``path`` is replaced as a whole once the new content is complete.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        if fmt not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'auto', 'tar', 'zip', a list of those or None; "
                             f"got {fmt!r}")
    file_path, path = os.fspath(file_path), os.path.abspath(os.fspath(path))
    limit = MAX_EXTRACTED_BYTES if max_bytes is None else int(max_bytes)
    for fmt in formats:
        is_match = tarfile.is_tarfile if fmt == "tar" else zipfile.is_zipfile
        try:
            if not is_match(file_path):
                continue
        except OSError as exc:
            raise DatasetError(f"{file_path}: cannot be read ({exc})") from None
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".partial", dir=parent)
        try:
            if fmt == "tar":
                _extract_tar(file_path, tmp, limit)
            else:
                _extract_zip(file_path, tmp, limit)
            _replace_folder(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return True
    return False


def _extract_tar(file_path, tmp, limit):
    try:
        with tarfile.open(file_path) as tar:
            members, total = _check_tar(file_path, tar, tmp, limit)
            _check_space(file_path, tmp, total)
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            if not kwargs and any(m.issym() or m.islnk() for m in members):
                raise DatasetError(f"{file_path}: links in archives need Python's tar filters (3.11.4+); refused")
            tar.extractall(tmp, members=members, **kwargs)
    except tarfile.FilterError as exc:
        raise DatasetError(f"{file_path}: {exc}; refused") from None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DatasetError(f"{file_path}: not a complete tar archive ({exc}); it may be truncated") from None


def _extract_zip(file_path, tmp, limit):
    try:
        with zipfile.ZipFile(file_path) as archive:
            members, total = _check_zip(file_path, archive, tmp, limit)
            _check_space(file_path, tmp, total)
            for info in members:
                target = os.path.join(tmp, info.filename.replace("\\", "/"))
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(info) as src, open(target, "wb") as out:   # a zip 'symlink' stays a plain file
                    shutil.copyfileobj(src, out, 1 << 20)
                os.chmod(target, stat.S_IMODE(0o644))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DatasetError(f"{file_path}: not a complete zip archive ({exc}); it may be truncated") from None


def _replace_folder(tmp, path):
    if os.path.lexists(path):
        old = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".old", dir=os.path.dirname(path))
        os.rmdir(old)
        os.replace(path, old)
        os.replace(tmp, path)
        if os.path.isdir(old) and not os.path.islink(old):
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.unlink(old)
    else:
        os.replace(tmp, path)
