"""Tests for glassnet.regularizers: hand-worked penalties, Keras 3.15.1 golden values,
central-difference gradients in float64, dtypes, validation and configs."""
import json
import math

import numpy as np
import pytest

from glassnet import regularizers as R

F32_01 = float(np.float32(0.1))  # what Keras holds for L1(0.1)


# ------------------------------------------------------------------ hand-worked values
W = np.array([[1.0, -2.0], [3.0, 0.0]])  # sum|w| = 6, sum w^2 = 14


def test_l1_by_hand():
    assert R.L1(0.1)(W) == pytest.approx(F32_01 * 6, rel=1e-15)
    np.testing.assert_array_equal(R.L1(0.1).gradient(W), F32_01 * np.array([[1, -1], [1, 0]]))


def test_l2_by_hand_has_no_half():
    assert R.L2(0.1)(W) == pytest.approx(1.4, rel=1e-15)
    np.testing.assert_allclose(R.L2(0.1).gradient(W), [[0.2, -0.4], [0.6, 0.0]], rtol=1e-15)


def test_l1l2_by_hand():
    reg = R.L1L2(l1=0.1, l2=0.2)
    assert reg(W) == pytest.approx(0.6 + 2.8, rel=1e-15)
    np.testing.assert_allclose(reg.gradient(W), [[0.1 + 0.4, -0.1 - 0.8], [0.1 + 1.2, 0.0]],
                               rtol=1e-15)


def test_defaults():
    assert R.L1().l1 == float(np.float32(0.01))
    assert R.L2().l2 == 0.01
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)
    # None means the default, as in Keras
    assert R.L1(None).l1 == R.L1().l1 and R.L2(None).l2 == 0.01
    assert R.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.L2(0.01)(np.ones((2, 2), np.float32)) == pytest.approx(0.04, rel=1e-7)


def test_zero_factors_give_zero():
    reg = R.L1L2(0.0, 0.0)
    assert reg(W) == 0.0
    np.testing.assert_array_equal(reg.gradient(W), np.zeros_like(W))


def test_l1_subgradient_at_zero_is_zero():
    w = np.array([0.0, 1.0, -2.0], np.float32)
    np.testing.assert_array_equal(R.L1(0.1).gradient(w), np.float32([0.0, 0.1, -0.1]))
    np.testing.assert_array_equal(R.L1L2(l1=0.1).gradient(w), np.float32([0.0, 0.1, -0.1]))


def test_orthogonal_regularizer_by_hand():
    # rows (1, 0) and (1, 1): cos = 1/sqrt(2); one pair; penalty = f * 0.5 * 2 cos / 1
    w = np.array([[1.0, 0.0], [1.0, 1.0]])
    reg = R.OrthogonalRegularizer(factor=0.5)
    assert reg(w) == pytest.approx(0.5 / math.sqrt(2), rel=1e-12)
    assert R.OrthogonalRegularizer(factor=0.5, mode="columns")(w.T) == pytest.approx(reg(w), rel=1e-15)


def test_orthogonal_regularizer_is_zero_on_orthogonal_rows():
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((6, 6)))
    w = q[:4] * np.array([[1.0], [3.0], [0.5], [2.0]])  # rescaled rows stay orthogonal
    assert R.OrthogonalRegularizer(1.0)(w) == pytest.approx(0.0, abs=1e-14)


# ------------------------------------------------------------------ Keras golden values
# w and the outputs below come from Keras 3.15.1 + TF 2.21 (penalty r(v) and
# tf.GradientTape gradient, float32).
KW = (np.arange(12, dtype=np.float32).reshape(4, 3) / 7.0 - 0.8).astype(np.float32)
KERAS_GOLDEN = [
    (R.L1(0.01), 0.051428571343421936, np.full((4, 3), 0.009999999776482582) * np.sign(KW)),
    (R.L2(0.01), 0.029208162799477577, [
        [-0.01600000075995922, -0.013142857700586319, -0.010285713709890842],
        [-0.007428571581840515, -0.004571428056806326, -0.0017142855795100331],
        [0.0011428570142015815, 0.003999999724328518, 0.0068571437150239944],
        [0.009714284911751747, 0.012571428902447224, 0.015428570099174976]]),
    (R.L1L2(0.003, 0.02), 0.07384489476680756, [
        [-0.03500000014901161, -0.029285715892910957, -0.023571427911520004],
        [-0.01785714365541935, -0.012142855674028397, -0.006428571417927742],
        [0.005285713821649551, 0.010999999940395355, 0.01671428792178631],
        [0.022428570315241814, 0.028142858296632767, 0.03385714069008827]]),
    (R.OrthogonalRegularizer(0.01, "rows"), 0.008216082118451595, [
        [0.0006064868066459894, -0.00010279472917318344, -0.0008120767306536436],
        [0.002400912344455719, -0.0017149364575743675, -0.005830784328281879],
        [0.006843322888016701, 0.0022075241431593895, -0.0024282755330204964],
        [0.0007509277202188969, 9.880587458610535e-05, -0.0005533150397241116]]),
    (R.OrthogonalRegularizer(0.05, "columns"), 0.04589551314711571, [
        [0.003651093691587448, 3.884918987751007e-05, -0.009212424978613853],
        [0.005563572980463505, 3.9925798773765564e-05, -0.007586701773107052],
        [0.007476052735000849, 4.100752994418144e-05, -0.005960979964584112],
        [0.009388529695570469, 4.208460450172424e-05, -0.004335252568125725]]),
]


@pytest.mark.parametrize("reg, penalty, grad", KERAS_GOLDEN, ids=lambda v: type(v).__name__)
def test_matches_keras(reg, penalty, grad):
    value = reg(KW)
    assert isinstance(value, float)
    assert value == pytest.approx(penalty, rel=2e-7)
    g = reg.gradient(KW)
    assert g.dtype == np.float32 and g.shape == KW.shape
    # float32: a few ulps of the largest entry
    np.testing.assert_allclose(g, np.asarray(grad, np.float32), rtol=2e-6, atol=5e-9)


def test_l1_l2_match_keras_bit_for_bit_in_float32():
    for reg, penalty, grad in KERAS_GOLDEN[:3]:
        assert reg(KW) == penalty
        np.testing.assert_array_equal(reg.gradient(KW), np.asarray(grad, np.float32))


# ------------------------------------------------------------------ numeric gradients (float64)
def numeric_gradient(f, w, h=1e-6):
    g = np.zeros_like(w)
    for idx in np.ndindex(w.shape):  # a test helper: a few dozen entries
        e = np.zeros_like(w)
        e[idx] = h
        g[idx] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def _away_from_zero(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape)


@pytest.mark.parametrize("reg", [R.L1(0.03), R.L2(0.07), R.L1L2(0.02, 0.05),
                                 R.OrthogonalRegularizer(0.3, "rows"),
                                 R.OrthogonalRegularizer(0.3, "columns")],
                         ids=lambda r: repr(r))
@pytest.mark.parametrize("shape", [(5, 4), (3, 6)])
def test_gradient_matches_central_differences(reg, shape):
    w = _away_from_zero(shape, seed=sum(shape))
    g = reg.gradient(w)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, numeric_gradient(reg, w), rtol=1e-6, atol=1e-9)


def test_l1_l2_gradient_on_any_rank():
    w = _away_from_zero((2, 3, 2), seed=3)
    for reg in (R.L1(0.2), R.L2(0.2), R.L1L2(0.1, 0.3)):
        np.testing.assert_allclose(reg.gradient(w), numeric_gradient(reg, w), rtol=1e-6, atol=1e-9)


def test_orthogonal_gradient_is_orthogonal_to_each_row():
    # the penalty is invariant to rescaling any row, so d/dw_i is perpendicular to w_i
    w = _away_from_zero((5, 7), seed=4)
    g = R.OrthogonalRegularizer(1.0).gradient(w)
    np.testing.assert_allclose(np.sum(g * w, axis=1), 0.0, atol=1e-14)
    assert np.abs(g).max() > 1e-3


def test_orthogonal_regularizer_handles_a_zero_row():
    w = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, -1.0]])
    reg = R.OrthogonalRegularizer(1.0)
    assert reg(w) == pytest.approx(0.0, abs=1e-15)
    assert np.all(np.isfinite(reg.gradient(w)))


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("reg", [R.L1(), R.L2(), R.L1L2(0.01, 0.02), R.OrthogonalRegularizer()],
                         ids=lambda r: type(r).__name__)
def test_float32_stays_float32(reg):
    w = np.random.default_rng(1).standard_normal((6, 5)).astype(np.float32)
    assert reg.gradient(w).dtype == np.float32
    assert isinstance(reg(w), float)


def test_penalty_is_computed_in_the_weights_dtype():
    w = np.full(3, 1 / 3, np.float32)
    expected = np.float32(0.01) * np.sum(np.square(w))  # float32 arithmetic
    assert R.L2(0.01)(w) == float(expected)


def test_integer_weights_become_floatx():
    assert R.L2(0.5).gradient(np.array([1, 2])).dtype == np.float32


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("make, match", [
    (lambda: R.L1(-0.1), r"L1: l1 must be a finite number >= 0"),
    (lambda: R.L2(float("nan")), r"L2: l2 must be a finite number >= 0"),
    (lambda: R.L1L2(l2=float("inf")), r"L1L2: l2 must be a finite number >= 0"),
    (lambda: R.L1L2(l1=-1), r"L1L2: l1 must be"),
    (lambda: R.OrthogonalRegularizer(factor=-1.0), r"OrthogonalRegularizer: factor must be"),
    (lambda: R.OrthogonalRegularizer(mode="diagonal"), r"OrthogonalRegularizer: mode must be one of 'rows'"),
])
def test_bad_factors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_non_number_factor_is_a_type_error():
    with pytest.raises(TypeError, match=r"L2: l2 must be a number, got str"):
        R.L2("0.1")


def test_orthogonal_regularizer_shape_errors():
    reg = R.OrthogonalRegularizer()
    with pytest.raises(ValueError, match=r"w must be 2-D, got shape \(4,\)"):
        reg(np.ones(4))
    with pytest.raises(ValueError, match=r"at least 2 rows"):
        reg(np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"at least 2 columns"):
        R.OrthogonalRegularizer(mode="columns").gradient(np.ones((4, 1)))


def test_non_numeric_weights():
    with pytest.raises(TypeError, match=r"L1: w must be an array of numbers"):
        R.L1()(np.array(["a"]))


# ------------------------------------------------------------------ configs and get
KERAS_CONFIGS = [  # json of keras.regularizers.serialize(...) in Keras 3.15.1
    (R.L1(), '{"l1": 0.009999999776482582}'),
    (R.L2(), '{"l2": 0.01}'),
    (R.L1L2(), '{"l1": 0.0, "l2": 0.0}'),
    (R.L1L2(l2=0.3), '{"l1": 0.0, "l2": 0.3}'),
    (R.L1(0.1), '{"l1": 0.10000000149011612}'),
    (R.OrthogonalRegularizer(), '{"factor": 0.009999999776482582, "mode": "rows"}'),
]


@pytest.mark.parametrize("reg, text", KERAS_CONFIGS, ids=lambda v: repr(v))
def test_configs_are_keras_s(reg, text):
    assert json.dumps(reg.get_config()) == text
    assert R.serialize(reg) == {"module": "keras.regularizers", "class_name": type(reg).__name__,
                                "config": json.loads(text), "registered_name": None}


@pytest.mark.parametrize("reg", [R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.4),
                                 R.OrthogonalRegularizer(0.2, "columns")],
                         ids=lambda r: type(r).__name__)
def test_config_round_trip(reg):
    cfg = reg.get_config()
    assert type(reg).from_config(cfg).get_config() == cfg
    again = R.deserialize(json.loads(json.dumps(R.serialize(reg))))
    assert type(again) is type(reg) and again.get_config() == cfg
    w = _away_from_zero((3, 4), seed=5)
    assert again(w) == reg(w)


@pytest.mark.parametrize("name, cls, cfg", [
    ("l1", R.L1, {"l1": float(np.float32(0.01))}),
    ("L1", R.L1, {"l1": float(np.float32(0.01))}),
    ("l2", R.L2, {"l2": 0.01}),
    ("l1l2", R.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("l1_l2", R.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("L1L2", R.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("orthogonal_regularizer", R.OrthogonalRegularizer, {"factor": float(np.float32(0.01)), "mode": "rows"}),
])
def test_get_by_name(name, cls, cfg):
    obj = R.get(name)
    assert type(obj) is cls and obj.get_config() == cfg


def test_get_other_identifiers():
    assert R.get(None) is None
    reg = R.L2(0.5)
    assert R.get(reg) is reg
    assert type(R.get(R.L1)) is R.L1
    assert R.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config() == \
        {"l1": 0.1, "l2": 0.2}
    assert R.l1_l2 is R.L1L2 and R.l1 is R.L1 and R.orthogonal_regularizer is R.OrthogonalRegularizer


def test_get_errors():
    with pytest.raises(ValueError, match=r"unknown regularizer 'l3'; expected one of .*l1"):
        R.get("l3")
    with pytest.raises(TypeError, match=r"must have a gradient\(w\) method"):
        R.get(lambda w: 0.01 * np.sum(w**2))
    with pytest.raises(ValueError, match=r"regularizers.get: identifier must be"):
        R.get(0.01)
    with pytest.raises(TypeError, match=r"regularizers.serialize"):
        R.serialize(lambda w: 0.0)
    assert R.serialize(None) is None


def test_custom_subclass_with_gradient_is_accepted():
    class Half(R.Regularizer):
        def __call__(self, w):
            return float(0.5 * np.sum(np.square(w)))

        def gradient(self, w):
            return np.asarray(w).copy()

        def get_config(self):
            return {}

    reg = Half()
    assert R.get(reg) is reg
    w = _away_from_zero((2, 2), seed=6)
    np.testing.assert_allclose(reg.gradient(w), numeric_gradient(reg, w), rtol=1e-6)


def test_base_regularizer():
    base = R.Regularizer()
    assert base(W) == 0.0
    np.testing.assert_array_equal(base.gradient(W), np.zeros_like(W))
    with pytest.raises(NotImplementedError):
        base.get_config()
