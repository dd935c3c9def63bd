"""Keras's legacy HDF5 model format (``model.save('my_model.h5')``).

Layout (as Keras 3.15.1 writes it)::

    /                                  attrs: backend, keras_version,
                                              model_config    JSON {"class_name": "Sequential", "config": {...}}
                                                              (layers as {"class_name", "config"} only)
                                              training_config JSON compile arguments, the optimizer as
                                                              "optimizer_config" (compiled models only)
    model_weights/                     attrs: layer_names (every layer, model order), backend, keras_version
    model_weights/<layer name>/        attrs: weight_names ['sequential/dense/kernel', 'sequential/dense/bias']
                                       (an empty list for layers without weights)
    model_weights/<layer name>/sequential/dense/kernel   (inputs, units) float32
    model_weights/<layer name>/sequential/dense/bias     (units,)
    model_weights/top_level_model_weights/   attrs: weight_names [] (a Sequential has none)
    optimizer_weights/                 attrs: weight_names ['adam/iteration', 'adam/learning_rate',
                                              'adam/sequential_dense_kernel_momentum', ...]
    optimizer_weights/adam/iteration, ...   one dataset per name, in that order

Weights are matched to layers *by order* (layers that have weights, in model
order), as Keras does; the optimizer state is matched by order too.

Keras 3 cannot load back its own ``.h5`` of a model compiled with an alias
such as ``loss='mse'`` (it looks for ``keras.metrics.mse``); glassnet resolves
the names through its own registries, so such files load (and compile).
"""
from __future__ import annotations

import io
import json

import numpy as np

from . import serialization, weights_h5
from ._common import (HDF5_SIGNATURE, KERAS_VERSION, ModelFileError, attr_to_str, check_can_write, check_readable,
                      describe_foreign, load_json, name_list, read_str_list_attr, reading, require_h5py,
                      read_variable, safe_dataset, safe_group, sniff, warn, write_file_atomically, write_str_list_attr)
from .limits import get_load_limits

BACKEND = "numpy"


# ====================================================================== writing
def _weight_name(model, layer, var) -> str:
    """Keras's variable path, ``'<model>/<layer>/<variable>'`` (e.g. ``'sequential/dense/kernel'``)."""
    return f"{model.name}/{layer.name}/{var.name}"


def _legacy_weights(layer) -> list:
    """Keras's legacy order: trainable weights, then non-trainable ones."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def optimizer_weight_names(model, optimizer) -> list[str]:
    """Names as Keras gives them: ``adam/iteration``, ``adam/sequential_dense_kernel_momentum``, ...

    glassnet names a slot ``<optimizer>/<layer>_<variable>_<slot>``; Keras puts
    the model's name in front of the layer's, which is added here.
    """
    prefixes = {v.path.replace("/", "_") + "_" for v in model.trainable_weights}
    names = []
    for var in weights_h5.optimizer_variables(optimizer):
        path = getattr(var, "path", None) or var.name
        head, _, local = path.partition("/")
        if not local:
            head, local = optimizer.name, path
        if any(local.startswith(p) for p in prefixes):
            local = f"{model.name}_{local}"
        names.append(f"{head}/{local}")
    if len(set(names)) != len(names):           # never expected; keep the file loadable regardless
        names = [f"{optimizer.name}/variable_{i}" for i in range(len(names))]
    return names


def _write_dataset(group, name: str, value: np.ndarray) -> None:
    ds = group.create_dataset(name, value.shape, dtype=value.dtype)
    if value.shape:
        ds[:] = value
    else:
        ds[()] = value


def write_file(h5file, model, include_optimizer=True) -> None:
    """Write ``model`` into an open, empty ``h5py.File`` in the legacy layout above."""
    h5file.attrs["backend"] = BACKEND
    h5file.attrs["keras_version"] = KERAS_VERSION
    h5file.attrs["model_config"] = json.dumps(serialization.legacy_model_config(model)).encode("utf8")
    training = serialization.legacy_training_config(model) if include_optimizer else None
    if training is not None:
        h5file.attrs["training_config"] = json.dumps(training).encode("utf8")
    group = h5file.create_group("model_weights")
    write_str_list_attr(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda l: l.name):
        layer_group = group.create_group(layer.name)
        variables = _legacy_weights(layer)
        names = [_weight_name(model, layer, v) for v in variables]
        write_str_list_attr(layer_group, "weight_names", names)
        for name, var in zip(names, variables):
            _write_dataset(layer_group, name, var.numpy())
    write_str_list_attr(group.create_group("top_level_model_weights"), "weight_names", [])
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and getattr(model, "compiled", False):
        variables = weights_h5.optimizer_variables(optimizer)
        if variables:
            opt_group = h5file.create_group("optimizer_weights")
            names = optimizer_weight_names(model, optimizer)
            write_str_list_attr(opt_group, "weight_names", names)
            for name, var in zip(names, variables):
                _write_dataset(opt_group, name, var.numpy())


def save_h5(model, path: str, overwrite=True, include_optimizer=True) -> None:
    """Write ``model`` to ``path`` (``*.h5`` / ``*.hdf5``) atomically."""
    where = "save"
    check_can_write(path, overwrite, where)
    h5py = require_h5py(where)
    lost = [l.name for l in model.layers if callable(getattr(l, "save_assets", None)) and l.save_assets()]
    if lost:   # Keras's legacy .h5 has no place for asset files (Keras drops them silently)
        warn(f"{where}: the legacy .h5 format cannot hold the adapted vocabulary of layer(s) {', '.join(lost)}; "
             f"they will load without it. Save to '.keras' to keep it")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_file(f, model, include_optimizer=include_optimizer)
    write_file_atomically(path, buf.getvalue())


# ====================================================================== reading
def _json_attr(h5file, name: str, where: str):
    raw = h5file.attrs.get(name)
    if raw is None:
        return None
    try:
        text = attr_to_str(raw)
    except (TypeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{where}: the {name} attribute is not valid JSON ({exc})") from exc
    return load_json(text, where, f"the {name} attribute", get_load_limits())


def _saved_layers(h5py, group, where: str) -> list:
    """``[(name, layer group, weight names)]`` of the layers with weights under a ``model_weights`` group."""
    saved = []
    for name in read_str_list_attr(group, "layer_names"):
        layer_group = safe_group(h5py, group, name, where)
        if layer_group is None:
            raise ModelFileError(f"{where}: layer_names lists {name!r} but the file has no such group")
        weight_names = read_str_list_attr(layer_group, "weight_names")
        if weight_names:
            saved.append((name, layer_group, weight_names))
    return saved


def _plan_layer_weights(h5py, group, model, where: str, skip_mismatch: bool = False) -> list:
    """Pair the arrays under ``group`` (a ``model_weights`` group) with the model's weighted layers."""
    layers = [l for l in model.layers if _legacy_weights(l)]
    saved = _saved_layers(h5py, group, where)
    if len(saved) != len(layers):
        raise ModelFileError(f"{where}: layer count mismatch: the model has {len(layers)} layer(s) with weights "
                             f"({name_list(l.name for l in layers) or 'none'}), the file has {len(saved)} "
                             f"({name_list(s[0] for s in saved) or 'none'})")
    plan = []
    for k, ((name, layer_group, weight_names), layer) in enumerate(zip(saved, layers)):
        variables = _legacy_weights(layer)
        if len(weight_names) != len(variables):
            raise ModelFileError(f"{where}: weight count mismatch for layer #{k} ({layer.name!r} in the model, "
                                 f"{name!r} in the file): the layer has {len(variables)} weight(s), the file "
                                 f"{len(weight_names)}")
        for wname, var in zip(weight_names, variables):
            array = read_variable(h5py, layer_group, wname, var, where,
                                  f"weight {wname!r} of layer #{k} ({layer.name!r}; {name!r} in the file)",
                                  skip_mismatch)
            if array is not None:
                plan.append((var, array))
    return plan


def _saved_shapes_reader(h5py, group, where: str):
    """For ``serialization.check_declared_weights``: the shapes of the file's weighted layers, handed
    out in order to the layers whose config declares weights (metadata only; no data is read)."""
    saved = None
    cursor = [0]

    def shapes_for(index, layer, predicted):
        nonlocal saved
        if not predicted:
            return []
        if saved is None:
            saved = _saved_layers(h5py, group, where)
        if cursor[0] >= len(saved):
            return None
        _, layer_group, weight_names = saved[cursor[0]]
        cursor[0] += 1
        shapes = []
        for wname in weight_names:
            ds = safe_dataset(h5py, layer_group, wname, where)
            if ds is None:
                raise ModelFileError(f"{where}: weight {wname!r} is listed but missing")
            shapes.append(tuple(ds.shape))
        return shapes

    return shapes_for


def _optimizer_datasets(h5py, h5file, where: str):
    group = safe_group(h5py, h5file, "optimizer_weights", where)
    if group is None:
        return None
    datasets = []
    for name in read_str_list_attr(group, "weight_names"):
        ds = safe_dataset(h5py, group, name, where)
        if ds is None:
            raise ModelFileError(f"{where}: optimizer weight {name!r} is listed but missing")
        datasets.append(ds)
    return datasets


def _open(path: str, where: str):
    head = sniff(path)
    if not head.startswith(HDF5_SIGNATURE):
        raise ModelFileError(f"{where}: not an HDF5 file: {describe_foreign(head)}")
    h5py = require_h5py(where)
    return h5py, weights_h5.open_h5(h5py, path, where)


def load_h5(path: str, custom_objects=None, compile=True):
    """Rebuild a model from a legacy ``.h5``: architecture, weights, and (with ``compile``)
    the compile arguments and optimizer state."""
    where = f"load_model({path!r})"
    check_readable(path, "load_model")
    h5py, f = _open(path, where)
    with reading(path, "HDF5 model file"), f:
        model_config = _json_attr(f, "model_config", where)
        if model_config is None:
            if "layers" in f or "vars" in f:
                raise ModelFileError(f"{where}: this HDF5 file holds weights only (Keras 3's .weights.h5 layout), "
                                     f"no model_config; build the model and call model.load_weights(path)")
            if "layer_names" in f.attrs:
                raise ModelFileError(f"{where}: this HDF5 file holds weights only (legacy save_weights), no "
                                     f"model_config; build the model and call model.load_weights(path)")
            raise ModelFileError(f"{where}: the HDF5 file has no model_config attribute, so it is not a Keras "
                                 f"model file (top-level keys: {sorted(f.keys())}, attributes: "
                                 f"{sorted(f.attrs.keys())})")
        weights_group = safe_group(h5py, f, "model_weights", where)
        if weights_group is None:
            raise ModelFileError(f"{where}: the file has a model_config but no model_weights group")
        model = serialization.model_from_config(model_config, where=where, custom_objects=custom_objects,
                                                compile=False, legacy=True,
                                                saved_shapes=_saved_shapes_reader(h5py, weights_group, where))
        plan = _plan_layer_weights(h5py, weights_group, model, where)
        training = _json_attr(f, "training_config", where) if compile else None
        if compile and training is None:
            warn(f"{where}: no training configuration found in the file, so the model was *not* compiled; "
                 f"compile it manually")
        if training is not None:
            serialization.compile_from_config(model, training, where=where, custom_objects=custom_objects,
                                              legacy=True)
            datasets = _optimizer_datasets(h5py, f, where)
            if datasets is not None:
                plan += weights_h5.plan_optimizer_state(model.optimizer, datasets, where)
        weights_h5.apply_plan(plan)
    return model


def load_weights_from_h5(model, path: str, skip_mismatch=False) -> None:
    """``model.load_weights('x.h5')``: weights by layer order from a legacy ``.h5`` (whole model or weights)."""
    where = f"load_weights({path!r})"
    check_readable(path, "load_weights")
    if not getattr(model, "built", False):
        raise ValueError(f"{where}: the model has not been built yet; build it first so that its weights exist")
    h5py, f = _open(path, where)
    with reading(path, "HDF5 weights file"), f:
        group = f
        if "layer_names" not in f.attrs:
            group = safe_group(h5py, f, "model_weights", where)
            if group is None:
                hint = (" It looks like Keras 3's weights layout: name it '*.weights.h5'."
                        if "layers" in f else "")
                raise ModelFileError(f"{where}: the HDF5 file has neither a model_weights group nor a "
                                     f"layer_names attribute, so it is not a legacy Keras weights file.{hint}")
        plan = _plan_layer_weights(h5py, group, model, where, skip_mismatch=skip_mismatch)
        weights_h5.apply_plan(plan)
