"""Keras-made functional models for tests/test_functional_saving.py.

Writes into tests/reference/keras_files/: a two-input wide & deep regressor (.keras, .h5, .weights.h5),
a model with a nested functional base (.keras) and a two-output model (.keras), each trained a little,
plus functional_expected.json with their predictions on functional_x.npz.

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python tests/reference/make_functional_files.py
"""
import json
import os

import numpy as np
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "keras_files")


@keras.saving.register_keras_serializable(package="glassnet_tests")
class Twin(keras.Model):
    """A subclassed model: two Dense branches, summed."""

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


def main():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    wide_x = rng.normal(size=(16, 3)).astype("float32")
    deep_x = rng.normal(size=(16, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    labels = rng.integers(0, 2, size=16)

    wide = keras.Input((3,), name="wide")
    deep = keras.Input((2,), name="deep")
    h = layers.Dense(4, activation="relu", name="h1")(deep)
    out = layers.Dense(1, name="price")(layers.Concatenate(name="cat")([wide, h]))
    wd = keras.Model([wide, deep], out, name="wide_deep")
    wd.compile(optimizer="adam", loss="mse", metrics=["mae"])
    wd.fit([wide_x, deep_x], y, epochs=2, verbose=0)
    wd.save(os.path.join(OUT, "functional_wide_deep.keras"))
    wd.save(os.path.join(OUT, "functional_wide_deep.h5"))
    wd.save_weights(os.path.join(OUT, "functional_wide_deep.weights.h5"))

    base_in = keras.Input((3,), name="base_in")
    base = keras.Model(base_in, layers.Dense(4, activation="tanh", name="base_dense")(base_in), name="base")
    base.trainable = False
    inp = keras.Input((3,), name="inp")
    nested = keras.Model(inp, layers.Dense(1, activation="sigmoid", name="head")(base(inp)), name="nested")
    nested.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    nested.fit(wide_x, labels, epochs=2, verbose=0)
    nested.save(os.path.join(OUT, "functional_nested.keras"))

    x = keras.Input((3,), name="x")
    trunk = layers.Dense(5, activation="relu", name="trunk")(x)
    two = keras.Model(x, [layers.Dense(1, name="p")(trunk), layers.Dense(2, activation="softmax", name="q")(trunk)],
                      name="two_outputs")
    two.compile(optimizer="rmsprop", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                metrics=[["mae"], ["accuracy"]])
    two.fit(wide_x, [y, labels], epochs=2, verbose=0)
    two.save(os.path.join(OUT, "functional_two_outputs.keras"))

    twin = Twin(units=4)
    twin.compile(optimizer="adam", loss="mse")
    twin.fit(wide_x, y, epochs=2, verbose=0)
    twin.save(os.path.join(OUT, "subclassed_twin.keras"))

    np.savez(os.path.join(OUT, "functional_x.npz"), wide=wide_x, deep=deep_x, y=y, labels=labels)
    expected = {
        "wide_deep": wd.predict([wide_x, deep_x], verbose=0).tolist(),
        "nested": nested.predict(wide_x, verbose=0).tolist(),
        "two_outputs": [p.tolist() for p in two.predict(wide_x, verbose=0)],
        "two_outputs_evaluate": two.evaluate(wide_x, [y, labels], verbose=0, return_dict=True),
        "nested_layers": [l.name for l in nested.layers],
        "twin": twin.predict(wide_x, verbose=0).tolist(),
    }
    with open(os.path.join(OUT, "functional_expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
