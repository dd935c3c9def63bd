"""Keras 3's ``.keras`` format: an uncompressed zip of three members.

============================  ==================================================
``metadata.json``             ``{"keras_version": "3.15.1", "date_saved": "YYYY-MM-DD@HH:MM:SS"}``
``config.json``               the model as Keras's ``serialize_keras_object``: module,
                              class_name, config (layers...), registered_name,
                              build_config, compile_config (optimizer, loss, metrics)
``model.weights.h5``          the state in Keras 3's HDF5 layout (see
                              :mod:`glassnet.saving.weights_h5`): layer weights and
                              optimizer state (iterations, learning rate, slots)
``assets/layers/<key>/...``    layers' asset files, where Keras writes them (an adapted
                              StringLookup / IntegerLookup's ``vocabulary.txt``)
============================  ==================================================

Members are written in that order, stored (not deflated), as Keras writes them.
The whole archive is built in memory and written atomically (temporary file in
the same folder, fsync, rename), so a crash never leaves a half-written file.

Reading never extracts anything: members are read into memory, after checking
that every member name is a plain relative name (no ``..``, no absolute path)
and that no name appears twice.  Each member is decompressed here, not by
``zipfile`` (which inflates a bzip2 or LZMA chunk in one call, whatever it
expands to), in 64 KiB chunks with a bound on the output of every call: the
member stops at the limits of :mod:`glassnet.saving.limits` (bytes, and ratio of
output to compressed input read so far), whatever sizes the archive declares;
its size and CRC-32 are then checked.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import struct
import zipfile
import zlib

from . import serialization, weights_h5
from ._common import (KERAS_VERSION, ModelFileError, check_can_write, check_readable, describe_foreign, load_json,
                      name_list, reading, require_h5py, sniff, warn, write_file_atomically)
from .limits import get_load_limits, raise_hint

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
GLASSNET_STATE_NAME = "glassnet_state.json"
WEIGHTS_NAME = "model.weights.h5"
ASSETS_PREFIX = "assets/"


# ====================================================================== writing
def archive_bytes(model) -> bytes:
    """The bytes of the ``.keras`` zip for ``model`` (see the module docstring)."""
    where = "save"
    config_json = json.dumps(serialization.serialize_model(model))
    metadata_json = json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })
    weights = weights_h5.state_bytes(model, where)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_NAME, metadata_json.encode())
        zf.writestr(CONFIG_NAME, config_json.encode())
        zf.writestr(WEIGHTS_NAME, weights)
        for name, data in _asset_members(model):
            zf.writestr(name, data)
        if hasattr(model, "get_rng_state"):
            # glassnet's own member (Keras ignores it): the random generators' state, so that a
            # resumed run shuffles and drops out exactly as an uninterrupted one would.
            zf.writestr(GLASSNET_STATE_NAME, json.dumps({"rng_state": model.get_rng_state()}).encode())
    return buf.getvalue()


def save_keras(model, path: str, overwrite=True) -> None:
    """Write ``model`` to ``path`` (``*.keras``) atomically."""
    check_can_write(path, overwrite, "save")
    require_h5py("save")
    if not getattr(model, "built", False):
        warn("You are saving a model that has not yet been built. It might not contain any weights yet. "
             "Consider building the model first by calling it on some data.")
    write_file_atomically(path, archive_bytes(model))


def _asset_members(model):
    """``[(member name, bytes)]`` of the layers' asset files, where Keras writes them:
    ``assets/layers/<key>/<file>`` (``<key>`` as in the weights file; e.g. an adapted
    StringLookup's ``vocabulary.txt``)."""
    out = []
    for layer, key in weights_h5.layer_keys(model):
        save_assets = getattr(layer, "save_assets", None)
        if callable(save_assets):
            for fname, text in save_assets().items():
                out.append((f"{ASSETS_PREFIX}layers/{key}/{fname}",
                            text.encode("utf-8") if isinstance(text, str) else bytes(text)))
    return out


def _load_assets(model, assets: dict, where: str) -> None:
    """Hand each layer that has ``load_assets`` its files from ``assets/layers/<key>/``."""
    for layer, key in weights_h5.layer_keys(model):
        load_assets = getattr(layer, "load_assets", None)
        if not callable(load_assets):
            continue
        prefix = f"{ASSETS_PREFIX}layers/{key}/"
        files = {name[len(prefix):]: data for name, data in assets.items() if name.startswith(prefix)}
        try:
            load_assets(files)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: cannot restore the assets of layer {layer.name!r} ({key}): {exc}") from exc


# ====================================================================== reading
def _check_member_names(zf: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    seen = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (name.startswith(("/", "\\")) or ".." in parts or "\x00" in name
                or (len(name) > 1 and name[1] == ":")):
            raise ModelFileError(f"{where}: refusing the archive: member {name!r} points outside the archive "
                                 f"(absolute path or '..'); nothing was extracted or written")
        if name in seen:
            raise ModelFileError(f"{where}: refusing the archive: member {name!r} appears twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{where}: member {name!r} is encrypted; .keras files are never encrypted")
    return infos


_EOCD = struct.Struct("<4sHHHHIIH")            # end of central directory record (22 bytes)
_ZIP64_LOCATOR = struct.Struct("<4sIQI")        # zip64 end of central directory locator (20 bytes)
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")     # zip64 end of central directory record (56 bytes)
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # local file header (30 bytes)
_CHUNK = 1 << 16


def _check_directory_size(path: str, where: str, limits) -> None:
    """Refuse an archive whose central directory lists more than ``max_members`` members.

    Read from the end record before ``zipfile`` parses the directory, whose cost
    (a ``ZipInfo`` per entry) would otherwise grow with whatever the file declares.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        fh.seek(max(0, size - (_EOCD.size + 0xFFFF)))
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            return          # zipfile says what is wrong with it
        _sig, _disk, _cd_disk, _here, entries, cd_size, _cd_offset, _comment = _EOCD.unpack_from(tail, at)
        if (entries == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
            sig, _d, offset, _n = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
            if sig == b"PK\x06\x07" and offset + _ZIP64_EOCD.size <= size:
                fh.seek(offset)
                record = fh.read(_ZIP64_EOCD.size)
                fields = _ZIP64_EOCD.unpack(record)
                if fields[0] == b"PK\x06\x06":
                    entries, cd_size = fields[7], fields[8]
    if entries > limits.max_members or cd_size > limits.max_members * (46 + 3 * 1024):
        raise ModelFileError(f"{where}: the archive lists {entries} members in a directory of {cd_size} bytes; "
                             f"a .keras file has 3 or 4 (limit max_members={limits.max_members}; "
                             f"{raise_hint('max_members')})")


def _lzma_decompressor(head: bytes, cap: int, name: str, where: str):
    """A raw LZMA1 decompressor for a zip member (APPNOTE 5.8.8: version, size of the properties,
    then ``lc/lp/pb`` in one byte and the dictionary size), its dictionary no larger than ``cap``."""
    import lzma

    if len(head) < 9 or head[2:4] != b"\x05\x00":
        raise ModelFileError(f"{where}: member {name!r} is not a valid LZMA stream (bad properties header)")
    props = head[4]
    lc, rest = props % 9, props // 9
    lp, pb = rest % 5, rest // 5
    dict_size = int.from_bytes(head[5:9], "little")
    if pb > 4:
        raise ModelFileError(f"{where}: member {name!r} is not a valid LZMA stream (properties byte {props})")
    # A stream refers back at most to the bytes it already produced, which never exceed ``cap``: a smaller
    # dictionary decodes every stream that fits under the cap and keeps liblzma from reserving gigabytes.
    filters = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb,
                "dict_size": max(4096, min(dict_size, cap + 1))}]
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters)


def _read_member(path: str, zf: zipfile.ZipFile, name: str, limit_name: str, where: str, limits) -> bytes:
    """Member ``name`` decompressed in bounded chunks.

    Whatever the method (stored, deflate, bzip2, LZMA) and whatever sizes the
    archive declares, the output never exceeds ``limit`` bytes, nor
    ``ratio_floor_bytes + max_ratio x`` the compressed bytes consumed so far:
    decompression stops at the first chunk that passes either bound.  The
    result must then have the declared size and CRC-32.
    """
    info = zf.getinfo(name)
    limit = getattr(limits, limit_name)
    if info.file_size > limit:
        raise ModelFileError(f"{where}: member {name!r} declares {info.file_size} bytes, more than the "
                             f"{limit} glassnet accepts ({limit_name}; {raise_hint(limit_name)})")
    method = info.compress_type
    if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        raise ModelFileError(f"{where}: member {name!r} uses compression method {method}, which glassnet does not "
                             f"read (stored, deflate, bzip2 and LZMA are read)")
    if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ModelFileError(f"{where}: member {name!r} is stored but declares {info.compress_size} stored and "
                             f"{info.file_size} uncompressed bytes")
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise ModelFileError(f"{where}: member {name!r}: no local header at byte {info.header_offset}")
        fields = _LOCAL_HEADER.unpack(header)
        name_len, extra_len = fields[9], fields[10]
        local_name = fh.read(name_len)
        if local_name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.orig_filename:
            raise ModelFileError(f"{where}: member {name!r}: the local header names {local_name[:100]!r}")
        data_start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if data_start + info.compress_size > os.path.getsize(path):
            raise ModelFileError(f"{where}: member {name!r} is truncated: it declares {info.compress_size} "
                                 f"compressed bytes past the end of the file")
        fh.seek(data_start)
        if method == zipfile.ZIP_STORED:
            data = fh.read(info.compress_size)
        else:
            data = _inflate(fh, info, limit_name, where, limits)
    if len(data) != info.file_size:
        raise ModelFileError(f"{where}: member {name!r} holds {len(data)} bytes but declares {info.file_size}: "
                             f"the archive is corrupt or truncated")
    if zlib.crc32(data) & 0xFFFFFFFF != info.CRC:
        raise ModelFileError(f"{where}: member {name!r} fails its CRC-32 check: the archive is corrupt")
    return data


def _inflate(fh, info, limit_name: str, where: str, limits) -> bytes:
    name, method = info.filename, info.compress_type
    limit = getattr(limits, limit_name)
    remaining = info.compress_size
    cap = min(limit, limits.ratio_floor_bytes + limits.max_ratio * max(info.compress_size, 1))
    if method == zipfile.ZIP_LZMA:
        head = fh.read(min(9, remaining))
        remaining -= len(head)
        consumed = len(head)
        decomp = _lzma_decompressor(head, cap, name, where)
    else:
        consumed = 0
        if method == zipfile.ZIP_DEFLATED:
            decomp = zlib.decompressobj(-15)
        else:
            import bz2

            decomp = bz2.BZ2Decompressor()
    pieces, total = [], 0
    pending = b""
    while True:
        if _needs_input(decomp, pending) and remaining > 0:
            chunk = fh.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            consumed += len(chunk)
            pending += chunk
        bound = min(limit, limits.ratio_floor_bytes + limits.max_ratio * consumed)
        room = bound - total + 1        # never more output than the bound allows for the input read so far
        try:
            if method == zipfile.ZIP_DEFLATED:
                out = decomp.decompress(pending, room)
                pending = decomp.unconsumed_tail
            else:
                out = decomp.decompress(pending, max_length=room)
                pending = b""
        except (zlib.error, OSError, EOFError, ValueError, LookupError) as exc:
            raise ModelFileError(f"{where}: member {name!r} cannot be decompressed: the archive is corrupt "
                                 f"({type(exc).__name__}: {exc})") from exc
        total += len(out)
        pieces.append(out)
        if total > bound:
            which = limit_name if total > limit else "max_ratio"
            raise ModelFileError(
                f"{where}: member {name!r} expands {consumed} compressed bytes to more than {total - 1} bytes "
                f"(stopped there; it declares {info.file_size}); refusing a possible zip bomb (limits: "
                f"{limit} bytes, ratio {limits.max_ratio}:1 beyond {limits.ratio_floor_bytes} bytes; "
                f"{raise_hint(which)})")
        if getattr(decomp, "eof", False):
            break
        if remaining == 0 and not out and _needs_input(decomp, pending):
            break
    return b"".join(pieces)


_ZLIB_DECOMPRESS = type(zlib.decompressobj())


def _needs_input(decomp, pending: bytes) -> bool:
    if isinstance(decomp, _ZLIB_DECOMPRESS):
        return not pending
    return decomp.needs_input


def read_archive(path: str, where: str, extras: dict | None = None) -> tuple[dict, bytes]:
    """``(config dict, model.weights.h5 bytes)`` from a ``.keras`` file, with every check applied.

    When ``extras`` is a dict, glassnet's own optional member (the random generators' state)
    is decoded into it under ``'glassnet_state'``.
    """
    head = sniff(path)
    if not head:
        raise ModelFileError(f"{where}: the file is empty (0 bytes); it is not a .keras archive")
    if not zipfile.is_zipfile(path):
        detail = describe_foreign(head)
        hint = " (a legacy HDF5 model should be named '*.h5')" if "HDF5" in detail else ""
        if head.startswith(b"PK"):
            detail = "it starts like a zip archive but its directory is missing: the file is truncated or corrupt"
        raise ModelFileError(f"{where}: not a .keras archive: {detail}{hint}. A .keras file is a zip of "
                             f"metadata.json, config.json and model.weights.h5")
    limits = get_load_limits()
    with reading(path, ".keras archive"):
        _check_directory_size(path, where, limits)
        with zipfile.ZipFile(path, "r") as zf:
            infos = _check_member_names(zf, where)
            names = [i.filename for i in infos]
            if CONFIG_NAME not in names:
                raise ModelFileError(f"{where}: the archive has no {CONFIG_NAME} (members: "
                                     f"{name_list(names) or 'none'}); it is not a Keras model file")
            raw = _read_member(path, zf, CONFIG_NAME, "max_config_bytes", where, limits)
            if WEIGHTS_NAME not in names:
                if "model.weights.npz" in names:
                    raise ModelFileError(f"{where}: the weights are stored as model.weights.npz, which glassnet "
                                         f"does not read; save the model with Keras's default (h5) weights")
                raise ModelFileError(f"{where}: the archive has no {WEIGHTS_NAME} (members: {name_list(names)})")
            weights = _read_member(path, zf, WEIGHTS_NAME, "max_member_bytes", where, limits)
            if extras is not None:
                asset_names = [n for n in names if n.startswith(ASSETS_PREFIX) and not n.endswith("/")]
                if sum(zf.getinfo(n).file_size for n in asset_names) > limits.max_config_bytes:
                    raise ModelFileError(f"{where}: the archive's assets declare more than {limits.max_config_bytes} "
                                         f"bytes in all; refusing to read them (max_config_bytes; "
                                         f"{raise_hint('max_config_bytes')})")
                extras["assets"] = {n: _read_member(path, zf, n, "max_config_bytes", where, limits)
                                    for n in asset_names}
            if extras is not None and GLASSNET_STATE_NAME in names:
                raw_state = _read_member(path, zf, GLASSNET_STATE_NAME, "max_config_bytes", where, limits)
                extras["glassnet_state"] = load_json(raw_state, where, GLASSNET_STATE_NAME, limits)
    config = load_json(raw, where, CONFIG_NAME, limits)
    if not isinstance(config, dict):
        raise ModelFileError(f"{where}: {CONFIG_NAME} must hold a JSON object, got {type(config).__name__}")
    return config, weights


def load_keras(path: str, custom_objects=None, compile=True):
    """Rebuild, compile (if ``compile`` and the file says so) and fill a model from a ``.keras`` file."""
    where = f"load_model({path!r})"
    check_readable(path, "load_model")
    h5py = require_h5py("load_model")
    extras: dict = {}
    config, weights = read_archive(path, where, extras)
    if not weights.startswith(b"\x89HDF"):
        raise ModelFileError(f"{where}: {WEIGHTS_NAME} inside the archive is not an HDF5 file")
    with reading(path, f"{WEIGHTS_NAME} (inside the .keras archive)"):
        with weights_h5.open_h5(h5py, io.BytesIO(weights), where) as f:
            # The config's weights are checked against the file's (metadata only) before any is allocated.
            model = serialization.model_from_config(config, where=where, custom_objects=custom_objects,
                                                    compile=compile,
                                                    saved_shapes=weights_h5.saved_shapes_reader(h5py, f, where))
            weights_h5.read_state(f, model, where)
    _load_assets(model, extras.get("assets") or {}, where)
    state = extras.get("glassnet_state")
    if isinstance(state, dict) and isinstance(state.get("rng_state"), dict) and hasattr(model, "set_rng_state"):
        try:
            model.set_rng_state(state["rng_state"])
        except (TypeError, ValueError, KeyError) as exc:
            raise ModelFileError(f"{where}: {GLASSNET_STATE_NAME} holds an unusable random state ({exc})") from exc
    return model


def _load_weights_bytes(h5py, model, weights: bytes, path: str, where: str, skip_mismatch=False) -> None:
    if not weights.startswith(b"\x89HDF"):
        raise ModelFileError(f"{where}: {WEIGHTS_NAME} inside the archive is not an HDF5 file")
    with reading(path, f"{WEIGHTS_NAME} (inside the .keras archive)"):
        with weights_h5.open_h5(h5py, io.BytesIO(weights), where) as f:
            weights_h5.read_state(f, model, where, skip_mismatch=skip_mismatch)


def load_weights_from_keras(model, path: str, skip_mismatch=False) -> None:
    """``model.load_weights('model.keras')``: the weights (and optimizer state) of a ``.keras`` file."""
    where = f"load_weights({path!r})"
    check_readable(path, "load_weights")
    h5py = require_h5py("load_weights")
    if not getattr(model, "built", False):
        raise ValueError(f"{where}: the model has not been built yet; build it first so that its weights exist")
    _config, weights = read_archive(path, where)
    _load_weights_bytes(h5py, model, weights, path, where, skip_mismatch=skip_mismatch)
