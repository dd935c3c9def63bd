"""Recorded calls: a custom layer's ``call``, a built-in layer, an activation or a custom loss on a tape.

:class:`RecordedCall` runs ``fn(inputs)`` on its own tape and gives its backward pass;
:func:`call_layer` / :func:`call_activation` record a built-in layer or activation as ONE
operation whose VJP is its own hand-written backward; :func:`loss_values_and_gradient` and
:func:`value_and_grad` differentiate a function; ``as_output`` / ``plain_output`` / ``unwrap``
turn results into what layers hand on.
"""
from __future__ import annotations

import numbers
import weakref

import numpy as np

from .. import config
from ..variables import Variable
from .tape import (DisconnectedGradientError, NotDifferentiableError, Tape, active_tape, lift, plain, record,
                   tracked)
from .tensor import Tensor


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
        self.output = plain_output(result, self.name)

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
    recording = tape is not None and any(tracked(x, tape) for x in leaves)
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
