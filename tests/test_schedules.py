"""Tests for glassnet.optimizers.schedules: closed forms, Keras goldens, configs, bad args."""
import json
import math
import pathlib

import numpy as np
import pytest

import glassnet.optimizers as O
from glassnet.optimizers import schedules as S
from glassnet.variables import Variable

GOLD = json.loads((pathlib.Path(__file__).parent / "reference" / "keras_optimizers.json").read_text())
STEPS = list(range(0, 31))


def values(schedule, steps=STEPS):
    return np.array([float(schedule(s)) for s in steps])


# ---------------------------------------------------------------------------- closed forms
def test_exponential_decay_closed_form():
    s = S.ExponentialDecay(0.1, decay_steps=7, decay_rate=0.8)
    np.testing.assert_allclose(values(s), [0.1 * 0.8 ** (t / 7) for t in STEPS], rtol=1e-6)
    s = S.ExponentialDecay(0.1, decay_steps=7, decay_rate=0.8, staircase=True)
    np.testing.assert_allclose(values(s), [0.1 * 0.8 ** (t // 7) for t in STEPS], rtol=1e-6)
    # by hand: 0.1 * 0.8 ** 2 = 0.064 at step 14
    assert float(s(14)) == pytest.approx(0.064, rel=1e-6)


def test_inverse_time_decay_closed_form():
    s = S.InverseTimeDecay(0.5, decay_steps=3, decay_rate=0.7)
    np.testing.assert_allclose(values(s), [0.5 / (1 + 0.7 * t / 3) for t in STEPS], rtol=1e-6)
    s = S.InverseTimeDecay(0.5, decay_steps=3, decay_rate=0.7, staircase=True)
    np.testing.assert_allclose(values(s), [0.5 / (1 + 0.7 * (t // 3)) for t in STEPS], rtol=1e-6)


def test_piecewise_constant_boundaries_belong_to_the_left_interval():
    s = S.PiecewiseConstantDecay([4, 10], [1.0, 0.5, 0.25])
    expected = [1.0 if t <= 4 else 0.5 if t <= 10 else 0.25 for t in STEPS]
    np.testing.assert_array_equal(values(s), expected)
    assert float(s(4)) == 1.0 and float(s(5)) == 0.5 and float(s(10)) == 0.5 and float(s(11)) == 0.25


def test_polynomial_decay_closed_form_and_cycle():
    s = S.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=0.5)
    ref = [(0.1 - 0.01) * (1 - min(t, 10) / 10) ** 0.5 + 0.01 for t in STEPS]
    np.testing.assert_allclose(values(s), ref, rtol=1e-6)
    assert float(s(1000)) == pytest.approx(0.01, rel=1e-6)
    s = S.PolynomialDecay(0.1, decay_steps=6, end_learning_rate=0.01, power=2.0, cycle=True)

    def cyc(t):
        d = 6 * (1 if t == 0 else math.ceil(t / 6))
        return (0.1 - 0.01) * (1 - t / d) ** 2 + 0.01

    np.testing.assert_allclose(values(s), [cyc(t) for t in STEPS], rtol=1e-6, atol=1e-9)
    assert float(s(6)) == pytest.approx(0.01, rel=1e-6)          # end of the first cycle
    assert float(s(7)) > float(s(6))                               # restarted


def test_cosine_decay_closed_form():
    s = S.CosineDecay(0.1, decay_steps=12, alpha=0.2)
    ref = [0.1 * ((1 - 0.2) * 0.5 * (1 + math.cos(math.pi * min(t, 12) / 12)) + 0.2) for t in STEPS]
    np.testing.assert_allclose(values(s), ref, rtol=1e-6)
    assert float(s(0)) == pytest.approx(0.1) and float(s(100)) == pytest.approx(0.02, rel=1e-6)


def test_cosine_decay_with_warmup():
    s = S.CosineDecay(0.01, decay_steps=12, warmup_target=0.1, warmup_steps=5)

    def ref(t):
        t = min(t, 17)
        if t < 5:
            return 0.01 + (0.1 - 0.01) * t / 5
        return 0.1 * 0.5 * (1 + math.cos(math.pi * (t - 5) / 12))

    np.testing.assert_allclose(values(s), [ref(t) for t in STEPS], rtol=1e-6, atol=1e-9)
    assert float(s(5)) == pytest.approx(0.1, rel=1e-6)           # warm-up reaches its target


def test_cosine_decay_restarts_closed_form():
    def ref(t, first, t_mul, m_mul, alpha, lr0=0.1):
        # walk the periods explicitly
        start, length, i = 0.0, float(first), 0
        while t >= start + length:
            start += length
            length *= t_mul
            i += 1
        frac = (t - start) / length
        return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)

    for first, t_mul, m_mul, alpha in [(4, 2.0, 1.0, 0.0), (5, 1.0, 0.5, 0.1), (3, 1.5, 0.8, 0.0)]:
        s = S.CosineDecayRestarts(0.1, first, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
        np.testing.assert_allclose(values(s), [ref(t, first, t_mul, m_mul, alpha) for t in STEPS],
                                   rtol=1e-5, atol=1e-7)
    s = S.CosineDecayRestarts(0.1, 4)
    assert float(s(4)) == pytest.approx(0.1, rel=1e-6)           # warm restart at the period end


# ---------------------------------------------------------------------------- Keras goldens
@pytest.mark.parametrize("case_id", sorted(GOLD["schedules"]))
def test_matches_keras_golden(case_id):
    case = GOLD["schedules"][case_id]
    s = getattr(S, case["class_name"])(**case["kwargs"])
    ours = np.array([s(t) for t in range(len(case["values"]))])
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, case["values"], rtol=1e-6)
    assert S.serialize(s) == case["serialized"]
    again = S.deserialize(case["serialized"])
    np.testing.assert_array_equal([again(t) for t in range(5)], ours[:5])


# ---------------------------------------------------------------------------- behaviour
ALL = [
    S.ExponentialDecay(0.1, 7, 0.8), S.InverseTimeDecay(0.5, 3, 0.7),
    S.PiecewiseConstantDecay([4, 10], [1.0, 0.5, 0.25]), S.PolynomialDecay(0.1, 10, cycle=True),
    S.CosineDecay(0.0, 12, warmup_target=0.1, warmup_steps=3), S.CosineDecayRestarts(0.1, 4),
]


@pytest.mark.parametrize("s", ALL, ids=[type(s).__name__ for s in ALL])
def test_array_steps_float32_and_round_trip(s):
    steps = np.arange(25)
    arr = s(steps)
    assert isinstance(arr, np.ndarray) and arr.shape == (25,) and arr.dtype == np.float32
    np.testing.assert_array_equal(arr, [s(int(t)) for t in steps])
    scalar = s(3)
    assert isinstance(scalar, np.float32)
    cfg = s.get_config()
    again = type(s).from_config(json.loads(json.dumps(cfg)))
    assert again.get_config() == cfg
    np.testing.assert_array_equal(again(steps), arr)
    ser = S.serialize(s)
    assert ser["module"] == "keras.optimizers.schedules"
    assert ser["class_name"] == type(s).__name__ and ser["registered_name"] is None
    assert S.get(ser).get_config() == cfg
    assert S.get(s) is s and S.get(None) is None


def test_default_names_and_config_keys_follow_keras():
    assert S.ExponentialDecay(0.1, 10, 0.9).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9,
        "staircase": False, "name": "ExponentialDecay"}
    assert S.PiecewiseConstantDecay([1], [0.1, 0.2]).name == "PiecewiseConstant"
    assert S.CosineDecayRestarts(0.1, 5).name == "SGDRDecay"
    assert S.CosineDecayRestarts(0.1, 5).get_config()["t_mul"] == 2.0
    assert S.PolynomialDecay(0.1, 5).get_config()["end_learning_rate"] == 0.0001
    assert S.CosineDecay(0.1, 5).get_config()["warmup_target"] is None


def test_schedule_drives_the_optimizer_at_its_iterations():
    sched = S.PiecewiseConstantDecay([1, 2], [0.5, 0.25, 0.125])
    opt = O.SGD(learning_rate=sched)
    v = Variable(np.zeros(1, np.float32))
    lrs = []
    for _ in range(4):
        lrs.append(opt.learning_rate)
        opt.apply_gradients([(np.ones(1, np.float32), v)])
    assert lrs == [0.5, 0.5, 0.25, 0.125]        # step 0 and 1 <= first boundary
    np.testing.assert_allclose(v.value, [-(0.5 + 0.5 + 0.25 + 0.125)], rtol=1e-7)


def test_base_class_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="__call__"):
        S.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        S.LearningRateSchedule().get_config()


BAD = [
    (S.ExponentialDecay, (0.1, 0, 0.9), {}, ValueError, "decay_steps"),
    (S.ExponentialDecay, (0.1, 10, -0.5), {}, ValueError, "decay_rate"),
    (S.ExponentialDecay, (-0.1, 10, 0.5), {}, ValueError, "initial_learning_rate"),
    (S.ExponentialDecay, (0.1, 10, 0.5), {"staircase": "yes"}, TypeError, "staircase"),
    (S.InverseTimeDecay, (0.1, -3, 0.5), {}, ValueError, "decay_steps"),
    (S.PolynomialDecay, (0.1, 0), {}, ValueError, "decay_steps"),
    (S.PolynomialDecay, (0.1, 10), {"power": -1.0}, ValueError, "power"),
    (S.CosineDecay, (0.1, 10), {"alpha": 1.5}, ValueError, "alpha"),
    (S.CosineDecay, (0.1, 10), {"warmup_steps": -1}, ValueError, "warmup_steps"),
    (S.CosineDecayRestarts, (0.1, 0), {}, ValueError, "first_decay_steps"),
    (S.CosineDecayRestarts, (0.1, 5), {"t_mul": 0.0}, ValueError, "t_mul"),
    (S.PiecewiseConstantDecay, ([1, 2], [0.1, 0.2]), {}, ValueError, "one more element"),
    (S.PiecewiseConstantDecay, ([2, 1], [0.1, 0.2, 0.3]), {}, ValueError, "increase strictly"),
    (S.PiecewiseConstantDecay, ([1, 2], [0.1, "a", 0.3]), {}, TypeError, "values"),
]


@pytest.mark.parametrize("cls, args, kw, exc, word", BAD,
                         ids=[f"{c.__name__}-{w}" for c, _, _, _, w in BAD])
def test_bad_arguments_are_named(cls, args, kw, exc, word):
    with pytest.raises(exc, match=word):
        cls(*args, **kw)


def test_bad_step_and_bad_identifiers():
    with pytest.raises(TypeError, match="step"):
        S.ExponentialDecay(0.1, 10, 0.9)("three")
    with pytest.raises(ValueError, match="ExponentialDecay"):
        S.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="schedules.get"):
        S.get("exp")
