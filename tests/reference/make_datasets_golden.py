"""Golden outputs of Keras 3's imdb, reuters, boston_housing and california_housing loaders on small inputs.

Writes small input files (seeded, in Keras's formats) under tests/reference/keras_datasets/ and what
Keras's own ``load_data`` returns for them with several argument sets (keras_datasets.json; the
regression splits in regression_outputs.npz).  Keras's ``get_file`` is pointed at the local inputs
(no network; the published hashes are of the real files).  Read by tests/test_datasets_loaders.py.

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 /work/refenv/bin/python tests/reference/make_datasets_golden.py
"""
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "keras_datasets"


def sequences(rng, n, low_len, high_len, vocab):
    seqs = np.empty(n, dtype=object)
    for i in range(n):
        seqs[i] = rng.integers(1, vocab, rng.integers(low_len, high_len)).tolist()
    return seqs


def make_inputs():
    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(20261204)
    np.savez(OUT / "boston_housing.npz", x=rng.normal(size=(31, 13)) * 10, y=rng.uniform(5, 50, 31))
    np.savez(OUT / "california_housing.npz", x=rng.normal(size=(650, 8)).astype(np.float32),
             y=rng.uniform(2e4, 5e5, 650).astype(np.float32))
    np.savez(OUT / "imdb.npz", x_train=sequences(rng, 40, 1, 30, 120), y_train=rng.integers(0, 2, 40),
             x_test=sequences(rng, 33, 1, 30, 150), y_test=rng.integers(0, 2, 33))
    np.savez(OUT / "reuters.npz", x=sequences(rng, 57, 1, 25, 90), y=rng.integers(0, 46, 57))


SEQ_CASES = [
    {},
    {"num_words": 40, "skip_top": 5},
    {"maxlen": 15, "seed": 7},
    {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 60},
    {"start_char": None, "index_from": 2, "skip_top": 3},
    {"oov_char": None, "num_words": 30, "maxlen": 20},
]


def run():
    import keras
    from keras.src.datasets import boston_housing, california_housing, imdb, reuters

    for module, name in ((imdb, "imdb.npz"), (reuters, "reuters.npz"), (boston_housing, "boston_housing.npz"),
                         (california_housing, "california_housing.npz")):
        module.get_file = lambda *a, _p=str(OUT / name), **k: _p     # the local input, not the download

    golden = {"keras_version": keras.__version__, "imdb": [], "reuters": []}
    for case in SEQ_CASES:
        (xtr, ytr), (xte, yte) = imdb.load_data(**case)
        golden["imdb"].append({"kwargs": case, "x_train": [list(map(int, s)) for s in xtr], "y_train": ytr.tolist(),
                               "x_test": [list(map(int, s)) for s in xte], "y_test": yte.tolist(),
                               "x_dtype": str(xtr.dtype), "y_dtype": str(ytr.dtype)})
        rcase = dict(case, test_split=0.3) if case.get("seed") else case
        (xtr, ytr), (xte, yte) = reuters.load_data(**rcase)
        golden["reuters"].append({"kwargs": rcase, "x_train": [list(map(int, s)) for s in xtr],
                                  "y_train": ytr.tolist(), "x_test": [list(map(int, s)) for s in xte],
                                  "y_test": yte.tolist(), "x_dtype": str(xtr.dtype), "y_dtype": str(ytr.dtype)})
    arrays = {}
    for tag, call in (("boston_default", lambda: boston_housing.load_data()),
                      ("boston_split", lambda: boston_housing.load_data(test_split=0.35, seed=5)),
                      ("california_small", lambda: california_housing.load_data(version="small", seed=9)),
                      ("california_large", lambda: california_housing.load_data(test_split=0.1))):
        (xtr, ytr), (xte, yte) = call()
        arrays.update({f"{tag}_x_train": xtr, f"{tag}_y_train": ytr, f"{tag}_x_test": xte, f"{tag}_y_test": yte})
    np.savez(OUT / "regression_outputs.npz", **arrays)
    (OUT / "keras_datasets.json").write_text(json.dumps(golden, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    make_inputs()
    run()
