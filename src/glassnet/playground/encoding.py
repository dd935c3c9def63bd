"""How the playground sends numbers to the page: base64 float32 / bytes, and JSON-safe values."""
from __future__ import annotations

import base64
import math

import numpy as np

__all__ = ["b64", "quantize", "num", "jsonable"]


def b64(array, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def quantize(values, lo, hi) -> str:
    """Values in [lo, hi] as base64 bytes 0..255 (clipped; NaN -> the middle)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=(lo + hi) / 2, posinf=hi, neginf=lo)
    u = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    return b64(np.rint(u * 255), np.uint8)


def num(value):
    """A JSON-safe float (None for NaN / infinity)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def jsonable(obj):
    """Nested lists/dicts with NumPy arrays and non-finite floats made JSON-safe."""
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return num(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
