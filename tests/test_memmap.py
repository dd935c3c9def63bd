"""Data larger than memory: fit / evaluate / predict read an np.memmap one batch at a time."""
import tracemalloc

import numpy as np
import pytest

from glassnet.layers import Dense, Input
from glassnet.models import Sequential


@pytest.fixture
def on_disk(tmp_path):
    n, d = 100_000, 100                                    # 40 MB of float32 on disk
    x = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(n, d))
    rng = np.random.default_rng(0)
    for start in range(0, n, 10_000):                      # written in chunks, never held whole
        x[start:start + 10_000] = rng.normal(size=(10_000, d))
    x.flush()
    y = (np.asarray(x[:, 0]) > 0).astype(np.float32)
    del x
    return np.load(tmp_path / "x.npy", mmap_mode="r"), y


def test_fit_predict_evaluate_from_memmap_stay_small(on_disk):
    from glassnet.utils import set_random_seed

    set_random_seed(0)
    x, y = on_disk
    model = Sequential([Input((100,)), Dense(16, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    tracemalloc.start()
    try:
        history = model.fit(x, y, batch_size=256, epochs=1, verbose=0)
        loss, acc = model.evaluate(x, y, batch_size=1024, verbose=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    file_bytes = x.nbytes
    assert peak < file_bytes / 10, f"peak {peak / 1e6:.1f} MB for a {file_bytes / 1e6:.0f} MB file"
    assert acc > 0.75 and np.isfinite(history.history["loss"][0])   # it learned (chance is 0.5)
    p = model.predict(x[:5000], batch_size=1000, verbose=0)
    assert p.shape == (5000, 1) and p.dtype == np.float32
    # the same numbers as from an in-memory copy
    np.testing.assert_array_equal(p, model.predict(np.asarray(x[:5000]), batch_size=1000, verbose=0))


def test_memmap_with_nan_reports_the_row(tmp_path):
    x = np.lib.format.open_memmap(tmp_path / "bad.npy", mode="w+", dtype=np.float32, shape=(40_000, 3))
    x[:] = 1.0
    x[33_333, 1] = np.nan
    x.flush()
    x = np.load(tmp_path / "bad.npy", mmap_mode="r")
    model = Sequential([Input((3,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="fit: x contains NaN at row 33333, column 1"):
        model.fit(x, np.zeros(40_000), verbose=0)
