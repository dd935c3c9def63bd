"""Weight constraints: Keras 3's MaxNorm, MinMaxNorm, NonNeg and UnitNorm.

A constraint is a projection applied to a weight array after every optimizer
update (``w <- c(w)``), exactly where Keras 3 applies it: at the end of the
optimizer's ``apply``, once the update rule has run.  ``c(w)`` returns a new
array of ``w``'s shape and dtype.

Formulas, with ``||w||`` the L2 norm taken along ``axis`` (kept for broadcasting)
and ``eps = config.epsilon()`` (1e-7, Keras's ``backend.epsilon()``):

- ``MaxNorm(max_value=2, axis=0)``:   ``w * clip(||w||, 0, max_value) / (eps + ||w||)``
- ``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``:
  ``w * (rate * clip(||w||, min_value, max_value) + (1 - rate) * ||w||) / (eps + ||w||)``
- ``NonNeg()``:                       ``max(w, 0)``
- ``UnitNorm(axis=0)``:               ``w / (eps + ||w||)``

For a Dense kernel of shape ``(inputs, units)``, ``axis=0`` constrains the
incoming weight vector of each unit.  String names: the class names and their
snake_case aliases (``'max_norm'``, ``'min_max_norm'``, ``'non_neg'``, ``'unit_norm'``).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import config
from ._registry import Configurable, Registry

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
           "max_norm", "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]

CONSTRAINTS = Registry("constraint", "keras.constraints")


def _number(value, name: str, where: str):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{where}: {name} must be a finite number, got {value!r}")
    return value


def _axis(axis, where: str):
    """An int or a list of ints (Keras allows ``[0, 1, 2]`` for a Conv2D kernel)."""
    if isinstance(axis, (list, tuple)):
        out = [_axis(a, where) for a in axis]
        return list(out)
    if isinstance(axis, np.integer):
        axis = int(axis)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{where}: axis must be an integer or a list of integers, got {axis!r}")
    return axis


def _array(w, where: str) -> np.ndarray:
    arr = np.asarray(w)
    if arr.dtype.kind != "f":
        if arr.dtype.kind not in "biu":
            raise TypeError(f"{where}: w must be an array of numbers, got dtype {arr.dtype}")
        arr = arr.astype(config.floatx())
    return arr


def _norms(w: np.ndarray, axis, where: str) -> np.ndarray:
    """``||w||_2`` along ``axis`` with the reduced axes kept (size 1)."""
    ax = tuple(axis) if isinstance(axis, list) else axis
    try:
        return np.sqrt(np.sum(np.square(w), axis=ax, keepdims=True))
    except np.exceptions.AxisError:
        raise ValueError(f"{where}: axis {axis!r} is out of range for a weight of shape {w.shape}") from None


class Constraint(Configurable):
    """Base class: ``c(w) -> w`` unchanged.  Subclasses override ``__call__`` and ``get_config``."""

    def __call__(self, w):
        return w



@CONSTRAINTS.register("max_norm")
class MaxNorm(Constraint):
    """Cap the norm of each weight vector: ``w * clip(||w||, 0, max_value) / (eps + ||w||)``.

    Args:
        max_value: the largest allowed norm (default 2).
        axis: the axis (or list of axes) the norm runs over (default 0: a Dense unit's
            incoming weights).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number(max_value, "max_value", "MaxNorm")
        if self.max_value < 0:
            raise ValueError(f"MaxNorm: max_value must be >= 0, got {max_value!r}")
        self.axis = _axis(axis, "MaxNorm")

    def __call__(self, w):
        w = _array(w, "MaxNorm")
        norms = _norms(w, self.axis, "MaxNorm")
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register("min_max_norm")
class MinMaxNorm(Constraint):
    """Keep each weight vector's norm in ``[min_value, max_value]`` (softly when ``rate < 1``).

    ``w * (rate * clip(||w||, min_value, max_value) + (1 - rate) * ||w||) / (eps + ||w||)``

    Args:
        min_value, max_value: the bounds of the norm (defaults 0.0 and 1.0).
        rate: 1.0 enforces the bounds at once; smaller values move the norm part of the way.
        axis: the axis (or axes) of the norm (default 0).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _number(min_value, "min_value", "MinMaxNorm")
        self.max_value = _number(max_value, "max_value", "MinMaxNorm")
        if self.min_value > self.max_value:
            raise ValueError(f"MinMaxNorm: min_value must be <= max_value, got min_value={min_value!r} "
                             f"and max_value={max_value!r}")
        self.rate = _number(rate, "rate", "MinMaxNorm")
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w):
        w = _array(w, "MinMaxNorm")
        norms = _norms(w, self.axis, "MinMaxNorm")
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


@CONSTRAINTS.register("non_neg")
class NonNeg(Constraint):
    """Non-negative weights: ``max(w, 0)``."""

    def __call__(self, w):
        w = _array(w, "NonNeg")
        return np.maximum(w, w.dtype.type(0))


@CONSTRAINTS.register("unit_norm")
class UnitNorm(Constraint):
    """Unit-norm weight vectors: ``w / (eps + ||w||)``.

    Args:
        axis: the axis (or axes) of the norm (default 0).
    """

    def __init__(self, axis=0):
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w):
        w = _array(w, "UnitNorm")
        return w / (config.epsilon() + _norms(w, self.axis, "UnitNorm"))

    def get_config(self) -> dict:
        return {"axis": self.axis}


# Keras also exports each class under its snake_case name.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm


def serialize(constraint):
    """Keras's dict form ``{"module": "keras.constraints", "class_name", "config",
    "registered_name"}`` (``None`` gives ``None``)."""
    if constraint is None:
        return None
    return CONSTRAINTS.serialize_instance(constraint, Constraint, "constraint")


def deserialize(config):
    """Build a constraint from Keras's dict form (the output of :func:`serialize`)."""
    return CONSTRAINTS.deserialize(config)


def get(identifier):
    """``None`` -> ``None``; a name (``'max_norm'``, ``'NonNeg'``, ...) -> a new instance with
    Keras's defaults; a dict -> :func:`deserialize`; a class -> an instance; a
    :class:`Constraint` (or any callable ``w -> w``) -> itself."""
    if identifier is None:
        return None
    obj = CONSTRAINTS.get(identifier)
    if isinstance(obj, Constraint) or callable(obj) and not isinstance(obj, type):
        return obj
    raise ValueError(f"constraints.get: could not interpret constraint identifier {identifier!r}")
