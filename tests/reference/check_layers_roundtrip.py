"""Separate check: glassnet models that use the issue-12 layers load in real Keras 3.

Not part of the pytest run (it needs TensorFlow).  From the repository root::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 /work/refenv/bin/python \
        tests/reference/check_layers_roundtrip.py --glassnet-python .venv/bin/python

Phase 1 runs this script with ``--write DIR`` under glassnet's Python (no TensorFlow): it
trains two small models (a Dense stack with BatchNormalization, PReLU, LayerNormalization,
the noise layers, the shape layers, ReLU/LeakyReLU/ELU/Softmax and a MaxNorm-constrained
kernel; and an Embedding bag-of-words model with GlobalMaxPooling1D, UnitNormalization,
RepeatVector, Reshape and Rescaling) and saves each as ``.keras`` and ``.h5`` with its inputs,
weights and predictions.  Phase 2 loads every file in Keras and checks that the weights are
bit-identical (BatchNormalization's moving statistics included) and that Keras's predictions
equal glassnet's to float32 rounding (|diff| <= 1e-5).  Exit status 0 when all pass.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(folder):
    import numpy as np

    from glassnet import constraints
    from glassnet import layers as L
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 24)]
    mix = Sequential([
        L.Input((6,)), L.Dense(8, kernel_constraint=constraints.MaxNorm(2.0)), L.BatchNormalization(),
        L.PReLU(alpha_initializer="random_normal"), L.GaussianNoise(0.1), L.AlphaDropout(0.1),
        L.GaussianDropout(0.1), L.Reshape((2, 4)), L.LayerNormalization(), L.SpatialDropout1D(0.2),
        L.Permute((2, 1)), L.GlobalAveragePooling1D(), L.ReLU(max_value=3.0), L.LeakyReLU(), L.ELU(0.5),
        L.ActivityRegularization(0.01), L.Dense(3), L.Softmax()])
    mix.compile("adam", "categorical_crossentropy")
    mix.fit(x, y, epochs=2, batch_size=8, verbose=0)
    tokens = rng.integers(0, 12, (24, 5)).astype("float32")
    y_reg = rng.normal(size=(24, 1)).astype("float32")
    bag = Sequential([L.Input((5,)), L.Embedding(12, 4, embeddings_constraint="unit_norm"),
                      L.GlobalMaxPooling1D(), L.UnitNormalization(), L.RepeatVector(2), L.Reshape((-1,)),
                      L.Rescaling(2.0, offset=0.5), L.Dense(1)])
    bag.compile("sgd", "mean_squared_error")
    bag.fit(tokens, y_reg, epochs=2, batch_size=8, verbose=0)
    out = {}
    for name, model, inputs in (("mix", mix, x), ("bag", bag, tokens)):
        for suffix in (".keras", ".h5"):
            model.save(os.path.join(folder, name + suffix))
        out[name] = {"x": inputs.tolist(), "prediction": model.predict(inputs, verbose=0).tolist(),
                     "weights": [w.tolist() for w in model.get_weights()]}
    with open(os.path.join(folder, "expected.json"), "w") as fh:
        json.dump(out, fh)


def check(folder) -> bool:
    import numpy as np
    import keras

    with open(os.path.join(folder, "expected.json")) as fh:
        expected = json.load(fh)
    ok = True
    for name, want in expected.items():
        for suffix in (".keras", ".h5"):
            label = f"{name}{suffix}"
            try:
                model = keras.models.load_model(os.path.join(folder, name + suffix))
            except Exception as exc:  # report and go on with the other files
                print(f"FAIL {label}: Keras could not load it: {type(exc).__name__}: {exc}")
                ok = False
                continue
            same = all(np.array_equal(a, np.asarray(b, dtype=np.float32))
                       for a, b in zip(model.get_weights(), want["weights"]))
            x = np.asarray(want["x"], dtype="int32" if name == "bag" else "float32")
            diff = float(np.max(np.abs(model.predict(x, verbose=0) - np.asarray(want["prediction"]))))
            passed = same and diff <= 1e-5 and len(model.get_weights()) == len(want["weights"])
            ok &= passed
            print(f"{'ok  ' if passed else 'FAIL'} {label}: weights identical={same}, max |prediction diff|={diff:.2e}")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", help="phase 1 (glassnet's Python): write the files into this folder")
    parser.add_argument("--glassnet-python", default=os.path.join(ROOT, ".venv", "bin", "python"))
    args = parser.parse_args()
    if args.write:
        write(args.write)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([args.glassnet_python, os.path.abspath(__file__), "--write", folder], check=True, cwd=ROOT)
        return 0 if check(folder) else 1


if __name__ == "__main__":
    sys.exit(main())
