"""The training doctor: turn a run's records into short findings in plain words.

``diagnose(model, history)`` reads the epoch metrics (``history.history``: loss, val_loss, ...)
and, when the run had a :class:`~glassnet.callbacks.Diagnostics` callback, its per-layer records
(``history.diagnostics``), and returns a :class:`Diagnosis`: a list of :class:`Finding`, each with
the numbers that triggered it, what the notes say about it and what to try.  A healthy run gets
no finding.  ``glassnet doctor RUN_DIR`` does the same for a ``glassnet train`` run folder.

The rules (thresholds are module constants, each finding says which numbers crossed them)::

    vanishing gradients   ||dC/dW|| of the first weighted layer < 1e-3 x that of the last, shrinking
                          layer by layer (BP2: delta^l = (delta^(l+1) W^(l+1)T) ⊙ f'(z^l), a product of
                          f'(z) factors, each <= 0.25 for the sigmoid), in the first recorded epoch
    exploding gradients   the same ratio > 1e3 growing layer by layer, a layer's ||dC/dW|| over 10 times
                          its ||W|| in the first recorded epoch while the hidden outputs' spread grows
                          > 100-fold from the first hidden layer to the last, a gradient norm growing 1000-fold
                          during training; NaN/inf in weights, gradients or outputs is its own finding
    dying ReLU            a ReLU layer whose units all output 0 on every probe row at the end, or
                          >= 50 % of them and at least 4 units (f'(z) = 0 there: BP2 gives them no
                          gradient, they never come back)
    saturation            a hidden sigmoid / tanh layer with >= 50 % of its units saturated (in the flat tails
                          on >= 90 % of the probe rows) at the end, when no vanishing gradients are found
                          (BP2 multiplies the error by f'(z), nearly 0 there: those units learn slowly)
    learning rate high    the loss became NaN/inf; or one step changes a layer's weights by > 5 % of
                          their norm in the first recorded epoch (a healthy step is ~0.1 %); or the loss
                          rises in >= 35 % of the epochs, moving >= 2 % per epoch, and ends above half its
                          first value (it oscillates instead of falling); or, after >= 3 epochs, it ends
                          more than 2 % above its first value (it grew)
    learning rate low     steps change the weights by < 0.01 % of their norm and the loss falls < 5 %
    overfitting           val_loss ends >= 20 % above its best while the training loss keeps falling
    underfitting          the training loss falls < 10 % over >= 5 epochs, or it is flat (within 2 % over the
                          last third of the epochs) at a training accuracy below 0.7; no other cause found

The epochs are named from 1; a history with an ``epoch`` column (CSVLogger's, 0-based) names each value
by it (a history sampled every few epochs, as the playground's, is then told in its own epochs).
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["diagnose", "diagnose_run", "Diagnosis", "Finding", "layer_table", "read_diagnostics_csv", "read_history_csv"]

VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
EXPLODING_GROWTH = 1e3
GRAD_TO_WEIGHT = 10.0
DEAD_SHARE = 0.5
DEAD_UNITS = 4
SATURATED_SHARE = 0.5
HIGH_UPDATE_RATIO = 0.05
LOW_UPDATE_RATIO = 1e-4
LOW_LR_PROGRESS = 0.05
RISING_EPOCHS = 0.35
SWING = 0.02
OVERFIT_RISE = 0.2
UNDERFIT_PROGRESS = 0.1
UNDERFIT_ACCURACY = 0.7
PLATEAU = 0.02


@dataclass
class Finding:
    """One finding: ``kind`` (a fixed identifier), a one-line ``title``, the ``evidence`` (the numbers
    in words), the ``notes`` (why, in the notes' terms), the ``advice`` and the raw ``numbers``."""
    kind: str
    title: str
    evidence: str
    notes: str
    advice: str
    numbers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{self.title}\n  evidence: {self.evidence}\n  why: {self.notes}\n  try: {self.advice}")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "evidence": self.evidence, "notes": self.notes,
                "advice": self.advice, "numbers": _json_numbers(self.numbers)}


class Diagnosis(list):
    """The findings of :func:`diagnose` (a list of :class:`Finding`); prints as a short report."""

    @property
    def kinds(self) -> list[str]:
        return [f.kind for f in self]

    @property
    def healthy(self) -> bool:
        return not self

    def __str__(self) -> str:
        if not self:
            return "No finding: nothing in this run's records looks wrong."
        parts = [f"{i}. {finding}" for i, finding in enumerate(self, 1)]
        return f"{len(self)} finding{'s' if len(self) > 1 else ''}:\n" + "\n".join(parts)

    def to_dict(self) -> list:
        return [f.to_dict() for f in self]

    def to_json(self, indent=2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def _json_numbers(value):
    if isinstance(value, dict):
        return {str(k): _json_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_numbers(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


# ------------------------------------------------------------------------------ the records
def _history_dict(history) -> dict:
    if history is None:
        return {}
    if hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history
    if hasattr(history, "to_dict") and hasattr(history, "columns"):        # a DataFrame (history.csv)
        history = {c: list(history[c]) for c in history.columns}
    if not isinstance(history, dict):
        raise TypeError(f"diagnose: history must be a History, a dict of lists or a DataFrame, "
                        f"got {type(history).__name__}")
    return {str(k): [float(v) for v in values] for k, values in history.items()
            if isinstance(values, (list, tuple, np.ndarray))}


def _epoch_numbers(metrics) -> list[int]:
    """The 0-based epoch of each history value: ``metrics.pop("epoch")`` when given, else 0, 1, 2, ..."""
    n = len(metrics.get("loss", []))
    epochs = metrics.pop("epoch", None)
    if epochs is None:
        return list(range(n))
    e = np.asarray(epochs, dtype=np.float64)
    if len(e) != n or not np.all(np.isfinite(e)) or np.any(e != np.round(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(f"diagnose: history['epoch'] must hold one increasing whole epoch number (0-based) per "
                         f"loss value ({n}), got {list(epochs)[:8]}{' ...' if len(epochs) > 8 else ''}")
    return e.astype(np.int64).tolist()


def _records(diagnostics) -> list[dict]:
    """Rows (dicts) of the Diagnostics records (a dict of lists or a DataFrame), in their order."""
    if diagnostics is None:
        return []
    if hasattr(diagnostics, "to_dict") and hasattr(diagnostics, "columns"):
        diagnostics = {c: list(diagnostics[c]) for c in diagnostics.columns}
    if not isinstance(diagnostics, dict):
        raise TypeError(f"diagnose: diagnostics must be a dict of lists or a DataFrame, got "
                        f"{type(diagnostics).__name__}")
    if not diagnostics:
        return []
    n = len(next(iter(diagnostics.values())))
    keys = list(diagnostics)
    return [{k: diagnostics[k][i] for k in keys} for i in range(n)]


def read_diagnostics_csv(path) -> dict:
    """The records a ``glassnet train`` run wrote to ``diagnostics.csv``, as a dict of lists."""
    import csv

    from .callbacks.diagnostics import COLUMNS

    text_columns = ("layer", "activation")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: not a diagnostics file (it lacks the column(s) {', '.join(missing)})")
        out = {c: [] for c in COLUMNS}
        for row in reader:
            for c in COLUMNS:
                value = row[c]
                if c in text_columns:
                    out[c].append(value)
                elif c in ("epoch", "units", "nonfinite"):
                    out[c].append(int(float(value)) if value not in ("", "nan") else 0)
                else:
                    out[c].append(float(value) if value != "" else float("nan"))
    return out


def _finite(x) -> bool:
    return isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


def _pct(x) -> str:
    return f"{100 * x:.3g} %"


def _by_epoch(rows) -> dict:
    epochs = {}
    for row in rows:
        epochs.setdefault(int(row["epoch"]), []).append(row)
    return dict(sorted(epochs.items()))


# ------------------------------------------------------------------------------- the rules
def _vanishing_or_exploding(by_epoch) -> list[Finding]:
    findings = []
    if not by_epoch:
        return findings
    first_epoch, rows = next(iter(by_epoch.items()))
    weighted = [r for r in rows if _finite(r["grad_norm"])]
    if len(weighted) >= 3 and all(r["grad_norm"] > 0 for r in weighted):
        norms = [float(r["grad_norm"]) for r in weighted]
        ratio = norms[0] / norms[-1]
        steps = len(norms) - 1
        per_layer = ratio ** (1 / steps)
        shrinking = sum(a < b for a, b in zip(norms, norms[1:]))
        listed = ", ".join(f"{r['layer']} {r['grad_norm']:.2g}" for r in reversed(weighted))
        saturated = [r for r in rows if _finite(r["saturated"]) and r["saturated"] >= 0.5]
        numbers = {"epoch": first_epoch, "grad_norms": {r["layer"]: float(r["grad_norm"]) for r in weighted},
                   "first_to_last": ratio, "factor_per_layer": per_layer}
        if ratio < VANISHING_RATIO and shrinking >= 0.7 * steps:
            acts = sorted({r["activation"] for r in weighted if r["activation"]})
            sat = ("; saturated units: " + ", ".join(f"{r['layer']} {_pct(r['saturated'])}" for r in saturated)) \
                if saturated else ""
            findings.append(Finding(
                "vanishing_gradients", "Vanishing gradients: the first layers hardly learn",
                f"in epoch {first_epoch + 1} the gradient norm ||dC/dW|| falls from the output to the input: "
                f"{listed}; the first layer's is {ratio:.2g} of the last's, about x{per_layer:.2g} per layer"
                f"{sat}",
                "BP2 computes delta^l = (delta^(l+1) W^(l+1)T) ⊙ f'(z^l): every layer multiplies the error by "
                f"its f'(z), at most 0.25 for the sigmoid, so after {steps} layers the product is tiny and "
                f"dC/dW^l = a^(l-1)T delta^l of the first layers is almost zero"
                + (f" (activations here: {', '.join(acts)})" if acts else ""),
                "use ReLU (or another non-saturating activation) in the hidden layers, fewer layers, "
                "He / Glorot initialization, or BatchNormalization between layers", numbers))
        elif ratio > EXPLODING_RATIO and shrinking <= 0.3 * steps:
            findings.append(Finding(
                "exploding_gradients", "Exploding gradients: the first layers get huge updates",
                f"in epoch {first_epoch + 1} the gradient norm grows from the output to the input: {listed}; "
                f"the first layer's is {ratio:.3g} times the last's",
                "BP2 multiplies the error by W^(l+1)T at every layer: weights larger than about 1 in norm make "
                "the product grow layer by layer",
                "smaller initial weights (Glorot / He), a smaller learning rate, gradient clipping "
                "(optimizer clipnorm=1.0) or BatchNormalization", numbers))
    if not any(f.kind == "exploding_gradients" for f in findings):
        big = [r for r in rows if _finite(r["grad_norm"]) and _finite(r["weight_norm"]) and r["weight_norm"] > 0
               and r["grad_norm"] / r["weight_norm"] > GRAD_TO_WEIGHT]
        # large gradients alone may only mean a loss on a large scale (an unscaled regression target,
        # which Adam / RMSprop take in their stride); exploding means the layers amplify the signal
        spreads = [float(r["act_std"]) for r in rows[:-1] if _finite(r["act_std"]) and r["act_std"] > 0]
        growth = spreads[-1] / spreads[0] if len(spreads) >= 3 else 1.0
        if big and growth > EXPLODING_RATIO / 10:
            top = max(big, key=lambda r: r["grad_norm"] / r["weight_norm"])
            listed = ", ".join(f"{r['layer']} {r['grad_norm']:.3g} (weights {r['weight_norm']:.3g})" for r in big)
            findings.append(Finding(
                "exploding_gradients", "Exploding gradients: the gradients dwarf the weights",
                f"in epoch {first_epoch + 1} ||dC/dW|| is more than {GRAD_TO_WEIGHT:g} times ||W||: {listed}; "
                f"a step of learning rate 0.01 would move {top['layer']}'s weights by "
                f"{_pct(0.01 * top['grad_norm'] / top['weight_norm'])} of their norm; the spread of the "
                f"hidden layers' outputs grows {growth:.3g}-fold from the first to the last",
                "large weights make large z = a W + b at every layer (the forward pass blows up) and BP2 "
                "multiplies the error by the same large W^(l+1)T on the way back",
                "smaller initial weights (Glorot / He, the defaults), scaled inputs, gradient clipping "
                "(optimizer clipnorm=1.0) or BatchNormalization",
                {"epoch": first_epoch, "spread_growth": growth,
                 "layers": {r["layer"]: float(r["grad_norm"] / r["weight_norm"]) for r in big}}))
    if not any(f.kind == "exploding_gradients" for f in findings):
        layers = {}
        for epoch, rows in by_epoch.items():
            for r in rows:
                if _finite(r["grad_norm"]):
                    layers.setdefault(r["layer"], []).append((epoch, float(r["grad_norm"])))
        for name, series in layers.items():
            start = series[0][1]
            top_epoch, top = max(series, key=lambda s: s[1])
            if start > 0 and top / start > EXPLODING_GROWTH:
                findings.append(Finding(
                    "exploding_gradients", "Exploding gradients: the gradients grow during training",
                    f"layer {name}: ||dC/dW|| went from {start:.3g} (epoch {series[0][0] + 1}) to {top:.3g} "
                    f"(epoch {top_epoch + 1}), {top / start:.3g} times larger",
                    "large weights feed large errors back through BP2 (delta^l = (delta^(l+1) W^(l+1)T) ⊙ "
                    "f'(z^l)), which make the weights larger still",
                    "a smaller learning rate, gradient clipping (clipnorm=1.0), L2 regularization",
                    {"layer": name, "start": start, "peak": top, "peak_epoch": top_epoch}))
                break
    bad = [(int(r["epoch"]), r["layer"], int(r["nonfinite"])) for rows in by_epoch.values() for r in rows
           if _finite(r["nonfinite"]) and r["nonfinite"] > 0]
    if bad:
        epoch, layer, count = bad[0]
        findings.append(Finding(
            "nonfinite", "NaN or inf in the network",
            f"layer {layer} held {count} NaN/inf values (weights, gradients or outputs) in epoch {epoch + 1}",
            "once a weight is NaN every output and every gradient that touches it is NaN: training is over",
            "a smaller learning rate; check the inputs for NaN and scale them; TerminateOnNaN stops such a run",
            {"epoch": epoch, "layer": layer, "count": count}))
    return findings


def _dying_relu(by_epoch) -> list[Finding]:
    if not by_epoch:
        return []
    last_epoch, rows = list(by_epoch.items())[-1]
    findings = []
    dead_layers = [r for r in rows if r["activation"] in ("relu", "relu6") and _finite(r["dead_relu"])
                   and (r["dead_relu"] >= 1.0 or (r["dead_relu"] >= DEAD_SHARE
                                                  and r["dead_relu"] * r["units"] >= DEAD_UNITS - 1e-9))]
    if not dead_layers:
        return findings
    parts, numbers = [], {}
    for r in dead_layers:
        since = next((e for e, rs in by_epoch.items() for x in rs
                      if x["layer"] == r["layer"] and _finite(x["dead_relu"]) and x["dead_relu"] >= DEAD_SHARE),
                     last_epoch)
        dead = int(round(r["dead_relu"] * r["units"]))
        when = "since" if len(by_epoch) > 1 else "in"          # one recorded epoch (the playground's now)
        parts.append(f"{r['layer']}: {dead} of {r['units']} units ({_pct(r['dead_relu'])}) {when} epoch {since + 1}")
        numbers[r["layer"]] = {"dead_share": float(r["dead_relu"]), "units": int(r["units"]), "since_epoch": since}
    whole = [r["layer"] for r in dead_layers if r["dead_relu"] >= 1.0]
    title = ("Dying ReLU: a whole layer is dead, the network's output no longer depends on its input"
             if whole else "Dying ReLU: many units of a layer output zero for every input")
    findings.append(Finding(
        "dying_relu", title,
        "units that output 0 on every probe row at the end of training: " + "; ".join(parts),
        "a ReLU unit with z <= 0 for every input has f'(z) = 0, so BP2 gives it delta = 0 and "
        "dC/dW = a^(l-1)T delta = 0: it never learns again"
        + (", and every layer below a dead layer gets no gradient at all" if whole else ""),
        "another seed, a smaller learning rate, LeakyReLU (negative_slope=0.01) or ELU, He initialization "
        "(kernel_initializer='he_normal'), or wider layers", numbers))
    return findings


def _saturation(by_epoch) -> list[Finding]:
    if not by_epoch:
        return []
    from .callbacks.diagnostics import SATURATING

    last_epoch, rows = list(by_epoch.items())[-1]
    weighted = [i for i, r in enumerate(rows) if _finite(r["weight_norm"])]
    hidden = rows[:weighted[-1]] if weighted else []        # the output layer is meant to be confident
    bad = [r for r in hidden if r["activation"] in SATURATING and _finite(r["saturated"])
           and r["saturated"] >= SATURATED_SHARE]
    if not bad:
        return []
    listed = "; ".join(f"{r['layer']}: {_pct(r['saturated'])} of its {int(r['units'])} {r['activation']} units"
                       for r in bad)
    return [Finding(
        "saturation", "Saturated units: hidden sigmoid / tanh units sit in their flat tails",
        f"in epoch {last_epoch + 1}, units saturated on at least 90 % of the probe rows: {listed}",
        "in the tails of the sigmoid and tanh f'(z) is nearly 0, and BP2 multiplies the error by it "
        "(delta^l = (delta^(l+1) W^(l+1)T) ⊙ f'(z^l)): those units, and the layers below them, learn very slowly",
        "scale the inputs, smaller initial weights (Glorot, the default), a smaller learning rate, ReLU in the "
        "hidden layers, or BatchNormalization",
        {"epoch": last_epoch, "layers": {r["layer"]: float(r["saturated"]) for r in bad}})]


def _span(epochs, i, j) -> int:
    """How many epochs the history values i..j cover (j - i + 1 when every epoch has a value)."""
    return epochs[j] - epochs[i] + 1


def _max_update(rows) -> float | None:
    ratios = [float(r["update_ratio"]) for r in rows if _finite(r["update_ratio"])]
    return max(ratios) if ratios else None


def _learning_rate(loss, epochs, by_epoch, model) -> list[Finding]:
    findings = []
    lr = None
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        try:
            lr = float(optimizer.learning_rate)
        except (TypeError, ValueError):
            lr = None
    at = f" (learning_rate={lr:g})" if lr is not None else ""
    first_epoch = next(iter(by_epoch)) if by_epoch else None
    first_update = _max_update(by_epoch[first_epoch]) if by_epoch else None
    bad = next((i for i, v in enumerate(loss) if not math.isfinite(v)), None)
    at_finite = [i for i, v in enumerate(loss) if math.isfinite(v)]
    finite = [loss[i] for i in at_finite]
    evidence = []
    numbers = {"learning_rate": lr}
    if bad is not None:
        evidence.append(f"the loss became {loss[bad]} in epoch {epochs[bad] + 1}")
        numbers["diverged_epoch"] = epochs[bad]
    if first_update is not None and first_update > HIGH_UPDATE_RATIO:
        layer = max((r for r in by_epoch[first_epoch] if _finite(r["update_ratio"])),
                    key=lambda r: r["update_ratio"])["layer"]
        evidence.append(f"in epoch {first_epoch + 1} a step changed layer {layer}'s weights by "
                        f"{_pct(first_update)} of their norm (a healthy step changes them by about 0.1 %)")
        numbers["update_ratio"] = first_update
    rose = len(finite) >= 3 and finite[-1] - finite[0] > SWING * abs(finite[0])
    if len(finite) >= 5:
        f = np.asarray(finite)
        rises = float(np.mean(np.diff(f) > 0))
        swing = float(np.mean(np.abs(np.diff(f)) / np.maximum(np.abs(f[:-1]), 1e-12)))
        if rises >= RISING_EPOCHS and swing >= SWING and finite[-1] > 0.5 * finite[0]:
            evidence.append(f"the loss rose in {_pct(rises)} of the epochs (by {_pct(swing)} of its value per "
                            f"epoch on average) and ended at {finite[-1]:.4g} "
                            f"(epoch {epochs[at_finite[0]] + 1}: {finite[0]:.4g}, lowest {min(finite):.4g})")
            numbers["rising_share"] = rises
    if rose and not evidence:
        evidence.append(f"the loss grew over the run, from {finite[0]:.4g} in epoch {epochs[at_finite[0]] + 1} to "
                        f"{finite[-1]:.4g} in epoch {epochs[at_finite[-1]] + 1} (lowest {min(finite):.4g})")
        numbers["loss_growth"] = finite[-1] / finite[0] if finite[0] else math.inf
    elif evidence and len(finite) >= 2 and finite[-1] >= finite[0]:
        evidence.append(f"the last loss {finite[-1]:.4g} is no better than the first {finite[0]:.4g}")
    if evidence:
        findings.append(Finding(
            "learning_rate_too_high", "Learning rate too high" + at,
            "; ".join(evidence),
            "gradient descent steps w <- w - eta dC/dw; when eta is too large a step jumps across the valley "
            "of the cost instead of down into it, so the loss oscillates or grows (and large steps push "
            "ReLU units into the region where they are dead)",
            "divide the learning rate by 10 (or use LearningRateFinder to pick it), or use "
            "ReduceLROnPlateau / a decaying schedule", numbers))
        return findings
    if by_epoch and len(finite) >= 2:
        updates = [u for u in (_max_update(rows) for rows in by_epoch.values()) if u is not None]
        progress = (finite[0] - finite[-1]) / abs(finite[0]) if finite[0] else 0.0
        if updates and float(np.median(updates)) < LOW_UPDATE_RATIO and progress < LOW_LR_PROGRESS:
            findings.append(Finding(
                "learning_rate_too_low", "Learning rate too low" + at,
                f"a step changes the weights by at most {_pct(float(np.median(updates)))} of their norm (median "
                f"over the epochs; healthy is about 0.1 %) and the loss fell only {_pct(progress)} "
                f"({finite[0]:.4g} -> {finite[-1]:.4g} in {_span(epochs, at_finite[0], at_finite[-1])} epochs)",
                "each step w <- w - eta dC/dw moves the weights by eta times the gradient: with a tiny eta the "
                "network needs far more epochs than it gets",
                "multiply the learning rate by 10 (LearningRateFinder suggests one), or use Adam", numbers))
    return findings


def _over_or_underfitting(history, loss, epochs, have_cause) -> list[Finding]:
    findings = []
    val = history.get("val_loss", [])
    if len(val) >= 10 and len(loss) == len(val) and all(math.isfinite(v) for v in val):
        best = int(np.argmin(val))
        after = len(val) - 1 - best
        rise = (val[-1] - val[best]) / abs(val[best]) if val[best] else math.inf
        if after >= max(3, len(val) // 10) and rise >= OVERFIT_RISE and loss[-1] < loss[best]:
            findings.append(Finding(
                "overfitting", "Overfitting: the network learns the training rows, not the task",
                f"val_loss was lowest in epoch {epochs[best] + 1} ({val[best]:.4g}) and ended {_pct(rise)} higher "
                f"({val[-1]:.4g}) while the training loss kept falling ({loss[best]:.4g} -> {loss[-1]:.4g})",
                "the training cost measures the fit to the rows seen; when validation cost rises as it falls, "
                "the weights fit the rows' noise (the variance side of the bias-variance trade-off)",
                f"stop at the best epoch (EarlyStopping(monitor='val_loss', patience=10, "
                f"restore_best_weights=True) would keep epoch {epochs[best] + 1}), add Dropout layers, an L2 "
                f"kernel regularizer, or more data", {"best_epoch": epochs[best], "best_val_loss": val[best],
                                               "final_val_loss": val[-1], "rise": rise,
                                               "loss_at_best": loss[best], "final_loss": loss[-1]}))
            return findings
    at_finite = [i for i, v in enumerate(loss) if math.isfinite(v)]
    finite = [loss[i] for i in at_finite]
    if not have_cause and len(finite) >= 5 and finite[0] > 0:
        progress = (finite[0] - finite[-1]) / finite[0]
        accuracy_key = next((k for k in history if k.endswith("accuracy") and not k.startswith("val_")), None)
        accuracy = [v for v in history.get(accuracy_key, []) if math.isfinite(v)] if accuracy_key else []
        tail = finite[-max(3, len(finite) // 3):]
        flat = (max(tail) - min(tail)) / max(abs(tail[-1]), 1e-12) < PLATEAU
        if accuracy and accuracy[-1] < UNDERFIT_ACCURACY and flat:
            findings.append(Finding(
                "underfitting", "Underfitting: the training loss has stopped falling at a poor fit",
                f"the training {accuracy_key} is {accuracy[-1]:.3g} and the loss stayed within {_pct(PLATEAU)} "
                f"of {tail[-1]:.4g} over the last {_span(epochs, at_finite[-len(tail)], at_finite[-1])} epochs",
                "a network that cannot fit even its training rows is too simple for the task (the bias side "
                "of the bias-variance trade-off): a perceptron, for instance, cannot separate XOR",
                "more units or a hidden layer (with a non-linear activation), more epochs, less regularization",
                {"accuracy": accuracy[-1], "final_loss": finite[-1], "plateau_epochs": len(tail)}))
        elif progress < UNDERFIT_PROGRESS:
            findings.append(Finding(
                "underfitting", "Underfitting: the training loss barely falls",
                f"the training loss went from {finite[0]:.4g} to {finite[-1]:.4g} in "
                f"{_span(epochs, at_finite[0], at_finite[-1])} epochs "
                f"({_pct(progress)} lower)",
                "a network that cannot fit even its training rows is too simple for the task or is not "
                "trained enough (the bias side of the bias-variance trade-off)",
                "more epochs, more units or layers, a larger learning rate, less regularization or dropout",
                {"first_loss": finite[0], "final_loss": finite[-1], "progress": progress}))
    return findings


def diagnose(model=None, history=None, diagnostics=None) -> Diagnosis:
    """Findings for a finished (or stopped) run.

    ``history``: the History that ``fit`` returned (its ``diagnostics`` are used when a
    :class:`~glassnet.callbacks.Diagnostics` callback ran), a dict of lists or a DataFrame of epoch
    metrics; default ``model.history``.  ``diagnostics``: the Diagnostics records, when they are not
    on ``history``.  ``model`` (optional) names the learning rate in the findings.
    """
    if history is None and model is not None:
        history = getattr(model, "history", None)
    if diagnostics is None:
        diagnostics = getattr(history, "diagnostics", None)
    metrics = _history_dict(history)
    epochs = _epoch_numbers(metrics)
    rows = _records(diagnostics)
    by_epoch = _by_epoch(rows)
    loss = metrics.get("loss", [])
    findings = Diagnosis()
    findings += _learning_rate(loss, epochs, by_epoch, model)
    findings += _vanishing_or_exploding(by_epoch)
    findings += _dying_relu(by_epoch)
    if "vanishing_gradients" not in findings.kinds:       # which already lists the saturated units
        findings += _saturation(by_epoch)
    findings += _over_or_underfitting(metrics, loss, epochs, have_cause=bool(findings))
    return findings


# ------------------------------------------------------------------------------- run folders
HISTORY_FILE = "history.csv"
DIAGNOSTICS_FILE = "diagnostics.csv"
MODEL_FILE = "model.keras"
#: the most a run folder's CSV file may weigh (a normal run's are far below)
MAX_BYTES = 64 * 2 ** 20


def _check_size(path) -> None:
    if os.path.getsize(path) > MAX_BYTES:
        raise ValueError(f"{path!r} is larger than {MAX_BYTES // 2 ** 20} MB; not a file of a training run")


def read_history_csv(path) -> dict:
    """``history.csv`` (CSVLogger's: an ``epoch`` column, then one per metric) as a dict of lists."""
    import csv

    _check_size(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        names = [n for n in (reader.fieldnames or []) if n != "epoch"]
        if "loss" not in names:
            raise ValueError(f"{path!r} has no 'loss' column; not a history.csv written by 'glassnet train'")
        out = {n: [] for n in names}
        for row in reader:
            for n in names:
                try:
                    out[n].append(float(row[n]))
                except (TypeError, ValueError):
                    out[n].append(math.nan)
    return out


def diagnose_run(folder):
    """``(Diagnosis, history dict, records or None)`` for a ``glassnet train`` run folder.

    Reads ``history.csv``, ``diagnostics.csv`` when the run kept it, and the model's optimizer (for
    the learning rate in the findings) when ``model.keras`` loads.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder!r} is not a folder; give a run folder written by 'glassnet train'")
    history_path = os.path.join(folder, HISTORY_FILE)
    if not os.path.exists(history_path):
        raise FileNotFoundError(f"{folder!r} has no {HISTORY_FILE}; give a run folder written by 'glassnet train'")
    history = read_history_csv(history_path)
    diag_path = os.path.join(folder, DIAGNOSTICS_FILE)
    records = None
    if os.path.exists(diag_path):
        _check_size(diag_path)
        records = read_diagnostics_csv(diag_path)
    model = None
    if os.path.exists(os.path.join(folder, MODEL_FILE)):
        try:
            from .models import load_model

            model = load_model(os.path.join(folder, MODEL_FILE))
        except (ValueError, TypeError, OSError, KeyError, ImportError):
            model = None                  # the findings stand without the learning rate
    return diagnose(model, history, diagnostics=records), history, records


def layer_table(records) -> str:
    """The last recorded epoch's numbers, one line per layer (what ``glassnet doctor`` prints)."""
    last = max(records["epoch"])
    rows = [i for i, e in enumerate(records["epoch"]) if e == last]
    width = max(5, *(len(records["layer"][i]) for i in rows))

    def num(value, pct=False):
        if value != value:                         # NaN: not measured for this layer
            return f"{'-':>10}"
        return f"{100 * value:>9.3g}%" if pct else f"{value:>10.3g}"

    lines = [f"Epoch {last + 1}, per layer:",
             f"  {'layer':<{width}} {'activation':<10} {'||W||':>10} {'||dC/dW||':>10} {'update/W':>10} "
             f"{'dead ReLU':>10} {'saturated':>10} {'act std':>10}"]
    for i in rows:
        lines.append(f"  {records['layer'][i]:<{width}} {records['activation'][i] or '-':<10} "
                     f"{num(records['weight_norm'][i])} {num(records['grad_norm'][i])} "
                     f"{num(records['update_ratio'][i], True)} {num(records['dead_relu'][i], True)} "
                     f"{num(records['saturated'][i], True)} {num(records['act_std'][i])}")
    return "\n".join(lines)
