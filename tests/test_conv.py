"""Convolution, pooling and 2-D border layers: gradients (float64 central differences), shapes, errors."""
import numpy as np
import pytest

from glassnet import config
from glassnet.layers import (AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, Cropping2D,
                             GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D,
                             ZeroPadding2D)


def _rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def _check_gradients(make_layer, x_shape, seed=0, eps=1e-6):
    """C = sum(G * layer(x)); compare backward's dC/dx and dC/dW with central differences (float64)."""
    rng = np.random.default_rng(seed)
    with config.floatx_scope("float64"):
        layer = make_layer()
        x = rng.standard_normal(x_shape)
        layer.build(x.shape[1:])
        for v in layer.weights:
            v.assign(rng.standard_normal(v.shape))
        y = layer.forward(x, training=True)
        assert y.dtype == np.float64
        assert y.shape[1:] == tuple(layer.compute_output_shape(x.shape[1:]))
        g = rng.standard_normal(y.shape)

        def cost():
            return float(np.sum(g * layer.forward(x, training=True)))

        layer.forward(x, training=True)
        dx = layer.backward(g)
        analytic = [dx] + [v.grad.copy() for v in layer.weights]
        targets = [x] + [v.value for v in layer.weights]
        for arr, ana in zip(targets, analytic):
            num = np.zeros_like(arr)
            flat, nflat = arr.reshape(-1), num.reshape(-1)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + eps
                up = cost()
                flat[i] = old - eps
                down = cost()
                flat[i] = old
                nflat[i] = (up - down) / (2 * eps)
            assert ana.shape == arr.shape
            assert _rel(num, ana) < 1e-6, (_rel(num, ana), num, ana)


CONV2D_CASES = [
    dict(filters=3, kernel_size=3),
    dict(filters=2, kernel_size=(2, 3), strides=(2, 1), padding="same"),
    dict(filters=2, kernel_size=3, strides=2, padding="same", activation="tanh"),
    dict(filters=2, kernel_size=(3, 2), dilation_rate=(2, 1), padding="same"),
    dict(filters=2, kernel_size=2, dilation_rate=2, activation="sigmoid", use_bias=False),
    dict(filters=2, kernel_size=3, strides=(3, 2)),
    dict(filters=2, kernel_size=2, data_format="channels_first"),
]


@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
def test_conv2d_gradients(kwargs):
    shape = (2, 3, 7, 6) if kwargs.get("data_format") == "channels_first" else (2, 7, 6, 3)
    _check_gradients(lambda: Conv2D(**kwargs), shape)


@pytest.mark.parametrize("kwargs", [dict(filters=3, kernel_size=3), dict(filters=2, kernel_size=4, strides=3,
                                                                          padding="same"),
                                    dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
                                    dict(filters=2, kernel_size=2, activation="tanh", strides=2)])
def test_conv1d_gradients(kwargs):
    _check_gradients(lambda: Conv1D(**kwargs), (2, 9, 3))


@pytest.mark.parametrize("cls,kwargs", [
    (MaxPooling2D, {}), (MaxPooling2D, dict(pool_size=3, strides=2, padding="same")),
    (MaxPooling2D, dict(pool_size=(2, 3), strides=1)),
    (AveragePooling2D, dict(pool_size=2)), (AveragePooling2D, dict(pool_size=3, strides=2, padding="same")),
    (AveragePooling2D, dict(pool_size=(3, 2), strides=1, padding="same")),
    (GlobalAveragePooling2D, {}), (GlobalMaxPooling2D, dict(keepdims=True)),
    (ZeroPadding2D, dict(padding=((1, 2), (0, 3)))), (Cropping2D, dict(cropping=((1, 2), (2, 0)))),
])
def test_2d_layer_gradients(cls, kwargs):
    _check_gradients(lambda: cls(**kwargs), (2, 7, 5, 3), seed=1)


@pytest.mark.parametrize("cls,kwargs", [(MaxPooling1D, {}), (MaxPooling1D, dict(pool_size=3, strides=2, padding="same")),
                                        (AveragePooling1D, dict(pool_size=3, strides=2, padding="same")),
                                        (AveragePooling1D, dict(pool_size=2, strides=1))])
def test_1d_pooling_gradients(cls, kwargs):
    _check_gradients(lambda: cls(**kwargs), (2, 9, 3), seed=2)


def test_conv2d_against_direct_sum():
    """The im2col forward equals the textbook sum over p, q, c with TensorFlow's padding (hand loop)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 5, 2)).astype(np.float32)
    layer = Conv2D(3, (3, 2), strides=2, padding="same", bias_initializer="ones")
    y = layer(x)
    w, b = layer.kernel.value, layer.bias.value
    # same: out = ceil(6/2)=3, pad_h = (3-1)*2+3-6 = 1 -> (0, 1); out_w = 3, pad_w = (3-1)*2+2-5 = 1 -> (0, 1)
    xp = np.zeros((2, 7, 6, 2), np.float64)
    xp[:, :6, :5] = x
    ref = np.zeros((2, 3, 3, 3))
    for i in range(3):
        for j in range(3):
            ref[:, i, j] = np.einsum("npqc,pqcf->nf", xp[:, 2 * i:2 * i + 3, 2 * j:2 * j + 2], w) + b
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)   # float32 sums in another order


def test_same_padding_puts_the_extra_row_at_the_bottom():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    # pool 2, stride 1, same: pad 1 -> (0, 1): the last row / column see only themselves and -inf
    y = MaxPooling2D(2, strides=1, padding="same")(x)[0, :, :, 0]
    np.testing.assert_array_equal(y[-1], x[0, -1, 1:, 0].tolist() + [15.0])
    # average over the valid positions only (TF): bottom-right corner is x itself
    a = AveragePooling2D(2, strides=1, padding="same")(x)[0, :, :, 0]
    assert a[-1, -1] == 15.0 and a[0, 0] == (0 + 1 + 4 + 5) / 4


def test_max_pool_ties_route_to_first():
    x = np.ones((1, 2, 2, 1), np.float32)
    layer = MaxPooling2D()
    layer.forward(x, training=True)
    dx = layer.backward(np.full((1, 1, 1, 1), 5.0, np.float32))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5, 0], [0, 0]])
    glob = GlobalMaxPooling2D()
    glob.forward(x, training=True)
    np.testing.assert_allclose(glob.backward(np.full((1, 1), 4.0, np.float32))[0, :, :, 0], [[1, 1], [1, 1]])


def test_conv2d_non_4d_input_names_the_reshape():
    with pytest.raises(ValueError, match=r"Conv2D 'c'.*4-D.*\(None, 784\).*Reshape\(\(28, 28, 1\)\)"):
        Conv2D(2, 3, name="c").build((784,))
    with pytest.raises(ValueError, match=r"\(None, 28, 28\).*Reshape\(\(28, 28, 1\)\)"):
        Conv2D(2, 3, name="c2").build((28, 28))
    layer = Conv2D(2, 3)
    with pytest.raises(ValueError, match="Reshape"):
        layer(np.zeros((4, 28, 28), np.float32))


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"Conv2D 'big'.*kernel_size.*height.*\(5\) is larger than the padded "
                                         r"input \(4\)"):
        Conv2D(2, 5, name="big").build((4, 9, 1))
    with pytest.raises(ValueError, match=r"dilated by 3 to 7"):
        Conv2D(2, 3, dilation_rate=3).build((6, 9, 1))
    with pytest.raises(ValueError, match=r"MaxPooling2D.*pool_size"):
        MaxPooling2D(3).build((2, 9, 1))
    assert Conv2D(2, 5, padding="same").compute_output_shape((4, 9, 1)) == (4, 9, 2)   # same pads instead


@pytest.mark.parametrize("bad,match", [
    (dict(filters=0, kernel_size=3), "filters"), (dict(filters=2, kernel_size=(3, 0)), "kernel_size"),
    (dict(filters=2, kernel_size=3, padding="full"), "padding"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), "dilation_rate"),
    (dict(filters=2, kernel_size=3, groups=2), "groups"),
    (dict(filters=2, kernel_size=3, data_format="nhwc"), "data_format"),
    (dict(filters=2, kernel_size=3, padding="causal"), "padding"),
])
def test_conv2d_bad_arguments(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Conv2D(**bad)


def test_float32_stays_float32_and_names():
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype(np.float32)
    for layer in [Conv2D(4, 3, activation="relu"), MaxPooling2D(), AveragePooling2D(2), GlobalAveragePooling2D(),
                  GlobalMaxPooling2D(), ZeroPadding2D(), Cropping2D(1)]:
        y = layer.forward(x, training=True) if layer.built else (layer.build(x.shape[1:]) or
                                                                  layer.forward(x, training=True))
        assert y.dtype == np.float32, layer
        assert layer.backward(np.ones_like(y)).dtype == np.float32, layer
        assert "2d" in layer.name and "2_d" not in layer.name


def test_inference_in_slices_equals_one_pass(monkeypatch):
    """Large batches are convolved a slice of samples at a time in inference (bounded memory): same values."""
    rng = np.random.default_rng(4)
    layer = Conv2D(3, 3, padding="same", activation="relu")
    x = rng.standard_normal((10, 6, 5, 2)).astype(np.float32)
    whole = layer(x)
    monkeypatch.setattr(Conv2D, "max_patch_values", 6 * 5 * 9 * 2 * 3)     # 3 samples per slice
    np.testing.assert_array_equal(layer.forward(x), whole)


def test_a_small_convnet_learns_bars():
    """Vertical vs horizontal bars at random positions: a Conv2D / MaxPooling2D net learns them."""
    from glassnet.layers import Dense, Flatten, Input
    from glassnet.models import Sequential
    from glassnet.utils import set_random_seed

    set_random_seed(0)
    rng = np.random.default_rng(0)
    n = 256
    x = rng.random((n, 8, 8, 1), dtype=np.float32) * 0.2
    y = rng.integers(0, 2, n)
    pos = rng.integers(0, 8, n)
    x[y == 0, pos[y == 0], :, 0] += 1.0          # a horizontal bar (row pos)
    x[y == 1, :, pos[y == 1], 0] += 1.0          # a vertical bar (column pos)
    model = Sequential([Input((8, 8, 1)), Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D(),
                        GlobalMaxPooling2D(), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.95


@pytest.mark.parametrize("kwargs", [dict(filters=2, kernel_size=3, strides=2, padding="same"),
                                    dict(filters=3, kernel_size=2, dilation_rate=2)])
def test_conv2d_gradients_many_channels(kwargs):
    """8+ input channels take im2col's strided-view path (fewer take the per-offset copies)."""
    _check_gradients(lambda: Conv2D(**kwargs), (2, 5, 6, 9), seed=5)


def test_conv_kernel_constraint_is_applied_after_each_update():
    """MaxNorm on a Conv2D kernel (over the kernel's spatial and input axes, as Keras's docs suggest)."""
    from glassnet import constraints
    from glassnet.layers import Conv2D, Flatten, Dense, Input
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    conv = Conv2D(4, 3, kernel_constraint=constraints.MaxNorm(0.5, axis=[0, 1, 2]),
                  bias_constraint=constraints.NonNeg())
    model = Sequential([Input((6, 6, 1)), conv, Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(rng.normal(size=(8, 6, 6, 1)), rng.normal(size=(8, 1)) * 10, epochs=3, verbose=0)
    norms = np.sqrt((conv.kernel.numpy() ** 2).sum(axis=(0, 1, 2)))
    assert (norms <= 0.5 + 1e-6).all()
    assert (conv.bias.numpy() >= 0).all()
    config = conv.get_config()
    assert config["kernel_constraint"]["class_name"] == "MaxNorm"
    again = Conv2D.from_config(config)
    assert isinstance(again.kernel_constraint, constraints.MaxNorm)
