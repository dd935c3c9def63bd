"""The tape: :class:`Tape` records operations as :class:`Record` s and walks them backwards.

``Tape.gradient`` is the reverse-mode chain rule: starting from dC/d(output), each record's VJPs
send the gradient to its inputs (summed over every use of a value, and over the axes NumPy
broadcast an input along).  Also here: the thread's active tape, the two errors, and the input
helpers every recorded operation uses (``plain``, ``lift``, ``record``).
"""
from __future__ import annotations

import itertools
import threading

import numpy as np

from .. import config
from ..variables import Variable

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


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
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
        g = unbroadcast(g, inp.shape)
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


def tracked(x, tape) -> bool:
    return isinstance(x, Tensor) and x._tid == tape.id


def any_tracked(objs, tape) -> bool:
    for x in objs:
        if isinstance(x, Tensor):
            if x._tid == tape.id:
                return True
        elif isinstance(x, Variable):
            return True
        elif isinstance(x, (list, tuple)) and any_tracked(x, tape):
            return True
    return False


# The Tensor builds on the tape (it asks for the active tape): imported last, when all above exists.
from .tensor import Tensor  # noqa: E402
