"""Convnets through .keras / .h5: Keras-made files load in glassnet; glassnet's own files round-trip.

The Keras files and their predictions come from tests/reference/make_conv_golden.py (Keras 3.15.1).
Predictions agree to float32 roundoff (1e-5: the two libraries sum the convolutions in other orders).
"""
from pathlib import Path

import numpy as np
import pytest

from glassnet import layers as L
from glassnet.models import Sequential, load_model

FILES = Path(__file__).resolve().parent / "reference" / "conv_files"
EXPECTED = np.load(FILES / "expected.npz")


@pytest.mark.parametrize("name", ["convnet.keras", "convnet.h5"])
def test_keras_made_convnet_loads(name):
    model = load_model(FILES / name)
    assert [type(layer).__name__ for layer in model.layers] == [
        "ZeroPadding2D", "Conv2D", "MaxPooling2D", "Cropping2D", "AveragePooling2D", "Conv2D",
        "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Dense"]
    for got, i in zip(model.get_weights(), range(100)):
        np.testing.assert_array_equal(got, EXPECTED[f"w{i}"])
    np.testing.assert_allclose(model.predict(EXPECTED["x"], verbose=0), EXPECTED["y"], rtol=1e-5, atol=1e-6)


def test_keras_made_conv1d_loads():
    model = load_model(FILES / "conv1d.keras")
    np.testing.assert_allclose(model.predict(EXPECTED["x1"], verbose=0), EXPECTED["y1"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_glassnet_convnet_round_trip(tmp_path, ext):
    rng = np.random.default_rng(0)
    model = Sequential([L.Input((8, 8, 1)), L.Conv2D(4, 3, padding="same", activation="relu"), L.MaxPooling2D(),
                        L.Conv2D(3, 2, strides=2, kernel_regularizer="l2"), L.AveragePooling2D(2, padding="same"),
                        L.Flatten(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = rng.standard_normal((16, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, 16)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / f"m{ext}")
    again = load_model(tmp_path / f"m{ext}")
    assert [layer.get_config() for layer in again.layers] == [layer.get_config() for layer in model.layers]
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
