"""``Variable``: a named weight array, with its gradient, that may live inside a flat buffer.

A model packs every variable's values into one contiguous float32 vector (and the
gradients into a twin vector); each ``Variable.value`` is then a reshaped *view*
into that vector.  An optimizer can update the whole model with a few vectorised
calls on the flat vector, while layers keep reading ``kernel.value`` as a matrix.
"""
from __future__ import annotations

import numpy as np

from . import config


class Variable:
    """A weight tensor: ``value`` (ndarray), ``grad`` (same shape), name and flags.

    Attributes
    ----------
    value : np.ndarray       the current weights (a view into the model's flat buffer once packed)
    grad : np.ndarray        dC/d(value) from the last backward pass, same shape
    name : str               'kernel', 'bias', ...
    path : str               'dense/kernel': unique within a model
    trainable : bool         updated by the optimizer when True
    regularizer              callable penalty with .gradient(w), or None
    """

    def __init__(self, value, name: str = "variable", trainable: bool = True, regularizer=None,
                 path: str | None = None, dtype=None):
        self.value = np.array(value, dtype=dtype or config.floatx(), copy=True)
        self.grad = np.zeros_like(self.value)
        self.name = name
        self.path = path or name
        self.trainable = bool(trainable)
        self.regularizer = regularizer

    # --------------------------------------------------------------- array-like
    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def size(self) -> int:
        return self.value.size

    def numpy(self) -> np.ndarray:
        """A copy of the current value (as Keras's ``variable.numpy()``)."""
        return self.value.copy()

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def assign(self, value) -> None:
        """Write ``value`` into this variable *in place* (keeps the view into the flat buffer)."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Variable {self.path!r}: cannot assign a value of shape {value.shape}, "
                f"expected shape {self.value.shape}"
            )
        self.value[...] = value

    def assign_add(self, delta) -> None:
        self.value += np.asarray(delta, dtype=self.value.dtype)

    def assign_sub(self, delta) -> None:
        self.value -= np.asarray(delta, dtype=self.value.dtype)

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"


def pack(variables: list[Variable], dtype=None) -> tuple[np.ndarray, np.ndarray, list[tuple[Variable, slice]]]:
    """Move ``variables`` into one flat value vector and one flat gradient vector.

    Returns ``(params, grads, segments)`` where ``segments[i] = (variable, slice)``
    and ``variable.value`` / ``variable.grad`` become views ``params[slice]`` /
    ``grads[slice]`` reshaped to the variable's shape.  Values are preserved.
    """
    dtype = np.dtype(dtype or config.floatx())
    total = sum(v.size for v in variables)
    params = np.empty(total, dtype=dtype)
    grads = np.zeros(total, dtype=dtype)
    segments = []
    offset = 0
    for v in variables:
        n = v.size
        sl = slice(offset, offset + n)
        params[sl] = v.value.reshape(-1)
        v.value = params[sl].reshape(v.shape)
        v.grad = grads[sl].reshape(v.shape)
        segments.append((v, sl))
        offset += n
    return params, grads, segments


# Keras variables take part in arithmetic (``x @ w + b``), recorded by the autodiff tape while a custom
# layer's call is differentiated (see autodiff.py); imported here, after Variable exists.
from . import autodiff as _autodiff  # noqa: E402,F401  (autodiff attaches the arithmetic when it loads)
