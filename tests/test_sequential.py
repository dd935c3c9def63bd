"""Sequential: the Keras workflow, the course's code as written, and clear errors."""
import numpy as np
import pytest

import glassnet
from glassnet import utils
from glassnet.callbacks import EarlyStopping
from glassnet.layers import Dense, Dropout, Flatten, Input
from glassnet.models import Sequential


def blobs(n=200, seed=0, classes=3, features=4):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(size=(n, features))
    return x.astype(np.float32), y


def test_course_snippet_runs_as_written():
    # The notes' snippet, with only the import changed.
    model = Sequential()
    model.add(Dense(64, activation="relu", input_dim=50))
    model.add(Dense(28, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 50)).astype(np.float32)
    y = (x[:, :10].argmax(axis=1))
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.5
    assert history.history["accuracy"][-1] > 0.8
    assert model.count_params() == 50 * 64 + 64 + 64 * 28 + 28 + 28 * 10 + 10
    assert model.predict(x[:5], verbose=0).shape == (5, 10)


def test_builds_on_first_fit_and_history_frame():
    pd = pytest.importorskip("pandas")
    x, y = blobs()
    model = Sequential([Dense(16, activation="relu"), Dense(3, activation="softmax")])
    assert not model.built
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:150], y[:150], validation_data=(x[150:], y[150:]), epochs=5, verbose=0)
    assert model.built and model.input_shape == (None, 4)
    frame = pd.DataFrame(model.history.history)
    assert list(frame.columns) == ["accuracy", "loss", "val_accuracy", "val_loss"]   # Keras's order
    assert len(frame) == 5


def test_early_stopping_as_the_course_uses_it():
    x, y = blobs(n=300)
    model = Sequential([Input((4,)), Dense(8, activation="relu"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    early = EarlyStopping(monitor="val_loss", mode="min", verbose=0, patience=3)
    model.fit(x[:200], y[:200], validation_data=(x[200:], y[200:]), epochs=600, callbacks=[early], verbose=0)
    losses = model.history.history["val_loss"]
    n = len(losses)
    assert n < 600                                   # stopped early...
    assert n - 1 - int(np.argmin(losses)) == 3       # ...exactly `patience` epochs after the best one


def test_evaluate_returns_keras_shapes():
    x, y = blobs()
    model = Sequential([Input((4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss2, acc = model.evaluate(x, y, verbose=0)
    assert loss2 == pytest.approx(loss, rel=1e-6) and 0 <= acc <= 1
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d) == ["accuracy", "loss"] and d["loss"] == pytest.approx(loss2)


def test_evaluate_equals_the_loss_computed_by_hand():
    x, y = blobs(n=50)
    model = Sequential([Input((4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = -np.mean(np.log(p[np.arange(len(y)), y]))
    # batch-size-weighted mean over batches of 32 equals the mean over all samples
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_xor_learned_by_small_tanh_net():
    from glassnet.cli import xor_demo

    assert xor_demo(epochs=300, seed=0, verbose=0) == 1.0


def test_same_seed_same_weights():
    def run():
        utils.set_random_seed(123)
        x, y = blobs()
        model = Sequential([Input((4,)), Dense(8, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights(), h.history

    w1, h1 = run()
    w2, h2 = run()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2


def test_float32_end_to_end():
    x, y = blobs()
    model = Sequential([Input((4,)), Dense(8, activation="tanh"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x.astype(np.float64), y, epochs=1, verbose=0)
    assert model.params.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x, verbose=0).dtype == np.float32


def test_validation_split_takes_the_last_fraction():
    x, y = blobs(n=100)
    model = Sequential([Input((4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    w0 = model.get_weights()
    h = model.fit(x, y, validation_split=0.2, epochs=1, verbose=0, shuffle=False)
    # val_loss after the epoch equals evaluate on the last 20 rows
    assert h.history["val_loss"][0] == pytest.approx(model.evaluate(x[80:], y[80:], verbose=0), rel=1e-6)
    model.set_weights(w0)


def test_summary_table(capsys):
    model = Sequential([Input((4,)), Dense(8, activation="relu"), Dense(3, activation="softmax")], name="m")
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "m"' in out
    assert "(None, 8)" in out and "40" in out and "27" in out
    assert "Total params: 67" in out


def test_pop_and_config_round_trip():
    model = Sequential([Input((4,)), Dense(8, activation="relu"), Dense(3, activation="softmax")])
    clone = Sequential.from_config(model.get_config())
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dense"]
    assert clone.count_params() == model.count_params()
    model.pop()
    assert model.output_shape == (None, 8)


def test_train_on_batch_and_test_on_batch():
    x, y = blobs(n=32)
    model = Sequential([Input((4,)), Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y)[0]
    for _ in range(20):
        model.train_on_batch(x, y)
    assert model.test_on_batch(x, y)[0] < before
    assert model.predict_on_batch(x).shape == (32, 3)


def test_top_level_shortcuts():
    assert glassnet.Sequential is Sequential
    assert glassnet.Dense is Dense


def test_flatten_then_dense_on_images():
    rng = np.random.default_rng(0)
    x = rng.random((20, 5, 5)).astype(np.float32)
    y = rng.integers(0, 2, size=20)
    model = Sequential([Input((5, 5)), Flatten(), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    assert model.predict(x, verbose=0).shape == (20, 1)


# ------------------------------------------------------------------ bad input
def compiled(loss="sparse_categorical_crossentropy", units=3):
    model = Sequential([Input((4,)), Dense(units, activation="softmax" if units > 1 else "sigmoid")])
    model.compile(optimizer="adam", loss=loss)
    return model


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(x=np.zeros((10, 4)), y=np.zeros(9)), ValueError, "x and y must have the same number of samples, got 10 and 9"),
    (dict(x=np.zeros((10, 3)), y=np.zeros(10)), ValueError, "x has 3 features but the model was built for 4"),
    (dict(x=np.zeros((10, 4)), y=np.zeros(10), batch_size=0), ValueError, "batch_size must be a positive integer, got 0"),
    (dict(x=np.zeros((10, 4)), y=np.zeros(10), epochs=-1), ValueError, "epochs must be a non-negative integer, got -1"),
    (dict(x=np.zeros((10, 4)), y=np.zeros(10), validation_split=1.0), ValueError, "validation_split must be"),
    (dict(x=np.zeros((10, 4)), y=np.zeros(10), validation_split=-0.1), ValueError, "validation_split must be"),
    (dict(x=np.zeros((0, 4)), y=np.zeros(0)), ValueError, "x is empty"),
    (dict(x=[[1, 2], [3]], y=[0, 1]), ValueError, "ragged"),
    (dict(x=np.array([["a", "b", "c", "d"]]), y=[0]), TypeError, "only numbers"),
])
def test_fit_bad_input(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        compiled().fit(verbose=0, **kwargs)


def test_nan_in_x_reports_row():
    x = np.zeros((10, 4))
    x[7, 2] = np.nan
    with pytest.raises(ValueError, match="fit: x contains NaN at row 7, column 2"):
        compiled().fit(x, np.zeros(10), verbose=0)


def test_inf_in_y_reports_row():
    y = np.zeros(10)
    y[3] = np.inf
    with pytest.raises(ValueError, match="y contains inf at row 3"):
        compiled(loss="mse", units=1).fit(np.zeros((10, 4)), y, verbose=0)


def test_fit_before_compile():
    model = Sequential([Input((4,)), Dense(1)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 4)), np.zeros(4), verbose=0)


def test_unknown_optimizer_lists_valid_names():
    model = Sequential([Input((4,)), Dense(1)])
    with pytest.raises(ValueError, match="adamm.*adam"):
        model.compile(optimizer="adamm", loss="mse")


def test_set_weights_wrong_count_and_shape():
    model = Sequential([Input((4,)), Dense(2, name="first"), Dense(1)])
    with pytest.raises(ValueError, match="has 4 weight arrays"):
        model.set_weights([np.zeros((4, 2))])
    w = model.get_weights()
    w[0] = np.zeros((3, 2))
    with pytest.raises(ValueError, match="layer 'first' kernel must have shape \\(4, 2\\), got \\(3, 2\\)"):
        model.set_weights(w)


def test_3d_input_without_flatten_is_explained():
    model = Sequential([Input((4,)), Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="Flatten"):
        model.fit(np.zeros((3, 4, 4)), np.zeros((3, 2)), verbose=0)


def test_class_weight_unknown_class():
    with pytest.raises(ValueError, match="class_weight has key 5"):
        compiled().fit(np.zeros((6, 4)), np.zeros(6), class_weight={5: 2.0}, verbose=0)
