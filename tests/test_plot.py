"""Plots render headlessly to valid, non-blank PNG files."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from glassnet import plot
from glassnet.layers import Dense, Input
from glassnet.models import Sequential
from glassnet.perceptron import Perceptron, logic_gate

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
    # not blank: more than one colour in the picture
    assert np.unique(img.reshape(-1, img.shape[2]), axis=0).shape[0] > 5


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)
    m = Sequential([Input((2,)), Dense(6, activation="tanh"), Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    m.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    return m, x, y


def test_history(model, tmp_path):
    m, _, _ = model
    fig = plot.history(m.history, path=tmp_path / "h.png")
    assert len(fig.axes) == 2            # loss and accuracy
    assert_png(tmp_path / "h.png")
    with pytest.raises(ValueError, match="no auc in the history"):
        plot.history(m.history, metrics=["auc"])


def test_confusion_matrix(tmp_path):
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 2]
    np.testing.assert_array_equal(plot.confusion_counts(y_true, y_pred), [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    plot.confusion_matrix(y_true, y_pred, path=tmp_path / "c.png")
    assert_png(tmp_path / "c.png")


def test_decision_boundary_model_and_perceptron(model, tmp_path):
    m, x, y = model
    plot.decision_boundary(m, x, y, resolution=50, path=tmp_path / "d.png")
    assert_png(tmp_path / "d.png")
    X, t = logic_gate("and")
    plot.decision_boundary(Perceptron().fit(X, t), X.astype(np.float32), t, resolution=40, path=tmp_path / "p.png")
    assert_png(tmp_path / "p.png")
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plot.decision_boundary(m, np.zeros((3, 3)))


def test_network_and_weights(model, tmp_path):
    m, _, _ = model
    plot.network(m, path=tmp_path / "n.png")
    assert_png(tmp_path / "n.png")
    fig = plot.weights(m, path=tmp_path / "w.png")
    assert_png(tmp_path / "w.png")
    assert sum(1 for ax in fig.axes if ax.get_title()) == 4    # 2 kernels + 2 biases


def test_classification_report_agrees_with_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    from glassnet import evaluation

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, 300))
    assert evaluation.classification_report(y_true, y_pred) == metrics.classification_report(y_true, y_pred)
    np.testing.assert_array_equal(evaluation.confusion_matrix(y_true, y_pred),
                                  metrics.confusion_matrix(y_true, y_pred))
    t, p = rng.normal(size=50), rng.normal(size=50)
    assert evaluation.explained_variance_score(t, p) == pytest.approx(metrics.explained_variance_score(t, p))
    assert evaluation.mean_absolute_error(t, p) == pytest.approx(metrics.mean_absolute_error(t, p))
    assert evaluation.r2_score(t, p) == pytest.approx(metrics.r2_score(t, p))
