"""Tests for glassnet.losses.

Expected numbers are derived independently: hand-worked values with ``math`` in
float64, central-difference gradients of ``__call__`` in float64, Jacobians of
softmax/sigmoid written out in the test, and properties that must hold.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from glassnet import losses
from glassnet.losses import (
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh, LossFunctionWrapper,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
    SparseCategoricalCrossentropy, SquaredHinge,
)

EPS32 = float(np.float32(1e-7))
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


# ----------------------------------------------------------------- helpers
def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar f at x (float64), one element at a time."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        g[idx] = (f(up) - f(down)) / (2 * h)
    return g


def scalar(loss, y, sw):
    """The reduced loss as one number (the sum for an unreduced result)."""
    return lambda p: float(np.sum(loss(y, p, sw)))


def softmax64(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid64(z):
    return 1.0 / (1.0 + np.exp(-z))


RNG = np.random.default_rng(1234)
N, K = 4, 3


def _probs(n=N, k=K, rng=RNG):
    return softmax64(rng.normal(size=(n, k)))


ONEHOT = np.eye(K)[[0, 2, 1, 2]]
LABELS = np.array([0, 2, 1, 2])
REG_T = RNG.normal(size=(N, K))
REG_P = REG_T + RNG.uniform(0.2, 0.8, size=(N, K)) * np.sign(RNG.normal(size=(N, K)))
POS_T = RNG.uniform(0.2, 3.0, size=(N, K))
POS_P = RNG.uniform(0.2, 3.0, size=(N, K))
BIN_T = np.array([[1.0], [0.0], [1.0], [0.0]])
BIN_P = np.array([[0.8], [0.3], [0.35], [0.9]])
PM1 = np.array([[1.0, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]])
LOGITS = RNG.normal(size=(N, K)) * 2
# Predictions with some entries deep inside a clipped / clamped region (clip stays active
# for p +- h), to check that the gradient there is exactly what the clip gives: zero.
BIN_P_CLIPPED = np.array([[-0.5], [0.3], [1.5], [0.6]])
MSLE_P = POS_P.copy()
MSLE_P[0, 0] = -0.5

# (name, factory, y_true, y_pred): smooth points away from every kink
GRAD_CASES = [
    ("mse", MeanSquaredError, REG_T, REG_P),
    ("mae", MeanAbsoluteError, REG_T, REG_P),
    ("mape", MeanAbsolutePercentageError, REG_T, REG_P),
    ("msle", MeanSquaredLogarithmicError, POS_T, MSLE_P),
    ("cosine", CosineSimilarity, REG_T, REG_P),
    ("cosine_axis0", lambda **kw: CosineSimilarity(axis=0, **kw), REG_T, REG_P),
    ("huber", Huber, REG_T, REG_P * 2.0),
    ("huber_delta", lambda **kw: Huber(delta=0.45, **kw), REG_T, REG_P),
    ("log_cosh", LogCosh, REG_T, REG_P),
    ("hinge_pm1", Hinge, PM1, REG_P),
    ("hinge_01", Hinge, (PM1 > 0) * 1.0, REG_P),
    ("squared_hinge", SquaredHinge, PM1, REG_P),
    ("categorical_hinge", CategoricalHinge, ONEHOT, np.array(
        [[0.3, 0.9, 0.1], [0.2, 0.1, 0.4], [0.6, 0.7, 0.1], [0.1, 0.5, 0.45]])),
    ("kld", KLDivergence, _probs(), _probs()),
    ("poisson", Poisson, POS_T, POS_P),
    ("bce", BinaryCrossentropy, BIN_T, BIN_P),
    ("bce_1d_targets", BinaryCrossentropy, BIN_T[:, 0], BIN_P),
    ("bce_clipped", BinaryCrossentropy, BIN_T, BIN_P_CLIPPED),
    ("bce_smooth", lambda **kw: BinaryCrossentropy(label_smoothing=0.2, **kw), BIN_T, BIN_P),
    ("bce_logits", lambda **kw: BinaryCrossentropy(from_logits=True, **kw), BIN_T, LOGITS[:, :1]),
    ("bce_multilabel_axis0", lambda **kw: BinaryCrossentropy(axis=0, **kw), (ONEHOT > 0) * 1.0, _probs()),
    ("bfce", BinaryFocalCrossentropy, BIN_T, BIN_P),
    ("bfce_balanced", lambda **kw: BinaryFocalCrossentropy(apply_class_balancing=True, gamma=1.5,
                                                           label_smoothing=0.1, **kw), BIN_T, BIN_P),
    ("bfce_logits", lambda **kw: BinaryFocalCrossentropy(from_logits=True, gamma=3.0, **kw), BIN_T, LOGITS[:, :1]),
    ("cce", CategoricalCrossentropy, ONEHOT, _probs()),
    ("cce_unnormalised", CategoricalCrossentropy, ONEHOT, POS_P),
    ("cce_smooth", lambda **kw: CategoricalCrossentropy(label_smoothing=0.3, **kw), ONEHOT, _probs()),
    ("cce_logits", lambda **kw: CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, **kw), ONEHOT, LOGITS),
    ("cfce", CategoricalFocalCrossentropy, ONEHOT, _probs()),
    ("cfce_logits", lambda **kw: CategoricalFocalCrossentropy(from_logits=True, gamma=1.0, alpha=0.5, **kw),
     ONEHOT, LOGITS),
    ("scce", SparseCategoricalCrossentropy, LABELS, _probs()),
    ("scce_col_float", SparseCategoricalCrossentropy, LABELS[:, None] * 1.0, POS_P / 3.0),
    ("scce_logits", lambda **kw: SparseCategoricalCrossentropy(from_logits=True, **kw), LABELS, LOGITS),
    ("scce_ignore", lambda **kw: SparseCategoricalCrossentropy(ignore_class=2, **kw), LABELS, _probs()),
]
SAMPLE_WEIGHTS = {
    "none": None,
    "vector": np.array([0.5, 2.0, 0.0, 1.25]),
    "column": np.array([[0.5], [2.0], [0.0], [1.25]]),
    "scalar": 1.7,
}


# ======================================================= hand-worked values
def _cce_hand(y, p):
    s = sum(p)
    return -sum(yi * math.log(min(max(pi / s, EPS32), 1 - 1e-7)) for yi, pi in zip(y, p))


HAND = [
    # (loss, y_true, y_pred, per-sample losses worked out by hand)
    (MeanSquaredError(), [[1, 2], [3, 4]], [[1.5, 2], [2, 4]], [0.125, 0.5]),
    (MeanAbsoluteError(), [[1, 2], [3, 4]], [[1.5, 2], [2, 4]], [0.25, 0.5]),
    (MeanAbsolutePercentageError(), [[100, 200], [300, -50]], [[90, 210], [330, -40]], [7.5, 15.0]),
    (MeanSquaredLogarithmicError(), [[1.0, 3.0]], [[2.0, 0.0]],
     [((math.log(3) - math.log(2)) ** 2 + (math.log(1 + 1e-7) - math.log(4)) ** 2) / 2]),
    (Huber(), [[0.0, 0.0]], [[0.5, -2.0]], [(0.125 + (2.0 - 0.5)) / 2]),
    (Huber(delta=0.25), [[1.0]], [[1.2]], [0.5 * 0.2 ** 2]),
    (LogCosh(), [[0.0, 1.0]], [[0.3, -1.0]], [(math.log(math.cosh(0.3)) + math.log(math.cosh(2.0))) / 2]),
    (Hinge(), [[0, 1]], [[0.3, -0.4]], [(1.3 + 1.4) / 2]),  # 0/1 labels become -1/1
    (Hinge(), [[1, 2]], [[2.0, 0.5]], [0.0]),  # not all 0/1: used as they are
    (SquaredHinge(), [[0, 1]], [[0.3, -0.4]], [(1.3 ** 2 + 1.4 ** 2) / 2]),
    (CategoricalHinge(), [[0, 1, 0]], [[0.3, 0.2, 0.5]], [0.5 - 0.2 + 1]),
    (CategoricalHinge(), [[0, 1, 0]], [[0.1, 3.0, 0.2]], [0.0]),
    (KLDivergence(), [[0.2, 0.8]], [[0.5, 0.5]], [0.2 * math.log(0.4) + 0.8 * math.log(1.6)]),
    (Poisson(), [[1.0, 2.0]], [[2.0, 0.5]], [((2 - math.log(2)) + (0.5 - 2 * math.log(0.5))) / 2]),
    (CosineSimilarity(), [[1.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 2.0]], [-1 / math.sqrt(2), 0.0]),
    (BinaryCrossentropy(), [1.0, 0.0], [[0.8], [0.3]], [-math.log(0.8), -math.log(0.7)]),
    (BinaryCrossentropy(), [[1.0], [0.0]], [[0.0], [0.0]], [-math.log(EPS32), 0.0 - math.log(1 - EPS32)]),
    (BinaryCrossentropy(label_smoothing=0.2), [[1.0]], [[0.8]], [-(0.9 * math.log(0.8) + 0.1 * math.log(0.2))]),
    (BinaryCrossentropy(from_logits=True), [[1.0], [0.0]], [[2.0], [-30.0]],
     [math.log1p(math.exp(-2.0)), math.log1p(math.exp(-30.0))]),
    (BinaryFocalCrossentropy(gamma=2.0), [[1.0]], [[0.8]], [(0.2 ** 2) * -math.log(0.8)]),
    (BinaryFocalCrossentropy(gamma=2.0, apply_class_balancing=True, alpha=0.25), [[0.0]], [[0.8]],
     [0.75 * 0.8 ** 2 * -math.log(0.2)]),
    (CategoricalCrossentropy(), [[0, 1, 0]], [[0.2, 0.7, 0.1]], [-math.log(0.7)]),
    (CategoricalCrossentropy(), [[0, 1]], [[0.2, 0.3]], [-math.log(0.6)]),  # renormalised
    (CategoricalCrossentropy(), [[0, 0, 1]], [[1.0, 0.0, 0.0]], [-math.log(EPS32)]),  # clipped
    (CategoricalCrossentropy(label_smoothing=0.3), [[0, 1, 0]], [[0.2, 0.7, 0.1]],
     [-(0.1 * math.log(0.2) + 0.8 * math.log(0.7) + 0.1 * math.log(0.1))]),
    (CategoricalCrossentropy(from_logits=True), [[0, 0, 1]], [[1.0, 2.0, 3.0]],
     [math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 3.0]),
    (CategoricalFocalCrossentropy(), [[0, 1, 0]], [[0.2, 0.7, 0.1]], [0.25 * 0.3 ** 2 * -math.log(0.7)]),
    (SparseCategoricalCrossentropy(), [1, 2], [[0.2, 0.7, 0.1], [0.3, 0.3, 0.4]], [-math.log(0.7), -math.log(0.4)]),
    (SparseCategoricalCrossentropy(), [[1.0]], [[0.2, 0.3]], [-math.log(0.6)]),  # renormalised, float label
    (SparseCategoricalCrossentropy(from_logits=True), [0], [[1.0, 2.0, 3.0]],
     [math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 1.0]),
]


@pytest.mark.parametrize("loss,y,p,expected", HAND, ids=[f"{type(h[0]).__name__}-{i}" for i, h in enumerate(HAND)])
def test_hand_worked_values(loss, y, p, expected):
    y, p = np.array(y, dtype=np.float64), np.array(p, dtype=np.float64)
    np.testing.assert_allclose(loss.call(y, p), expected, rtol=1e-6, atol=1e-12)
    assert loss(y, p) == pytest.approx(np.mean(expected), rel=1e-6, abs=1e-12)
    # the float32 path agrees to float32 precision
    assert loss(y.astype(np.float32), p.astype(np.float32)) == pytest.approx(np.mean(expected), rel=2e-6, abs=1e-6)


def test_module_functions_return_per_sample_losses():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[1.5, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(losses.mean_squared_error(y, p), [0.125, 0.5])
    np.testing.assert_allclose(losses.mean_absolute_error(y, p), [0.25, 0.5])
    # errors (0.5, 0) and (-1, 0) with delta 0.5: (0.125 + 0) / 2 and (0.5 * 1 - 0.5 * 0.25 + 0) / 2
    np.testing.assert_allclose(losses.huber(y, p, delta=0.5), [0.0625, 0.1875])
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1], [[0.3, 0.7]]), [-math.log(0.7)], rtol=1e-6)
    np.testing.assert_allclose(losses.binary_crossentropy([[1.0]], [[0.25]]), [-math.log(0.25)], rtol=1e-6)
    # Keras's function aligns (n,) with (n, 1) for the regression losses ...
    np.testing.assert_allclose(losses.mean_squared_error([1.0, 2.0], [[1.0], [3.0]]), [0.0, 1.0])
    # ... but its binary_crossentropy function does not (the class does)
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_crossentropy([1.0, 0.0], [[0.8], [0.3]])
    assert BinaryCrossentropy()([1.0, 0.0], [[0.8], [0.3]]) == pytest.approx((-math.log(0.8) - math.log(0.7)) / 2)


# ================================================================ reductions
Y3 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
P3 = np.array([[1.5, 2.0], [2.0, 4.0], [5.0, 8.0]])  # per-sample MSE: 0.125, 0.5, 2.0


@pytest.mark.parametrize("reduction,sw,expected", [
    ("sum_over_batch_size", None, (0.125 + 0.5 + 2.0) / 3),
    ("mean", None, (0.125 + 0.5 + 2.0) / 3),
    ("sum", None, 0.125 + 0.5 + 2.0),
    ("mean_with_sample_weight", None, (0.125 + 0.5 + 2.0) / 3),
    ("sum_over_batch_size", [1.0, 2.0, 0.0], (0.125 + 1.0) / 3),  # divides by the batch size
    ("sum", [1.0, 2.0, 0.0], 0.125 + 1.0),
    ("mean_with_sample_weight", [1.0, 2.0, 0.0], (0.125 + 1.0) / 3.0),  # by sum(w) = 3
    ("mean_with_sample_weight", [[1.0], [1.0], [2.0]], (0.125 + 0.5 + 4.0) / 4.0),
    ("sum_over_batch_size", 2.0, 2 * (0.125 + 0.5 + 2.0) / 3),
    ("mean_with_sample_weight", 2.0, 2 * (0.125 + 0.5 + 2.0) / 2.0),  # a scalar weight sums to itself
    ("mean_with_sample_weight", [0.0, 0.0, 0.0], 0.0),  # divide_no_nan
])
def test_reductions_and_sample_weights(reduction, sw, expected):
    loss = MeanSquaredError(reduction=reduction)
    value = loss(Y3, P3, sw)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12)


def test_no_reduction_returns_weighted_array_with_keras_shapes():
    loss = MeanSquaredError(reduction=None)
    np.testing.assert_allclose(loss(Y3, P3), [0.125, 0.5, 2.0])
    np.testing.assert_allclose(loss(Y3, P3, [1.0, 2.0, 0.0]), [0.125, 1.0, 0.0])
    # a (n, 1) weight column expands the (n,) losses to (n, 1), as Keras does
    out = MeanSquaredError(reduction="none")(Y3, P3, np.array([[1.0], [2.0], [0.0]]))
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out[:, 0], [0.125, 1.0, 0.0])


def test_ignore_class_masks_and_renormalises_the_mean():
    y = np.array([1, -1, 0])
    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    l0, l2 = -math.log(0.8), -math.log(0.5)
    sw = np.array([1.0, 2.0, 3.0])
    mk = lambda red: SparseCategoricalCrossentropy(ignore_class=-1, reduction=red)  # noqa: E731
    np.testing.assert_allclose(mk(None)(y, p), [l0, 0.0, l2])
    assert mk("sum_over_batch_size")(y, p) == pytest.approx((l0 + l2) / 2)  # mean over the 2 valid samples
    assert mk("sum")(y, p) == pytest.approx(l0 + l2)
    assert mk("sum_over_batch_size")(y, p, sw) == pytest.approx((l0 + 3 * l2) / 2)
    assert mk("mean_with_sample_weight")(y, p, sw) == pytest.approx((l0 + 3 * l2) / 4)
    assert mk("sum_over_batch_size")(np.array([-1, -1, -1]), p) == 0.0  # nothing valid
    grad = mk("sum").gradient(y, p)
    assert np.all(grad[1] == 0) and np.all(grad[[0, 2]] != 0)
    assert mk("sum").fused_activation is None  # Keras loses the logits when it masks


def test_reduce_weighted_values_public_helper():
    v = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert losses.reduce_weighted_values(v) == pytest.approx(2.0)
    assert losses.reduce_weighted_values(v, np.array([1.0, 0.0, 1.0]), reduction="sum") == pytest.approx(4.0)
    assert losses.reduce_weighted_values(v, mask=np.array([True, False, True])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="reduction"):
        losses.reduce_weighted_values(v, reduction="avg")


# ============================================================== gradients
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("name,factory,y,p", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_central_differences(name, factory, y, p, reduction):
    loss = factory(reduction=reduction)
    p = np.array(p, dtype=np.float64)
    for sw_name, sw in SAMPLE_WEIGHTS.items():
        if name.endswith("axis0") and sw is not None and np.ndim(sw) > 0:
            continue  # axis=0 leaves one loss per column, which a per-sample weight does not fit
        grad = loss.gradient(y, p, sw)
        assert grad.shape == p.shape and grad.dtype == np.float64
        expected = numeric_grad(scalar(loss, y, sw), p)
        np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7, err_msg=f"sample_weight={sw_name}")
        value, grad2 = loss.value_and_gradient(y, p, sw)
        np.testing.assert_array_equal(grad, grad2)
        np.testing.assert_array_equal(np.asarray(value), np.asarray(loss(y, p, sw)))


@pytest.mark.parametrize("loss,y,p", [
    (BinaryCrossentropy(), [[1.0], [0.0], [1.0]], [[0.0], [1.0], [1e-9]]),
    (CategoricalCrossentropy(), [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]]),
    (SparseCategoricalCrossentropy(), [2], [[1.0, 0.0, 0.0]]),
    (KLDivergence(), [[0.5, 0.5]], [[0.0, 1.5]]),
])
def test_gradient_is_zero_where_clipping_is_active(loss, y, p):
    """TF's gradient of clip_by_value is 0 outside [low, high]: a saturated probability gets none."""
    p = np.array(p, dtype=np.float32)
    grad = loss.gradient(np.array(y, np.float32) if np.ndim(y) > 1 else np.array(y), p)
    saturated = (p < 1e-7) | (p > 1 - 1e-7)
    assert saturated.any() and np.all(grad[saturated] == 0)
    # and a one-sided tiny step shows the loss really is flat there
    f = lambda q: loss(y, q)  # noqa: E731
    q = p.astype(np.float64)
    up = q.copy()
    up[saturated] += 1e-12
    assert f(up) == pytest.approx(f(q), abs=1e-9)


def test_gradient_conventions_at_kinks_follow_tensorflow():
    # abs: derivative 0 where y_pred == y_true
    assert MeanAbsoluteError(reduction="sum").gradient([[1.0, 2.0]], [[1.0, 3.0]]).tolist() == [[0.0, 0.5]]
    # hinge: maximum(m, 0) sends the gradient to m when m >= 0, so margin 0 still has -y
    g = Hinge(reduction="sum").gradient([[1.0, -1.0]], [[1.0, 0.5]])
    np.testing.assert_allclose(g, [[-0.5, 0.5]])
    # categorical hinge: a max shared by two entries splits its gradient
    g = CategoricalHinge(reduction="sum").gradient([[0.0, 0.0, 1.0]], [[0.5, 0.5, 0.2]])
    np.testing.assert_allclose(g, [[0.5, 0.5, -1.0]])
    # huber at |e| == delta takes the quadratic branch (e), equal to delta*sign(e) there anyway
    np.testing.assert_allclose(Huber(reduction="sum").gradient([[0.0]], [[1.0]]), [[1.0]])


def test_sparse_equals_categorical_with_one_hot_labels():
    p = _probs(6, 4, np.random.default_rng(5))
    labels = np.array([0, 3, 1, 1, 2, 3])
    oh = np.eye(4)[labels]
    s, c = SparseCategoricalCrossentropy(), CategoricalCrossentropy()
    assert s(labels, p) == pytest.approx(c(oh, p), rel=1e-12)
    np.testing.assert_allclose(s.gradient(labels, p), c.gradient(oh, p), rtol=1e-10, atol=1e-14)
    z = np.log(p) + 0.3
    assert s.fused_value(labels, z) == pytest.approx(c.fused_value(oh, z), rel=1e-12)
    np.testing.assert_allclose(s.fused_gradient(labels, z, p), c.fused_gradient(oh, z, p), atol=1e-15)


# ================================================================ fused path
def softmax_chain(loss, y, z, sw):
    """d loss(softmax(z)) / d z = J^T dL/dp with J = diag(p) - p p^T for each row."""
    p = softmax64(z)
    g = loss.gradient(y, p, sw)
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        jac = np.diag(p[i]) - np.outer(p[i], p[i])
        out[i] = jac.T @ g[i]
    return out


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("make,y", [
    (lambda r: CategoricalCrossentropy(reduction=r), ONEHOT),
    (lambda r: CategoricalCrossentropy(label_smoothing=0.2, reduction=r), ONEHOT),
    (lambda r: SparseCategoricalCrossentropy(reduction=r), LABELS),
    (lambda r: SparseCategoricalCrossentropy(reduction=r), LABELS[:, None]),
], ids=["cce", "cce_smooth", "scce", "scce_col"])
def test_softmax_fused_gradient_is_the_chain_rule(make, y, reduction):
    loss = make(reduction)
    assert loss.fused_activation == "softmax"
    z = LOGITS.copy()
    p = softmax64(z)
    for sw_name, sw in SAMPLE_WEIGHTS.items():
        msg = f"sample_weight={sw_name}"
        fused = loss.fused_gradient(y, z, p, sw)
        np.testing.assert_allclose(fused, softmax_chain(loss, y, z, sw), rtol=1e-7, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(np.asarray(loss.fused_value(y, z, sw)), np.asarray(loss(y, p, sw)),
                                   rtol=1e-10, err_msg=msg)
        np.testing.assert_allclose(fused, numeric_grad(lambda q: float(np.sum(loss.fused_value(y, q, sw))), z),
                                   rtol=1e-5, atol=1e-8, err_msg=msg)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("make,y", [
    (lambda r: BinaryCrossentropy(reduction=r), BIN_T),
    (lambda r: BinaryCrossentropy(reduction=r), BIN_T[:, 0]),
    (lambda r: BinaryCrossentropy(label_smoothing=0.1, reduction=r), BIN_T),
    (lambda r: BinaryFocalCrossentropy(gamma=2.5, apply_class_balancing=True, reduction=r), BIN_T),
], ids=["bce", "bce_1d", "bce_smooth", "bfce"])
def test_sigmoid_fused_gradient_is_the_chain_rule(make, y, reduction):
    loss = make(reduction)
    assert loss.fused_activation == "sigmoid"
    z = LOGITS[:, :1].copy()
    p = sigmoid64(z)
    for sw_name, sw in SAMPLE_WEIGHTS.items():
        msg = f"sample_weight={sw_name}"
        fused = loss.fused_gradient(y, z, p, sw)
        chain = p * (1 - p) * loss.gradient(y, p, sw)  # sigmoid's Jacobian is diagonal
        np.testing.assert_allclose(fused, chain, rtol=1e-7, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(np.asarray(loss.fused_value(y, z, sw)), np.asarray(loss(y, p, sw)),
                                   rtol=1e-10, err_msg=msg)


def test_fused_path_reads_the_logits_where_the_probabilities_saturate():
    """Keras's TF backend uses the logits: no clipping, so the loss is 40 (not -log(1e-7))."""
    z = np.array([[20.0, 0.0, -20.0]], dtype=np.float32)
    p = softmax64(z.astype(np.float64)).astype(np.float32)
    cce = CategoricalCrossentropy()
    assert cce.fused_value([[0, 0, 1]], z) == pytest.approx(40.0, rel=1e-6)
    assert cce([[0, 0, 1]], p) == pytest.approx(-math.log(EPS32), rel=1e-6)  # the clipped path
    assert SparseCategoricalCrossentropy().fused_value([2], z) == pytest.approx(40.0, rel=1e-6)
    g = cce.fused_gradient([[0, 0, 1]], z, p)
    np.testing.assert_allclose(g, [[1.0, 0.0, -1.0]], atol=1e-6)
    bce = BinaryCrossentropy()
    assert bce.fused_value([[0.0]], [[20.0]]) == pytest.approx(20.0, rel=1e-6)
    np.testing.assert_allclose(bce.fused_gradient([[0.0]], [[20.0]], [[1.0]]), [[1.0]])


def test_fused_gradient_with_soft_labels_is_tensorflows_kernel():
    """softmax_cross_entropy_with_logits back-propagates softmax(z) - y even if y does not sum to 1."""
    z = np.array([[1.0, 0.0, -1.0]])
    p = softmax64(z)
    y = np.array([[0.0, 1.0, 1.0]])
    g = CategoricalCrossentropy(reduction="sum").fused_gradient(y, z, p)
    np.testing.assert_allclose(g, p - y)
    lse = math.log(sum(math.exp(v) for v in z[0]))
    assert CategoricalCrossentropy(reduction="sum").fused_value(y, z) == pytest.approx((lse - 0.0) + (lse + 1.0))


def test_fused_with_from_logits_true_uses_the_logits_and_warns():
    loss = CategoricalCrossentropy(from_logits=True)
    assert loss.fused_activation == "softmax"
    z = np.array([[2.0, 0.0, -1.0]])
    with pytest.warns(UserWarning, match="from_logits=True"):
        v = loss.fused_value([[1, 0, 0]], z)
    assert v == pytest.approx(-math.log(softmax64(z)[0, 0]))


def test_fused_activation_is_none_for_non_crossentropy_losses():
    for loss in (MeanSquaredError(), KLDivergence(), CategoricalFocalCrossentropy(), Hinge()):
        assert loss.fused_activation is None
        with pytest.raises(NotImplementedError):
            loss.fused_value([[1.0]], [[0.0]])


# ============================================================ dtypes, signs
ALL_FACTORIES = [(c[0], c[1], c[2], c[3]) for c in GRAD_CASES]


@pytest.mark.parametrize("name,factory,y,p", ALL_FACTORIES, ids=[c[0] for c in ALL_FACTORIES])
def test_float32_in_float32_out(name, factory, y, p):
    p32 = np.asarray(p, np.float32)
    y32 = np.asarray(y, np.float32) if np.asarray(y).dtype.kind == "f" else np.asarray(y)
    for reduction in ("sum_over_batch_size", None):
        loss = factory(reduction=reduction)
        assert loss.call(y32, p32).dtype == np.float32
        out = loss(y32, p32)
        if reduction is None:
            assert out.dtype == np.float32
        else:
            assert isinstance(out, float)
        assert loss.gradient(y32, p32, None if name.endswith("axis0") else np.ones(N)).dtype == np.float32
        if loss.fused_activation:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # from_logits=True on the fused path
                assert loss.fused_gradient(y32, p32, p32).dtype == np.float32
    # an explicit float64 compute dtype still hands back the caller's dtype for the gradient
    assert factory(dtype="float64").gradient(y32, p32).dtype == np.float32
    # float64 stays float64 (no silent downcast for gradient checks)
    assert factory().gradient(y, np.asarray(p, np.float64)).dtype == np.float64


def test_lists_compute_in_floatx():
    assert MeanSquaredError().call([[1, 2]], [[1.5, 2.5]]).dtype == np.float32
    assert MeanSquaredError().dtype == "float32"
    assert MeanSquaredError(dtype="float64").dtype == "float64"


NONNEG = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
          Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy, BinaryFocalCrossentropy,
          CategoricalCrossentropy, CategoricalFocalCrossentropy]

prob_rows = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.just(3)),
                       elements=st.floats(0.0, 1.0, allow_nan=False))
real_rows = hnp.arrays(np.float64, (5, 3), elements=st.floats(-50, 50, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(t=prob_rows, data=st.data())
def test_losses_that_must_be_non_negative_are(t, data):
    p = data.draw(hnp.arrays(np.float64, t.shape, elements=st.floats(0.0, 1.0, allow_nan=False)))
    p = p + 1e-3  # strictly positive, so the categorical renormalisation is defined
    for cls in NONNEG:
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            values = cls(reduction=None)(t, p)
        assert np.all(values >= -1e-12), cls.__name__
    labels = data.draw(hnp.arrays(np.int64, t.shape[:1], elements=st.integers(0, 2)))
    assert np.all(SparseCategoricalCrossentropy(reduction=None)(labels, p) >= 0)


@settings(max_examples=40, deadline=None)
@given(t=real_rows, p=real_rows)
def test_cosine_similarity_is_bounded_and_scale_invariant(t, p):
    v = CosineSimilarity(reduction=None)(t, p)
    assert np.all(v >= -1 - 1e-9) and np.all(v <= 1 + 1e-9)
    norms = np.linalg.norm(p, axis=-1)
    ok = norms > 1e-3
    np.testing.assert_allclose(CosineSimilarity(reduction=None)(t, 3.5 * p)[ok], v[ok], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(t=real_rows, p=real_rows, w=hnp.arrays(np.float64, (5,), elements=st.floats(0.01, 10)),
       c=st.floats(0.1, 10))
def test_reduction_identities(t, p, w, c):
    mse = lambda r: MeanSquaredError(reduction=r)  # noqa: E731
    assert mse("sum")(t, p) == pytest.approx(5 * mse("sum_over_batch_size")(t, p), rel=1e-9)
    assert mse("sum")(t, p, c * w) == pytest.approx(c * mse("sum")(t, p, w), rel=1e-9)
    assert mse("mean_with_sample_weight")(t, p, c * w) == pytest.approx(mse("mean_with_sample_weight")(t, p, w),
                                                                        rel=1e-9)
    # huber with a huge delta is half the squared error; logcosh is between |x| - log 2 and x^2 / 2
    assert Huber(delta=1e6)(t, p) == pytest.approx(0.5 * mse("sum_over_batch_size")(t, p), rel=1e-9)
    lc = LogCosh(reduction=None).call(t, p)
    err = p - t
    assert np.all(lc <= np.mean(err ** 2 / 2, axis=-1) + 1e-9)
    assert np.all(lc >= np.mean(np.abs(err) - math.log(2), axis=-1) - 1e-9)


@settings(max_examples=30, deadline=None)
@given(z=hnp.arrays(np.float64, (4, 3), elements=st.floats(-20, 20)),
       labels=hnp.arrays(np.int64, (4,), elements=st.integers(0, 2)),
       ls=st.floats(0.0, 0.5))
def test_fused_softmax_gradient_rows_sum_to_zero_and_match_numeric(z, labels, ls):
    y = np.eye(3)[labels]
    loss = CategoricalCrossentropy(label_smoothing=ls, reduction="sum")
    g = loss.fused_gradient(y, z, softmax64(z))
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(g, numeric_grad(lambda q: loss.fused_value(y, q), z, h=1e-5), atol=1e-6)
    assert loss.fused_value(y, z) >= 0


@settings(max_examples=30, deadline=None)
@given(y=hnp.arrays(np.float64, (4, 2), elements=st.floats(0, 1)),
       p=hnp.arrays(np.float64, (4, 2), elements=st.floats(0.01, 0.99)))
def test_binary_crossentropy_symmetry_and_gradient(y, p):
    loss = BinaryCrossentropy(reduction="sum")
    assert loss(y, p) == pytest.approx(loss(1 - y, 1 - p), rel=1e-9)
    np.testing.assert_allclose(loss.gradient(y, p), numeric_grad(lambda q: loss(y, q), p, h=1e-7),
                               rtol=1e-4, atol=1e-6)


# ========================================================== target checking
def test_check_targets_aligns_shapes_and_dtypes():
    y = BinaryCrossentropy().check_targets([1, 0, 1], (None, 1))
    assert y.shape == (3, 1) and y.dtype == np.float32
    y = SparseCategoricalCrossentropy().check_targets(np.array([[2.0], [0.0]]), (2, 3))
    assert y.shape == (2,) and y.dtype == np.int64 and y.tolist() == [2, 0]
    y = MeanSquaredError().check_targets(np.arange(4.0), (None, 1))
    assert y.shape == (4, 1)
    y = MeanSquaredError().check_targets(np.ones((4, 1)), (None,))
    assert y.shape == (4,)
    y = CategoricalCrossentropy().check_targets(np.eye(3), (None, 3))
    assert y.shape == (3, 3)
    y = SparseCategoricalCrossentropy(ignore_class=-1).check_targets([0, -1, 2], (None, 3))
    assert y.tolist() == [0, -1, 2]
    # the aligned targets feed straight back into the loss
    assert BinaryCrossentropy().check_targets([1.0], (1, 1)).tolist() == [[1.0]]


@pytest.mark.parametrize("loss,y,shape,pattern", [
    (SparseCategoricalCrossentropy(), np.eye(3)[[0, 1, 2, 1]], (None, 3),
     r"fit: sparse_categorical_crossentropy expects integer class labels of shape \(n,\) or \(n, 1\), "
     r"got shape \(4, 3\); use categorical_crossentropy for one-hot labels"),
    (SparseCategoricalCrossentropy(), [0, 1, 3], (None, 3),
     r"class label 3 at row 2, but the model has 3 output unit\(s\), so labels must be in 0\.\.2"),
    (SparseCategoricalCrossentropy(), [0, -1, 1], (None, 3), r"negative class label -1 at row 1"),
    (SparseCategoricalCrossentropy(), [0.0, 1.5], (None, 3), r"expects integer class labels, got 1\.5 at row 1"),
    (BinaryCrossentropy(), [0.0, 1.0, 2.0], (None, 1),
     r"binary_crossentropy expects targets in \[0, 1\].*got 2\.0 at row 2"),
    (BinaryCrossentropy(), [0.0, -0.5], (None, 1), r"got -0\.5 at row 1"),
    (BinaryCrossentropy(), [0, 1, 2], (None, 3),
     r"expects targets of shape \(n, 3\).*sparse_categorical_crossentropy"),
    (CategoricalCrossentropy(), [0, 2, 1], (None, 3),
     r"categorical_crossentropy expects one-hot targets of shape \(n, 3\).*got shape \(3,\); "
     r"for integer class labels use sparse_categorical_crossentropy"),
    (CategoricalCrossentropy(), np.ones((3, 4)) / 4, (None, 3),
     r"one-hot targets of shape \(n, 3\).*got shape \(3, 4\)"),
    (CategoricalCrossentropy(), [[0.0, 2.0, 0.0]], (None, 3), r"targets in \[0, 1\]"),
    (MeanSquaredError(), np.ones((5, 2)), (None, 3), r"mean_squared_error expects targets of shape \(n, 3\).*\(5, 2\)"),
    (MeanSquaredError(), np.ones(5), (None, 3), r"got shape \(5,\)"),
    (MeanSquaredError(), np.ones((5, 1)), (4, 1), r"y has 5 samples but the predictions have 4"),
    (MeanSquaredError(), [[1.0], [np.nan], [2.0]], (None, 1), r"fit: y contains NaN at row 1"),
    (BinaryCrossentropy(), [[1.0], [0.0], [np.inf]], (None, 1), r"y contains inf at row 2"),
    (SparseCategoricalCrossentropy(), [0, np.nan], (None, 3), r"y contains NaN at row 1"),
])
def test_check_targets_errors(loss, y, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        loss.check_targets(y, shape)


def test_check_targets_where_prefix_and_soft_labels_allowed():
    with pytest.raises(ValueError, match=r"^evaluate: "):
        MeanSquaredError().check_targets(np.ones((2, 2)), (None, 3), where="evaluate")
    soft = BinaryCrossentropy().check_targets([0.1, 0.9], (None, 1))
    np.testing.assert_allclose(soft[:, 0], [0.1, 0.9], rtol=1e-6)
    with pytest.warns(SyntaxWarning):
        CategoricalCrossentropy().check_targets([[1.0]], (None, 1))


def test_out_of_range_labels_raise_at_call_time_too():
    with pytest.raises(ValueError, match="outside the valid range"):
        SparseCategoricalCrossentropy()([3], [[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match="outside the valid range"):
        SparseCategoricalCrossentropy()([-1], [[0.2, 0.3, 0.5]])


# ========================================================= argument checks
@pytest.mark.parametrize("make,exc,pattern", [
    (lambda: MeanSquaredError(reduction="avg"), ValueError, "MeanSquaredError: reduction must be one of"),
    (lambda: BinaryCrossentropy(label_smoothing=1.5), ValueError, r"label_smoothing must be a finite number in \[0"),
    (lambda: CategoricalCrossentropy(from_logits="yes"), TypeError, "from_logits must be True or False"),
    (lambda: CategoricalCrossentropy(axis=True), ValueError, "axis must be an integer"),
    (lambda: Huber(delta=-1.0), ValueError, "delta must be a finite number >= 0"),
    (lambda: SparseCategoricalCrossentropy(ignore_class=1.5), TypeError, "ignore_class must be an integer"),
    (lambda: BinaryFocalCrossentropy(alpha=2.0), ValueError, "alpha must be"),
    (lambda: BinaryFocalCrossentropy(gamma=-1.0), ValueError, "gamma must be"),
    (lambda: MeanSquaredError(name=3), TypeError, "name must be a string"),
    (lambda: MeanSquaredError(dtype="int32"), ValueError, "dtype must be one of"),
    (lambda: LossFunctionWrapper(42), TypeError, "fn must be a function"),
])
def test_bad_arguments_raise_clear_errors(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_sparse_axis_other_than_last_is_rejected():
    with pytest.raises(ValueError, match="only axis=-1"):
        SparseCategoricalCrossentropy(axis=0)([1], [[0.5, 0.5]])


# ============================================ registry and (de)serialization
def test_get_follows_keras():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("msle") is losses.mean_squared_logarithmic_error
    assert losses.get("kld") is losses.get("kl_divergence") is losses.kl_divergence
    assert losses.get("log_cosh") is losses.get("logcosh") is losses.log_cosh
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.get("huber") is losses.huber
    assert isinstance(losses.get("MeanSquaredError"), MeanSquaredError)
    assert isinstance(losses.get(CategoricalCrossentropy), CategoricalCrossentropy)
    assert losses.get(None) is None
    inst = Huber(delta=2.0)
    assert losses.get(inst) is inst
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(got, CategoricalCrossentropy) and got.from_logits is True
    with pytest.raises(ValueError, match="unknown loss 'msee'; expected one of"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_defaults_and_configs_are_kerass():
    assert MeanSquaredError().name == "mean_squared_error"
    assert Huber().name == "huber_loss"
    assert LogCosh().name == "log_cosh"
    assert KLDivergence().name == "kl_divergence"
    assert MeanSquaredError().get_config() == {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}
    assert BinaryCrossentropy(label_smoothing=0.1).get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.1, "axis": -1}
    assert SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "ignore_class": None}
    assert set(BinaryFocalCrossentropy().get_config()) == {
        "name", "reduction", "from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma"}
    assert losses.serialize(MeanSquaredError()) == {
        "module": "keras.losses", "class_name": "MeanSquaredError",
        "config": {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}, "registered_name": None}
    assert losses.serialize(losses.mean_squared_error) == {
        "module": "builtins", "class_name": "function", "config": "mean_squared_error", "registered_name": "function"}


@pytest.mark.parametrize("loss", [
    MeanSquaredError(reduction="sum"), Huber(delta=2.5), CosineSimilarity(axis=0),
    BinaryCrossentropy(from_logits=True, label_smoothing=0.2), CategoricalCrossentropy(label_smoothing=0.1),
    SparseCategoricalCrossentropy(ignore_class=0), BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0),
    CategoricalFocalCrossentropy(alpha=0.5), LossFunctionWrapper(losses.huber, name="h", delta=0.5),
])
def test_serialize_round_trip(loss):
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss)
    assert again.get_config() == loss.get_config()
    y, p = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.3]])
    if isinstance(loss, SparseCategoricalCrossentropy):
        y = np.array([1])
    assert again(y, p) == pytest.approx(loss(y, p))
    assert losses.deserialize(losses.serialize(losses.poisson)) is losses.poisson


def test_resolve_always_gives_a_loss_as_keras_compile_does():
    mse = losses.resolve("mse")
    assert isinstance(mse, LossFunctionWrapper) and mse.name == "mse" and mse.fn is losses.mean_squared_error
    assert mse(Y3, P3) == pytest.approx(MeanSquaredError()(Y3, P3))
    bce = losses.resolve("binary_crossentropy")
    assert bce.fused_activation == "sigmoid" and bce.check_targets([1, 0], (None, 1)).shape == (2, 1)
    assert losses.resolve("crossentropy", (10,), (10, 1)).fn is losses.binary_crossentropy
    assert losses.resolve("ce", (10,), (10, 4)).fn is losses.sparse_categorical_crossentropy
    assert losses.resolve("ce", (10, 1), (10, 4)).fn is losses.sparse_categorical_crossentropy
    assert losses.resolve("crossentropy", (10, 4), (10, 4)).fn is losses.categorical_crossentropy
    inst = CategoricalCrossentropy()
    assert losses.resolve(inst) is inst
    assert losses.resolve(None) is None


# ============================================================ custom losses
def test_custom_function_gets_a_numeric_gradient():
    def cubic(y_true, y_pred):
        return np.mean((y_pred - y_true) ** 3, axis=-1)

    loss = losses.resolve(cubic)
    assert loss.name == "cubic" and loss.fused_activation is None
    y, p = REG_T, REG_P
    assert loss(y, p) == pytest.approx(float(np.mean(cubic(y, p))))
    np.testing.assert_allclose(loss.gradient(y, p), 3 * (p - y) ** 2 / (K * N), rtol=1e-6)


def test_custom_loss_subclass():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            return np.sum((y_pred - y_true) ** 4, axis=-1)

    loss = Quartic(reduction="sum")
    assert loss.name == "quartic"
    np.testing.assert_allclose(loss.gradient(REG_T, REG_P), 4 * (REG_P - REG_T) ** 3, rtol=1e-6)
    with pytest.raises(NotImplementedError):
        losses.Loss()([[1.0]], [[1.0]])


def test_squeeze_or_expand_to_same_rank():
    f = losses.squeeze_or_expand_to_same_rank
    a, b = f(np.zeros(3), np.zeros((3, 1)))
    assert a.shape == (3, 1) and b.shape == (3, 1)
    a, b = f(np.zeros((3, 4, 1)), np.zeros((3, 4)))
    assert a.shape == (3, 4) and b.shape == (3, 4)
    a, b = f(np.zeros((3, 2)), np.zeros((3,)))  # not a trailing size-1 axis: unchanged
    assert a.shape == (3, 2) and b.shape == (3,)
