"""Tests for glassnet.utils: to_categorical, normalize, set_random_seed."""
import numpy as np
import pandas as pd
import pytest

import glassnet
from glassnet import config, utils as U


# ------------------------------------------------------------------ to_categorical
def test_to_categorical_keras_docstring_example():
    np.testing.assert_array_equal(U.to_categorical([0, 1, 2, 3], num_classes=4), np.eye(4))


def test_to_categorical_infers_num_classes_and_is_floatx():
    out = U.to_categorical([2, 0, 1, 2])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    with config.floatx_scope("float64"):
        assert U.to_categorical([1]).dtype == np.float64


@pytest.mark.parametrize("shape, expected", [
    ((5,), (5, 3)),
    ((5, 1), (5, 3)),       # a trailing axis of 1 is dropped
    ((2, 4), (2, 4, 3)),
    ((2, 4, 1), (2, 4, 3)),
    ((5, 1, 1), (5, 1, 3)),  # only the last one, as Keras
    ((1,), (1, 3)),          # a 1-D input of one label keeps its axis
])
def test_to_categorical_shapes(shape, expected):
    x = np.arange(np.prod(shape)).reshape(shape) % 3
    out = U.to_categorical(x, num_classes=3)
    assert out.shape == expected
    np.testing.assert_array_equal(out.argmax(-1).ravel(), x.ravel())


def test_to_categorical_scalar():
    np.testing.assert_array_equal(U.to_categorical(2, 4), [0, 0, 1, 0])


def test_to_categorical_properties_on_random_labels():
    y = np.random.default_rng(0).integers(0, 10, size=1000)
    out = U.to_categorical(y, num_classes=12)
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)
    np.testing.assert_array_equal(out.argmax(axis=1), y)
    assert set(np.unique(out)) == {0.0, 1.0}
    np.testing.assert_array_equal(out[:, 10:], 0.0)  # extra classes stay empty


@pytest.mark.parametrize("x", [
    [0.0, 2.0, 1.0],
    np.array([0, 2, 1], np.uint8),
    np.array([[0], [2], [1]], np.int32),
    pd.Series([0, 2, 1]),
    pd.DataFrame({"y": [0, 2, 1]}),
    np.array([0, 2, 1], dtype=object),
])
def test_to_categorical_accepts_integer_like_labels(x):
    np.testing.assert_array_equal(U.to_categorical(x), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_to_categorical_bool_labels():
    np.testing.assert_array_equal(U.to_categorical([True, False]), [[0, 1], [1, 0]])


def test_to_categorical_empty_with_num_classes():
    assert U.to_categorical(np.array([], int), num_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match=r"num_classes cannot be inferred from an empty x"):
        U.to_categorical([])


@pytest.mark.parametrize("x, kw, match", [
    ([0, -1, 2], {}, r"to_categorical: x must contain class labels >= 0, got -1 at index 1"),
    ([[0, 1], [3, 5]], {"num_classes": 4},
     r"x must contain class labels < num_classes=4 \(labels run from 0 to 3\), got 5 at index \(1, 1\)"),
    ([0, 1, 4], {"num_classes": 4}, r"got 4 at index 2"),
    ([0.0, 1.5], {}, r"x must contain integer class labels, got 1.5 at index 1"),
    ([0.0, float("nan")], {}, r"integer class labels, got nan at index 1"),
    ([float("inf")], {}, r"integer class labels, got inf at index 0"),
    ([1e300], {}, r"integer class labels, got 1e\+300"),
    ([0, 1], {"num_classes": 0}, r"num_classes must be a positive integer, got 0"),
    ([0, 1], {"num_classes": -2}, r"num_classes must be a positive integer, got -2"),
    ([0, 1], {"num_classes": 2.5}, r"num_classes must be a positive integer, got 2.5"),
])
def test_to_categorical_value_errors(x, kw, match):
    with pytest.raises(ValueError, match=match):
        U.to_categorical(x, **kw)


@pytest.mark.parametrize("x", [["cat", "dog"], np.array(["a"], dtype=object), [1 + 2j]])
def test_to_categorical_type_errors(x):
    with pytest.raises(TypeError, match=r"to_categorical: x must contain integer class labels"):
        U.to_categorical(x)


def test_to_categorical_ragged():
    with pytest.raises(ValueError, match=r"to_categorical: x must be a rectangular array"):
        U.to_categorical([[0, 1], [2]])


# ------------------------------------------------------------------ normalize
X = np.array([[3.0, -4.0, 0.0], [1.0, 2.0, 2.0], [0.0, 0.0, 0.0]], np.float32)


def test_normalize_matches_keras():
    # keras.utils.normalize(X) and normalize(X, order=1), Keras 3.15.1
    np.testing.assert_array_equal(U.normalize(X), np.float32(
        [[0.6000000238418579, -0.800000011920929, 0.0],
         [0.3333333432674408, 0.6666666865348816, 0.6666666865348816], [0.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(U.normalize(X, order=1), np.float32(
        [[0.4285714328289032, -0.5714285969734192, 0.0],
         [0.20000000298023224, 0.4000000059604645, 0.4000000059604645], [0.0, 0.0, 0.0]]))


def test_normalize_axis_0_by_hand():
    x = np.array([[3.0, 1.0], [4.0, 0.0]])
    np.testing.assert_allclose(U.normalize(x, axis=0), [[0.6, 1.0], [0.8, 0.0]], rtol=1e-15)


def test_normalize_inf_order():
    np.testing.assert_allclose(U.normalize(np.array([[2.0, -8.0, 4.0]]), order=np.inf),
                               [[0.25, -1.0, 0.5]], rtol=1e-15)


@pytest.mark.parametrize("order", [1, 2, 3, 0.5, np.inf])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_normalize_gives_unit_norms(order, axis):
    x = np.random.default_rng(1).standard_normal((4, 5, 6))
    out = U.normalize(x, axis=axis, order=order)
    np.testing.assert_allclose(np.linalg.norm(out, ord=order, axis=axis), 1.0, rtol=1e-12)
    # same direction: out is x times a positive factor per vector
    ratio = out / x
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio.max(axis=axis, keepdims=True), x.shape),
                               rtol=1e-12)


def test_normalize_dtypes():
    assert U.normalize(X).dtype == np.float32
    assert U.normalize(X.astype(np.float64)).dtype == np.float64
    assert U.normalize([[3, 4]]).dtype == np.float32
    assert U.normalize(np.array([[3, 4]])).dtype == np.float32
    np.testing.assert_allclose(U.normalize(pd.DataFrame({"a": [3.0], "b": [4.0]})), [[0.6, 0.8]],
                               rtol=1e-7)


@pytest.mark.parametrize("scale", [1e30, 1e-30, 1e-44])
def test_normalize_survives_overflow_and_underflow(scale):
    x = np.array([[3.0, 4.0], [0.0, 1.0]], np.float32) * np.float32(scale)
    out = U.normalize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)


def test_normalize_empty():
    assert U.normalize(np.zeros((0, 3), np.float32)).shape == (0, 3)


@pytest.mark.parametrize("kw, match", [
    ({"axis": 2}, r"normalize: axis must be an integer in \[-2, 1\] for x of shape \(3, 3\), got 2"),
    ({"axis": None}, r"normalize: axis must be an integer"),
    ({"order": 0}, r"normalize: order must be a number > 0 or inf"),
    ({"order": -1}, r"order must be a number > 0"),
    ({"order": "fro"}, r"order must be a number > 0"),
    ({"order": float("nan")}, r"order must be a number > 0"),
])
def test_normalize_argument_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        U.normalize(X, **kw)


def test_normalize_refuses_nan_and_scalars():
    with pytest.raises(ValueError, match=r"normalize: x contains NaN at row 0, column 1"):
        U.normalize(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"normalize: x must have at least 1 dimension"):
        U.normalize(3.0)


# ------------------------------------------------------------------ set_random_seed
def test_set_random_seed_is_the_global_one():
    assert U.set_random_seed is glassnet.random.set_random_seed
    U.set_random_seed(5)
    a = glassnet.random.make_generator().random(3)
    U.set_random_seed(5)
    np.testing.assert_array_equal(a, glassnet.random.make_generator().random(3))
