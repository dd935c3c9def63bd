"""glassnet: neural networks you can see through.

A Keras-compatible deep learning library written from first principles on NumPy.
Submodules are imported lazily so that ``import glassnet`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations", "callbacks", "config", "datasets", "initializers", "inspect", "layers",
    "losses", "metrics", "models", "optimizers", "perceptron", "random", "regularizers", "utils",
    "tensorboard", "plot", "evaluation", "saving", "export", "preprocessing", "backend",
    "ops", "autodiff", "constraints",
)
_SHORTCUTS = {
    "Sequential": "models",
    "Model": "models",
    "load_model": "models",
    "Input": "layers",
    "Dense": "layers",
    "Dropout": "layers",
    "Activation": "layers",
    "Flatten": "layers",
    "Perceptron": "perceptron",
    "set_random_seed": "random",
    # Keras 3's other top-level names
    "Layer": "layers",
    "Loss": "losses",
    "Metric": "metrics",
    "Optimizer": "optimizers",
    "Initializer": "initializers",
    "Regularizer": "regularizers",
    "Variable": "variables",
    "KerasTensor": "symbolic",
    "Functional": "models",
}

__all__ = list(_SUBMODULES) + list(_SHORTCUTS)


def version() -> str:
    """glassnet's version (``keras.version()``)."""
    return __version__


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _SHORTCUTS:
        module = importlib.import_module(f"{__name__}.{_SHORTCUTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
