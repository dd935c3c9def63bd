"""Separate check: files written by glassnet load in real Keras 3 with the same weights and predictions.

Not part of the pytest run (it needs TensorFlow).  Run it with the reference
environment from the repository root::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python tests/reference/check_keras_roundtrip.py

What it does:

1. Runs *this same script* with ``--write DIR`` under the project's Python
   (``.venv/bin/python``, or ``--glassnet-python PATH``).  That phase imports
   only glassnet: it trains two small models and writes
   ``classifier.keras/.h5/.weights.h5`` (Input(4) -> Dense(8, relu) -> Dropout ->
   Dense(3, softmax), Adam, categorical cross-entropy, ['accuracy']) and
   ``regressor.keras/.h5`` (Input(4) -> Dense(8, tanh) -> Dense(2), Adam(0.01),
   'mse', ['mae']), plus glassnet's weights, optimizer state and predictions as
   ``.npy`` files, and glassnet's weights after 2 more epochs of training.
2. Loads every file in Keras and checks:
   - the weights and the optimizer variables Keras reads are bit-identical to glassnet's;
   - the compile state comes back (loss, metrics, optimizer class, learning rate, iterations);
   - Keras's predictions equal glassnet's to float32 rounding (|diff| <= 1e-6: the
     two libraries sum matrix products in different orders);
   - Keras continuing training from ``regressor.keras`` for 2 epochs (batch 8,
     shuffle=False) reaches glassnet's continued weights (|diff| <= 1e-5);
   - ``regressor.h5``: Keras 3.15.1 cannot compile its *own* ``.h5`` of a model
     compiled with ``loss='mse'``; the check records whether that also holds for
     glassnet's file and loads it with ``compile=False``.

Exit status 0 when every check passes; each check prints one line.
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


def _data():
    import numpy as np

    rng = np.random.default_rng(7)
    x_train = rng.normal(size=(32, 4)).astype("float32")
    labels = (x_train[:, 0] > 0).astype(int) + (x_train[:, 1] > 0.5).astype(int)
    y_class = np.eye(3, dtype="float32")[labels]
    y_reg = np.stack([x_train[:, 0] - x_train[:, 2], 0.5 * x_train[:, 1] * x_train[:, 3]], axis=1).astype("float32")
    x = rng.normal(size=(10, 4)).astype("float32")
    return x_train, y_class, y_reg, x


# ============================================================== phase 1: glassnet writes
def write_files(out: str) -> None:
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import numpy as np
    import glassnet
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential

    glassnet.set_random_seed(3)
    x_train, y_class, y_reg, x = _data()

    def dump(prefix, model):
        for i, w in enumerate(model.get_weights()):
            np.save(os.path.join(out, f"{prefix}_w{i}.npy"), w)
        for i, v in enumerate(model.optimizer.variables):
            np.save(os.path.join(out, f"{prefix}_opt{i}.npy"), v.numpy())
        np.save(os.path.join(out, f"{prefix}_pred.npy"), model.predict(x, verbose=0))

    clf = Sequential([Input((4,)), Dense(8, activation="relu"), Dropout(0.25), Dense(3, activation="softmax")])
    clf.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    clf.fit(x_train, y_class, epochs=3, batch_size=8, verbose=0)
    clf.save(os.path.join(out, "classifier.keras"))
    clf.save(os.path.join(out, "classifier.h5"))
    clf.save_weights(os.path.join(out, "classifier.weights.h5"))
    dump("classifier", clf)

    reg = Sequential([Input((4,)), Dense(8, activation="tanh"), Dense(2)])
    reg.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    reg.fit(x_train, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
    reg.save(os.path.join(out, "regressor.keras"))
    reg.save(os.path.join(out, "regressor.h5"))
    dump("regressor", reg)
    reg.fit(x_train, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for i, w in enumerate(reg.get_weights()):
        np.save(os.path.join(out, f"regressor_continued_w{i}.npy"), w)
    np.save(os.path.join(out, "x.npy"), x)
    with open(os.path.join(out, "info.json"), "w") as fh:
        json.dump({"glassnet_version": glassnet.__version__,
                   "classifier_iterations": clf.optimizer.iterations,
                   "regressor_iterations": reg.optimizer.iterations - 8}, fh)


# ============================================================== phase 2: Keras reads
class Report:
    def __init__(self):
        self.failures = 0

    def check(self, ok: bool, what: str, detail: str = "") -> None:
        print(f"[{'ok' if ok else 'FAIL'}] {what}{(': ' + detail) if detail else ''}")
        if not ok:
            self.failures += 1


def _load_list(d, prefix, n):
    import numpy as np

    out, i = [], 0
    while os.path.exists(os.path.join(d, f"{prefix}{i}.npy")):
        out.append(np.load(os.path.join(d, f"{prefix}{i}.npy")))
        i += 1
    return out


def check_in_keras(d: str) -> int:
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras

    r = Report()
    info = json.load(open(os.path.join(d, "info.json")))
    print(f"Keras {keras.__version__} ({keras.backend.backend()}) reading files written by glassnet "
          f"{info['glassnet_version']} in {d}")
    x_train, y_class, y_reg, x = _data()

    def same_weights(model, prefix):
        want = _load_list(d, f"{prefix}_w", None)
        got = model.get_weights()
        return len(got) == len(want) and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(got, want))

    def same_optimizer(model, prefix, leading_only=False):
        want = _load_list(d, f"{prefix}_opt", None)
        got = [v.numpy() for v in model.optimizer.variables]
        if leading_only:      # Keras's legacy .h5 loader keeps only iteration and learning rate
            want = want[:len(got)]
        return len(got) == len(want) and all(np.array_equal(a, b) for a, b in zip(got, want))

    def pred_diff(model, prefix):
        return float(np.abs(model.predict(x, verbose=0) - np.load(os.path.join(d, f"{prefix}_pred.npy"))).max())

    # -- classifier: .keras and .h5
    for ext in (".keras", ".h5"):
        name = f"classifier{ext}"
        try:
            m = keras.saving.load_model(os.path.join(d, name))
        except Exception as exc:
            r.check(False, f"{name} loads in Keras", f"{type(exc).__name__}: {exc}")
            continue
        r.check(True, f"{name} loads in Keras")
        r.check(same_weights(m, "classifier"), f"{name}: weights bit-identical")
        if ext == ".keras":
            r.check(same_optimizer(m, "classifier"), f"{name}: optimizer variables bit-identical",
                    f"iterations={int(m.optimizer.iterations.numpy())}")
        else:
            r.check(same_optimizer(m, "classifier", leading_only=True),
                    f"{name}: optimizer iteration and learning rate bit-identical",
                    f"iterations={int(m.optimizer.iterations.numpy())}; Keras's legacy .h5 loader builds the "
                    f"optimizer for no variables and drops the slots, for its own files too")
        cc = m.get_compile_config()
        loss = cc["loss"]["config"] if isinstance(cc["loss"], dict) else cc["loss"]
        r.check(loss == "categorical_crossentropy" and cc["metrics"] == ["accuracy"]
                and type(m.optimizer).__name__ == "Adam"
                and float(m.optimizer.learning_rate.numpy()) == np.float32(0.001),
                f"{name}: compile state restored",
                f"loss={loss}, metrics={cc['metrics']}, optimizer={type(m.optimizer).__name__}")
        diff = pred_diff(m, "classifier")
        r.check(diff <= 1e-6, f"{name}: predictions match glassnet's", f"max |diff| = {diff:.3g}")

    # -- classifier: .weights.h5 into a compiled Keras model of the same architecture
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.25),
                          keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    m.optimizer.build(m.trainable_variables)   # as after a first fit: the file holds a built optimizer
    try:
        m.load_weights(os.path.join(d, "classifier.weights.h5"))
        r.check(same_weights(m, "classifier"), "classifier.weights.h5: weights bit-identical after load_weights")
        r.check(same_optimizer(m, "classifier"), "classifier.weights.h5: optimizer state bit-identical")
    except Exception as exc:
        r.check(False, "classifier.weights.h5 loads with load_weights", f"{type(exc).__name__}: {exc}")

    # -- regressor ('mse'): .keras, then continue training in Keras
    try:
        m = keras.saving.load_model(os.path.join(d, "regressor.keras"))
        r.check(True, "regressor.keras loads in Keras", f"loss={m.loss!r}")
        r.check(same_weights(m, "regressor"), "regressor.keras: weights bit-identical")
        r.check(same_optimizer(m, "regressor"), "regressor.keras: optimizer variables bit-identical")
        diff = pred_diff(m, "regressor")
        r.check(diff <= 1e-6, "regressor.keras: predictions match glassnet's", f"max |diff| = {diff:.3g}")
        m.fit(x_train, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
        want = _load_list(d, "regressor_continued_w", None)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(m.get_weights(), want))
        r.check(diff <= 1e-5, "regressor.keras: 2 more epochs in Keras reach glassnet's continued weights",
                f"max |diff| = {diff:.3g}")
    except Exception as exc:
        r.check(False, "regressor.keras loads and trains in Keras", f"{type(exc).__name__}: {exc}")

    # -- regressor ('mse'): legacy .h5
    try:
        keras.saving.load_model(os.path.join(d, "regressor.h5"))
        print("[note] regressor.h5 (loss='mse') compiles in Keras")
    except Exception as exc:
        print(f"[note] regressor.h5 (loss='mse'): Keras cannot compile it, as with its own .h5 files of such "
              f"models ({type(exc).__name__}: {str(exc)[:90]})")
    try:
        m = keras.saving.load_model(os.path.join(d, "regressor.h5"), compile=False)
        r.check(same_weights(m, "regressor"), "regressor.h5 (compile=False): weights bit-identical")
        diff = pred_diff(m, "regressor")
        r.check(diff <= 1e-6, "regressor.h5 (compile=False): predictions match glassnet's", f"max |diff| = {diff:.3g}")
    except Exception as exc:
        r.check(False, "regressor.h5 loads in Keras with compile=False", f"{type(exc).__name__}: {exc}")

    print("all checks passed" if r.failures == 0 else f"{r.failures} check(s) FAILED")
    return 0 if r.failures == 0 else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", metavar="DIR", help="phase 1 only: write glassnet's files into DIR")
    parser.add_argument("--glassnet-python", default=os.path.join(ROOT, ".venv", "bin", "python"),
                        help="the Python that has glassnet's dependencies (default: the project's .venv)")
    parser.add_argument("--keep", metavar="DIR", help="write the files into DIR and keep them")
    args = parser.parse_args(argv)
    if args.write:
        write_files(args.write)
        return 0
    with tempfile.TemporaryDirectory(prefix="glassnet_keras_check_") as tmp:
        d = args.keep or tmp
        os.makedirs(d, exist_ok=True)
        subprocess.run([args.glassnet_python, os.path.abspath(__file__), "--write", d], check=True)
        return check_in_keras(d)


if __name__ == "__main__":
    sys.exit(main())
