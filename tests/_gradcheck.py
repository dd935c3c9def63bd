"""Central-difference gradient checks for glassnet.autodiff (shared by test_autodiff / test_ops)."""
import numpy as np

from glassnet import autodiff


def numeric_grads(fn, arrays, weights, h=1e-6):
    """d/d(array) of sum(fn(*arrays) * weights) by central differences, in float64."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + h
            fp = np.sum(np.asarray(fn(*arrays), dtype=np.float64) * weights)
            a[idx] = orig - h
            fm = np.sum(np.asarray(fn(*arrays), dtype=np.float64) * weights)
            a[idx] = orig
            g[idx] = (fp - fm) / (2 * h)
        grads.append(g)
    return grads


def rel_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_gradients(fn, *arrays, tol=1e-6, seed=0):
    """Compare the tape's VJP with central differences for a random output weighting.

    Returns the tape's gradients.  ``fn`` is applied to plain arrays for the numeric gradient
    (the ops must work without a tape) and to watched Tensors for the recorded one.
    """
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    value = np.asarray(fn(*arrays))
    weights = np.random.default_rng(seed).normal(size=value.shape)
    out, grads = autodiff.value_and_grad(fn, *arrays, output_gradient=weights)
    np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-12)
    expected = numeric_grads(fn, arrays, weights)
    for k, (g, e) in enumerate(zip(grads, expected)):
        assert g.shape == arrays[k].shape and g.dtype == np.float64
        err = rel_error(g, e)
        assert err < tol, f"input {k}: relative error {err:.2e}\n tape {g}\n numeric {e}"
    return grads
