"""A small tape-based reverse-mode autodiff over NumPy arrays (for custom layers and losses).

glassnet's built-in layers write their backward passes by hand (the notes' BP1-BP4).  Code that a
user writes -- a ``Layer`` subclass's ``call``, a loss ``fn(y_true, y_pred)`` -- has no hand-written
backward; it is differentiated by recording what it computes on a :class:`Tape`::

    with Tape() as tape:
        x = tape.watch(x_array)            # a Tensor: an ndarray whose operations are recorded
        out = ops.relu(x @ w + b)          # w, b: glassnet Variables, recorded as leaves
    (dx,) = tape.gradient(out, grad_out)   # dC/dx; dC/dw, dC/db are ADDED to w.grad, b.grad

Every operation applied to a recorded :class:`Tensor` appends one :class:`Record` ``(op, inputs,
output, vjp)`` to the tape: ``vjp`` holds, for each input, the vector-Jacobian product
``g -> g . d(output)/d(input)`` written right under the operation's forward formula (``autodiff.vjp``
for NumPy's ufuncs -- the arithmetic operators, ``np.exp``, ``np.maximum``, ... -- and
``glassnet.ops`` for everything else).  :meth:`Tape.gradient` walks the records backwards
(reverse-mode chain rule), summing the contributions of every use of a value; a gradient that
reaches an input through NumPy broadcasting is summed over the broadcast axes.

Nothing is ever differentiated wrongly in silence: a NumPy function without a recorded version
raises :class:`NotDifferentiableError` naming it and the ``glassnet.ops`` function to use, and an
output (or a requested input / variable) that the records do not connect -- because the code went
through ``np.asarray(x)``, ``x.view(np.ndarray)``, ``variable.value`` or a Python float -- raises
:class:`DisconnectedGradientError`.  The active tape is thread-local; outside a tape a Tensor is
an ordinary ndarray (results are unrecorded Tensors, at the cost of one Python call per operation).

The package, one concept a module:

- ``tape``: :class:`Tape` and its :class:`Record` s, the thread's active tape, the two errors, and the
  input helpers ``plain`` / ``lift`` / ``record`` every recorded operation uses;
- ``tensor``: the :class:`Tensor` and the routing of NumPy's ufuncs and functions to recorded versions;
- ``vjp``: the VJP of each differentiable NumPy ufunc, right under its forward formula;
- ``variable_arithmetic``: Keras-variable arithmetic for ``glassnet.variables.Variable``;
- ``calls``: recorded calls of layers, activations and losses (``record_call``, ``call_layer``, ...).
"""
from __future__ import annotations

from ..variables import Variable
from .tape import (DisconnectedGradientError, NotDifferentiableError, Record, Tape, active_tape, lift,
                   plain, record)
from .tensor import Tensor
from .variable_arithmetic import VariableArithmetic, attach_variable_arithmetic
from .calls import (RecordedCall, as_output, call_activation, call_layer, loss_values_and_gradient,
                    plain_output, record_call, recorded_inputs, unwrap, value_and_grad)

__all__ = [
    "Tensor", "Tape", "Record", "NotDifferentiableError", "DisconnectedGradientError",
    "active_tape", "lift", "plain", "record", "value_and_grad", "VariableArithmetic",
    "attach_variable_arithmetic", "RecordedCall", "record_call", "call_layer",
    "loss_values_and_gradient", "unwrap", "recorded_inputs", "call_activation",
]

# Keras variables take part in arithmetic (``x @ w + b``): attached when the package loads
# (``glassnet.variables`` imports this package at its bottom, after ``Variable`` exists).
attach_variable_arithmetic(Variable)
