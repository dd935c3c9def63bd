"""Training that survives: Ctrl-C at a batch boundary, divergence warnings, thread-safe predict."""
import os
import signal
import threading

import numpy as np
import pytest

from glassnet.callbacks import Callback, EarlyStopping, TerminateOnNaN
from glassnet.layers import Dense, Dropout, Input
from glassnet.models import Sequential
from glassnet.models.sequential import TrainingDivergedWarning


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.float32)


def model():
    m = Sequential([Input((4,)), Dense(8, activation="relu"), Dropout(0.1), Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m


class Recorder(Callback):
    def __init__(self, at_epoch, at_batch):
        super().__init__()
        self.at = (at_epoch, at_batch)
        self.epoch = 0
        self.ended = False
        self.batches_finished = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            os.kill(os.getpid(), signal.SIGINT)     # Ctrl-C in the middle of this batch

    def on_train_batch_end(self, batch, logs=None):
        self.batches_finished += 1

    def on_train_end(self, logs=None):
        self.ended = True


def test_ctrl_c_stops_at_the_batch_boundary_and_keeps_history():
    x, y = data()
    m = model()
    rec = Recorder(at_epoch=2, at_batch=1)
    with pytest.raises(KeyboardInterrupt, match="completed epoch"):
        m.fit(x, y, batch_size=16, epochs=10, callbacks=[rec], verbose=0)
    assert rec.ended                                  # on_train_end ran
    assert rec.batches_finished == 2 * 4 + 2          # the interrupted batch still finished
    assert len(m.history.history["loss"]) == 2        # completed epochs only
    assert m.predict(x, verbose=0).shape == (64, 1)   # the model is usable
    m.fit(x, y, batch_size=16, epochs=1, verbose=0)   # and trains again
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_restores_best_weights_via_early_stopping():
    x, y = data()
    m = model()
    early = EarlyStopping(monitor="loss", patience=100, restore_best_weights=True)
    rec = Recorder(at_epoch=5, at_batch=0)
    with pytest.raises(KeyboardInterrupt):
        m.fit(x, y, batch_size=16, epochs=20, callbacks=[early, rec], verbose=0)
    assert early.best_weights is not None
    for a, b in zip(m.get_weights(), early.best_weights):
        np.testing.assert_array_equal(a, b)


def test_divergence_warns_once_with_epoch_batch_and_cause():
    x, y = data()
    x = x * 1e20                                      # unscaled inputs
    m = Sequential([Input((4,)), Dense(8, activation="linear"), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.warns(TrainingDivergedWarning, match=r"epoch 1, batch 1.*learning rate.*unscaled inputs") as record:
        m.fit(x, y * 1e20, batch_size=16, epochs=2, verbose=0)
    assert sum(issubclass(w.category, TrainingDivergedWarning) for w in record) == 1


def test_terminate_on_nan_stops():
    x, y = data()
    m = Sequential([Input((4,)), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.warns(TrainingDivergedWarning):
        h = m.fit(x * 1e20, y * 1e20, batch_size=16, epochs=5, callbacks=[TerminateOnNaN()], verbose=0)
    assert len(h.history.get("loss", [])) <= 1


def test_predict_from_many_threads_equals_one_thread():
    """Eight threads predicting at once give exactly what one thread gives with the SAME batch size.

    Each thread uses its own batch size (37..44) so that the threads interleave differently, and its
    result is compared bit for bit with a one-thread run of that same batch size: thread safety is
    about shared state, not about arithmetic, so equal inputs must give equal bits.
    """
    x, y = data(n=2000)
    m = model()
    m.fit(x, y, epochs=2, verbose=0)
    sizes = [37 + i for i in range(8)]
    expected = [m.predict(x, batch_size=b, verbose=0) for b in sizes]
    results = [None] * 8

    def work(i):
        results[i] = m.predict(x, batch_size=sizes[i], verbose=0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, e in zip(results, expected):
        np.testing.assert_array_equal(r, e)


def test_predict_does_not_depend_on_batch_size_beyond_rounding():
    """Different batch sizes agree to float32 rounding, not to the bit.

    BLAS does not promise the same bits for a row whatever the number of rows around it: OpenBLAS
    picks a different micro-kernel for the rows left over after its blocks (and a GEMV for a single
    row), and the kernels differ in the order of the sums and in fused multiply-adds from one CPU
    family to the next (seen: batch 37 vs 32 differ by 2e-7 relative on SkylakeX, agree on Haswell).
    A network of two small Dense layers accumulates a few float32 ulps at most, so rtol=1e-5 is
    ~100 ulps of headroom while any real dependence on the batch (a wrong row, a stale buffer)
    shows up as an O(1) error.
    """
    x, y = data(n=300)
    m = model()
    m.fit(x, y, epochs=2, verbose=0)
    reference = m.predict(x, batch_size=32, verbose=0)
    for b in (1, 7, 37, 44, 300):
        np.testing.assert_allclose(m.predict(x, batch_size=b, verbose=0), reference, rtol=1e-5, atol=1e-6)


def test_rng_state_round_trip_makes_runs_repeat():
    x, y = data()
    m = model()
    w0 = m.get_weights()
    state = m.get_rng_state()
    m.fit(x, y, batch_size=16, epochs=2, verbose=0)
    first = m.get_weights()
    m.set_weights(w0)
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])   # fresh optimizer state
    m.set_rng_state(state)
    m.fit(x, y, batch_size=16, epochs=2, verbose=0)
    for a, b in zip(first, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_resume_from_keras_file_with_dropout_is_bit_identical(tmp_path):
    """2 epochs + save + load_model + 2 more == 4 epochs, with shuffling and Dropout."""
    from glassnet import utils
    from glassnet.models import load_model

    x, y = data(n=80)

    def fresh():
        utils.set_random_seed(7)
        return model()

    straight = fresh()
    straight.fit(x, y, batch_size=16, epochs=4, verbose=0)
    first = fresh()
    first.fit(x, y, batch_size=16, epochs=2, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = load_model(tmp_path / "half.keras")
    resumed.fit(x, y, batch_size=16, epochs=4, initial_epoch=2, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
