"""The model engine's Keras behaviours: the first-lesson 1-D input, top-level names, trainable at compile,
models as layers, feature extractors, legacy callback hooks, clear_session, plot_model, bad input."""
import numpy as np
import pytest

import glassnet
import glassnet as keras
from glassnet import Model, Sequential, callbacks, layers
from glassnet.layers import Dense, Input


def test_first_lesson_one_dimensional_x():
    # Keras 3 adds the feature axis to a 1-D x when the model expects one feature
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    y = 2 * x - 1
    model = Sequential([Dense(units=1, input_shape=[1])])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    model.fit(x, y, epochs=300, verbose=0)
    assert abs(float(model.predict(np.array([10.0]), verbose=0)[0, 0]) - 19.0) < 0.5


def test_one_dimensional_x_needs_one_feature():
    model = Sequential([Input((3,)), Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="x must be 2-D"):
        model.fit(np.arange(6.0), np.arange(6.0), verbose=0)


def test_star_import_has_keras_top_level_names():
    names = {}
    exec("from glassnet import *", names)
    for name in ("Model", "Sequential", "Input", "layers", "optimizers", "losses", "metrics", "callbacks",
                 "models", "utils", "backend", "Layer"):
        assert name in names, name
    assert names["Model"] is Model


def test_trainable_takes_effect_at_next_compile():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = Sequential([Input((3,)), Dense(4, name="a"), Dense(1, name="b")])
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()
    model.layers[0].trainable = False           # not compiled again: Keras keeps training it
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before[0], model.layers[0].get_weights()[0])
    model.compile("sgd", "mse")                 # now it is frozen
    before = model.layers[0].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    lines = []
    model.summary(print_fn=lines.append)
    assert any("Non-trainable params: 16" in line for line in lines)


def test_model_used_as_a_layer_and_feature_extractor():
    inp = Input((4,), name="i")
    h1 = Dense(5, activation="relu", name="h1")(inp)
    h2 = Dense(3, activation="tanh", name="h2")(h1)
    base = Model(inp, h2, name="base")
    extractor = Model(base.inputs, [layer.output for layer in base.layers[1:]])
    x = np.random.default_rng(1).normal(size=(7, 4)).astype("float32")
    f1, f2 = extractor.predict(x, verbose=0)
    np.testing.assert_allclose(f2, base.predict(x, verbose=0), rtol=1e-6)
    assert f1.shape == (7, 5)
    outer_in = Input((4,))
    outer = Model(outer_in, Dense(1)(base(outer_in)))
    outer.compile("adam", "mse")
    outer.fit(x, np.ones((7, 1)), epochs=2, verbose=0)
    assert [type(l).__name__ for l in outer.layers] == ["InputLayer", "Functional", "Dense"]
    report = glassnet.inspect.gradient_check(outer, x, np.ones((7, 1)))
    assert report.max_relative_error < 1e-6, str(report)


def test_model_losses_are_the_penalties():
    model = Sequential([Input((2,)), Dense(3, kernel_regularizer=keras.regularizers.L2(0.1))])
    w = model.layers[0].kernel.numpy()
    assert model.losses == pytest.approx([0.1 * float(np.sum(w.astype(np.float64) ** 2))], rel=1e-5)


def test_legacy_batch_hooks_are_called():
    seen = []
    model = Sequential([Input((2,)), Dense(1)])
    model.compile("sgd", "mse")
    cb = callbacks.LambdaCallback(on_batch_begin=lambda b, logs: seen.append(("begin", b)),
                                  on_batch_end=lambda b, logs: seen.append(("end", b)))
    model.fit(np.ones((8, 2)), np.ones(8), batch_size=4, verbose=0, callbacks=[cb])
    assert seen == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1)]


def test_clear_session_restarts_names():
    keras.backend.clear_session()
    assert Dense(1).name == "dense" and Dense(1).name == "dense_1"
    keras.backend.clear_session()
    assert Dense(1).name == "dense"


def test_plot_model_draws_the_graph(tmp_path):
    pytest.importorskip("matplotlib")
    a, b = Input((2,), name="a"), Input((3,), name="b")
    out = Dense(1, name="out")(layers.Concatenate(name="cat")([a, b]))
    path = tmp_path / "model.png"
    keras.utils.plot_model(Model([a, b], out), to_file=str(path), show_shapes=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_layer_called_on_arrays_and_symbolic_tensors():
    layer = Dense(2, kernel_initializer="ones", bias_initializer=None)   # None: Keras's default
    out = layer(np.ones((3, 4), dtype="float32"))
    assert out.shape == (3, 2)
    t = layer(Input((4,)))
    assert t.shape == (None, 2) and t.layer is layer


# ------------------------------------------------------------------ bad input
def test_output_not_reachable_names_the_tensor():
    a, b = Input((2,), name="a_in"), Input((2,), name="b_in")
    out = Dense(1)(layers.Add()([a, b]))
    with pytest.raises(ValueError, match="'b_in'.*not reachable from the inputs"):
        Model(a, out)


def test_wrong_input_count_names_the_inputs():
    a, b = Input((2,), name="left"), Input((3,), name="right")
    model = Model([a, b], Dense(1)(layers.Concatenate()([a, b])))
    with pytest.raises(ValueError, match=r"2 inputs \['left', 'right'\]"):
        model.predict(np.ones((4, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"x\['right'\] has 2 features but the model was built for 3"):
        model.predict([np.ones((4, 2)), np.ones((4, 2))], verbose=0)


def test_incompatible_shape_names_layer_and_shapes():
    dense = Dense(3, name="d")
    dense(Input((4,)))
    with pytest.raises(ValueError, match=r"Dense 'd' was built for inputs of shape \(None, 4\).*\(None, 5\)"):
        dense(Input((5,)))


def test_two_layers_with_one_name():
    inp = Input((2,))
    with pytest.raises(ValueError, match="two layers are named 'twin'"):
        Model(inp, Dense(1, name="twin")(Dense(2, name="twin")(inp)))


def test_loss_dict_keys_must_name_outputs():
    inp = Input((2,))
    model = Model(inp, [Dense(1, name="p")(inp), Dense(1, name="q")(inp)])
    with pytest.raises(ValueError, match=r"keys \['r'\] that name no output.*\['p', 'q'\]"):
        model.compile("sgd", loss={"p": "mse", "r": "mse"})


def test_add_weight_unknown_initializer():
    class Custom(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), initializer="zeroes")

    with pytest.raises(ValueError, match="add_weight.*zeroes"):
        Custom().build((2,))


def test_tensors_have_numpy_and_learning_rate_too():
    model = Sequential([Input((2,)), Dense(1)])
    out = model(np.ones((3, 2), dtype="float32"))
    assert isinstance(out.numpy(), np.ndarray) and type(out.numpy()) is np.ndarray
    assert model.layers[0](np.ones((1, 2))).numpy().shape == (1, 1)
    opt = keras.optimizers.Adam(0.01)
    assert opt.learning_rate.numpy() == np.float32(0.01)


def test_trace_step_shows_a_custom_layers_operations():
    from glassnet import inspect, ops

    class Square(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, inputs):
            return ops.square(ops.matmul(inputs, self.w))

    model = Sequential([Input((3,)), Square(name="sq"), Dense(1)])
    model.compile("sgd", "mse")
    trace = inspect.trace_step(model, np.ones((4, 3)), np.ones((4, 1)))
    ops_seen = [r["op"] for r in trace.layers[0]["tape"]]
    assert "matmul" in ops_seen and "square" in ops_seen
    assert all(r["grad"] is not None for r in trace.layers[0]["tape"])    # dC/d(op) after backward
    assert "square" in str(trace)


def test_custom_call_must_return_a_tensor():
    class Bad(layers.Layer):
        def call(self, inputs):
            return "not a tensor"

    with pytest.raises(TypeError, match="Bad 'bad'.*call must return a tensor"):
        Bad(name="bad")(np.ones((2, 2), dtype="float32"))


def test_untracked_numpy_in_call_is_named_not_a_wrong_gradient():
    from glassnet import autodiff, inspect

    class Leaky(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, inputs):
            return np.asarray(inputs) @ self.w.value         # leaves the tape

    model = Sequential([Input((3,)), Leaky(), Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises((autodiff.DisconnectedGradientError, autodiff.NotDifferentiableError)):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)


def test_custom_layer_in_a_functional_graph_infers_its_output_shape():
    from glassnet import inspect, ops

    class Pairwise(layers.Layer):
        """[x, x^2] along the features: twice as wide."""

        def call(self, inputs):
            return ops.concatenate([inputs, ops.square(inputs)], axis=-1)

    inp = Input((3,))
    mid = Pairwise()(inp)
    assert mid.shape == (None, 6)
    model = Model(inp, Dense(1)(mid))
    model.compile("adam", "mse")
    x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
    model.fit(x, np.ones((8, 1)), epochs=1, verbose=0)
    assert inspect.gradient_check(model, x, np.ones((8, 1))).max_relative_error < 1e-6


def test_custom_metric_written_with_ops():
    from glassnet import ops

    def within_half(y_true, y_pred):
        return ops.mean(ops.cast(ops.abs(y_true - y_pred) < 0.5, "float32"), axis=-1)

    x = np.linspace(-1, 1, 40, dtype="float32").reshape(-1, 1)
    model = Sequential([Input((1,)), Dense(1, kernel_initializer="ones", bias_initializer="zeros")])
    model.compile("sgd", "mse", metrics=[within_half])
    logs = model.evaluate(x, x + 0.3 * np.sign(x), verbose=0, return_dict=True)
    assert logs["within_half"] == pytest.approx(1.0)       # every |error| is 0.3
    logs = model.evaluate(x, x + 0.7, verbose=0, return_dict=True)
    assert logs["within_half"] == pytest.approx(0.0)


def test_ops_and_operators_on_symbolic_tensors(tmp_path):
    """Keras 3's functional models mix layers with keras.ops calls and operators on symbolic tensors."""
    from glassnet import inspect, ops

    x = Input((4,), name="x")
    h = Dense(4, name="h")(x)
    y = ops.relu(h) + x * 0.5                              # ops call, operator, constant
    z = ops.concatenate([y, ops.square(h)], axis=-1)
    z = ops.expand_dims(z, -1)[:, :, 0]                    # indexing is an op too
    model = Model(x, Dense(1, name="out")(z))
    assert [type(l).__name__ for l in model.layers].count("OpLayer") == 7   # relu * + square concat expand []
    assert z.shape == (None, 8)
    xs = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    h_val = xs @ model.get_layer("h").kernel.numpy() + model.get_layer("h").bias.numpy()
    want_z = np.concatenate([np.maximum(h_val, 0) + 0.5 * xs, h_val ** 2], axis=-1)
    feature = Model(x, z)
    np.testing.assert_allclose(feature.predict(xs, verbose=0), want_z, rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    model.fit(xs, xs[:, :1], epochs=2, verbose=0)
    assert inspect.gradient_check(model, xs[:6], xs[:6, :1]).max_relative_error < 1e-6
    model.save(tmp_path / "ops.keras")
    again = keras.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(again.predict(xs, verbose=0), model.predict(xs, verbose=0), rtol=1e-6)
