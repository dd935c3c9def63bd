"""Argument checks with one message style: ``where: what must hold, got what came``.

Every public entry point validates its arguments here so that a user sees
``Dense: units must be a positive integer, got 0`` instead of a NumPy error
from deep inside.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import config


def _prefix(where: str | None) -> str:
    return f"{where}: " if where else ""


def check_positive_int(value, name: str, where: str | None = None, allow_none: bool = False):
    """Return ``value`` as an ``int`` > 0, or raise naming ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{_prefix(where)}{name} must be a positive integer, got {value!r}")
    return int(value)


def check_non_negative_int(value, name: str, where: str | None = None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{_prefix(where)}{name} must be a non-negative integer, got {value!r}")
    return int(value)


def check_float(value, name: str, where: str | None = None, *, low=None, high=None,
                low_inclusive=True, high_inclusive=True, allow_none=False):
    """Return ``value`` as a finite Python ``float`` within [low, high], or raise.

    Bounds are inclusive unless told otherwise; the message states the interval.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_prefix(where)}{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if ok and high is not None:
        ok = value <= high if high_inclusive else value < high
    if not ok:
        if low is not None and high is not None:
            interval = f"{'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
            expect = f"a finite number in {interval}"
        elif low is not None:
            expect = f"a finite number {'>=' if low_inclusive else '>'} {low}"
        elif high is not None:
            expect = f"a finite number {'<=' if high_inclusive else '<'} {high}"
        else:
            expect = "a finite number"
        raise ValueError(f"{_prefix(where)}{name} must be {expect}, got {value!r}")
    return value


def check_one_of(value, name: str, options, where: str | None = None):
    if value not in options:
        raise ValueError(
            f"{_prefix(where)}{name} must be one of {', '.join(repr(o) for o in options)}, got {value!r}"
        )
    return value


def first_non_finite(a: np.ndarray):
    """Index (tuple) of the first NaN or inf in ``a``, or ``None``."""
    if a.dtype.kind not in "fc":
        return None
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_finite(a: np.ndarray, name: str, where: str | None = None) -> np.ndarray:
    """Raise ``ValueError`` naming the row (and column) of the first NaN/inf."""
    pos = first_non_finite(a)
    if pos is not None:
        kind = "NaN" if np.isnan(a[pos]) else "inf"
        loc = f"row {pos[0]}" + (f", column {pos[1]}" if len(pos) > 1 else "") if pos else "its value"
        raise ValueError(f"{_prefix(where)}{name} contains {kind} at {loc}")
    return a


def to_array(x, name: str, where: str | None = None, *, dtype=None, min_ndim: int = 1,
             allow_empty: bool = False, finite: bool = True) -> np.ndarray:
    """Convert array-like ``x`` (list, NumPy array, pandas DataFrame/Series) to a float array.

    Raises a clear error for ragged lists, strings/objects, empty data, and NaN/inf.
    ``dtype`` defaults to ``config.floatx()``.  pandas is never imported here: any
    object with ``to_numpy`` is accepted.
    """
    dtype = np.dtype(dtype or config.floatx())
    if x is None:
        raise ValueError(f"{_prefix(where)}{name} is required, got None")
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except ValueError as exc:
            raise ValueError(
                f"{_prefix(where)}{name} must be a rectangular array of numbers; "
                f"it looks ragged (rows of different lengths)"
            ) from exc
    if x.dtype == object or x.dtype.kind in "USVMm":
        try:
            x = x.astype(dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"{_prefix(where)}{name} must contain only numbers, got dtype {x.dtype} "
                f"(strings, dates or objects: encode them first)"
            ) from None
    elif x.dtype.kind == "c":
        raise TypeError(f"{_prefix(where)}{name} must be real, got complex dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(
            f"{_prefix(where)}{name} must have at least {min_ndim} dimension(s), got shape {x.shape}"
        )
    if not allow_empty and x.size == 0:
        raise ValueError(f"{_prefix(where)}{name} is empty (shape {x.shape}); need at least one sample")
    if finite:
        check_finite(x, name, where)
    if x.dtype != dtype:
        x = x.astype(dtype)
    return np.ascontiguousarray(x)
