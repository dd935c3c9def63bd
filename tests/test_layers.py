"""Layers: shapes, backward by numeric gradients, Dropout's statistics, configs and errors."""
import numpy as np
import pytest

from glassnet import config
from glassnet.layers import Activation, Dense, Dropout, Flatten, Input, InputLayer
from glassnet.models import Sequential

# every test here runs on both kernel implementations (conftest.py's `kernels` fixture)
pytestmark = pytest.mark.usefixtures("kernels")


def numeric_input_grad(layer, x, g, h=1e-6):
    """d sum(layer(x) * g) / dx by central differences (float64)."""
    out = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        keep = x[i]
        x[i] = keep + h
        plus = float(np.sum(layer.forward(x, training=True) * g))
        x[i] = keep - h
        minus = float(np.sum(layer.forward(x, training=True) * g))
        x[i] = keep
        out[i] = (plus - minus) / (2 * h)
    return out


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "softmax", "elu", "gelu", "swish"])
def test_dense_backward_matches_numeric_gradients(activation):
    rng = np.random.default_rng(1)
    with config.floatx_scope("float64"):
        layer = Dense(3, activation=activation, kernel_initializer="glorot_normal",
                      bias_initializer="random_normal")
        layer.build((4,))
        x = rng.normal(size=(5, 4))
        g = rng.normal(size=(5, 3))
        layer.forward(x, training=True)
        dx = layer.backward(g)
        np.testing.assert_allclose(dx, numeric_input_grad(layer, x, g), rtol=1e-6, atol=1e-9)
        # dC/dW: perturb the kernel
        k = layer.kernel.value
        num = np.zeros_like(k)
        for i in np.ndindex(k.shape):
            keep = k[i]
            k[i] = keep + 1e-6
            plus = np.sum(layer.forward(x, training=True) * g)
            k[i] = keep - 1e-6
            minus = np.sum(layer.forward(x, training=True) * g)
            k[i] = keep
            num[i] = (plus - minus) / 2e-6
        layer.forward(x, training=True)
        layer.backward(g)
        np.testing.assert_allclose(layer.kernel.grad, num, rtol=1e-6, atol=1e-9)
        # dC/db = sum over the batch of delta (BP3)
        np.testing.assert_allclose(layer.bias.grad, layer.delta.sum(axis=0), rtol=1e-12)


def test_dense_bp4_is_a_prev_transpose_delta():
    layer = Dense(2, activation="relu")
    layer.build((3,))
    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    layer.forward(x, training=True)
    layer.backward(np.ones((4, 2), dtype=np.float32))
    np.testing.assert_allclose(layer.kernel.grad, x.T @ layer.delta, rtol=1e-6)
    assert layer.kernel.grad.dtype == np.float32


def test_dense_shapes_and_keras_weight_order():
    layer = Dense(5, input_dim=3)
    layer.build((3,))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 5) and bias.shape == (5,)
    assert kernel.dtype == np.float32
    np.testing.assert_array_equal(bias, 0)
    limit = np.sqrt(6 / (3 + 5))                       # glorot_uniform
    assert np.abs(kernel).max() <= limit


def test_dense_on_3d_input_applies_to_last_axis():
    with config.floatx_scope("float64"):
        layer = Dense(2)
        layer.build((4, 3))
        x = np.random.default_rng(0).normal(size=(2, 4, 3))
        out = layer.forward(x, training=True)
        assert out.shape == (2, 4, 2)
        g = np.ones_like(out)
        dx = layer.backward(g)
        np.testing.assert_allclose(dx, numeric_input_grad(layer, x, g), rtol=1e-6)


@pytest.mark.parametrize("bad, message", [
    (dict(units=0), "Dense: units must be a positive integer, got 0"),
    (dict(units=-3), "units must be a positive integer"),
    (dict(units=2.5), "units must be a positive integer"),
    (dict(units=4, activation="relux"), "relux"),
    (dict(units=4, input_dim=0), "input_dim must be a positive integer"),
])
def test_dense_bad_arguments(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Dense(**bad)


def test_dense_wrong_feature_count_is_clear():
    layer = Dense(2)
    layer.build((3,))
    with pytest.raises(ValueError, match="expected inputs with 3 features"):
        layer.forward(np.zeros((1, 4), np.float32))


def test_dropout_inverted_scaling_and_inference_identity():
    layer = Dropout(0.3, seed=7)
    x = np.ones((2000, 50), dtype=np.float32)
    y = layer.forward(x, training=True)
    kept = y != 0
    assert y.dtype == np.float32
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    # the kept fraction is 0.7 within 5 standard errors
    assert abs(kept.mean() - 0.7) < 5 * np.sqrt(0.7 * 0.3 / kept.size)
    # expectation preserved: E[y] = x
    assert abs(y.mean() - 1.0) < 0.01
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)   # same mask in backward
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_dropout_seed_repeatable():
    a = Dropout(0.5, seed=3).forward(np.ones((4, 4), np.float32), training=True)
    b = Dropout(0.5, seed=3).forward(np.ones((4, 4), np.float32), training=True)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rate", [1.5, 1.0, -0.1, float("nan")])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match=r"Dropout: rate must be a finite number in \[0.0, 1.0\)"):
        Dropout(rate)


def test_flatten_round_trip():
    layer = Flatten()
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    y = layer.forward(x, training=True)
    assert y.shape == (2, 12)
    np.testing.assert_array_equal(layer.backward(y), x)
    assert layer.compute_output_shape((28, 28)) == (784,)


def test_activation_layer_backward():
    with config.floatx_scope("float64"):
        layer = Activation("tanh")
        x = np.random.default_rng(0).normal(size=(3, 4))
        g = np.random.default_rng(1).normal(size=(3, 4))
        layer.forward(x, training=True)
        np.testing.assert_allclose(layer.backward(g), g * (1 - np.tanh(x) ** 2), rtol=1e-12)


def test_input_layer_shapes():
    # Keras 3: Input returns a symbolic tensor whose shape has the batch axis; its layer is an InputLayer
    inp = Input((4,))
    assert inp.shape == (None, 4) and isinstance(inp.layer, InputLayer)
    assert inp.layer.shape == (4,) and inp.layer.batch_shape == (None, 4)
    assert Input(batch_shape=(None, 28, 28)).shape == (None, 28, 28)
    with pytest.raises(ValueError, match="shape is required"):
        Input()
    with pytest.raises(ValueError, match="every dimension of shape must be a positive integer"):
        Input((0,))


@pytest.mark.parametrize("layer", [Dense(3, activation="relu", kernel_regularizer="l2"), Dropout(0.25, seed=1),
                                   Flatten(), Activation("softmax")])
def test_layer_config_round_trip(layer):
    config_ = layer.get_config()
    clone = type(layer).from_config(config_)
    assert clone.get_config() == config_


def test_set_weights_names_layer_and_shape():
    layer = Dense(2)
    layer.build((3,))
    with pytest.raises(ValueError, match="kernel must have shape \\(3, 2\\), got \\(2, 2\\)"):
        layer.set_weights([np.zeros((2, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected 2 arrays"):
        layer.set_weights([np.zeros((3, 2))])


def test_dense_with_glu_reports_half_width():
    from glassnet.models import Sequential

    model = Sequential([Input((3,)), Dense(8, activation="glu"), Dense(2)])
    assert model.layers[0].output_shape == (4,)
    assert model.predict(np.zeros((5, 3), np.float32), verbose=0).shape == (5, 2)


def test_flatten_channels_first_puts_channels_last():
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)     # (n, C, H, W)
    layer = Flatten(data_format="channels_first")
    out = layer.forward(x, training=True)
    np.testing.assert_array_equal(out[0], np.moveaxis(x, 1, -1).reshape(-1))
    np.testing.assert_array_equal(layer.backward(out), x)
