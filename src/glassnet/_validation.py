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


def check_int_at_least(value, name: str, where: str | None, low: int, allow_none: bool = False):
    """Return ``value`` as an ``int`` >= ``low`` (or ``None`` when allowed), or raise naming ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{_prefix(where)}{name} must be an integer >= {low}{' or None' if allow_none else ''}, "
                         f"got {value!r}")
    return int(value)


def as_tuple(value, name: str, where: str | None, expected: str) -> tuple:
    """``tuple(value)``, or a TypeError ``where: name must be <expected>, got value`` when it is
    not iterable (the entries are the caller's to check)."""
    try:
        return tuple(value)
    except TypeError:
        raise TypeError(f"{_prefix(where)}{name} must be {expected}, got {value!r}") from None


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


def check_bool(value, name: str, where: str | None = None) -> bool:
    """Return ``value`` as a Python ``bool``; a NumPy bool is accepted, anything else (1, 'yes') raises."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{_prefix(where)}{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_path(value, name: str, where: str | None = None, allow_empty: bool = False) -> str:
    """A file-system path (``str``, ``bytes`` or ``os.PathLike``) as a ``str``, or a clear error."""
    import os

    try:
        path = os.fspath(value)
    except TypeError:
        raise TypeError(f"{_prefix(where)}{name} must be a path (str or os.PathLike), got "
                        f"{type(value).__name__} {value!r}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path and not allow_empty:
        raise ValueError(f"{_prefix(where)}{name} must be a non-empty path, got ''")
    return path


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
    # Fast path, one pass and no temporary: a sum is finite exactly when no entry is NaN/inf,
    # unless finite values overflow it (then fall through to the exact scan).
    if a.dtype.kind == "f" and a.size:
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(a, axis=None, dtype=np.float64)
        if np.isfinite(total):
            return None
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_finite(a: np.ndarray, name: str, where: str | None = None, columns=None) -> np.ndarray:
    """Raise ``ValueError`` naming the row (and column: its label too, given ``columns``) of the first NaN/inf."""
    pos = first_non_finite(a)
    if pos is not None:
        kind = "NaN" if np.isnan(a[pos]) else "inf"
        label = f" ({columns[pos[1]]!r})" if columns is not None and len(pos) == 2 else ""
        loc = f"row {pos[0]}" + (f", column {pos[1]}{label}" if len(pos) > 1 else "") if pos else "its value"
        raise ValueError(f"{_prefix(where)}{name} contains {kind} at {loc}")
    return a


def _holds_text(x: np.ndarray) -> bool:
    """Does an object array hold any str / bytes element (checked once per call, outside hot paths)?"""
    return x.size > 0 and bool(np.any(np.frompyfunc(lambda v: isinstance(v, (str, bytes)), 1, 1)(x)))


def _first_text_column(frame):
    """Label and dtype of the first column of a DataFrame that does not hold plain numbers, or None."""
    for j, label in enumerate(frame.columns):
        col = frame.iloc[:, j]
        values = col.to_numpy()
        if values.dtype.kind in "USVMmc" or (values.dtype.kind == "O" and (_holds_text(values) or not all(
                isinstance(v, (numbers.Real, type(None))) for v in values))):
            return label, col.dtype
    return None


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
    frame = columns = None
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        if getattr(x, "ndim", None) == 2 and hasattr(x, "columns") and hasattr(x, "iloc"):
            frame, columns = x, list(x.columns)          # a DataFrame: errors name the column
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
        # Text and dates are refused even when they would convert ('1.5', datetime64 -> days since
        # 1970): that silent guess is a bug waiting to happen.  Objects holding numbers convert.
        try:
            if x.dtype.kind != "O" or _holds_text(x):
                raise TypeError
            x = x.astype(dtype)
        except (TypeError, ValueError):
            bad = _first_text_column(frame) if frame is not None else None
            what, got = (f"{name} column {bad[0]!r}", bad[1]) if bad else (name, x.dtype)
            raise TypeError(
                f"{_prefix(where)}{what} must contain only numbers, got dtype {got} "
                f"(strings, dates or objects: encode them first)"
            ) from None
    elif x.dtype.kind == "c":
        raise TypeError(f"{_prefix(where)}{name} must be real, got complex dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(
            f"{_prefix(where)}{name} must have at least {min_ndim} dimension(s), got shape {x.shape}"
        )
    if not allow_empty and x.size == 0:
        if x.ndim > 1 and x.shape[0] > 0:
            raise ValueError(f"{_prefix(where)}{name} is empty (shape {x.shape}): its samples have no values; "
                             f"need at least one feature per sample")
        raise ValueError(f"{_prefix(where)}{name} is empty (shape {x.shape}); need at least one sample")
    if finite:
        check_finite(x, name, where, columns=columns)
    if x.dtype != dtype:
        x = x.astype(dtype)
    return np.ascontiguousarray(x)


def printable(text) -> str:
    """``text`` safe to print on a terminal: every character ``str.isprintable`` rejects is escaped.

    Names read from files (layer and model names in a ``.keras``, column names) may carry
    terminal escape sequences (``ESC ] 0 ; title BEL`` retitles the window, ``ESC [ 2 J`` clears
    the screen), carriage returns, bidirectional overrides or line separators.  Each such
    character becomes ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN`` as in Python's ``repr``; ordinary
    text, accented letters and other scripts are unchanged.
    """
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                       else f"\\U{code:08x}")
    return "".join(out)
