"""Separate check: glassnet's ``.keras`` files with adapted preprocessing layers load in real Keras 3.

Not part of the pytest run (it needs TensorFlow).  From the repository root::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python \
        tests/reference/check_preprocessing_roundtrip.py --glassnet-python .venv/bin/python

Phase 1 runs this script with ``--write DIR`` under glassnet's Python (imports glassnet only): it
adapts Normalization, IntegerLookup (multi_hot), StringLookup (int and tf_idf), Discretization and Hashing
layers, saves
small Sequential models holding them and their predictions. Phase 2 loads every file in Keras and checks
the statistics / vocabularies / boundaries / configs Keras reads and that Keras's predictions equal
glassnet's (|diff| <= 1e-6). Exit status 0 when every check passes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
IDS = np.array([[3, 5, 3], [9, 3, 5], [1, 1, 1]], dtype=np.float32)
WORDS = np.array([["a", "b"], ["a", "c"], ["été", "a"]])
XD = np.array([[1.0, 15.0, 29.0]], dtype=np.float32)


def write(folder):
    from glassnet import Sequential
    from glassnet.layers import (CategoryEncoding, Dense, Discretization, Hashing, Input, IntegerLookup,
                                 Normalization, StringLookup)

    facts = {}
    norm = Normalization()
    norm.adapt(X)
    m = Sequential([Input((3,)), norm, Dense(2)])
    m.save(os.path.join(folder, "norm.keras"))
    m.save(os.path.join(folder, "norm.h5"))
    facts["norm"] = {"predict": m.predict(X, verbose=0).tolist(), "mean": norm.get_weights()[0].tolist()}
    lookup = IntegerLookup(output_mode="multi_hot")
    lookup.adapt(IDS)
    m = Sequential([Input((3,)), lookup, Dense(1)])
    m.save(os.path.join(folder, "ilookup.keras"))
    facts["ilookup"] = {"predict": m.predict(IDS, verbose=0).tolist(), "vocabulary": lookup.get_vocabulary()}
    tfidf = StringLookup(output_mode="tf_idf")
    tfidf.adapt(WORDS)
    Sequential([Input((2,)), tfidf]).save(os.path.join(folder, "tfidf.keras"))
    facts["tfidf"] = {"vocabulary": tfidf.get_vocabulary(), "output": tfidf(WORDS).tolist()}
    slookup = StringLookup()
    slookup.adapt(WORDS)
    Sequential([Input((2,)), slookup]).save(os.path.join(folder, "slookup.keras"))
    facts["slookup"] = {"vocabulary": slookup.get_vocabulary(), "output": slookup(WORDS).tolist()}
    disc = Discretization(num_bins=3)
    disc.adapt(np.arange(30, dtype=np.float32))
    m = Sequential([Input((3,)), disc, CategoryEncoding(num_tokens=3, output_mode="multi_hot"), Dense(1)])
    m.save(os.path.join(folder, "disc.keras"))
    facts["disc"] = {"predict": m.predict(XD, verbose=0).tolist(), "bin_boundaries": disc.bin_boundaries}
    hashing = Hashing(num_bins=5, salt=7)
    Sequential([Input((2,)), hashing]).save(os.path.join(folder, "hash.keras"))
    facts["hash"] = {"output": hashing(WORDS).tolist()}
    with open(os.path.join(folder, "facts.json"), "w", encoding="utf-8") as fh:
        json.dump(facts, fh)


def check(folder) -> int:
    import keras

    with open(os.path.join(folder, "facts.json"), encoding="utf-8") as fh:
        facts = json.load(fh)
    failures = 0

    def report(name, ok, detail=""):
        nonlocal failures
        failures += 0 if ok else 1
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")

    m = keras.models.load_model(os.path.join(folder, "norm.keras"))
    diff = float(np.abs(m.predict(X, verbose=0) - np.asarray(facts["norm"]["predict"])).max())
    report("Normalization predictions", diff <= 1e-6, f"max |diff| {diff:.2e}")
    report("Normalization mean", np.array_equal(m.layers[0].get_weights()[0], np.float32(facts["norm"]["mean"])))
    m = keras.models.load_model(os.path.join(folder, "norm.h5"), compile=False)
    diff = float(np.abs(m.predict(X, verbose=0) - np.asarray(facts["norm"]["predict"])).max())
    report("Normalization predictions (.h5)", diff <= 1e-6, f"max |diff| {diff:.2e}")
    m = keras.models.load_model(os.path.join(folder, "ilookup.keras"))
    vocab = [int(v) for v in m.layers[0].get_vocabulary()]
    report("IntegerLookup vocabulary (asset)", vocab == facts["ilookup"]["vocabulary"], str(vocab))
    diff = float(np.abs(m.predict(IDS.astype("int64"), verbose=0) - np.asarray(facts["ilookup"]["predict"])).max())
    report("IntegerLookup + Dense predictions", diff <= 1e-6, f"max |diff| {diff:.2e}")
    m = keras.models.load_model(os.path.join(folder, "slookup.keras"))
    vocab = [str(v) for v in m.layers[0].get_vocabulary()]
    report("StringLookup vocabulary (asset)", vocab == facts["slookup"]["vocabulary"], str(vocab))
    out = np.asarray(m.layers[0](WORDS)).tolist()
    report("StringLookup output", out == facts["slookup"]["output"])
    m = keras.models.load_model(os.path.join(folder, "tfidf.keras"))
    vocab = [str(v) for v in m.layers[0].get_vocabulary()]
    report("StringLookup tf_idf vocabulary (asset)", vocab == facts["tfidf"]["vocabulary"], str(vocab))
    out = np.asarray(m.layers[0](WORDS))
    report("StringLookup tf_idf output (idf_weights store)", np.allclose(out, facts["tfidf"]["output"], rtol=1e-6))
    m = keras.models.load_model(os.path.join(folder, "disc.keras"))
    report("Discretization bin_boundaries", m.layers[0].bin_boundaries == facts["disc"]["bin_boundaries"])
    diff = float(np.abs(m.predict(XD, verbose=0) - np.asarray(facts["disc"]["predict"])).max())
    report("Discretization + CategoryEncoding + Dense predictions", diff <= 1e-6, f"max |diff| {diff:.2e}")
    m = keras.models.load_model(os.path.join(folder, "hash.keras"))
    report("Hashing (salted) output", np.asarray(m.layers[0](WORDS)).tolist() == facts["hash"]["output"])
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", help="phase 1 (glassnet's Python): write the files into this folder")
    ap.add_argument("--glassnet-python", default=os.path.join(".venv", "bin", "python"))
    args = ap.parse_args()
    if args.write:
        write(args.write)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.glassnet_python, os.path.abspath(__file__), "--write", tmp], check=True)
        return check(tmp)


if __name__ == "__main__":
    sys.exit(main())
