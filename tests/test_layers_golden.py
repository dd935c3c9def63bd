"""The layers and constraints of issue 12 against Keras 3's own numbers (keras_layers.json).

The golden file is written by tests/reference/make_layers_golden.py with Keras 3 on
TensorFlow; this test never imports either.  Tolerances: single forward passes agree to
float32 rounding (TensorFlow fuses and orders the arithmetic differently, so a few ulps,
rtol 1e-5); 3-epoch training runs agree to rtol 1e-4 as the issue asks (rounding
differences grow a little with every step).
"""
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet import constraints, layers, optimizers
from glassnet.layers import LAYERS
from glassnet.models import Sequential, load_model

GOLDEN = json.loads((Path(__file__).parent / "reference" / "keras_layers.json").read_text())
FORWARD = {c["id"]: c for c in GOLDEN["forward"]}
TRAINING = {r["id"]: r for r in GOLDEN["training"]}

NOISE = {"GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D"}


def test_golden_file_comes_from_keras_3():
    assert GOLDEN["meta"]["keras"].startswith("3.")


def _make(case):
    cls = LAYERS.lookup(case["class_name"])
    layer = cls(**case["init"])
    x = np.asarray(case["input"], dtype="float32")
    layer.build(x.shape[1:])
    if case["weights"] is not None:
        layer.set_weights([np.asarray(w, dtype="float32") for w in case["weights"]])
    return layer, x


@pytest.mark.parametrize("case_id", list(FORWARD))
def test_forward_matches_keras(case_id):
    case = FORWARD[case_id]
    for mode in ("inference", "training"):
        if mode not in case:
            continue
        layer, x = _make(case)
        want = case[mode]
        if case["class_name"] in NOISE and mode == "training":
            continue       # random draws differ from TensorFlow's; statistics are tested elsewhere
        y = layer.forward(x, training=(mode == "training"))
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, np.asarray(want["output"]), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{case_id} ({mode})")
        for got, w in zip(layer.get_weights(), want["weights_after"]):
            np.testing.assert_allclose(got, np.asarray(w), rtol=1e-5, atol=1e-7,
                                       err_msg=f"{case_id} ({mode}) weights after the call")
        if want["losses"]:
            assert layer.activity_regularizer(y) / y.shape[0] == pytest.approx(want["losses"][0], rel=1e-5)


@pytest.mark.parametrize("case_id", list(FORWARD))
def test_config_matches_keras(case_id):
    case = FORWARD[case_id]
    layer, _ = _make(case)
    got = layer.get_config()
    want = case["config"]
    for cfg in (got, want):
        cfg.pop("name", None)
    assert set(got) == set(want), case_id
    for key in want:
        assert json.loads(json.dumps(got[key])) == want[key], f"{case_id}: {key}"


@pytest.mark.parametrize("case", GOLDEN["constraints"], ids=[c["id"] for c in GOLDEN["constraints"]])
def test_constraint_matches_keras(case):
    c = constraints.get({"class_name": case["class_name"], "config": case["init"]})
    got = c(np.asarray(case["input"], dtype="float32"))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.asarray(case["output"]), rtol=1e-6, atol=1e-7)
    assert c.get_config() == case["config"]


# ------------------------------------------------------------------ 3-epoch fits
def _build(run):
    x = np.asarray(run["x"], dtype="float32")
    model = Sequential([layers.Input(x.shape[1:])] + [LAYERS.lookup(n)(**c) for n, c in run["layers"]])
    model.set_weights([np.asarray(w, dtype="float32") for w in run["initial_weights"]])
    opt = optimizers.deserialize({"class_name": run["optimizer"]["class_name"], "config": run["optimizer"]["config"]})
    model.compile(optimizer=opt, loss=run["loss"])
    return model, x, np.asarray(run["y"], dtype="float32")


@pytest.mark.parametrize("run_id", list(TRAINING))
def test_three_epoch_fit_ends_at_keras_weights(run_id):
    run = TRAINING[run_id]
    model, x, y = _build(run)
    hist = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    names = [v.path.split("/", 1)[1] for v in model.weights]
    want_names = [p.split("/")[-1] for p in run["weight_names"]]
    assert [n.split("/")[-1] for n in names] == want_names
    for name, got, want in zip(names, model.get_weights(), run["final_weights"]):
        # rtol 1e-4 as the issue asks; atol for entries that end near 0
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=2e-6, err_msg=f"{run_id}: {name}")
    np.testing.assert_allclose(hist.history["loss"], run["history"], rtol=1e-4)


@pytest.mark.parametrize("run_id", ["batch_norm", "prelu", "embedding", "constrained_dense"])
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_load_round_trip(run_id, suffix, tmp_path):
    run = TRAINING[run_id]
    model, x, y = _build(run)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    back = load_model(path)
    assert [type(l) for l in back.layers] == [type(l) for l in model.layers]
    for a, b in zip(model.get_weights(), back.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    for la, lb in zip(model.layers, back.layers):
        assert la.get_config() == lb.get_config()


# ------------------------------------------------------------------ files Keras wrote
@pytest.mark.parametrize("name", ["layers_mix", "layers_bag"])
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_loads_keras_saved_models_with_the_new_layers(name, suffix):
    want = GOLDEN["files"][name]
    model = load_model(Path(__file__).parent / "reference" / "keras_files" / f"{name}{suffix}")
    for got, w in zip(model.get_weights(), want["weights"]):
        np.testing.assert_array_equal(got, np.asarray(w, dtype="float32"))
    x = np.asarray(want["x"], dtype="float32")
    # float32 rounding of a dozen layers computed in a different order: rtol 1e-5
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(want["prediction"]), rtol=1e-5, atol=1e-6)
