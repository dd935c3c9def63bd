"""Tests for glassnet.perceptron: Rosenblatt's rule, its convergence theorem, and XOR."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glassnet import config
from glassnet.perceptron import LOGIC_GATES, Perceptron, logic_gate, step

SEPARABLE = ("and", "or", "nand", "nor")
NOT_SEPARABLE = ("xor", "xnor")


# ----------------------------------------------------------------------------- step
def test_step_puts_the_boundary_in_class_one_and_keeps_float32():
    z = np.array([-2.0, -1e-30, 0.0, 1e-30, 3.0], dtype=np.float32)
    out = step(z)
    np.testing.assert_array_equal(out, [0, 0, 1, 1, 1])
    assert out.dtype == np.float32
    assert step(np.float64(0.0)) == 1.0 and step(-0.5) == 0.0


# ------------------------------------------------------------------------ logic_gate
def test_logic_gate_truth_tables():
    X, y = logic_gate("and")
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert X.dtype == np.float32
    x1, x2 = X[:, 0].astype(int), X[:, 1].astype(int)
    expected = {
        "and": x1 & x2, "or": x1 | x2, "nand": 1 - (x1 & x2),
        "nor": 1 - (x1 | x2), "xor": x1 ^ x2, "xnor": 1 - (x1 ^ x2),
    }
    for name, table in expected.items():
        np.testing.assert_array_equal(logic_gate(name)[1], table, err_msg=name)
    np.testing.assert_array_equal(logic_gate("XOR")[1], [0, 1, 1, 0])


def test_logic_gate_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"logic_gate: name must be one of .*'xor'.*got 'implies'"):
        logic_gate("implies")
    with pytest.raises(TypeError, match=r"logic_gate: name must be a string, got int 3"):
        logic_gate(3)


# ------------------------------------------------------------- hand-worked AND trace
def test_and_trace_by_hand_sample_by_sample():
    """Rosenblatt's rule on AND, eta = 1, w = (0, 0), b = 0, rows in order.

    Epoch 1 (w, b) = ((0, 0), 0):
      x=(0,0) d=0: z = 0 + 0 + 0 = 0   -> y=1, d-y=-1: w=(0,0)-(0,0)=(0,0), b=0-1=-1
      x=(0,1) d=0: z = 0 + 0 - 1 = -1  -> y=0, ok
      x=(1,0) d=0: z = 0 + 0 - 1 = -1  -> y=0, ok
      x=(1,1) d=1: z = 0 + 0 - 1 = -1  -> y=0, d-y=+1: w=(0,0)+(1,1)=(1,1), b=-1+1=0
      errors: 2
    Epoch 2 (w, b) = ((1, 1), 0):
      x=(0,0) d=0: z = 0               -> y=1, d-y=-1: w=(1,1),  b=-1
      x=(0,1) d=0: z = 1 - 1 = 0       -> y=1, d-y=-1: w=(1,0),  b=-2
      x=(1,0) d=0: z = 1 - 2 = -1      -> y=0, ok
      x=(1,1) d=1: z = 1 + 0 - 2 = -1  -> y=0, d-y=+1: w=(2,1),  b=-1
      errors: 3
    Epoch 3 (w, b) = ((2, 1), -1):
      x=(0,0): z=-1 -> 0 ok;  x=(0,1): z=1-1=0 -> 1 wrong: w=(2,0), b=-2
      x=(1,0): z=2-2=0 -> 1 wrong: w=(1,0), b=-3;  x=(1,1): z=1-3=-2 -> 0 wrong: w=(2,1), b=-2
      errors: 3
    Epoch 4 (w, b) = ((2, 1), -2):
      x=(0,0): z=-2 ok;  x=(0,1): z=1-2=-1 ok;  x=(1,0): z=2-2=0 -> 1 wrong: w=(1,1), b=-3
      x=(1,1): z=1+1-3=-1 -> 0 wrong: w=(2,2), b=-2
      errors: 2
    Epoch 5 (w, b) = ((2, 2), -2):
      x=(0,0): z=-2 ok;  x=(0,1): z=2-2=0 -> 1 wrong: w=(2,1), b=-3
      x=(1,0): z=2-3=-1 ok;  x=(1,1): z=2+1-3=0 -> 1 ok
      errors: 1
    Epoch 6 (w, b) = ((2, 1), -3): z = -3, -2, -1, 0 -> 0, 0, 0, 1: no error, converged.
    """
    X, d = logic_gate("and")
    # (w1, w2, b) after each sample of epochs 1 and 2, from the trace above.
    expected_after_each_sample = [
        (0, 0, -1), (0, 0, -1), (0, 0, -1), (1, 1, 0),     # epoch 1
        (1, 1, -1), (1, 0, -2), (1, 0, -2), (2, 1, -1),    # epoch 2
    ]
    p = Perceptron(learning_rate=1.0)
    for k, (w1, w2, b) in enumerate(expected_after_each_sample):
        i = k % 4
        p.partial_fit(X[i:i + 1], d[i:i + 1])   # one row: exactly one step of the rule
        np.testing.assert_array_equal(p.weights_, [w1, w2], err_msg=f"after step {k + 1}")
        assert p.bias_ == b, f"after step {k + 1}"

    # The whole run: errors per epoch 2, 3, 3, 2, 1, 0 and the final line 2 x1 + x2 - 3 = 0.
    p = Perceptron(learning_rate=1.0, max_epochs=100).fit(X, d)
    assert p.errors_ == [2, 3, 3, 2, 1, 0]
    assert p.n_epochs_ == 6 and p.converged_ is True
    np.testing.assert_array_equal(p.weights_, [2, 1])
    assert p.bias_ == -3.0
    np.testing.assert_array_equal(p.net_input(X), [-3, -2, -1, 0])
    np.testing.assert_array_equal(p.predict(X), [0, 0, 0, 1])
    assert p.score(X, d) == 1.0


@pytest.mark.parametrize("epochs, w, b, errors", [
    (1, [1, 1], 0, [2]),
    (2, [2, 1], -1, [2, 3]),
    (3, [2, 1], -2, [2, 3, 3]),
])
def test_and_stopped_early_matches_the_trace(epochs, w, b, errors):
    X, d = logic_gate("and")
    p = Perceptron(max_epochs=epochs).fit(X, d)
    np.testing.assert_array_equal(p.weights_, w)
    assert p.bias_ == b and p.errors_ == errors
    assert p.n_epochs_ == epochs and p.converged_ is False


def test_partial_fit_epochs_equal_fit_epochs():
    X, d = logic_gate("nand")
    for k in range(1, 7):
        by_fit = Perceptron(max_epochs=k).fit(X, d)
        by_partial = Perceptron()
        for _ in range(k):
            by_partial.partial_fit(X, d)
        np.testing.assert_array_equal(by_partial.weights_, by_fit.weights_)
        assert by_partial.bias_ == by_fit.bias_
        assert by_partial.errors_[: by_fit.n_epochs_] == by_fit.errors_


# --------------------------------------------------------------- learnable gates
@pytest.mark.parametrize("gate", SEPARABLE)
@pytest.mark.parametrize("w_init, shuffle", [("zeros", False), ("random", False), ("random", True)])
def test_learns_linearly_separable_gates(gate, w_init, shuffle):
    X, d = logic_gate(gate)
    p = Perceptron(max_epochs=100, shuffle=shuffle, w_init=w_init, seed=7).fit(X, d)
    assert p.converged_ is True
    assert p.score(X, d) == 1.0
    np.testing.assert_array_equal(p.predict(X), d)
    assert p.errors_[-1] == 0 and all(e > 0 for e in p.errors_[:-1])
    assert p.n_epochs_ == len(p.errors_) < 100


# ---------------------------------------------------------------------------- XOR
@pytest.mark.parametrize("gate", NOT_SEPARABLE)
@pytest.mark.parametrize("kwargs", [
    {}, {"learning_rate": 0.1, "w_init": "random", "seed": 1},
    {"shuffle": True, "seed": 2}, {"learning_rate": 3.0, "shuffle": True, "w_init": "random", "seed": 3},
])
def test_xor_never_converges_and_never_beats_three_quarters(gate, kwargs):
    X, d = logic_gate(gate)
    p = Perceptron(max_epochs=50, **kwargs).fit(X, d)
    assert p.converged_ is False
    assert p.n_epochs_ == 50 == len(p.errors_)
    assert min(p.errors_) >= 1          # an error-free epoch would be a separating line
    # Best accuracy over the whole run, epoch by epoch.
    q = Perceptron(**kwargs)
    accuracies = [q.partial_fit(X, d).score(X, d) for _ in range(50)]
    assert max(accuracies) <= 0.75


def _grid_accuracy(X, d, values):
    """Accuracy of step(w1 x1 + w2 x2 + b) for every (w1, w2, b) on a grid, vectorised."""
    w1, w2, b = np.meshgrid(values, values, values, indexing="ij")
    z = w1[..., None] * X[:, 0] + w2[..., None] * X[:, 1] + b[..., None]   # (..., 4)
    return ((z >= 0) == d.astype(bool)).mean(axis=-1)


def test_no_line_separates_xor_on_a_grid():
    """Proof: XOR would need b < 0 (0,0 -> 0), w1 + b >= 0 and w2 + b >= 0 (-> 1), and
    w1 + w2 + b < 0 (1,1 -> 0).  Adding the middle two: w1 + w2 + b >= -b > 0, a
    contradiction, so at least one of the four points is always wrong (accuracy <= 3/4).
    The grid checks it numerically; the separable gates are the control (same grid,
    accuracy 1 is reached), so the check could fail if the grid were too coarse."""
    values = np.linspace(-3.0, 3.0, 25)
    for gate in NOT_SEPARABLE:
        X, d = logic_gate(gate)
        acc = _grid_accuracy(X.astype(np.float64), d, values)
        assert acc.max() == 0.75, gate          # <= 3/4, and 3/4 is attained
    for gate in SEPARABLE:
        X, d = logic_gate(gate)
        assert _grid_accuracy(X.astype(np.float64), d, values).max() == 1.0, gate


@given(w=hnp.arrays(np.float64, 3, elements=st.floats(-1e6, 1e6)))
@settings(max_examples=200, deadline=None)
def test_no_linear_threshold_computes_xor(w):
    X, d = logic_gate("xor")
    y = (X.astype(np.float64) @ w[:2] + w[2] >= 0)
    assert (y != d.astype(bool)).sum() >= 1


# --------------------------------------------------- convergence theorem (Novikoff)
GAMMA = 0.1


@st.composite
def separable_data(draw):
    """Points in [-1, 1]^n labelled by a random hyperplane, keeping those at least GAMMA
    from it in the augmented space x' = (x, 1) (unit normal u = (w*, b*)/||(w*, b*)||)."""
    n_features = draw(st.integers(1, 4))
    n = draw(st.integers(1, 30))
    X = draw(hnp.arrays(np.float32, (n, n_features), elements=st.floats(-1, 1, width=32)))
    u = draw(hnp.arrays(np.float64, n_features + 1, elements=st.floats(-1, 1)))
    norm = np.linalg.norm(u)
    assume(norm > 0.1)
    u = u / norm
    Xa = np.hstack([X.astype(np.float64), np.ones((n, 1))])
    margins = Xa @ u
    keep = np.abs(margins) >= GAMMA
    assume(keep.any())
    return X[keep], (margins[keep] > 0).astype(np.int64), Xa[keep], margins[keep]


@given(data=separable_data(),
       eta=st.floats(0.05, 10.0),
       shuffle=st.booleans(),
       w_init=st.sampled_from(["zeros", "random"]),
       seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_convergence_theorem_on_separable_data(data, eta, shuffle, w_init, seed):
    """Novikoff: with margin gamma and R = max ||x'||, the number of updates k obeys
    k eta gamma - ||theta_0|| <= u·theta_k <= ||theta_k|| <= sqrt(||theta_0||^2 + k eta^2 R^2),
    hence k <= (R/gamma)^2 + 2 ||theta_0|| / (eta gamma)  (= (R/gamma)^2 from zero weights)."""
    X, d, Xa, margins = data
    gamma = np.abs(margins).min()
    R = np.linalg.norm(Xa, axis=1).max()
    theta0_norm = 0.0 if w_init == "zeros" else 0.05 * np.sqrt(X.shape[1])   # |w_j| <= 0.05, b = 0
    bound = (R / gamma) ** 2 + 2 * theta0_norm / (eta * gamma)
    p = Perceptron(learning_rate=eta, max_epochs=int(bound) + 2, shuffle=shuffle,
                   w_init=w_init, seed=seed).fit(X, d)
    assert p.converged_ is True
    assert p.score(X, d) == 1.0
    assert sum(p.errors_) <= bound * (1 + 1e-6)


@pytest.mark.parametrize("gate", ["and", "nand", "xor"])
@pytest.mark.parametrize("eta", [0.25, 2.0, 8.0])
def test_learning_rate_only_scales_weights_from_zero(gate, eta):
    """From w = 0, b = 0 every update is eta (d - y) x', so theta_eta = eta theta_1 and the
    signs of z, hence the decisions and errors_, do not depend on eta (powers of 2: exact)."""
    X, d = logic_gate(gate)
    one = Perceptron(learning_rate=1.0, max_epochs=12).fit(X, d)
    other = Perceptron(learning_rate=eta, max_epochs=12).fit(X, d)
    assert other.errors_ == one.errors_
    np.testing.assert_array_equal(other.weights_, eta * one.weights_)
    assert other.bias_ == eta * one.bias_


# ----------------------------------------------------------- seeds and attributes
def test_seed_makes_shuffled_runs_repeatable():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2)).astype(np.float32)
    d = (X @ np.array([1.0, -2.0], dtype=np.float32) + 0.1 >= 0).astype(int)
    a = Perceptron(shuffle=True, w_init="random", seed=5).fit(X, d)
    b = Perceptron(shuffle=True, w_init="random", seed=5)
    b.fit(X, d)
    first = (list(b.errors_), b.weights_.copy(), b.bias_)
    b.fit(X, d)                                   # refitting restarts the same stream
    assert a.errors_ == first[0] == b.errors_
    np.testing.assert_array_equal(a.weights_, first[1])
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.bias_ == first[2] == b.bias_
    c = Perceptron(shuffle=True, w_init="random", seed=6).fit(X, d)
    assert not np.array_equal(c.weights_, a.weights_)


def test_fitted_attributes_shapes_and_aliases():
    X, d = logic_gate("or")
    p = Perceptron()
    assert not hasattr(p, "weights_") and not hasattr(p, "coef_") and not hasattr(p, "intercept_")
    p.fit(X, d)
    assert p.weights_.shape == (2,) and p.weights_.dtype == np.float32
    assert p.coef_.shape == (1, 2) and p.intercept_.shape == (1,)
    np.testing.assert_array_equal(p.coef_[0], p.weights_)
    assert p.intercept_[0] == p.bias_ and isinstance(p.bias_, float)
    assert p.n_features_in_ == 2
    z = p.net_input(X)
    assert z.dtype == np.float32
    np.testing.assert_array_equal(p.decision_function(X), z)
    np.testing.assert_array_equal(z, X @ p.weights_ + p.bias_)
    np.testing.assert_array_equal(p.predict(X), (z >= 0).astype(int))


def test_float64_scope_and_array_likes():
    pd = pytest.importorskip("pandas")
    X, d = logic_gate("and")
    with config.floatx_scope("float64"):
        p = Perceptron().fit(X.tolist(), d.tolist())
        assert p.weights_.dtype == np.float64 and p.net_input(X).dtype == np.float64
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    q = Perceptron().fit(frame, pd.Series(d.astype(bool)))       # booleans are 0/1
    np.testing.assert_array_equal(q.weights_, [2, 1])
    r = Perceptron().fit(X, d.reshape(-1, 1))                    # a column of targets
    assert r.bias_ == -3.0 and r.score(frame, d.reshape(-1, 1)) == 1.0


def test_config_round_trip_and_repr():
    p = Perceptron(learning_rate=0.5, max_epochs=7, shuffle=True, seed=3, w_init="random")
    q = Perceptron.from_config(p.get_config())
    assert q.get_config() == {"learning_rate": 0.5, "max_epochs": 7, "shuffle": True,
                              "seed": 3, "w_init": "random"}
    assert repr(q) == "Perceptron(learning_rate=0.5, max_epochs=7, shuffle=True, seed=3, w_init='random')"


# --------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, exc, message", [
    ({"learning_rate": 0}, ValueError, r"Perceptron: learning_rate must be a finite number > 0.0, got 0.0"),
    ({"learning_rate": -1.0}, ValueError, r"learning_rate must be a finite number > 0.0, got -1.0"),
    ({"learning_rate": float("nan")}, ValueError, r"learning_rate must be a finite number > 0.0, got nan"),
    ({"learning_rate": "1"}, TypeError, r"learning_rate must be a number, got str '1'"),
    ({"max_epochs": 0}, ValueError, r"Perceptron: max_epochs must be a positive integer, got 0"),
    ({"max_epochs": 2.5}, ValueError, r"max_epochs must be a positive integer, got 2.5"),
    ({"max_epochs": True}, ValueError, r"max_epochs must be a positive integer, got True"),
    ({"shuffle": "yes"}, TypeError, r"Perceptron: shuffle must be True or False, got str 'yes'"),
    ({"w_init": "ones"}, ValueError, r"Perceptron: w_init must be one of 'zeros', 'random', got 'ones'"),
    ({"w_init": None}, TypeError, r"w_init must be a string, got NoneType None"),
    ({"seed": -1}, ValueError, r"Perceptron: seed must be None, a non-negative integer .*got -1"),
])
def test_constructor_rejects_bad_arguments(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        Perceptron(**kwargs)


@pytest.mark.parametrize("X, y, exc, message", [
    ([0, 1, 1], [0, 1, 1], ValueError, r"Perceptron.fit: X must be 2-D \(n_samples, n_features\), got shape \(3,\); .*reshape\(-1, 1\)"),
    (np.zeros((2, 2, 2)), [0, 1], ValueError, r"X must be 2-D .*got shape \(2, 2, 2\)"),
    ([[0, 0], [0, np.nan], [1, 1]], [0, 1, 1], ValueError, r"Perceptron.fit: X contains NaN at row 1, column 1"),
    ([[0, 0], [1, 1], [np.inf, 1]], [0, 1, 1], ValueError, r"X contains inf at row 2, column 0"),
    ([["a", "b"]], [0], TypeError, r"X must contain only numbers"),
    (np.zeros((0, 2)), [], ValueError, r"X is empty"),
    ([[0, 0], [1, 1]], [0, 1, 1], ValueError, r"X and y must have the same number of samples, got X with 2 rows and y with 3"),
    ([[0, 0], [1, 1]], [-1, 1], ValueError, r"y must contain only the targets 0 and 1 .*got -1 at row 0 .*\(y \+ 1\) // 2"),
    ([[0, 0], [1, 1], [2, 2]], [0, 1, 2], ValueError, r"y must contain only the targets 0 and 1 .*got 2 at row 2 \(values present: 0, 1, 2\)$"),
    ([[0, 0], [1, 1]], [0, 0.5], ValueError, r"got 0.5 at row 1"),
    ([[0, 0], [1, 1]], [0, np.nan], ValueError, r"Perceptron.fit: y contains NaN at row 1"),
    ([[0, 0], [1, 1]], [[0, 1], [1, 0]], ValueError, r"y must be 1-D \(n_samples,\) of 0/1 targets, got shape \(2, 2\)"),
    ([[0, 0], [1, 1]], ["no", "yes"], TypeError, r"y must contain only numbers"),
])
def test_fit_rejects_bad_data(X, y, exc, message):
    with pytest.raises(exc, match=message):
        Perceptron().fit(X, y)


def test_inference_needs_a_fit_and_the_same_features():
    X, d = logic_gate("and")
    p = Perceptron()
    for method in ("predict", "net_input", "decision_function"):
        with pytest.raises(ValueError, match=rf"Perceptron.{method}: this Perceptron is not fitted yet"):
            getattr(p, method)(X)
    p.fit(X, d)
    with pytest.raises(ValueError, match=r"Perceptron.predict: X has 3 features, but this Perceptron was fitted with 2"):
        p.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Perceptron.partial_fit: X has 1 features, .*fitted with 2"):
        p.partial_fit(np.zeros((4, 1)), d)
    with pytest.raises(ValueError, match=r"Perceptron.score: X and y must have the same number of samples"):
        p.score(X, d[:3])


def test_overflowing_weights_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"Perceptron.fit: the weights overflowed float32 .*lower learning_rate or scale X"):
        Perceptron(learning_rate=1e38).fit([[3e38, 3e38]], [0])


def test_logic_gates_constant_lists_every_gate():
    assert set(LOGIC_GATES) == set(SEPARABLE) | set(NOT_SEPARABLE)


def test_example_script_runs(capsys):
    import pathlib
    import runpy

    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "perceptron_xor.py"
    runpy.run_path(str(path), run_name="perceptron_xor")["main"]([])
    out = capsys.readouterr().out
    assert "AND  (eta = 1" in out and "converged after 6 epochs: w = (2, 1), b = -3" in out
    assert "XOR  (eta = 1" in out and "did NOT converge in 20 epochs" in out
    assert "accuracy of the two-layer network: 1.00" in out
