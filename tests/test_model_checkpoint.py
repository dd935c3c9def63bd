"""ModelCheckpoint: Keras's arguments, file names, decisions and messages, with small real fits."""
from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("h5py")

import glassnet  # noqa: E402
from glassnet.callbacks import LambdaCallback  # noqa: E402
from glassnet.callbacks.model_checkpoint import ModelCheckpoint  # noqa: E402
from glassnet.layers import Dense, Input  # noqa: E402
from glassnet.models import Sequential, load_model  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 4)).astype("float32")
Y = np.stack([X[:, 0] - X[:, 1], X[:, 2] * 0.5], axis=1).astype("float32")
XV = RNG.normal(size=(8, 4)).astype("float32")
YV = np.stack([XV[:, 0] - XV[:, 1], XV[:, 2] * 0.5], axis=1).astype("float32")
LABELS = (X[:, 0] > 0).astype(int)
VLABELS = (XV[:, 0] > 0).astype(int)


def regressor(seed=0, lr=0.05):
    glassnet.set_random_seed(seed)
    model = Sequential([Input((4,)), Dense(6, activation="tanh"), Dense(2)])
    model.compile(optimizer=glassnet.optimizers.Adam(lr), loss="mse")
    return model


def classifier(seed=0):
    glassnet.set_random_seed(seed)
    model = Sequential([Input((4,)), Dense(6, activation="relu"), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def weights_recorder(model):
    """A callback that keeps a copy of the model's weights at every epoch end."""
    seen = []
    return seen, LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()))


def assert_same(ws, vs):
    assert len(ws) == len(vs)
    for a, b in zip(ws, vs):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------- arguments
def test_arguments_are_checked_as_keras_does(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        ModelCheckpoint(str(tmp_path / "m.txt"))
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        ModelCheckpoint(str(tmp_path / "m.keras"), save_weights_only=True)
    for bad in ("batch", 0, -2, True, 1.5, None):
        with pytest.raises(ValueError, match="Unrecognized save_freq"):
            ModelCheckpoint(str(tmp_path / "m.keras"), save_freq=bad)
    with pytest.raises(TypeError, match="filepath"):
        ModelCheckpoint(42)
    cb = ModelCheckpoint(tmp_path / "m.h5")          # PathLike and the legacy format are fine
    assert (cb.monitor, cb.verbose, cb.save_best_only, cb.save_weights_only, cb.mode, cb.save_freq, cb.best) == \
           ("val_loss", 0, False, False, "auto", "epoch", None)


# ---------------------------------------------------------------------- every epoch
@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5"])
def test_saves_every_epoch_under_formatted_names(tmp_path, ext):
    model = regressor()
    seen, recorder = weights_recorder(model)
    pattern = str(tmp_path / ("ckpt-{epoch:02d}-{val_loss:.3f}" + ext))
    cb = ModelCheckpoint(pattern, save_weights_only=ext == ".weights.h5")
    history = model.fit(X, Y, epochs=3, batch_size=5, validation_data=(XV, YV), verbose=0,
                        callbacks=[recorder, cb])
    names = [f"ckpt-{e + 1:02d}-{v:.3f}{ext}" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    for name, weights in zip(names, seen):
        if ext == ".weights.h5":
            probe = regressor(seed=99)
            probe.load_weights(tmp_path / name)
        else:
            probe = load_model(tmp_path / name)
        assert_same(probe.get_weights(), weights)


def test_checkpoint_holds_the_full_training_state(tmp_path):
    # Resuming from the epoch-2 checkpoint gives exactly the 4-epoch run.
    model = regressor(seed=3)
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"))
    model.fit(X, Y, epochs=4, batch_size=5, shuffle=False, verbose=0, callbacks=[cb])
    resumed = load_model(tmp_path / "e2.keras")
    resumed.fit(X, Y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    assert_same(resumed.get_weights(), model.get_weights())
    assert resumed.optimizer.iterations == model.optimizer.iterations == 16


def test_verbose_messages_when_saving_every_epoch(tmp_path, capsys):
    path = str(tmp_path / "m.keras")
    regressor().fit(X, Y, epochs=2, batch_size=10, verbose=0, callbacks=[ModelCheckpoint(path, verbose=1)])
    assert capsys.readouterr().out == "".join(
        f"\nEpoch {e}: saving model to {path}\n\nEpoch {e}: finished saving model to {path}\n" for e in (1, 2))


# ---------------------------------------------------------------------- best only
def drive(cb, model, values, key="val_loss"):
    """Call the epoch hooks with the given monitored values; the weights at epoch e are base + e."""
    base = model.get_weights()
    cb.set_model(model)
    for epoch, value in enumerate(values):
        model.set_weights([w + np.float32(epoch) for w in base])
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {key: value, "loss": 1.0})
    return base


def test_save_best_only_decisions_and_messages(tmp_path, capsys):
    path = str(tmp_path / "best.weights.h5")
    model = regressor()
    cb = ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)
    base = drive(cb, model, [0.5, 0.7, 0.4, 0.4, 0.45])
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from None to 0.50000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        f"\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}\n"
        f"\nEpoch 3: finished saving model to {path}\n"
        f"\nEpoch 4: val_loss did not improve from 0.40000\n"
        f"\nEpoch 5: val_loss did not improve from 0.40000\n")
    assert cb.best == 0.4
    probe = regressor(seed=7)
    probe.load_weights(path)
    assert_same(probe.get_weights(), [w + np.float32(2) for w in base])     # epoch 3 (index 2)


def test_save_best_only_in_a_real_fit_keeps_the_best_epoch(tmp_path):
    model = regressor(seed=1, lr=0.3)                # a large step: val_loss goes up and down
    seen, recorder = weights_recorder(model)
    path = tmp_path / "best.keras"
    cb = ModelCheckpoint(str(path), monitor="val_loss", save_best_only=True)
    history = model.fit(X, Y, epochs=6, batch_size=5, validation_data=(XV, YV), verbose=0,
                        callbacks=[recorder, cb])
    val = history.history["val_loss"]
    assert any(b > a for a, b in zip(val, val[1:]))   # the run does get worse at some epoch
    best = 0
    for e in range(1, len(val)):                     # first strict improvement, in float32 as Keras
        if np.float32(val[e]) < np.float32(val[best]):
            best = e
    assert_same(load_model(path).get_weights(), seen[best])
    assert cb.best == val[best]


def test_mode_max_and_auto_direction_for_accuracy(tmp_path):
    model = classifier()
    model.fit(X, LABELS, epochs=1, verbose=0)       # metrics exist after a fit
    cb = ModelCheckpoint(str(tmp_path / "b.keras"), monitor="val_accuracy", save_best_only=True)
    drive(cb, model, [0.5, 0.75, 0.6], key="val_accuracy")
    assert cb.monitor_op is np.greater and cb.best == 0.75
    cb = ModelCheckpoint(str(tmp_path / "c.keras"), monitor="val_loss", mode="max", save_best_only=True)
    drive(cb, model, [0.5, 0.75, 0.6])
    assert cb.best == 0.75
    # a real fit: auto mode resolves 'val_accuracy' to max
    cb = ModelCheckpoint(str(tmp_path / "d.keras"), monitor="val_accuracy", save_best_only=True)
    history = classifier(seed=2).fit(X, LABELS, epochs=3, validation_data=(XV, VLABELS), verbose=0, callbacks=[cb])
    assert cb.best == max(history.history["val_accuracy"])


def test_initial_value_threshold(tmp_path, capsys):
    path = str(tmp_path / "t.keras")
    cb = ModelCheckpoint(path, save_best_only=True, initial_value_threshold=0.3, verbose=1)
    drive(cb, regressor(), [0.5, 0.35])
    assert not os.path.exists(path)
    cb.on_epoch_end(2, {"val_loss": 0.2})
    assert os.path.exists(path)
    assert "Epoch 3: val_loss improved from 0.30000 to 0.20000, saving model to" in capsys.readouterr().out


def test_missing_monitor_warns_and_saves(tmp_path):
    path = tmp_path / "m.keras"
    cb = ModelCheckpoint(str(path), save_best_only=True)        # monitors val_loss; no validation data
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        regressor().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert path.exists()


# ---------------------------------------------------------------------- batch frequency
def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    pattern = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    cb = ModelCheckpoint(pattern, save_weights_only=True, save_freq=3)
    steps, epochs = 4, 3                                 # 20 samples, batch 5
    regressor().fit(X, Y, epochs=epochs, batch_size=5, verbose=0, callbacks=[cb])
    expected = {f"e{(k - 1) // steps + 1}-b{(k - 1) % steps + 1}.weights.h5"
                for k in range(3, steps * epochs + 1, 3)}   # global batch counts 3, 6, 9, 12
    assert set(os.listdir(tmp_path)) == expected


def test_integer_save_freq_with_save_best_only(tmp_path):
    # Keras 3.15.1 fails here (its monitor direction is only settled at the first epoch end);
    # glassnet settles it at the first batch-level decision instead.
    path = tmp_path / "b.keras"
    cb = ModelCheckpoint(str(path), monitor="loss", save_best_only=True, save_freq=2)
    regressor().fit(X, Y, epochs=2, batch_size=5, verbose=0, callbacks=[cb])
    assert path.exists() and cb.monitor_op is np.less


# ---------------------------------------------------------------------- errors
def test_unknown_format_key_raises_key_error(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        regressor().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])


def test_directory_filepath_raises(tmp_path):
    (tmp_path / "d.keras").mkdir()
    cb = ModelCheckpoint(str(tmp_path / "d.keras"))
    with pytest.raises(IOError, match="non-directory filepath"):
        regressor().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])


def test_creates_missing_folders(tmp_path):
    path = tmp_path / "runs" / "a" / "m.keras"
    regressor().fit(X, Y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(str(path))])
    assert path.exists()
