"""The functional API: Model(inputs, outputs) graphs, trained to Keras 3's numbers.

Golden runs: tests/reference/keras_functional.json, made by tests/reference/make_functional_golden.py
(Keras 3 on TensorFlow).  Each case here builds the same graph as the script, starts from Keras's
initial weights and trains 3 epochs with shuffle=False; it must end at Keras's weights.
"""
import json
import os

import numpy as np
import pytest

import glassnet
from glassnet import Model, inspect, layers, ops, optimizers
from glassnet.layers import Input, Dense

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "reference", "keras_functional.json")))


def data(seed, n=24):
    rng = np.random.default_rng(seed)
    return {
        "wide": rng.normal(size=(n, 3)).astype("float32"),
        "deep": rng.normal(size=(n, 2)).astype("float32"),
        "y_reg": rng.normal(size=(n, 1)).astype("float32"),
        "y_cls": rng.integers(0, 3, size=n).astype("float32"),
    }


def wide_deep():
    wide = Input((3,), name="wide")
    deep = Input((2,), name="deep")
    h = Dense(6, activation="relu", name="h1")(deep)
    h = Dense(4, activation="tanh", name="h2")(h)
    out = Dense(1, name="price")(layers.Concatenate(name="cat")([wide, h]))
    m = Model([wide, deep], out, name="wide_deep")
    m.compile(optimizer=optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return m, lambda d: ([d["wide"], d["deep"]], d["y_reg"])


def two_outputs():
    inp = Input((3,), name="x")
    h = Dense(5, activation="relu", name="trunk")(inp)
    price = Dense(1, name="price")(h)
    kind = Dense(3, activation="softmax", name="kind")(h)
    m = Model(inp, [price, kind], name="two_outputs")
    m.compile(optimizer=optimizers.SGD(0.05), loss=["mse", "sparse_categorical_crossentropy"],
              loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
    return m, lambda d: (d["wide"], [d["y_reg"], d["y_cls"]])


def two_outputs_dict():
    inp = Input((3,), name="x")
    h = Dense(5, activation="tanh", name="trunk")(inp)
    price = Dense(1, name="price")(h)
    kind = Dense(3, activation="softmax", name="kind")(h)
    m = Model(inp, [price, kind], name="two_outputs_dict")
    m.compile(optimizer=optimizers.RMSprop(0.01), loss={"price": "mae", "kind": "sparse_categorical_crossentropy"},
              loss_weights={"price": 2.0, "kind": 1.0})
    return m, lambda d: (d["wide"], {"price": d["y_reg"], "kind": d["y_cls"]})


def shared_layer():
    a = Input((2,), name="a")
    b = Input((2,), name="b")
    shared = Dense(4, activation="tanh", name="shared")
    merged = layers.Add(name="add")([shared(a), shared(b)])
    out = Dense(1, name="out")(merged)
    m = Model([a, b], out, name="shared_layer")
    m.compile(optimizer=optimizers.Adam(0.02), loss="mse")
    return m, lambda d: ([d["deep"], d["wide"][:, :2]], d["y_reg"])


def merges():
    a = Input((3,), name="a")
    b = Input((3,), name="b")
    ha = Dense(3, activation="tanh", name="ha")(a)
    hb = Dense(3, activation="sigmoid", name="hb")(b)
    parts = [layers.Subtract(name="sub")([ha, hb]), layers.Multiply(name="mul")([ha, hb]),
             layers.Average(name="avg")([ha, hb]), layers.Maximum(name="max")([ha, hb]),
             layers.Minimum(name="min")([ha, hb]), layers.Dot(axes=1, name="dot")([ha, hb]),
             layers.Dot(axes=1, normalize=True, name="cos")([ha, hb])]
    out = Dense(1, activation="sigmoid", name="out")(layers.Concatenate(name="cat")(parts))
    m = Model([a, b], out, name="merges")
    m.compile(optimizer=optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return m, lambda d: ([d["wide"], d["wide"][::-1].copy()], (d["y_reg"] > 0).astype("float32"))


def frozen_base():
    base_in = Input((3,), name="base_in")
    base_out = Dense(5, activation="relu", name="base_dense")(base_in)
    base = Model(base_in, base_out, name="base")
    base.trainable = False
    inp = Input((3,), name="inp")
    feat = base(inp, training=False)
    out = Dense(3, activation="softmax", name="head")(feat)
    m = Model(inp, out, name="frozen_base")
    m.compile(optimizer=optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m, lambda d: (d["wide"], d["y_cls"])


def frozen_layer_sequential():
    m = glassnet.Sequential([Input((3,)), Dense(4, activation="relu", name="d0"),
                             Dense(4, activation="relu", name="d1"), Dense(1, name="d2")], name="frozen_layer")
    m.layers[0].trainable = False
    m.compile(optimizer=optimizers.SGD(0.05, momentum=0.9), loss="mse")
    return m, lambda d: (d["wide"], d["y_reg"])


class Scaled(layers.Layer):
    """A custom layer written with glassnet.ops: a = 1.5 tanh(x W + b)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return ops.tanh(ops.matmul(inputs, self.w) + self.b) * 1.5


def custom_layer():
    m = glassnet.Sequential([Input((3,)), Scaled(4, name="scaled"), Dense(1, name="out")], name="custom_layer")
    m.compile(optimizer=optimizers.Adam(0.02), loss="mse")
    return m, lambda d: (d["wide"], d["y_reg"])


def weighted_mse(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred) * (1.0 + ops.abs(y_true)), axis=-1)


def custom_loss():
    inp = Input((3,), name="x")
    out = Dense(1, name="out")(Dense(4, activation="relu", name="h")(inp))
    m = Model(inp, out, name="custom_loss")
    m.compile(optimizer=optimizers.SGD(0.05), loss=weighted_mse)
    return m, lambda d: (d["wide"], d["y_reg"])


CASES = {f.__name__: f for f in (wide_deep, two_outputs, two_outputs_dict, shared_layer, merges, frozen_base,
                                 frozen_layer_sequential, custom_layer, custom_loss)}


def _flat(a, n_outputs):
    if isinstance(a, dict):
        return [np.asarray(v) for v in a.values()]
    return [np.asarray(v) for v in a] if n_outputs > 1 else [np.asarray(a)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_reaches_keras_weights(name):
    golden = GOLDEN["cases"][name]
    model, split = CASES[name]()
    assert [l.name for l in model.layers] == golden["layers"]          # Keras's layer order
    x, y = split(data(golden["seed"]))
    model.set_weights([np.asarray(w, dtype="float32") for w in golden["initial_weights"]])
    frozen_before = [w.numpy() for w in model.non_trainable_weights]
    history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    # float32 round-off over 9 steps, summed in another order than TensorFlow's kernels: rtol 1e-4
    for got, want in zip(model.get_weights(), golden["final_weights"]):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=1e-6)
    assert sorted(history.history) == sorted(golden["history"])
    for key, values in golden["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-4, atol=1e-6, err_msg=key)
    evaluate = model.evaluate(x, y, verbose=0, return_dict=True)
    for key, value in golden["evaluate"].items():
        np.testing.assert_allclose(evaluate[key], value, rtol=1e-4, atol=1e-6, err_msg=key)
    n_out = len(model.outputs)
    for got, want in zip(_flat(model.predict(x, verbose=0), n_out), _flat(golden["predict"], n_out)):
        np.testing.assert_allclose(got, np.asarray(want).reshape(got.shape), rtol=1e-4, atol=1e-6)
    for before, var in zip(frozen_before, model.non_trainable_weights):   # frozen: bit-identical
        np.testing.assert_array_equal(before, var.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_check(name):
    model, split = CASES[name]()
    x, y = split(data(7, n=6))
    # move every weight off its initial value (biases start at 0): no ReLU sits exactly on its kink
    rng = np.random.default_rng(3)
    model.set_weights([w + 0.1 * rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    report = inspect.gradient_check(model, x, y)
    assert report.max_relative_error < 1e-6, str(report)


@pytest.mark.parametrize("name", ["wide_deep", "two_outputs", "shared_layer", "merges", "frozen_base"])
def test_onnx_export_of_functional_graphs(name, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from glassnet.export import to_onnx

    model, split = CASES[name]()
    x, _ = split(data(5))
    to_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    xs = x if isinstance(x, list) else [x]
    feeds = {i.name: np.asarray(v, dtype="float32") for i, v in zip(session.get_inputs(), xs)}
    got = session.run(None, feeds)
    want = model.predict(x, verbose=0)
    want = want if isinstance(want, list) else [want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)    # float32 kernels of two libraries


def test_subclassed_model_is_not_exportable():
    class Sub(Model):
        def __init__(self):
            super().__init__()
            self.d = Dense(1)

        def call(self, inputs):
            return self.d(inputs)

    from glassnet.export import to_onnx

    pytest.importorskip("onnx")
    m = Sub()
    m(np.ones((2, 3), dtype="float32"))
    with pytest.raises(ValueError, match="subclassed model's call cannot be exported"):
        to_onnx(m, None)


def test_the_layer_families_in_functional_graphs():
    """Convolution, pooling, normalization, noise, shape and embedding layers inside graphs with two inputs."""
    rng = np.random.default_rng(4)
    image = Input((8, 8, 1), name="image")
    # no bias before BatchNormalization: its gradient is zero up to rounding (BN removes the mean), so a
    # relative error on it would measure float noise
    h = layers.Conv2D(3, 3, padding="same", use_bias=False)(image)
    h = layers.Activation("relu")(layers.BatchNormalization()(h))
    h = layers.MaxPooling2D(2)(h)
    h = layers.GlobalAveragePooling2D()(h)
    words = Input((5,), name="words")
    e = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(words))
    merged = layers.Concatenate()([h, layers.LayerNormalization()(e)])
    merged = layers.GaussianNoise(0.1)(merged)
    out = Dense(1, activation="sigmoid")(layers.Dropout(0.2)(merged))
    model = Model([image, words], out)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    x = [rng.normal(size=(12, 8, 8, 1)).astype("float32"), rng.integers(0, 20, size=(12, 5)).astype("float32")]
    y = (rng.random(12) > 0.5).astype("float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert model.predict(x, verbose=0).shape == (12, 1)
    model.set_weights([w + 0.05 * rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()])
    report = inspect.gradient_check(model, [a[:6] for a in x], y[:6], max_checks_per_variable=6)
    assert report.max_relative_error < 1e-6, str(report)
