"""Saving and loading models, as ``keras.saving``: Keras 3's files, read and written from scratch.

=====================  =========================================  ==========================================
format                 write                                      read
=====================  =========================================  ==========================================
``*.keras``            ``model.save('m.keras')``                  ``glassnet.models.load_model('m.keras')``
(Keras 3 zip)          architecture + weights + compile state     ``model.load_weights('m.keras')``
``*.h5`` / ``*.hdf5``  ``model.save('m.h5')``                     ``load_model('m.h5')``,
(legacy HDF5)          architecture + weights + compile state     ``model.load_weights('m.h5')``
``*.weights.h5``       ``model.save_weights('m.weights.h5')``     ``model.load_weights('m.weights.h5')``
(Keras 3 weights)      weights + optimizer state
JSON text              ``model.to_json()``                        ``glassnet.models.model_from_json(text)``
=====================  =========================================  ==========================================

The layouts are Keras 3.15.1's (see :mod:`.keras_zip`, :mod:`.legacy_h5`,
:mod:`.weights_h5`): files glassnet writes load in Keras
(``keras.saving.load_model``) with identical predictions, and files Keras
writes load here.  The optimizer state (iterations, learning rate, slots) is
saved and restored, so ``fit`` continues exactly where it stopped.

Guarantees:

- **Atomic writes.**  A file is built in memory, written to a temporary file in
  the same folder, fsynced and renamed over the target: a crash at any moment
  leaves the previous file intact.
- **No code from files.**  Loading never unpickles, evaluates or imports
  anything named in a file; only glassnet's registered classes (and the
  ``custom_objects`` you pass) are built.  Unknown classes are refused with a
  list of the known ones.
- **Clear errors.**  Corrupt, truncated, empty or foreign files raise
  :class:`ModelFileError` (a ``ValueError``) naming the file and the problem.
- **Bounded cost.**  A hostile file fails in well under a second and 200 MB:
  zip members are decompressed in bounded chunks, the weights a config declares
  are checked against the weights file and a parameter budget before anything is
  allocated (see :mod:`.limits` for the limits and how to raise them).

HDF5 needs h5py: ``pip install 'glassnet[h5]'``.
"""
from __future__ import annotations

import os

from ._common import ModelFileError, ModelFileNotFoundError, fspath
from . import serialization
from .limits import LoadLimits, get_load_limits, load_limits, set_load_limits

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "to_json", "model_from_json",
           "compile_config", "ModelFileError", "ModelFileNotFoundError", "register_keras_serializable",
           "get_custom_objects", "LoadLimits", "get_load_limits", "load_limits", "set_load_limits"]

_H5_SUFFIXES = (".h5", ".hdf5")


def _is_weights_h5(path: str) -> bool:
    return path.endswith(".weights.h5")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs) -> None:
    """Save the whole model: architecture, weights, compile arguments and optimizer state.

    ``filepath`` ending in ``.keras`` writes Keras 3's zip; ``.h5`` / ``.hdf5``
    writes Keras's legacy HDF5 (``include_optimizer=False`` leaves out the
    compile arguments and optimizer state there).  The write is atomic.
    ``overwrite=False`` raises ``FileExistsError`` if the file exists (Keras
    would ask on the terminal).  Any other extension raises ``ValueError``.
    """
    where = "save"
    path = fspath(filepath, where)
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"{where}: the following argument(s) are not supported: {sorted(kwargs)}")
    if zipped is False:
        raise ValueError(f"{where}: zipped=False (a model directory) is not supported by glassnet; "
                         f"save to a '.keras' file")
    if save_format and not path.endswith((".keras",) + _H5_SUFFIXES):
        raise ValueError(f"{where}: the save_format argument is deprecated in Keras 3; pass a file path ending "
                         f"in '.keras' or '.h5' instead (got save_format={save_format!r}, filepath={path!r})")
    if path.endswith(".keras"):
        from .keras_zip import save_keras

        return save_keras(model, path, overwrite=overwrite)
    if path.endswith(_H5_SUFFIXES):
        if _is_weights_h5(path):
            raise ValueError(f"{where}: {path!r} ends in '.weights.h5', the weights-only format; call "
                             f"model.save_weights({path!r}) for weights, or name the file '*.keras' / '*.h5' "
                             f"to save the whole model")
        from .legacy_h5 import save_h5

        return save_h5(model, path, overwrite=overwrite, include_optimizer=include_optimizer)
    raise ValueError(f"{where}: unsupported file extension in {path!r}: use '.keras' (Keras 3's format, "
                     f"recommended) or '.h5' (legacy HDF5); for weights only, model.save_weights('x.weights.h5')")


#: Classes and functions registered with :func:`register_keras_serializable`, by registered name.
_CUSTOM_OBJECTS: dict = {}


def register_keras_serializable(package="Custom", name=None):
    """Decorator (Keras's): files name the class ``'package>Name'``, and ``load_model`` finds it without
    ``custom_objects``.  Only classes you register this way (or pass yourself) are ever built from a file."""
    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        _CUSTOM_OBJECTS[key] = obj
        try:
            obj._registered_name = key
        except (AttributeError, TypeError):   # pragma: no cover - builtins
            pass
        return obj

    return decorator


def get_custom_objects() -> dict:
    """The registered custom objects (Keras's ``saving.get_custom_objects``)."""
    return _CUSTOM_OBJECTS


def _with_registered(custom_objects):
    return {**_CUSTOM_OBJECTS, **(custom_objects or {})}


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``save`` (by glassnet or by Keras): ``.keras``, ``.h5`` or ``.hdf5``.

    With ``compile=True`` (the default) a model saved after ``compile`` comes
    back compiled, its optimizer state restored.  ``custom_objects`` maps class
    or function names to objects you supply.  ``safe_mode`` is accepted for
    Keras compatibility; glassnet never deserializes code, whatever its value.
    """
    where = "load_model"
    path = fspath(filepath, where)
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"{where}: custom_objects must be a dict of name -> class/function, got "
                        f"{type(custom_objects).__name__}")
    if path.endswith(".keras") or path.endswith(_H5_SUFFIXES):
        if path.endswith(".keras"):
            from .keras_zip import load_keras as load
        else:
            from .legacy_h5 import load_h5 as load
        try:
            return load(path, custom_objects=_with_registered(custom_objects), compile=compile)
        except MemoryError as exc:
            # Within the load limits, but more than this machine has: say so, naming the file.
            raise ModelFileError(f"{where}({path!r}): not enough memory to load this model "
                                 f"(MemoryError{': ' + str(exc) if str(exc) else ''}); the file passed the "
                                 f"load limits ({get_load_limits().max_params:,} parameters at most)") from exc
    if os.path.isdir(path):
        raise ModelFileError(f"{where}: {path!r} is a directory; glassnet loads '.keras' and '.h5' files "
                             f"(not SavedModel or unzipped model directories)")
    raise ModelFileError(f"{where}: unsupported file format {path!r}: glassnet (like Keras 3) loads '.keras' "
                         f"files and legacy '.h5' / '.hdf5' files")


def save_weights(model, filepath, overwrite=True, **kwargs) -> None:
    """Save the weights (and the optimizer state, if compiled) to ``*.weights.h5``, atomically."""
    if kwargs.get("max_shard_size") is not None:
        raise ValueError("save_weights: max_shard_size (sharded weights) is not supported by glassnet")
    kwargs.pop("max_shard_size", None)
    if kwargs:
        raise ValueError(f"save_weights: the following argument(s) are not supported: {sorted(kwargs)}")
    from .weights_h5 import save_weights as _save

    _save(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, **kwargs) -> None:
    """Load weights into a built model from ``*.weights.h5``, ``*.keras`` or a legacy ``*.h5``.

    As in Keras: a ``.weights.h5`` or ``.keras`` file also restores the
    optimizer state when the model is compiled; a legacy ``.h5`` is matched
    layer by layer in order.  ``skip_mismatch=True`` skips (with a warning)
    layers whose weights do not fit instead of raising.
    """
    where = "load_weights"
    path = fspath(filepath, where)
    if kwargs.get("by_name"):
        raise ValueError(f"{where}: by_name=True is not supported by glassnet; weights are matched by order")
    kwargs.pop("by_name", None)
    if kwargs:
        raise ValueError(f"{where}: invalid keyword argument(s): {sorted(kwargs)}")
    if path.endswith(".keras"):
        from .keras_zip import load_weights_from_keras

        return load_weights_from_keras(model, path, skip_mismatch=skip_mismatch)
    if _is_weights_h5(path):
        from .weights_h5 import load_weights as _load

        return _load(model, path, skip_mismatch=skip_mismatch)
    if path.endswith(_H5_SUFFIXES):
        from .legacy_h5 import load_weights_from_h5

        return load_weights_from_h5(model, path, skip_mismatch=skip_mismatch)
    raise ValueError(f"{where}: unsupported file extension in {path!r}: expected '.weights.h5', '.keras' "
                     f"or '.h5'")


def to_json(model, **kwargs) -> str:
    """The model's architecture (and compile arguments) as Keras's JSON; ``kwargs`` go to ``json.dumps``."""
    return serialization.to_json(model, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model from ``to_json``'s text (compiled if the text carries compile arguments, as in Keras)."""
    return serialization.model_from_json(json_string, custom_objects=_with_registered(custom_objects))


def compile_config(model):
    """The model's compile arguments as Keras's ``get_compile_config()`` returns them (None if not compiled)."""
    return serialization.compile_config(model)
