"""Weight penalties: Keras 3's L1, L2, L1L2 and OrthogonalRegularizer.

A regularizer is called on a weight array ``w`` and returns the penalty that is
added to the loss (``reg(w) -> float``, computed in ``w``'s dtype as Keras
does); ``reg.gradient(w)`` returns ``d penalty / d w`` (same shape and dtype as
``w``), which a layer adds to the variable's gradient.

Formulas (no factor 1/2 anywhere, as in Keras):

- ``L1(l1)``:  ``l1 * sum(|w|)``,           gradient ``l1 * sign(w)`` (``sign(0) = 0``,
  the subgradient TensorFlow uses);
- ``L2(l2)``:  ``l2 * sum(w^2)``,           gradient ``2 * l2 * w``;
- ``L1L2(l1, l2)``: the sum of both.

String names: ``'l1'``, ``'l2'``, ``'l1l2'`` (Keras's own spelling) and
``'l1_l2'``, ``'orthogonal_regularizer'``, plus the class names.  As in Keras,
``'l1'`` and ``'l2'`` mean a factor of 0.01, and ``'l1l2'`` means
``L1L2(l1=0.0, l2=0.0)`` (Keras 3's actual default, whatever its docstring says).
"""
from __future__ import annotations

import numpy as np

from . import config
from ._registry import Configurable, Registry
from ._validation import check_float, check_one_of

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer",
           "get", "serialize", "deserialize"]

REG = Registry("regularizer", "keras.regularizers")


def _factor(value, name: str, where: str, default: float) -> float:
    """A penalty factor: finite and >= 0 (``None`` means the default), as a Python float."""
    if value is None:
        return default
    if isinstance(value, np.generic):
        value = value.item()
    return check_float(value, name, where, low=0.0)


def _as_float32_value(value: float) -> float:
    """``value`` rounded to float32, as a Python float.

    Keras keeps ``L1.l1`` and ``OrthogonalRegularizer.factor`` in a float32
    tensor, so their configs write e.g. ``0.009999999776482582`` for 0.01;
    glassnet rounds the same way so configs and penalties are Keras's.
    """
    return float(np.float32(value))


def _weights(w, where: str) -> np.ndarray:
    """``w`` as an array; float arrays keep their dtype, anything else becomes floatx."""
    arr = np.asarray(w)
    if arr.dtype.kind != "f":
        if arr.dtype.kind not in "biu":
            raise TypeError(f"{where}: w must be an array of numbers, got dtype {arr.dtype}")
        arr = arr.astype(config.floatx())
    return arr


class Regularizer(Configurable):
    """Base class: ``reg(w) -> float`` penalty and ``reg.gradient(w) -> ndarray``.

    The base penalty is 0 (gradient zeros).  Subclasses implement ``__call__``,
    ``gradient`` and ``get_config`` (keys = constructor arguments).
    """

    def __call__(self, w) -> float:
        """The penalty added to the loss: 0 for the base class."""
        return 0.0

    def gradient(self, w) -> np.ndarray:
        """``d penalty / d w``: zeros for the base class."""
        return np.zeros_like(_weights(w, type(self).__name__))

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")


@REG.register("l1l2", "l1_l2")
class L1L2(Regularizer):
    """L1 and L2 together: ``penalty = l1 * sum(|w|) + l2 * sum(w^2)``.

    Gradient: ``l1 * sign(w) + 2 * l2 * w``.  A zero factor's term is skipped.

    Args:
        l1: L1 factor, finite and >= 0 (default 0.0; None means 0.0).
        l2: L2 factor, finite and >= 0 (default 0.0; None means 0.0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", "L1L2", 0.0)
        self.l2 = _factor(l2, "l2", "L1L2", 0.0)

    def __call__(self, w) -> float:
        w = _weights(w, "L1L2")
        cast = w.dtype.type
        total = cast(0.0)
        if self.l1 != 0.0:
            total = total + cast(self.l1) * np.sum(np.abs(w), dtype=w.dtype)
        if self.l2 != 0.0:
            total = total + cast(self.l2) * np.sum(np.square(w), dtype=w.dtype)
        return float(total)

    def gradient(self, w) -> np.ndarray:
        w = _weights(w, "L1L2")
        grad = np.zeros_like(w)
        if self.l1 != 0.0:
            grad += self.l1 * np.sign(w)
        if self.l2 != 0.0:
            grad += (2.0 * self.l2) * w
        return grad

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


@REG.register("l1")
class L1(Regularizer):
    """L1 (lasso) penalty: ``penalty = l1 * sum(|w|)``; gradient ``l1 * sign(w)``
    with ``sign(0) = 0``.

    Args:
        l1: factor, finite and >= 0 (default 0.01; None means 0.01).  Held at
            float32 precision, as Keras holds it (config writes 0.009999999776482582).
    """

    def __init__(self, l1=0.01):
        self.l1 = _as_float32_value(_factor(l1, "l1", "L1", 0.01))

    def __call__(self, w) -> float:
        w = _weights(w, "L1")
        return float(w.dtype.type(self.l1) * np.sum(np.abs(w), dtype=w.dtype))

    def gradient(self, w) -> np.ndarray:
        w = _weights(w, "L1")
        return self.l1 * np.sign(w)

    def get_config(self) -> dict:
        return {"l1": self.l1}


@REG.register("l2")
class L2(Regularizer):
    """L2 (weight decay) penalty: ``penalty = l2 * sum(w^2)`` (no 1/2);
    gradient ``2 * l2 * w``.

    Args:
        l2: factor, finite and >= 0 (default 0.01; None means 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", "L2", 0.01)

    def __call__(self, w) -> float:
        w = _weights(w, "L2")
        return float(w.dtype.type(self.l2) * np.sum(np.square(w), dtype=w.dtype))

    def gradient(self, w) -> np.ndarray:
        w = _weights(w, "L2")
        return (2.0 * self.l2) * w

    def get_config(self) -> dict:
        return {"l2": self.l2}


@REG.register("orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards mutual orthogonality.

    With ``mode='rows'``, let ``n_i = w_i * min(1 / ||w_i||, 1 / eps)`` be the
    L2-normalised rows (``eps = config.epsilon()``, as Keras's normalize) and
    ``P = N N^T`` (``k x k``, ``k`` = number of rows).  Then

        penalty = factor * 0.5 * sum_{i != j} |P_ij| / (k (k - 1) / 2)

    i.e. ``factor`` times the mean ``|cos|`` of the angle between two distinct
    rows.  ``mode='columns'`` does the same on the columns.

    Gradient: with ``c = factor * 0.5 / (k (k - 1) / 2)`` and ``S = sign(P)``
    off the diagonal (0 on it), ``G = c (S + S^T) N``; through the
    normalisation, row ``i`` gets ``s_i g_i - s_i^3 (w_i . g_i) w_i`` with
    ``s_i = 1 / ||w_i||`` (just ``s_i g_i`` where the ``1 / eps`` cap applies).

    Args:
        factor: finite and >= 0 (default 0.01), held at float32 precision as in Keras.
        mode: 'rows' (default) or 'columns'.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _as_float32_value(
            check_float(factor.item() if isinstance(factor, np.generic) else factor,
                        "factor", "OrthogonalRegularizer", low=0.0)
        )
        self.mode = check_one_of(mode, "mode", ("rows", "columns"), "OrthogonalRegularizer")

    def _vectors(self, w) -> np.ndarray:
        """The vectors to decorrelate, one per row: ``w`` or ``w^T``."""
        w = _weights(w, "OrthogonalRegularizer")
        if w.ndim != 2:
            raise ValueError(
                f"OrthogonalRegularizer: w must be 2-D, got shape {w.shape} of rank {w.ndim}"
            )
        x = w if self.mode == "rows" else w.T
        if x.shape[0] < 2:
            what = "rows" if self.mode == "rows" else "columns"
            raise ValueError(
                f"OrthogonalRegularizer: w must have at least 2 {what} (mode={self.mode!r}), "
                f"got shape {w.shape}"
            )
        return x

    def _scales(self, x: np.ndarray):
        """``s_i = min(1 / ||x_i||, 1 / eps)`` and whether the cap was hit, per row."""
        sq = np.sum(np.square(x), axis=1, keepdims=True)
        cap = 1.0 / config.epsilon()
        with np.errstate(divide="ignore"):
            inv = 1.0 / np.sqrt(sq)
        capped = ~(inv < cap)
        return np.where(capped, x.dtype.type(cap), inv).astype(x.dtype, copy=False), capped

    def _coefficient(self, k: int, dtype) -> float:
        return dtype.type(self.factor * 0.5 / (k * (k - 1) / 2.0))

    def __call__(self, w) -> float:
        x = self._vectors(w)
        s, _ = self._scales(x)
        n = x * s
        p = n @ n.T
        np.fill_diagonal(p, 0.0)
        return float(self._coefficient(x.shape[0], x.dtype) * np.sum(np.abs(p), dtype=x.dtype))

    def gradient(self, w) -> np.ndarray:
        x = self._vectors(w)
        s, capped = self._scales(x)
        n = x * s
        sign = np.sign(n @ n.T)
        np.fill_diagonal(sign, 0.0)
        g = (self._coefficient(x.shape[0], x.dtype) * (sign + sign.T)) @ n
        dx = s * g - np.where(capped, 0.0, s**3 * np.sum(x * g, axis=1, keepdims=True)) * x
        dx = dx.astype(x.dtype, copy=False)
        return dx if self.mode == "rows" else np.ascontiguousarray(dx.T)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


# Keras also exports each class under its snake_case name.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def serialize(regularizer):
    """Keras's dict form ``{"module": "keras.regularizers", "class_name", "config",
    "registered_name"}`` (``None`` gives ``None``)."""
    if regularizer is None:
        return None
    return REG.serialize_instance(regularizer, Regularizer, "regularizer")


def deserialize(config):
    """Build a regularizer from Keras's dict form (the output of :func:`serialize`)."""
    return REG.deserialize(config)


def get(identifier):
    """Resolve a regularizer as Keras's ``regularizers.get`` does.

    ``None`` -> ``None``; a name (``'l1'``, ``'l2'``, ``'l1l2'``/``'l1_l2'``,
    ``'L1'``, ...) -> a new instance with default factors; a dict ->
    :func:`deserialize`; a class -> a new instance; a :class:`Regularizer` ->
    itself.  glassnet trains with explicit gradients, so a plain function (which
    Keras would accept and differentiate automatically) is refused: subclass
    :class:`Regularizer` and give it a ``gradient(w)`` method.
    """
    if identifier is None:
        return None
    obj = REG.get(identifier)
    if isinstance(obj, Regularizer):
        return obj
    if callable(obj) and callable(getattr(obj, "gradient", None)):
        return obj
    if callable(obj):
        raise TypeError(
            "regularizers.get: a regularizer must have a gradient(w) method (glassnet "
            "differentiates by hand); subclass glassnet.regularizers.Regularizer, got "
            f"{type(identifier).__name__} {identifier!r}"
        )
    raise ValueError(
        f"regularizers.get: identifier must be a name, a config dict or a Regularizer, "
        f"got {type(identifier).__name__} {identifier!r}"
    )
