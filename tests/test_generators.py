"""fit / evaluate / predict from generators and PyDataset-style objects, as Keras 3 takes them."""
import numpy as np
import pytest

from glassnet import utils
from glassnet.layers import Dense, Dropout, Input
from glassnet.models import Sequential


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] - x[:, 1] > 0).astype(np.float32)


def model(seed=3):
    utils.set_random_seed(seed)
    m = Sequential([Input((4,)), Dense(8, activation="tanh"), Dropout(0.2), Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m


class Batches:
    """A PyDataset-style object: len = batches per epoch, [i] = batch i; counts epochs."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.bs = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.bs)

    def __getitem__(self, i):
        s = slice(i * self.bs, (i + 1) * self.bs)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def repeat_batches(x, y, batch_size):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def test_dataset_and_generator_train_exactly_like_arrays():
    x, y = data()
    a = model()
    a.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    b = model()
    ds = Batches(x, y, 16)
    hb = b.fit(ds, epochs=3, shuffle=False, verbose=0)
    c = model()
    hc = c.fit(repeat_batches(x, y, 16), steps_per_epoch=6, epochs=3, verbose=0)
    for wa, wb, wc in zip(a.get_weights(), b.get_weights(), c.get_weights()):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(wa, wc)
    assert hb.history == hc.history == a.history.history
    assert ds.epochs_ended == 3


def test_dataset_shuffles_batch_order_and_builds_the_model_on_the_first_batch():
    x, y = data()
    m = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    m.fit(Batches(x, y, 16), epochs=5, verbose=0)
    assert m.built and m.input_shape == (None, 4)
    loss, acc = m.evaluate(Batches(x, y, 32), verbose=0)
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_evaluate_and_predict_from_generators_equal_arrays():
    x, y = data()
    m = model()
    m.fit(x, y, epochs=2, verbose=0)
    assert m.evaluate(repeat_batches(x, y, 32), steps=3, verbose=0) == pytest.approx(
        m.evaluate(x, y, batch_size=32, verbose=0), rel=1e-6)
    p_gen = m.predict((x[i:i + 10] for i in range(0, len(x), 10)), verbose=0)
    np.testing.assert_array_equal(p_gen, m.predict(x, batch_size=10, verbose=0))


def test_validation_data_from_a_dataset():
    x, y = data()
    m = model()
    h = m.fit(x[:64], y[:64], validation_data=Batches(x[64:], y[64:], 8), epochs=2, verbose=0)
    assert len(h.history["val_loss"]) == 2
    assert h.history["val_loss"][-1] == pytest.approx(m.evaluate(x[64:], y[64:], verbose=0)[0], rel=1e-6)


def test_a_generator_that_runs_dry_stops_training_with_a_warning():
    x, y = data()
    m = model()
    once = ((x[i:i + 16], y[i:i + 16]) for i in range(0, len(x), 16))
    with pytest.warns(UserWarning, match="ran out of batches"):
        h = m.fit(once, epochs=5, verbose=0)
    assert len(h.history["loss"]) == 1          # the first epoch read it all; the second found nothing


@pytest.mark.parametrize("kwargs, message", [
    (dict(y=np.zeros(3)), "y and sample_weight must be None when x is a generator"),
    (dict(validation_split=0.2), "validation_split needs arrays"),
    (dict(steps_per_epoch=0), "steps_per_epoch must be a positive integer"),
])
def test_generator_argument_errors(kwargs, message):
    x, y = data()
    with pytest.raises(ValueError, match=message):
        model().fit(repeat_batches(x, y, 8), epochs=1, verbose=0, **kwargs)


def test_generator_without_targets_is_explained():
    x, _ = data()
    with pytest.raises(ValueError, match="must yield \\(x, y\\)"):
        model().fit((x[i:i + 8] for i in range(0, 96, 8)), epochs=1, verbose=0)


def test_steps_per_epoch_with_arrays_is_refused():
    x, y = data()
    with pytest.raises(ValueError, match="steps_per_epoch is for generators"):
        model().fit(x, y, steps_per_epoch=3, verbose=0)
