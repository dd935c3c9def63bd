"""Per-layer health numbers of a chain of Dense layers, and the training doctor's findings from them.

The live numbers, computed on a probe of at most ``PROBE`` rows, for every Dense
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
this module gives the playground the same unit statistics per frame, and :func:`findings` hands them,
with the loss history, to ``doctor.diagnose``: the playground and ``glassnet doctor`` apply one set of
rules and say the same thing about the same run.
"""
from __future__ import annotations

import math

import numpy as np

from .. import doctor
from ..callbacks.diagnostics import COLUMNS, unit_stats

PROBE = 256
#: the doctor's column for each key of a :func:`layer_records` record
_AS_DOCTOR = {"layer": "name", "weight_norm": "w_norm", "bias_norm": "b_norm", "dead_relu": "dead"}


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


def doctor_records(records, epoch=0) -> dict:
    """:func:`layer_records` as the training doctor's records (``callbacks.Diagnostics``' columns): one
    recorded epoch, ``epoch`` (0-based: the records after n epochs of training are epoch n - 1)."""
    out = {c: [] for c in COLUMNS}
    for r in records:
        for c in COLUMNS:
            if c == "epoch":
                value = int(epoch)
            else:
                value = r[_AS_DOCTOR.get(c, c)]
            out[c].append(float("nan") if value is None else value)
    return out


def findings(records=(), history=None, epoch=0, model=None, diagnostics=None) -> list:
    """The training doctor's findings (:func:`glassnet.doctor.diagnose`) for the page, as JSON dicts.

    ``records``: this frame's :func:`layer_records`, the doctor's records of epoch ``epoch`` (0-based),
    unless the run's own ``diagnostics`` records are given (a ``glassnet train`` run folder's).
    ``history``: the loss history (``{"loss": [...], "val_loss": [...]}``, with ``"epoch"``: the
    0-based epoch of each value when they are not 0, 1, 2, ...).  ``model`` names the learning rate.

    Each finding is ``{"kind", "title", "text", "evidence", "notes", "advice", "numbers"}``: the
    doctor's kind, title and words (``text`` = evidence, why, what to try, in one paragraph).
    """
    if diagnostics is None and len(records):
        diagnostics = doctor_records(records, epoch)
    found = doctor.diagnose(model, history or {}, diagnostics=diagnostics)
    out = []
    for f in found.to_dict():
        f["text"] = f"{f['evidence']}. Why: {f['notes']}. Try: {f['advice']}."
        out.append(f)
    return out
