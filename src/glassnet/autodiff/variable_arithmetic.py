"""Keras-variable arithmetic for ``glassnet.variables.Variable`` (``w + 1``, ``x @ w``, ``np.exp(w)``).

Outside a tape the result is a plain ndarray computed on ``w.value``; under an active tape the
operation is recorded with ``w`` as a leaf.  ``glassnet.autodiff`` attaches it when it loads.
"""
from __future__ import annotations

import numpy as np

from ..variables import Variable
from .tape import active_tape, lift
from .tensor import Tensor, apply_function, apply_ufunc


# =============================================================================== Variables
class VariableArithmetic:
    """Mixin giving ``glassnet.variables.Variable`` the arithmetic of a Keras variable.

    ``w + 1``, ``x @ w``, ``-w``, ``w.T``, ``np.exp(w)``, ``w[0]`` work like NumPy on
    ``w.value`` outside a tape (plain ndarray results), and are recorded, with ``w`` as a leaf,
    under an active :class:`Tape`.  Attach with ``class Variable(VariableArithmetic): ...`` or
    :func:`attach_variable_arithmetic`.
    """

    __array_priority__ = 20

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return _variable_result(apply_ufunc(ufunc, method, inputs, out, kwargs), inputs)

    def __array_function__(self, func, types, args, kwargs):
        return _variable_result(apply_function(func, types, args, kwargs), args)

    def __add__(self, o): return np.add(self, o)
    def __radd__(self, o): return np.add(o, self)
    def __sub__(self, o): return np.subtract(self, o)
    def __rsub__(self, o): return np.subtract(o, self)
    def __mul__(self, o): return np.multiply(self, o)
    def __rmul__(self, o): return np.multiply(o, self)
    def __truediv__(self, o): return np.true_divide(self, o)
    def __rtruediv__(self, o): return np.true_divide(o, self)
    def __pow__(self, o): return np.power(self, o)
    def __rpow__(self, o): return np.power(o, self)
    def __matmul__(self, o): return np.matmul(self, o)
    def __rmatmul__(self, o): return np.matmul(o, self)
    def __neg__(self): return np.negative(self)
    def __pos__(self): return np.positive(self)
    def __abs__(self): return np.absolute(self)
    def __lt__(self, o): return np.less(self, o)
    def __le__(self, o): return np.less_equal(self, o)
    def __gt__(self, o): return np.greater(self, o)
    def __ge__(self, o): return np.greater_equal(self, o)

    def __getitem__(self, key):
        return lift(self)[key]

    @property
    def T(self):
        return lift(self).T

    @property
    def ndim(self) -> int:
        return np.ndim(self.value)


def _variable_result(result, inputs):
    """Outside a tape an operation on Variables only gives a plain ndarray (no Tensor appears)."""
    tape = active_tape()
    if isinstance(result, Tensor) and not (tape is not None and result._tid == tape.id) and not any(
            isinstance(x, Tensor) for x in inputs):
        return result.view(np.ndarray)
    return result


_VARIABLE_METHODS = [n for n in vars(VariableArithmetic)
                     if n not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
                                  "__firstlineno__", "__static_attributes__")]


def attach_variable_arithmetic(cls=Variable) -> None:
    """Give ``cls`` (default ``glassnet.variables.Variable``) the methods of :class:`VariableArithmetic`."""
    for name in _VARIABLE_METHODS:
        setattr(cls, name, vars(VariableArithmetic)[name])
