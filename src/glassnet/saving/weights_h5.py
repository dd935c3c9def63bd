"""Keras 3's weights layout (``.weights.h5``, and ``model.weights.h5`` inside a ``.keras`` zip).

One HDF5 file; every object that has state gets a group ``<path>/vars`` whose
attribute ``name`` is the object's name and whose datasets ``"0"``, ``"1"``, ...
are its variables in order::

    vars/                          attrs {'name': 'sequential'}  (the model; no datasets)
    layers/dense/vars/             attrs {'name': 'dense'}
    layers/dense/vars/0            kernel, shape (inputs, units), float32
    layers/dense/vars/1            bias, shape (units,)
    layers/dropout/vars/           attrs {'name': 'dropout'}     (no variables, group still written)
    layers/dense_1/vars/...
    optimizer/vars/                attrs {'name': 'adam'}        (compiled models only)
    optimizer/vars/0               iterations, int64 scalar
    optimizer/vars/1               learning rate, float32 scalar (absent with a schedule)
    optimizer/vars/2, 3, ...       slots in Keras's order (Adam: m, v of kernel 0, m, v of bias 0, ...)

A layer may also keep named arrays beside its variables (Keras's ``save_own_variables``): a tf_idf
lookup's ``layers/string_lookup/vars/idf_weights``; glassnet asks the layer for them
(``save_own_arrays`` / ``own_array_shapes`` / ``load_own_arrays``).

The ``layers/<key>`` keys are *not* the layers' names: they are the snake-case
class names numbered per class in model order (``dense``, ``dense_1``,
``dropout``, ...), exactly as Keras names them, so files do not depend on the
(auto-generated) layer names.  The input layer is not written.
"""
from __future__ import annotations

import io

import numpy as np

from .._registry import keras_snake_case
from ._common import (HDF5_SIGNATURE, ModelFileError, check_can_write, check_declared_storage, check_global_heaps,
                      check_readable, describe_foreign, fspath, name_list, read_array, reading, require_h5py,
                      read_variable, safe_dataset, safe_group, skip_or_raise, sniff, warn, write_file_atomically)

from .limits import get_load_limits

WEIGHTS_SUFFIX = ".weights.h5"


class _KeyNamer:
    """Keras's group names, one layer at a time: ``dense``, ``dropout``, ``dense_1``, ..."""

    def __init__(self):
        self.used: dict[str, int] = {}

    def __call__(self, layer) -> str:
        base = keras_snake_case(type(layer).__name__)
        if base in self.used:
            self.used[base] += 1
            return f"{base}_{self.used[base]}"
        self.used[base] = 0
        return base


def layer_keys(model) -> list[tuple[object, str]]:
    """``[(layer, 'dense'), (layer, 'dropout'), (layer, 'dense_1'), ...]``: Keras's group names."""
    namer = _KeyNamer()
    return [(layer, namer(layer)) for layer in model.layers]


def saved_shapes_reader(h5py, h5file, where: str):
    """For ``serialization.check_declared_weights``: the shapes the file holds for each layer in turn
    (read from the HDF5 metadata; no data is read)."""
    namer = _KeyNamer()

    def shapes_for(index, layer, predicted):
        key = namer(layer)
        group = safe_group(h5py, h5file, f"layers/{key}/vars", where)
        if group is None:
            return None if predicted else []
        shapes = []
        for i in range(len(group.keys())):
            ds = safe_dataset(h5py, group, str(i), where)
            if ds is None:
                break
            shapes.append(tuple(ds.shape))
        return shapes

    return shapes_for


def optimizer_variables(optimizer) -> list:
    """The optimizer's state variables in Keras's order (iteration, learning rate, slots...)."""
    variables = optimizer.variables
    if callable(variables) and not isinstance(variables, list):
        variables = variables()
    return list(variables)


# ====================================================================== writing
def write_state(h5file, model) -> None:
    """Write the model's state into an open, empty ``h5py.File`` in Keras 3's layout."""
    _write_layers(h5file, model)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(model, "compiled", False):
        group = h5file.create_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        for i, var in enumerate(optimizer_variables(optimizer)):
            group[str(i)] = var.numpy()


def _write_layers(group, model, prefix="") -> None:
    """``vars`` of the model, then ``layers/<key>/vars`` of each layer; a nested model gets its own
    ``layers/<key>/layers/...`` (Keras 3's layout)."""
    top = group.create_group(f"{prefix}vars")
    top.attrs["name"] = model.name
    for layer, key in layer_keys(model):
        if _is_model(layer):
            _write_layers(group, layer, f"{prefix}layers/{key}/")
            continue
        sub = group.create_group(f"{prefix}layers/{key}/vars")
        sub.attrs["name"] = layer.name
        for i, var in enumerate(layer.weights):
            sub[str(i)] = var.numpy()
        own = getattr(layer, "save_own_arrays", None)     # named state beside the variables (Keras's
        if callable(own):                                 # save_own_variables: a tf_idf lookup's idf_weights)
            for name, value in own().items():
                sub[name] = value


def _is_model(layer) -> bool:
    from ..models.model import Model

    return isinstance(layer, Model)


def _layer_stores(model, prefix=""):
    """``(layer, 'layers/<key>/vars')`` for every layer that holds weights, nested models walked."""
    for layer, key in layer_keys(model):
        if _is_model(layer):
            yield from _layer_stores(layer, f"{prefix}layers/{key}/")
        else:
            yield layer, f"{prefix}layers/{key}/vars"


def state_bytes(model, where: str) -> bytes:
    """The bytes of an HDF5 file holding the model's state (see the module docstring)."""
    h5py = require_h5py(where)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_state(f, model)
    return buf.getvalue()


# ====================================================================== reading
def _store_keys(group) -> list[str]:
    return list(group.keys()) if group is not None else []


def _read_store(h5py, group, variables, where, what, skip_mismatch, named=()):
    """Arrays for ``variables`` from datasets "0", "1", ... of ``group`` (None: skipped with a warning).
    ``named`` keys (a layer's own named arrays) are not variables and are left out of the count."""
    keys = [k for k in _store_keys(group) if k not in named]
    if len(keys) != len(variables) or any(str(i) not in keys for i in range(len(variables))):
        msg = (f"{where}: {what} has {len(variables)} variable(s) in the model but the file holds "
               f"{len(keys)} ({name_list(sorted(keys)) or 'none'})")
        skip_or_raise(msg, skip_mismatch)
        return None
    arrays = []
    for i, var in enumerate(variables):
        array = read_variable(h5py, group, str(i), var, where,
                              f"{what} variable #{i} ({getattr(var, 'name', '?')})", skip_mismatch)
        if array is None:
            return None
        arrays.append(array)
    return arrays


def plan_optimizer_state(optimizer, saved, where: str) -> list:
    """Pair saved optimizer values (Keras's order) with ``optimizer``'s variables.

    ``saved`` holds HDF5 datasets (or arrays); each is read only after its
    shape was checked against the variable it fills.  Same count: every
    variable is paired.  A file written before the optimizer was built holds
    only the leading scalars (iteration, learning rate): those are paired and
    the slots keep their initial values, which is what they would hold anyway.
    Any other count is skipped with a warning (an empty plan), as Keras does.
    A shape that differs raises :class:`ModelFileError`.
    """
    variables = optimizer_variables(optimizer)
    if len(saved) != len(variables):
        head = 0
        while head < len(variables) and getattr(variables[head], "name", None) in ("iteration", "learning_rate"):
            head += 1
        if len(saved) == head and head > 0:
            variables = variables[:head]
        else:
            warn(f"{where}: skipping the optimizer state: optimizer {optimizer.name!r} has {len(variables)} "
                 f"variables but the file holds {len(saved)}; training restarts with a fresh optimizer state")
            return []
    for var, src in zip(variables, saved):
        if tuple(src.shape) != tuple(var.shape):
            raise ModelFileError(f"{where}: optimizer variable {getattr(var, 'path', '?')!r} has shape "
                                 f"{tuple(src.shape)} in the file, but {tuple(var.shape)} in the model")
    return [(var, read_array(src, var.shape, where, f"optimizer variable {getattr(var, 'path', '?')!r}"))
            for var, src in zip(variables, saved)]


def apply_plan(plan) -> None:
    """Assign ``[(variable, array), ...]`` (arrays cast to each variable's dtype)."""
    for var, arr in plan:
        var.assign(np.asarray(arr).astype(var.dtype, copy=False))


def _optimizer_datasets(h5py, group, where) -> list:
    keys = _store_keys(group)
    if any(k not in keys for k in map(str, range(len(keys)))):
        raise ModelFileError(f"{where}: the optimizer group holds unexpected keys {sorted(keys)}")
    datasets = [safe_dataset(h5py, group, str(i), where) for i in range(len(keys))]
    if any(ds is None for ds in datasets):
        raise ModelFileError(f"{where}: an optimizer variable is listed in the file but cannot be opened")
    return datasets


def read_state(h5file, model, where: str, skip_mismatch: bool = False, load_optimizer: bool = True) -> None:
    """Load the state written by :func:`write_state` (or by Keras) into a built ``model``.

    Every array (layers and optimizer) is read and checked before any is
    assigned, so a file that does not fit leaves the model untouched.
    """
    h5py = require_h5py(where)
    pending = []
    own_pending = []
    for layer, path in _layer_stores(model):
        key = path[len("layers/"):-len("/vars")]
        variables = layer.weights
        group = safe_group(h5py, h5file, path, where)
        if group is None and not variables:
            continue
        if group is None:
            msg = (f"{where}: no weights for layer {layer.name!r} ({type(layer).__name__}) in the file: "
                   f"group 'layers/{key}/vars' is missing (the file holds "
                   f"{name_list(_store_keys(safe_group(h5py, h5file, 'layers', where))) or 'no layers'})")
            skip_or_raise(msg, skip_mismatch)
            continue
        shapes = layer.own_array_shapes() if callable(getattr(layer, "own_array_shapes", None)) else {}
        arrays = _read_store(h5py, group, variables, where, f"layer {layer.name!r} ({key})", skip_mismatch,
                             named=tuple(shapes))
        if arrays is not None:
            pending.append((variables, arrays))
        if shapes and group is not None:
            own = {}
            for name, shape in shapes.items():
                ds = safe_dataset(h5py, group, name, where) if name in _store_keys(group) else None
                if ds is not None:
                    own[name] = read_array(ds, shape, where, f"layer {layer.name!r} ({key}) {name}")
            own_pending.append((layer, own))
    plan = [pair for variables, arrays in pending for pair in zip(variables, arrays)]
    optimizer = getattr(model, "optimizer", None)
    if load_optimizer and optimizer is not None and getattr(model, "compiled", False):
        group = safe_group(h5py, h5file, "optimizer/vars", where)
        if group is not None:
            plan += plan_optimizer_state(optimizer, _optimizer_datasets(h5py, group, where), where)
    apply_plan(plan)
    for layer, own in own_pending:
        layer.load_own_arrays(own)


def open_h5(h5py, source, where: str):
    """``h5py.File(source, 'r')`` with a clear error for files that are not HDF5 (or would hang libhdf5)."""
    check_global_heaps(source, where)
    try:
        f = h5py.File(source, "r")
    except OSError as exc:
        raise ModelFileError(f"{where}: not a readable HDF5 file ({exc})") from exc
    try:
        check_declared_storage(h5py, f, where, get_load_limits())
    except BaseException as exc:
        f.close()
        if isinstance(exc, (RuntimeError, OSError, KeyError, ValueError, TypeError)) and \
                not isinstance(exc, ModelFileError):     # libhdf5 failing to walk a damaged file
            raise ModelFileError(f"{where}: the HDF5 file is corrupt ({type(exc).__name__}: {exc})") from exc
        raise
    return f


# ====================================================================== public
def save_weights(model, filepath, overwrite=True) -> None:
    """Write the model's weights (and optimizer state, if compiled) to ``*.weights.h5``, atomically."""
    where = "save_weights"
    path = fspath(filepath, where)
    if not path.endswith(WEIGHTS_SUFFIX):
        raise ValueError(f"{where}: the filename must end in `.weights.h5` (Keras 3's weights format), "
                         f"got {path!r}; use model.save('model.keras') to save the whole model")
    if not getattr(model, "built", False):
        raise ValueError(f"{where}: the model has not been built yet, so it has no weights; build it first "
                         f"(Input(shape=...), model.build((None, n_features)) or fit it on data)")
    check_can_write(path, overwrite, where)
    data = state_bytes(model, where)
    write_file_atomically(path, data)


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Load a ``*.weights.h5`` file (Keras 3's layout) into a built model."""
    where_fn = "load_weights"
    path = fspath(filepath, where_fn)
    check_readable(path, where_fn)
    where = f"load_weights({path!r})"
    if not getattr(model, "built", False):
        raise ValueError(f"{where}: the model has not been built yet; build it first (Input(shape=...), "
                         f"model.build((None, n_features)) or fit it) so that its weights exist")
    head = sniff(path)
    if not head.startswith(HDF5_SIGNATURE):
        raise ModelFileError(f"{where}: not a .weights.h5 file: {describe_foreign(head)}")
    h5py = require_h5py(where_fn)
    with reading(path, ".weights.h5 file"):
        with open_h5(h5py, path, where) as f:
            if "model_config" in f.attrs or "model_weights" in f:
                raise ModelFileError(f"{where}: this is a legacy whole-model .h5 file, not Keras 3's "
                                     f".weights.h5 layout; rename it to end in '.h5' (not '.weights.h5') "
                                     f"or load it with glassnet.models.load_model")
            if "layers" not in f and "vars" not in f and model.layers and any(l.weights for l in model.layers):
                raise ModelFileError(f"{where}: the HDF5 file has no 'layers' group, so it is not a Keras 3 "
                                     f"weights file (top-level keys: {sorted(f.keys())})")
            read_state(f, model, where, skip_mismatch=skip_mismatch)
