"""Write Keras 3's numbers for the convolution / pooling / 2-D border layers (``conv_golden.json``).

Run with the reference interpreter (Keras 3 on TensorFlow), never with glassnet's venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 /work/refenv/bin/python tests/reference/make_conv_golden.py

Contents:

* ``layers``: for each case, the layer's class and arguments, a float32 input, the weights set
  (kernel, bias drawn by NumPy), Keras's output, Keras's ``get_config()`` and the vector-Jacobian
  products (d sum(g * y) / d x and / d each weight, from ``tf.GradientTape``) for a fixed ``g``.
* ``conv_files/convnet.keras`` / ``convnet.h5``: a Keras-trained convnet using every layer here, with
  ``conv_files/expected.npz`` (its input batch ``x``, predictions ``y`` and weights ``w0, w1, ...``).
* ``ties``: where the gradient of tied maxima goes (MaxPooling2D: the first in row-major order;
  GlobalMaxPooling2D: shared equally).
* ``training``: 3-epoch ``fit(shuffle=False)`` runs of small convnets from fixed initial weights:
  the initial weights, the per-epoch losses and the final weights.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "conv_golden.json"
SEED = 20261204


def f32(a):
    arr = np.asarray(a, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError("non-finite value in golden data")
    return np.array([float(str(v)) for v in arr.ravel()], dtype=object).reshape(arr.shape).tolist()


LAYER_CASES = [
    ("Conv2D", dict(filters=3, kernel_size=3), (2, 6, 5, 2)),
    ("Conv2D", dict(filters=2, kernel_size=(2, 3), strides=(2, 1), padding="same", activation="relu"), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 6, 6, 2)),
    ("Conv2D", dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 7, 8, 2)),
    ("Conv2D", dict(filters=2, kernel_size=(3, 2), dilation_rate=(2, 1), padding="same", use_bias=False),
     (2, 7, 5, 2)),
    ("Conv2D", dict(filters=3, kernel_size=2, dilation_rate=2, activation="tanh"), (1, 6, 6, 2)),
    ("Conv1D", dict(filters=3, kernel_size=3), (2, 9, 2)),
    ("Conv1D", dict(filters=2, kernel_size=4, strides=3, padding="same"), (2, 10, 3)),
    ("Conv1D", dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2), (2, 8, 2)),
    ("MaxPooling2D", dict(), (2, 5, 7, 2)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 6, 7, 2)),
    ("MaxPooling2D", dict(pool_size=(2, 3), strides=1), (1, 5, 6, 2)),
    ("AveragePooling2D", dict(pool_size=2), (2, 5, 7, 2)),
    ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 6, 7, 2)),
    ("AveragePooling2D", dict(pool_size=(3, 2), strides=1, padding="same"), (1, 5, 4, 2)),
    ("MaxPooling1D", dict(), (2, 7, 3)),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 2)),
    ("AveragePooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 8, 2)),
    ("AveragePooling1D", dict(pool_size=2, strides=1), (2, 5, 2)),
    ("GlobalAveragePooling2D", dict(), (2, 4, 5, 3)),
    ("GlobalAveragePooling2D", dict(keepdims=True), (2, 4, 5, 3)),
    ("GlobalMaxPooling2D", dict(), (2, 4, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True), (2, 4, 5, 3)),
    ("ZeroPadding2D", dict(), (1, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 2), (0, 3))), (1, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(2, 1)), (1, 3, 4, 2)),
    ("Cropping2D", dict(cropping=((1, 2), (2, 0))), (1, 6, 5, 2)),
    ("Cropping2D", dict(cropping=1), (1, 6, 5, 2)),
]


def layer_cases(rng):
    out = []
    for cls, kwargs, shape in LAYER_CASES:
        layer = getattr(keras.layers, cls)(**kwargs)
        x = rng.standard_normal(shape).astype(np.float32)
        layer.build(shape)
        weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in layer.get_weights()]
        layer.set_weights(weights)
        g = rng.standard_normal(layer.compute_output_shape(shape)).astype(np.float32)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
            cost = tf.reduce_sum(y * g)
        grads = tape.gradient(cost, [xt] + list(layer.trainable_variables))
        out.append({
            "class_name": cls, "kwargs": kwargs, "x": f32(x), "weights": [f32(w) for w in weights],
            "y": f32(y.numpy()), "g": f32(g), "dx": f32(grads[0].numpy()),
            "dweights": [f32(d.numpy()) for d in grads[1:]],
            "config": json.loads(json.dumps(layer.get_config())),
        })
    return out


TIE_INPUTS = [
    ("MaxPooling2D", {}, [[1, 1, 0, 2], [1, 0, 2, 2], [3, 3, 1, 1], [3, 3, 1, 1]]),
    ("MaxPooling2D", {"pool_size": 2, "strides": 1}, [[1, 1, 1], [1, 1, 1], [1, 1, 1]]),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, [[2, 2, 2, 2], [2, 2, 2, 2], [0, 2, 2, 0], [2, 0, 0, 2]]),
    ("GlobalMaxPooling2D", {}, [[1, 1, 0, 2], [1, 0, 2, 2], [3, 3, 1, 1], [3, 3, 1, 1]]),
]


def tie_cases():
    """Where TensorFlow sends the gradient of tied maxima (d sum(y) / d x)."""
    out = []
    for cls, kwargs, image in TIE_INPUTS:
        x = tf.constant(np.array(image, np.float32)[None, :, :, None])
        layer = getattr(keras.layers, cls)(**kwargs)
        with tf.GradientTape() as tape:
            tape.watch(x)
            cost = tf.reduce_sum(layer(x))
        out.append({"class_name": cls, "kwargs": kwargs, "x": f32(x.numpy()), "dx": f32(tape.gradient(cost, x).numpy())})
    return out


def model_a():
    return keras.Sequential([
        keras.Input((9, 9, 2)),
        keras.layers.ZeroPadding2D(1),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(2, padding="same"),
        keras.layers.Conv2D(3, 2, dilation_rate=2, padding="same", activation="tanh"),
        keras.layers.Cropping2D(((0, 1), (1, 0))),
        keras.layers.AveragePooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ])


def model_b():
    return keras.Sequential([
        keras.Input((12, 2)),
        keras.layers.Conv1D(4, 3, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPooling1D(2),
        keras.layers.Conv1D(2, 2, padding="causal"),
        keras.layers.AveragePooling1D(2, strides=1),
        keras.layers.Flatten(),
        keras.layers.Dense(1),
    ])


def model_c():
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2D(5, 2, activation="relu"),
        keras.layers.GlobalMaxPooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ])


TRAINING = [
    ("conv2d_adam", model_a, "adam_0.01", "sparse_categorical_crossentropy", (9, 9, 2), "classes3"),
    ("conv1d_sgd", model_b, "sgd_0.05_momentum", "mse", (12, 2), "regression"),
    ("conv2d_global_max_rmsprop", model_c, "rmsprop_0.005", "categorical_crossentropy", (8, 8, 1), "onehot2"),
]


def optimizer(spec):
    if spec == "adam_0.01":
        return keras.optimizers.Adam(0.01)
    if spec == "sgd_0.05_momentum":
        return keras.optimizers.SGD(0.05, momentum=0.9)
    if spec == "rmsprop_0.005":
        return keras.optimizers.RMSprop(0.005)
    raise ValueError(spec)


def training_cases(rng):
    out = []
    for i, (name, build, opt, loss, shape, target) in enumerate(TRAINING):
        keras.utils.set_random_seed(1000 + i)
        model = build()
        n = 40
        x = rng.standard_normal((n,) + shape).astype(np.float32)
        if target == "classes3":
            y = rng.integers(0, 3, n).astype(np.float32)
        elif target == "onehot2":
            y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)]
        else:
            y = rng.standard_normal((n, 1)).astype(np.float32)
        # biases nonzero too, so their gradients are exercised from the first step
        weights = [w if w.ndim > 1 else rng.normal(0.0, 0.1, w.shape).astype(np.float32)
                   for w in model.get_weights()]
        model.set_weights(weights)
        model.compile(optimizer=optimizer(opt), loss=loss, jit_compile=False)
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        out.append({
            "name": name, "optimizer": opt, "loss": loss, "batch_size": 16, "epochs": 3,
            "layers": [layer.get_config() | {"class_name": type(layer).__name__} for layer in model.layers],
            "input_shape": list(shape), "x": f32(x), "y": f32(y),
            "initial_weights": [f32(w) for w in weights],
            "losses": [float(v) for v in history.history["loss"]],
            "final_weights": [f32(w) for w in model.get_weights()],
        })
    return out


def keras_files(rng):
    """A Keras-made convnet with every layer of this family, saved both ways, for glassnet to load."""
    folder = HERE / "conv_files"
    folder.mkdir(exist_ok=True)
    keras.utils.set_random_seed(77)
    model = keras.Sequential([
        keras.Input((10, 10, 2)),
        keras.layers.ZeroPadding2D(((1, 0), (0, 1))),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2, strides=1),
        keras.layers.Cropping2D(1),
        keras.layers.AveragePooling2D(2, padding="same"),
        keras.layers.Conv2D(3, 1),
        keras.layers.GlobalMaxPooling2D(keepdims=True),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    x = rng.standard_normal((12, 10, 10, 2)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 12)]
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    model.save(folder / "convnet.keras")
    model.save(folder / "convnet.h5")
    conv1d = keras.Sequential([keras.Input((9, 2)), keras.layers.Conv1D(3, 3, padding="causal", dilation_rate=2),
                               keras.layers.MaxPooling1D(2, padding="same"), keras.layers.AveragePooling1D(2),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    conv1d.save(folder / "conv1d.keras")
    x1 = rng.standard_normal((5, 9, 2)).astype(np.float32)
    arrays = {"x": x, "y": model.predict(x, verbose=0), "x1": x1, "y1": conv1d.predict(x1, verbose=0)}
    arrays.update({f"w{i}": w for i, w in enumerate(model.get_weights())})
    np.savez(folder / "expected.npz", **arrays)


def main():
    rng = np.random.default_rng(SEED)
    keras_files(np.random.default_rng(SEED + 1))
    data = {
        "meta": {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
                 "python": platform.python_version(), "seed": SEED,
                 "script": "tests/reference/make_conv_golden.py"},
        "layers": layer_cases(rng),
        "training": training_cases(rng),
        "ties": tie_cases(),
    }
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    tmp.replace(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
