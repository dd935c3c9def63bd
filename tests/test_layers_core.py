"""Activation, normalization, noise, shape and embedding layers: numeric gradients (float64),
behaviour, configs and bad input.  Keras's own numbers are checked in test_layers_golden.py."""
import numpy as np
import pytest

from glassnet import config, layers
from glassnet.layers import (ELU, ActivityRegularization, AlphaDropout, BatchNormalization, Embedding,
                             GaussianDropout, GaussianNoise, GlobalAveragePooling1D, GlobalMaxPooling1D,
                             LayerNormalization, LeakyReLU, Permute, PReLU, ReLU, RepeatVector, Rescaling,
                             Reshape, Softmax, SpatialDropout1D, SpatialDropout2D, UnitNormalization)
from glassnet.models import Sequential


# ------------------------------------------------------------------ numeric gradient check (float64)
def _restore(layer):
    """Put a noise layer's generator back where it was, so every forward draws the same noise."""
    gen = getattr(layer, "generator", None)
    state = gen.bit_generator.state if gen is not None else None

    def reset():
        if gen is not None:
            gen.bit_generator.state = state
    return reset


def _cost(layer, x, g, reset):
    """C = sum(y * g) (+ the activity penalty / n the model adds, when the layer has one)."""
    reset()
    value = float(np.sum(layer.forward(x, training=True) * g))
    if getattr(layer, "activity_regularizer", None) is not None:
        value += layer.activity_penalty()
    return value


def _numeric(layer, arr, x, g, reset, h=1e-6):
    out = np.zeros_like(arr)
    it = np.nditer(arr, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        keep = arr[i]
        arr[i] = keep + h
        plus = _cost(layer, x, g, reset)
        arr[i] = keep - h
        minus = _cost(layer, x, g, reset)
        arr[i] = keep
        out[i] = (plus - minus) / (2 * h)
    return out


def _relative_error(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


def check_gradients(layer, x, seed=0, check_input=True):
    """dC/dx and dC/dw from backward against central differences, C = sum(y * g), g random."""
    rng = np.random.default_rng(seed)
    if not layer.built:
        layer.build(x.shape[1:])
    reset = _restore(layer)
    y = layer.forward(x, training=True)
    g = rng.normal(size=y.shape)
    reset()
    layer.forward(x, training=True)
    dx = layer.backward(g)
    analytic = {v.name: v.grad.copy() for v in layer.weights if v.trainable}
    if check_input:
        err = _relative_error(dx, _numeric(layer, x, x, g, reset))
        assert err < 1e-6, f"{type(layer).__name__}: dC/dx relative error {err:.2e}"
    for v in layer.weights:
        if v.trainable:
            err = _relative_error(analytic[v.name], _numeric(layer, v.value, x, g, reset))
            assert err < 1e-6, f"{type(layer).__name__}: dC/d{v.name} relative error {err:.2e}"


def _away_from(x, points, margin=0.05):
    """Move values closer than ``margin`` to a kink (0, the threshold, max_value) away from it."""
    for p in points:
        close = np.abs(x - p) < margin
        x[close] = p + np.where(x[close] >= p, margin, -margin) * 2
    return x


def _x(shape, seed=1, kinks=()):
    return _away_from(np.random.default_rng(seed).normal(size=shape), kinks)


CASES = [
    ("relu", lambda: ReLU(), (4, 5), (0.0,)),
    ("relu_all_options", lambda: ReLU(max_value=1.2, negative_slope=0.1, threshold=0.3), (4, 5), (0.0, 0.3, 1.2)),
    ("leaky_relu", lambda: LeakyReLU(), (4, 5), (0.0,)),
    ("elu", lambda: ELU(alpha=0.7), (4, 5), (0.0,)),
    ("softmax_last", lambda: Softmax(), (3, 4), ()),
    ("softmax_axis1", lambda: Softmax(axis=1), (2, 3, 4), ()),
    ("prelu", lambda: PReLU(alpha_initializer="random_normal"), (4, 3, 2), (0.0,)),
    ("prelu_shared", lambda: PReLU(alpha_initializer="random_normal", shared_axes=[1]), (4, 3, 2), (0.0,)),
    ("batch_norm", lambda: BatchNormalization(gamma_initializer="random_normal",
                                              beta_initializer="random_normal"), (6, 3), ()),
    ("batch_norm_axis1_images", lambda: BatchNormalization(axis=1, gamma_initializer="random_normal"),
     (3, 2, 2, 2), ()),
    ("batch_norm_no_scale_center", lambda: BatchNormalization(scale=False, center=False), (5, 2), ()),
    ("layer_norm", lambda: LayerNormalization(gamma_initializer="random_normal",
                                              beta_initializer="random_normal"), (3, 5), ()),
    ("layer_norm_two_axes", lambda: LayerNormalization(axis=[1, 2], gamma_initializer="random_normal"),
     (2, 3, 4), ()),
    ("layer_norm_middle_axis", lambda: LayerNormalization(axis=1, gamma_initializer="random_normal"),
     (2, 3, 4), ()),
    ("unit_norm", lambda: UnitNormalization(), (3, 4), ()),
    ("unit_norm_axes", lambda: UnitNormalization(axis=[1, 2]), (2, 3, 2), ()),
    ("gaussian_noise", lambda: GaussianNoise(0.3, seed=3), (4, 3), ()),
    ("gaussian_dropout", lambda: GaussianDropout(0.3, seed=3), (4, 3), ()),
    ("alpha_dropout", lambda: AlphaDropout(0.3, seed=3), (4, 3), ()),
    ("alpha_dropout_noise_shape", lambda: AlphaDropout(0.4, noise_shape=(None, 1, 3), seed=3), (4, 2, 3), ()),
    ("spatial_dropout1d", lambda: SpatialDropout1D(0.4, seed=3), (4, 3, 2), ()),
    ("spatial_dropout2d", lambda: SpatialDropout2D(0.4, seed=3), (3, 2, 2, 3), ()),
    ("spatial_dropout2d_cf", lambda: SpatialDropout2D(0.4, data_format="channels_first", seed=3), (3, 3, 2, 2), ()),
    ("activity_regularization", lambda: ActivityRegularization(l1=0.01, l2=0.02), (4, 3), (0.0,)),
    ("reshape", lambda: Reshape((-1, 2)), (2, 3, 4), ()),
    ("permute", lambda: Permute((2, 1)), (2, 3, 4), ()),
    ("repeat_vector", lambda: RepeatVector(3), (2, 4), ()),
    ("rescaling", lambda: Rescaling(0.5, offset=-1.0), (2, 4), ()),
    ("rescaling_per_channel", lambda: Rescaling([0.5, 2.0, -1.0]), (2, 4, 3), ()),
    ("global_avg_pool1d", lambda: GlobalAveragePooling1D(), (2, 5, 3), ()),
    ("global_avg_pool1d_cf_keepdims", lambda: GlobalAveragePooling1D(data_format="channels_first",
                                                                     keepdims=True), (2, 3, 5), ()),
    ("global_max_pool1d", lambda: GlobalMaxPooling1D(), (2, 5, 3), ()),
    ("global_max_pool1d_cf", lambda: GlobalMaxPooling1D(data_format="channels_first", keepdims=True),
     (2, 3, 5), ()),
]


@pytest.mark.parametrize("name,make,shape,kinks", CASES, ids=[c[0] for c in CASES])
def test_backward_matches_numeric_gradients(name, make, shape, kinks):
    with config.floatx_scope("float64"):
        layer = make()
        check_gradients(layer, _x(shape, kinks=kinks))


def test_activity_regularization_penalty_has_a_matching_gradient():
    """d/dx of the penalty / n that the model adds: numeric against backward(0)."""
    with config.floatx_scope("float64"):
        layer = ActivityRegularization(l1=0.01, l2=0.02)
        x = _x((4, 3), kinks=(0.0,))
        layer.build(x.shape[1:])
        layer.forward(x, training=True)
        dx = layer.backward(np.zeros_like(x))
        num = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            for sign in (1, -1):
                xp = x.copy()
                xp[i] += sign * 1e-6
                layer.forward(xp, training=True)
                num[i] += sign * layer.activity_penalty() / 2e-6
        assert _relative_error(dx, num) < 1e-6


def test_global_avg_pool1d_with_mask_backward():
    with config.floatx_scope("float64"):
        layer = GlobalAveragePooling1D()
        layer.build((4, 3))
        x = _x((2, 4, 3))
        mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
        y = layer.forward(x, training=True, mask=mask)
        np.testing.assert_allclose(y[0], x[0, :2].mean(axis=0))
        np.testing.assert_allclose(y[1], x[1, :3].mean(axis=0))
        g = np.ones_like(y)
        dx = layer.backward(g)
        np.testing.assert_allclose(dx[0, :, 0], [0.5, 0.5, 0, 0])
        np.testing.assert_allclose(dx[1, :, 0], [1 / 3, 1 / 3, 1 / 3, 0])


def test_embedding_backward_is_a_scatter_add():
    with config.floatx_scope("float64"):
        layer = Embedding(5, 3, embeddings_initializer="random_normal")
        layer.build((4,))
        idx = np.array([[0, 2, 2, 4], [1, 2, 0, 0]])
        y = layer.forward(idx.astype("float64"), training=True)
        np.testing.assert_array_equal(y, layer.embeddings.value[idx])
        g = np.random.default_rng(0).normal(size=y.shape)
        layer.backward(g)
        want = np.zeros((5, 3))
        for b in range(2):
            for t in range(4):
                want[idx[b, t]] += g[b, t]
        np.testing.assert_allclose(layer.embeddings.grad, want)
        assert np.all(layer.embeddings.grad[3] == 0)       # a row not looked up gets nothing
        # and the numeric derivative of sum(y * g) w.r.t. the table agrees
        check_gradients(layer, idx.astype("float64"), check_input=False)


# ------------------------------------------------------------------ behaviour
def test_relu_layer_formula_by_hand():
    x = np.array([[-2.0, 0.1, 0.5, 1.0, 3.0]], dtype="float32")
    y = ReLU(max_value=2.0, negative_slope=0.5, threshold=0.2)(x)
    # below the threshold: 0.5 * (x - 0.2); between: x; above max_value: 2
    np.testing.assert_allclose(y, [[-1.1, -0.05, 0.5, 1.0, 2.0]], rtol=1e-6)
    assert LeakyReLU().negative_slope == 0.3                      # Keras 3's layer default
    np.testing.assert_allclose(LeakyReLU()(np.array([[-1.0, 2.0]])), [[-0.3, 2.0]], rtol=1e-6)


def test_batch_norm_training_uses_batch_stats_and_updates_moving_ones():
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 3)).astype("float32")
    layer.build((3,))
    y = layer.forward(x, training=True)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    var = x.var(axis=0)            # biased (1/N), as Keras 3
    np.testing.assert_allclose(y.var(axis=0), var / (var + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.value, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.value, 0.9 + 0.1 * var, rtol=1e-5)
    # inference uses the moving statistics
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(layer.forward(x, training=False), (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-5, atol=1e-6)
    assert [v.name for v in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [v.name for v in layer.trainable_weights] == ["gamma", "beta"]


def test_frozen_batch_norm_runs_in_inference_mode_and_keeps_its_statistics():
    layer = BatchNormalization(moving_mean_initializer="random_normal", moving_variance_initializer="ones")
    layer.build((3,))
    layer.trainable = False
    before = [w.copy() for w in layer.get_weights()]
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, layer.forward(x, training=False))
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    with config.floatx_scope("float64"):          # its backward is then the inference one
        frozen = BatchNormalization(gamma_initializer="random_normal", moving_mean_initializer="random_normal")
        frozen.build((3,))
        frozen.trainable = False
        check_gradients(frozen, _x((5, 3)))


def test_frozen_batch_norm_inside_fit_keeps_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    # frozen from the start: the model engine does not yet repack when trainable flips after build
    bn = BatchNormalization(trainable=False, moving_mean_initializer="random_normal")
    model = Sequential([layers.Input((4,)), layers.Dense(4), bn, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = bn.get_weights()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_noise_layers_statistics_and_inference_identity():
    x = np.ones((2000, 50), dtype="float32")
    for layer in (GaussianNoise(0.5, seed=1), GaussianDropout(0.2, seed=1), AlphaDropout(0.2, seed=1)):
        np.testing.assert_array_equal(layer(x, training=False), x)
        y = layer(x, training=True)
        assert y.dtype == np.float32
    y = GaussianNoise(0.5, seed=1)(x, training=True) - 1
    assert abs(y.mean()) < 0.01 and abs(y.std() - 0.5) < 0.01
    y = GaussianDropout(0.2, seed=1)(x, training=True)
    assert abs(y.mean() - 1) < 0.01 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01
    # AlphaDropout keeps zero mean / unit variance inputs at zero mean / unit variance
    z = np.random.default_rng(0).normal(size=(4000, 50)).astype("float32")
    y = AlphaDropout(0.2, seed=1)(z, training=True)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((50, 6, 8), dtype="float32")
    y = SpatialDropout1D(0.5, seed=0)(x, training=True)
    assert np.all((y == y[:, :1, :]))                      # same decision for every step
    assert set(np.unique(y)) <= {0.0, 2.0}
    y = SpatialDropout2D(0.5, seed=0)(np.ones((20, 3, 3, 4), dtype="float32"), training=True)
    assert np.all(y == y[:, :1, :1, :])


def test_seeded_noise_layers_repeat_and_expose_their_generator():
    x = np.ones((3, 4), dtype="float32")
    for cls, arg in ((GaussianNoise, 0.3), (GaussianDropout, 0.3), (AlphaDropout, 0.3), (SpatialDropout1D, 0.5)):
        xx = x if cls is not SpatialDropout1D else x[:, :, None]
        a, b = cls(arg, seed=7), cls(arg, seed=7)
        np.testing.assert_array_equal(a(xx, training=True), b(xx, training=True))
        assert a.generator is not None


def test_shape_layers_by_hand():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(Reshape((4, -1))(x), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(Permute((2, 1))(x), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(RepeatVector(2)(x[:, 0]), np.stack([x[:, 0]] * 2, axis=1))
    np.testing.assert_allclose(Rescaling(1 / 255)(np.array([[255.0, 0.0]])), [[1.0, 0.0]])
    assert Reshape((-1, 2)).compute_output_shape((3, 4)) == (6, 2)


def test_embedding_bag_of_words_model_trains():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, size=(64, 6)).astype("float32")
    y = (x[:, 0] < 10).astype("float32")[:, None]
    model = Sequential([layers.Input((6,)), Embedding(20, 8), GlobalAveragePooling1D(),
                        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.predict(x, verbose=0).shape == (64, 1)


# ------------------------------------------------------------------ configs and round trips
ALL = [ReLU(max_value=2.0), LeakyReLU(0.1), PReLU(shared_axes=[1]), ELU(0.5), Softmax(axis=1),
       BatchNormalization(momentum=0.9), LayerNormalization(axis=[1, 2]), UnitNormalization(axis=[1]),
       GaussianNoise(0.2, seed=1), GaussianDropout(0.2), AlphaDropout(0.1, noise_shape=(None, 1, None)),
       SpatialDropout1D(0.2), SpatialDropout2D(0.3, data_format="channels_first"),
       ActivityRegularization(l1=0.1), Reshape((-1,)), Permute((2, 1)), RepeatVector(3),
       Rescaling([1.0, 2.0]), Embedding(10, 4, mask_zero=True), GlobalAveragePooling1D(keepdims=True),
       GlobalMaxPooling1D(data_format="channels_first")]


@pytest.mark.parametrize("layer", ALL, ids=[type(l).__name__ for l in ALL])
def test_config_round_trip(layer):
    config_ = layers.serialize(layer)
    assert config_["class_name"] == type(layer).__name__
    clone = layers.deserialize(config_)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


def test_aliases_resolve():
    assert layers.GlobalAvgPool1D is GlobalAveragePooling1D
    assert type(layers.deserialize({"class_name": "GlobalMaxPool1D", "config": {}})) is GlobalMaxPooling1D


# ------------------------------------------------------------------ bad input
def test_embedding_rejects_indices_outside_the_vocabulary():
    layer = Embedding(5, 2, name="emb")
    layer.build((3,))
    with pytest.raises(ValueError, match=r"Embedding 'emb'.*\[0, input_dim=5\).*from 0 to 5"):
        layer.forward(np.array([[0, 1, 5]]))
    with pytest.raises(ValueError, match=r"from -1 to 1"):
        layer.forward(np.array([[0, 1, -1]]))
    with pytest.raises(ValueError, match="finite"):
        layer.forward(np.array([[0, np.nan, 1]]))
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 2)


@pytest.mark.parametrize("make,match", [
    (lambda: ReLU(max_value=-1.0), "max_value"),
    (lambda: ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: LeakyReLU(negative_slope=-1), "negative_slope"),
    (lambda: Softmax(axis=0), "batch axis"),
    (lambda: BatchNormalization(axis=0), "batch axis"),
    (lambda: BatchNormalization(momentum=1.5), "momentum"),
    (lambda: BatchNormalization(renorm=True), "renorm"),
    (lambda: LayerNormalization(axis="x"), "axis"),
    (lambda: GaussianNoise(2.0), "stddev"),
    (lambda: GaussianDropout(1.0), "rate"),
    (lambda: AlphaDropout(-0.1), "rate"),
    (lambda: SpatialDropout2D(0.1, data_format="nhwc"), "data_format"),
    (lambda: Reshape((-1, -1)), "at most one -1"),
    (lambda: Reshape((0, 2)), "target_shape"),
    (lambda: Permute((1, 3)), "permutation"),
    (lambda: RepeatVector(0), "positive"),
    (lambda: RepeatVector(2.5), "integer"),
    (lambda: Rescaling("big"), "scale"),
    (lambda: PReLU(shared_axes=[0]), "shared_axes"),
    (lambda: GlobalAveragePooling1D(data_format="x"), "data_format"),
])
def test_bad_arguments_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_bad_input_shapes_are_named():
    with pytest.raises(ValueError, match=r"Reshape .*cannot reshape inputs of shape \(3, 4\)"):
        Reshape((5, -1)).build((3, 4))
    with pytest.raises(ValueError, match="RepeatVector .*2-D"):
        RepeatVector(2).build((3, 4))
    with pytest.raises(ValueError, match="Permute .*rank 3"):
        Permute((2, 1, 3)).build((3, 4))
    with pytest.raises(ValueError, match="GlobalAveragePooling1D .*3-D"):
        GlobalAveragePooling1D().build((3,))
    with pytest.raises(ValueError, match="SpatialDropout2D .*4-D"):
        SpatialDropout2D(0.5)(np.ones((2, 3, 4)), training=True)
    with pytest.raises(ValueError, match="BatchNormalization .*out of range"):
        BatchNormalization(axis=3).build((4,))
    with pytest.raises(ValueError, match="AlphaDropout .*noise_shape"):
        AlphaDropout(0.5, noise_shape=(None, 2))(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="Rescaling .*broadcast"):
        Rescaling([1.0, 2.0]).build((3,))


def test_automatic_names_are_keras_names():
    assert GlobalAveragePooling1D().name.startswith("global_average_pooling1d")
    assert GlobalMaxPooling1D().name.startswith("global_max_pooling1d")
    assert SpatialDropout1D(0.1).name.startswith("spatial_dropout1d")
    assert SpatialDropout2D(0.1).name.startswith("spatial_dropout2d")
    assert BatchNormalization().name.startswith("batch_normalization")
    assert PReLU().name.startswith("p_re_lu")


def test_embedding_mask_zero_warns_that_sequential_does_not_pass_masks():
    with pytest.warns(UserWarning, match="does not pass masks"):
        Sequential([layers.Input((4,)), Embedding(5, 2, mask_zero=True), GlobalAveragePooling1D()])
    emb = Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(emb.compute_mask(np.array([[0, 3, 0]])), [[False, True, False]])


def test_noise_layer_generators_are_part_of_the_model_rng_state():
    model = Sequential([layers.Input((3,)), GaussianNoise(0.1, seed=1, name="noise"), layers.Dense(1)])
    state = model.get_rng_state()
    assert "layer/noise" in state
    x = np.ones((4, 3), dtype="float32")
    first = model.layers[0].forward(x, training=True)
    model.set_rng_state(state)
    np.testing.assert_array_equal(model.layers[0].forward(x, training=True), first)


def test_model_gradient_check_through_every_new_layer():
    """Backprop through a stack of the new layers (noise layers included: the check switches them
    off) agrees with central differences in float64."""
    from glassnet import inspect

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]
    model = Sequential([
        # no bias before BatchNormalization: its gradient is 0, and round-off on 0 is no test
        layers.Input((6,)), layers.Dense(8, use_bias=False), BatchNormalization(),
        PReLU(alpha_initializer="random_normal"),
        GaussianNoise(0.2), GaussianDropout(0.2), AlphaDropout(0.2), layers.Reshape((2, 4)),
        LayerNormalization(), SpatialDropout1D(0.3), Permute((2, 1)),
        GlobalAveragePooling1D(data_format="channels_first"), ELU(), UnitNormalization(), RepeatVector(2),
        GlobalMaxPooling1D(), ActivityRegularization(0.01, 0.01), ReLU(negative_slope=0.1), LeakyReLU(),
        Rescaling(2.0), layers.Dense(3), Softmax()])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    report = inspect.gradient_check(model, x, y, tolerance=1e-6)
    assert report.passed, str(report)
    tokens = rng.integers(0, 9, size=(8, 4)).astype("float32")
    bag = Sequential([layers.Input((4,)), Embedding(9, 3), GlobalAveragePooling1D(), layers.Dense(3), Softmax()])
    bag.compile(optimizer="adam", loss="categorical_crossentropy")
    report = inspect.gradient_check(bag, tokens, y, tolerance=1e-6)
    assert report.passed, str(report)


def test_inference_writes_nothing_on_the_layers():
    """predict may run from several threads: no layer keeps anything from an inference pass."""
    x3 = np.random.default_rng(0).normal(size=(4, 3, 5)).astype("float32")
    cases = [(make(), shape) for _, make, shape, _ in CASES] + [(Embedding(5, 2), (4, 3))]
    for layer, shape in cases:
        x = x3 if shape == (4, 3, 5) else np.abs(np.random.default_rng(1).normal(size=shape)).astype("float32")
        if isinstance(layer, Embedding):
            x = np.zeros(shape, dtype="float32")
        layer.build(x.shape[1:])
        layer.forward(x, training=True)              # a training pass leaves its quantities ...
        before = {k: v for k, v in vars(layer).items() if not isinstance(v, np.ndarray)}
        arrays = {k for k, v in vars(layer).items() if isinstance(v, np.ndarray)}
        layer.forward(x, training=False)             # ... which an inference pass must not touch
        after = {k: v for k, v in vars(layer).items() if not isinstance(v, np.ndarray)}
        assert {k for k, v in vars(layer).items() if isinstance(v, np.ndarray)} == arrays, type(layer).__name__
        assert set(after) == set(before) and all(after[k] is before[k] for k in before), type(layer).__name__
