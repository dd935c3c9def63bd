"""The training loop's fast fused path gives the general path's numbers."""
import numpy as np
import pytest

from glassnet import losses

# every test here runs on both kernel implementations (conftest.py's `kernels` fixture)
pytestmark = pytest.mark.usefixtures("kernels")


@pytest.mark.parametrize("name, make_y", [
    ("binary_crossentropy", lambda rng, n, d: (rng.random((n, d)) > 0.5).astype(np.float32)),
    ("categorical_crossentropy", lambda rng, n, d: np.eye(d, dtype=np.float32)[rng.integers(0, d, n)]),
    ("sparse_categorical_crossentropy", lambda rng, n, d: rng.integers(0, d, n)),
])
def test_fast_fused_equals_general(name, make_y):
    rng = np.random.default_rng(3)
    n, d = 37, (1 if name == "binary_crossentropy" else 5)
    loss = losses.resolve(name)
    z = rng.normal(scale=4, size=(n, d)).astype(np.float32)
    y = make_y(rng, n, d)
    if name == "binary_crossentropy":
        p = (1 / (1 + np.exp(-z))).astype(np.float32)
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    fast = loss._fast_fused(y, z, p)
    assert fast is not None
    # the general path: same call with an all-ones sample weight (which bypasses the fast path)
    general = loss.fused_value_and_gradient(y, z, p, np.ones(n, np.float32))
    assert fast[0] == pytest.approx(general[0], rel=1e-6)
    np.testing.assert_allclose(fast[1], general[1], rtol=1e-5, atol=1e-8)
    assert fast[1].dtype == np.float32
