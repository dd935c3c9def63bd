"""ONNX export of the activation, normalization, noise, shape and embedding layers: the graph
computes what ``model.predict`` computes (onnxruntime, float32; rtol 1e-5 because ONNX Runtime
orders the float32 arithmetic differently)."""
import numpy as np
import pytest

from glassnet import layers as L
from glassnet.export import to_onnx
from glassnet.models import Sequential

ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need the onnx extra (onnxruntime)")
pytest.importorskip("onnx", reason="ONNX export tests need the onnx extra")


def _run(model, x, opset=17):
    proto = to_onnx(model, None, opset=opset)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x.astype("float32")})[0]


def _trained(model, x, y, loss):
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)      # moves BN's statistics, PReLU's alpha, ...
    return model


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_dense_stack_with_new_layers_exports(opset):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    model = Sequential([
        L.Input((6,)), L.Dense(8), L.BatchNormalization(), L.PReLU(alpha_initializer="random_normal"),
        L.GaussianNoise(0.1), L.GaussianDropout(0.1), L.AlphaDropout(0.1), L.ActivityRegularization(0.01),
        L.ReLU(max_value=3.0, negative_slope=0.1, threshold=0.05), L.LeakyReLU(), L.ELU(0.5),
        L.Reshape((2, 4)), L.LayerNormalization(), L.SpatialDropout1D(0.2), L.Permute((2, 1)),
        L.UnitNormalization(axis=[1, 2]), L.GlobalAveragePooling1D(), L.RepeatVector(3),
        L.LayerNormalization(axis=[1, 2], center=False), L.GlobalMaxPooling1D(keepdims=True),
        L.Reshape((-1,)), L.Rescaling([1.0, 2.0], offset=0.5), L.BatchNormalization(scale=False),
        L.Dense(3), L.Softmax(),
    ])
    _trained(model, x, y, "categorical_crossentropy")
    np.testing.assert_allclose(_run(model, x, opset), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_bag_of_embeddings_exports():
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 12, size=(32, 5)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    model = Sequential([L.Input((5,)), L.Embedding(12, 4), L.GlobalMaxPooling1D(data_format="channels_first"),
                        L.Dense(1)])
    _trained(model, tokens, y, "mse")
    np.testing.assert_allclose(_run(model, tokens), model.predict(tokens, verbose=0), rtol=1e-5, atol=1e-6)


def test_image_batch_norm_and_spatial_dropout_export():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 4, 4, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model = Sequential([L.Input((4, 4, 3)), L.BatchNormalization(axis=1), L.SpatialDropout2D(0.3),
                        L.BatchNormalization(), L.Softmax(axis=1), L.Flatten(), L.Dense(1)])
    _trained(model, x, y, "mse")
    np.testing.assert_allclose(_run(model, x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
