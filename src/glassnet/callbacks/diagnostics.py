"""``Diagnostics``: the training doctor's records, per epoch and per layer.

For every layer with weights or an activation, at the end of every ``every``-th epoch::

    weight_norm    ||W||   (the kernel: every trainable weight of the layer but the bias)
    bias_norm      ||b||
    grad_norm      ||dC/dW, dC/db||, the mean over the epoch's training steps (var.grad after each step)
    update_ratio   ||W_after - W_before|| / ||W_before|| of one step, the mean over the epoch's steps
    dead_relu      share of ReLU units whose output is 0 on every row of the probe (f'(z) = 0 there:
                   BP2 passes them no gradient, so they never recover)
    saturated      share of sigmoid / tanh units saturated on at least 90 % of the probe rows
                   (sigmoid a < 0.02 or a > 0.98, f'(z) = a(1 - a) < 0.02; tanh |a| > 0.98, f'(z) = 1 - a^2 < 0.04)
    act_mean, act_std   mean and spread of the layer's outputs on the probe
    nonfinite      NaN / inf entries in the layer's weights, its last gradients and its outputs on the probe

The records are a dict of lists (one row per epoch and layer) that ``pandas.DataFrame`` takes:
``callback.diagnostics`` and ``history.diagnostics`` (the History of the ``fit`` that ran it).
When a :class:`~glassnet.callbacks.TensorBoard` callback is in the same ``fit``, the numbers are also
written as scalars ``<layer>/<quantity>`` to the run ``diagnostics`` beside its ``train`` and
``validation`` runs.

The probe is a fixed sample of the training data: ``probe`` when given, else the first
``probe_size`` rows of the first epoch's (shuffled) batches, captured as they pass through
``model.train_step``.  Its activations come from running the model's layers one node at a time in
inference mode (``layer.forward(x, training=False)``: Dropout off, BatchNormalization on its moving
statistics), which changes nothing in the model.

Cost: per training step of a recorded epoch, one copy of the trained weights and three sums of
squares per weight (about the work of an SGD update, plus the per-batch callback calls it turns
on); per recorded epoch, one inference pass over the probe (``probe_size`` rows).  For a tiny
network, whose step takes a tenth of a millisecond, that Python work dominates (see the README's
measurement); ``every=k`` records one epoch in k.
"""
from __future__ import annotations

import math
import numbers
import os
import sys

import numpy as np

from .callback import Callback

_WHERE = "Diagnostics"

#: the columns of the records, in order
COLUMNS = ("epoch", "layer", "activation", "units", "weight_norm", "bias_norm", "grad_norm", "update_ratio",
           "dead_relu", "saturated", "act_mean", "act_std", "nonfinite")

RELU_LIKE = ("relu", "relu6")
SATURATING = ("sigmoid", "tanh", "hard_sigmoid")
#: a unit counts as saturated when it is saturated on at least this share of the probe rows
SATURATED_ROWS = 0.9


def activation_name(layer) -> str | None:
    """'relu', 'sigmoid', 'tanh', ... for a layer with an activation (Dense, Activation, ReLU); else None."""
    act = getattr(layer, "activation", None)
    name = getattr(act, "name", None) or getattr(act, "__name__", None)
    if name:
        return str(name)
    kind = type(layer).__name__
    if kind == "ReLU" and not getattr(layer, "negative_slope", 0):
        return "relu"
    return None


def _is_bias(variable) -> bool:
    return str(getattr(variable, "name", "")).split("/")[-1].split(":")[0] == "bias"


def _norm(arrays) -> float:
    """sqrt(sum of squares) over several arrays, in float64."""
    total = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        total += float(np.dot(a.ravel(), a.ravel()))
    return math.sqrt(total)


def _nonfinite(arrays) -> int:
    return int(sum(a.size - np.count_nonzero(np.isfinite(a)) for a in arrays if a is not None))


def unit_stats(outputs, activation: str | None) -> dict:
    """Dead-ReLU and saturation shares, mean and spread of one layer's outputs on the probe."""
    out = np.asarray(outputs)
    flat = out.reshape(-1, out.shape[-1]) if out.ndim > 1 else out.reshape(-1, 1)
    finite = flat[np.isfinite(flat).all(axis=1)] if flat.size else flat
    stats = {"units": int(flat.shape[1]), "dead_relu": float("nan"), "saturated": float("nan"),
             "act_mean": float("nan"), "act_std": float("nan"), "nonfinite": _nonfinite([flat])}
    if len(finite):
        stats["act_mean"] = float(finite.mean(dtype=np.float64))
        stats["act_std"] = float(finite.std(dtype=np.float64))
    if activation in RELU_LIKE and len(finite):
        stats["dead_relu"] = float(np.mean(np.all(finite == 0, axis=0)))
    elif activation in SATURATING and len(finite):
        if activation == "tanh":
            saturated = np.abs(finite) > 0.98
        else:
            saturated = (finite < 0.02) | (finite > 0.98)
        stats["saturated"] = float(np.mean(saturated.mean(axis=0) >= SATURATED_ROWS))
    return stats


def _is_graph_model(layer) -> bool:
    return callable(getattr(layer, "graph_nodes", None)) and bool(getattr(layer, "inputs", None))


def probe_activations(model, probe) -> dict:
    """``{layer name: output on probe}`` for every layer of ``model`` (and of the models nested in it),
    run node by node in inference mode.

    ``probe`` is an array (or a list, one per model input).  A layer called several times keeps
    its last call's output.  Nothing in the model changes.
    """
    outputs = {}
    _run_nodes(model, probe if isinstance(probe, (list, tuple)) else [probe], outputs)
    return outputs


def _run_nodes(model, inputs, outputs) -> list:
    values = {id(t): x for t, x in zip(model.inputs, inputs)}
    for node in model.graph_nodes():
        if not node.inputs:                       # an input node: its tensor is already set
            continue
        try:
            args = [values[id(t)] for t in node.inputs]
        except KeyError:                          # fed by something the probe does not reach
            continue
        layer = node.layer
        if _is_graph_model(layer) and len(node.outputs) == len(layer.outputs):
            outs = _run_nodes(layer, args, outputs)          # a nested model: its own layers too
        else:
            out = layer.forward(args if node.structure == "list" else args[0], training=False)
            outs = out if len(node.outputs) > 1 else [out]
        for t, o in zip(node.outputs, outs):
            values[id(t)] = o
        outputs[layer.name] = outs[0]
    return [values.get(id(t)) for t in model.outputs]


def _find_tensorboard(callback):
    """The TensorBoard callback that runs in the same ``fit`` as ``callback``, or None.

    Callbacks are not told about each other; the CallbackList that calls ``on_train_begin`` is
    found on the call stack (its ``callbacks`` attribute lists the members).
    """
    from .callback import CallbackList
    from .tensorboard import TensorBoard

    frame = sys._getframe(1)
    for _ in range(6):
        if frame is None:
            return None
        owner = frame.f_locals.get("self")
        if isinstance(owner, CallbackList) and any(cb is callback for cb in owner.callbacks):
            return next((cb for cb in owner.callbacks if isinstance(cb, TensorBoard)), None)
        frame = frame.f_back
    return None


class Diagnostics(Callback):
    """Record the training doctor's numbers per epoch and per layer (see the module's docstring).

    Arguments:
        every: record every ``every``-th epoch (1: each epoch); the first epoch is always recorded.
        probe_size: rows of training data the activation statistics are measured on (256).
        probe: the probe itself (an array, or a list of arrays for several inputs); default: the first
            ``probe_size`` training rows ``fit`` feeds the model.

    ``diagnostics`` (also ``history.diagnostics``) is a dict of lists with the keys :data:`COLUMNS`.
    """

    def __init__(self, every=1, probe_size=256, probe=None):
        super().__init__()
        for value, name in ((every, "every"), (probe_size, "probe_size")):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{_WHERE}: {name} must be a positive integer, got {value!r}")
        self.every = int(every)
        self.probe_size = int(probe_size)
        self.probe = None
        if probe is not None:
            probe = list(probe) if isinstance(probe, (list, tuple)) else [probe]
            self.probe = [np.asarray(p)[:self.probe_size] for p in probe]
        self.diagnostics = {name: [] for name in COLUMNS}
        self._writer = None
        self._capturing = False

    # ------------------------------------------------------------------ setup
    def _layers(self):
        """``[(layer, trained variables, activation name)]`` for the layers the records cover."""
        trained = {id(v) for v in self.model.trainable_segments_variables()}
        found = []

        def visit(layers):
            for layer in layers:
                if type(layer).__name__ == "InputLayer":
                    continue
                if _is_graph_model(layer):            # a nested model: its layers one by one
                    visit(layer.layers)
                    continue
                variables = [v for v in layer.weights if id(v) in trained]
                activation = activation_name(layer)
                if variables or activation:
                    found.append((layer, variables, activation))

        visit(self.model.layers)
        return found

    def on_train_begin(self, logs=None):
        """Find the layers, start capturing the probe, find a TensorBoard callback."""
        model = self.model
        self._tracked = self._layers()
        self._recording = False
        history = getattr(model, "history", None)
        if history is not None:
            history.diagnostics = self.diagnostics
        if self.probe is None:                      # captured once: the same rows in every later fit
            self._probe_parts = []
            self._start_capture()
        tensorboard = _find_tensorboard(self)
        if tensorboard is not None:
            from ..tensorboard import EventFileWriter

            self._writer = EventFileWriter(os.path.join(tensorboard.log_dir, "diagnostics"))

    def _start_capture(self):
        """Wrap ``model.train_step`` until ``probe_size`` training rows have passed through it."""
        model = self.model
        if "train_step" in vars(model):           # left by a fit that died with an exception
            del model.train_step
        step = model.train_step
        diagnostics = self

        def train_step(x, y=None, sample_weight=None):
            if diagnostics._capturing:
                diagnostics._keep_probe_rows(x)
            return step(x, y, sample_weight)

        model.train_step = train_step
        self._capturing = True

    def _stop_capture(self):
        if self._capturing:
            self._capturing = False
            if "train_step" in vars(self.model):
                del self.model.train_step

    def _keep_probe_rows(self, x):
        parts = x if isinstance(x, (list, tuple)) else [x]
        have = sum(len(p[0]) for p in self._probe_parts)
        take = self.probe_size - have
        if take > 0:
            self._probe_parts.append([np.array(p[:take]) for p in parts])
        if take - len(parts[0]) <= 0:
            self._finish_probe()

    def _finish_probe(self):
        self._stop_capture()
        if self._probe_parts and self.probe is None:
            self.probe = [np.concatenate([part[i] for part in self._probe_parts]) for i in
                          range(len(self._probe_parts[0]))]

    # ------------------------------------------------------------------ steps
    def _records_epoch(self, epoch) -> bool:
        return epoch % self.every == 0

    def on_epoch_begin(self, epoch, logs=None):
        """Zero the per-step sums and keep the weights when this epoch is recorded."""
        self._recording = self._records_epoch(epoch)
        n = len(self._tracked)
        self._grad_sum = np.zeros(n)
        self._ratio_sum = np.zeros(n)
        self._steps = 0
        if self._recording:
            # the weights before the next step (then after each step), and a buffer for the change
            self._before = [[np.array(v.value) for v in variables] for _, variables, _ in self._tracked]
            self._change = [[np.empty_like(v.value) for v in variables] for _, variables, _ in self._tracked]

    def on_train_batch_end(self, batch, logs=None):
        """Add this step's gradient norm and update-to-weight ratio per layer.

        The weights before the step are those after the previous one (kept then), so one copy per
        step suffices; the sums of squares are float32 dot products (norms to ~1e-6 relative).
        """
        if not self._recording:
            return
        for i, ((_, variables, _), kept, change) in enumerate(zip(self._tracked, self._before, self._change)):
            if not variables:
                continue
            g2 = w2 = d2 = 0.0
            for v, before, diff in zip(variables, kept, change):
                if v.grad is not None:
                    g = v.grad.ravel()
                    g2 += float(np.dot(g, g))
                b = before.ravel()
                w2 += float(np.dot(b, b))
                np.subtract(v.value, before, out=diff)
                d = diff.ravel()
                d2 += float(np.dot(d, d))
                np.copyto(before, v.value)
            self._grad_sum[i] += math.sqrt(g2)
            self._ratio_sum[i] += math.sqrt(d2 / w2) if w2 > 0 else (0.0 if d2 == 0 else math.inf)
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        """Write this epoch's rows (and the TensorBoard scalars)."""
        if self._capturing:                         # fewer training rows than probe_size
            self._finish_probe()
        if not self._recording:
            return
        outputs = {}
        if self.probe is not None:
            with np.errstate(all="ignore"):
                outputs = probe_activations(self.model, self.probe)
        steps = max(self._steps, 1)
        rows = []
        for i, (layer, variables, activation) in enumerate(self._tracked):
            kernel = [v.value for v in variables if not _is_bias(v)]
            bias = [v.value for v in variables if _is_bias(v)]
            grads = [v.grad for v in variables if v.grad is not None]
            row = {"epoch": int(epoch), "layer": layer.name, "activation": activation or "",
                   "weight_norm": _norm(kernel) if kernel else float("nan"),
                   "bias_norm": _norm(bias) if bias else float("nan"),
                   "grad_norm": float(self._grad_sum[i] / steps) if variables and self._steps else float("nan"),
                   "update_ratio": float(self._ratio_sum[i] / steps) if variables and self._steps else float("nan")}
            stats = unit_stats(outputs[layer.name], activation) if layer.name in outputs else {
                "units": 0, "dead_relu": float("nan"), "saturated": float("nan"), "act_mean": float("nan"),
                "act_std": float("nan"), "nonfinite": 0}
            stats["nonfinite"] += _nonfinite([np.asarray(a) for a in kernel + bias + grads])
            row.update(stats)
            rows.append(row)
        for row in rows:
            for name in COLUMNS:
                self.diagnostics[name].append(row[name])
        history = getattr(self.model, "history", None)
        if history is not None:
            history.diagnostics = self.diagnostics
        if self._writer is not None:
            for row in rows:
                for name in COLUMNS[4:]:
                    value = row[name]
                    if isinstance(value, float) and math.isfinite(value) or isinstance(value, int):
                        self._writer.add_scalar(f"{row['layer']}/{name}", float(value), step=int(epoch))
            self._writer.flush()

    def on_train_end(self, logs=None):
        """Stop capturing, close the TensorBoard file."""
        self._stop_capture()
        self._before = self._change = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ---------------------------------------------------------------- results
    def to_frame(self):
        """The records as a ``pandas.DataFrame`` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.diagnostics)
