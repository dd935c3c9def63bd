"""What ``compile`` resolves: one loss per output, loss weights, and the metrics with their log names.

Keras's rules, for a model with outputs named after their layers (``price``, ``kind``):

- ``loss``: one loss for every output, a list (one per output, in order) or a dict keyed by output
  name (an output without a loss is not trained);
- ``loss_weights``: a number (one output), a list or a dict; the total loss is
  ``sum_i w_i * loss_i`` and the logs also show each ``<output>_loss`` unweighted;
- ``metrics``: for one output a list; for several outputs a list with one entry (a list) per output,
  or a dict keyed by output name; logged as ``<output>_<metric>``.
"""
from __future__ import annotations

import numpy as np

from .. import config, losses as losses_module, metrics as metrics_module


class LossTracker:
    """Mean of the batch losses weighted by batch size: Keras's ``loss`` in logs.

    Accumulated in ``floatx`` (float32 by default), as Keras's ``Mean`` metric does, so the
    epoch losses agree with Keras's to the last digit Keras prints.
    """

    def __init__(self, name="loss"):
        self.name = name
        self.reset_state()

    def update_state(self, value: float, n: int) -> None:
        t = self._type
        self.total = t(self.total + t(value) * t(n))
        self.count = t(self.count + t(n))

    def result(self) -> float:
        return float(self.total / self.count) if self.count else 0.0

    def reset_state(self) -> None:
        self._type = np.dtype(config.floatx()).type
        self.total, self.count = self._type(0.0), self._type(0.0)


def _per_output(value, names, what: str, *, default=None, broadcast: bool = True):
    """A value for each output from a single value, a list (in output order) or a dict (by name)."""
    n = len(names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"compile: {what} has keys {unknown} that name no output; the model's outputs are "
                             f"{names}")
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(f"compile: {what} must have one entry per output ({n}: {names}), got {len(value)}")
        return list(value)
    if isinstance(value, (list, tuple)) and n == 1 and what != "metrics":
        if len(value) != 1:
            raise ValueError(f"compile: {what} must have one entry for the single output {names[0]!r}, "
                             f"got {len(value)}")
        return list(value)
    if not broadcast and n > 1 and value is not None:
        raise ValueError(f"compile: with several outputs ({names}), {what} must be a list with one entry per "
                         f"output or a dict keyed by output name, got {value!r}")
    return [value] * n


def check_metric_list(metrics, name):
    """A list of metric identifiers (names are checked now, not at the first fit)."""
    if metrics is None:
        return []
    if isinstance(metrics, (str, dict)) or not isinstance(metrics, (list, tuple)):
        raise TypeError(f"compile: {name} must be a list (e.g. ['accuracy']), got {metrics!r}")
    for m in metrics:
        if isinstance(m, str) and m.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
            try:
                metrics_module.get(m)
            except ValueError as exc:
                raise ValueError(f"compile: {name}: {exc}") from None
    return list(metrics)


class CompiledLoss:
    """The loss of every output, its weight, and the per-output trackers for the logs."""

    def __init__(self, loss, loss_weights, output_names):
        self.given = loss
        self.names = list(output_names)
        multi = len(self.names) > 1
        if multi and isinstance(loss, (list, tuple, dict)):
            specs = _per_output(loss, self.names, "loss")
        elif isinstance(loss, dict):
            specs = _per_output(loss, self.names, "loss")
        else:
            specs = [loss] * len(self.names)
        self.specs = specs
        self.losses = [None if s is None or _shape_resolved(s) else losses_module.resolve(s) for s in specs]
        if loss_weights is None:
            self.weights = [None] * len(self.names)
        elif isinstance(loss_weights, (int, float)) and not isinstance(loss_weights, bool):
            if multi:
                raise ValueError(f"compile: loss_weights must be a list or a dict for a model with several "
                                 f"outputs ({self.names}), got {loss_weights!r}")
            self.weights = [float(loss_weights)]
        elif isinstance(loss_weights, (list, tuple, dict)) and multi:
            self.weights = [None if w is None else float(w) for w in _per_output(loss_weights, self.names,
                                                                                 "loss_weights")]
        else:
            raise ValueError(f"compile: loss_weights must be a number for a single-output model, got "
                             f"{loss_weights!r}")
        if all(s is None for s in specs):
            self.losses = None
        self.trackers = [LossTracker(f"{n}_loss") for n in self.names] if multi else []
        self.fused_cache = None      # (graph, the fused step of each output): see Trainer._fused_steps

    @property
    def multi(self) -> bool:
        return len(self.names) > 1

    def resolve(self, y_shapes, out_shapes) -> None:
        """Resolve 'crossentropy' from the shapes of the targets and the outputs (first data)."""
        for i, spec in enumerate(self.specs):
            if self.losses[i] is None and spec is not None:
                self.losses[i] = losses_module.resolve(spec, y_shapes[i], out_shapes[i])
                self.fused_cache = None


def _shape_resolved(spec) -> bool:
    return isinstance(spec, str) and spec.lower() in ("crossentropy", "ce")


class CompiledMetrics:
    """Metric objects for each output, with the names they take in the logs."""

    def __init__(self, metrics, weighted_metrics, output_names):
        self.names = list(output_names)
        multi = len(self.names) > 1
        if multi:
            self.specs = [check_metric_list(m if isinstance(m, (list, tuple)) or m is None else [m], "metrics")
                          for m in _per_output(metrics, self.names, "metrics", broadcast=False)]
            self.weighted_specs = [
                check_metric_list(m if isinstance(m, (list, tuple)) or m is None else [m], "weighted_metrics")
                for m in _per_output(weighted_metrics, self.names, "weighted_metrics", broadcast=False)]
        else:
            self.specs = [check_metric_list(metrics, "metrics")]
            self.weighted_specs = [check_metric_list(weighted_metrics, "weighted_metrics")]
        self.entries = None      # [(log name, Metric, output index, weighted)], resolved on first data

    @property
    def resolved(self) -> bool:
        return self.entries is not None

    def resolve(self, loss_specs, y_shapes, out_shapes) -> None:
        if self.entries is not None:
            return
        entries = []
        for weighted, specs in ((False, self.specs), (True, self.weighted_specs)):
            for i, group in enumerate(specs):
                for spec in group:
                    m = metrics_module.resolve(spec, loss_specs[i], y_shapes[i], out_shapes[i])
                    name = f"{self.names[i]}_{m.name}" if len(self.names) > 1 else m.name
                    entries.append((name, m, i, weighted))
        self.entries = entries

    def metric_objects(self) -> list:
        return [m for _, m, _, _ in self.entries or []]

    def update(self, ys, y_preds, sample_weight) -> None:
        for _, m, i, weighted in self.entries:
            if weighted:
                m.update_state(ys[i], y_preds[i], sample_weight)
            else:
                m.update_state(ys[i], y_preds[i])

    def reset(self) -> None:
        for _, m, _, _ in self.entries or []:
            m.reset_state()

    def results(self) -> dict:
        return {name: m.result() for name, m, _, _ in self.entries or []}
