"""The compiled training step for small Dense / Dropout stacks (models/dense_stack_step.py,
kernels/dense_stack.py) against the layer-by-layer path it replaces.

The reference is the layer-by-layer path (gradient-checked in float64 elsewhere) run on the same
weights with the same dropout masks; the products are BLAS's on both paths, but some sums (bias
gradients, the loss) run in another order, so agreement is to float32 rounding, not bit for bit.
"""
import numpy as np
import pytest

pytest.importorskip("numba", reason="numba is not installed (pip install glassnet[fast]): no compiled step")
pytest.importorskip("scipy", reason="SciPy is not installed (pip install glassnet[fast]): no compiled step")

import glassnet as gn  # noqa: E402
from glassnet import config, regularizers  # noqa: E402
from glassnet.layers import Concatenate, Dense, Dropout, Input  # noqa: E402
from glassnet.models import dense_stack_step  # noqa: E402


@pytest.fixture(autouse=True)
def _numba_kernels():
    previous = config.get_kernels()
    config.set_kernels("numba")
    yield
    config.set_kernels(previous)


def _net(act="relu", out="sigmoid", units_out=1, dropout=True, seed=0, use_bias=True, **dense_kw):
    gn.utils.set_random_seed(seed)
    layers = [Input((12,))]
    if dropout:
        layers.append(Dropout(0.1, seed=1))                  # dropout on the inputs, too
    layers += [Dense(10, activation=act, **dense_kw)]
    if dropout:
        layers.append(Dropout(0.5, seed=2))
    layers += [Dense(6, activation=act, use_bias=use_bias)]
    if dropout:
        layers.append(Dropout(0.3, seed=3))
    layers.append(Dense(units_out, activation=out))
    m = gn.models.Sequential(layers)
    m.compile("adam", "binary_crossentropy" if out == "sigmoid" else "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def _data(out="sigmoid", units_out=1, n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 12)).astype(np.float32)
    if out == "sigmoid":
        y = (rng.random((n, units_out)) < 0.5).astype(np.float32)
    else:
        y = rng.integers(0, units_out, n)
    return x, y


@pytest.fixture
def layer_by_layer(monkeypatch):
    """Within the test, models built afterwards never get the compiled step."""
    def off():
        monkeypatch.setattr(dense_stack_step, "plan", lambda model: None)
    return off


CASES = [("relu", "sigmoid", 1), ("relu", "sigmoid", 3), ("relu", "softmax", 4), ("tanh", "sigmoid", 1),
         ("sigmoid", "softmax", 3), ("linear", "sigmoid", 2)]


@pytest.mark.parametrize("act,out,units", CASES)
def test_one_step_matches_the_layer_by_layer_path(act, out, units, layer_by_layer):
    x, y = _data(out, units)
    fast = _net(act, out, units)
    xb, yb, _ = fast.prepare_batch(x[:32], y[:32])
    assert fast._dense_stack_step() is not None
    c1, p1, _ = fast.compute_loss_and_gradients(xb, yb)
    grads1 = [v.grad.copy() for v in fast.trainable_weights]
    kept1 = [(l.z.copy(), l.a.copy(), l.delta.copy(), l.a_prev.copy()) if isinstance(l, Dense) else l.mask.copy()
             for l in fast.layers]
    layer_by_layer()
    slow = _net(act, out, units)           # same seeds: same weights, same dropout masks
    assert slow._dense_stack_step() is None
    c2, p2, _ = slow.compute_loss_and_gradients(xb, yb)
    # float32 rounding of sums taken in another order (see the module docstring)
    assert c1 == pytest.approx(c2, rel=1e-6)
    np.testing.assert_allclose(p1, p2, rtol=1e-5, atol=1e-7)
    for g1, v in zip(grads1, slow.trainable_weights):
        np.testing.assert_allclose(g1, v.grad, rtol=1e-5, atol=1e-7)
    for k, l in zip(kept1, slow.layers):
        if isinstance(l, Dense):
            for a, b in zip(k, (l.z, l.a, l.delta, l.a_prev)):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        else:
            np.testing.assert_array_equal(k, l.mask)     # the same uniforms from the same generator


@pytest.mark.parametrize("act,out,units", CASES[:3])
def test_three_epochs_agree_with_the_layer_by_layer_path(act, out, units, layer_by_layer):
    x, y = _data(out, units, n=200)
    fast = _net(act, out, units)
    h1 = fast.fit(x, y, batch_size=16, epochs=3, verbose=0).history
    layer_by_layer()
    slow = _net(act, out, units)
    h2 = slow.fit(x, y, batch_size=16, epochs=3, verbose=0).history
    # 39 Adam steps: rounding differences grow a little where m / sqrt(v) divides tiny numbers
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    # a prediction within rounding of 0.5 could flip: allow one sample in 200
    np.testing.assert_allclose(h1["accuracy"], h2["accuracy"], atol=1 / 200 + 1e-9)


def test_gradient_is_the_numeric_gradient():
    """No dropout (fixed cost function); float32 central differences, so a loose tolerance."""
    x, y = _data("softmax", 3, n=24)
    m = _net("tanh", "softmax", 3, dropout=False)
    xb, yb, _ = m.prepare_batch(x, y)
    assert m._dense_stack_step() is not None
    m.compute_loss_and_gradients(xb, yb)
    kernel = m.layers[0].kernel
    analytic = kernel.grad.copy()
    numeric = np.zeros_like(analytic)
    eps = 1e-2
    for idx in np.ndindex(*kernel.shape):
        old = kernel.value[idx]
        kernel.value[idx] = old + eps
        up = m.cost(xb, yb)
        kernel.value[idx] = old - eps
        down = m.cost(xb, yb)
        kernel.value[idx] = old
        numeric[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-2, atol=2e-4)


def test_weight_penalties_are_added_as_on_the_other_path(layer_by_layer):
    x, y = _data()
    fast = _net(kernel_regularizer=regularizers.L2(0.01))
    xb, yb, _ = fast.prepare_batch(x[:32], y[:32])
    assert fast._dense_stack_step() is not None
    c1, _, _ = fast.compute_loss_and_gradients(xb, yb)
    g1 = fast.layers[1].kernel.grad.copy()
    layer_by_layer()
    slow = _net(kernel_regularizer=regularizers.L2(0.01))
    c2, _, _ = slow.compute_loss_and_gradients(xb, yb)
    assert c1 == pytest.approx(c2, rel=1e-6)
    np.testing.assert_allclose(g1, slow.layers[1].kernel.grad, rtol=1e-5, atol=1e-7)


def test_same_seed_same_bits():
    x, y = _data(n=100)
    runs = []
    for _ in range(2):
        m = _net(seed=5)
        m.fit(x, y, batch_size=10, epochs=2, verbose=0)
        runs.append(m.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_each_step_leaves_fresh_arrays():
    """A callback or a loop that keeps ``layer.z`` of one step keeps that step's numbers."""
    x, y = _data()
    m = _net()
    m.train_on_batch(x[:32], y[:32])
    z, mask = m.layers[1].z, m.layers[2].mask
    z_copy, mask_copy = z.copy(), mask.copy()
    m.train_on_batch(x[32:64], y[32:64])
    assert m.layers[1].z is not z
    np.testing.assert_array_equal(z, z_copy)
    np.testing.assert_array_equal(mask, mask_copy)


def _plain(**kw):
    m = _net(**kw)
    return dense_stack_step.plan(m)


@pytest.mark.parametrize("make", [
    lambda: _plain(act="elu"),                                              # no compiled activation
    lambda: _plain(activity_regularizer=regularizers.L2(0.1)),             # penalty on outputs
    lambda: _bce_on_softmax(),
    lambda: _label_smoothing(),
    lambda: _zero_rate(),
    lambda: _two_branches(),
    lambda: _frozen_layer(),
], ids=["elu", "activity_regularizer", "categorical_crossentropy", "label_smoothing", "dropout_rate_0",
        "two_branches", "frozen_layer"])
def test_models_that_do_not_qualify_train_layer_by_layer(make):
    assert make() is None


def _bce_on_softmax():
    m = _net(out="softmax", units_out=3)
    m.compile("adam", "categorical_crossentropy")
    return dense_stack_step.plan(m)


def _label_smoothing():
    m = _net()
    m.compile("adam", gn.losses.BinaryCrossentropy(label_smoothing=0.1))
    return dense_stack_step.plan(m)


def _zero_rate():
    m = gn.models.Sequential([Input((4,)), Dense(3, activation="relu"), Dropout(0.0), Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy")
    return dense_stack_step.plan(m)


def _two_branches():
    i = Input((4,))
    h = Concatenate()([Dense(3, activation="relu")(i), Dense(2, activation="relu")(i)])
    m = gn.models.Model(i, Dense(1, activation="sigmoid")(h))
    m.compile("adam", "binary_crossentropy")
    return dense_stack_step.plan(m)


def _frozen_layer():
    m = _net()
    m.layers[1].trainable = False
    m.compile("adam", "binary_crossentropy")
    return dense_stack_step.plan(m)


def test_a_batch_with_sample_weights_takes_the_other_path():
    x, y = _data()
    m = _net()
    step = m._dense_stack_step()
    xb, yb, sw = m.prepare_batch(x[:8], y[:8], np.ones(8))
    assert step(xb, yb) is not None
    assert step(xb, yb, sw) is None


def test_numpy_kernels_keep_the_layer_by_layer_path():
    config.set_kernels("numpy")
    assert _plain() is None


def test_reproduces_on_a_model_built_from_layers_of_a_functional_chain(layer_by_layer):
    """A functional Model that is one chain qualifies as a Sequential does."""
    gn.utils.set_random_seed(0)
    i = Input((12,))
    h = Dropout(0.2, seed=4)(Dense(8, activation="relu")(i))
    m = gn.models.Model(i, Dense(1, activation="sigmoid")(h))
    m.compile("adam", "binary_crossentropy")
    assert dense_stack_step.plan(m) is not None
