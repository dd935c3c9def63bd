"""Models, as ``keras.models``: ``Model``, ``Sequential``, ``load_model``, ``model_from_json``."""
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = ["clone_model", "Functional", "Model", "Sequential", "load_model", "model_from_json"]


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as ``.keras`` or legacy ``.h5`` (by glassnet or by Keras). Never runs code from the file."""
    from ..saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model from :meth:`Sequential.to_json`'s text: fresh weights; compiled when the
    JSON carries compile settings, as in Keras."""
    from ..saving import model_from_json as _from_json

    return _from_json(json_string, custom_objects=custom_objects)
