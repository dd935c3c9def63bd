"""See backpropagation happen: ``trace_step`` and ``gradient_check`` for any Sequential model.

``trace_step(model, x, y)`` runs one real training step and returns every quantity the
notes name, layer by layer::

    z^l = a^(l-1) W^l + b^l          a^l = f(z^l)
    delta^L = dC/da^L ⊙ f'(z^L)      delta^l = (delta^(l+1) W^(l+1)T) ⊙ f'(z^l)
    dC/dW^l = a^(l-1)T delta^l       dC/db^l = sum over the batch of delta^l
    update  = W_after - W_before     (for plain SGD: -learning_rate * dC/dW)

``gradient_check(model, x, y)`` compares those analytic gradients with central
differences ``(C(w + h) - C(w - h)) / 2h`` computed in float64.
"""
from __future__ import annotations

import json

import numpy as np

from . import config
from .doctor import Diagnosis, Finding, diagnose  # noqa: F401  (the training doctor, glassnet/doctor.py)

__all__ = ["trace_step", "gradient_check", "Trace", "GradientCheckReport"]


def _fmt(a, digits=9) -> str:
    a = np.asarray(a, dtype=np.float64)
    return np.array2string(a, precision=digits, floatmode="maxprec", suppress_small=False,
                           max_line_width=100, threshold=64)


# ------------------------------------------------------------------------ trace
class Trace:
    """The record of one training step: ``loss``, ``layers`` (one dict per layer), printable.

    Each layer dict holds (NumPy arrays, float64 copies): ``name``, ``class``, ``activation``,
    ``a_prev``, ``z``, ``a``, ``delta``, ``kernel_before``, ``bias_before``, ``dC_dW``, ``dC_db``,
    ``kernel_after``, ``bias_after``, ``kernel_update``, ``bias_update``.  Layers without
    weights (Dropout, Flatten) carry ``a_prev`` and ``a`` only.
    """

    def __init__(self, loss: float, layers: list[dict], optimizer: str, learning_rate):
        self.loss = loss
        self.layers = layers
        self.optimizer = optimizer
        self.learning_rate = learning_rate

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.layers[key]
        for layer in self.layers:
            if layer["name"] == key:
                return layer
        raise KeyError(f"Trace: no layer named {key!r}; the layers are {[l['name'] for l in self.layers]}")

    def to_dict(self) -> dict:
        def conv(v):
            return v.tolist() if isinstance(v, np.ndarray) else v

        return {
            "loss": self.loss,
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "layers": [{k: conv(v) for k, v in layer.items()} for layer in self.layers],
        }

    def to_json(self, path=None, indent=2) -> str:
        """The trace as JSON text; also written (atomically) to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent)
        if path is not None:
            from ._io import atomic_write_text

            atomic_write_text(path, text)
        return text

    def __str__(self) -> str:
        out = [f"One training step ({self.optimizer}, learning rate {self.learning_rate})",
               f"cost C = {self.loss:.9f}", ""]
        out.append("Forward pass")
        for i, L in enumerate(self.layers, start=1):
            act = f", f = {L['activation']}" if L.get("activation") else ""
            out.append(f"  layer {i}: {L['name']} ({L['class']}{act})")
            if "z" in L and L["z"] is not None:
                out.append(_matrix("z = a_prev W + b", L["z"]))
            if L.get("a") is not None:
                out.append(_matrix("a = f(z)", L["a"]))
            for op in L.get("tape") or []:
                out.append(f"    {op['op']}{tuple(op['input_shapes'])} -> {op['output'].shape}")
        out.append("")
        out.append("Backward pass (delta = dC/dz; the Hadamard product with f'(z) is inside delta)")
        for i in range(len(self.layers), 0, -1):
            out += _layer_values(i, self.layers[i - 1], "delta", [
                ("delta", "delta"), ("dC/dW = a_prev^T delta", "dC_dW"), ("dC/db = sum(delta)", "dC_db")])
        out.append("")
        out.append("Update")
        for i, L in enumerate(self.layers, start=1):
            out += _layer_values(i, L, "kernel_after", [("W before", "kernel_before"), ("W after ", "kernel_after")])
            if L.get("kernel_after") is not None and L.get("bias_after") is not None:
                out.append(f"    b after  = {_fmt(L['bias_after'])}")
        return "\n".join(out)

    __repr__ = __str__


def _matrix(label: str, value) -> str:
    """One value of the trace: ``    label =`` and the array below it, indented."""
    return f"    {label} =\n{_indent(_fmt(value), 6)}"


def _layer_values(i: int, L: dict, required: str, values) -> list[str]:
    """Layer ``i``'s heading and its ``(label, key)`` values that are present; nothing when the
    layer has no ``required`` value (it took no part in this pass)."""
    if L.get(required) is None:
        return []
    return [f"  layer {i}: {L['name']}"] + [_matrix(label, L[key]) for label, key in values
                                            if L.get(key) is not None]


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line for line in text.splitlines())


def _copy(a):
    return None if a is None else np.array(a, dtype=np.float64, copy=True)


def trace_step(model, x, y, sample_weight=None) -> Trace:
    """Run ONE training step of a compiled model on (x, y) and return every intermediate value.

    The model's weights and optimizer really are updated, exactly as one batch of ``fit``
    would update them.
    """
    from .models.model import Model

    where = "trace_step"
    x, y, sample_weight = model.prepare_batch(x, y, sample_weight, where)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    before = [(layer.get_weights()) for layer in layers]
    loss, _, _ = model.compute_loss_and_gradients(x, y, sample_weight)
    grads = [[_copy(v.grad) for v in layer.weights] for layer in layers]
    model.apply_gradients()
    records = []
    a_prev = x
    for layer, w_before, g in zip(layers, before, grads):
        act = getattr(layer, "activation", None)
        rec = {"name": layer.name, "class": type(layer).__name__,
               "activation": getattr(act, "name", None)}
        rec["a_prev"] = _copy(getattr(layer, "a_prev", a_prev))
        rec["z"] = _copy(getattr(layer, "z", None))
        a = getattr(layer, "a", None)
        recorded = layer.recorded_call
        if recorded is not None:          # your own layer: what its call computed, op by op, with dC/d(op)
            rec["tape"] = recorded.tape.trace()
            a = recorded.output
        elif a is None and isinstance(a_prev, np.ndarray) and not isinstance(layer, Model):
            # layers that keep no output: recompute it from the recorded input (a chain of layers)
            try:
                a = layer.forward(np.asarray(a_prev, dtype=config.floatx()), training=False) \
                    if not hasattr(layer, "mask") or layer.mask is None else a_prev * layer.mask
            except (TypeError, ValueError):
                a = None
        rec["a"] = _copy(a) if isinstance(a, np.ndarray) else None
        rec["delta"] = _copy(getattr(layer, "delta", None))
        if layer.weights:
            w_after = layer.get_weights()
            rec["kernel_before"], rec["dC_dW"], rec["kernel_after"] = (
                _copy(w_before[0]), g[0], _copy(w_after[0]))
            rec["kernel_update"] = rec["kernel_after"] - rec["kernel_before"]
            if len(w_before) > 1:
                rec["bias_before"], rec["dC_db"], rec["bias_after"] = (
                    _copy(w_before[1]), g[1], _copy(w_after[1]))
                rec["bias_update"] = rec["bias_after"] - rec["bias_before"]
        records.append(rec)
        a_prev = a
    lr = model.optimizer.learning_rate
    return Trace(loss, records, type(model.optimizer).__name__,
                 float(lr) if not callable(lr) else repr(lr))


# ---------------------------------------------------------------- gradient check
class GradientCheckReport:
    """Per variable: the largest relative error |analytic - numeric| / max(|analytic| + |numeric|, 1e-6)."""

    def __init__(self, rows: list[dict], tolerance: float):
        self.rows = rows
        self.tolerance = tolerance

    @property
    def max_relative_error(self) -> float:
        return max((r["max_relative_error"] for r in self.rows), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_relative_error <= self.tolerance

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict:
        return {"tolerance": self.tolerance, "passed": self.passed, "variables": self.rows}

    def __str__(self) -> str:
        w = max([len(r["variable"]) for r in self.rows] + [8])
        lines = [f"{'variable':<{w}}  {'checked':>7}  {'max rel. error':>14}  {'max abs. error':>14}",
                 "-" * (w + 43)]
        for r in self.rows:
            lines.append(f"{r['variable']:<{w}}  {r['checked']:>7}  {r['max_relative_error']:>14.3e}  "
                         f"{r['max_absolute_error']:>14.3e}")
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(f"{verdict}: max relative error {self.max_relative_error:.3e} "
                     f"(tolerance {self.tolerance:.0e})")
        return "\n".join(lines)

    __repr__ = __str__


def _as_float64(a):
    if a is None:
        return None
    return [x.astype(np.float64) for x in a] if isinstance(a, list) else a.astype(np.float64)


def gradient_check(model, x, y, sample_weight=None, epsilon: float = 1e-5, max_checks_per_variable=None,
                   tolerance: float = 1e-4, seed: int = 0) -> GradientCheckReport:
    """Compare backprop's gradients with central differences, in float64, for every variable.

    Args:
        model: a built, compiled model of any kind (checked in float64; its weights and random
            state are restored afterwards, its optimizer is not touched).
        x, y, sample_weight: a small batch.
        epsilon: the step h of (C(w+h) - C(w-h)) / 2h.
        max_checks_per_variable: check at most this many randomly chosen entries of each
            variable (None: all of them).
        tolerance: the report passes when every relative error is at most this.
    """
    from ._validation import check_float

    where = "gradient_check"
    epsilon = check_float(epsilon, "epsilon", where, low=0.0, low_inclusive=False)
    tolerance = check_float(tolerance, "tolerance", where, low=0.0, low_inclusive=False)
    x, y, sample_weight = model.prepare_batch(x, y, sample_weight, where)
    weights, rng_state = model.get_weights(), model.get_rng_state()
    # The model itself is checked, its weights moved to float64 for the check and restored after it;
    # every random layer (Dropout, noise) draws the same numbers at every evaluation of the cost.
    with model.precision("float64"), config.floatx_scope("float64"):
        x64, y64, sw64 = _as_float64(x), _as_float64(y), _as_float64(sample_weight)
        model.set_rng_state(rng_state)
        model.compute_loss_and_gradients(x64, y64, sw64)
        analytic = model.grads.copy()
        params = model.params

        def cost() -> float:
            model.set_rng_state(rng_state)
            return model.cost(x64, y64, sw64)

        rng = np.random.default_rng(seed)
        rows = []
        trained = model.trainable_segments_variables()
        offsets = np.cumsum([0] + [v.size for v in trained])
        for k_var, orig in enumerate(trained):
            idx = np.arange(offsets[k_var], offsets[k_var + 1])
            if max_checks_per_variable is not None and idx.size > max_checks_per_variable:
                idx = np.sort(rng.choice(idx, size=max_checks_per_variable, replace=False))
            num = np.empty(idx.size)
            for k, i in enumerate(idx):      # one perturbation per parameter: the definition of the check
                keep = params[i]
                params[i] = keep + epsilon
                c_plus = cost()
                params[i] = keep - epsilon
                c_minus = cost()
                params[i] = keep
                num[k] = (c_plus - c_minus) / (2 * epsilon)
            ana = analytic[idx]
            abs_err = np.abs(ana - num)
            # The floor 1e-6 keeps round-off noise (~1e-11) on a zero gradient from counting as an error.
            rel = abs_err / np.maximum(np.abs(ana) + np.abs(num), 1e-6)
            rows.append({"variable": orig.path, "checked": int(idx.size),
                         "max_relative_error": float(rel.max()) if rel.size else 0.0,
                         "max_absolute_error": float(abs_err.max()) if abs_err.size else 0.0})
    model.set_weights(weights)          # moving statistics and the like, as they were
    model.set_rng_state(rng_state)
    return GradientCheckReport(rows, tolerance)
