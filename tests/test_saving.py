"""Persistence: .keras, legacy .h5, .weights.h5 and JSON, checked against files Keras itself wrote.

The Keras-made fixtures in tests/reference/keras_files/ come from
tests/reference/make_keras_files.py (Keras 3.15.1); expected.json holds what
Keras had in memory when it wrote them (weights, optimizer variables,
predictions, compile arguments, and the weights after Keras continued training
from the file).  The opposite direction (glassnet's files loaded by Keras) is
checked by tests/reference/check_keras_roundtrip.py, which needs TensorFlow.
"""
from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import glassnet  # noqa: E402
from glassnet.layers import Dense, Dropout, Input  # noqa: E402
from glassnet.models import Sequential, load_model, model_from_json  # noqa: E402
from glassnet.saving import ModelFileError  # noqa: E402

KERAS_FILES = Path(__file__).resolve().parent / "reference" / "keras_files"
EXPECTED = json.loads((KERAS_FILES / "expected.json").read_text())
X = np.load(KERAS_FILES / "x.npy")
X_TRAIN = np.load(KERAS_FILES / "x_train.npy")
Y_CLASS = np.load(KERAS_FILES / "y_class.npy")
Y_REG = np.load(KERAS_FILES / "y_reg.npy")
SRC = Path(__file__).resolve().parents[1] / "src"


# ---------------------------------------------------------------------- helpers
def classifier(seed=0, dropout=True):
    glassnet.set_random_seed(seed)
    layers = [Input((4,)), Dense(8, activation="relu")]
    if dropout:
        layers.append(Dropout(0.25))
    layers.append(Dense(3, activation="softmax"))
    model = Sequential(layers)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def regressor(seed=0, optimizer=None, loss="mse"):
    glassnet.set_random_seed(seed)
    model = Sequential([Input((4,)), Dense(8, activation="tanh"), Dense(2)])
    model.compile(optimizer=optimizer or glassnet.optimizers.Adam(0.01), loss=loss, metrics=["mae"])
    return model


def f32(nested):
    return np.asarray(nested, dtype=np.float32)


def opt_arrays(model):
    return [v.numpy() for v in model.optimizer.variables]


def assert_same_arrays(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        b = np.asarray(b, dtype=np.asarray(a).dtype)
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def h5_tree(f, skip_attrs=()):
    """{path: (attrs, shape, dtype)} of an open HDF5 file, for layout comparisons."""
    out = {"/": {k: _attr(v) for k, v in f.attrs.items() if k not in skip_attrs}}

    def visit(name, obj):
        attrs = {k: _attr(v) for k, v in obj.attrs.items() if k not in skip_attrs}
        if isinstance(obj, h5py.Dataset):
            out[name] = (attrs, obj.shape, str(obj.dtype))
        else:
            out[name] = (attrs, None, None)

    f.visititems(visit)
    return out


def _attr(v):
    if isinstance(v, np.ndarray):
        return [x.decode() if isinstance(x, bytes) else x for x in v.tolist()], str(v.dtype)
    return v.decode() if isinstance(v, bytes) else v


def zip_h5(path):
    with zipfile.ZipFile(path) as zf:
        return h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")


# ====================================================================== Keras -> glassnet
@pytest.mark.parametrize("name", ["classifier", "regressor"])
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_written_model_loads_with_keras_state(name, ext):
    exp = EXPECTED[name]
    model = load_model(KERAS_FILES / f"{name}{ext}")
    assert [l.name for l in model.layers] == exp["layer_names"]
    assert_same_arrays(model.get_weights(), exp["weights"])                 # bit for bit
    assert_same_arrays(opt_arrays(model), exp["optimizer_variables"])       # slots in Keras's order
    assert model.optimizer.iterations == exp["iterations"]
    # Predictions: same weights, same formula; TF and NumPy sum the products in different
    # orders, so they agree to float32 rounding.
    np.testing.assert_allclose(model.predict(X, verbose=0), f32(exp["predictions"]), rtol=1e-6, atol=2e-7)
    cc = model.get_compile_config()
    want = exp["compile_config"]
    assert cc["optimizer"] == want["optimizer"]
    assert (cc["loss"], cc["metrics"], cc["loss_weights"]) == (want["loss"], want["metrics"], want["loss_weights"])


def test_keras_regressor_h5_with_mse_loads_and_compiles():
    # Keras 3.15.1 cannot load this file back with compile=True; glassnet can.
    assert EXPECTED["regressor"]["keras_loads_own_h5"] is False
    model = load_model(KERAS_FILES / "regressor.h5")
    assert model.compiled and model.loss == "mse"
    logs = model.evaluate(X_TRAIN, Y_REG, verbose=0, return_dict=True)
    pred = model.predict(X_TRAIN, verbose=0)
    np.testing.assert_allclose(logs["loss"], np.mean((pred - Y_REG) ** 2), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(pred - Y_REG)), rtol=1e-5)


def test_keras_weights_h5_loads_weights_and_optimizer_state():
    model = classifier()
    model.load_weights(KERAS_FILES / "classifier.weights.h5")
    assert_same_arrays(model.get_weights(), EXPECTED["classifier"]["weights"])
    assert_same_arrays(opt_arrays(model), EXPECTED["classifier"]["optimizer_variables"])


def test_continuing_training_from_a_keras_file_matches_keras():
    cont = EXPECTED["regressor"]["continued"]
    model = load_model(KERAS_FILES / "regressor.keras")
    history = model.fit(X_TRAIN, Y_REG, epochs=cont["epochs"], batch_size=cont["batch_size"], shuffle=False,
                        verbose=0)
    assert model.optimizer.iterations == cont["iterations"]
    for got, want in zip(model.get_weights(), cont["weights"]):
        np.testing.assert_allclose(got, f32(want), rtol=0, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], cont["loss"], rtol=1e-6)


@pytest.mark.parametrize("ext", [".keras", ".weights.h5", ".h5"])
def test_files_glassnet_writes_have_keras_layout(tmp_path, ext):
    model = load_model(KERAS_FILES / "classifier.keras")
    ours = tmp_path / f"m{ext}"
    if ext == ".weights.h5":
        model.save_weights(ours)
        with h5py.File(KERAS_FILES / "classifier.weights.h5") as a, h5py.File(ours) as b:
            assert h5_tree(b) == h5_tree(a)
    elif ext == ".keras":
        model.save(ours)
        with zipfile.ZipFile(KERAS_FILES / "classifier.keras") as za, zipfile.ZipFile(ours) as zb:
            # Keras's three members, in Keras's order, stored; then glassnet's own random state
            assert [(i.filename, i.compress_type) for i in zb.infolist()] == \
                   [(i.filename, i.compress_type) for i in za.infolist()] + [("glassnet_state.json", 0)]
            assert json.loads(zb.read("metadata.json")).keys() == json.loads(za.read("metadata.json")).keys()
            ca, cb = json.loads(za.read("config.json")), json.loads(zb.read("config.json"))
        with zip_h5(KERAS_FILES / "classifier.keras") as a, zip_h5(ours) as b:
            assert h5_tree(b) == h5_tree(a)
        assert cb["compile_config"] == ca["compile_config"]
        assert [(e["class_name"], e["config"]["name"]) for e in cb["config"]["layers"]] == \
               [(e["class_name"], e["config"]["name"]) for e in ca["config"]["layers"]]
        assert (cb["module"], cb["class_name"], cb["registered_name"], cb["build_config"]) == \
               (ca["module"], ca["class_name"], ca["registered_name"], ca["build_config"])
    else:
        model.save(ours)
        skip = ("backend",)      # Keras writes its backend's name ('tensorflow'); glassnet writes 'numpy'
        with h5py.File(KERAS_FILES / "classifier.h5") as a, h5py.File(ours) as b:
            ta, tb = h5_tree(a, skip), h5_tree(b, skip)
            ma, mb = ta["/"].pop("model_config"), tb["/"].pop("model_config")
            assert tb == ta
            assert json.loads(tb["/"]["training_config"]) == json.loads(ta["/"]["training_config"])
            assert [l["class_name"] for l in json.loads(mb)["config"]["layers"]] == \
                   [l["class_name"] for l in json.loads(ma)["config"]["layers"]]


# ====================================================================== glassnet round trips
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_round_trip_restores_everything(tmp_path, ext):
    model = classifier(seed=1)
    model.fit(X_TRAIN, Y_CLASS, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / f"model{ext}"
    model.save(path)
    back = load_model(path)
    assert back.get_config() == model.get_config()
    assert back.get_compile_config() == model.get_compile_config()
    assert_same_arrays(back.get_weights(), model.get_weights())
    assert_same_arrays(opt_arrays(back), opt_arrays(model))
    np.testing.assert_array_equal(back.predict(X, verbose=0), model.predict(X, verbose=0))
    assert back.evaluate(X_TRAIN, Y_CLASS, verbose=0) == model.evaluate(X_TRAIN, Y_CLASS, verbose=0)


@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5"])
@pytest.mark.parametrize("opt", ["adam", "sgd_momentum", "rmsprop", "adagrad"])
def test_resume_training_equals_uninterrupted_training_bit_for_bit(tmp_path, ext, opt):
    def make():
        optimizer = {"adam": lambda: glassnet.optimizers.Adam(0.01),
                     "sgd_momentum": lambda: glassnet.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                     "rmsprop": lambda: glassnet.optimizers.RMSprop(0.005),
                     "adagrad": lambda: glassnet.optimizers.Adagrad(0.05)}[opt]()
        return regressor(seed=5, optimizer=optimizer)

    fit = dict(batch_size=8, shuffle=False, verbose=0)
    whole = make()
    h4 = whole.fit(X_TRAIN, Y_REG, epochs=4, **fit).history["loss"]

    first = make()
    h2 = first.fit(X_TRAIN, Y_REG, epochs=2, **fit).history["loss"]
    path = tmp_path / f"ckpt{ext}"
    if ext == ".weights.h5":
        first.save_weights(path)
        second = make()                       # same architecture, compiled, fresh state
        second.load_weights(path)
    else:
        first.save(path)
        second = load_model(path)
    h2b = second.fit(X_TRAIN, Y_REG, epochs=2, **fit).history["loss"]

    assert h2 + h2b == h4
    assert_same_arrays(second.get_weights(), whole.get_weights())
    assert_same_arrays(opt_arrays(second), opt_arrays(whole))


def test_uncompiled_and_unbuilt_models(tmp_path):
    model = Sequential([Input((4,)), Dense(3)])
    model.save(tmp_path / "u.keras")
    with zipfile.ZipFile(tmp_path / "u.keras") as zf:
        assert json.loads(zf.read("config.json"))["compile_config"] == {}
        with h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as f:
            assert "optimizer" not in f
    back = load_model(tmp_path / "u.keras")
    assert not back.compiled
    assert_same_arrays(back.get_weights(), model.get_weights())

    unbuilt = Sequential([Dense(3)])
    with pytest.warns(UserWarning, match="not yet been built"):
        unbuilt.save(tmp_path / "unbuilt.keras")
    assert not load_model(tmp_path / "unbuilt.keras").built
    with pytest.raises(ValueError, match="not been built"):
        unbuilt.save_weights(tmp_path / "unbuilt.weights.h5")
    with pytest.raises(ValueError, match="not been built"):
        unbuilt.load_weights(tmp_path / "u.keras")


def test_compile_false_gives_an_uncompiled_model():
    for ext in (".keras", ".h5"):
        model = load_model(KERAS_FILES / f"classifier{ext}", compile=False)
        assert not model.compiled
        assert_same_arrays(model.get_weights(), EXPECTED["classifier"]["weights"])


def test_model_with_a_learning_rate_schedule_round_trips(tmp_path):
    schedule = glassnet.optimizers.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)
    model = regressor(seed=2, optimizer=glassnet.optimizers.SGD(schedule))
    model.fit(X_TRAIN, Y_REG, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "s.keras")
    back = load_model(tmp_path / "s.keras")
    assert back.optimizer.iterations == 3
    assert back.optimizer.learning_rate == model.optimizer.learning_rate
    assert len(back.optimizer.variables) == len(model.optimizer.variables)   # no learning_rate variable


def test_load_weights_from_every_format(tmp_path):
    source = classifier(seed=3)
    source.fit(X_TRAIN, Y_CLASS, epochs=1, batch_size=8, verbose=0)
    source.save(tmp_path / "m.keras")
    source.save(tmp_path / "m.h5")
    source.save_weights(tmp_path / "m.weights.h5")
    for name in ("m.keras", "m.h5", "m.weights.h5"):
        target = classifier(seed=4)
        target.load_weights(tmp_path / name)
        assert_same_arrays(target.get_weights(), source.get_weights())
    legacy_target = classifier(seed=4)
    legacy_target.load_weights(KERAS_FILES / "classifier.h5")
    assert_same_arrays(legacy_target.get_weights(), EXPECTED["classifier"]["weights"])


def test_load_weights_shape_mismatch_raises_or_skips(tmp_path):
    source = classifier(seed=3)
    source.save_weights(tmp_path / "m.weights.h5")
    source.save(tmp_path / "m.h5")
    glassnet.set_random_seed(9)
    wide = Sequential([Input((4,)), Dense(16, activation="relu"), Dropout(0.25), Dense(3, activation="softmax")])
    before = wide.get_weights()
    for name in ("m.weights.h5", "m.h5"):
        with pytest.raises(ModelFileError, match=r"shape.*\(4, 16\)|\(4, 16\).*shape"):
            wide.load_weights(tmp_path / name)
        assert_same_arrays(wide.get_weights(), before)          # nothing half-loaded
    with pytest.warns(UserWarning, match="skip_mismatch"):
        wide.load_weights(tmp_path / "m.weights.h5", skip_mismatch=True)
    got = wide.get_weights()
    np.testing.assert_array_equal(got[0], before[0])            # the mismatched layer kept its weights
    np.testing.assert_array_equal(got[3], source.get_weights()[3])   # the matching one was loaded


def test_to_json_and_model_from_json():
    model = classifier(seed=6)
    text = model.to_json()
    config = json.loads(text)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["compile_config"] == model.get_compile_config()
    back = model_from_json(text)
    assert back.get_config() == model.get_config()
    assert back.compiled                               # as Keras does when compile_config is present
    assert model.to_json(indent=2) == json.dumps(config, indent=2)
    # Keras's own JSON (its config.json is what Keras's to_json returns)
    with zipfile.ZipFile(KERAS_FILES / "classifier.keras") as zf:
        keras_json = zf.read("config.json").decode()
    from_keras = model_from_json(keras_json)
    assert [l.name for l in from_keras.layers] == EXPECTED["classifier"]["layer_names"]
    assert from_keras.get_compile_config()["optimizer"] == EXPECTED["classifier"]["compile_config"]["optimizer"]


def test_custom_objects_are_only_taken_from_the_caller(tmp_path):
    def my_loss(y_true, y_pred):
        return glassnet.losses.mean_squared_error(y_true, y_pred)

    model = regressor(seed=1, loss=my_loss)
    model.save(tmp_path / "c.keras")
    with pytest.raises(ModelFileError, match="my_loss"):
        load_model(tmp_path / "c.keras")
    back = load_model(tmp_path / "c.keras", custom_objects={"my_loss": my_loss})
    assert back.compiled
    assert load_model(tmp_path / "c.keras", compile=False).built


# ====================================================================== paths and arguments
def test_overwrite_false_refuses_an_existing_file(tmp_path):
    model = classifier()
    for name, save in (("m.keras", model.save), ("m.h5", model.save), ("m.weights.h5", model.save_weights)):
        path = tmp_path / name
        save(path)
        before = path.read_bytes()
        with pytest.raises(FileExistsError, match="overwrite"):
            save(path, overwrite=False)
        assert path.read_bytes() == before


def test_saved_files_get_ordinary_permissions(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    model = classifier()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    for name in ("m.keras", "m.weights.h5"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o666 & ~mask
    os.chmod(tmp_path / "m.keras", 0o640)
    model.save(tmp_path / "m.keras")                  # replacing a file keeps its mode
    assert os.stat(tmp_path / "m.keras").st_mode & 0o777 == 0o640


def test_unsupported_extensions(tmp_path):
    model = classifier()
    with pytest.raises(ValueError, match="unsupported file extension"):
        model.save(tmp_path / "m.pkl")
    with pytest.raises(ValueError, match=r"weights\.h5"):
        model.save(tmp_path / "m.weights.h5")          # weights-only name for a whole model
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="unsupported file format"):
        load_model(tmp_path / "m.pb")
    with pytest.raises(ValueError, match="unsupported file extension"):
        model.load_weights(tmp_path / "m.npz")
    with pytest.raises(TypeError, match="filepath"):
        model.save(123)
    with pytest.raises(ValueError, match="not supported"):
        model.save(tmp_path / "m.keras", bogus=1)


def test_missing_file_is_both_file_not_found_and_value_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_model(tmp_path / "nope.keras")
    with pytest.raises(ValueError, match="nope.h5"):
        load_model(tmp_path / "nope.h5")


def test_missing_h5py_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"glassnet\[h5\]"):
        classifier().save(tmp_path / "m.keras")


# ====================================================================== bad files
def _keras_bytes():
    return (KERAS_FILES / "classifier.keras").read_bytes()


def _zip_with(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _keras_members():
    with zipfile.ZipFile(KERAS_FILES / "classifier.keras") as zf:
        return {n: zf.read(n) for n in zf.namelist()}


BAD_FILES = {
    "text renamed .keras": ("m.keras", b"hello, I am a text file\n", "not a .keras archive.*text"),
    "empty .keras": ("m.keras", b"", "empty"),
    "h5 renamed .keras": ("m.keras", (KERAS_FILES / "classifier.h5").read_bytes(), "HDF5"),
    "truncated .keras": ("m.keras", _keras_bytes()[: len(_keras_bytes()) // 2], "truncated|corrupt"),
    "zip without config.json": ("m.keras", _zip_with([("metadata.json", b"{}"), ("model.weights.h5", b"")]),
                                "no config.json"),
    "config.json not JSON": ("m.keras", _zip_with([("config.json", b"{not json"),
                                                   ("model.weights.h5", _keras_members()["model.weights.h5"])]),
                             "config.json is not valid JSON"),
    "config.json not an object": ("m.keras", _zip_with([("config.json", b"[1, 2]"),
                                                        ("model.weights.h5", b"")]), "JSON object"),
    "zip without weights": ("m.keras", _zip_with([("config.json", _keras_members()["config.json"])]),
                            "no model.weights.h5"),
    "weights not HDF5": ("m.keras", _zip_with([("config.json", _keras_members()["config.json"]),
                                              ("model.weights.h5", b"garbage" * 10)]), "not an HDF5 file"),
    "text renamed .h5": ("m.h5", b"just text", "not an HDF5 file"),
    "truncated .h5": ("m.h5", (KERAS_FILES / "classifier.h5").read_bytes()[:3000], "HDF5|corrupt|truncated"),
    "weights file renamed .h5 model": ("m.h5", (KERAS_FILES / "classifier.weights.h5").read_bytes(),
                                       "weights only"),
    "empty .h5": ("m.h5", b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_corrupt_truncated_empty_and_foreign_files_raise_clear_errors(tmp_path, case):
    name, data, pattern = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match=pattern) as info:
        load_model(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


def test_h5_without_model_config(tmp_path):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("something", data=np.arange(3))
    with pytest.raises(ModelFileError, match="no model_config"):
        load_model(path)


def test_bad_weights_files(tmp_path):
    model = classifier()
    (tmp_path / "a.weights.h5").write_bytes(b"nope")
    with pytest.raises(ModelFileError, match="not a .weights.h5 file"):
        model.load_weights(tmp_path / "a.weights.h5")
    (tmp_path / "b.weights.h5").write_bytes((KERAS_FILES / "classifier.h5").read_bytes())
    with pytest.raises(ModelFileError, match="legacy whole-model"):
        model.load_weights(tmp_path / "b.weights.h5")
    other = Sequential([Input((4,)), Dense(8), Dense(3), Dense(3)])
    with pytest.raises(ModelFileError, match="dense_2"):
        other.load_weights(KERAS_FILES / "classifier.weights.h5")


def test_zip_with_path_traversal_is_refused_and_nothing_is_written(tmp_path):
    target = tmp_path / "inner"
    target.mkdir()
    members = _keras_members()
    evil = _zip_with([("../evil.txt", b"pwned"), ("/abs_evil.txt", b"pwned")] + list(members.items()))
    path = target / "evil.keras"
    path.write_bytes(evil)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ModelFileError, match=r"\.\./evil\.txt.*outside"):
        load_model(path)
    with pytest.raises(ModelFileError, match="outside"):
        classifier().load_weights(path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "evil.txt").exists()


def _config_with(tmp_path, edit):
    members = _keras_members()
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "edited.keras"
    path.write_bytes(_zip_with(members.items()))
    return path


@pytest.mark.parametrize("module", [None, "keras.layers", "this"])
def test_unknown_layer_class_is_refused_without_importing_anything(tmp_path, module):
    already = "this" in sys.modules

    def edit(config):
        layer = config["config"]["layers"][2]
        layer["class_name"] = "Lambda"
        layer["module"] = module
        layer["config"]["function"] = {"class_name": "__lambda__", "config": {"value": "ZXZpbA=="}}

    path = _config_with(tmp_path, edit)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert "Lambda" in message or "this" in message or "__lambda__" in message
    assert str(path) in message
    assert ("this" in sys.modules) == already          # nothing imported


def test_unknown_layer_message_lists_the_known_layers(tmp_path):
    def edit(config):
        config["config"]["layers"][2]["class_name"] = "LSTM"

    with pytest.raises(ModelFileError, match="unknown layer class 'LSTM'.*Dense.*Dropout"):
        load_model(_config_with(tmp_path, edit))


@pytest.mark.parametrize("entry", [
    {"module": "os", "class_name": "system", "config": {"command": "echo hi"}, "registered_name": None},
    {"class_name": "__lambda__", "config": {"value": "x"}},
    {"module": "keras.losses", "class_name": "Evil", "config": {}, "registered_name": "evil_pkg>Evil"},
])
def test_code_bearing_compile_configs_are_refused(tmp_path, entry):
    def edit(config):
        config["compile_config"]["loss"] = entry

    path = _config_with(tmp_path, edit)
    with pytest.raises(ModelFileError, match="refusing"):
        load_model(path)
    assert load_model(path, compile=False).built       # the compile config is not read then


def _keras_file_with_optimizer_vars(tmp_path, keep):
    members = _keras_members()
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "a") as f:
        group = f["optimizer/vars"]
        for key in list(group.keys()):
            if int(key) >= keep:
                del group[key]
    members["model.weights.h5"] = buf.getvalue()
    path = tmp_path / f"opt{keep}.keras"
    path.write_bytes(_zip_with(members.items()))
    return path


def test_optimizer_state_saved_before_the_optimizer_was_built(tmp_path):
    # What Keras writes for a model compiled but never trained: iteration and learning rate only.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(_keras_file_with_optimizer_vars(tmp_path, keep=2))
    assert model.optimizer.iterations == EXPECTED["classifier"]["iterations"]
    assert all(not v.numpy().any() for v in model.optimizer.variables[2:])      # slots as built
    assert_same_arrays(model.get_weights(), EXPECTED["classifier"]["weights"])


def test_optimizer_state_that_does_not_fit_is_skipped_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="skipping the optimizer state"):
        model = load_model(_keras_file_with_optimizer_vars(tmp_path, keep=9))
    assert model.optimizer.iterations == 0
    assert_same_arrays(model.get_weights(), EXPECTED["classifier"]["weights"])


def test_h5_external_links_are_refused(tmp_path):
    path = tmp_path / "linked.h5"
    path.write_bytes((KERAS_FILES / "classifier.h5").read_bytes())
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["kernel"] = np.zeros((4, 8), np.float32)
    with h5py.File(path, "a") as f:
        group = f["model_weights/dense/sequential/dense"]
        del group["kernel"]
        group["kernel"] = h5py.ExternalLink(str(other), "/kernel")
    with pytest.raises(ModelFileError, match="ExternalLink"):
        load_model(path)


# ====================================================================== atomic writes
# The writer saves the three formats in turn, forever.  Its file writes are slowed down (8 KiB
# chunks, 2 ms apart: a slow disk) so that most kills land in the middle of writing a file.
WRITER = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {src!r})
    sys.path.insert(0, {tests!r})
    import slow_disk
    slow_disk.install(8192)
    import numpy as np, glassnet
    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential
    glassnet.set_random_seed(0)
    model = Sequential([Input((4,)), Dense(64, activation="relu"), Dense(64), Dense(3)])
    model.compile("adam", "mse")
    folder = sys.argv[1]
    paths = [os.path.join(folder, n) for n in ("m.keras", "m.h5", "m.weights.h5")]

    def save(path):
        (model.save_weights if path.endswith(".weights.h5") else model.save)(path)

    base = model.get_weights()
    for path in paths:
        save(path)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        model.set_weights([w + np.float32(i) for w in base])
        save(paths[i % 3])
""")


def test_killing_a_writer_mid_save_leaves_loadable_files(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(src=str(SRC), tests=str(Path(__file__).resolve().parent)))
    folder = tmp_path / "out"
    folder.mkdir()
    rng = random.Random(1234)
    glassnet.set_random_seed(0)            # the writer's model, built the same way
    probe = Sequential([Input((4,)), Dense(64, activation="relu"), Dense(64), Dense(3)])
    probe.compile("adam", "mse")
    base = probe.get_weights()
    shifts = set()
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE)
        try:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.0, 0.2))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        for name in ("m.keras", "m.h5", "m.weights.h5"):
            if name == "m.weights.h5":
                probe.load_weights(folder / name)
                weights = probe.get_weights()
            else:
                weights = load_model(folder / name).get_weights()
            # a complete save: every array is the initial one shifted by the same integer i
            i = np.float32(np.round(weights[0].ravel()[0] - base[0].ravel()[0]))
            assert_same_arrays(weights, [b + i for b in base])
            shifts.add(float(i))
    assert len(shifts) > 1                  # the writer did overwrite the files between kills
    leftovers = [p.name for p in folder.iterdir() if not p.name.startswith("m.")]
    assert all(p.startswith(".m.") and p.endswith(".tmp") for p in leftovers)   # killed writers' temp files
