"""Tests for glassnet.initializers: formulas checked by statistics, exact properties,
seeds, dtypes, validation messages and Keras 3.15.1's configs."""
import json
import math

import numpy as np
import pytest

import glassnet
from glassnet import config, initializers as I
from glassnet.random import set_random_seed

# ------------------------------------------------------------------ statistics helpers
# Sample moments of n draws are compared to the formula with a 6-sigma band, where
# sigma is the standard error of that moment (sd(mean) = s / sqrt(n),
# sd(variance) = sqrt((m4 - s^4) / n) with m4 the 4th central moment).
Z_BAND = 6.0


def check_moments(w, mean, var, m4):
    x = np.asarray(w, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) <= Z_BAND * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var() - var) <= Z_BAND * math.sqrt((m4 - var**2) / n), (x.var(), var)


def uniform_moments(a, b):
    """mean, variance and 4th central moment of U[a, b]."""
    return (a + b) / 2, (b - a) ** 2 / 12, (b - a) ** 4 / 80


def normal_moments(mu, s):
    return mu, s**2, 3 * s**4


def truncated_moments(mu, s, b=2.0):
    """Moments of mu + s*Z, Z standard normal truncated to [-b, b] (derived by parts:
    int z^2 phi = Zc - 2 b phi(b), int z^4 phi = 3 int z^2 phi - 2 b^3 phi(b))."""
    phi = math.exp(-b * b / 2) / math.sqrt(2 * math.pi)
    zc = math.erf(b / math.sqrt(2))
    m2 = (zc - 2 * b * phi) / zc
    m4 = (3 * (zc - 2 * b * phi) - 2 * b**3 * phi) / zc
    return mu, s**2 * m2, s**4 * m4


BIG = (400, 2500)  # fan_in=400, fan_out=2500, fan_avg=1450; one million draws


def test_truncation_constant_is_the_truncated_stddev():
    _, var, _ = truncated_moments(0.0, 1.0)
    assert I.TRUNCATION_STDDEV == pytest.approx(math.sqrt(var), abs=1e-15)


# ------------------------------------------------------------------ distributions
def test_random_normal_statistics():
    w = I.RandomNormal(mean=0.3, stddev=0.5, seed=1)(BIG)
    assert w.shape == BIG and w.dtype == np.float32
    check_moments(w, *normal_moments(0.3, 0.5))
    # not truncated: about 4.55% of draws lie beyond 2 stddev (binomial 6-sigma band)
    p = 1 - math.erf(2 / math.sqrt(2))
    frac = np.mean(np.abs(w - 0.3) > 1.0)
    assert abs(frac - p) <= Z_BAND * math.sqrt(p * (1 - p) / w.size)


def test_random_normal_defaults():
    init = I.RandomNormal(seed=2)
    assert (init.mean, init.stddev) == (0.0, 0.05)
    check_moments(init(BIG), *normal_moments(0.0, 0.05))


def test_random_uniform_statistics_and_bounds():
    w = I.RandomUniform(minval=-1.0, maxval=3.0, seed=3)(BIG)
    check_moments(w, *uniform_moments(-1.0, 3.0))
    assert w.min() >= -1.0 and w.max() <= 3.0
    # the whole interval is used: P(no draw within 20/n of an end) = e^-20
    assert w.min() < -1.0 + 4.0 * 20 / w.size and w.max() > 3.0 - 4.0 * 20 / w.size


def test_random_uniform_defaults():
    init = I.RandomUniform(seed=4)
    assert (init.minval, init.maxval) == (-0.05, 0.05)
    w = init((1000, 100))
    assert w.min() >= -0.05 and w.max() <= 0.05
    check_moments(w, *uniform_moments(-0.05, 0.05))


def test_truncated_normal_redraws_instead_of_clipping():
    w = I.TruncatedNormal(mean=1.0, stddev=0.2, seed=5)(BIG)
    z = (w.astype(np.float64) - 1.0) / 0.2
    assert np.abs(z).max() <= 2.0 + 1e-5
    # clipping would pile mass at +-2; re-drawing leaves the density at the edge small
    assert np.mean(np.abs(z) > 1.99) < 0.002
    check_moments(w, *truncated_moments(1.0, 0.2))


@pytest.mark.parametrize("mode, n", [("fan_in", 400), ("fan_out", 2500), ("fan_avg", 1450)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_has_variance_scale_over_n(mode, n, distribution):
    scale = 3.0
    w = I.VarianceScaling(scale=scale, mode=mode, distribution=distribution, seed=6)(BIG)
    target_sd = math.sqrt(scale / n)
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / n)
        assert np.abs(w).max() <= limit * (1 + 1e-6)
        check_moments(w, *uniform_moments(-limit, limit))
    elif distribution == "untruncated_normal":
        check_moments(w, *normal_moments(0.0, target_sd))
    else:
        s = target_sd / 0.87962566103423978
        assert np.abs(w).max() <= 2 * s * (1 + 1e-6)
        mean, var, m4 = truncated_moments(0.0, s)
        assert var == pytest.approx(target_sd**2, rel=1e-12)  # the correction's purpose
        check_moments(w, mean, var, m4)


def test_variance_scaling_normal_means_truncated_and_is_case_insensitive():
    init = I.VarianceScaling(distribution="Normal")
    assert init.distribution == "truncated_normal"
    assert I.VarianceScaling(distribution="UNIFORM").distribution == "uniform"


def _limit_uniform(init, shape, limit):
    w = init(shape)
    assert np.abs(w).max() <= limit * (1 + 1e-6)
    check_moments(w, *uniform_moments(-limit, limit))


def _sd_truncated(init, shape, sd):
    w = init(shape)
    assert np.abs(w).max() <= 2 * sd / 0.87962566103423978 * (1 + 1e-6)
    check_moments(w, *truncated_moments(0.0, sd / 0.87962566103423978))


def test_glorot_uniform_limit():
    _limit_uniform(I.GlorotUniform(seed=7), BIG, math.sqrt(6 / (400 + 2500)))


def test_glorot_normal_stddev():
    _sd_truncated(I.GlorotNormal(seed=8), BIG, math.sqrt(2 / (400 + 2500)))


def test_he_uniform_limit():
    _limit_uniform(I.HeUniform(seed=9), BIG, math.sqrt(6 / 400))


def test_he_normal_stddev():
    _sd_truncated(I.HeNormal(seed=10), BIG, math.sqrt(2 / 400))


def test_lecun_uniform_limit():
    _limit_uniform(I.LecunUniform(seed=11), BIG, math.sqrt(3 / 400))


def test_lecun_normal_stddev():
    _sd_truncated(I.LecunNormal(seed=12), BIG, math.sqrt(1 / 400))


def test_he_normal_on_a_convolution_kernel_uses_the_receptive_field():
    shape = (3, 3, 64, 32)  # fan_in = 9 * 64 = 576
    _sd_truncated(I.HeNormal(seed=13), shape, math.sqrt(2 / 576))


def test_input_and_output_axes_define_the_fans():
    # fan_in = shape[0] * shape[2] = 20, fan_out = shape[1] = 500
    init = I.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=14,
                             input_axes=[0, 2], output_axes=[1])
    _limit_uniform(init, (4, 500, 5), math.sqrt(3 / 20))


# ------------------------------------------------------------------ fans
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((3, 5), (3, 5)),
    ((5, 4, 8), (20, 40)),
    ((3, 3, 16, 32), (144, 288)),
    ((2, 3, 3, 4, 6), (72, 108)),
    ((0, 5), (0, 5)),
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert I.compute_fans((2, 3, 4, 5), input_axes=[0, 1], output_axes=[-1]) == (6, 5)
    # only one of the two given: ignored, as in Keras
    assert I.compute_fans((2, 3), input_axes=[1]) == (2, 3)
    with pytest.raises(ValueError, match="output_axes"):
        I.compute_fans((2, 3), input_axes=[0], output_axes=[2])


def test_small_fans_are_floored_at_one():
    # fan 0 (empty weight) must not divide by zero; fan_in=1 and 0 give the same limit
    w = I.HeUniform(seed=0)((1, 3))
    assert np.abs(w).max() <= math.sqrt(6.0)
    assert I.GlorotUniform(seed=0)((0, 0)).shape == (0, 0)


# ------------------------------------------------------------------ orthogonal / identity
@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (50, 50), (3, 3, 8, 16), (2, 4, 8)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_gives_gain_squared_identity(shape, gain):
    w = I.Orthogonal(gain=gain, seed=15)(shape)
    assert w.shape == shape and w.dtype == np.float32
    m = w.reshape(-1, shape[-1]).astype(np.float64)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(gram.shape[0]), atol=2e-5 * gain**2)


def test_orthogonal_float64_is_exact_to_rounding():
    w = I.Orthogonal(seed=16)((40, 25), dtype="float64")
    assert w.dtype == np.float64
    np.testing.assert_allclose(w.T @ w, np.eye(25), atol=1e-13)


def test_orthogonal_is_not_a_fixed_matrix():
    a, b = I.Orthogonal(seed=1)((6, 6)), I.Orthogonal(seed=2)((6, 6))
    assert not np.allclose(a, b)
    assert not np.allclose(np.abs(a), np.eye(6))


def test_orthogonal_is_uniform_over_rotations():
    # Haar-distributed 2x2: W[0, 0] = cos(theta), theta uniform, so mean 0 and variance 1/2.
    # Without the sign(diag(R)) correction, Householder QR makes W[0, 0] <= 0 always.
    first = np.array([I.Orthogonal(seed=s)((2, 2), dtype="float64")[0, 0] for s in range(3000)])
    check_moments(first, 0.0, 0.5, 3 / 8)  # E cos^4 = 3/8


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"Orthogonal: shape must have at least 2 dimensions"):
        I.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(I.Identity()((3, 3)), np.eye(3, dtype=np.float32))
    w = I.Identity(gain=2.0)((2, 4))
    np.testing.assert_array_equal(w, [[2, 0, 0, 0], [0, 2, 0, 0]])
    assert w.dtype == np.float32
    with pytest.raises(ValueError, match=r"Identity: shape must be 2-D"):
        I.Identity()((2, 2, 2))


def test_constant_zeros_ones():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((4,)), np.ones(4))
    w = I.Constant(0.1)((2, 2))
    assert w.dtype == np.float32 and np.all(w == np.float32(0.1))
    assert I.Constant(3)((2,), dtype="int32").tolist() == [3, 3]
    assert I.Zeros()((2,), dtype="int64").dtype == np.int64
    assert I.Constant(np.float64(1.5)).get_config() == {"value": 1.5}


# ------------------------------------------------------------------ dtypes
RANDOM_CLASSES = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling,
                  I.GlorotUniform, I.GlorotNormal, I.HeNormal, I.HeUniform, I.LecunNormal,
                  I.LecunUniform, I.Orthogonal]
ALL_CLASSES = RANDOM_CLASSES + [I.Zeros, I.Ones, I.Constant, I.Identity]


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_dtype_defaults_to_floatx_and_follows_request(cls):
    init = cls(seed=0) if cls in RANDOM_CLASSES else cls()
    assert init((4, 4)).dtype == np.float32
    assert init((4, 4), dtype="float64").dtype == np.float64
    assert init((4, 4), dtype=np.float16).dtype == np.float16
    with config.floatx_scope("float64"):
        assert init((4, 4)).dtype == np.float64


def test_float32_and_float64_draws_have_the_same_law():
    w64 = I.GlorotUniform(seed=3)(BIG, dtype="float64")
    _limit = math.sqrt(6 / 2900)
    check_moments(w64, *uniform_moments(-_limit, _limit))


@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_random_initializers_refuse_integer_dtypes(cls):
    with pytest.raises(TypeError, match=r"dtype must be a floating-point type.*int32"):
        cls(seed=0)((2, 2), dtype="int32")


def test_bad_dtype_name():
    with pytest.raises(TypeError, match=r"dtype must be a NumPy dtype or its name, got 'floaty'"):
        I.Zeros()((2,), dtype="floaty")


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_same_seed_same_values_and_other_seed_other_values(cls):
    a = cls(seed=42)
    first = a((8, 6))
    np.testing.assert_array_equal(first, a((8, 6)))           # repeat call
    np.testing.assert_array_equal(first, cls(seed=42)((8, 6)))  # fresh instance
    assert not np.array_equal(first, cls(seed=43)((8, 6)))


@pytest.mark.parametrize("cls", RANDOM_CLASSES)
def test_unseeded_repeats_per_instance_but_differs_between_instances(cls):
    a, b = cls(), cls()
    np.testing.assert_array_equal(a((8, 6)), a((8, 6)))  # Keras 3: unseeded repeats too
    assert not np.array_equal(a((8, 6)), b((8, 6)))
    assert a.get_config()["seed"] is None


def test_global_seed_makes_unseeded_initializers_repeatable():
    set_random_seed(123)
    first = [I.GlorotUniform()((5, 5)), I.HeNormal()((5, 5))]
    set_random_seed(123)
    second = [I.GlorotUniform()((5, 5)), I.HeNormal()((5, 5))]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    set_random_seed(124)
    assert not np.array_equal(first[0], I.GlorotUniform()((5, 5)))


def test_clone_of_seeded_initializer_gives_same_values():
    init = I.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=9)
    np.testing.assert_array_equal(init((3, 7)), init.clone()((3, 7)))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match=r"RandomNormal: seed must be a non-negative integer or None"):
        I.RandomNormal(seed=seed)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("make, match", [
    (lambda: I.RandomNormal(stddev=-0.1), r"RandomNormal: stddev must be a finite number >= 0"),
    (lambda: I.TruncatedNormal(stddev=float("inf")), r"TruncatedNormal: stddev must be"),
    (lambda: I.RandomNormal(mean=float("nan")), r"RandomNormal: mean must be a finite number"),
    (lambda: I.RandomUniform(minval=1.0, maxval=0.0), r"RandomUniform: maxval must be >= minval"),
    (lambda: I.VarianceScaling(scale=0.0), r"VarianceScaling: scale must be a finite number > 0"),
    (lambda: I.VarianceScaling(mode="fan"), r"VarianceScaling: mode must be one of 'fan_in'"),
    (lambda: I.VarianceScaling(distribution="gamma"),
     r"VarianceScaling: distribution must be one of 'truncated_normal'"),
    (lambda: I.Constant(float("nan")), r"Constant: value must be a finite number"),
])
def test_bad_arguments_raise_value_error_naming_them(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make, match", [
    (lambda: I.RandomNormal(stddev="0.1"), r"RandomNormal: stddev must be a number, got str"),
    (lambda: I.Orthogonal(gain=None), r"Orthogonal: gain must be a number"),
    (lambda: I.VarianceScaling(distribution=3), r"VarianceScaling: distribution must be a string"),
    (lambda: I.GlorotUniform(input_axes=3), r"GlorotUniform: input_axes must be a list of integers"),
])
def test_bad_argument_types_raise_type_error(make, match):
    with pytest.raises(TypeError, match=match):
        make()


@pytest.mark.parametrize("shape, exc", [(5, TypeError), ("5", TypeError), (None, TypeError),
                                        ((2, -1), ValueError), ((2.0, 3), ValueError)])
def test_bad_shapes(shape, exc):
    with pytest.raises(exc, match=r"GlorotUniform: shape must be a tuple of non-negative integers"):
        I.GlorotUniform(seed=0)(shape)


def test_shape_may_be_a_list_or_numpy_ints():
    assert I.Ones()([np.int64(2), 3]).shape == (2, 3)


# ------------------------------------------------------------------ configs (Keras 3.15.1 output)
KERAS_DEFAULT_CONFIGS = {
    "GlorotUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "GlorotNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "HeNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "HeUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "LecunNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "LecunUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "RandomNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"seed": None, "minval": -0.05, "maxval": 0.05},
    "TruncatedNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "VarianceScaling": {"seed": None, "scale": 1.0, "mode": "fan_in",
                        "distribution": "truncated_normal", "input_axes": None,
                        "output_axes": None},
    "Orthogonal": {"seed": None, "gain": 1.0},
    "Identity": {},
    "Zeros": {},
    "Ones": {},
    "Constant": {"value": 0.0},
}


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULT_CONFIGS))
def test_default_configs_are_keras_s(name):
    obj = getattr(I, name)()
    cfg = obj.get_config()
    assert cfg == KERAS_DEFAULT_CONFIGS[name]
    assert list(cfg) == list(KERAS_DEFAULT_CONFIGS[name])  # same key order, same JSON
    assert I.serialize(obj) == {"module": "keras.initializers", "class_name": name,
                                "config": KERAS_DEFAULT_CONFIGS[name], "registered_name": None}


def test_keras_serialized_strings():
    # json.dumps of keras.initializers.serialize(...) in Keras 3.15.1
    assert json.dumps(I.serialize(I.GlorotUniform(seed=3))) == (
        '{"module": "keras.initializers", "class_name": "GlorotUniform", "config": '
        '{"seed": 3, "input_axes": null, "output_axes": null}, "registered_name": null}')
    assert json.dumps(I.serialize(I.Constant(1))) == (
        '{"module": "keras.initializers", "class_name": "Constant", "config": {"value": 1}, '
        '"registered_name": null}')


NON_DEFAULT = [
    I.GlorotUniform(seed=1, input_axes=[0], output_axes=[1]),
    I.GlorotNormal(seed=2), I.HeNormal(seed=3), I.HeUniform(seed=4),
    I.LecunNormal(seed=5), I.LecunUniform(seed=6),
    I.RandomNormal(mean=1.0, stddev=2.0, seed=7),
    I.RandomUniform(minval=-2.0, maxval=1.0, seed=8),
    I.TruncatedNormal(mean=-1.0, stddev=0.3, seed=9),
    I.VarianceScaling(scale=0.5, mode="fan_avg", distribution="untruncated_normal", seed=10),
    I.Orthogonal(gain=3.0, seed=11),
    I.Identity(gain=0.5), I.Zeros(), I.Ones(), I.Constant(value=-2.5),
]


@pytest.mark.parametrize("obj", NON_DEFAULT, ids=lambda o: type(o).__name__)
def test_config_round_trip(obj):
    cfg = obj.get_config()
    again = type(obj).from_config(json.loads(json.dumps(cfg)))
    assert again.get_config() == cfg
    rebuilt = I.deserialize(json.loads(json.dumps(I.serialize(obj))))
    assert type(rebuilt) is type(obj) and rebuilt.get_config() == cfg
    # seeded (or deterministic) initializers rebuild to the very same values
    np.testing.assert_array_equal(rebuilt((4, 4)), obj((4, 4)))


def test_identity_keeps_a_non_default_gain_in_its_config():
    # Keras 3.15.1 writes {} and loses gain; glassnet writes it when it is not 1
    assert I.Identity(gain=2.0).get_config() == {"gain": 2.0}
    assert I.deserialize({"class_name": "Identity", "config": {}}).gain == 1.0


def test_every_registered_class_round_trips():
    seen = set()
    for name in I.REG.names():
        cls = I.REG.lookup(name)
        if cls in seen:
            continue
        seen.add(cls)
        obj = cls()
        again = I.deserialize(I.serialize(obj))
        assert type(again) is cls and again.get_config() == obj.get_config()
    assert len(seen) == 15


# ------------------------------------------------------------------ get
@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
    ("glorot_normal", I.GlorotNormal), ("he_normal", I.HeNormal), ("he_uniform", I.HeUniform),
    ("lecun_normal", I.LecunNormal), ("lecun_uniform", I.LecunUniform),
    ("random_normal", I.RandomNormal), ("normal", I.RandomNormal),
    ("random_uniform", I.RandomUniform), ("uniform", I.RandomUniform),
    ("truncated_normal", I.TruncatedNormal), ("variance_scaling", I.VarianceScaling),
    ("orthogonal", I.Orthogonal), ("OrthogonalInitializer", I.Orthogonal),
    ("identity", I.Identity), ("IdentityInitializer", I.Identity),
    ("zeros", I.Zeros), ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones),
    ("constant", I.Constant),
])
def test_get_by_name(name, cls):
    obj = I.get(name)
    assert type(obj) is cls


def test_snake_case_module_aliases_are_the_classes():
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    assert I.IdentityInitializer is I.Identity and I.OrthogonalInitializer is I.Orthogonal
    assert glassnet.initializers is I


def test_get_other_identifiers():
    assert I.get(None) is None
    inst = I.HeNormal(seed=1)
    assert I.get(inst) is inst
    assert type(I.get(I.Ones)) is I.Ones
    cfg = {"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 2.0, "seed": 5}}
    obj = I.get(cfg)
    assert (obj.minval, obj.maxval, obj.seed) == (0.0, 2.0, 5)

    def fn(shape, dtype=None):
        return np.full(shape, 7.0, dtype=dtype or "float32")

    assert I.get(fn) is fn


def test_get_from_an_array_checks_the_shape():
    value = np.arange(6.0).reshape(2, 3)
    init = I.get(value)
    out = init((2, 3))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, value)
    with pytest.raises(ValueError, match=r"shape must be \(2, 3\)"):
        init((3, 2))


def test_get_errors():
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'; expected one of .*glorot_uniform"):
        I.get("glorot")
    with pytest.raises(ValueError, match=r"initializers.get: identifier must be"):
        I.get(3)
    with pytest.raises(TypeError, match=r"initializers.serialize"):
        I.serialize(lambda shape, dtype=None: None)
    assert I.serialize(None) is None
