"""Training parity: glassnet's Sequential.fit reproduces Keras 3's fit, number for number.

``tests/reference/keras_training.json`` (written by ``tests/reference/make_keras_golden.py``
with Keras 3.15.1 on TensorFlow 2.21) holds, for each case, a small Dense model, the compile
arguments (the optimizer as ``keras.optimizers.serialize`` wrote it), the initial weights,
and what Keras's ``fit(..., shuffle=False)`` produced: the per-epoch history, the final
weights, ``evaluate(return_dict=True)`` and ``predict``.  Each test rebuilds the same model
in glassnet, sets the same initial weights, trains it the same way and compares.

Both libraries compute in float32 but sum in different orders, so results agree to a few
ulps per step, which over at most 15 steps stays far inside rtol 1e-4.  The weight *changes*
(final - initial) are compared as well: with a default learning rate of 0.001 the weights
move by ~1e-3 or less, so comparing the weights alone would let a wrong update rule pass.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet import layers, losses, models, optimizers, regularizers

# every test here runs on both kernel implementations (conftest.py's `kernels` fixture)
pytestmark = pytest.mark.usefixtures("kernels")

GOLDEN = Path(__file__).resolve().parent / "reference" / "keras_training.json"

RTOL, ATOL = 1e-4, 1e-6  # weights, history, evaluate, predict
DELTA_RTOL, DELTA_ATOL = 1e-3, 5e-7  # final - initial weights (atol: float32 rounding of w)


@functools.lru_cache(maxsize=None)
def golden() -> dict:
    with open(GOLDEN) as fh:
        return json.load(fh)


CASES = golden()["cases"]


def array(name: str) -> np.ndarray:
    values = golden()["data"][name]
    return np.asarray(values, dtype=np.int64 if name == "labels" else np.float32)


def build_model(spec: dict):
    stack = [layers.Input(tuple(spec["input_shape"]))]
    for layer in spec["layers"]:
        if layer["class_name"] == "Dense":
            reg = layer.get("kernel_regularizer")
            stack.append(layers.Dense(layer["units"], activation=layer["activation"],
                                      kernel_regularizer=regularizers.deserialize(reg)
                                      if reg else None))
        elif layer["class_name"] == "Dropout":
            stack.append(layers.Dropout(layer["rate"]))
        else:  # pragma: no cover - the generator writes only these
            raise ValueError(f"unknown layer spec {layer}")
    return models.Sequential(stack)


def build_loss(spec):
    if isinstance(spec, str):
        return spec
    return getattr(losses, spec["class_name"])(**spec["config"])


def train(case):
    """The glassnet side of one case: build, set weights, fit, evaluate, predict."""
    model = build_model(case["model"])
    model.compile(optimizer=optimizers.deserialize(case["compile"]["optimizer"]),
                  loss=build_loss(case["compile"]["loss"]),
                  metrics=list(case["compile"]["metrics"]))
    model.set_weights([np.asarray(w, dtype=np.float32) for w in case["initial_weights"]])
    x, y = array(case["x"]), array(case["y"])
    initial_predict = model.predict(x, verbose=0)
    fit = case["fit"]
    kwargs = {}
    if fit["sample_weight"]:
        kwargs["sample_weight"] = array("sample_weight")
    if fit["class_weight"]:
        kwargs["class_weight"] = {int(k): float(v) for k, v in fit["class_weight"].items()}
    history = model.fit(x, y, batch_size=fit["batch_size"], epochs=fit["epochs"],
                        shuffle=fit["shuffle"], verbose=0, **kwargs).history
    ev_kwargs = {"sample_weight": array("sample_weight")} if case["evaluate_with_sample_weight"] else {}
    evaluate = model.evaluate(x, y, verbose=0, return_dict=True, **ev_kwargs)
    return {"model": model, "initial_predict": initial_predict, "history": history,
            "evaluate": evaluate, "predict": model.predict(x, verbose=0)}


class Mismatches:
    """Collects every difference of one case, so one run reports them all."""

    def __init__(self, case_id):
        self.case_id = case_id
        self.messages = []

    def close(self, what, got, want, rtol=RTOL, atol=ATOL):
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            self.messages.append(f"{what}: shape {got.shape}, Keras {want.shape}")
            return
        with np.errstate(invalid="ignore", over="ignore"):  # a NaN/inf result is reported
            err = np.abs(got - want) - (atol + rtol * np.abs(want))
        if np.any(err > 0) or not np.all(np.isfinite(got)):
            i = np.unravel_index(int(np.argmax(np.where(np.isfinite(err), err, np.inf))),
                                 want.shape)
            self.messages.append(
                f"{what}: {int(np.sum(~(err <= 0)))}/{want.size} differ; worst at "
                f"{tuple(int(k) for k in i)}: glassnet {got[i]!r}, Keras {want[i]!r}")

    def equal(self, what, got, want):
        if got != want:
            self.messages.append(f"{what}: glassnet {got!r}, Keras {want!r}")

    def check(self):
        if self.messages:
            pytest.fail(f"{self.case_id}: glassnet differs from Keras 3:\n  "
                        + "\n  ".join(self.messages))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fit_evaluate_predict_match_keras(case):
    out = train(case)
    m = Mismatches(case["id"])
    # the forward pass before any training isolates layer/activation errors from training ones
    m.close("predict before fit", out["initial_predict"], case["initial_predict"])
    # history: same keys, one value per epoch, the same numbers
    m.equal("history keys", sorted(out["history"]), sorted(case["history"]))
    for key, want in case["history"].items():
        got = out["history"].get(key)
        if got is not None:
            m.close(f"history[{key!r}]", got, want)
    # weights
    final = out["model"].get_weights()
    m.equal("number of weight arrays", len(final), len(case["final_weights"]))
    for i, (got, want, start) in enumerate(zip(final, case["final_weights"],
                                               case["initial_weights"])):
        m.close(f"final weights[{i}]", got, want)
        m.close(f"final - initial weights[{i}]", np.asarray(got, np.float64) - np.asarray(start),
                np.asarray(want, np.float64) - np.asarray(start),
                rtol=DELTA_RTOL, atol=DELTA_ATOL)
    m.equal("optimizer.iterations", int(out["model"].optimizer.iterations),
            case["optimizer_iterations"])
    # evaluate and predict after training
    m.equal("evaluate keys", sorted(out["evaluate"]), sorted(case["evaluate"]))
    for key, want in case["evaluate"].items():
        if key in out["evaluate"]:
            m.close(f"evaluate[{key!r}]", out["evaluate"][key], want)
    m.close("predict after fit", out["predict"], case["predict"])
    m.check()


def test_course_worked_example_one_sgd_step():
    """The course's hand-computed step (inputs .05 .10, targets .01 .99, SGD lr 0.5, mse).

    The expected numbers are the course's, not Keras's: E = sum (t - o)^2 / 2 over the two
    outputs is exactly Keras's mse (the mean over 2 outputs of (t - o)^2).
    """
    model = models.Sequential([layers.Input((2,)), layers.Dense(2, activation="sigmoid"),
                               layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="mse")
    model.set_weights([np.array([[0.15, 0.25], [0.20, 0.30]], np.float32),
                       np.array([0.35, 0.35], np.float32),
                       np.array([[0.40, 0.50], [0.45, 0.55]], np.float32),
                       np.array([0.60, 0.60], np.float32)])
    history = model.fit(np.array([[0.05, 0.10]], np.float32), np.array([[0.01, 0.99]], np.float32),
                        batch_size=1, epochs=1, shuffle=False, verbose=0).history
    # E_total before the step: 0.298371109 (the course's forward pass)
    assert history["loss"][0] == pytest.approx(0.298371109, rel=1e-6)
    k1, _, k2, _ = model.get_weights()
    got = {"w1": k1[0, 0], "w5": k2[0, 0], "w6": k2[1, 0], "w7": k2[0, 1], "w8": k2[1, 1]}
    want = {"w1": 0.149780716, "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270,
            "w8": 0.561370121}
    for name in want:
        assert got[name] == pytest.approx(want[name], abs=3e-7), (name, got[name])


def assert_same_config(got, want, path="config"):
    """Equal dicts, floats compared to float32 precision (Keras writes float32 values)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{path}: glassnet {got!r}, Keras {want!r}"
        assert sorted(got) == sorted(want), f"{path} keys: glassnet {sorted(got)}, Keras {sorted(want)}"
        for key in want:
            assert_same_config(got[key], want[key], f"{path}[{key!r}]")
    elif isinstance(want, float) and not isinstance(got, bool):
        assert got == pytest.approx(want, rel=1e-7), f"{path}: glassnet {got!r}, Keras {want!r}"
    else:
        assert got == want, f"{path}: glassnet {got!r}, Keras {want!r}"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_optimizer_config_round_trips_keras_config(case):
    """optimizers.deserialize(Keras's dict) rebuilds the optimizer; get_config() is Keras's."""
    serialized = case["compile"]["optimizer"]
    optimizer = optimizers.deserialize(serialized)
    assert type(optimizer).__name__ == serialized["class_name"]
    assert_same_config(optimizer.get_config(), serialized["config"])
    assert_same_config(optimizers.serialize(optimizer), serialized, "serialize()")


def test_golden_covers_the_required_cases():
    """The golden file has what this suite promises (guards against a truncated file)."""
    ids = {c["id"] for c in CASES}
    classes = {c["compile"]["optimizer"]["class_name"] for c in CASES}
    assert {"SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam",
            "Lion", "Ftrl"} <= classes
    assert any(c["fit"]["batch_size"] == 16 for c in CASES)  # 40 samples: last batch of 8
    assert any(c["fit"]["sample_weight"] for c in CASES)
    assert any(c["fit"]["class_weight"] for c in CASES)
    assert "worked_example" in ids
    for c in CASES:
        assert len(c["history"]["loss"]) == c["fit"]["epochs"], c["id"]
