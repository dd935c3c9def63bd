"""The kernel layer (glassnet.kernels): the fused numba kernels against the NumPy reference,
the selector, and start-up.

The reference kernels are the optimizers' and layers' formulas as NumPy calls; their numbers
are checked against Keras by test_keras_golden / test_keras_parity / test_optimizers (which run
on both implementations).  Here each numba kernel is compared with its reference on the same
inputs: the optimizer updates, bias + ReLU, ReLU's delta with the bias gradient and dropout do
the same float32 operations in the same order, so they must agree to the bit; the fused
cross-entropy calls exp/log, whose last bit differs between libraries, so it gets a tolerance.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from glassnet import config
from glassnet import kernels as gk

SRC = Path(__file__).resolve().parents[1] / "src"

numba = pytest.importorskip("numba", reason="numba is not installed (pip install glassnet[fast])")

from glassnet.kernels import numba_kernels as NB  # noqa: E402  (after the skip above)
from glassnet.kernels import numpy_kernels as NP  # noqa: E402

# sizes below and above the serial/parallel switch, and one that is not a multiple of anything
SIZES = [7, 1000, NB.PARALLEL_MIN + 13]


def _state(rng, n, dtype, k, positive=()):
    out = []
    for i in range(k):
        a = rng.standard_normal(n).astype(dtype)
        out.append(np.abs(a) + dtype(0.01) if i in positive else a)
    return out


def _optimizer_cases(f):
    """(kernel name, builder of its arguments from the state arrays, indices that must be > 0)."""
    return [
        ("adam", lambda a: (a[0], a[1], a[2], a[3], None, False, f(1e-3), f(0.1), f(0.001), f(1e-7)), (3,)),
        ("adam", lambda a: (a[0], a[1], a[2], a[3], a[4], True, f(1e-3), f(0.1), f(0.001), f(1e-7)), (3, 4)),
        ("sgd", lambda a: (a[0], a[1], None, f(0.01), f(0.0), False), ()),
        ("sgd", lambda a: (a[0], a[1], a[2], f(0.01), f(0.9), False), ()),
        ("sgd", lambda a: (a[0], a[1], a[2], f(0.01), f(0.9), True), ()),
        ("rmsprop", lambda a: (a[0], a[1], a[2], None, None, f(1e-3), f(0.9), f(0.1), f(0.0), f(1e-7),
                               False, False), (2,)),
        ("rmsprop", lambda a: (a[0], a[1], a[2], a[3], a[4], f(1e-3), f(0.9), f(0.1), f(0.5), f(1e-7),
                               True, True), (2,)),
        ("adagrad", lambda a: (a[0], a[1], a[2], f(1e-3), f(1e-7)), (2,)),
        ("adadelta", lambda a: (a[0], a[1], a[2], a[3], f(1e-3), f(0.95), f(0.05), f(1e-7)), (2, 3)),
        ("adamax", lambda a: (a[0], a[1], a[2], a[3], f(1e-3), f(0.1), f(0.999), f(1e-7), f(0.19)), (3,)),
        ("nadam", lambda a: (a[0], a[1], a[2], a[3], f(1e-3), f(0.1), f(0.001), f(0.45), f(0.8), f(0.55),
                             f(0.6), f(0.002), f(1e-7)), (3,)),
        ("lion", lambda a: (a[0], a[1], a[2], f(1e-3), f(0.9), f(0.1), f(0.99), f(0.01)), ()),
        ("ftrl", lambda a: (a[0], a[1], a[2], a[3], f(1e-3), f(0.5), f(0.01), f(0.2), f(0.02)), (2,)),
        ("weight_decay", lambda a: (a[0], f(0.004), f(1e-3)), ()),
        ("ema", lambda a: (a[0], a[1], f(0.99), f(1) - f(0.99)), ()),
    ]


# float64 (gradient checks) runs on small arrays, so its serial loops are the ones to check; each
# extra combination compiles every kernel once more on a fresh machine
@pytest.mark.parametrize("n, dtype, threads", [
    (SIZES[0], np.float32, 1), (SIZES[1], np.float64, 1), (SIZES[2], np.float32, 1), (SIZES[2], np.float32, 2)])
def test_optimizer_kernels_agree_to_the_bit(n, dtype, threads):
    NB.set_num_threads(threads)
    try:
        for case, (name, args, positive) in enumerate(_optimizer_cases(dtype)):
            rng = np.random.default_rng(case)
            state = _state(rng, n, dtype, 5, positive)
            state[4] *= dtype(0.01)        # RMSprop's centered average: a^2 < v, as in real use
            ref, fused = [a.copy() for a in state], [a.copy() for a in state]
            for _ in range(3):                      # three steps: the slots carry over
                getattr(NP, name)(*args(ref))
                getattr(NB, name)(*args(fused))
            for k, (r, f) in enumerate(zip(ref, fused)):
                assert r.dtype == f.dtype == dtype
                np.testing.assert_array_equal(r, f, err_msg=f"{name} case {case}, array {k}")
    finally:
        NB.set_num_threads(gk.kernel_threads())


def test_kernels_keep_nan_where_numpy_does():
    """A NaN gradient poisons the same entries on both paths (nothing silently zeroed)."""
    f = np.float32
    g = np.array([np.nan, 1.0, -2.0], dtype=f)
    for name in ("adam", "lion"):
        outs = []
        for mod in (NP, NB):
            p, m, v = np.ones(3, f), np.zeros(3, f), np.zeros(3, f)
            if name == "adam":
                mod.adam(p, g, m, v, v.copy(), True, f(1e-3), f(0.1), f(0.001), f(1e-7))
            else:
                mod.lion(p, g, m, f(1e-3), f(0.9), f(0.1), f(0.99), f(0.01))
            outs.append(p)
        np.testing.assert_array_equal(outs[0], outs[1])
        assert np.isnan(outs[1][0]) and np.isfinite(outs[1][1:]).all()


@pytest.mark.parametrize("shape", [(5, 3), (128, 512), (4, 6, 300)])
def test_dense_and_dropout_kernels_agree_to_the_bit(shape):
    rng = np.random.default_rng(1)
    f = np.float32
    z = rng.standard_normal(shape).astype(f)
    b = rng.standard_normal(shape[-1]).astype(f)
    g = rng.standard_normal(shape).astype(f)
    for bias in (b, None):
        z_ref, z_fused = z.copy(), z.copy()
        np.testing.assert_array_equal(NP.bias_relu(z_ref, bias), NB.bias_relu(z_fused, bias))
        np.testing.assert_array_equal(z_ref, z_fused)                  # z <- z + b kept for backward
        z_ref, z_fused = z.copy(), z.copy()
        np.testing.assert_array_equal(NP.bias_relu_inplace(z_ref, bias), NB.bias_relu_inplace(z_fused, bias))
    bg_ref, bg_fused = np.empty(shape[-1], f), np.empty(shape[-1], f)
    np.testing.assert_array_equal(NP.relu_delta(g, z, bg_ref), NB.relu_delta(g, z, bg_fused))
    np.testing.assert_array_equal(bg_ref, bg_fused)
    # the bias gradient is the sum of delta over rows (BP3), whatever the kernel
    delta = g * (z > 0)
    np.testing.assert_allclose(bg_fused, delta.reshape(-1, shape[-1]).sum(axis=0, dtype=np.float64),
                               rtol=1e-4, atol=1e-4)
    NP.column_sum(g, bg_ref)
    NB.column_sum(g, bg_fused)
    np.testing.assert_array_equal(bg_ref, bg_fused)
    u = rng.random(shape, dtype=f)
    out_ref, mask_ref = NP.dropout(z, u, f(0.3), f(1 / 0.7))
    out_fused, mask_fused = NB.dropout(z, u, f(0.3), f(1 / 0.7))
    np.testing.assert_array_equal(mask_ref, mask_fused)
    np.testing.assert_array_equal(out_ref, out_fused)
    np.testing.assert_array_equal(NP.multiply(g, mask_ref), NB.multiply(g, mask_fused))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pool, strides", [((2, 2), (2, 2)), ((3, 2), (1, 2))])
def test_max_pool_kernels_agree_with_the_formula_to_the_bit(dtype, pool, strides):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 9, 8, 5)).astype(dtype)
    x[0, 0, 0, 1] = np.nan                            # np.maximum's rule: NaN wins wherever it stands
    x[2, 3, 2:4, :] = [[-0.0] * 5, [0.0] * 5]         # a tie of signed zeros: np.maximum keeps the second
    (ph, pw), (sh, sw) = pool, strides
    out_hw = ((9 - ph) // sh + 1, (8 - pw) // sw + 1)
    expected = np.empty((3,) + out_hw + (5,), dtype)
    for b, i, j, c in np.ndindex(expected.shape):     # the formula: max over the window, row-major
        m = x[b, i * sh, j * sw, c]
        for p, q in list(np.ndindex(ph, pw))[1:]:
            m = np.maximum(m, x[b, i * sh + p, j * sw + q, c])
        expected[b, i, j, c] = m
    assert np.isnan(expected).any()
    for mod in (NP, NB):
        out = np.full_like(expected, 7.0)
        mod.max_pool(x, pool, strides, out)
        np.testing.assert_array_equal(out, expected)
        assert np.array_equal(np.signbit(out), np.signbit(expected))


def _max_pool_backward_by_loops(x, out, grad, ph, pw):
    """The formula, element by element: each window's error goes to its first maximum (row-major)."""
    dx = np.zeros_like(x)
    n, ho, wo, c = out.shape
    for b, i, j, k in np.ndindex(n, ho, wo, c):
        for p, q in np.ndindex(ph, pw):
            if x[b, i * ph + p, j * pw + q, k] == out[b, i, j, k]:
                dx[b, i * ph + p, j * pw + q, k] = grad[b, i, j, k]
                break
    return dx


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pool", [(2, 2), (3, 2)])
def test_max_pool_backward_kernels_agree_with_the_formula_to_the_bit(dtype, pool):
    rng = np.random.default_rng(4)
    ph, pw = pool
    n, ho, wo, c = 3, 4, 5, 7
    # values on a coarse grid, so that many windows hold tied maxima; one NaN window; one row and
    # column beyond the last window (an odd size), which the kernels leave alone
    x = (rng.integers(0, 4, (n, ho * ph + 1, wo * pw + 1, c)) / 4).astype(dtype)
    x[1, 0, 0, 2] = np.nan
    tiles = x[:, :ho * ph, :wo * pw].reshape(n, ho, ph, wo, pw, c)
    out = np.max(tiles, axis=(2, 4))
    grad = rng.standard_normal((n, ho, wo, c)).astype(dtype)
    expected = _max_pool_backward_by_loops(x, out, grad, ph, pw)
    expected[:, ho * ph:] = 7.0
    expected[:, :, wo * pw:] = 7.0
    assert np.count_nonzero(tiles == out[:, :, None, :, None, :]) > out.size   # ties are exercised
    for mod in (NP, NB):
        dx = np.full_like(x, 7.0)                                  # every entry of the windows is written
        mod.max_pool_backward(x, out, grad, pool, dx)
        np.testing.assert_array_equal(dx, expected)
    assert not expected[1, :ph, :pw, 2].any()                      # NaN max: no position takes it


def test_fused_softmax_cross_entropy_matches_reference():
    rng = np.random.default_rng(2)
    f = np.float32
    z = (rng.standard_normal((300, 10)) * 5).astype(f)
    labels = rng.integers(0, 10, 300)
    e = np.exp(z.astype(np.float64) - z.max(axis=1, keepdims=True))
    y_pred = (e / e.sum(axis=1, keepdims=True)).astype(f)
    v_ref, g_ref = NP.sparse_softmax_ce(z, labels, y_pred, f(1 / 300))
    v_fused, g_fused = NB.sparse_softmax_ce(z, labels, y_pred, f(1 / 300))
    # exp / log of two libraries: a few float32 ulps apart
    np.testing.assert_allclose(v_fused, v_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(g_fused, g_ref)     # no exp in the gradient: same bits
    with pytest.raises(IndexError, match="label"):
        NB.sparse_softmax_ce(z, np.full(300, 10), y_pred, f(1 / 300))


@pytest.mark.parametrize("d", [1, 3])
def test_fused_sigmoid_cross_entropy_matches_reference(d):
    rng = np.random.default_rng(4)
    f = np.float32
    z = (rng.standard_normal((300, d)) * 5).astype(f)
    y = (rng.random((300, d)) > 0.5).astype(f)
    y_pred = (1 / (1 + np.exp(-z.astype(np.float64)))).astype(f)
    v_ref, g_ref = NP.sigmoid_bce(z, y, y_pred, f(1.0 / d), f(1 / 300))
    v_fused, g_fused = NB.sigmoid_bce(z, y, y_pred, f(1.0 / d), f(1 / 300))
    np.testing.assert_allclose(v_fused, v_ref, rtol=1e-6, atol=1e-6)    # exp / log1p: last bits
    np.testing.assert_array_equal(g_fused, g_ref)


def _train(kernels, seed=3):
    from glassnet import set_random_seed
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential

    config.set_kernels(kernels)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 40)).astype("float32")
    y = (x[:, :5].sum(axis=1) > 0).astype("int64") + (x[:, 5] > 1)
    set_random_seed(seed)
    model = Sequential([Input((40,)), Dense(200, activation="relu"), Dropout(0.3),
                        Dense(200, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    return np.concatenate([w.ravel() for w in model.get_weights()]), history.history["loss"]


def test_training_agrees_on_both_paths():
    """Same seed, 3 epochs with dropout and Adam (parameter count above the parallel switch):
    the two implementations agree to float32 rounding (the only differing bits come from exp in
    the loss, and they stay at that level)."""
    previous = gk.requested()
    try:
        w_ref, loss_ref = _train("numpy")
        w_fused, loss_fused = _train("numba")
    finally:
        config.set_kernels(previous)
    assert w_ref.size > NB.PARALLEL_MIN
    np.testing.assert_allclose(w_fused, w_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_fused, loss_ref, rtol=1e-5)


def test_selector_env_setter_and_errors(monkeypatch):
    previous = gk.requested()
    try:
        monkeypatch.setenv("GLASSNET_KERNELS", "numpy")
        gk.set_kernels("auto")                       # 'auto' from the setter...
        assert gk.active() == "numba"
        config.set_kernels("numpy")
        assert config.get_kernels() == "numpy"
        config.set_kernels("NUMBA")
        assert config.get_kernels() == "numba"
        with pytest.raises(ValueError, match="set_kernels.*'numpy'.*got 'fast'"):
            config.set_kernels("fast")
        with pytest.raises(ValueError, match="set_kernels"):
            config.set_kernels(1)
        config.set_kernel_threads(2)
        assert gk.kernel_threads() == 2 and NB._threads == min(2, numba.config.NUMBA_NUM_THREADS)
        config.set_kernel_threads(None)
        monkeypatch.setenv("GLASSNET_KERNEL_THREADS", "1")
        assert gk.kernel_threads() == 1 and NB._threads == 1
        with pytest.raises(ValueError, match="set_kernel_threads.*got 0"):
            config.set_kernel_threads(0)
        monkeypatch.setenv("GLASSNET_KERNEL_THREADS", "many")
        with pytest.raises(ValueError, match="GLASSNET_KERNEL_THREADS.*'many'"):
            gk.kernel_threads()
    finally:
        config.set_kernels(previous)
        config.set_kernel_threads(None)


def _python(code, **env):
    full = dict(os.environ, PYTHONPATH=str(SRC), **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                          timeout=120)


def test_environment_variable_forces_the_reference_and_bad_values_are_named():
    code = ("import glassnet.optimizers, glassnet.kernels as k; import sys; "
            "print(k.active(), 'numba' in sys.modules)")
    proc = _python(code, GLASSNET_KERNELS="numpy")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["numpy", "False"]          # numba not even imported
    proc = _python(code, GLASSNET_KERNELS="gpu")
    assert proc.returncode != 0
    assert "GLASSNET_KERNELS" in proc.stderr and "'gpu'" in proc.stderr


def test_import_is_fast_and_numba_is_imported_at_first_use():
    code = ("import time, sys; t = time.perf_counter(); import glassnet; "
            "import glassnet.models, glassnet.layers, glassnet.optimizers; "
            "print(time.perf_counter() - t, 'numba' in sys.modules)")
    proc = _python(code, GLASSNET_KERNELS="auto")
    assert proc.returncode == 0, proc.stderr
    seconds, imported = proc.stdout.split()
    assert imported == "False"
    # `import glassnet` alone is ~2 ms; with models/layers/optimizers it is NumPy's import. The
    # bound is loose because the test machine may be busy; numba alone would add ~0.3 s and is
    # caught by the sys.modules check above.
    assert float(seconds) < 2.0
