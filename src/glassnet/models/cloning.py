"""``clone_model``: a new model with the same architecture and freshly initialized weights (Keras's)."""
from __future__ import annotations

import json


def _strip_dtypes(obj):
    """Remove every layer's ``dtype`` from a config tree so the clone takes the current floatx."""
    if isinstance(obj, dict):
        return {k: _strip_dtypes(v) for k, v in obj.items()
                if not (k == "dtype" and (isinstance(v, dict) or isinstance(v, str)) and "layers" not in obj)}
    if isinstance(obj, list):
        return [_strip_dtypes(v) for v in obj]
    return obj


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False,
                dtype=None, **kwargs):
    """A copy of ``model``'s architecture (Sequential or Functional) with new weights.

    ``clone_function(layer) -> layer`` may replace each layer (Keras's hook); ``dtype`` (glassnet's
    addition) builds the clone in another float type, e.g. 'float64' for gradient checks.
    """
    from ..layers.base import LAYERS
    from .functional import Functional
    from .sequential import Sequential

    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError("clone_model: input_tensors, call_function and other options are not supported by "
                         "glassnet; clone the model and call it on new inputs instead")
    cfg = json.loads(json.dumps(model.get_config()))
    if dtype is not None:
        cfg = _strip_dtypes(cfg)

    def make(entry, index=None):
        entry = {k: entry[k] for k in ("module", "class_name", "config", "registered_name") if k in entry}
        layer = LAYERS.deserialize(entry)
        return clone_function(layer) if clone_function is not None else layer

    if isinstance(model, Sequential):
        clone = Sequential(name=cfg.get("name"), trainable=cfg.get("trainable", True))
        for entry in cfg["layers"]:
            clone.add(make(entry))
        if not clone.built and model.built:
            clone.build(model.input_shape)
        return clone
    if isinstance(model, Functional):
        from .functional import functional_from_config

        return functional_from_config(cfg, type(model), deserialize=make)
    raise ValueError(f"clone_model: only Sequential and functional models can be cloned, got "
                     f"{type(model).__name__} (a subclassed model: create a new instance instead)")
