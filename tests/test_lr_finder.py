"""The learning-rate range test: the ramp, the per-batch losses, the stop, the suggestion, the restore."""
import numpy as np
import pytest

from glassnet import layers, optimizers, utils
from glassnet.callbacks import LearningRateFinder
from glassnet.models import Sequential


def _linear_problem(n=256, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x @ rng.normal(size=(d, 1)) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    return x, y


def _linear_model(d=4):
    model = Sequential([layers.Input((d,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="mse")
    return model


def test_ramp_losses_and_restore():
    utils.set_random_seed(0)
    x, y = _linear_problem()
    model = _linear_model()
    before = model.get_weights()
    finder = LearningRateFinder(min_lr=1e-4, max_lr=1e-1, steps=32, stop_factor=1e9)
    history = model.fit(x, y, epochs=4, batch_size=32, shuffle=False, verbose=0, callbacks=[finder])
    # the exponential ramp, exactly
    expected = 1e-4 * (1e-1 / 1e-4) ** (np.arange(32) / 31)
    np.testing.assert_allclose(finder.learning_rates, expected, rtol=1e-12)
    # the per-batch losses recovered from the running mean average back to each epoch's loss
    # (8 equal batches per epoch; float32 running means: a small tolerance)
    per_epoch = np.asarray(finder.losses).reshape(4, 8).mean(axis=1)
    np.testing.assert_allclose(per_epoch, history.history["loss"], rtol=1e-4)
    # the smoothing is the bias-corrected moving average of those losses
    avg, smooth = 0.0, []
    for i, v in enumerate(finder.losses, 1):
        avg = 0.98 * avg + 0.02 * v
        smooth.append(avg / (1 - 0.98 ** i))
    np.testing.assert_allclose(finder.smoothed_losses, smooth, rtol=1e-12)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_stops_when_the_loss_blows_up_and_suggests_a_rate_below_the_divergence():
    """MSE of a linear layer: the Hessian is 2 X^T X / n (plus the bias); SGD diverges for lr > 2 / lambda_max."""
    utils.set_random_seed(0)
    x, y = _linear_problem(n=512)
    xb = np.hstack([x, np.ones((len(x), 1), np.float32)]).astype(np.float64)
    lam = np.linalg.eigvalsh(2 * xb.T @ xb / len(xb)).max()
    model = _linear_model()
    finder = LearningRateFinder(min_lr=1e-4, max_lr=100.0, steps=160)
    model.fit(x, y, epochs=10, batch_size=32, verbose=0, callbacks=[finder])
    assert len(finder.losses) < 160                               # stopped once the loss exploded
    assert max(finder.learning_rates) > 2 / lam                   # ... past the divergence threshold
    assert 1e-3 / lam < finder.suggestion < 2 / lam
    assert finder.min_loss_lr / 10 < 2 / lam                      # the other rule (the EMA lags the minimum)


def test_whole_fit_by_default_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    utils.set_random_seed(0)
    x, y = _linear_problem()
    model = _linear_model()
    finder = LearningRateFinder(min_lr=1e-5, max_lr=1e-2)
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[finder])
    assert len(finder.losses) == 12 and finder.learning_rates[-1] == pytest.approx(1e-2)
    fig = finder.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 5000
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("kwargs,match", [({"min_lr": 0}, "min_lr"), ({"min_lr": 1, "max_lr": 0.5}, "max_lr"),
                                          ({"steps": 1}, "steps"), ({"smoothing": 1.0}, "smoothing"),
                                          ({"stop_factor": float("inf")}, "stop_factor")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LearningRateFinder(**kwargs)
