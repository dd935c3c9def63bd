"""Per-layer health numbers of a chain of Dense layers, and plain-word findings from them.

The playground's own small "doctor": computed on a probe of at most ``PROBE`` rows, for every Dense
layer l (a^l = f(z^l), z^l = a^(l-1) W^l + b^l):

- ``w_norm``, ``b_norm``: ||W^l||_F and ||b^l||;
- ``grad_norm``: ||dC/dW^l||_F of the last mini-batch (None before the first step);
- ``update_ratio``: ||Delta W^l||_F / ||W^l||_F of the last step (healthy runs: about 1e-3);
- ``dead``: the share of the layer's units whose output is 0 on every probe row (a dead ReLU gets
  f'(z) = 0, so BP2 sends it no error and it never learns again);
- ``saturated``: the share of a sigmoid / tanh layer's units that sit in the flat tails, where f'(z)
  is nearly 0, on most probe rows;
  (both, with the mean and spread, are ``callbacks.diagnostics.unit_stats``: the training doctor's own
  definitions)
- ``act_mean``, ``act_std``: mean and spread of a^l over the probe rows and units;
- ``nonfinite``: NaN / infinite values among the layer's weights and outputs.

The training doctor (``callbacks.Diagnostics`` / ``doctor.diagnose``) works per epoch on a whole run;
this module gives the playground the same unit statistics per frame, and short findings from them.
"""
from __future__ import annotations

import math

import numpy as np

from ..callbacks.diagnostics import RELU_LIKE, unit_stats

PROBE = 256


def _norm(a) -> float:
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        v = float(np.sqrt(np.sum(a * a)))
    return v if math.isfinite(v) else None


def _f(v):
    v = float(v)
    return v if math.isfinite(v) else None


def chain_layers(model):
    """The model's layers without its InputLayer (the chain the inputs pass through)."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def layer_records(model, x, grads=None, updates=None) -> list:
    """One record per Dense layer (keys in the module docstring).

    ``grads`` / ``updates``: per Dense layer, the last step's dC/dW and Delta W (or None).
    """
    x = np.asarray(x, dtype=np.float32)[:PROBE]
    records = []
    a = x
    k = 0
    with np.errstate(all="ignore"):
        for layer in chain_layers(model):
            a = layer.forward(a, training=False)
            if type(layer).__name__ != "Dense":
                continue
            act = layer.activation.name if layer.activation is not None else "linear"
            W = layer.kernel.value
            b = layer.bias.value if layer.bias is not None else np.zeros(0, np.float32)
            finite = np.isfinite(a)
            rec = {"name": layer.name, "units": int(layer.units), "activation": act,
                   "w_norm": _norm(W), "b_norm": _norm(b), "grad_norm": None, "update_ratio": None,
                   "nonfinite": int(W.size - np.isfinite(W).sum() + b.size - np.isfinite(b).sum()
                                    + a.size - finite.sum())}
            if grads is not None and k < len(grads) and grads[k] is not None:
                rec["grad_norm"] = _norm(grads[k])
            if updates is not None and k < len(updates) and updates[k] is not None and rec["w_norm"]:
                u = _norm(updates[k])
                rec["update_ratio"] = None if u is None else u / rec["w_norm"]
            # the unit statistics are the training doctor's (callbacks.Diagnostics): one definition
            stats = unit_stats(a, act) if len(a) else {}
            rec["dead"] = _f(stats.get("dead_relu", float("nan")))
            rec["saturated"] = _f(stats.get("saturated", float("nan")))
            rec["act_mean"] = _f(stats.get("act_mean", float("nan"))) if finite.all() else None
            rec["act_std"] = _f(stats.get("act_std", float("nan"))) if finite.all() else None
            records.append(rec)
            k += 1
    return records


def findings(records) -> list:
    """Short findings in plain words from :func:`layer_records`, each with the numbers behind it."""
    out = []
    bad = [r for r in records if r["nonfinite"]]
    if bad:
        out.append({"kind": "nonfinite", "title": "Numbers are not finite",
                    "text": f"{sum(r['nonfinite'] for r in bad)} NaN/infinite values in "
                            f"{', '.join(r['name'] for r in bad)}: the run diverged; lower the learning rate."})
    for k, r in enumerate(records):
        hidden = k < len(records) - 1          # a confident output layer is meant to sit in its tails
        if r["activation"] in RELU_LIKE and r["dead"] is not None and r["dead"] >= 0.5 and r["units"] > 1:
            out.append({"kind": "dying_relu", "title": f"Dying ReLU in {r['name']}",
                        "text": f"{r['dead']:.0%} of its {r['units']} units output 0 on every probe row: "
                                f"f'(z) = 0 there, so BP2 passes them no error and they stop learning. "
                                f"Try a lower learning rate, leaky_relu or another seed."})
        if hidden and r["saturated"] is not None and r["saturated"] >= 0.5:
            out.append({"kind": "saturated", "title": f"Saturated {r['activation']} in {r['name']}",
                        "text": f"{r['saturated']:.0%} of its outputs sit in the flat tails where f'(z) is "
                                f"about 0: the factors f'(z) in BP2 shrink the error passed back."})
        if r["update_ratio"] is not None and r["update_ratio"] > 0.1:
            out.append({"kind": "lr_high", "title": f"Large steps in {r['name']}",
                        "text": f"the last update moved its weights by {r['update_ratio']:.2g} of their size "
                                f"(healthy: about 0.001): the learning rate may be too high."})
    g = [r["grad_norm"] for r in records]
    if len(g) >= 3 and all(v is not None for v in g) and g[-1] > 0 and g[0] / g[-1] < 1e-3:
        out.append({"kind": "vanishing", "title": "Vanishing gradients",
                    "text": f"||dC/dW|| is {g[0]:.2g} in the first layer against {g[-1]:.2g} in the last: "
                            f"the product of f'(z) factors in BP2 shrinks it layer by layer."})
    return out


def history_findings(history, epochs=None) -> list:
    """Findings from a run's loss history (``{"loss": [...], "val_loss": [...]}``, one value per epoch,
    or per point of ``epochs``: the epoch number of each value, when they are not 1, 2, 3, ...).

    - diverged: a loss that is not a number;
    - overfitting: the validation loss ended more than 10% (and 0.01) above its minimum while the
      training loss went on falling after that minimum (remedies: dropout, L2, EarlyStopping);
    - learning rate too high: the training loss rose over the run, or went up and down in at least
      half of the last (up to 20) epochs by more than 2% of its level;
    - learning rate too low / underfitting: over 10 or more epochs the training loss fell by less than 1%.
    """
    loss = [float(v) for v in (history.get("loss") or [])]
    val = [float(v) for v in (history.get("val_loss") or [])]
    out = []
    epoch_of = (lambda k: int(epochs[k])) if epochs is not None else (lambda k: k + 1)
    if any(not math.isfinite(v) for v in loss + val):
        out.append({"kind": "nonfinite", "title": "The loss diverged",
                    "text": "the loss became NaN or infinite: lower the learning rate."})
        return out
    if len(val) >= 5 and len(loss) == len(val):
        best = int(np.argmin(val))
        if val[-1] > 1.1 * val[best] and val[-1] - val[best] > 0.01 and best < len(val) - 1 and \
                loss[-1] < loss[best]:
            out.append({"kind": "overfitting", "title": "Overfitting",
                        "text": f"the validation (held-out) loss rose from {val[best]:.4g} (epoch {epoch_of(best)}) to {val[-1]:.4g} "
                                f"while the training loss fell from {loss[best]:.4g} to {loss[-1]:.4g}: the network "
                                f"learns the training rows, not the rule. Try dropout, L2 or EarlyStopping."})
    if len(loss) >= 3:
        tail = np.array(loss[-20:])
        d = np.diff(tail)
        ups = int(np.sum(d > 0.02 * np.abs(tail[:-1])))
        if loss[-1] > loss[0] * 1.02:
            out.append({"kind": "lr_high", "title": "The training loss rose",
                        "text": f"from {loss[0]:.4g} to {loss[-1]:.4g}: the learning rate is probably too high."})
        elif len(d) >= 4 and ups >= len(d) / 2:
            out.append({"kind": "lr_high", "title": "The training loss oscillates",
                        "text": f"it rose by more than 2% in {ups} of the last {len(d)} epochs: the learning rate "
                                f"is probably too high."})
    if len(loss) >= 10 and loss[0] > 0 and (loss[0] - loss[-1]) / loss[0] < 0.01 and \
            not any(f["kind"] == "lr_high" for f in out):
        out.append({"kind": "lr_low", "title": "The loss barely moved",
                    "text": f"{loss[0]:.4g} -> {loss[-1]:.4g} over {epoch_of(len(loss) - 1)} epochs: the learning rate may be too "
                            f"low, or the network too small for the data (underfitting)."})
    return out
