"""The playground's new endpoints: opening your own model (upload or run folder), its responses and its
backprop trace; setting a weight by hand; stepping N epochs; the Gaussian regression data set; the
per-layer health numbers.  Bad input gets a 4xx with a message."""
import base64
import json
import subprocess
import sys

import numpy as np
import pytest

from glassnet import layers, models, optimizers, utils
from glassnet.playground import PlaygroundServer, Session
from glassnet.playground import health
from glassnet.playground.data import regression_gaussians

from test_playground_api import call, new_session


@pytest.fixture
def server():
    srv = PlaygroundServer("127.0.0.1", 0, disconnect_grace=0.5, idle_timeout=30.0).start()
    try:
        yield srv
    finally:
        srv.shutdown()


def small_model(path, n_in=3, compile=True):
    utils.set_random_seed(1)
    m = models.Sequential([layers.Input((n_in,)), layers.Dense(4, activation="relu", name="h"),
                           layers.Dense(1, activation="sigmoid", name="out")])
    if compile:
        m.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    m.save(str(path))
    return m


def upload(srv, path, filename=None):
    data = base64.b64encode(path.read_bytes()).decode()
    return call(srv, "POST", "/api/models", {"filename": filename or path.name, "data": data})


# ------------------------------------------------------------------------------ the Gaussian data set


def test_regression_gaussians_matches_the_original_definition():
    x, t = regression_gaussians(400, noise=0.0, seed=3)
    assert x.dtype == np.float32 and x.shape == (400, 2) and t.shape == (400,)
    assert np.all(np.abs(x) <= 1) and np.all(np.abs(t) <= 1)
    # hand-worked points (original units / 6): a bump's centre is +-1, its rim (distance 1/3) is 0
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]]) / 6
    signs = [1, -1, 1, -1, 1, -1]
    for (c, s) in zip(centres, signs):
        d = np.linalg.norm(x - c, axis=1)
        near = d < 0.05                      # nearer this centre than 1/3 - 0.05 to any other: t = s (1 - 3d)
        np.testing.assert_allclose(t[near], s * (1 - 3 * d[near]), rtol=1e-5, atol=1e-6)
    far = np.min(np.linalg.norm(x[:, None] - centres[None], axis=2), axis=1) > 1 / 3
    assert far.any() and np.all(t[far] == 0)
    x2, t2 = regression_gaussians(400, noise=0.0, seed=3)
    np.testing.assert_array_equal(t, t2)


def test_the_gauss_data_set_trains_and_its_exported_script_reproduces_the_run(server, tmp_path):
    sid = new_session(server, dataset="gauss", hidden=[6], epochs_per_update=1, seed=4)
    status, state = call(server, "POST", f"/api/sessions/{sid}/step", {"epochs": 3})
    assert status == 200 and state["epoch"] == 3
    status, code = call(server, "GET", f"/api/sessions/{sid}/export/code.py")
    assert status == 200 and b"def regression_gaussians" in code and b"glassnet.datasets import" not in code
    script = tmp_path / "run.py"
    script.write_text(code.decode() + f"\nnp.savez({str(tmp_path / 'w.npz')!r}, *model.get_weights())\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    saved = np.load(tmp_path / "w.npz")
    for i, w in enumerate(server.sessions[sid].model.get_weights()):
        np.testing.assert_array_equal(saved[f"arr_{i}"], w)      # the same process type and kernels: exact


# ------------------------------------------------------------------------------ step N epochs, weights


def test_step_n_epochs_equals_n_single_steps(server):
    """The shared URL's epoch count is trained with one request; it ends where N single steps end."""
    a = new_session(server, dataset="xor", seed=5)
    b = new_session(server, dataset="xor", seed=5)
    status, sa = call(server, "POST", f"/api/sessions/{a}/step", {"epochs": 4})
    assert status == 200 and sa["epoch"] == 4
    for _ in range(4):
        status, sb = call(server, "POST", f"/api/sessions/{b}/step")
    assert sb["epoch"] == 4
    # the same run: fit in chunks draws the same shuffles (tolerance: none needed, same process and kernels)
    assert sa["train_loss"] == sb["train_loss"] and sa["test_loss"] == sb["test_loss"]
    for body, needle in [({"epochs": 0}, "epochs must be a whole number from 1 to 2000"),
                         ({"epochs": 2001}, "epochs must be a whole number from 1 to 2000"),
                         ({"epochs": "3"}, "epochs must be"), ({"epoch": 3}, "unknown key")]:
        status, err = call(server, "POST", f"/api/sessions/{a}/step", body)
        assert status == 400 and needle in err["error"], (body, err)


def test_setting_a_weight_changes_the_loss_as_a_forward_pass_says(server):
    sid = new_session(server, dataset="circles", hidden=[3], seed=2)
    session = server.sessions[sid]
    call(server, "POST", f"/api/sessions/{sid}/step", {"epochs": 2})
    status, res = call(server, "POST", f"/api/sessions/{sid}/weight", {"layer": 1, "from": 1, "to": 2, "value": 3.5})
    assert status == 200, res
    W = session.model.get_weights()
    assert W[0][1, 2] == 3.5
    # the loss after: binary cross-entropy of a forward pass written out here in float64
    def bce(x, y):
        h = np.tanh(x @ W[0].astype(np.float64) + W[1])
        p = 1 / (1 + np.exp(-(h @ W[2] + W[3])))
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
    assert res["train_loss"] == pytest.approx(bce(session.x_train, session.y_train), rel=1e-4)
    assert res["train_loss"] != res["train_loss_before"] and res["old"] != 3.5
    status, res = call(server, "POST", f"/api/sessions/{sid}/weight", {"layer": 2, "to": 0, "value": -1.0})
    assert status == 200 and session.model.get_weights()[3][0] == -1.0 and res["set"] == "b2[0]"
    for body, needle in [({"layer": 3, "to": 0, "value": 1}, "layer (1 = the first Dense layer) must be"),
                         ({"layer": 1, "from": 2, "to": 0, "value": 1}, "from (an input of layer 1)"),
                         ({"layer": 1, "to": 3, "value": 1}, "to (a unit of layer 1)"),
                         ({"layer": 1, "to": 0, "value": float("1e9")}, "value must be a number"),
                         ({"layer": 1, "to": 0, "value": 1, "x": 1}, "unknown key")]:
        status, err = call(server, "POST", f"/api/sessions/{sid}/weight", body)
        assert status == 400 and needle in err["error"], (body, err)


def test_l1_links_near_zero_are_counted_dead():
    s = Session({"dataset": "circles", "hidden": [8], "regularization": "l1", "regularization_rate": 0.3,
                 "learning_rate": 0.1, "seed": 1})
    try:
        s.step(20)
        frame = json.loads(s.frame_json)
        info = json.loads(s.info_json)
        expected = sum(int(np.sum(np.abs(w) < info["dead_below"])) for w in s.model.get_weights()[::2])
        assert frame["dead_links"] == expected > 0          # a strong L1 penalty zeroes some weights
    finally:
        s.close()


# ------------------------------------------------------------------------------ the health numbers


def test_health_numbers_are_the_definitions():
    utils.set_random_seed(0)
    m = models.Sequential([layers.Input((2,)), layers.Dense(3, activation="relu", name="a"),
                           layers.Dense(2, activation="sigmoid", name="b")])
    W1 = np.array([[1.0, -1.0, 0.5], [1.0, -1.0, -0.5]], np.float32)   # unit 2 is dead for x >= 0
    m.layers[0].kernel.assign(W1)
    x = np.abs(np.random.default_rng(0).normal(size=(50, 2))).astype(np.float32)
    grads = [np.full((2, 3), 0.1, np.float32), np.full((3, 2), 0.2, np.float32)]
    recs = health.layer_records(m, x, grads=grads, updates=grads)
    a1 = np.maximum(x @ W1 + m.layers[0].bias.value, 0)
    assert recs[0]["dead"] == pytest.approx(np.mean(np.all(a1 == 0, axis=0))) == pytest.approx(1 / 3)
    assert recs[0]["w_norm"] == pytest.approx(np.linalg.norm(W1), rel=1e-6)
    assert recs[0]["grad_norm"] == pytest.approx(np.sqrt(6 * 0.01), rel=1e-6)
    assert recs[0]["update_ratio"] == pytest.approx(np.sqrt(6 * 0.01) / np.linalg.norm(W1), rel=1e-6)
    assert recs[0]["act_mean"] == pytest.approx(a1.mean(), rel=1e-5)
    assert recs[1]["saturated"] is not None and recs[0]["saturated"] is None
    # four dead of five: the training doctor's finding in plain words with the number
    m2 = models.Sequential([layers.Input((2,)), layers.Dense(5, activation="relu", name="r")])
    m2.layers[0].kernel.assign(-np.abs(m2.layers[0].kernel.value) - 0.1)
    m2.layers[0].bias.assign(np.array([0, 0, 0, 0, 5.0], np.float32))
    found = health.findings(health.layer_records(m2, x))
    assert [f["kind"] for f in found] == ["dying_relu"] and "r: 4 of 5 units (80 %)" in found[0]["text"]


def test_frames_carry_the_health_numbers(server):
    sid = new_session(server, activation="relu", hidden=[5, 3])
    call(server, "POST", f"/api/sessions/{sid}/step")
    session = server.sessions[sid]
    doctor = json.loads(session.frame_json)["doctor"]
    assert [r["name"] for r in doctor["layers"]] == ["hidden_1", "hidden_2", "output"]
    assert doctor["epoch"] == 1 and all(r["grad_norm"] is not None for r in doctor["layers"])
    assert doctor["layers"][0]["w_norm"] == pytest.approx(np.linalg.norm(session.model.get_weights()[0]), rel=1e-5)


# ------------------------------------------------------------------------------ open your own model


def test_upload_a_keras_file_and_draw_its_responses(server, tmp_path):
    m = small_model(tmp_path / "mine.keras")
    status, res = upload(server, tmp_path / "mine.keras")
    assert status == 201, res
    info = res["info"]
    assert info["n_inputs"] == 3 and [l["units"] for l in info["layers"]] == [4, 1]
    W = np.frombuffer(base64.b64decode(info["layers"][0]["W"]), "<f4").reshape(3, 4)
    np.testing.assert_array_equal(W, m.get_weights()[0])
    assert info["can_trace"] is False and "held at 0" in info["data_note"]
    mid = res["id"]
    status, resp = call(server, "POST", f"/api/models/{mid}/response", {"x": 0, "y": 2})
    assert status == 200, resp
    # the output at the grid's top-left corner: x0 = lo, x2 = hi, x1 held at its mean (0 without data)
    out = resp["outputs"][0]
    u = np.frombuffer(base64.b64decode(out["data"]), np.uint8)
    assert u.size == resp["res"] ** 2
    corner = m.predict(np.array([[-3.0, 0.0, 3.0]], np.float32), verbose=0)[0, 0]
    assert out["lo"] + u[0] / 255 * (out["hi"] - out["lo"]) == pytest.approx(corner, abs=(out["hi"] - out["lo"]) / 255)
    status, err = call(server, "POST", f"/api/models/{mid}/trace", {"row": 0})
    assert status == 400 and "no data to trace" in err["error"]
    for body, needle in [({"x": 0, "y": 0}, "two different features"), ({"x": 3}, "index of an input feature"),
                         ({"z": 1}, "unknown key")]:
        status, err = call(server, "POST", f"/api/models/{mid}/response", body)
        assert status == 400 and needle in err["error"], (body, err)
    status, _ = call(server, "DELETE", f"/api/models/{mid}")
    assert status == 200 and mid not in server.models
    assert call(server, "GET", f"/api/models/{mid}")[0] == 404


def test_an_h5_file_opens_too(server, tmp_path):
    pytest.importorskip("h5py")
    small_model(tmp_path / "mine.h5", compile=False)
    status, res = upload(server, tmp_path / "mine.h5")
    assert status == 201, res
    assert [l["activation"] for l in res["info"]["layers"]] == ["relu", "sigmoid"]


def test_bad_uploads_are_refused_with_a_message(server, tmp_path):
    small_model(tmp_path / "mine.keras")
    ok = base64.b64encode((tmp_path / "mine.keras").read_bytes()).decode()
    cases = [
        ({"filename": "mine.pkl", "data": ok}, 400, "filename must end in .keras, .h5 or .hdf5"),
        ({"filename": "mine.keras", "data": "***"}, 400, "not valid base64"),
        ({"filename": "mine.keras", "data": base64.b64encode(b"not a zip").decode()}, 400, "cannot open"),
        ({"filename": "mine.keras", "data": ""}, 400, "empty"),
        ({"filename": "mine.keras"}, 400, "data must be the file's bytes in base64"),
        ({"filename": "mine.keras", "data": ok, "path": "/tmp"}, 400, "not both"),
        ({"file": "x"}, 400, "unknown key"),
    ]
    for body, code, needle in cases:
        status, err = call(server, "POST", "/api/models", body)
        assert status == code and needle in err["error"], (body, status, err)
    # a model that is not a chain of Dense layers
    utils.set_random_seed(0)
    other = models.Sequential([layers.Input((4,)), layers.BatchNormalization(name="bn"), layers.Dense(1)])
    other.save(str(tmp_path / "bn.keras"))
    status, err = upload(server, tmp_path / "bn.keras")
    assert status == 400 and "Dense layers" in err["error"] and "bn (BatchNormalization)" in err["error"]
    # the upload route has its own bound; the other routes keep theirs; no token, no upload
    from glassnet.playground.server import MAX_BODY, MAX_MODEL_BODY
    status, err = call(server, "POST", "/api/models", raw=b"x" * 10, headers={"Content-Length": str(MAX_MODEL_BODY + 1)})
    assert status == 413 and str(MAX_MODEL_BODY) in err["error"]
    status, err = call(server, "POST", "/api/sessions", raw=b"{}" + b" " * MAX_BODY)
    assert status == 413
    status, err = call(server, "POST", "/api/models", {"filename": "mine.keras", "data": ok}, token=False)
    assert status == 403 and not server.models
    # a large upload without the secret is refused before its body is read
    status, err = call(server, "POST", "/api/models", raw=b"x" * (MAX_BODY + 10), token=False)
    assert status == 403 and "X-Glassnet-Token" in err["error"]


def test_paths_are_not_opened_when_the_server_is_reachable_from_other_machines(tmp_path):
    small_model(tmp_path / "m.keras")
    with PlaygroundServer("0.0.0.0", 0, allow_remote=True).start() as srv:
        status, err = call(srv, "POST", "/api/models", {"path": str(tmp_path / "m.keras")})
        assert status == 403 and "upload the file instead" in err["error"] and not srv.models
        assert upload(srv, tmp_path / "m.keras")[0] == 201


def test_a_run_folder_opens_with_its_data_and_traces_a_step(server, tmp_path):
    pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 120))
    label = (a + 0.5 * b > 0).astype(int)
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,c,label\n" + "\n".join(f"{x:.4f},{y:.4f},{z:.4f},{t}" for x, y, z, t in zip(a, b, c, label)))
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "glassnet", "train", str(csv), "--target", "label", "--hidden", "5",
                           "--epochs", "3", "--out", str(run), "--verbose", "0"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    status, res = call(server, "POST", "/api/models", {"path": str(run)})
    assert status == 201, res
    info = res["info"]
    # the run's training split (validation 0.2 by default) is recomputed: 96 rows; the features were
    # standardized on exactly these rows, so their means are 0 (to float32 rounding)
    assert info["features"] == ["a", "b", "c"] and info["rows"] == 96 and info["can_trace"]
    assert np.all(np.abs(info["means"]) < 1e-5), info["means"]
    assert "training rows" in info["data_note"]
    mid = res["id"]
    status, tr = call(server, "POST", f"/api/models/{mid}/trace", {"row": 10, "rows": 3})
    assert status == 200, tr
    assert tr["rows"] == [10, 11, 12] and [l["name"] for l in tr["layers"] if l["class"] == "Dense"] == \
        ["hidden_1", "output"]
    # the trace ran on a copy: the opened model is unchanged
    from glassnet.models import load_model
    on_disk = load_model(str(run / "model.keras"))
    for w0, w1 in zip(on_disk.get_weights(), server.models[mid].model.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    # dC/dW of the output layer = a_prev^T delta (BP4), from the trace's own numbers
    out = [l for l in tr["layers"] if l["name"] == "output"][0]
    np.testing.assert_allclose(np.array(out["a_prev"]).T @ np.array(out["delta"]), out["dC_dW"], rtol=1e-4, atol=1e-6)
    for body, needle in [({"row": 96}, "row must be a whole number from 0 to 95"),
                         ({"rows": 33}, "rows must be a whole number from 1 to 32")]:
        status, err = call(server, "POST", f"/api/models/{mid}/trace", body)
        assert status == 400 and needle in err["error"], err
    assert info["history"]["epochs"] == 3 and "val_loss" in info["history"]["last"]
    # the run's history is read: an overfitting one is named (history.csv written here by hand)
    rows = ["epoch,loss,val_loss"] + [f"{k},{1 / (1 + 0.3 * k)},{abs(k - 5) * 0.05 + 0.5}" for k in range(20)]
    (run / "history.csv").write_text("\n".join(rows) + "\n")
    status, res = call(server, "POST", "/api/models", {"path": str(run)})
    assert status == 201 and "overfitting" in [f["kind"] for f in res["info"]["doctor"]["findings"]]
    # ... by the training doctor on the run's own records: the panel says what 'glassnet doctor RUN' says
    from glassnet.doctor import diagnose_run
    assert [(f["kind"], f["evidence"]) for f in res["info"]["doctor"]["findings"]] == \
        [(f.kind, f.evidence) for f in diagnose_run(run)[0]]
    # other split fractions are recovered too (stratified by class; 0.25 and 0.1 of 120 rows)
    run2 = tmp_path / "run2"
    proc = subprocess.run([sys.executable, "-m", "glassnet", "train", str(csv), "--target", "label", "--hidden", "3",
                           "--epochs", "1", "--validation-split", "0.25", "--test-split", "0.1", "--seed", "9",
                           "--out", str(run2), "--verbose", "0"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    status, res = call(server, "POST", "/api/models", {"path": str(run2)})
    assert status == 201, res
    metrics = json.loads((run2 / "metrics.json").read_text())
    assert res["info"]["rows"] == metrics["rows"]["train"] and np.all(np.abs(res["info"]["means"]) < 1e-5)
    for body, needle in [({"path": str(tmp_path / "nowhere")}, "no such run folder"),
                         ({"path": str(tmp_path)}, "without model.keras"),
                         ({"path": str(csv)}, "not a .keras / .h5 file")]:
        status, err = call(server, "POST", "/api/models", body)
        assert status == 400 and needle in err["error"], err


def test_opened_models_are_bounded(tmp_path):
    small_model(tmp_path / "m.keras")
    with PlaygroundServer("127.0.0.1", 0, max_models=2).start() as srv:
        assert upload(srv, tmp_path / "m.keras")[0] == 201
        assert upload(srv, tmp_path / "m.keras")[0] == 201
        status, err = upload(srv, tmp_path / "m.keras")
        assert status == 503 and "too many models" in err["error"]


def test_history_findings_from_hand_made_histories():
    """The loss history goes through the training doctor: its kinds and words."""
    falling = [1.0 / (1 + 0.3 * k) for k in range(30)]
    assert health.findings([], {"loss": falling, "val_loss": falling}) == []
    val = [0.9 - 0.05 * k for k in range(8)] + [0.6 + 0.04 * k for k in range(22)]      # minimum 0.55 at epoch 8
    found = health.findings([], {"loss": falling, "val_loss": val})
    assert [f["kind"] for f in found] == ["overfitting"]
    assert "lowest in epoch 8 (0.55)" in found[0]["text"] and "EarlyStopping" in found[0]["text"]
    assert found[0]["text"].startswith(found[0]["evidence"]) and found[0]["advice"] in found[0]["text"]
    zigzag = [0.5 + (0.1 if k % 2 else 0.0) for k in range(20)]
    assert [f["kind"] for f in health.findings([], {"loss": zigzag})] == ["learning_rate_too_high"]
    flat = [0.693 - 1e-5 * k for k in range(15)]
    assert [f["kind"] for f in health.findings([], {"loss": flat})] == ["underfitting"]
    diverged = health.findings([], {"loss": [0.5, float("nan")]})
    assert [f["kind"] for f in diverged] == ["learning_rate_too_high"] and "nan in epoch 2" in diverged[0]["text"]


def test_the_live_panel_names_overfitting_from_the_loss_history():
    """Few noisy spiral points, a big ReLU network, Adam: the test loss turns up while the training loss
    falls, and the frame's findings say so with the epochs (test loss as the held-out loss)."""
    s = Session({"dataset": "spirals", "noise": 0.5, "n_samples": 200, "hidden": [16, 16, 16], "activation": "relu",
                 "optimizer": "adam", "learning_rate": 0.03, "train_ratio": 0.3})
    try:
        for _ in range(40):
            s.step(5)
        doctor = json.loads(s.frame_json)["doctor"]
        kinds = [f["kind"] for f in doctor["findings"]]
        assert "overfitting" in kinds, doctor["findings"]
        points = [p for p in s.history if p[0] > 0]
        best = min(points, key=lambda p: p[2])          # the point's epoch count names it (5, 10, ...)
        text = doctor["findings"][kinds.index("overfitting")]["text"]
        assert f"lowest in epoch {best[0]} ({best[2]:.4g})" in text
    finally:
        s.close()


def test_an_uploaded_model_with_rows_of_data_traces_a_step(server, tmp_path):
    m = small_model(tmp_path / "mine.keras")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3)).astype(np.float32)
    t = (x[:, 0] > 0).astype(int)
    text = "p,q,r,label\n" + "\n".join(f"{a:.5f},{b:.5f},{c:.5f},{k}" for (a, b, c), k in zip(x, t))
    body = {"filename": "mine.keras", "data": base64.b64encode((tmp_path / "mine.keras").read_bytes()).decode(),
            "csv": base64.b64encode(text.encode()).decode(), "csv_name": "rows.csv"}
    status, res = call(server, "POST", "/api/models", body)
    assert status == 201, res
    info = res["info"]
    assert info["features"] == ["p", "q", "r"] and info["rows"] == 20 and info["can_trace"]
    np.testing.assert_allclose(info["means"], np.round(x, 5).mean(axis=0), rtol=1e-5, atol=1e-6)
    status, tr = call(server, "POST", f"/api/models/{res['id']}/trace", {"row": 2, "rows": 3})
    assert status == 200, tr
    np.testing.assert_allclose(tr["layers"][0]["a_prev"], np.round(x[2:5], 5), rtol=1e-5)
    assert tr["loss_name"] == "binary_crossentropy" and tr["optimizer"] == "SGD"
    # the loss of the step: binary cross-entropy of the model's own predictions on those rows
    p = m.predict(np.round(x[2:5], 5), verbose=0)[:, 0].astype(np.float64)
    y = t[2:5]
    assert tr["loss"] == pytest.approx(float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))), rel=1e-4)
    for csv_text, needle in [("p,q\n1,2\n", "has 2 columns; the model takes 3 inputs"),
                             ("p,q,r,label\n1,2,x,0\n", "numbers only"),
                             ("p,q,r,label\n1,2,,0\n", "no missing")]:
        bad = dict(body, csv=base64.b64encode(csv_text.encode()).decode())
        status, err = call(server, "POST", "/api/models", bad)
        assert status == 400 and needle in err["error"], (csv_text, err)
    status, err = call(server, "POST", "/api/models", dict(body, csv="%%"))
    assert status == 400 and "csv is not valid base64" in err["error"]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_damaged_model_files_are_refused_with_a_message(tmp_path, suffix):
    """Truncated or overwritten bytes: each upload is opened (and drawn) or refused as a 400 ParamError,
    never another exception (h5py reports many damages as RuntimeError)."""
    from glassnet.playground.params import ParamError
    if suffix == ".h5":
        pytest.importorskip("h5py")
    small_model(tmp_path / ("m" + suffix))
    raw = (tmp_path / ("m" + suffix)).read_bytes()
    rng = np.random.default_rng(0)
    refused = 0
    for i in range(40):
        b = bytearray(raw)
        if i % 2:
            b = b[:int(rng.integers(1, len(b)))]
        else:
            j = int(rng.integers(0, len(b) - 50))
            b[j:j + 50] = bytes(rng.integers(0, 256, 50).tolist())
        try:
            from glassnet.playground.opened import OpenedModel
            om = OpenedModel.from_upload("m" + suffix, bytes(b))
        except ParamError as exc:
            assert "cannot open the file" in str(exc)
            refused += 1
            continue
        om.info()
        om.response({})
        om.close()
    assert refused > 0
