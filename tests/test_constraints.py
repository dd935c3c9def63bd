"""Weight constraints: formulas by hand, registry, and where the optimizer applies them."""
import numpy as np
import pytest

from glassnet import constraints, layers, optimizers
from glassnet.constraints import MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from glassnet.models import Sequential
from glassnet.variables import Variable

EPS = 1e-7


def test_max_norm_by_hand():
    # columns of norm 5 and 1: the first is scaled to norm 2, the second kept
    w = np.array([[3.0, 0.6], [4.0, 0.8]], dtype="float32")
    got = MaxNorm(2)(w)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[:, 0], [3 * 2 / (5 + EPS), 4 * 2 / (5 + EPS)], rtol=1e-6)
    np.testing.assert_allclose(got[:, 1], [0.6 / (1 + EPS), 0.8 / (1 + EPS)], rtol=1e-6)
    # axis=1: norms of the rows (hypot(3, .6) and hypot(4, .8)), both above 2
    rows = MaxNorm(2, axis=1)(w)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), [2, 2], rtol=1e-6)


def test_min_max_norm_by_hand():
    w = np.array([[0.3, 3.0], [0.4, 4.0]], dtype="float32")      # norms 0.5 and 5
    got = MinMaxNorm(min_value=1.0, max_value=2.0)(w)
    np.testing.assert_allclose(np.linalg.norm(got, axis=0), [1.0, 2.0], rtol=1e-6)
    half = MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)(w)
    # desired norm = 0.5 * clip + 0.5 * norm
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), [0.75, 3.5], rtol=1e-6)


def test_non_neg_and_unit_norm_by_hand():
    np.testing.assert_array_equal(NonNeg()(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])
    got = UnitNorm()(np.array([[3.0], [4.0]], dtype="float32"))
    np.testing.assert_allclose(got, [[0.6], [0.8]], rtol=1e-6)
    got = UnitNorm(axis=[0, 1])(np.full((2, 2, 3), 0.5, dtype="float32"))
    np.testing.assert_allclose(np.sqrt(np.sum(got ** 2, axis=(0, 1))), 1.0, rtol=1e-6)


def test_registry_names_and_round_trip():
    assert isinstance(constraints.get("max_norm"), MaxNorm)
    assert isinstance(constraints.get("NonNeg"), NonNeg)
    assert constraints.get(None) is None
    assert constraints.unit_norm is UnitNorm and constraints.min_max_norm is MinMaxNorm
    c = MinMaxNorm(0.5, 3.0, rate=0.5, axis=1)
    d = constraints.serialize(c)
    assert d == {"module": "keras.constraints", "class_name": "MinMaxNorm",
                 "config": {"min_value": 0.5, "max_value": 3.0, "rate": 0.5, "axis": 1}, "registered_name": None}
    assert constraints.deserialize(d).get_config() == c.get_config()
    assert constraints.get(d).get_config() == c.get_config()


@pytest.mark.parametrize("make,match", [
    (lambda: MaxNorm("2"), "max_value"), (lambda: MaxNorm(-1), "max_value"),
    (lambda: MinMaxNorm(2.0, 1.0), "min_value"), (lambda: UnitNorm(axis=1.5), "axis"),
    (lambda: constraints.get("maxnorm2"), "unknown constraint"),
])
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_axis_out_of_range_is_named():
    with pytest.raises(ValueError, match="MaxNorm: axis 2 is out of range"):
        MaxNorm(axis=2)(np.ones((2, 2)))


def test_optimizer_applies_the_constraint_after_the_update():
    v = Variable(np.array([[3.0], [4.0]], dtype="float32"), name="kernel")
    v.constraint = MaxNorm(1.0)
    opt = optimizers.SGD(learning_rate=0.1)
    opt.apply([np.array([[-10.0], [0.0]], dtype="float32")], [v])
    stepped = np.array([4.0, 4.0])                       # w - lr * g
    np.testing.assert_allclose(v.value[:, 0], stepped / (np.linalg.norm(stepped) + EPS), rtol=1e-6)


def test_dense_constraints_hold_after_fit_and_are_saved(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.normal(size=(64, 3)).astype("float32") * 10
    model = Sequential([layers.Input((5,)), layers.Dense(3, kernel_constraint="max_norm",
                                                         bias_constraint=NonNeg())])
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    kernel, bias = model.get_weights()
    assert np.all(np.linalg.norm(kernel, axis=0) <= 2 + 1e-5)
    assert np.all(bias >= 0)
    cfg = model.layers[0].get_config()
    assert cfg["kernel_constraint"]["class_name"] == "MaxNorm"
    assert cfg["bias_constraint"]["class_name"] == "NonNeg"
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        from glassnet.models import load_model
        back = load_model(tmp_path / name)
        assert isinstance(back.layers[0].kernel_constraint, MaxNorm)
        assert isinstance(back.layers[0].kernel.constraint, MaxNorm)
