"""Optimizers with Keras 3's names, defaults and update rules, and learning-rate schedules.

``glassnet.optimizers.get('adam')`` returns ``Adam()``; string identifiers are
'sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta', 'adamax', 'nadam',
'lion' and 'ftrl' (class names work too, case-insensitively).  Schedules live
in :mod:`glassnet.optimizers.schedules`.
"""
from __future__ import annotations

from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import OPTIMIZERS, Optimizer
from .ftrl import Ftrl
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam",
    "Lion", "Ftrl", "schedules", "get", "serialize", "deserialize",
]


def get(identifier, **kwargs) -> Optimizer | None:
    """``None``, a name ('adam'), a serialized dict, a class or an instance -> an optimizer.

    A name or class is instantiated with its defaults (or ``kwargs``).
    """
    obj = OPTIMIZERS.get(identifier, **kwargs)
    if obj is not None and not isinstance(obj, Optimizer):
        raise ValueError(f"optimizers.get: could not interpret optimizer identifier {identifier!r}")
    return obj


def serialize(optimizer: Optimizer) -> dict:
    """Keras's dict form: ``{"module": "keras.optimizers", "class_name", "config", ...}``."""
    return OPTIMIZERS.serialize_instance(optimizer, Optimizer, "optimizer")


def deserialize(config: dict) -> Optimizer:
    """Rebuild an optimizer from :func:`serialize`'s dict (class name case-insensitive)."""
    return OPTIMIZERS.deserialize(config)
