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
that every member name is a plain relative name (no ``..``, no absolute path),
that no name appears twice and that the declared sizes are sane.
"""
from __future__ import annotations

import datetime
import io
import json
import zipfile

from . import serialization, weights_h5
from ._common import (KERAS_VERSION, ModelFileError, check_can_write, check_readable, describe_foreign, reading,
                      require_h5py, sniff, warn, write_file_atomically)

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
GLASSNET_STATE_NAME = "glassnet_state.json"
WEIGHTS_NAME = "model.weights.h5"
ASSETS_PREFIX = "assets/"

#: Upper bounds on what a member may declare (a .keras of a glassnet-sized model is far smaller).
MAX_CONFIG_BYTES = 64 << 20
MAX_WEIGHTS_BYTES = 8 << 30
_MAX_EXPANSION = 100


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


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, where: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ModelFileError(f"{where}: member {name!r} declares {info.file_size} bytes, more than the "
                             f"{limit} glassnet accepts")
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > _MAX_EXPANSION * max(info.compress_size, 1) \
            and info.file_size > (1 << 20):
        raise ModelFileError(f"{where}: member {name!r} would expand {info.compress_size} stored bytes to "
                             f"{info.file_size}; refusing a possible zip bomb")
    with zf.open(info, "r") as fh:
        data = fh.read(limit + 1)
    if len(data) != info.file_size:
        raise ModelFileError(f"{where}: member {name!r} is truncated ({len(data)} of {info.file_size} bytes)")
    return data


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
    with reading(path, ".keras archive"):
        with zipfile.ZipFile(path, "r") as zf:
            infos = _check_member_names(zf, where)
            names = [i.filename for i in infos]
            if CONFIG_NAME not in names:
                raise ModelFileError(f"{where}: the archive has no {CONFIG_NAME} (members: "
                                     f"{', '.join(names) or 'none'}); it is not a Keras model file")
            raw = _read_member(zf, CONFIG_NAME, MAX_CONFIG_BYTES, where)
            if WEIGHTS_NAME not in names:
                if "model.weights.npz" in names:
                    raise ModelFileError(f"{where}: the weights are stored as model.weights.npz, which glassnet "
                                         f"does not read; save the model with Keras's default (h5) weights")
                raise ModelFileError(f"{where}: the archive has no {WEIGHTS_NAME} (members: {', '.join(names)})")
            weights = _read_member(zf, WEIGHTS_NAME, MAX_WEIGHTS_BYTES, where)
            if extras is not None:
                asset_names = [n for n in names if n.startswith(ASSETS_PREFIX) and not n.endswith("/")]
                if sum(zf.getinfo(n).file_size for n in asset_names) > MAX_CONFIG_BYTES:
                    raise ModelFileError(f"{where}: the archive's assets declare more than {MAX_CONFIG_BYTES} "
                                         f"bytes in all; refusing to read them")
                extras["assets"] = {n: _read_member(zf, n, MAX_CONFIG_BYTES, where) for n in asset_names}
            if extras is not None and GLASSNET_STATE_NAME in names:
                raw_state = _read_member(zf, GLASSNET_STATE_NAME, MAX_CONFIG_BYTES, where)
                try:
                    extras["glassnet_state"] = json.loads(raw_state.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                    raise ModelFileError(f"{where}: {GLASSNET_STATE_NAME} is not valid JSON ({exc})") from exc
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{where}: {CONFIG_NAME} is not valid UTF-8 JSON ({exc})") from exc
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
    model = serialization.model_from_config(config, where=where, custom_objects=custom_objects, compile=compile)
    _load_weights_bytes(h5py, model, weights, path, where)
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
