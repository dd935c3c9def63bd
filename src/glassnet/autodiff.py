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
``g -> g . d(output)/d(input)`` written right under the operation's forward formula (this module
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
"""
from __future__ import annotations

import itertools
import numbers
import threading
import weakref

import numpy as np

from . import config
from .variables import Variable

__all__ = [
    "Tensor", "Tape", "Record", "NotDifferentiableError", "DisconnectedGradientError",
    "active_tape", "lift", "plain", "record", "value_and_grad", "VariableArithmetic",
    "attach_variable_arithmetic", "RecordedCall", "record_call", "call_layer",
    "loss_values_and_gradient", "unwrap", "recorded_inputs", "call_activation",
]


class NotDifferentiableError(TypeError):
    """A NumPy function or ufunc without a recorded (differentiable) version met a recorded Tensor."""


class DisconnectedGradientError(ValueError):
    """The records do not connect an output to an input or variable the caller asked about."""


_TAPE_IDS = itertools.count(1)
_LOCAL = threading.local()


def active_tape():
    """The innermost :class:`Tape` active in this thread, or ``None``."""
    stack = getattr(_LOCAL, "stack", None)
    return stack[-1] if stack else None


# =============================================================================== records
class Record:
    """One recorded operation: ``output = op(*inputs)``.

    ``vjp[i]`` is ``g -> dC/d(inputs[i])`` given ``g = dC/d(output)`` (``None`` for an input that
    has no gradient, e.g. an index array); ``grad`` is ``dC/d(output)`` once
    :meth:`Tape.gradient` has run (``None`` for a record off the path to the output).
    """

    __slots__ = ("op", "inputs", "output", "vjp", "grad")

    def __init__(self, op, inputs, output, vjp):
        self.op, self.inputs, self.output, self.vjp, self.grad = op, inputs, output, vjp, None

    def __repr__(self):
        shapes = ", ".join(str(np.shape(x)) for x in self.inputs)
        return f"<Record {self.op}({shapes}) -> {self.output.shape}>"


# =============================================================================== the tape
class Tape:
    """Records operations on watched arrays and Variables; :meth:`gradient` replays them backwards.

    Use as a context manager (``with Tape() as tape:``).  Tapes nest: only the innermost active
    tape of the thread records.  After the ``with`` block, ``tape.records`` (a list of
    :class:`Record`), ``tape.watched`` (the watched Tensors, in order) and ``tape.variables``
    (the Variables the operations received) can be read by inspection tools.
    """

    def __init__(self):
        self.id = next(_TAPE_IDS)
        self.records: list[Record] = []
        self.watched: list[Tensor] = []
        self._leaves: dict[int, tuple] = {}     # id(variable) -> (variable, leaf Tensor)
        self.reached_variables: set = set()

    # ------------------------------------------------------------------ context
    def __enter__(self):
        stack = getattr(_LOCAL, "stack", None)
        if stack is None:
            stack = _LOCAL.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        stack = _LOCAL.stack
        if stack and stack[-1] is self:
            stack.pop()
        elif self in stack:   # exited out of order: drop it and the tapes opened after it
            del stack[stack.index(self):]
        return False

    # ------------------------------------------------------------------ leaves
    def watch(self, x) -> "Tensor":
        """A recorded Tensor sharing ``x``'s data (integer / bool data become ``floatx()``).

        A Variable returns its leaf (as when an operation receives it).  :meth:`gradient`
        returns the gradients of the watched inputs in the order they were watched.
        """
        if isinstance(x, Variable):
            t = self.leaf(x)
        else:
            arr = plain(x)
            if arr.dtype.kind != "f":
                arr = arr.astype(config.floatx())
            t = arr.view(Tensor)
            t._tid = self.id
        self.watched.append(t)
        return t

    def leaf(self, variable: Variable) -> "Tensor":
        """The recorded Tensor standing for ``variable`` on this tape (a view of its value)."""
        entry = self._leaves.get(id(variable))
        if entry is None:
            t = np.asarray(variable.value).view(Tensor)
            t._tid = self.id
            entry = self._leaves[id(variable)] = (variable, t)
        return entry[1]

    @property
    def variables(self) -> list:
        """The Variables that recorded operations received, in first-use order."""
        return [v for v, _ in self._leaves.values()]

    def tracks(self, x) -> bool:
        """Whether ``x`` is a Tensor recorded by this tape (a watched input, a leaf or a result)."""
        return isinstance(x, Tensor) and x._tid == self.id

    def record(self, op: str, inputs, output, vjp) -> "Tensor":
        """Append ``output = op(*inputs)`` with its per-input VJPs; return the recorded output."""
        t = np.asarray(output).view(Tensor)
        t._tid = self.id
        self.records.append(Record(op, tuple(inputs), t, tuple(vjp)))
        return t

    def trace(self) -> list:
        """The records as plain data for inspection tools: one dict per operation with ``op``,
        ``input_shapes``, ``output`` (a copy) and ``grad`` (a copy of dC/d(output) once
        :meth:`gradient` has run, else None)."""
        return [{"op": r.op, "input_shapes": [tuple(np.shape(x)) for x in r.inputs],
                 "output": np.array(plain(r.output)),
                 "grad": None if r.grad is None else np.array(r.grad)} for r in self.records]

    # ------------------------------------------------------------------ backward
    def gradient(self, output, output_gradient=None, *, variables=None, unconnected="raise"):
        """Reverse-mode chain rule: the gradients of the watched inputs, as a list.

        ``output`` is a recorded Tensor (or a list/tuple of them); ``output_gradient`` is
        dC/d(output) (same shape; default all ones, so a scalar output gives d output / d x).
        Walking the records from last to first, each record's ``g = dC/d(output)`` is passed to
        its inputs' VJPs and the results summed per input (a gradient wider than its input
        because of broadcasting is summed over the broadcast axes).  Each gradient has its
        input's dtype (float32 stays float32).

        Every Variable that reaches the output gets its gradient ADDED to ``variable.grad``
        (``+=``, in place: the flat gradient buffer of a packed model is kept).  ``variables``
        (optional) lists Variables that must reach the output -- e.g. a custom layer's trainable
        weights: one the records do not connect (it was used as ``variable.value`` or through a
        NumPy call) raises :class:`DisconnectedGradientError`.  A watched input that does not
        reach the output raises the same error unless ``unconnected="zero"`` (zeros returned).
        Call it once per recording: a second call adds the Variables' gradients again.
        """
        if unconnected not in ("raise", "zero"):
            raise ValueError(f"Tape.gradient: unconnected must be 'raise' or 'zero', got {unconnected!r}")
        outputs = list(output) if isinstance(output, (list, tuple)) else [output]
        if output_gradient is None:
            out_grads = [None] * len(outputs)
        elif isinstance(output, (list, tuple)):
            out_grads = list(output_gradient)
            if len(out_grads) != len(outputs):
                raise ValueError(f"Tape.gradient: {len(outputs)} outputs but {len(out_grads)} output gradients")
        else:
            out_grads = [output_gradient]
        grads: dict[int, np.ndarray] = {}
        self.reached_variables = set()   # ids of Variables given gradients by recorded layer calls
        for k, (o, g) in enumerate(zip(outputs, out_grads)):
            if not self.tracks(o):
                raise DisconnectedGradientError(
                    f"Tape.gradient: output {k} ({_describe(o)}) was not computed by recorded operations "
                    f"from the watched inputs or Variables. Something turned a recorded Tensor into a "
                    f"plain NumPy array (np.asarray(x), np.array(x), x.view(np.ndarray), float(x), "
                    f"variable.value, a loop over Python numbers) -- use glassnet.ops functions and the "
                    f"arithmetic operators on the Tensors and Variables themselves"
                )
            g = np.ones(o.shape, o.dtype) if g is None else np.asarray(plain(g), dtype=o.dtype)
            if g.shape != o.shape:
                raise ValueError(f"Tape.gradient: output_gradient {k} has shape {g.shape}, "
                                 f"expected the output's shape {o.shape}")
            grads[id(o)] = grads[id(o)] + g if id(o) in grads else g
        seeds = list(grads.values())   # never hand the caller's own array back as a gradient
        for rec in reversed(self.records):
            g = grads.pop(id(rec.output), None)
            rec.grad = g
            if g is None:
                continue
            for inp, vjp in zip(rec.inputs, rec.vjp):
                if vjp is None or not self.tracks(inp):
                    continue
                gi = _fit(vjp(g), inp, rec.op)
                key = id(inp)
                prev = grads.get(key)
                grads[key] = gi if prev is None else prev + gi
        # check everything first, so that an error leaves the Variables' gradients untouched
        reached = set(self.reached_variables)
        leaf_grads = []
        for var, t in self._leaves.values():
            g = grads.get(id(t))
            if g is not None:
                reached.add(id(var))
                leaf_grads.append((var, g))
        for var in variables or ():
            if id(var) not in reached:
                how = ("was used in computing the output, but not through recorded operations"
                       if id(var) in self._leaves else "was never given to a recorded operation")
                raise DisconnectedGradientError(
                    f"Tape.gradient: Variable {getattr(var, 'path', var)!r} {how}, so it would get no "
                    f"gradient: use the Variable itself (x @ self.w, ops.matmul(x, self.w)), not "
                    f"self.w.value, np.asarray(self.w) or a NumPy function on it"
                )
        result = []
        for k, t in enumerate(self.watched):
            g = grads.get(id(t))
            if g is None:
                if unconnected == "raise":
                    raise DisconnectedGradientError(
                        f"Tape.gradient: the output does not depend on watched input {k} (shape "
                        f"{t.shape}) through recorded operations. If the code used np.asarray(x), "
                        f"x.view(np.ndarray), a NumPy function or a Python loop on it, use the "
                        f"glassnet.ops function instead; if the input is truly unused, pass "
                        f"unconnected='zero'"
                    )
                g = np.zeros(t.shape, t.dtype)
            elif not g.flags.writeable or not g.flags.owndata or any(g is s for s in seeds):
                g = g.copy()
            result.append(g)
        for var, g in leaf_grads:   # accumulate, in place (keeps a packed model's flat buffer)
            var.grad += g.astype(var.grad.dtype, copy=False)
        return result


def _describe(x) -> str:
    if isinstance(x, Tensor):
        return f"a Tensor of shape {x.shape} not recorded by this tape"
    return f"{type(x).__name__} of shape {np.shape(x)}"


def _unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the axes NumPy broadcast an input of ``shape`` along (d(broadcast) = sum)."""
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def _fit(g, inp, op: str) -> np.ndarray:
    """A VJP's result as a gradient of ``inp``: broadcast axes summed, ``inp``'s dtype."""
    g = np.asarray(g)
    if type(g) is not np.ndarray:
        g = g.view(np.ndarray)
    if g.shape != inp.shape:
        g = _unbroadcast(g, inp.shape)
        if g.shape != inp.shape:
            try:
                g = np.broadcast_to(g, inp.shape)
            except ValueError:
                raise RuntimeError(f"autodiff: the VJP of {op!r} returned shape {g.shape} for an input "
                                   f"of shape {inp.shape}") from None
    if g.dtype != inp.dtype:
        g = g.astype(inp.dtype)
    return g


# =============================================================================== input helpers
def plain(x) -> np.ndarray:
    """``x``'s data as a plain ndarray (a view for a Tensor, the value for a Variable)."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, Tensor):
        return x.view(np.ndarray)
    if isinstance(x, Variable):
        return np.asarray(x.value)
    return np.asarray(x)


def lift(x):
    """``x`` ready for an operation: under an active tape a Variable becomes its leaf Tensor;
    outside a tape a Variable becomes its value; anything else is returned unchanged."""
    if isinstance(x, Variable):
        tape = active_tape()
        return tape.leaf(x) if tape is not None else np.asarray(x.value)
    return x


def record(op: str, inputs, output, vjp):
    """Return ``output`` of ``op(*inputs)``, recorded on the active tape when an input is recorded.

    ``inputs`` are the (lifted) arguments as the caller received them, ``output`` the result
    computed on plain arrays, ``vjp`` one callable per input (``None``: no gradient).  Without a
    recording input the result is returned as it is (a plain array), or as an unrecorded Tensor
    when an input was a Tensor.
    """
    tape = active_tape()
    if tape is not None:
        for x in inputs:
            if isinstance(x, Tensor) and x._tid == tape.id:
                return tape.record(op, inputs, output, vjp)
    return _untracked(output, inputs)


def _untracked(output, inputs):
    if isinstance(output, np.ndarray) and any(isinstance(x, Tensor) for x in inputs):
        return output.view(Tensor)
    return output


def _tracked(x, tape) -> bool:
    return isinstance(x, Tensor) and x._tid == tape.id


def _any_tracked(objs, tape) -> bool:
    for x in objs:
        if isinstance(x, Tensor):
            if x._tid == tape.id:
                return True
        elif isinstance(x, Variable):
            return True
        elif isinstance(x, (list, tuple)) and _any_tracked(x, tape):
            return True
    return False


# =============================================================================== ufunc VJPs
# Each rule receives the plain input arrays and the output, and returns one VJP per input.
_UFUNC_VJP: dict = {}


def _rule(*ufuncs):
    def deco(fn):
        for u in ufuncs:
            _UFUNC_VJP[u] = fn
        return fn
    return deco


def _zero(g):
    return np.zeros_like(g)


def _same(g):
    return g


@_rule(np.add)
def _add_vjp(a, b, out):
    """``a + b``: d/da = 1, d/db = 1 (each gets g, summed over its broadcast axes)."""
    return _same, _same


@_rule(np.subtract)
def _subtract_vjp(a, b, out):
    """``a - b``: d/da = 1, d/db = -1."""
    return _same, np.negative


@_rule(np.multiply)
def _multiply_vjp(a, b, out):
    """``a * b``: d/da = b, d/db = a."""
    return (lambda g: g * b), (lambda g: g * a)


@_rule(np.true_divide)
def _divide_vjp(a, b, out):
    """``a / b``: d/da = 1/b, d/db = -a/b^2 = -out/b."""
    return (lambda g: g / b), (lambda g: -g * out / b)


@_rule(np.power, np.float_power)
def _power_vjp(a, b, out):
    """``a ** b``: d/da = b a^(b-1), d/db = a^b log(a) (taken as 0 where a <= 0, as TensorFlow)."""
    def ga(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * b * np.power(a, b - 1)

    def gb(g):
        safe = np.where(a > 0, a, 1)
        return g * out * np.log(safe)
    return ga, gb


@_rule(np.negative)
def _negative_vjp(a, out):
    """``-a``: d/da = -1."""
    return (np.negative,)


@_rule(np.positive, np.conjugate)
def _positive_vjp(a, out):
    """``+a``: d/da = 1."""
    return (_same,)


@_rule(np.absolute, np.fabs)
def _abs_vjp(a, out):
    """``|a|``: d/da = sign(a) (0 at a = 0, as TensorFlow)."""
    return (lambda g: g * np.sign(a),)


@_rule(np.exp)
def _exp_vjp(a, out):
    """``e^a``: d/da = e^a = out."""
    return (lambda g: g * out,)


@_rule(np.expm1)
def _expm1_vjp(a, out):
    """``e^a - 1``: d/da = e^a = out + 1."""
    return (lambda g: g * (out + 1),)


@_rule(np.log)
def _log_vjp(a, out):
    """``log a``: d/da = 1/a."""
    return (lambda g: g / a,)


@_rule(np.exp2)
def _exp2_vjp(a, out):
    """``2^a``: d/da = 2^a ln 2."""
    return (lambda g: g * out * np.log(2.0),)


@_rule(np.log1p)
def _log1p_vjp(a, out):
    """``log(1 + a)``: d/da = 1/(1 + a)."""
    return (lambda g: g / (1 + a),)


@_rule(np.log2)
def _log2_vjp(a, out):
    """``log2 a``: d/da = 1/(a ln 2)."""
    return (lambda g: g / (a * np.log(2.0)),)


@_rule(np.log10)
def _log10_vjp(a, out):
    """``log10 a``: d/da = 1/(a ln 10)."""
    return (lambda g: g / (a * np.log(10.0)),)


@_rule(np.sqrt)
def _sqrt_vjp(a, out):
    """``sqrt a``: d/da = 1/(2 sqrt a) = 1/(2 out)."""
    return (lambda g: g / (2 * out),)


@_rule(np.square)
def _square_vjp(a, out):
    """``a^2``: d/da = 2a."""
    return (lambda g: g * (2 * a),)


@_rule(np.reciprocal)
def _reciprocal_vjp(a, out):
    """``1/a``: d/da = -1/a^2 = -out^2."""
    return (lambda g: -g * out * out,)


@_rule(np.tanh)
def _tanh_vjp(a, out):
    """``tanh a``: d/da = 1 - tanh^2 a = 1 - out^2."""
    return (lambda g: g * (1 - out * out),)


@_rule(np.sin)
def _sin_vjp(a, out):
    """``sin a``: d/da = cos a."""
    return (lambda g: g * np.cos(a),)


@_rule(np.cos)
def _cos_vjp(a, out):
    """``cos a``: d/da = -sin a."""
    return (lambda g: -g * np.sin(a),)


@_rule(np.tan)
def _tan_vjp(a, out):
    """``tan a``: d/da = 1 + tan^2 a = 1 + out^2."""
    return (lambda g: g * (1 + out * out),)


@_rule(np.arctan)
def _arctan_vjp(a, out):
    """``arctan a``: d/da = 1/(1 + a^2)."""
    return (lambda g: g / (1 + a * a),)


@_rule(np.sinh)
def _sinh_vjp(a, out):
    """``sinh a``: d/da = cosh a."""
    return (lambda g: g * np.cosh(a),)


@_rule(np.cosh)
def _cosh_vjp(a, out):
    """``cosh a``: d/da = sinh a."""
    return (lambda g: g * np.sinh(a),)


@_rule(np.cbrt)
def _cbrt_vjp(a, out):
    """``a^(1/3)``: d/da = 1/(3 a^(2/3)) = 1/(3 out^2)."""
    return (lambda g: g / (3 * out * out),)


@_rule(np.arcsin)
def _arcsin_vjp(a, out):
    """``arcsin a``: d/da = 1/sqrt(1 - a^2)."""
    return (lambda g: g / np.sqrt(1 - a * a),)


@_rule(np.arccos)
def _arccos_vjp(a, out):
    """``arccos a``: d/da = -1/sqrt(1 - a^2)."""
    return (lambda g: -g / np.sqrt(1 - a * a),)


@_rule(np.arcsinh)
def _arcsinh_vjp(a, out):
    """``arcsinh a``: d/da = 1/sqrt(a^2 + 1)."""
    return (lambda g: g / np.sqrt(a * a + 1),)


@_rule(np.arccosh)
def _arccosh_vjp(a, out):
    """``arccosh a``: d/da = 1/sqrt(a^2 - 1)."""
    return (lambda g: g / np.sqrt(a * a - 1),)


@_rule(np.arctanh)
def _arctanh_vjp(a, out):
    """``arctanh a``: d/da = 1/(1 - a^2)."""
    return (lambda g: g / (1 - a * a),)


@_rule(np.arctan2)
def _arctan2_vjp(a, b, out):
    """``arctan2(a, b)`` (the angle of the point (b, a)): d/da = b/(a^2 + b^2), d/db = -a/(a^2 + b^2)."""
    return (lambda g: g * b / (a * a + b * b)), (lambda g: -g * a / (a * a + b * b))


@_rule(np.deg2rad)
def _deg2rad_vjp(a, out):
    """``a pi / 180``: d/da = pi / 180."""
    return (lambda g: g * (np.pi / 180.0),)


@_rule(np.rad2deg)
def _rad2deg_vjp(a, out):
    """``a 180 / pi``: d/da = 180 / pi."""
    return (lambda g: g * (180.0 / np.pi),)


@_rule(np.logaddexp2)
def _logaddexp2_vjp(a, b, out):
    """``log2(2^a + 2^b)``: d/da = 2^(a - out), d/db = 2^(b - out)."""
    return (lambda g: g * np.exp2(a - out)), (lambda g: g * np.exp2(b - out))


@_rule(np.fmod)
def _fmod_vjp(a, b, out):
    """``fmod(a, b) = a - b trunc(a/b)``: d/da = 1, d/db = -trunc(a/b) (almost everywhere)."""
    return _same, (lambda g: -g * np.trunc(a / b))


@_rule(np.maximum, np.fmax)
def _maximum_vjp(a, b, out):
    """``max(a, b)``: g goes to ``a`` where a >= b, else to ``b`` (TensorFlow's tie rule)."""
    mask = a >= b
    return (lambda g: g * mask), (lambda g: g * ~mask)


@_rule(np.minimum, np.fmin)
def _minimum_vjp(a, b, out):
    """``min(a, b)``: g goes to ``a`` where a <= b, else to ``b`` (TensorFlow's tie rule)."""
    mask = a <= b
    return (lambda g: g * mask), (lambda g: g * ~mask)


@_rule(np.logaddexp)
def _logaddexp_vjp(a, b, out):
    """``log(e^a + e^b)``: d/da = e^(a - out), d/db = e^(b - out)."""
    return (lambda g: g * np.exp(a - out)), (lambda g: g * np.exp(b - out))


@_rule(np.hypot)
def _hypot_vjp(a, b, out):
    """``sqrt(a^2 + b^2)``: d/da = a/out, d/db = b/out."""
    return (lambda g: g * a / out), (lambda g: g * b / out)


@_rule(np.remainder)
def _remainder_vjp(a, b, out):
    """``a mod b = a - b floor(a/b)``: d/da = 1, d/db = -floor(a/b) (almost everywhere)."""
    return _same, (lambda g: -g * np.floor_divide(a, b))


@_rule(np.matmul)
def _matmul_vjp(a, b, out):
    """``a @ b``: dC/da = g @ b^T, dC/db = a^T @ g (NumPy's 1-D promotion undone, batch axes
    that were broadcast summed)."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b

    def promote(g):
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        return g

    def ga(g):
        return _unbroadcast(promote(g) @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)

    def gb(g):
        return _unbroadcast(np.swapaxes(a2, -1, -2) @ promote(g), b2.shape).reshape(b.shape)
    return ga, gb


@_rule(np.sign, np.floor, np.ceil, np.rint, np.trunc)
def _piecewise_constant_vjp(a, out):
    """sign / floor / ceil / rint / trunc are piecewise constant: derivative 0 (as TensorFlow)."""
    return (_zero,)


@_rule(np.floor_divide)
def _floor_divide_vjp(a, b, out):
    """``floor(a / b)`` is piecewise constant: derivative 0 for both inputs."""
    return _zero, _zero


# Ufuncs whose result is boolean / integer: never differentiated, result not recorded.
_NO_GRAD_UFUNCS = {
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.isnan, np.isinf,
    np.isfinite, np.signbit,
}

_UFUNC_SUGGEST = {"clip": "glassnet.ops.clip", "heaviside": "glassnet.ops.where"}


def _apply_ufunc(ufunc, method, inputs, out, kwargs):
    tape = active_tape()
    if tape is not None:
        inputs = tuple(tape.leaf(x) if isinstance(x, Variable) else x for x in inputs)
    if tape is None or not any(_tracked(x, tape) for x in inputs) and not (
            out is not None and any(_tracked(o, tape) for o in out)):
        args = tuple(plain(x) if isinstance(x, (Tensor, Variable)) else x for x in inputs)
        if out is not None:
            outs = tuple(plain(o) if isinstance(o, (Tensor, Variable)) else o for o in out)
            getattr(ufunc, method)(*args, out=outs, **kwargs)
            return out[0] if len(out) == 1 else out
        result = getattr(ufunc, method)(*args, **kwargs)
        if isinstance(result, tuple):
            return tuple(r.view(Tensor) if isinstance(r, np.ndarray) else r for r in result)
        return result.view(Tensor) if isinstance(result, np.ndarray) else result
    name = ufunc.__name__
    if out is not None:
        raise NotDifferentiableError(
            f"np.{name} with out= (an in-place operation such as x += y or x *= y) on a recorded "
            f"Tensor cannot be differentiated: write x = x + y instead"
        )
    if method == "reduce":
        return _reduce(ufunc, inputs, kwargs)
    if method == "accumulate" and ufunc is np.add:
        from . import ops
        return ops.cumsum(inputs[0], axis=kwargs.get("axis", 0))
    if method != "__call__":
        raise NotDifferentiableError(f"np.{name}.{method} on a recorded Tensor is not differentiable "
                                     f"in glassnet; use glassnet.ops functions")
    bad = set(kwargs) - {"dtype", "casting"}
    if bad:
        raise NotDifferentiableError(f"np.{name} with {', '.join(sorted(bad))}= on a recorded Tensor "
                                     f"is not differentiable in glassnet")
    # Python numbers stay Python numbers: NumPy's weak scalars keep float32 float32.
    args = tuple(x if isinstance(x, (int, float, complex)) else plain(x) for x in inputs)
    result = ufunc(*args, **kwargs)
    if ufunc in _NO_GRAD_UFUNCS:
        return result.view(Tensor) if isinstance(result, np.ndarray) else result
    rule = _UFUNC_VJP.get(ufunc)
    if rule is None:
        hint = _UFUNC_SUGGEST.get(name, "a glassnet.ops function")
        raise NotDifferentiableError(
            f"np.{name} has no recorded gradient in glassnet, so it cannot be applied to a recorded "
            f"Tensor (inside a custom layer's call or a custom loss); use {hint} instead"
        )
    return tape.record(name, inputs, result, rule(*args, result))


def _reduce(ufunc, inputs, kwargs):
    from . import ops
    fn = {np.add: ops.sum, np.maximum: ops.max, np.minimum: ops.min, np.multiply: ops.prod}.get(ufunc)
    bad = {k for k, v in kwargs.items() if k not in ("axis", "keepdims", "dtype") and v is not None}
    if fn is None or bad:
        raise NotDifferentiableError(
            f"np.{ufunc.__name__}.reduce{' with ' + ', '.join(sorted(bad)) if bad else ''} on a "
            f"recorded Tensor is not differentiable in glassnet; use glassnet.ops.sum / max / min / prod"
        )
    out = fn(inputs[0], axis=kwargs.get("axis", 0), keepdims=bool(kwargs.get("keepdims", False)))
    dtype = kwargs.get("dtype")
    return ops.cast(out, dtype) if dtype is not None else out


# =============================================================================== NumPy functions
# np.<function> -> the glassnet.ops equivalent, called with NumPy's signature (filled lazily).
_FUNCTION_ROUTES: dict = {}

# Read-only NumPy functions: fine on a recorded Tensor, their result is not differentiated.
_NO_GRAD_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.array_equiv, np.any,
    np.all, np.argmax, np.argmin, np.argsort, np.count_nonzero, np.nonzero, np.flatnonzero,
    np.array2string, np.array_repr, np.array_str, np.result_type, np.can_cast, np.iscomplexobj,
    np.isrealobj, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.searchsorted,
    np.min_scalar_type, np.may_share_memory, np.shares_memory,
}

_FUNCTION_SUGGEST = {
    "asarray": "the Tensor itself", "array": "the Tensor itself", "copy": "glassnet.ops.copy",
    "split": "glassnet.ops.split",
    "linalg.norm": "glassnet.ops.norm", "average": "glassnet.ops.mean", "diff": "slicing: x[1:] - x[:-1]",
    "cumprod": "glassnet.ops.prod", "sort": "glassnet.ops.take(x, np.argsort(ops.convert_to_numpy(x)))",
}


def _reject(where, **kwargs):
    for k, v in kwargs.items():
        if v is not None and v is not False:
            raise NotDifferentiableError(f"np.{where} with {k}= on a recorded Tensor is not "
                                         f"differentiable in glassnet; use glassnet.ops.{where}")


def _build_routes():
    from . import ops

    def reduction(fn, name):
        def route(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
            _reject(name, dtype=dtype, out=out, **{k: v for k, v in kw.items() if k != "initial"})
            if kw.get("initial") is not None:
                return fn(a, axis=axis, keepdims=keepdims, initial=kw["initial"])
            return fn(a, axis=axis, keepdims=keepdims)
        return route

    def var_route(fn, name):
        def route(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
            _reject(name, dtype=dtype, out=out, **kw)
            if ddof != 0:
                raise NotDifferentiableError(f"np.{name} with ddof={ddof} on a recorded Tensor: glassnet.ops."
                                             f"{name} has Keras's ddof=0 only")
            return fn(a, axis=axis, keepdims=keepdims)
        return route

    def reshape(a, *args, **kw):
        shape = args[0] if args else kw.pop("shape", kw.pop("newshape", None))
        _reject("reshape", order=None if kw.get("order", "C") == "C" else kw["order"])
        return ops.reshape(a, shape)

    def transpose(a, axes=None):
        return ops.transpose(a, axes)

    def concatenate(arrays, axis=0, out=None, **kw):
        _reject("concatenate", out=out, **kw)
        return ops.concatenate(arrays, axis=axis)

    def stack(arrays, axis=0, out=None, **kw):
        _reject("stack", out=out, **kw)
        return ops.stack(arrays, axis=axis)

    def clip(a, a_min=None, a_max=None, out=None, **kw):
        _reject("clip", out=out)
        a_min = kw.get("min", a_min)
        a_max = kw.get("max", a_max)
        return ops.clip(a, a_min, a_max)

    def where(condition, *xy):
        if len(xy) != 2:
            raise NotDifferentiableError("np.where(condition) with one argument returns indices; it has "
                                         "no gradient (use np.where(condition, x, y) or glassnet.ops.where)")
        return ops.where(condition, *xy)

    def take(a, indices, axis=None, out=None, mode="raise"):
        _reject("take", out=out)
        return ops.take(a, indices, axis=axis)

    def cumsum(a, axis=None, dtype=None, out=None):
        _reject("cumsum", dtype=dtype, out=out)
        return ops.cumsum(a, axis=axis)

    def norm(x, ord=None, axis=None, keepdims=False):
        return ops.norm(x, ord=ord, axis=axis, keepdims=keepdims)

    def einsum(*operands, out=None, **kw):
        _reject("einsum", out=out)
        return ops.einsum(*operands)

    routes = {
        np.sum: reduction(ops.sum, "sum"), np.mean: reduction(ops.mean, "mean"),
        np.max: reduction(ops.max, "max"), np.min: reduction(ops.min, "min"),
        np.amax: reduction(ops.max, "max"), np.amin: reduction(ops.min, "min"),
        np.prod: reduction(ops.prod, "prod"),
        np.var: var_route(ops.var, "var"), np.std: var_route(ops.std, "std"),
        np.reshape: reshape, np.transpose: transpose, np.concatenate: concatenate, np.stack: stack,
        np.expand_dims: lambda a, axis: ops.expand_dims(a, axis),
        np.squeeze: lambda a, axis=None: ops.squeeze(a, axis),
        np.where: where, np.clip: clip, np.dot: lambda a, b, out=None: ops.dot(a, b),
        np.matmul: lambda a, b, **kw: ops.matmul(a, b), np.take: take, np.cumsum: cumsum,
        np.linalg.norm: norm, np.einsum: einsum, np.copy: lambda a, **kw: ops.copy(a),
        np.swapaxes: lambda a, axis1, axis2: ops.swapaxes(a, axis1, axis2),
        np.moveaxis: lambda a, source, destination: ops.moveaxis(a, source, destination),
        np.ravel: lambda a, order="C": ops.reshape(a, (-1,)),
        np.broadcast_to: lambda array, shape, subok=False: ops.broadcast_to(array, shape),
        np.tile: lambda A, reps: ops.tile(A, reps),
        np.repeat: lambda a, repeats, axis=None: ops.repeat(a, repeats, axis),
        np.flip: lambda m, axis=None: ops.flip(m, axis),
        np.outer: lambda a, b, out=None: ops.outer(a, b),
        np.round: lambda a, decimals=0, out=None: ops.round(a, decimals),
        np.around: lambda a, decimals=0, out=None: ops.round(a, decimals),
        np.pad: lambda array, pad_width, mode="constant", **kw: ops.pad(
            array, pad_width, mode, kw.get("constant_values")),
        np.diagonal: lambda a, offset=0, axis1=0, axis2=1: ops.diagonal(a, offset, axis1, axis2),
        np.diag: lambda v, k=0: ops.diag(v, k),
        np.trace: lambda a, offset=0, axis1=0, axis2=1, dtype=None, out=None: ops.trace(a, offset, axis1, axis2),
        np.vstack: lambda tup, **kw: ops.vstack(tup),
        np.hstack: lambda tup, **kw: ops.hstack(tup),
        np.nan_to_num: lambda x, copy=True, nan=0.0, posinf=None, neginf=None: ops.nan_to_num(x, nan, posinf, neginf),
    }
    _FUNCTION_ROUTES.update(routes)


def _apply_function(func, types, args, kwargs):
    tape = active_tape()
    if tape is None or not (_any_tracked(args, tape) or _any_tracked(kwargs.values(), tape)):
        args = _plain_args(args)
        kwargs = {k: _plain_args(v) if isinstance(v, (list, tuple, Tensor, Variable)) else v
                  for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        if isinstance(result, np.ndarray) and not isinstance(result, Tensor):
            return result.view(Tensor)
        return result
    if not _FUNCTION_ROUTES:
        _build_routes()
    route = _FUNCTION_ROUTES.get(func)
    if route is not None:
        return route(*args, **kwargs)
    name = func.__name__
    module = getattr(func, "__module__", "") or ""
    if module.startswith("numpy.linalg"):
        name = "linalg." + name
    if func in _NO_GRAD_FUNCTIONS:
        result = func(*_plain_args(args), **kwargs)
        return result
    hint = _FUNCTION_SUGGEST.get(name, "the glassnet.ops functions")
    raise NotDifferentiableError(
        f"np.{name} was called on a recorded Tensor (inside a custom layer's call or a custom loss) "
        f"but has no recorded gradient in glassnet; use {hint} instead"
    )


def _plain_args(x):
    if isinstance(x, (Tensor, Variable)):
        return plain(x)
    if isinstance(x, tuple):
        return tuple(_plain_args(v) for v in x)
    if isinstance(x, list):
        return [_plain_args(v) for v in x]
    return x


# =============================================================================== the Tensor
class Tensor(np.ndarray):
    """A float ndarray whose operations are recorded while a :class:`Tape` that tracks it is active.

    Arithmetic operators (``+ - * / ** @``, unary ``-``, ``abs``), NumPy ufuncs (``np.exp``,
    ``np.maximum``, ...), the reductions and shape methods (``x.sum()``, ``x.reshape()``,
    ``x.T``), indexing (``x[:, 0]``, ``x[..., None]``) and the NumPy functions with a
    ``glassnet.ops`` equivalent (``np.sum``, ``np.concatenate``, ...) are recorded; comparisons
    give unrecorded boolean arrays.  Anything else raises :class:`NotDifferentiableError`.
    Outside its tape a Tensor is an ordinary ndarray.
    """

    _tid = 0   # id of the tape that records this tensor (0: not recorded)

    def numpy(self) -> np.ndarray:
        """A plain ndarray copy of the data (as a Keras tensor's ``.numpy()``)."""
        return np.array(self.view(np.ndarray))

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return _apply_ufunc(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _apply_function(func, types, args, kwargs)

    # printing reads the plain data (so that it records nothing)
    def __repr__(self):
        data = self.view(np.ndarray)
        body = np.array2string(data, separator=", ", prefix="Tensor(")
        suffix = "" if data.dtype == np.float64 else f", dtype={data.dtype}"
        return f"Tensor({body}{suffix})"

    def __str__(self):
        return str(self.view(np.ndarray))

    def _recording(self) -> bool:
        if not self._tid:
            return False
        tape = active_tape()
        return tape is not None and tape.id == self._tid

    # ----------------------------------------------------------- indexing
    def __getitem__(self, key):
        if not self._recording():
            return super().__getitem__(key)
        from . import ops
        return ops.getitem(self, key)

    def __setitem__(self, key, value):
        tape = active_tape()
        if tape is not None and (self._recording() or _tracked(value, tape) or isinstance(value, Variable)):
            raise NotDifferentiableError(
                "item assignment (x[...] = v) into or from a recorded Tensor cannot be differentiated; "
                "build the result with glassnet.ops.where, ops.concatenate or ops.stack instead"
            )
        super().__setitem__(key, plain(value) if isinstance(value, (Tensor, Variable)) else value)

    def __iter__(self):
        if not self._recording():
            return super().__iter__()
        return (self[i] for i in range(len(self)))

    # ----------------------------------------------------------- methods routed to ops
    def reshape(self, *shape, order="C"):
        if not self._recording():
            return super().reshape(*shape, order=order)
        from . import ops
        if order != "C":
            raise NotDifferentiableError("Tensor.reshape: only order='C' is recorded")
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        if not self._recording():
            return super().transpose(*axes)
        from . import ops
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return ops.transpose(self, axes or None)

    @property
    def T(self):
        return self.transpose()

    def swapaxes(self, axis1, axis2):
        if not self._recording():
            return super().swapaxes(axis1, axis2)
        from . import ops
        return ops.swapaxes(self, axis1, axis2)

    def flatten(self, order="C"):
        if not self._recording():
            return super().flatten(order)
        from . import ops
        return ops.copy(ops.reshape(self, (-1,)))

    def ravel(self, order="C"):
        if not self._recording():
            return super().ravel(order)
        from . import ops
        return ops.reshape(self, (-1,))

    def squeeze(self, axis=None):
        if not self._recording():
            return super().squeeze(axis)
        from . import ops
        return ops.squeeze(self, axis)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().sum(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.sum, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().mean(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.mean, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def max(self, axis=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().max(axis=axis, out=out, keepdims=keepdims, **kw)
        return _route(np.max, self, axis=axis, out=out, keepdims=keepdims, **kw)

    def min(self, axis=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().min(axis=axis, out=out, keepdims=keepdims, **kw)
        return _route(np.min, self, axis=axis, out=out, keepdims=keepdims, **kw)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().prod(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.prod, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        if not self._recording():
            return super().var(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw)
        return _route(np.var, self, axis=axis, dtype=dtype, out=out, ddof=ddof,
                                     keepdims=keepdims, **kw)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        if not self._recording():
            return super().std(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw)
        return _route(np.std, self, axis=axis, dtype=dtype, out=out, ddof=ddof,
                                     keepdims=keepdims, **kw)

    def cumsum(self, axis=None, dtype=None, out=None):
        if not self._recording():
            return super().cumsum(axis=axis, dtype=dtype, out=out)
        return _route(np.cumsum, self, axis=axis, dtype=dtype, out=out)

    def clip(self, min=None, max=None, out=None, **kw):
        if not self._recording():
            return super().clip(min, max, out=out, **kw)
        return _route(np.clip, self, min, max, out=out)

    def dot(self, b, out=None):
        if not self._recording():
            return super().dot(plain(b) if isinstance(b, (Tensor, Variable)) else b, out=out)
        from . import ops
        return ops.dot(self, b)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        if not self._recording():
            return super().astype(dtype, order=order, casting=casting, subok=subok, copy=copy)
        from . import ops
        return ops.cast(self, dtype)

    def copy(self, order="C"):
        if not self._recording():
            return super().copy(order)
        from . import ops
        return ops.copy(self)


def _route(func, *args, **kwargs):
    if not _FUNCTION_ROUTES:
        _build_routes()
    return _FUNCTION_ROUTES[func](*args, **kwargs)


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
        return _variable_result(_apply_ufunc(ufunc, method, inputs, out, kwargs), inputs)

    def __array_function__(self, func, types, args, kwargs):
        return _variable_result(_apply_function(func, types, args, kwargs), args)

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


# =============================================================================== helpers
def _map(fn, x):
    """Apply ``fn`` to the leaves of a nest of lists / tuples / dicts."""
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    return fn(x)


def _leaves(x) -> list:
    out = []
    _map(out.append, x)
    return out


def call_activation(act, x):
    """Apply a ``glassnet.activations.ActivationFunction`` ``a = act(x)``, recorded (when ``x`` is)
    as one operation whose VJP is the activation's own ``backward(g, z, a)`` -- the derivative
    the built-in layers use.  (``ActivationFunction.__call__`` can send recorded inputs here: a
    few activations compute in place or with ``np.split``, which the tape refuses.)"""
    x = lift(x)
    z = plain(x)
    if z.dtype.kind != "f":
        z = z.astype(config.floatx())
    a = act.call(z)
    return record(getattr(act, "name", type(act).__name__), (x,), a, (lambda g: act.backward(g, z, a),))


def unwrap(x):
    """``x`` (an array, Tensor, Variable or a nest of lists / tuples / dicts of them) with every
    leaf as a plain ndarray (Tensors as views): what a layer hands on outside a recording."""
    return _map(lambda t: plain(t) if isinstance(t, (np.ndarray, Variable)) else t, x)


def recorded_inputs(x) -> bool:
    """Whether the active tape records any leaf of ``x`` (a Layer's ``__call__`` then runs its
    ``call`` under that tape, or :func:`call_layer` for a built-in layer)."""
    tape = active_tape()
    return tape is not None and any(tape.tracks(t) for t in _leaves(x))


class RecordedCall:
    """A call ``fn(inputs, **kwargs)`` recorded on its own tape, ready for a backward pass.

    ``output`` is ``fn``'s result with every Tensor turned into a plain ndarray view (same
    nesting); ``backward(grad_output)`` takes dC/d(output) in that nesting and returns dC/d(inputs)
    in the nesting of ``inputs``, after ADDING each Variable's gradient to ``variable.grad``.
    ``tape`` keeps the records (``tape.records``) for inspection tools.
    """

    def __init__(self, fn, inputs, variables=None, name=None, **kwargs):
        self.name = name or getattr(fn, "__qualname__", type(fn).__name__)
        self.variables = list(variables or ())
        outer = active_tape()
        if outer is not None and any(outer.tracks(x) for x in _leaves(inputs)):
            raise ValueError(
                f"{self.name}: record_call on inputs that an active tape already records would cut "
                f"them off from it (only the innermost tape records); inside a recorded call, call "
                f"fn directly (or autodiff.call_layer for a built-in layer)"
            )
        self.tape = Tape()
        with self.tape:
            self.inputs = _map(self.tape.watch, inputs)
            result = fn(self.inputs, **kwargs)
        self._result = result
        bad = [x for x in _leaves(result) if not isinstance(x, (np.ndarray, np.generic, numbers.Number))]
        if bad or result is None:
            got = "None" if result is None else type(bad[0]).__name__
            raise TypeError(f"{self.name}: call must return a tensor (an array, or a list / tuple / "
                            f"dict of arrays), got {got}")
        self.output = _map(lambda t: t.view(np.ndarray) if isinstance(t, Tensor) else np.asarray(t), result)

    def backward(self, grad_output, unconnected="raise"):
        """dC/d(output) -> dC/d(inputs); Variable gradients are added to ``variable.grad``."""
        outs = _leaves(self._result)
        grads = _leaves(grad_output) if isinstance(grad_output, (list, tuple, dict)) else [grad_output]
        if len(grads) != len(outs):
            raise ValueError(f"{self.name}: backward got {len(grads)} output gradients for "
                             f"{len(outs)} outputs")
        try:
            flat = self.tape.gradient(outs, grads, variables=self.variables, unconnected=unconnected)
        except DisconnectedGradientError as err:
            raise DisconnectedGradientError(f"{self.name}: {err}") from None
        it = iter(flat)
        return _map(lambda _: next(it), self.inputs)


def record_call(fn, inputs, variables=None, name=None, **kwargs) -> RecordedCall:
    """Run ``fn(inputs, **kwargs)`` on a fresh tape (``inputs``: an array or a nest of them,
    each watched); see :class:`RecordedCall`.  ``variables``: the Variables that must receive a
    gradient (a custom layer's trainable weights), checked in ``backward``."""
    return RecordedCall(fn, inputs, variables=variables, name=name, **kwargs)


# A built-in layer (explicit forward / backward) used inside a recorded call is ONE recorded
# operation whose VJP is the layer's own backward pass (BP1-BP4).
_LAYER_CALLS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def call_layer(layer, inputs, training=False):
    """``layer.forward(inputs, training)``, recorded as one operation when an input is recorded.

    Lets a custom layer's ``call`` (or a subclassed model's) use built-in layers: the recorded
    VJP runs ``layer.backward(g)`` -- the layer's explicit backward pass -- and returns dC/d(input)
    (a list for a layer taking a list).  Weight gradients are ADDED to ``variable.grad`` like every
    recorded Variable's.  A layer called several times in one recorded call is handled: its state
    (the attributes its forward pass sets, e.g. ``a_prev``, ``z``, ``mask``) is put back as it was
    after the matching forward before its backward runs; forward passes must therefore rebind
    those attributes, not write into them.  Outside a recording (no tape, or no recorded input) it
    is just ``layer.forward(inputs, training)`` on plain arrays.
    """
    tape = active_tape()
    leaves = _leaves(inputs)
    if tape is not None:
        leaves = [tape.leaf(x) if isinstance(x, Variable) else x for x in leaves]
    recording = tape is not None and any(_tracked(x, tape) for x in leaves)
    args = _map(lambda x: plain(x) if isinstance(x, (Tensor, Variable)) else x, inputs)
    if not recording:
        out = layer.forward(args, training=training)
        return out.view(Tensor) if isinstance(out, np.ndarray) and any(
            isinstance(x, Tensor) for x in leaves) else out
    count = _LAYER_CALLS.get(layer, 0) + 1
    _LAYER_CALLS[layer] = count
    out = layer.forward(args, training=training)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{getattr(layer, 'name', type(layer).__name__)}: forward returned "
                        f"{type(out).__name__}; a recorded layer call needs one array")
    state = dict(vars(layer))
    name = getattr(layer, "name", type(layer).__name__)
    cache = {}

    def backward(g):
        if cache.get("g") is g:
            return cache["dx"]
        if not training:
            raise NotDifferentiableError(
                f"layer {name!r} was called with training=False inside a recorded call, so it kept "
                f"nothing for its backward pass; call it with training=True to differentiate it"
            )
        weights = [v for v in getattr(layer, "weights", []) if v.grad is not None]
        saved = [v.grad.copy() for v in weights]
        stale = _LAYER_CALLS.get(layer) != count
        current = dict(vars(layer)) if stale else None
        if stale:   # called again since: restore the state of this call's forward pass
            vars(layer).update(state)
        try:
            dx = layer.backward(g)
        finally:
            if stale:
                vars(layer).clear()
                vars(layer).update(current)
        for v, before in zip(weights, saved):
            v.grad += before          # backward assigned this call's gradient: accumulate
        tape.reached_variables.update(id(v) for v in weights)
        if dx is None:
            raise NotDifferentiableError(
                f"layer {name!r} returned no input gradient from backward (needs_input_grad is "
                f"False?), but its input is recorded"
            )
        cache["g"], cache["dx"] = g, dx
        return dx

    if isinstance(inputs, (list, tuple)):
        vjps = tuple((lambda g, i=i: backward(g)[i]) for i in range(len(leaves)))
        recorded_inputs = tuple(leaves)
    else:
        vjps = (backward,)
        recorded_inputs = (leaves[0],)
    return tape.record(f"{type(layer).__name__}({name})", recorded_inputs, out, vjps)


def loss_values_and_gradient(fn, y_true, y_pred, **kwargs):
    """``(values, grad)`` for a custom loss: ``values = fn(y_true, y_pred, **kwargs)`` (plain array,
    usually one loss per sample) and ``grad = d sum(values) / d y_pred`` in ``y_pred``'s dtype,
    by recording ``fn`` on a tape (``y_true`` is a constant).  A ``fn`` that leaves the recorded
    computation raises :class:`DisconnectedGradientError` / :class:`NotDifferentiableError`
    naming the cause."""
    name = getattr(fn, "__name__", type(fn).__name__)
    rec = RecordedCall(lambda p: fn(y_true, p, **kwargs), y_pred, name=f"loss {name!r}")
    values = rec.output
    grad = rec.backward(np.ones(np.shape(values), np.asarray(values).dtype))
    return values, grad


def value_and_grad(fn, *arrays, output_gradient=None):
    """``(fn(*arrays), [d fn / d array for each array])`` by recording ``fn`` on a fresh tape.

    ``fn`` returns a Tensor (or a scalar); ``output_gradient`` defaults to ones.  Returns the
    value as a plain ndarray and the gradients in the arrays' float dtype.
    """
    with Tape() as tape:
        watched = [tape.watch(a) for a in arrays]
        out = fn(*watched)
    grads = tape.gradient(out, output_gradient)
    return plain(out).copy(), grads


def as_output(x):
    """What ``layer(x)`` / ``model(x)`` return: the array as a :class:`Tensor` view, so Keras code that calls
    ``.numpy()`` on it works; it behaves as a plain ndarray everywhere else."""
    if isinstance(x, np.ndarray) and not isinstance(x, Tensor):
        return x.view(Tensor)
    if isinstance(x, list):
        return [as_output(v) for v in x]
    if isinstance(x, dict):
        return {k: as_output(v) for k, v in x.items()}
    return x


def plain_output(x, where: str):
    """A custom call's result as plain arrays (same nesting); anything that is not a tensor is an error."""
    bad = [v for v in _leaves(x) if not isinstance(v, (np.ndarray, np.generic, numbers.Number))]
    if x is None or bad:
        got = "None" if x is None else type(bad[0]).__name__
        raise TypeError(f"{where}: call must return a tensor (an array, or a list / tuple / dict of arrays), "
                        f"got {got}")
    return _map(lambda t: t.view(np.ndarray) if isinstance(t, Tensor) else np.asarray(t), x)


attach_variable_arithmetic(Variable)
