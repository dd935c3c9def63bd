"""Callbacks as ``fit`` drives them: batch hooks only when some callback wants them."""
import numpy as np

from glassnet.callbacks import Callback, CallbackList, EarlyStopping, History, ProgbarLogger
from glassnet.layers import Dense, Input
from glassnet.models import Sequential


class CountBatches(Callback):
    def __init__(self):
        super().__init__()
        self.train, self.legacy = 0, 0

    def on_train_batch_end(self, batch, logs=None):
        self.train += 1
        assert "loss" in logs


class LegacyBatchEnd(Callback):
    def __init__(self):
        super().__init__()
        self.n = 0

    def on_batch_end(self, batch, logs=None):      # the Keras 2 name still works
        self.n += 1


def test_has_batch_hooks():
    assert not CallbackList([History(), EarlyStopping()]).has_batch_hooks("train")
    assert CallbackList([ProgbarLogger()]).has_batch_hooks("train")
    assert CallbackList([LegacyBatchEnd()]).has_batch_hooks("train")
    assert not CallbackList([LegacyBatchEnd()]).has_batch_hooks("test")


def test_batch_hooks_called_when_wanted():
    x = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    m = Sequential([Input((3,)), Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    a, b = CountBatches(), LegacyBatchEnd()
    m.fit(x, x[:, 0], batch_size=16, epochs=2, callbacks=[a, b], verbose=0)
    assert a.train == 8 and b.n == 8
