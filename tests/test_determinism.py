"""Same seed, same data, same thread count: bit-identical weights and history, across processes.

Each run is a separate Python process (so nothing in memory is shared) that trains a model with
Dropout and ``shuffle=True`` after ``glassnet.set_random_seed(seed)``, and writes its initial and
final weights, its predictions and its history.  Two processes with the same seed and the same
BLAS thread count agree to the bit, even when one of them consumes NumPy's global random state,
builds unrelated models before seeding and runs with another ``PYTHONHASHSEED``.  A different
seed gives different initial weights, dropout masks, batch order, and so a different result.
test_sequential.py checks the same thing inside one process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, {src!r})
    out, seed, noise = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "noise"
    import numpy as np
    import glassnet
    from glassnet.callbacks import EarlyStopping
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential

    if noise:   # state a careless program leaves behind must not leak into a seeded run
        np.random.seed(12345)
        np.random.rand(1000)
        junk = Sequential([Input((3,)), Dense(7), Dropout(0.5), Dense(2)])
        junk.compile("sgd", "mse")
        junk.fit(np.random.rand(40, 3), np.random.rand(40, 2), epochs=2, verbose=0)
        {{str(i): i for i in range(100)}}
    data = np.random.default_rng(0)
    x = data.normal(size=(512, 20)).astype("float32")
    y = (np.sin(x[:, :3]).sum(axis=1) + 0.1 * data.normal(size=512) > 0).astype("int64")

    glassnet.set_random_seed(seed)
    model = Sequential([Input((20,)), Dense(128, activation="relu"), Dropout(0.4),
                        Dense(64, activation="tanh"), Dropout(0.25), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    initial = np.concatenate([w.ravel() for w in model.get_weights()])
    history = model.fit(x, y, batch_size=32, epochs=5, shuffle=True, validation_split=0.25, verbose=0,
                        callbacks=[EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)])
    np.save(os.path.join(out, "initial.npy"), initial)
    np.save(os.path.join(out, "final.npy"), np.concatenate([w.ravel() for w in model.get_weights()]))
    np.save(os.path.join(out, "predict.npy"), model.predict(x, verbose=0))
    with open(os.path.join(out, "run.json"), "w") as fh:
        json.dump({{"history": history.history, "rng": model.get_rng_state(),
                   "evaluate": model.evaluate(x, y, verbose=0)}}, fh)
""")


def run(tmp_path, name, seed, threads, noise=False, hash_seed="0", kernels="auto"):
    script = tmp_path / "determinism.py"
    if not script.exists():
        script.write_text(SCRIPT.format(src=str(SRC)))
    out = tmp_path / name
    out.mkdir()
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, GLASSNET_KERNELS=kernels)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GLASSNET_NUM_THREADS"):
        env[var] = str(threads)
    proc = subprocess.run([sys.executable, str(script), str(out), str(seed), "noise" if noise else "clean"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    arrays = {k: np.load(out / f"{k}.npy") for k in ("initial", "final", "predict")}
    return arrays, json.loads((out / "run.json").read_text())


def bits(a: np.ndarray) -> np.ndarray:
    assert a.dtype == np.float32
    return a.view(np.uint32)


@pytest.mark.parametrize("threads", [1, 2])
def test_same_seed_same_bits_across_processes(tmp_path, threads, kernels):
    # on both kernel implementations (the `kernels` fixture); the numba kernels split work over
    # threads by columns / elements only, so their sums do not depend on the thread count either
    a, run_a = run(tmp_path, "a", seed=42, threads=threads, kernels=kernels)
    b, run_b = run(tmp_path, "b", seed=42, threads=threads, noise=True, hash_seed="4242", kernels=kernels)
    for key in a:
        np.testing.assert_array_equal(bits(a[key]), bits(b[key]), err_msg=key)
    assert run_a["history"] == run_b["history"]          # every epoch, every metric: exact floats
    assert run_a["evaluate"] == run_b["evaluate"]
    # the random generators end in the same states (layer names differ: the noisy run made more layers)
    assert list(run_a["rng"].values()) == list(run_b["rng"].values())
    assert len(run_a["history"]["loss"]) == 5 and set(run_a["history"]) == {"loss", "accuracy", "val_loss",
                                                                             "val_accuracy"}


def test_different_seeds_differ(tmp_path):
    a, run_a = run(tmp_path, "a", seed=42, threads=1)
    c, run_c = run(tmp_path, "c", seed=43, threads=1)
    assert not np.array_equal(a["initial"], c["initial"])
    assert not np.array_equal(a["final"], c["final"])
    assert run_a["history"]["loss"] != run_c["history"]["loss"]
    assert run_a["rng"]["shuffle"] != run_c["rng"]["shuffle"]
    assert {k: v for k, v in run_a["rng"].items() if k.startswith("layer/")} != \
           {k: v for k, v in run_c["rng"].items() if k.startswith("layer/")}
