"""Functional and subclassed models in files: Keras-made files load with Keras's predictions, and
glassnet's files load back (and, checked live by `make check-keras`, in Keras).

Fixtures: tests/reference/keras_files/functional_* from tests/reference/make_functional_files.py (Keras 3).
"""
import json
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers, ops

pytest.importorskip("h5py")
FILES = Path(__file__).resolve().parent / "reference" / "keras_files"
EXPECTED = json.loads((FILES / "functional_expected.json").read_text())
DATA = np.load(FILES / "functional_x.npz")
X = [DATA["wide"], DATA["deep"]]


@pytest.mark.parametrize("name", ["functional_wide_deep.keras", "functional_wide_deep.h5"])
def test_keras_wide_and_deep_loads_with_keras_predictions(name):
    model = keras.models.load_model(FILES / name, compile=name.endswith(".keras"))
    assert type(model).__name__ == "Functional" and model.input_names == ["wide", "deep"]
    np.testing.assert_allclose(model.predict(X, verbose=0), EXPECTED["wide_deep"], rtol=1e-5, atol=1e-6)


def test_keras_weights_file_loads_into_the_same_graph():
    wide, deep = layers.Input((3,), name="wide"), layers.Input((2,), name="deep")
    h = layers.Dense(4, activation="relu", name="h1")(deep)
    model = keras.Model([wide, deep], layers.Dense(1, name="price")(layers.Concatenate(name="cat")([wide, h])))
    model.load_weights(FILES / "functional_wide_deep.weights.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), EXPECTED["wide_deep"], rtol=1e-5, atol=1e-6)


def test_nested_model_and_two_outputs(tmp_path):
    nested = keras.models.load_model(FILES / "functional_nested.keras")
    assert [l.name for l in nested.layers] == EXPECTED["nested_layers"]
    assert not nested.layers[1].trainable          # the frozen base stays frozen
    np.testing.assert_allclose(nested.predict(DATA["wide"], verbose=0), EXPECTED["nested"], rtol=1e-5, atol=1e-6)
    two = keras.models.load_model(FILES / "functional_two_outputs.keras")
    for got, want in zip(two.predict(DATA["wide"], verbose=0), EXPECTED["two_outputs"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    ev = two.evaluate(DATA["wide"], [DATA["y"], DATA["labels"]], verbose=0, return_dict=True)
    for key, value in EXPECTED["two_outputs_evaluate"].items():
        assert ev[key] == pytest.approx(value, rel=1e-4), key
    for fmt in ("keras", "h5"):                     # and back through glassnet's own files
        path = tmp_path / f"two.{fmt}"
        two.save(path)
        again = keras.models.load_model(path)
        for got, want in zip(again.predict(DATA["wide"], verbose=0), EXPECTED["two_outputs"]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert again.output_names == ["p", "q"]


@keras.saving.register_keras_serializable(package="tests")
class Gated(layers.Layer):
    """y = x * sigmoid(x W): a custom layer written with ops, registered for files."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) * ops.sigmoid(ops.matmul(inputs, self.w))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_registered_custom_layer_round_trips(tmp_path):
    inp = layers.Input((3,))
    model = keras.Model(inp, layers.Dense(1)(Gated(4, name="gated")(inp)))
    model.compile("adam", "mse")
    model.fit(DATA["wide"], DATA["y"], epochs=2, verbose=0)
    for fmt in ("keras", "h5"):
        path = tmp_path / f"gated.{fmt}"
        model.save(path)
        again = keras.models.load_model(path)
        assert isinstance(again.get_layer("gated"), Gated)
        np.testing.assert_allclose(again.predict(DATA["wide"], verbose=0), model.predict(DATA["wide"], verbose=0),
                                   rtol=1e-6)


@keras.saving.register_keras_serializable(package="glassnet_tests")
class Twin(keras.Model):
    """The subclassed model of make_functional_files.py, written for glassnet (same registered name)."""

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


def test_subclassed_model_from_keras_and_back(tmp_path):
    twin = keras.models.load_model(FILES / "subclassed_twin.keras")
    assert isinstance(twin, Twin) and twin.units == 4
    np.testing.assert_allclose(twin.predict(DATA["wide"], verbose=0), EXPECTED["twin"], rtol=1e-5, atol=1e-6)
    twin.fit(DATA["wide"], DATA["y"], epochs=1, verbose=0)          # compiled from the file: trains on
    for name in ("twin.keras", "twin.weights.h5"):
        path = tmp_path / name
        if name.endswith(".keras"):
            twin.save(path)
            again = keras.models.load_model(path)
        else:
            twin.save_weights(path)
            again = Twin(units=4)
            again.build((None, 3))
            again.load_weights(path)
        np.testing.assert_allclose(again.predict(DATA["wide"], verbose=0), twin.predict(DATA["wide"], verbose=0),
                                   rtol=1e-6)
    assert keras.inspect.gradient_check(twin, DATA["wide"][:6], DATA["y"][:6]).max_relative_error < 1e-6
