"""Write the Keras-made model files that tests/test_saving.py loads into glassnet.

Run with the reference environment (Keras 3.15.1, TensorFlow backend, h5py)::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python tests/reference/make_keras_files.py

It writes into ``tests/reference/keras_files/``:

``classifier.keras``, ``classifier.h5``, ``classifier.weights.h5``
    Sequential Input(4) -> Dense(8, relu) -> Dropout(0.25) -> Dense(3, softmax),
    compiled with Adam, categorical cross-entropy and ['accuracy'], trained 3
    epochs (batch 8) on ``x_train.npy`` / ``y_class.npy``.
``regressor.keras``, ``regressor.h5``
    Input(4) -> Dense(8, tanh) -> Dense(2), compiled with Adam(0.01), loss 'mse'
    and metrics ['mae'], trained 2 epochs (batch 8, shuffle=False) on
    ``x_train.npy`` / ``y_reg.npy``.  Keras 3 itself cannot load this ``.h5``
    back with compile=True (recorded in ``expected.json``).
``x.npy``
    the input batch the predictions below are made on.
``expected.json``
    for each model: Keras's predictions on ``x.npy``, its weights, its optimizer
    variables (Keras's order), iterations and compile arguments; and, for the
    regressor, the weights after Keras trains 2 more epochs (batch 8,
    shuffle=False) *after reloading* ``regressor.keras``: glassnet must reach
    the same weights from the same file.
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_files")


def as_list(a):
    return np.asarray(a).tolist()


def describe(model, compile_config):
    return {
        "weights": [as_list(w) for w in model.get_weights()],
        "optimizer_variables": [as_list(v.numpy()) for v in model.optimizer.variables],
        "optimizer_variable_paths": [v.path for v in model.optimizer.variables],
        "iterations": int(model.optimizer.iterations.numpy()),
        "compile_config": compile_config,
        "layer_names": [layer.name for layer in model.layers],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(24, 4)).astype("float32")
    labels = (x_train[:, 0] > 0).astype(int) + (x_train[:, 1] > 0.5).astype(int)
    y_class = np.eye(3, dtype="float32")[labels]
    y_reg = np.stack([x_train[:, 0] - x_train[:, 2], 0.5 * x_train[:, 1] * x_train[:, 3]], axis=1).astype("float32")
    x = rng.normal(size=(6, 4)).astype("float32")
    np.save(os.path.join(OUT, "x_train.npy"), x_train)
    np.save(os.path.join(OUT, "y_class.npy"), y_class)
    np.save(os.path.join(OUT, "y_reg.npy"), y_reg)
    np.save(os.path.join(OUT, "x.npy"), x)
    expected = {"keras_version": keras.__version__, "backend": keras.backend.backend()}

    # -- classifier
    clf = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(3, activation="softmax"),
    ])
    clf.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    clf.fit(x_train, y_class, epochs=3, batch_size=8, verbose=0)
    # Read before saving: Keras's legacy .h5 writer pops "optimizer" out of the model's own
    # compile config (keras/src/legacy/saving/saving_utils.py, model_metadata).
    clf_compile_config = clf.get_compile_config()
    clf.save(os.path.join(OUT, "classifier.keras"))
    clf.save(os.path.join(OUT, "classifier.h5"))
    clf.save_weights(os.path.join(OUT, "classifier.weights.h5"))
    expected["classifier"] = describe(clf, clf_compile_config)
    expected["classifier"]["predictions"] = as_list(clf.predict(x, verbose=0))

    # -- regressor compiled with the alias 'mse'
    reg = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="tanh"),
        keras.layers.Dense(2),
    ])
    reg.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    reg.fit(x_train, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
    reg_compile_config = reg.get_compile_config()
    reg.save(os.path.join(OUT, "regressor.keras"))
    reg.save(os.path.join(OUT, "regressor.h5"))
    expected["regressor"] = describe(reg, reg_compile_config)
    expected["regressor"]["predictions"] = as_list(reg.predict(x, verbose=0))
    try:
        keras.saving.load_model(os.path.join(OUT, "regressor.h5"))
        expected["regressor"]["keras_loads_own_h5"] = True
    except Exception as exc:  # Keras 3.15.1: "Could not deserialize 'keras.metrics.mse' ..."
        expected["regressor"]["keras_loads_own_h5"] = False
        expected["regressor"]["keras_h5_error"] = f"{type(exc).__name__}: {exc}"

    # -- continue training from the file, in Keras
    again = keras.saving.load_model(os.path.join(OUT, "regressor.keras"))
    history = again.fit(x_train, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
    expected["regressor"]["continued"] = {
        "epochs": 2, "batch_size": 8,
        "weights": [as_list(w) for w in again.get_weights()],
        "loss": [float(v) for v in history.history["loss"]],
        "iterations": int(again.optimizer.iterations.numpy()),
    }

    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1)
    print(f"wrote {sorted(os.listdir(OUT))} to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
