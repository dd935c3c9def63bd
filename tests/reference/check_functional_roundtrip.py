"""Separate check: glassnet's functional, nested and subclassed models load in real Keras 3.

Not part of the pytest run (it needs TensorFlow).  From the repository root::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python \\
        tests/reference/check_functional_roundtrip.py --glassnet-python .venv/bin/python

Phase 1 runs this script with ``--write DIR`` under glassnet's Python: it trains a two-input wide &
deep model (saved as .keras, .h5 and .weights.h5), a model with a nested functional base and two
outputs (.keras), and a registered subclassed model (.keras), and writes their inputs and
predictions.  Phase 2 loads each file in Keras (the subclassed class defined here under the same
registered name) and checks that Keras predicts what glassnet predicted (|diff| <= 1e-5).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile


def subclass(keras, layers):
    @keras.saving.register_keras_serializable(package="glassnet_check")
    class Twin(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.left = layers.Dense(units, activation="tanh")
            self.right = layers.Dense(units, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.left(inputs) + self.right(inputs))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Twin


def write(folder):
    import numpy as np

    import glassnet as keras
    from glassnet import layers

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
    y, labels = rng.normal(size=(16, 1)).astype("float32"), rng.integers(0, 2, 16)
    wide, deep = layers.Input((3,), name="wide"), layers.Input((2,), name="deep")
    h = layers.Dense(4, activation="relu", name="h1")(deep)
    wd = keras.Model([wide, deep], layers.Dense(1, name="price")(layers.concatenate([wide, h])), name="wd")
    wd.compile("adam", "mse", metrics=["mae"])
    wd.fit([a, b], y, epochs=2, verbose=0)
    for ext in ("keras", "h5"):
        wd.save(os.path.join(folder, f"wd.{ext}"))
    wd.save_weights(os.path.join(folder, "wd.weights.h5"))
    base_in = layers.Input((3,), name="base_in")
    base = keras.Model(base_in, layers.Dense(4, activation="tanh", name="base_dense")(base_in), name="base")
    inp = layers.Input((3,), name="inp")
    feat = base(inp)
    two = keras.Model(inp, [layers.Dense(1, name="p")(feat), layers.Dense(2, activation="softmax", name="q")(feat)])
    two.compile("rmsprop", ["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                metrics=[["mae"], ["accuracy"]])
    two.fit(a, [y, labels], epochs=2, verbose=0)
    two.save(os.path.join(folder, "two.keras"))
    twin = subclass(keras, layers)(units=4)
    twin.compile("adam", "mse")
    twin.fit(a, y, epochs=2, verbose=0)
    twin.save(os.path.join(folder, "twin.keras"))
    np.savez(os.path.join(folder, "data.npz"), a=a, b=b)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"wd": wd.predict([a, b], verbose=0).tolist(),
                   "two": [p.tolist() for p in two.predict(a, verbose=0)],
                   "twin": twin.predict(a, verbose=0).tolist()}, f)


def check(folder) -> int:
    import keras
    import numpy as np
    from keras import layers

    subclass(keras, layers)
    data = np.load(os.path.join(folder, "data.npz"))
    expected = json.load(open(os.path.join(folder, "expected.json")))
    failures = 0

    def compare(name, got, want):
        nonlocal failures
        diff = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
        ok = diff <= 1e-5
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: max |diff| {diff:.2e}")

    for ext in ("keras", "h5"):
        m = keras.models.load_model(os.path.join(folder, f"wd.{ext}"), compile=ext == "keras")
        compare(f"wd.{ext}", m.predict([data["a"], data["b"]], verbose=0), expected["wd"])
    m = keras.models.load_model(os.path.join(folder, "wd.keras"))
    m.load_weights(os.path.join(folder, "wd.weights.h5"))
    compare("wd.weights.h5", m.predict([data["a"], data["b"]], verbose=0), expected["wd"])
    two = keras.models.load_model(os.path.join(folder, "two.keras"))
    for i, (got, want) in enumerate(zip(two.predict(data["a"], verbose=0), expected["two"])):
        compare(f"two.keras output {i}", got, want)
    twin = keras.models.load_model(os.path.join(folder, "twin.keras"))
    compare("twin.keras (subclassed)", twin.predict(data["a"], verbose=0), expected["twin"])
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--glassnet-python")
    p.add_argument("--write")
    args = p.parse_args()
    if args.write:
        write(args.write)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([args.glassnet_python, __file__, "--write", folder], check=True)
        return check(folder)


if __name__ == "__main__":
    sys.exit(main())
