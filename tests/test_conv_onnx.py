"""ONNX export of convnets: Conv / MaxPool / AveragePool / Global*Pool / Pad / Slice match predict."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from glassnet import layers as L  # noqa: E402
from glassnet.export import to_onnx  # noqa: E402
from glassnet.models import Sequential  # noqa: E402


def _run(model, x, tmp_path, opset=17):
    path = tmp_path / "m.onnx"
    to_onnx(model, path, opset=opset)
    return ort.InferenceSession(str(path)).run(["output"], {"input": x})[0]


@pytest.mark.parametrize("opset", [13, 17])
def test_convnet_2d_matches_predict(tmp_path, opset):
    model = Sequential([
        L.Input((11, 10, 2)), L.ZeroPadding2D(((1, 0), (2, 1))),
        L.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        L.MaxPooling2D(3, strides=1, padding="same"), L.Cropping2D(((1, 0), (0, 1))),
        L.Conv2D(3, (2, 3), dilation_rate=(2, 1), padding="same", activation="tanh", use_bias=False),
        L.AveragePooling2D(2, padding="same"), L.GlobalMaxPooling2D(keepdims=True), L.GlobalAveragePooling2D(),
        L.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).standard_normal((5, 11, 10, 2)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path, opset), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_mnist_convnet_and_conv1d(tmp_path):
    model = Sequential([L.Input((28, 28, 1)), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(2),
                        L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
                        L.Dense(10, activation="softmax")])
    x = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    seq = Sequential([L.Input((13, 3)), L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu"),
                      L.MaxPooling1D(2, padding="same"), L.Conv1D(2, 2, strides=2, padding="same"),
                      L.AveragePooling1D(2, strides=1), L.Flatten(), L.Dense(1)])
    x1 = np.random.default_rng(2).standard_normal((4, 13, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(seq, x1, tmp_path), seq.predict(x1, verbose=0), rtol=1e-5, atol=1e-6)


def test_channels_first(tmp_path):
    model = Sequential([L.Input((2, 7, 6)), L.Conv2D(3, 2, data_format="channels_first"),
                        L.AveragePooling2D(2, data_format="channels_first"),
                        L.GlobalMaxPooling2D(data_format="channels_first"), L.Dense(2)])
    x = np.random.default_rng(3).standard_normal((2, 2, 7, 6)).astype(np.float32)
    np.testing.assert_allclose(_run(model, x, tmp_path), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
