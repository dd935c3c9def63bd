"""Record Keras 3 training runs of a custom layer written with keras.ops and a custom loss function.

Run with the reference environment (Keras 3 + TensorFlow), not the project venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        /work/refenv/bin/python tests/reference/make_custom_training_golden.py

It writes ``tests/reference/keras_custom_training.json``: the float32 data, the initial weights, and
after ``fit(epochs=3, batch_size=8, shuffle=False)`` the final weights and the loss history, for a
``Sequential([Input((4,)), GatedLinear(6), Dense(1)])`` trained with Adam on a Huber-like loss written
with keras.ops.  ``GatedLinear.call`` is ``tanh(x @ w + b) * sigmoid(x[:, :1])`` (indexing, matmul,
broadcasting, two activations).  tests/test_autodiff.py trains the same model in glassnet.
"""
from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_custom_training.json")


class GatedLinear(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return ops.tanh(ops.matmul(x, self.w) + self.b) * ops.sigmoid(x[:, :1])


def huberish(y_true, y_pred):
    err = y_true - y_pred
    small = ops.abs(err) <= 0.5
    return ops.mean(ops.where(small, 0.5 * ops.square(err), 0.5 * ops.abs(err) - 0.125), axis=-1)


def main():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = (np.sin(x[:, :1] * 2) + 0.3 * x[:, 1:2] ** 2).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), GatedLinear(6), keras.layers.Dense(1)])
    model.layers[1].bias.assign(np.full((1,), 0.1, np.float32))
    initial = [w.tolist() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=huberish)
    history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    OUT.write_text(json.dumps({
        "x": x.tolist(), "y": y.tolist(), "initial_weights": initial,
        "final_weights": [w.tolist() for w in model.get_weights()],
        "loss": [float(v) for v in history.history["loss"]],
    }, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
