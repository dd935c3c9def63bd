"""glassnet's activations, losses and initializers against numbers Keras 3 computed.

The golden files under ``tests/reference/`` were written by
``tests/reference/make_keras_golden.py`` with Keras 3.15.1 on TensorFlow 2.21 (see
``tests/reference/README.md``); these tests read the JSON only and never import Keras.

* activations: ``f(x)`` on fixed float32 inputs (large ``|x|`` included) and the
  vector-Jacobian product ``d sum(f(x) * g) / dx`` that TensorFlow's autodiff gives;
  points exactly at a kink are a separate test (TensorFlow's choice of subgradient).
* losses: the reduced value for every reduction with and without ``sample_weight``,
  ``d value / d y_pred``, the per-sample function and ``get_config()``.
* initializers: ``get_config()`` and the statistics of a (400, 300) draw, compared with
  tolerances derived from the sample size (the draws themselves cannot match: the RNGs
  differ).
"""
from __future__ import annotations

import functools
import importlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

# every test here runs on both kernel implementations (conftest.py's `kernels` fixture)
pytestmark = pytest.mark.usefixtures("kernels")

REFERENCE = Path(__file__).resolve().parent / "reference"

# float32 computations by two different libraries: a few ulps apart, far below a formula error
VALUE_RTOL, VALUE_ATOL = 1e-5, 1e-6


@functools.lru_cache(maxsize=None)
def golden(name: str) -> dict:
    with open(REFERENCE / f"keras_{name}.json") as fh:
        return json.load(fh)


def glassnet_module(name: str):
    """Import ``glassnet.<name>`` inside a test, so a missing module fails that test only."""
    return importlib.import_module(f"glassnet.{name}")


def f32(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float32)


def assert_matches(got, want, *, what: str, want64=None, inputs=None, rtol=VALUE_RTOL,
                   atol=VALUE_ATOL):
    """``assert_allclose`` whose message lists the worst elements (and their inputs).

    ``want`` is Keras's float32 result.  ``want64``, when given, is the same Keras function
    evaluated in float64 on the same numbers: an element also passes when it is that close
    to ``want64``, so glassnet is not failed for being more exact than TensorFlow's float32
    arithmetic where that loses digits (e.g. ``1 + tanh(u)`` for ``u << 0``).
    """
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, Keras gives {want.shape}"
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf results are reported below
        bad = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
        if want64 is not None:
            want64 = np.asarray(want64, dtype=np.float64)
            bad &= ~(np.abs(got - want64) <= atol + rtol * np.abs(want64))
        excess = np.where(bad, np.abs(got - want) - rtol * np.abs(want), -np.inf)
        excess = np.where(np.isnan(excess), np.inf, excess)
    if bad.any():
        worst = np.argsort(excess, axis=None)[::-1][: min(6, int(bad.sum()))]
        lines = []
        for flat in worst:
            idx = np.unravel_index(flat, want.shape)
            where = f" at x={np.asarray(inputs)[idx]!r}" if inputs is not None else ""
            k64 = f" (float64: {want64[idx]!r})" if want64 is not None else ""
            lines.append(f"  index {tuple(int(i) for i in idx)}{where}: glassnet "
                         f"{got[idx]!r}, Keras {want[idx]!r}{k64}")
        pytest.fail(f"{what}: {int(bad.sum())} of {want.size} values differ "
                    f"(rtol={rtol}, atol={atol}):\n" + "\n".join(lines))


def assert_keras_config(got: dict, keras_config: dict, init_params, what: str):
    """Every key Keras writes, with Keras's value; extra keys only for constructor arguments.

    Keras 3.15.1 leaves some hyper-parameters out of ``get_config()`` (``Huber``'s ``delta``,
    ``CosineSimilarity``'s ``axis``, ``Identity``'s ``gain``), so a config that keeps them is
    accepted; a key that is not an argument of Keras's constructor is not.
    """
    assert isinstance(got, dict), f"{what}: get_config() gave {got!r}"
    missing = {k: v for k, v in keras_config.items() if k not in got}
    assert not missing, f"{what}: get_config() lacks Keras's keys {missing}; got {got}"
    differ = {k: (got[k], v) for k, v in keras_config.items() if got[k] != v}
    assert not differ, f"{what}: (glassnet, Keras) values differ: {differ}"
    extra = sorted(set(got) - set(keras_config) - set(init_params))
    assert not extra, f"{what}: keys {extra} are not Keras constructor arguments; got {got}"


def test_golden_files_come_from_keras_3():
    for name in ("activations", "losses", "initializers", "training"):
        meta = golden(name)["meta"]
        assert meta["keras_version"].split(".")[0] == "3", (name, meta)
        assert meta["backend"] == "tensorflow" and meta["floatx"] == "float32", (name, meta)
        assert (REFERENCE / f"keras_{name}.json").stat().st_size < 1_000_000


# ============================================================================= activations
ACT_CASES = golden("activations")["cases"]
ACT_SMOOTH = [c for c in ACT_CASES if c["input"] != "x_kinks"]
ACT_KINKS = [c for c in ACT_CASES if c["input"] == "x_kinks"]


def _act_io(case):
    data = golden("activations")
    return f32(data["inputs"][case["input"]]), f32(data["upstream"][case["input"]])


def _activation_object(case):
    """The ActivationFunction a layer would use, with the case's hyper-parameters."""
    acts = glassnet_module("activations")
    default = acts.get(case["function"])
    return type(default).from_config(dict(case["kwargs"])) if case["kwargs"] else default


def _call_label(case):
    args = ", ".join(f"{k}={v!r}" for k, v in case["kwargs"].items())
    return f"glassnet.activations.{case['function']}(x{', ' + args if args else ''})"


@pytest.mark.parametrize("case", ACT_CASES, ids=[c["id"] for c in ACT_CASES])
def test_activation_function_values(case):
    acts = glassnet_module("activations")
    x, _ = _act_io(case)
    y = getattr(acts, case["function"])(x, **case["kwargs"])
    assert np.asarray(y).dtype == np.float32, f"{_call_label(case)} returned {np.asarray(y).dtype}"
    assert_matches(y, case["output"], want64=case["output64"], what=_call_label(case), inputs=x)


@pytest.mark.parametrize("case", ACT_CASES, ids=[c["id"] for c in ACT_CASES])
def test_activation_object_values(case):
    act = _activation_object(case)
    x, _ = _act_io(case)
    assert_matches(act(x), case["output"], want64=case["output64"], what=f"{act!r}(x)",
                   inputs=x)


@pytest.mark.parametrize("case", ACT_SMOOTH, ids=[c["id"] for c in ACT_SMOOTH])
def test_activation_backward_is_keras_vjp(case):
    act = _activation_object(case)
    x, g = _act_io(case)
    a = act(x)
    grad = act.backward(g, x, a)
    assert np.asarray(grad).dtype == np.float32, f"{act!r}.backward gave {np.asarray(grad).dtype}"
    assert_matches(grad, case["vjp"], want64=case["vjp64"],
                   what=f"{act!r}.backward(g, x, f(x))", inputs=x)


@pytest.mark.parametrize("case", ACT_KINKS, ids=[c["id"] for c in ACT_KINKS])
def test_activation_backward_at_kinks_follows_tensorflow(case):
    """At x in {-3, -1, 0, 0.5, 1, 2.5, 3, 4, 6}: the subgradient TensorFlow's autodiff picks."""
    act = _activation_object(case)
    x, g = _act_io(case)
    assert_matches(act.backward(g, x, act(x)), case["vjp"], want64=case["vjp64"],
                   what=f"{act!r}.backward at kinks", inputs=x)


def test_activation_aliases_resolve_like_keras():
    acts = glassnet_module("activations")
    for alias, keras_name in golden("activations")["aliases"].items():
        assert acts.serialize(acts.get(alias)) == keras_name, alias


# ============================================================================= losses
LOSS_CASES = golden("losses")["cases"]
LOSS_RUNS = [(c, r) for c in LOSS_CASES for r in c["results"]]
LOSS_GRAD_RUNS = [(c, r) for c, r in LOSS_RUNS if "gradient" in r]


def _run_id(run):
    case, result = run
    return f"{case['id']}-{result['reduction']}-{'weighted' if result['weighted'] else 'plain'}"


def _loss_io(case, weighted):
    data = golden("losses")["data"]
    y_true = data[case["y_true"]]
    y_true = np.asarray(y_true, dtype=np.int64) if case["y_true"] == "cat_labels" else f32(y_true)
    sample_weight = f32(data["sample_weight"]) if weighted else None
    return y_true, f32(data[case["y_pred"]]), sample_weight


def _loss_label(case, result):
    args = ", ".join([f"{k}={v!r}" for k, v in case["kwargs"].items()]
                     + [f"reduction={result['reduction']!r}"])
    sw = ", sample_weight=w" if result["weighted"] else ""
    return (f"glassnet.losses.{case['class_name']}({args})(y_true={case['y_true']}, "
            f"y_pred={case['y_pred']}{sw})")


def _make_loss(case, result):
    cls = getattr(glassnet_module("losses"), case["class_name"])
    return cls(reduction=result["reduction"], **case["kwargs"])


@pytest.mark.parametrize("run", LOSS_RUNS, ids=[_run_id(r) for r in LOSS_RUNS])
def test_loss_value(run):
    case, result = run
    y_true, y_pred, sw = _loss_io(case, result["weighted"])
    value = _make_loss(case, result)(y_true, y_pred, sample_weight=sw)
    assert_matches(value, result["value"], want64=result["value64"],
                   what=_loss_label(case, result))


@pytest.mark.parametrize("run", LOSS_GRAD_RUNS, ids=[_run_id(r) for r in LOSS_GRAD_RUNS])
def test_loss_gradient(run):
    case, result = run
    y_true, y_pred, sw = _loss_io(case, result["weighted"])
    grad = _make_loss(case, result).gradient(y_true, y_pred, sample_weight=sw)
    assert np.asarray(grad).dtype == np.float32, f"gradient dtype {np.asarray(grad).dtype}"
    assert_matches(grad, result["gradient"], want64=result["gradient64"],
                   what="d/d y_pred of " + _loss_label(case, result), inputs=y_pred)


FUNCTION_CASES = [c for c in LOSS_CASES if c["function_value"] is not None]


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=[c["id"] for c in FUNCTION_CASES])
def test_loss_function_gives_per_sample_values(case):
    y_true, y_pred, _ = _loss_io(case, False)
    fn = getattr(glassnet_module("losses"), case["function"])
    args = ", ".join(f"{k}={v!r}" for k, v in case["function_kwargs"].items())
    assert_matches(fn(y_true, y_pred, **case["function_kwargs"]), case["function_value"],
                   what=f"glassnet.losses.{case['function']}(y_true, y_pred{', ' + args if args else ''})")


@pytest.mark.parametrize("case", LOSS_CASES, ids=[c["id"] for c in LOSS_CASES])
def test_loss_config_is_keras_config(case):
    loss = getattr(glassnet_module("losses"), case["class_name"])(**case["kwargs"])
    assert_keras_config(loss.get_config(), case["config"], case["init_params"],
                        f"glassnet.losses.{case['class_name']}(**{case['kwargs']})")


def test_loss_string_aliases_resolve_to_keras_functions():
    losses = glassnet_module("losses")
    for alias, keras_name in golden("losses")["aliases"].items():
        obj = losses.get(alias)
        assert getattr(obj, "__name__", None) == keras_name, (alias, obj)


def test_loss_sample_weight_scales_sum_over_batch_size_by_batch_not_weights():
    """A property the golden values pin: 'sum_over_batch_size' divides by N, not by sum(w)."""
    case = next(c for c in LOSS_CASES if c["id"] == "mse")
    by = {(r["reduction"], r["weighted"]): r["value"] for r in case["results"]}
    n = len(golden("losses")["data"]["sample_weight"])
    sw = f32(golden("losses")["data"]["sample_weight"]).astype(np.float64)
    assert math.isclose(by[("sum_over_batch_size", True)], by[("sum", True)] / n, rel_tol=1e-6)
    assert math.isclose(by[("mean_with_sample_weight", True)], by[("sum", True)] / sw.sum(),
                        rel_tol=1e-6)
    losses = glassnet_module("losses")
    y_true, y_pred, w = _loss_io(case, True)
    total = losses.MeanSquaredError(reduction="sum")(y_true, y_pred, sample_weight=w)
    mean = losses.MeanSquaredError()(y_true, y_pred, sample_weight=w)
    assert math.isclose(float(mean), float(total) / n, rel_tol=1e-6)


# ============================================================================= initializers
INIT = golden("initializers")
INIT_CASES = INIT["cases"]
INIT_SHAPE = tuple(INIT["shape"])
N_DRAW = INIT_SHAPE[0] * INIT_SHAPE[1]
# kurtosis of each distribution (sets the spread of the sample standard deviation)
KURTOSIS = {"uniform": 1.8, "normal": 3.0, "orthogonal": 3.0,
            # standard normal truncated at +-2: E[x^4] / E[x^2]^2 with E[x^2] = 1 - 4 phi(2) / Z,
            # E[x^4] = 3 - 28 phi(2) / Z, Z = Phi(2) - Phi(-2)
            "truncated_normal": 2.3655}
# density at the edge of the support, per unit of (max - min): uniform 1, truncated normal
# phi(2) / (Phi(2) - Phi(-2)) * 4 = 0.2264 (the support is 4 stddev wide)
EDGE_DENSITY = {"uniform": 1.0, "truncated_normal": 0.2264}
Z = 6.0  # tolerances are 6 standard errors: a correct implementation fails with p < 1e-8


def _make_initializer(case, seed=None):
    inits = glassnet_module("initializers")
    if case["identifier"] is not None and seed is None:
        return inits.get(case["identifier"])
    cls = getattr(inits, case["class_name"])
    kwargs = dict(case["kwargs"])
    if seed is not None:
        kwargs["seed"] = seed
    return cls(**kwargs)


@pytest.mark.parametrize("case", INIT_CASES, ids=[c["id"] for c in INIT_CASES])
def test_initializer_class_and_config(case):
    init = _make_initializer(case)
    assert type(init).__name__ == case["class_name"]
    assert_keras_config(init.get_config(), case["config"], case["init_params"],
                        f"initializer {case['id']}")


@pytest.mark.parametrize("case", INIT_CASES, ids=[c["id"] for c in INIT_CASES])
def test_initializer_statistics(case):
    seeded = "seed" in case["config"]
    init = _make_initializer(case, seed=7 if seeded else None)
    w = np.asarray(init(INIT_SHAPE))
    assert w.shape == INIT_SHAPE and w.dtype == np.float32, (w.shape, w.dtype)
    w = w.astype(np.float64)
    got = {"mean": w.mean(), "std": w.std(), "min": w.min(), "max": w.max()}
    want = case["stats"]
    kind = case["kind"]
    label = f"{case['id']}: glassnet {got}, Keras {want}"
    if kind == "exact":
        for key in got:
            assert math.isclose(got[key], want[key], rel_tol=1e-6, abs_tol=1e-9), label
        return
    sigma = want["std"]
    # two independent samples of N values: the difference of their means has sd sqrt(2/N) sigma,
    # of their standard deviations sqrt(2 (kurtosis - 1) / (4 N)) sigma
    tol_mean = Z * sigma * math.sqrt(2.0 / N_DRAW)
    tol_std = Z * sigma * math.sqrt(2.0 * (KURTOSIS[kind] - 1.0) / (4.0 * N_DRAW))
    assert abs(got["mean"] - want["mean"]) <= tol_mean, f"mean differs by > {tol_mean:.3g}; {label}"
    assert abs(got["std"] - want["std"]) <= tol_std, f"std differs by > {tol_std:.3g}; {label}"
    if kind in EDGE_DENSITY:
        # bounded support: min and max sit within ~1/(N * density) of the bounds; 25 such gaps
        # happen with probability e^-25
        tol_edge = 25.0 * (want["max"] - want["min"]) / (N_DRAW * EDGE_DENSITY[kind])
        assert abs(got["min"] - want["min"]) <= tol_edge, f"min (tol {tol_edge:.3g}); {label}"
        assert abs(got["max"] - want["max"]) <= tol_edge, f"max (tol {tol_edge:.3g}); {label}"
    else:
        # unbounded: the extremes of 120000 normals are ~4.4 sd out (Gumbel scale 0.2 sd);
        # none inside 3 sd (p = Phi(3)^N ~ e^-160), and within 2.5 sd of Keras's extremes
        for key in ("min", "max"):
            assert abs(got[key] - want[key]) <= 2.5 * sigma, f"{key}; {label}"
            assert abs(got[key] - want["mean"]) >= 3.0 * sigma, f"{key} (truncated?); {label}"
    if kind == "orthogonal":
        gain2 = case["config"]["gain"] ** 2
        gram = w.T @ w
        np.testing.assert_allclose(gram, gain2 * np.eye(INIT_SHAPE[1]), atol=1e-4 * gain2,
                                   err_msg=f"{case['id']}: W^T W is not gain^2 I")

