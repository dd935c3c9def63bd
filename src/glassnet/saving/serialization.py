"""Model configs <-> objects, with a whitelist.

Keras 3's dict form of an object is ``{"module", "class_name", "config",
"registered_name"}`` (plus ``build_config`` / ``compile_config`` on a model);
Keras's legacy HDF5 files use ``{"class_name", "config"}``.  This module
writes the first form (and the second for ``.h5``) and reads both.

Reading is safe by construction: a class name is looked up in glassnet's own
registries (layers, optimizers, losses, metrics, initializers, regularizers,
activations) or in the ``custom_objects`` the *caller* passes; nothing named
in a file is ever imported, evaluated or unpickled.  Configs are checked
before anything is built:

- a ``module`` outside ``keras``/``keras.*``/``builtins`` is refused;
- Keras's special entries (``__lambda__``, ``__numpy__``, ``__tensor__``, ...)
  are refused (glassnet never runs serialized code, whatever ``safe_mode`` says);
- a layer class that glassnet does not have is refused with a message that
  lists the ones it has.

Every problem raises :class:`ModelFileError` (a ``ValueError``) naming the file.
"""
from __future__ import annotations

import json

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ._common import ModelFileError

#: Metric strings that ``compile`` resolves from the data's shapes (kept as they are).
_SHAPE_RESOLVED_METRICS = ("accuracy", "acc", "crossentropy", "ce")
_MAX_DEPTH = 100


# ====================================================================== writing
def _layers_registry():
    from ..layers import LAYERS  # the layer classes register themselves on import

    return LAYERS


def build_config(model):
    """``{"input_shape": [None, ...]}`` for a built model (Keras's ``get_build_config``), else None."""
    if type(model).__name__ == "Functional":
        return {"input_shape": None}          # Keras writes this for functional models
    shape = model.input_shape
    if shape is None:
        return None
    return {"input_shape": list(shape) if isinstance(shape, tuple) else [list(s) for s in shape]}


def _serialize_metric(metric):
    if metric is None or isinstance(metric, str):
        return metric
    if isinstance(metric, dict):
        return metric
    return metrics_module.serialize(metric)


def _serialize_metric_list(metrics):
    if metrics is None:
        return None
    if isinstance(metrics, dict) and "class_name" not in metrics:     # per output name
        return {k: _serialize_metric_list(v) for k, v in metrics.items()}
    return [_serialize_metric_list(m) if isinstance(m, (list, tuple)) else _serialize_metric(m) for m in metrics]


def _serialize_loss(loss):
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):              # a serialized loss, or one loss per output name
        return loss if "class_name" in loss else {k: _serialize_loss(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):     # one loss per output
        return [_serialize_loss(v) for v in loss]
    return losses_module.serialize(loss)


def compile_config(model):
    """What ``compile`` was given, as Keras's ``get_compile_config()`` writes it, or None.

    ``{"optimizer": {...}, "loss": ..., "loss_weights": ..., "metrics": [...],
    "weighted_metrics": ..., "run_eagerly": false, "steps_per_execution": 1,
    "jit_compile": false}``.  The optimizer is written with its current
    hyper-parameters (a learning rate changed by a callback is saved as changed).
    glassnet does not JIT-compile, so ``jit_compile`` is written as false.
    """
    if not getattr(model, "compiled", False):
        return None
    given = getattr(model, "_compile_config", None) or {}
    return {
        "optimizer": optimizers_module.serialize(model.optimizer),
        "loss": _serialize_loss(given.get("loss", model.loss)),
        "loss_weights": given.get("loss_weights"),
        "metrics": _serialize_metric_list(given.get("metrics")),
        "weighted_metrics": _serialize_metric_list(given.get("weighted_metrics")),
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def serialize_model(model) -> dict:
    """Keras 3's ``serialize_keras_object(model)``: what ``config.json`` and ``to_json`` hold.

    Key order as Keras: module, class_name, config, registered_name,
    build_config (built models only), compile_config (``{}`` when not compiled).
    """
    functional = type(model).__name__ == "Functional"
    registered = type(model).__dict__.get("_registered_name")      # a subclassed model you registered
    out = {
        "module": "keras.src.models.functional" if functional else type(model).__module__ if registered
        else "keras",
        "class_name": type(model).__name__,
        "config": model.get_config(),
        "registered_name": "Functional" if functional else registered,
    }
    bc = build_config(model)
    if bc is not None:
        out["build_config"] = bc
    out["compile_config"] = compile_config(model) or {}
    return out


def legacy_model_config(model) -> dict:
    """The ``model_config`` of a legacy ``.h5``: layers as ``{"class_name", "config"}`` only."""
    config = model.get_config()
    config = dict(config)
    config["layers"] = [{"class_name": e["class_name"], "config": e["config"],
                         **{k: e[k] for k in ("name", "inbound_nodes", "registered_name") if e.get(k) is not None}}
                        for e in config["layers"]]
    return {"class_name": type(model).__name__, "config": config}


def _legacy_object(value):
    """Keras's legacy form of a serialized object: only ``class_name`` and ``config``."""
    if isinstance(value, dict) and "class_name" in value:
        return {"class_name": value["class_name"], "config": value.get("config")}
    if isinstance(value, list):
        return [_legacy_object(v) for v in value]
    return value


def legacy_training_config(model):
    """The ``training_config`` of a legacy ``.h5`` (the compile config, optimizer as ``optimizer_config``)."""
    cc = compile_config(model)
    if cc is None:
        return None
    opt = cc.pop("optimizer")
    out = {k: _legacy_object(v) for k, v in cc.items()}
    out["optimizer_config"] = {"class_name": opt["class_name"], "config": opt["config"]}
    return out


def to_json(model, **kwargs) -> str:
    """``json.dumps`` of :func:`serialize_model` (``kwargs`` go to ``json.dumps``, as in Keras)."""
    return json.dumps(serialize_model(model), **kwargs)


# ====================================================================== checking
def _allowed_module(module) -> bool:
    return module is None or module == "builtins" or module == "keras" or (
        isinstance(module, str) and module.startswith("keras."))


def check_config_tree(obj, where: str, custom_objects=None, _depth: int = 0, _path: str = "") -> None:
    """Refuse configs that name code from outside Keras's/glassnet's own namespaces.

    Walks every nested dict and list.  Raises :class:`ModelFileError` for a
    special entry (``class_name`` starting with ``__``), a ``module`` outside
    ``keras``/``keras.*``/``builtins``, or a ``registered_name`` of a custom
    object (``package>Name``) that ``custom_objects`` does not provide.
    """
    custom_objects = custom_objects or {}
    if _depth > _MAX_DEPTH:
        raise ModelFileError(f"{where}: the config is nested more than {_MAX_DEPTH} levels deep")
    if isinstance(obj, dict):
        class_name = obj.get("class_name")
        if isinstance(class_name, str) and "config" in obj:
            name_given = class_name in custom_objects or obj.get("registered_name") in custom_objects or (
                class_name == "function" and isinstance(obj.get("config"), str)
                and obj["config"] in custom_objects)
            if class_name == "__keras_tensor__":     # a reference to a layer's output in a functional graph
                cfg = obj.get("config")
                if not (isinstance(cfg, dict) and set(cfg) <= {"shape", "dtype", "keras_history", "sparse",
                                                              "ragged", "name"}
                        and isinstance(cfg.get("keras_history"), list) and len(cfg["keras_history"]) == 3):
                    raise ModelFileError(f"{where}: a malformed symbolic tensor reference at {_path or 'the top'}: "
                                         f"{str(obj)[:200]}")
                return
            if class_name.startswith("__"):
                raise ModelFileError(
                    f"{where}: refusing the serialized entry {class_name!r} at {_path or 'the top'}: "
                    f"it stands for code or raw tensors, which glassnet never loads (safe_mode does not "
                    f"change this)")
            module = obj.get("module")
            if not name_given and not _allowed_module(module):
                raise ModelFileError(
                    f"{where}: refusing {class_name!r} from module {module!r} at {_path or 'the top'}: "
                    f"glassnet builds only its own Keras-named classes and never imports modules named "
                    f"in a file; pass custom_objects={{{class_name!r}: ...}} to supply it yourself")
            registered = obj.get("registered_name")
            if (isinstance(registered, str) and ">" in registered and not name_given
                    and registered not in custom_objects):
                raise ModelFileError(
                    f"{where}: refusing the custom object {registered!r} at {_path or 'the top'}: it is not "
                    f"a glassnet class; pass custom_objects={{{class_name!r}: ...}} to supply it yourself")
        for key, value in obj.items():
            check_config_tree(value, where, custom_objects, _depth + 1, f"{_path}/{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            check_config_tree(value, where, custom_objects, _depth + 1, f"{_path}[{i}]")


def known_layer_names() -> list[str]:
    """The layer class names glassnet can build from a file (Sequential itself excluded)."""
    reg = _layers_registry()
    classes = {getattr(reg.lookup(name), "__name__", name) for name in reg.names()}
    return sorted(name for name in classes if name in reg and name != "Sequential")


# ====================================================================== reading
def _layer_class(entry: dict, index: int, where: str, custom_objects: dict):
    class_name = entry.get("class_name")
    if not isinstance(class_name, str):
        raise ModelFileError(f"{where}: layer #{index} has no class_name: {str(entry)[:200]}")
    if class_name in custom_objects:
        return custom_objects[class_name]
    registered = entry.get("registered_name")
    if isinstance(registered, str) and registered in custom_objects:
        return custom_objects[registered]
    if class_name in ("Sequential", "Functional", "Model"):
        raise ModelFileError(f"{where}: layer #{index} is a nested {class_name} model inside a Sequential one; "
                             f"glassnet loads nested models inside functional models only")
    if class_name in known_layer_names():
        return _layers_registry().lookup(class_name)
    raise ModelFileError(
        f"{where}: unknown layer class {class_name!r} (layer #{index}); glassnet can build "
        f"{', '.join(known_layer_names())}. Nothing from the file was imported or executed; "
        f"pass custom_objects={{{class_name!r}: YourLayerClass}} to supply it yourself")


def _first_layer_input_shape(entries) -> tuple | None:
    """The sample shape the config declares for its inputs (no batch axis), or None.

    From the ``InputLayer`` entry (``batch_shape`` / ``batch_input_shape`` / ``shape``) or, in Keras 2
    configs, from ``batch_input_shape`` / ``input_shape`` / ``input_dim`` on the first layer.
    """
    if not entries or not isinstance(entries[0], dict):
        return None
    cfg = entries[0].get("config")
    if not isinstance(cfg, dict):
        return None
    for key, drop in (("batch_shape", 1), ("batch_input_shape", 1), ("shape", 0), ("input_shape", 0)):
        value = cfg.get(key)
        if isinstance(value, (list, tuple)):
            return tuple(value[drop:])
    if cfg.get("input_dim") is not None:
        return (cfg["input_dim"],)
    return None


def predicted_weight_shapes(layer, input_shape) -> list[tuple] | None:
    """The shapes of the weights ``layer.build(input_shape)`` will create, computed without building.

    ``[]`` for a layer that creates none (it keeps the base ``build``), Dense's ``(inputs, units)``
    kernel and ``(units,)`` bias, and None for any other layer (a custom class: it is built first and
    its weights checked after).
    """
    from ..layers.base import Layer
    from ..layers.dense import Dense

    build = type(layer).build
    if build is Layer.build:
        return []
    if isinstance(layer, Dense) and build is Dense.build:
        if not input_shape or not isinstance(input_shape[-1], int) or isinstance(input_shape[-1], bool):
            return None
        kernel = (input_shape[-1], layer.units)
        return [kernel, (layer.units,)] if layer.use_bias else [kernel]
    return None


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def check_declared_weights(layers, input_shape, *, where: str, saved_shapes=None) -> None:
    """Check the weights the config declares BEFORE any is allocated.

    Walks the layers with their input shapes (``compute_output_shape``, no weights), adds up the
    parameters each will create, and refuses the model when the total passes the ``max_params``
    limit or when a layer's weights differ from what the weights file holds (``saved_shapes``, called
    once per layer in order: ``(index, layer, predicted shapes) -> the file's shapes, or None when the
    file holds nothing for that layer``).  A layer whose weights cannot be
    predicted (a custom class) ends the walk: the rest is checked once built.
    """
    from .limits import get_load_limits, raise_hint

    limits = get_load_limits()
    shape = tuple(input_shape)
    total = 0
    for i, layer in enumerate(layers):
        shapes = predicted_weight_shapes(layer, shape)
        if shapes is None:
            break
        n = sum(_size(s) for s in shapes)
        total += n
        if total > limits.max_params:
            raise ModelFileError(
                f"{where}: the config declares more than {limits.max_params:,} parameters (layer #{i} "
                f"{layer.name!r} ({type(layer).__name__}) alone has {n:,}), the max_params limit "
                f"({raise_hint('max_params')})")
        if saved_shapes is not None:
            saved = saved_shapes(i, layer, shapes)
            if saved is None and shapes:
                raise ModelFileError(
                    f"{where}: the weights file holds no weights for layer {layer.name!r} ({type(layer).__name__}), "
                    f"whose config declares weights of shapes {_shapes_text(shapes)} (nothing was allocated)")
            if saved is not None and [tuple(s) for s in saved] != shapes:
                raise ModelFileError(
                    f"{where}: layer {layer.name!r} ({type(layer).__name__}) has weights of shapes "
                    f"{_shapes_text(shapes)} in the config, but the weights file holds {_shapes_text(saved)}; "
                    f"config and weights do not belong together (nothing was allocated)")
        try:
            shape = tuple(layer.compute_output_shape(shape))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError) as exc:
            raise ModelFileError(f"{where}: layer #{i} ({type(layer).__name__} {layer.name!r}) cannot take inputs "
                                 f"of shape {(None, *shape)}: {exc}") from exc


def _shapes_text(shapes) -> str:
    return "[" + ", ".join(str(tuple(s)) for s in shapes) + "]"


def model_from_config(config, *, where: str, custom_objects=None, compile=True, legacy=False, saved_shapes=None):
    """Build (and, with ``compile``, compile) a Sequential model from its config.

    ``config`` is Keras 3's dict (``config.json``, ``to_json``) or, with
    ``legacy=True``, a legacy HDF5 ``model_config`` (layers as
    ``{"class_name", "config"}``, Keras 2 spellings such as
    ``batch_input_shape`` accepted).  Only registered glassnet layers (and
    ``custom_objects``) are built; see the module docstring.  Before any
    weight is allocated, the parameters the config declares are checked
    against the ``max_params`` limit and, given ``saved_shapes`` (see
    :func:`check_declared_weights`), against the weights file.
    """
    from ..layers.input import InputLayer
    from ..models.sequential import Sequential
    from .limits import get_load_limits, raise_hint

    custom_objects = dict(custom_objects or {})
    if not isinstance(config, dict):
        raise ModelFileError(f"{where}: the model config must be a JSON object, got {type(config).__name__}")
    # The compile config is checked by compile_from_config, and only when it is used.
    check_config_tree({k: v for k, v in config.items() if k != "compile_config"}, where, custom_objects)
    class_name = config.get("class_name")
    if class_name in ("Functional", "Model"):
        model = _functional_from_config(config.get("config"), where=where, custom_objects=custom_objects)
        if compile and config.get("compile_config"):
            compile_from_config(model, config["compile_config"], where=where, custom_objects=custom_objects,
                                legacy=legacy)
        return model
    if class_name != "Sequential":
        subclassed = _subclassed_model_class(config, custom_objects)
        if subclassed is not None:
            return _subclassed_from_config(subclassed, config, where=where, custom_objects=custom_objects,
                                           compile=compile, legacy=legacy)
        raise ModelFileError(f"{where}: expected a Sequential or functional model config, got class_name="
                             f"{class_name!r}; a subclassed model loads when its class is registered "
                             f"(keras.saving.register_keras_serializable) or passed in custom_objects")
    inner = config.get("config")
    if isinstance(inner, list):     # the oldest Keras 2 layout: config is the list of layers
        inner = {"layers": inner}
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ModelFileError(f"{where}: the Sequential config has no 'layers' list")
    entries = inner["layers"]
    limit = get_load_limits().max_layers
    count = sum(1 for e in entries if not (isinstance(e, dict) and e.get("class_name") == "InputLayer"))
    if count > limit:
        raise ModelFileError(f"{where}: the config has {count:,} layers, more than the {limit:,} glassnet "
                             f"loads (max_layers; {raise_hint('max_layers')})")
    name = inner.get("name")
    try:
        model = Sequential(name=name if isinstance(name, str) else None, trainable=bool(inner.get("trainable", True)))
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: bad model config: {exc}") from exc
    layers = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ModelFileError(f"{where}: layer #{i} of the config is not an object: {str(entry)[:200]}")
        cls = _layer_class(entry, i, where, custom_objects)
        layer_config = entry.get("config") or {}
        if not isinstance(layer_config, dict):
            raise ModelFileError(f"{where}: layer #{i} ({entry['class_name']}) has a config that is not an object")
        try:
            layers.append(cls.from_config(dict(layer_config)))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{where}: cannot build layer #{i} ({entry['class_name']} "
                                 f"{layer_config.get('name')!r}) from the file's config: {exc}") from exc
    shape = _first_layer_input_shape(entries)
    if shape is None and not (layers and isinstance(layers[0], InputLayer)):
        shape = inner.get("build_input_shape")
        if shape is None and isinstance(config.get("build_config"), dict):
            shape = config["build_config"].get("input_shape")
        if isinstance(shape, (list, tuple)) and shape and shape[0] is None:
            shape = shape[1:]
    if isinstance(shape, (list, tuple)):
        weighted = [layer for layer in layers if not isinstance(layer, InputLayer)]
        check_declared_weights(weighted, tuple(shape), where=where, saved_shapes=saved_shapes)
    for i, layer in enumerate(layers):
        try:
            model.add(layer)
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{where}: cannot build layer #{i} ({entries[i]['class_name']} {layer.name!r}) "
                                 f"from the file's config: {exc}") from exc
    if not model.built and model.layers:
        shape = inner.get("build_input_shape")
        if shape is None and isinstance(config.get("build_config"), dict):
            shape = config["build_config"].get("input_shape")
        if shape is not None:
            try:
                model.build(tuple(shape))
            except (TypeError, ValueError) as exc:
                raise ModelFileError(f"{where}: cannot build the model for input shape {shape!r}: {exc}") from exc
    if compile:
        cc = config.get("compile_config")
        if cc:
            compile_from_config(model, cc, where=where, custom_objects=custom_objects, legacy=legacy)
    return model


def _subclassed_model_class(config, custom_objects):
    """The Model subclass a config names, when the caller registered or passed it (never imported)."""
    from ..models.model import Model

    for key in (config.get("registered_name"), config.get("class_name")):
        cls = custom_objects.get(key) if isinstance(key, str) else None
        if isinstance(cls, type) and issubclass(cls, Model):
            return cls
    return None


def _subclassed_from_config(cls, config, *, where, custom_objects, compile, legacy):
    """A subclassed model: its class's ``from_config`` (or ``cls()`` when its ``__init__`` takes no config),
    built for the file's input shape by running ``call`` once."""
    inner = config.get("config") or {}
    try:
        try:
            model = cls.from_config(dict(inner))
        except TypeError:
            model = cls()
        build = config.get("build_config") or {}
        shape = build.get("input_shape") if isinstance(build, dict) else None
        if shape is not None:
            model.build(tuple(shape) if not (shape and isinstance(shape[0], list)) else [tuple(s) for s in shape])
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{where}: cannot rebuild the {cls.__name__} model from the file's config: {exc}") from exc
    if compile and config.get("compile_config"):
        compile_from_config(model, config["compile_config"], where=where, custom_objects=custom_objects,
                            legacy=legacy)
    return model


def _functional_from_config(inner, *, where: str, custom_objects: dict, depth: int = 0):
    """A functional model (Keras 3's ``Functional`` config): each layer built from the whitelist, nested
    functional models recursively; the parameters the layers' build configs declare are checked against
    ``max_params`` before any weight is allocated."""
    from ..models.functional import functional_from_config
    from .limits import get_load_limits, raise_hint

    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ModelFileError(f"{where}: the Functional config has no 'layers' list")
    limits = get_load_limits()
    if len(inner["layers"]) > limits.max_layers:
        raise ModelFileError(f"{where}: the config has {len(inner['layers']):,} layers, more than the "
                             f"{limits.max_layers:,} glassnet loads (max_layers; {raise_hint('max_layers')})")
    if depth > 10:
        raise ModelFileError(f"{where}: models nested more than 10 deep")
    total = [0]

    def build_layer(entry, index):
        if not isinstance(entry, dict):
            raise ModelFileError(f"{where}: layer #{index} of the config is not an object: {str(entry)[:200]}")
        if entry.get("class_name") in ("Functional", "Model"):
            return _functional_from_config(entry.get("config"), where=where, custom_objects=custom_objects,
                                           depth=depth + 1)
        cls = _layer_class(entry, index, where, custom_objects)
        layer_config = entry.get("config") or {}
        if not isinstance(layer_config, dict):
            raise ModelFileError(f"{where}: layer #{index} ({entry['class_name']}) has a config that is not an object")
        try:
            layer = cls.from_config(dict(layer_config))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{where}: cannot build layer #{index} ({entry['class_name']} "
                                 f"{layer_config.get('name')!r}) from the file's config: {exc}") from exc
        build = entry.get("build_config")
        shape = build.get("input_shape") if isinstance(build, dict) else None
        if isinstance(shape, list) and shape and not isinstance(shape[0], list):
            shapes = predicted_weight_shapes(layer, tuple(shape[1:]))
            total[0] += sum(_size(s) for s in shapes or [])
            if total[0] > limits.max_params:
                raise ModelFileError(
                    f"{where}: the config declares more than {limits.max_params:,} parameters (up to layer #{index} "
                    f"{layer.name!r}): more than glassnet loads by default (max_params; {raise_hint('max_params')})")
        return layer

    try:
        return functional_from_config(inner, deserialize=build_layer)
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError) as exc:
        raise ModelFileError(f"{where}: cannot rebuild the functional model from the file's config: {exc}") from exc


def _deserialize_optimizer(cfg, where, custom_objects, legacy):
    if cfg is None:
        return "rmsprop"     # Keras's compile default
    if isinstance(cfg, str):
        if cfg in custom_objects:
            return custom_objects[cfg]()
        return optimizers_module.get(cfg)
    if not isinstance(cfg, dict) or not isinstance(cfg.get("class_name"), str):
        raise ModelFileError(f"{where}: the optimizer config must be an object with a class_name, got {str(cfg)[:200]}")
    inner = dict(cfg.get("config") or {})
    class_name = cfg["class_name"]
    if legacy:   # Keras 2.11+ writes these; Keras 3 optimizers do not take them
        inner.pop("is_legacy_optimizer", None)
        inner.pop("jit_compile", None)
        if inner.get("decay") in (0, 0.0):
            inner.pop("decay")
    if class_name in custom_objects:
        return custom_objects[class_name].from_config(inner)
    from ..optimizers.base import OPTIMIZERS

    cls = OPTIMIZERS.lookup(class_name)
    return cls.from_config(inner)


def _deserialize_loss(cfg, where, custom_objects):
    if cfg is None or isinstance(cfg, str):
        if isinstance(cfg, str) and cfg in custom_objects:
            return custom_objects[cfg]
        if isinstance(cfg, str) and cfg.lower() not in ("crossentropy", "ce"):
            losses_module.get(cfg)      # validate now (unknown names raise, listing the known ones)
        return cfg
    if isinstance(cfg, dict) and "class_name" not in cfg:      # one loss per output, by output name
        return {k: _deserialize_loss(v, where, custom_objects) for k, v in cfg.items()}
    if isinstance(cfg, dict):
        return losses_module.deserialize(cfg, custom_objects=custom_objects)
    if isinstance(cfg, list):                                    # one loss per output, in order
        return [_deserialize_loss(v, where, custom_objects) for v in cfg]
    raise ModelFileError(f"{where}: the loss must be a name, a config object, or a list or dict of them (one "
                         f"per output); got {str(cfg)[:200]}")


def _deserialize_metric_list(cfg, where, custom_objects, what):
    if cfg is None:
        return None
    if isinstance(cfg, str) or (isinstance(cfg, dict) and "class_name" in cfg):
        cfg = [cfg]
    if not isinstance(cfg, (list, dict)):
        raise ModelFileError(f"{where}: {what} must be a list, got {str(cfg)[:200]}")
    if isinstance(cfg, dict) and "class_name" not in cfg:       # per output, by output name
        return {k: _deserialize_metric_list(v, where, custom_objects, what) for k, v in cfg.items()}
    out = []
    for item in cfg:
        if isinstance(item, list) or item is None:             # per output, in order
            out.append(_deserialize_metric_list(item, where, custom_objects, what))
            continue
        if isinstance(item, str):
            if item in custom_objects:
                out.append(custom_objects[item])
                continue
            if item.lower() not in _SHAPE_RESOLVED_METRICS:
                metrics_module.get(item)     # validate now
            out.append(item)
        elif isinstance(item, dict):
            name = item.get("class_name")
            if name in custom_objects:
                obj = custom_objects[name]
                out.append(obj.from_config(item.get("config") or {}) if hasattr(obj, "from_config") else obj)
            elif name == "function" and item.get("config") in custom_objects:
                out.append(custom_objects[item["config"]])
            else:
                out.append(metrics_module.deserialize(item))
        else:
            raise ModelFileError(f"{where}: glassnet models have one output, so each of {what} must be a name "
                                 f"or a config object; got {str(item)[:200]}")
    return out


def compile_from_config(model, cc, *, where: str, custom_objects=None, legacy=False) -> None:
    """``model.compile(...)`` from a compile config (Keras 3) or a legacy ``training_config``."""
    custom_objects = dict(custom_objects or {})
    if not isinstance(cc, dict):
        raise ModelFileError(f"{where}: the compile config must be a JSON object, got {type(cc).__name__}")
    check_config_tree(cc, where, custom_objects)
    opt_cfg = cc.get("optimizer_config") if legacy or "optimizer_config" in cc else cc.get("optimizer")
    try:
        optimizer = _deserialize_optimizer(opt_cfg, where, custom_objects, legacy)
        loss = _deserialize_loss(cc.get("loss"), where, custom_objects)
        metrics = _deserialize_metric_list(cc.get("metrics"), where, custom_objects, "metrics")
        weighted = _deserialize_metric_list(cc.get("weighted_metrics"), where, custom_objects, "weighted_metrics")
        model.compile(optimizer=optimizer, loss=loss, loss_weights=cc.get("loss_weights"), metrics=metrics,
                      weighted_metrics=weighted)
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ModelFileError(f"{where}: cannot compile the model from the file's compile config: {exc}") from exc


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model from :func:`to_json`'s text (or Keras's ``model.to_json()``).

    As in Keras, a JSON that carries a non-empty ``compile_config`` gives a
    compiled model (fresh optimizer state); the weights are freshly initialized.
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(f"model_from_json: expected a JSON string, got {type(json_string).__name__}")
    where = "model_from_json"
    from ._common import load_json
    from .limits import get_load_limits

    config = load_json(json_string, where, "the text", get_load_limits())
    return model_from_config(config, where=where, custom_objects=custom_objects, compile=True)
