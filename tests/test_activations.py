"""Tests for glassnet.activations.

Reference values are computed independently: closed forms with the ``math`` module in float64,
Keras's documented examples, central-difference gradients in float64, and properties that must
hold.  Derivatives at kinks are the values TensorFlow 2.21's autodiff returns for Keras 3.15's
activations (recorded by hand from ``tf.GradientTape`` runs).
"""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassnet.activations as A

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sig(x):
    # plain textbook form; only used where exp(-x) cannot overflow
    return 1.0 / (1.0 + math.exp(-x)) if x >= -700 else 0.0


def _phi(x):  # standard normal CDF, via erfc so that the left tail keeps its digits
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _softplus_ref(x):
    return math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x))


# name, instance, scalar reference f(x) in float64
CLOSED_FORMS = [
    ("linear", A.Linear(), lambda x: x),
    ("step", A.Step(), lambda x: 1.0 if x >= 0 else 0.0),
    ("sigmoid", A.Sigmoid(), _sig),
    ("hard_sigmoid", A.HardSigmoid(), lambda x: min(1.0, max(0.0, x / 6.0 + 0.5))),
    ("tanh", A.Tanh(), lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)),
    ("relu", A.ReLU(), lambda x: x if x > 0 else 0.0),
    ("relu6", A.ReLU6(), lambda x: min(6.0, max(0.0, x))),
    ("leaky_relu", A.LeakyReLU(), lambda x: x if x > 0 else 0.2 * x),
    ("elu", A.ELU(), lambda x: x if x > 0 else math.exp(x) - 1),
    ("elu_a", A.ELU(alpha=0.5), lambda x: x if x > 0 else 0.5 * (math.exp(x) - 1)),
    ("selu", A.SELU(), lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * (math.exp(x) - 1))),
    ("softplus", A.Softplus(), _softplus_ref),
    ("softsign", A.Softsign(), lambda x: x / (1 + abs(x))),
    ("silu", A.SiLU(), lambda x: x * _sig(x)),
    ("hard_silu", A.HardSiLU(), lambda x: 0.0 if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)),
    ("gelu", A.GELU(), lambda x: x * _phi(x)),
    ("gelu_approx", A.GELU(approximate=True),
     # x/2 (1 + tanh u) = x sigmoid(2u), a form that does not cancel in the left tail
     lambda x: x * _sig(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
    ("exponential", A.Exponential(), math.exp),
    ("mish", A.Mish(), lambda x: x * math.tanh(_softplus_ref(x))),
    ("log_sigmoid", A.LogSigmoid(), lambda x: -_softplus_ref(-x)),
    ("celu", A.CELU(), lambda x: x if x >= 0 else math.exp(x) - 1),
    ("celu_a", A.CELU(alpha=2.0), lambda x: x if x >= 0 else 2.0 * (math.exp(x / 2.0) - 1)),
    ("hard_tanh", A.HardTanh(), lambda x: min(1.0, max(-1.0, x))),
    ("tanh_shrink", A.TanhShrink(), lambda x: x - math.tanh(x)),
    ("squareplus", A.Squareplus(), lambda x: (x + math.sqrt(x * x + 4)) / 2),
    ("squareplus_b", A.Squareplus(b=1.0), lambda x: (x + math.sqrt(x * x + 1)) / 2),
    ("hard_shrink", A.HardShrink(), lambda x: x if abs(x) > 0.5 else 0.0),
    ("soft_shrink", A.SoftShrink(), lambda x: math.copysign(max(abs(x) - 0.5, 0.0), x)),
    ("sparse_plus", A.SparsePlus(), lambda x: 0.0 if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4)),
    ("sparse_sigmoid", A.SparseSigmoid(), lambda x: min(1.0, max(0.0, (x + 1) / 2))),
    ("threshold", A.Threshold(0.3, -2.0), lambda x: x if x > 0.3 else -2.0),
    ("relu_all", A.ReLU(negative_slope=0.1, max_value=5.0, threshold=1.0),
     lambda x: (min(x, 5.0) if x > 1 else 0.0) - 0.1 * max(1.0 - x, 0.0)),
    ("relu_leaky", A.ReLU(negative_slope=0.3), lambda x: x if x > 0 else 0.3 * x),
    ("relu_max", A.ReLU(max_value=2.5), lambda x: min(max(x, 0.0), 2.5)),
    ("relu_thr_neg", A.ReLU(threshold=-1.0), lambda x: x if x > -1 else 0.0),
]
CLOSED_IDS = [c[0] for c in CLOSED_FORMS]

POINTS = [-30.0, -7.5, -3.0, -2.2, -1.0, -0.7, -0.5, -0.1, -1e-4, 0.0, 1e-4, 0.1, 0.3, 0.5, 0.7,
          1.0, 1.3, 2.2, 3.0, 5.0, 6.0, 7.5, 30.0]


@pytest.mark.parametrize("name,act,ref", CLOSED_FORMS, ids=CLOSED_IDS)
def test_values_match_closed_forms_in_float64(name, act, ref):
    x = np.array(POINTS)
    got = act(x)
    want = np.array([ref(v) for v in POINTS])
    assert got.dtype == np.float64 and got.shape == x.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def test_keras_documented_examples():
    x = [-10, -5, 0.0, 5, 10]
    np.testing.assert_array_equal(A.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(x, threshold=5.0), [0, 0, 0, 0, 10])
    np.testing.assert_allclose(A.softmax(np.array([-1.0, 0.0, 1.0])),
                               [0.09003057, 0.24472847, 0.66524096], rtol=0, atol=5e-9)
    np.testing.assert_allclose(A.log_softmax(np.array([-1.0, 0.0, 1.0])),
                               [-2.40760596, -1.40760596, -0.40760596], rtol=0, atol=5e-9)


def test_hand_worked_values():
    # sigmoid(0) = 1/2, tanh(ln 3 / 2) = (3 - 1) / (3 + 1) = 1/2, softplus(0) = ln 2
    assert A.sigmoid(np.array(0.0)) == 0.5
    np.testing.assert_allclose(A.tanh(np.array(math.log(3) / 2)), 0.5, rtol=1e-15)
    np.testing.assert_allclose(A.softplus(np.array(0.0)), math.log(2), rtol=1e-15)
    # mish(0) = 0, mish'(0) = tanh(ln 2) = (4 - 1) / (4 + 1) = 0.6
    np.testing.assert_allclose(A.Mish().derivative(np.array([0.0])), [0.6], rtol=1e-15)
    # hard_sigmoid(1.5) = 1.5/6 + 0.5 = 0.75; hard_silu(1.5) = 1.5 * 0.75
    np.testing.assert_allclose(A.hard_sigmoid([1.5]), [0.75])
    np.testing.assert_allclose(A.hard_silu([1.5]), [1.125])
    # squareplus(0) = sqrt(b) / 2 = 1 with b = 4; softsign(3) = 3/4
    np.testing.assert_allclose(A.squareplus([0.0]), [1.0])
    np.testing.assert_allclose(A.softsign([3.0]), [0.75])
    # gelu(1) = Phi(1) = 0.8413447460685429 (table of the normal CDF)
    np.testing.assert_allclose(A.gelu(np.array([1.0])), [0.8413447460685429], rtol=1e-13)
    # selu(-inf) -> -scale*alpha = -1.7580993408473766
    np.testing.assert_allclose(A.selu(np.array([-50.0])), [-1.7580993408473766], rtol=1e-14)
    np.testing.assert_array_equal(A.step([-2.0, -0.0, 0.0, 1e-30, 3.0]), [0, 1, 1, 1, 1])


# --------------------------------------------------------------------------- kinks (TensorFlow)
KINKS = [
    (A.ReLU(), [-1.0, 0.0, 1.0], [0, 0, 1]),
    (A.ReLU(negative_slope=0.1), [-1.0, 0.0, 1.0], [0.1, 0.1, 1]),
    (A.ReLU(max_value=5.0), [-1.0, 0.0, 1.0, 5.0, 6.0], [0, 0, 1, 1, 0]),
    (A.ReLU(max_value=6.0), [-1.0, 0.0, 1.0, 6.0, 7.0], [0, 0, 1, 0, 0]),
    (A.ReLU(threshold=2.0), [-1.0, 0.0, 1.0, 2.0, 3.0], [0, 0, 0, 0, 1]),
    (A.ReLU(threshold=-2.0), [-3.0, -2.0, -1.0, 0.0, 1.0], [0, 0, 1, 1, 1]),
    (A.ReLU(negative_slope=0.1, threshold=2.0, max_value=5.0),
     [-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 6.0], [0.1, 0.1, 0.1, 0, 1, 1, 0]),
    (A.ReLU(negative_slope=0.1, max_value=5.0), [-1.0, 0.0, 1.0, 5.0, 6.0], [0.1, 0, 1, 1, 0]),
    (A.ReLU(threshold=3.0, max_value=2.0), [0.0, 3.0, 4.0], [0, 0, 0]),
    (A.ReLU6(), [-1.0, 0.0, 1.0, 6.0, 7.0], [0, 0, 1, 0, 0]),
    (A.LeakyReLU(), [-1.0, 0.0, 1.0], [0.2, 0.2, 1]),
    (A.ELU(), [-1.0, 0.0, 1.0], [math.exp(-1), 1, 1]),
    (A.ELU(alpha=2.0), [-1.0, 0.0, 1.0], [2 * math.exp(-1), 2, 1]),
    (A.SELU(), [0.0, 1.0], [SELU_SCALE, SELU_SCALE]),
    (A.CELU(), [-1.0, 0.0, 1.0], [math.exp(-1), 2, 1]),
    (A.CELU(alpha=2.0), [-1.0, 0.0, 1.0], [math.exp(-0.5), 2, 1]),
    (A.HardSigmoid(), [-4.0, -3.0, 0.0, 3.0, 4.0], [0, 0, 1 / 6, 0, 0]),
    (A.HardSiLU(), [-4.0, -3.0, 0.0, 3.0, 4.0], [0, 0, 0.5, 1, 1]),
    (A.HardTanh(), [-2.0, -1.0, 0.0, 1.0, 2.0], [0, 1, 1, 1, 0]),
    (A.Softsign(), [0.0], [1]),
    (A.HardShrink(), [-1.0, -0.5, 0.0, 0.5, 1.0], [1, 0, 0, 0, 1]),
    (A.SoftShrink(), [-1.0, -0.5, 0.0, 0.5, 1.0], [1, 0, 0, 0, 1]),
    (A.SparsePlus(), [-2.0, -1.0, 0.0, 1.0, 2.0], [0, 0, 0.5, 1, 1]),
    (A.SparseSigmoid(), [-2.0, -1.0, 0.0, 1.0, 2.0], [0, 0, 0.5, 0, 0]),
    (A.Threshold(1.0, 5.0), [0.0, 1.0, 2.0], [0, 0, 1]),
    (A.Step(), [-1.0, 0.0, 1.0], [0, 0, 0]),
    (A.Squareplus(), [0.0], [0.5]),
    (A.GELU(), [0.0], [0.5]),
    (A.GELU(approximate=True), [0.0], [0.5]),
]


@pytest.mark.parametrize("act,z,want", KINKS, ids=[repr(k[0]) for k in KINKS])
def test_derivative_at_kinks_follows_tensorflow(act, z, want):
    z = np.array(z, dtype=np.float32)
    a = act(z)
    np.testing.assert_allclose(act.derivative(z, a), want, rtol=1e-6)
    np.testing.assert_allclose(act.derivative(z), want, rtol=1e-6)
    g = np.full_like(z, 3.0)
    np.testing.assert_allclose(act.backward(g, z, a), 3.0 * np.array(want), rtol=1e-6)


# --------------------------------------------------------------------------- numeric gradients
# every registered activation (and parameter variants), with the kinks to stay away from
GRAD_CASES = [
    ("linear", A.Linear(), []),
    ("sigmoid", A.Sigmoid(), []),
    ("hard_sigmoid", A.HardSigmoid(), [-3, 3]),
    ("tanh", A.Tanh(), []),
    ("relu", A.ReLU(), [0]),
    ("relu_all", A.ReLU(negative_slope=0.1, max_value=5.0, threshold=1.0), [1, 5]),
    ("relu_leaky", A.ReLU(negative_slope=0.3), [0]),
    ("relu_max6", A.ReLU(max_value=6.0), [0, 6]),
    ("relu_max", A.ReLU(max_value=2.0, negative_slope=0.2), [0, 2]),
    ("relu_thr", A.ReLU(threshold=-1.5), [-1.5]),
    ("relu6", A.ReLU6(), [0, 6]),
    ("leaky_relu", A.LeakyReLU(), [0]),
    ("elu", A.ELU(), [0]),
    ("elu_a", A.ELU(alpha=1.7), [0]),
    ("selu", A.SELU(), [0]),
    ("softplus", A.Softplus(), []),
    ("softsign", A.Softsign(), []),
    ("silu", A.SiLU(), []),
    ("hard_silu", A.HardSiLU(), [-3, 3]),
    ("gelu", A.GELU(), []),
    ("gelu_approx", A.GELU(approximate=True), []),
    ("exponential", A.Exponential(), []),
    ("mish", A.Mish(), []),
    ("log_sigmoid", A.LogSigmoid(), []),
    ("celu", A.CELU(), [0]),
    ("celu_a", A.CELU(alpha=0.5), [0]),
    ("hard_tanh", A.HardTanh(), [-1, 1]),
    ("tanh_shrink", A.TanhShrink(), []),
    ("squareplus", A.Squareplus(), []),
    ("squareplus_b", A.Squareplus(b=0.5), []),
    ("hard_shrink", A.HardShrink(), [-0.5, 0.5]),
    ("soft_shrink", A.SoftShrink(threshold=0.8), [-0.8, 0.8]),
    ("sparse_plus", A.SparsePlus(), [-1, 1]),
    ("sparse_sigmoid", A.SparseSigmoid(), [-1, 1]),
    ("threshold", A.Threshold(0.25, 3.0), [0.25]),
    ("step", A.Step(), [0]),
]


def _away_from(z, kinks, gap=1e-3):
    keep = np.ones(z.shape, bool)
    for k in kinks:
        keep &= np.abs(z - k) > gap
    return z[keep]


def test_gradient_cases_cover_every_registered_name():
    covered = {type(act) for _, act, _ in GRAD_CASES} | {A.Softmax, A.LogSoftmax, A.GLU}
    registered = {A.REG.lookup(n) for n in A.REG.names()}
    assert registered <= covered


@pytest.mark.parametrize("name,act,kinks", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_backward_matches_central_differences(name, act, kinks):
    rng = np.random.default_rng(7)
    z = _away_from(rng.normal(0.0, 2.5, 400), kinks)
    g = rng.normal(size=z.shape)
    h = 1e-6
    numeric = g * (act(z + h) - act(z - h)) / (2 * h)
    a = act(z)
    np.testing.assert_allclose(act.backward(g, z, a), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.backward(g, z), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.derivative(z, a) * g, numeric, rtol=1e-6, atol=1e-8)


def _numeric_vjp(f, z, g, h=1e-6):
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):  # test only: perturb one input at a time
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        out[idx] = np.sum(g * (f(zp) - f(zm))) / (2 * h)
    return out


@pytest.mark.parametrize("cls,axis", [(A.Softmax, -1), (A.Softmax, 0), (A.Softmax, 1),
                                      (A.Softmax, (0, 2)), (A.Softmax, None),
                                      (A.LogSoftmax, -1), (A.LogSoftmax, 0), (A.LogSoftmax, (1, 2)),
                                      (A.GLU, -1), (A.GLU, 1)])
def test_non_elementwise_backward_is_the_vector_jacobian_product(cls, axis):
    rng = np.random.default_rng(3)
    act = cls(axis=axis)
    z = rng.normal(0, 2, (3, 4, 2))
    a = act(z)
    g = rng.normal(size=a.shape)
    np.testing.assert_allclose(act.backward(g, z, a), _numeric_vjp(act, z, g), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(act.backward(g, z), _numeric_vjp(act, z, g), rtol=1e-6, atol=1e-9)
    assert act.elementwise is False
    with pytest.raises(NotImplementedError, match="backward"):
        act.derivative(z, a)


def test_softmax_backward_formula_by_hand():
    # a = softmax([0, ln 3]) = [1/4, 3/4]; J = diag(a) - a a^T = [[3/16, -3/16], [-3/16, 3/16]]
    z = np.array([[0.0, math.log(3)]])
    a = A.softmax(z)
    np.testing.assert_allclose(a, [[0.25, 0.75]], rtol=1e-15)
    g = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(A.Softmax().backward(g, z, a), [[3 / 16, -3 / 16]], rtol=1e-14)


# --------------------------------------------------------------------------- softmax properties
def test_softmax_sums_to_one_on_any_axis_and_ignores_shifts():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 5, (4, 5, 6)).astype(np.float32)
    for axis in (0, 1, 2, -1, -2, (0, 1), (1, 2)):
        a = A.softmax(z, axis=axis)
        assert a.dtype == np.float32 and a.shape == z.shape
        np.testing.assert_allclose(np.sum(a, axis=axis), 1.0, rtol=1e-6)
        shift = rng.normal(0, 10, np.sum(z, axis=axis, keepdims=True).shape).astype(np.float32)
        np.testing.assert_allclose(A.softmax(z + shift, axis=axis), a, atol=1e-5)
        ls = A.log_softmax(z, axis=axis)
        np.testing.assert_allclose(np.exp(ls), a, rtol=2e-5, atol=1e-7)
    np.testing.assert_allclose(np.sum(A.softmax(z, axis=None)), 1.0, rtol=1e-5)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=np.float32)
    a = A.softmax(z)
    np.testing.assert_array_equal(a[0], [1, 0, 0])
    np.testing.assert_allclose(a[1], [1 / 3] * 3, rtol=1e-6)
    ls = A.log_softmax(z)
    np.testing.assert_array_equal(ls[0], [0, -1e4, -2e4])


def test_softmax_axis_out_of_range_message():
    with pytest.raises(ValueError) as err:
        A.softmax(np.zeros((2, 3)), axis=2)
    assert str(err.value) == "softmax: axis 2 out of range for a 2-D input"
    with pytest.raises(ValueError, match="log_softmax: axis -3 out of range for a 2-D input"):
        A.log_softmax(np.zeros((2, 3)), axis=-3)
    with pytest.raises(TypeError, match="axis must be an int"):
        A.softmax(np.zeros((2, 3)), axis=1.0)


def test_softmax_over_a_size_one_axis_warns_like_keras():
    with pytest.warns(UserWarning, match="size 1"):
        a = A.softmax(np.array([[2.0], [5.0]]))
    np.testing.assert_array_equal(a, [[1.0], [1.0]])


def test_glu_halves_the_axis():
    z = np.array([[1.0, 2.0, 0.0, math.log(3)]])
    np.testing.assert_allclose(A.glu(z), [[0.5, 2 * 0.75]], rtol=1e-15)
    assert A.glu(np.zeros((4, 2, 6)), axis=1).shape == (4, 1, 6)
    with pytest.raises(ValueError, match="glu: the size of axis -1 must be even"):
        A.glu(np.zeros((2, 3)))


# --------------------------------------------------------------------------- dtype and extremes
ALL_ACTS = [act for _, act, _ in GRAD_CASES] + [A.Softmax(), A.LogSoftmax(), A.Softmax(axis=0)]


@pytest.mark.parametrize("act", ALL_ACTS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(act, dtype):
    z = np.random.default_rng(1).normal(0, 3, (5, 4)).astype(dtype)
    a = act(z)
    g = np.ones_like(a)
    assert a.dtype == dtype
    assert act.backward(g, z, a).dtype == dtype
    assert act.backward(g, z).dtype == dtype
    if act.elementwise:
        assert act.derivative(z, a).dtype == dtype
        assert act.derivative(z).dtype == dtype


def test_lists_and_integers_become_floatx():
    assert A.relu([1, -2, 3]).dtype == np.float32
    assert A.sigmoid(np.array([1, 2], dtype=np.int64)).dtype == np.float32
    assert A.tanh(0.5).dtype == np.float32 and A.tanh(0.5).shape == ()
    assert A.linear(np.array([True, False])).dtype == np.float32
    with pytest.raises(TypeError, match="relu: x must be a real numeric array"):
        A.relu(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="ragged"):
        A.relu([[1.0, 2.0], [3.0]])


# 1e30 squared or cubed overflows float32, as exp(100) does: no intermediate may do either
EXTREMES = np.array([-1e30, -1e20, -1e4, -100.0, -88.0, 0.0, 88.0, 100.0, 1e4, 1e20, 1e30])


@pytest.mark.parametrize("act", ALL_ACTS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_overflow_warnings_at_extreme_inputs(act, dtype):
    z = EXTREMES.astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        a = act(z)
        grad = act.backward(np.ones_like(a), z, a)
    if not isinstance(act, A.Exponential):
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(grad))


def test_extreme_values_are_the_limits():
    z = np.array([-1e4, 1e4], dtype=np.float32)
    np.testing.assert_array_equal(A.sigmoid(z), [0, 1])
    np.testing.assert_array_equal(A.Sigmoid().derivative(z), [0, 0])
    np.testing.assert_array_equal(A.softplus(z), [0, 1e4])
    np.testing.assert_array_equal(A.log_sigmoid(z), [-1e4, 0])
    np.testing.assert_array_equal(A.tanh(z), [-1, 1])
    np.testing.assert_array_equal(A.silu(z), [0, 1e4])
    np.testing.assert_array_equal(A.mish(z), [0, 1e4])
    np.testing.assert_array_equal(A.gelu(z), [0, 1e4])
    np.testing.assert_array_equal(A.gelu(z, approximate=True), [0, 1e4])
    np.testing.assert_allclose(A.elu(z), [-1, 1e4])
    np.testing.assert_array_equal(A.exponential(z), [0, np.inf])
    np.testing.assert_allclose(A.squareplus(np.array([1e4])), [1e4], rtol=1e-7)
    # softplus's tail below the cut-off is exp(z); sigmoid(-20) = e^-20 / (1 + e^-20)
    np.testing.assert_allclose(A.softplus(np.array([-20.0], np.float32)), [math.exp(-20)], rtol=1e-6)
    np.testing.assert_allclose(A.sigmoid(np.array([-20.0], np.float32)),
                               [math.exp(-20) / (1 + math.exp(-20))], rtol=1e-6)


# --------------------------------------------------------------------------- erf
def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1e-300, 1e-8, -1e-8, 0.999999, 1.0,
                                                     5.999999, 6.0, 10.0, -30.0, 1e300]])
    want = np.array([math.erf(v) for v in x])
    got = A._erf(x)
    nz = want != 0
    assert np.max(np.abs(got[nz] / want[nz] - 1)) < 1e-13
    assert got[~nz].tolist() == [0.0] * int((~nz).sum())


def test_erfc_keeps_relative_precision_in_the_tails():
    x = np.concatenate([np.linspace(-6, 26, 32001), [1.0, 6.0]])
    want = np.array([math.erfc(v) for v in x])
    assert np.max(np.abs(A._erfc(x) / want - 1)) < 1e-12
    np.testing.assert_array_equal(A._erfc(np.array([30.0, 1e300, -1e300, np.inf])), [0, 0, 2, 0])


def test_erf_float32_and_special_values():
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    got = A._erf(x32)
    assert got.dtype == np.float32
    want = np.array([math.erf(float(v)) for v in x32])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    out = A._erf(np.array([np.inf, -np.inf, np.nan]))
    assert out[0] == 1 and out[1] == -1 and np.isnan(out[2])
    assert A._erf(np.array(0.5)).shape == ()


# --------------------------------------------------------------------------- registry
def test_get_resolves_every_kind_of_identifier():
    assert isinstance(A.get(None), A.Linear)
    assert A.get("relu") == A.ReLU()
    assert A.get("swish") == A.SiLU() and A.get("swish").name == "silu"
    assert A.get("hard_swish").name == "hard_silu"
    assert A.get(A.relu) == A.ReLU()
    assert A.get(A.swish) == A.SiLU()
    act = A.ReLU(max_value=3.0)
    assert A.get(act) is act
    assert A.get(A.Tanh) == A.Tanh()
    assert A.get({"class_name": "ReLU", "config": {"negative_slope": 0.5}}) == A.ReLU(0.5)
    keras_fn = {"module": "builtins", "class_name": "function", "config": "gelu",
                "registered_name": "function"}
    assert A.get(keras_fn) == A.GELU()


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as err:
        A.get("rleu")
    msg = str(err.value)
    assert "'rleu'" in msg
    for name in ("relu", "softmax", "gelu", "swish", "leaky_relu", "step"):
        assert name in msg


def test_plain_callable_is_rejected_with_advice():
    with pytest.raises(TypeError) as err:
        A.get(lambda x: x ** 3)
    msg = str(err.value)
    assert "ActivationFunction" in msg and "derivative" in msg
    with pytest.raises(TypeError, match="ActivationFunction"):
        A.get(np.tanh)
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get(5)


class Cube(A.ActivationFunction):
    name = "cube"

    def call(self, z):
        return z * z * z

    def derivative(self, z, a=None):
        return 3.0 * z * z


class NoDerivative(A.ActivationFunction):
    name = "noderiv"

    def call(self, z):
        return z


def test_custom_activation_subclass():
    cube = A.get(Cube())
    z = np.array([1.0, -2.0])
    np.testing.assert_array_equal(cube(z), [1.0, -8.0])
    np.testing.assert_array_equal(cube.backward(np.array([2.0, 1.0]), z), [6.0, 12.0])
    with pytest.raises(TypeError, match="derivative"):
        A.get(NoDerivative())
    with pytest.raises(NotImplementedError, match="derivative"):
        NoDerivative().backward(z, z)
    ser = A.serialize(cube)
    assert ser["class_name"] == "Cube"
    assert A.deserialize(ser, custom_objects={"Cube": Cube}) == Cube()


@pytest.mark.parametrize("name", A.REG.names())
def test_serialize_round_trip_by_name(name):
    if name == "threshold":  # has required arguments, as in Keras
        with pytest.raises(ValueError, match="threshold and default_value are both required"):
            A.get(name)
        return
    act = A.get(name)
    ser = A.serialize(act)
    assert isinstance(ser, str)
    assert A.deserialize(ser) == act
    assert A.serialize(ser) == ser
    assert A.deserialize({"class_name": "function", "config": ser}) == act


def test_serialize_names_and_non_default_configs():
    assert A.serialize(A.relu) == "relu"
    assert A.serialize(None) == "linear"
    assert A.serialize("swish") == "silu"
    for act in (A.ReLU(max_value=6.0), A.LeakyReLU(0.1), A.ELU(2.0), A.GELU(True), A.Softmax(axis=1),
                A.Threshold(1.0, 0.0), A.Squareplus(b=1.0)):
        ser = A.serialize(act)
        assert isinstance(ser, dict) and ser["config"] == act.get_config()
        assert A.deserialize(ser) == act
        assert A.get(ser) == act
    with pytest.raises(ValueError, match="name string or a dict"):
        A.deserialize(3)


# --------------------------------------------------------------------------- argument checks
def test_bad_hyper_parameters_name_the_argument():
    with pytest.raises(ValueError, match=r"relu: max_value must be a finite number >= 0.0, got -1.0"):
        A.relu([1.0], max_value=-1.0)
    with pytest.raises(TypeError, match="leaky_relu: negative_slope must be a number"):
        A.leaky_relu([1.0], negative_slope="0.1")
    with pytest.raises(TypeError, match="gelu: approximate must be a bool"):
        A.gelu([1.0], approximate="yes")
    with pytest.raises(ValueError, match="celu: alpha must be a finite number > 0.0"):
        A.celu([1.0], alpha=0.0)
    with pytest.raises(ValueError, match="squareplus: b must be"):
        A.squareplus([1.0], b=-1)
    with pytest.raises(ValueError, match="elu: alpha must be a finite number"):
        A.elu([1.0], alpha=float("nan"))


KERAS_SIGNATURES = {
    "relu": "(x, negative_slope=0.0, max_value=None, threshold=0.0)",
    "leaky_relu": "(x, negative_slope=0.2)", "relu6": "(x)", "softmax": "(x, axis=-1)",
    "elu": "(x, alpha=1.0)", "selu": "(x)", "softplus": "(x)", "softsign": "(x)",
    "soft_shrink": "(x, threshold=0.5)", "sparse_plus": "(x)", "silu": "(x)",
    "squareplus": "(x, b=4)", "gelu": "(x, approximate=False)", "celu": "(x, alpha=1.0)",
    "glu": "(x, axis=-1)", "tanh": "(x)", "tanh_shrink": "(x)", "hard_tanh": "(x)",
    "hard_shrink": "(x, threshold=0.5)", "threshold": "(x, threshold, default_value)",
    "sigmoid": "(x)", "exponential": "(x)", "hard_sigmoid": "(x)", "log_sigmoid": "(x)",
    "sparse_sigmoid": "(x)", "hard_silu": "(x)", "linear": "(x)", "mish": "(x)",
    "log_softmax": "(x, axis=-1)", "swish": "(x)", "hard_swish": "(x)",
}


@pytest.mark.parametrize("name,sig", sorted(KERAS_SIGNATURES.items()))
def test_module_functions_have_keras_signatures(name, sig):
    fn = getattr(A, name)
    assert str(inspect.signature(fn)) == sig
    assert fn.__doc__ and len(fn.__doc__) > 20


@pytest.mark.parametrize("name", sorted(set(KERAS_SIGNATURES) - {"threshold", "glu"}))
def test_function_and_class_agree(name):
    z = np.random.default_rng(5).normal(0, 3, (6, 4)).astype(np.float32)
    np.testing.assert_array_equal(getattr(A, name)(z), A.get(name)(z))


# --------------------------------------------------------------------------- hypothesis
_floats = st.floats(-1e3, 1e3, allow_nan=False, width=32)
_arrays = hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=_floats)
_ELEMENTWISE_NAMES = [n for n in A.REG.names() if n != "threshold" and A.get(n).elementwise]


@settings(max_examples=60, deadline=None)
@given(z=_arrays, name=st.sampled_from(_ELEMENTWISE_NAMES))
def test_elementwise_activations_keep_shape_and_dtype(z, name):
    act = A.get(name)
    a = act(z)
    assert a.shape == z.shape and a.dtype == np.float32
    d = act.derivative(z, a)
    assert d.shape == z.shape and d.dtype == np.float32


@settings(max_examples=60, deadline=None)
@given(z=_arrays)
def test_sigmoid_in_unit_interval_and_symmetric(z):
    a = A.sigmoid(z)
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_allclose(a + A.sigmoid(-z), 1.0, atol=1e-6)


@pytest.mark.filterwarnings("ignore:softmax over axis:UserWarning")
@settings(max_examples=60, deadline=None)
@given(z=_arrays, data=st.data())
def test_softmax_is_a_distribution(z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1))
    a = A.softmax(z, axis=axis)
    assert a.shape == z.shape and a.dtype == np.float32
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_allclose(np.sum(a, axis=axis), 1.0, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(z=hnp.arrays(np.float32, st.integers(1, 30), elements=st.floats(-80, 80, width=32)),
       name=st.sampled_from(["sigmoid", "tanh", "relu", "softplus", "softsign", "elu", "selu",
                             "leaky_relu", "hard_sigmoid", "log_sigmoid", "celu", "squareplus",
                             "hard_tanh", "exponential", "relu6", "sparse_sigmoid", "silu_pos"]))
def test_monotone_activations_are_non_decreasing(z, name):
    if name == "silu_pos":  # silu is increasing for z > -1.2785
        name, z = "silu", np.abs(z)
    act = A.get(name)
    zs = np.sort(z)
    a = act(zs)
    assert np.all(np.diff(a) >= 0)
    assert np.all(act.derivative(zs, a) >= 0)
