"""The training doctor on real failures: Diagnostics' records and diagnose()'s findings.

Each failure is a real training run on small real data (scikit-learn's bundled digits and breast
cancer data; the course's gems file when the local copies are there), a few seconds each.  The
findings are asserted by kind (and, where the cause is unambiguous, as the only finding); the
records are checked against numbers computed independently from the model.
"""
import numpy as np
import pytest

from glassnet import callbacks, datasets, initializers, layers, optimizers, utils
from glassnet.callbacks import Diagnostics
from glassnet.doctor import Diagnosis, diagnose, read_diagnostics_csv
from glassnet.models import Model, Sequential


def _digits():
    (xtr, ytr), (xte, yte) = datasets.digits.load_data(seed=0)
    return (xtr.reshape(len(xtr), -1) / np.float32(16), ytr), (xte.reshape(len(xte), -1) / np.float32(16), yte)


def _digits_net(*hidden, activation="relu", name=None):
    return Sequential([layers.Input((64,))] + [layers.Dense(n, activation=activation) for n in hidden]
                      + [layers.Dense(10, activation="softmax")], name=name)


def _cancer(seed=101):
    frame = datasets.cancer_classification()
    x = frame.drop(columns=[datasets.tabular.CANCER_LABEL]).to_numpy(np.float32)
    y = frame[datasets.tabular.CANCER_LABEL].to_numpy().astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * 0.75)
    lo, hi = x[:split].min(axis=0), x[:split].max(axis=0)
    x = (x - lo) / np.where(hi > lo, hi - lo, 1)
    return (x[:split], y[:split]), (x[split:], y[split:])


# ----------------------------------------------------------------------------- the records
def test_records_match_numbers_computed_from_the_model():
    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(16, 8)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    probe = x[:50]
    diag = Diagnostics(probe=probe)
    history = model.fit(x[:200], y[:200], epochs=2, batch_size=200, shuffle=False, verbose=0, callbacks=[diag])
    rec = history.diagnostics
    assert rec is diag.diagnostics
    assert len({len(v) for v in rec.values()}) == 1 and len(rec["epoch"]) == 2 * 3    # 2 epochs x 3 layers
    assert rec["layer"][:3] == [l.name for l in model.layers]
    assert rec["activation"][:3] == ["relu", "relu", "softmax"]
    # weight and bias norms at the end of the last epoch
    for i, layer in enumerate(model.layers):
        kernel, bias = layer.get_weights()
        assert rec["weight_norm"][3 + i] == pytest.approx(np.linalg.norm(kernel), rel=1e-6)
        assert rec["bias_norm"][3 + i] == pytest.approx(np.linalg.norm(bias), rel=1e-6)
    # one step per epoch (a full batch): the gradient norm is that step's, the update ratio
    # is ||lr * g|| / ||W_before|| for plain SGD
    g = [np.sqrt(sum(float((v.grad.astype(np.float64) ** 2).sum()) for v in l.weights)) for l in model.layers]
    assert rec["grad_norm"][3:] == pytest.approx(g, rel=1e-5)
    for i in range(3):
        assert rec["update_ratio"][3 + i] == pytest.approx(0.1 * g[i] / np.sqrt(
            rec["weight_norm"][i] ** 2 + rec["bias_norm"][i] ** 2), rel=1e-3)
    # activations on the probe, recomputed layer by layer with NumPy
    a = probe.astype(np.float64)
    for i, layer in enumerate(model.layers):
        kernel, bias = layer.get_weights()
        z = a @ kernel + bias
        a = np.maximum(z, 0) if i < 2 else np.exp(z - z.max(1, keepdims=True)) / np.exp(
            z - z.max(1, keepdims=True)).sum(1, keepdims=True)
        assert rec["act_mean"][3 + i] == pytest.approx(a.mean(), rel=1e-4, abs=1e-6)
        assert rec["act_std"][3 + i] == pytest.approx(a.std(), rel=1e-4, abs=1e-6)
        if i < 2:
            assert rec["dead_relu"][3 + i] == pytest.approx(np.mean(np.all(a == 0, axis=0)))
    assert rec["nonfinite"] == [0] * 6


def test_probe_is_captured_from_training_batches_and_the_model_is_left_alone():
    utils.set_random_seed(1)
    (x, y), _ = _digits()
    model = _digits_net(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    diag = Diagnostics(probe_size=40, every=2)
    model.fit(x[:100], y[:100], epochs=3, batch_size=16, verbose=0, callbacks=[diag])
    assert diag.probe[0].shape == (40, 64)
    rows = {tuple(r) for r in x[:100]}
    assert all(tuple(r) in rows for r in diag.probe[0])        # training rows
    assert sorted(set(diag.diagnostics["epoch"])) == [0, 2]     # every=2
    assert "train_step" not in vars(model)                      # the capture is undone
    # a model trained without the callback, from the same seed, gets the same weights
    utils.set_random_seed(1)
    other = _digits_net(8)
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    other.fit(x[:100], y[:100], epochs=3, batch_size=16, verbose=0)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_functional_model_and_dataframe():
    pd = pytest.importorskip("pandas")
    inp = layers.Input((64,))
    h1 = layers.Dense(8, activation="tanh", name="left")(inp)
    h2 = layers.Dense(8, activation="relu", name="right")(inp)
    out = layers.Dense(10, activation="softmax", name="out")(layers.Concatenate()([h1, h2]))
    model = Model(inp, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    (x, y), _ = _digits()
    history = model.fit(x[:64], y[:64], epochs=1, verbose=0, callbacks=[Diagnostics()])
    frame = pd.DataFrame(history.diagnostics)
    assert list(frame["layer"]) == ["left", "right", "out"]
    assert frame.loc[0, "saturated"] >= 0 and np.isnan(frame.loc[0, "dead_relu"])
    assert frame.loc[1, "dead_relu"] >= 0 and np.isnan(frame.loc[1, "saturated"])


def test_nested_model_layers_and_two_inputs():
    """A Sequential inside a two-input functional model: its layers are recorded one by one."""
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(80, 3)).astype(np.float32), rng.normal(size=(80, 2)).astype(np.float32)
    y = (xa[:, 0] > 0).astype(np.float32)
    a, b = layers.Input((3,)), layers.Input((2,))
    inner = Sequential([layers.Input((5,)), layers.Dense(4, activation="relu", name="inner_relu"),
                        layers.Dropout(0.3)], name="inner")
    out = layers.Dense(1, activation="sigmoid", name="out")(inner(layers.Concatenate()([a, b])))
    model = Model([a, b], out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    diag = Diagnostics(probe_size=30)
    rec = model.fit([xa, xb], y, epochs=2, verbose=0, callbacks=[diag]).diagnostics
    assert rec["layer"][:2] == ["inner_relu", "out"]
    assert [p.shape for p in diag.probe] == [(30, 3), (30, 2)]
    kernel, bias = model.get_layer("inner").get_layer("inner_relu").get_weights()
    relu = np.maximum(np.hstack(diag.probe) @ kernel + bias, 0)
    assert rec["act_mean"][2] == pytest.approx(relu.mean(), rel=1e-5, abs=1e-7)


def test_bad_arguments():
    with pytest.raises(ValueError, match="every"):
        Diagnostics(every=0)
    with pytest.raises(ValueError, match="probe_size"):
        Diagnostics(probe_size=2.5)
    with pytest.raises(TypeError, match="history"):
        diagnose(None, history=42)


def test_tensorboard_gets_the_records(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x[:64], y[:64], epochs=2, verbose=0,
                        callbacks=[callbacks.TensorBoard(log_dir=str(tmp_path)), Diagnostics()])
    acc = ea.EventAccumulator(str(tmp_path / "diagnostics"), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    name = model.layers[0].name
    assert f"{name}/grad_norm" in acc.Tags()["tensors"] and f"{name}/dead_relu" in acc.Tags()["tensors"]
    series = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(f"{name}/grad_norm")]
    rec = history.diagnostics
    expected = [(e, g) for e, l, g in zip(rec["epoch"], rec["layer"], rec["grad_norm"]) if l == name]
    assert [s for s, _ in series] == [e for e, _ in expected]
    np.testing.assert_allclose([v for _, v in series], [g for _, g in expected], rtol=1e-6)   # float32 in the file


# -------------------------------------------------------------------------- the failures
def test_healthy_run_gets_no_finding():
    utils.set_random_seed(0)
    (x, y), (xv, yv) = _digits()
    model = _digits_net(64, 32)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, validation_data=(xv, yv), verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert found.healthy, str(found)
    assert history.history["val_accuracy"][-1] > 0.9


def test_ten_sigmoid_layers_are_vanishing_gradients():
    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(*[32] * 9, activation="sigmoid")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert found.kinds == ["vanishing_gradients"], str(found)
    numbers = found[0].numbers
    assert numbers["first_to_last"] < 1e-4
    # the notes' bound: each sigmoid layer multiplies the error by f'(z) <= 0.25 (and by W)
    assert numbers["factor_per_layer"] < 0.5


def test_digits_with_learning_rate_5_is_too_high():
    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(64, 32)
    model.compile(optimizer=optimizers.SGD(learning_rate=5.0), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=8, verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert found.kinds[0] == "learning_rate_too_high", str(found)
    assert found[0].numbers["update_ratio"] > 0.05
    assert "learning_rate=5" in found[0].title


def test_learning_rate_too_low():
    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(64, 32)
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-5), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=6, verbose=0, callbacks=[Diagnostics()])
    assert diagnose(model, history).kinds == ["learning_rate_too_low"]


def test_huge_initial_weights_are_exploding_gradients():
    """Eight ReLU layers drawn from N(0, 1) (He would use N(0, 2/32)): z grows ~4x per layer."""
    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = Sequential([layers.Input((64,))] + [layers.Dense(32, activation="relu",
                                                             kernel_initializer=initializers.RandomNormal(stddev=1.0))
                                                for _ in range(8)] + [layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e-7), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert "exploding_gradients" in found.kinds, str(found)
    numbers = found[found.kinds.index("exploding_gradients")].numbers
    assert numbers["spread_growth"] > 100
    ratios = numbers["layers"]
    rec = history.diagnostics
    for layer, ratio in ratios.items():
        i = rec["layer"].index(layer)                      # epoch 0 rows come first
        assert ratio == pytest.approx(rec["grad_norm"][i] / rec["weight_norm"][i]) and ratio > 10


def test_logistic_regression_on_xor_underfits():
    """No hidden layer: no straight line separates XOR, the loss stays near ln 2."""
    utils.set_random_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=np.float32)
    y = np.array([0, 1, 1, 0] * 8, dtype=np.float32)
    model = Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=60, batch_size=8, verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert found.kinds == ["underfitting"], str(found)
    assert found[0].numbers["final_loss"] == pytest.approx(np.log(2), abs=0.02)     # the best a line can do
    assert found[0].numbers["accuracy"] <= 0.75


def test_unscaled_inputs_saturate_sigmoid_units():
    """The breast-cancer features unscaled (areas up to 2,501): z = a W + b of the sigmoid hidden layer
    is far out in the tails on every row, f'(z) ~ 0, and SGD leaves the loss at the majority-class level."""
    frame = datasets.cancer_classification()
    x = frame.drop(columns=[datasets.tabular.CANCER_LABEL]).to_numpy(np.float32)
    y = frame[datasets.tabular.CANCER_LABEL].to_numpy().astype(np.float32)

    def run(x):
        utils.set_random_seed(0)
        model = Sequential([layers.Input((30,)), layers.Dense(16, activation="sigmoid", name="hidden"),
                            layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=10, batch_size=32, verbose=0, callbacks=[Diagnostics()])
        return history, diagnose(model, history)

    history, found = run(x)
    assert found.kinds == ["saturation"], str(found)
    assert found[0].numbers["layers"]["hidden"] == history.diagnostics["saturated"][-2] >= 0.5
    stuck = history.history["loss"][-1]
    history, found = run((x - x.mean(axis=0)) / x.std(axis=0))          # the same network on scaled inputs
    assert found.healthy, str(found)
    assert history.diagnostics["saturated"][-2] < 0.5 and history.history["loss"][-1] < 0.75 * stuck


def test_gradient_descent_just_above_its_stability_limit_grows_the_loss():
    """Linear least squares by full-batch gradient descent diverges when eta > 2 / lambda_max of the cost's
    Hessian (2/n X^T X, bias included).  At eta = 2.004 / lambda_max the unstable direction grows by
    |1 - 2.004|^2 ~ 1.008 per epoch: the loss first falls, then grows slowly (by less than 2 % per epoch,
    too little for the oscillation rule) and ends above its first value."""
    frame = datasets.cancer_classification()
    x = frame.drop(columns=[datasets.tabular.CANCER_LABEL]).to_numpy(np.float64)
    y = frame[datasets.tabular.CANCER_LABEL].to_numpy().astype(np.float32)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    x1 = np.hstack([x, np.ones((len(x), 1))])
    lam = float(np.linalg.eigvalsh(2 / len(x) * x1.T @ x1).max())

    def run(c):
        utils.set_random_seed(0)
        model = Sequential([layers.Input((30,)), layers.Dense(1)])
        model.compile(optimizer=optimizers.SGD(learning_rate=c / lam), loss="mse")
        history = model.fit(x.astype(np.float32), y, epochs=200, batch_size=len(x), shuffle=False, verbose=0)
        return history.history["loss"], diagnose(model, history)

    loss, found = run(2.004)
    assert min(loss) < loss[0] < loss[-1]
    assert found.kinds == ["learning_rate_too_high"], str(found)
    assert found[0].numbers["loss_growth"] == pytest.approx(loss[-1] / loss[0]) and "grew" in found[0].evidence
    loss, found = run(1.9)                       # below the limit: it converges
    assert found.healthy and loss[-1] < 0.1 * loss[0], str(found)


def test_a_history_with_epoch_numbers_is_told_in_them():
    """A history sampled every 5 epochs (CSVLogger's 0-based ``epoch`` column, as the playground keeps
    it): the findings name the epochs, not the positions."""
    epochs = list(range(4, 100, 5))                          # after 5, 10, ..., 100 epochs
    loss = [1.0 / (1 + 0.3 * k) for k in range(20)]
    val = [0.9 - 0.05 * k for k in range(8)] + [0.6 + 0.04 * k for k in range(12)]      # lowest at the 8th value
    found = diagnose(None, {"epoch": epochs, "loss": loss, "val_loss": val})
    assert found.kinds == ["overfitting"], str(found)
    assert "lowest in epoch 40 (0.55)" in found[0].evidence and found[0].numbers["best_epoch"] == 39
    flat = diagnose(None, {"epoch": epochs, "loss": [0.7 - 1e-4 * k for k in range(20)]})
    assert flat.kinds == ["underfitting"] and "in 96 epochs" in flat[0].evidence     # epochs 5 to 100
    with pytest.raises(ValueError, match=r"history\['epoch'\] must hold one increasing"):
        diagnose(None, {"epoch": [0, 2, 1], "loss": [1.0, 0.9, 0.8]})


def test_cancer_without_dropout_trained_long_overfits():
    utils.set_random_seed(0)
    (x, y), (xv, yv) = _cancer()
    model = Sequential([layers.Input((30,)), layers.Dense(30, activation="relu"),
                        layers.Dense(15, activation="relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=600, validation_data=(xv, yv), verbose=0, callbacks=[Diagnostics(every=20)])
    found = diagnose(model, history)
    assert found.kinds == ["overfitting"], str(found)
    n = found[0].numbers
    val = history.history["val_loss"]
    assert n["best_epoch"] == int(np.argmin(val)) and n["final_val_loss"] == val[-1]
    assert n["final_val_loss"] > 1.2 * n["best_val_loss"]


def test_a_relu_layer_dead_from_its_initialization_is_dying_relu():
    """A layer whose biases start at -50 outputs 0 for every (scaled) input: every unit is dead."""
    utils.set_random_seed(0)
    (x, y), _ = _cancer()
    model = Sequential([layers.Input((30,)), layers.Dense(16, activation="relu"),
                        layers.Dense(8, activation="relu", bias_initializer=initializers.Constant(-50.0),
                                     name="dead"),
                        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[Diagnostics()])
    found = diagnose(model, history)
    assert "dying_relu" in found.kinds, str(found)
    finding = found[found.kinds.index("dying_relu")]
    assert finding.numbers["dead"]["dead_share"] == 1.0 and finding.numbers["dead"]["units"] == 8
    assert "whole layer" in finding.title


@pytest.mark.parametrize("seed,dead", [(3, True), (7, True), (42, False)])
def test_gems_regression_dead_seeds_are_dying_relu(shared_datasets, seed, dead):
    """The course's gems regression (docs/RESULTS.md): seeds 3 and 7 leave a 4-unit layer dead."""
    pytest.importorskip("sklearn")
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    frame = datasets.fake_reg(str(shared_datasets / "fake_reg.csv"))
    x, y = frame[["feature1", "feature2"]].values, frame["price"].values
    x_train, _, y_train, _ = train_test_split(x, y, test_size=0.3, random_state=42)
    x_train = MinMaxScaler().fit(x_train).transform(x_train)
    utils.set_random_seed(seed)
    model = Sequential([layers.Input((2,)), layers.Dense(4, activation="relu"), layers.Dense(4, activation="relu"),
                        layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    history = model.fit(x_train, y_train, epochs=250, verbose=0, callbacks=[Diagnostics(every=10)])
    found = diagnose(model, history)
    if dead:
        assert "dying_relu" in found.kinds, str(found)
        assert any(v["dead_share"] == 1.0 for v in found[found.kinds.index("dying_relu")].numbers.values())
    else:
        assert found.healthy, str(found)


def test_diagnosis_prints_and_serializes():
    found = diagnose(None, {"loss": [1.0, 0.99, 0.985, 0.98, 0.979, 0.978]})
    assert isinstance(found, Diagnosis) and found.kinds == ["underfitting"]
    text = str(found)
    assert "1.0 ->" not in text and "0.978" in text
    assert found.to_dict()[0]["numbers"]["final_loss"] == 0.978
    assert str(diagnose(None, {"loss": [1.0, 0.5, 0.25]})).startswith("No finding")
    diverged = diagnose(None, {"loss": [1.0, 3.0, float("nan")]})
    assert diverged.kinds == ["learning_rate_too_high"] and "nan" in diverged[0].evidence


def test_diagnostics_csv_round_trip(tmp_path):
    import csv

    from glassnet.callbacks.diagnostics import COLUMNS

    utils.set_random_seed(0)
    (x, y), _ = _digits()
    model = _digits_net(8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rec = model.fit(x[:64], y[:64], epochs=2, verbose=0, callbacks=[Diagnostics()]).diagnostics
    path = tmp_path / "diagnostics.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(zip(*(rec[c] for c in COLUMNS)))
    back = read_diagnostics_csv(path)
    assert back["layer"] == rec["layer"]
    np.testing.assert_allclose(back["grad_norm"], rec["grad_norm"])
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a diagnostics file"):
        read_diagnostics_csv(tmp_path / "bad.csv")


def test_example_script_runs_and_finds_what_it_says(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "training_doctor.py"
    spec = importlib.util.spec_from_file_location("example_training_doctor", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--epochs", "3", "--out", str(tmp_path)])
    assert result["deep"].kinds == ["vanishing_gradients"] and result["relu"].healthy
    assert 1e-4 < result["suggestion"] < 1.0
    assert (tmp_path / "doctor.png").stat().st_size > 10_000 and (tmp_path / "lr_finder.png").exists()


def test_plot_of_a_diverged_run_with_no_finite_number(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from glassnet import plot
    from glassnet.callbacks.diagnostics import COLUMNS

    nan = float("nan")
    records = {c: [nan, nan] for c in COLUMNS}
    records.update({"epoch": [0, 1], "layer": ["d", "d"], "activation": ["relu", "relu"], "units": [3, 3],
                    "nonfinite": [12, 12]})
    plt.close(plot.diagnostics(records, path=tmp_path / "d.png"))
    assert (tmp_path / "d.png").exists()
    assert diagnose(None, {"loss": [nan, nan]}, diagnostics=records).kinds == ["learning_rate_too_high", "nonfinite"]
    with pytest.raises(ValueError, match="Diagnostics records"):
        plot.diagnostics({})
