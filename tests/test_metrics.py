"""Tests for glassnet.metrics.

Values come from hand-worked examples, independent computations (sorting-based
ROC AUC, scikit-learn's precision/recall/F-scores), properties (streaming ==
one batch, counts add up, reset), and Keras 3 golden numbers recorded by
tests/reference/make_metrics_golden.py in tests/reference/keras_metrics.json.
"""
from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import pytest

import glassnet.metrics as M
from glassnet import config

GOLDEN = json.loads((pathlib.Path(__file__).parent / "reference" / "keras_metrics.json").read_text())
F32 = np.float32


def _losses_available():
    try:
        import glassnet.losses  # noqa: F401
    except ImportError:
        return False
    return True


def _arr(x):
    return None if x is None else np.asarray(x, dtype=F32)


def _build(case):
    cls = getattr(M, case["class_name"])
    return cls(name=case["config"]["name"], **case["args"])


def _feed(metric, batches):
    for b in batches:
        if isinstance(metric, (M.Sum,)) or type(metric) is M.Mean:
            metric.update_state(_arr(b["y_true"]), _arr(b["sample_weight"]))
        else:
            metric.update_state(_arr(b["y_true"]), _arr(b["y_pred"]), _arr(b["sample_weight"]))
    return metric


# ============================================================ Keras golden numbers
@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["id"] for c in GOLDEN["cases"]])
def test_matches_keras_golden(case):
    if case["needs_losses"] and not _losses_available():
        pytest.skip("glassnet.losses not available yet")
    metric = _feed(_build(case), case["batches"])
    got = metric.result()
    expected = case["result"]
    if isinstance(expected, list):
        assert isinstance(got, np.ndarray) and got.dtype == F32
        np.testing.assert_allclose(got, np.asarray(expected), rtol=2e-6, atol=1e-6)
    else:
        assert isinstance(got, float)
        assert got == pytest.approx(expected, rel=2e-6, abs=1e-6)
    cfg = metric.get_config()
    if case["class_name"] == "CosineSimilarity":
        # Keras forgets `axis` in this config; glassnet keeps it.
        assert cfg.pop("axis") == case["args"].get("axis", -1)
    assert cfg == case["config"]


@pytest.mark.parametrize("spec", GOLDEN["functions"], ids=[f"{f['fn']}_{i}" for i, f in enumerate(GOLDEN["functions"])])
def test_functions_match_keras_per_sample(spec):
    out = getattr(M, spec["fn"])(_arr(spec["y_true"]), _arr(spec["y_pred"]), **spec["kwargs"])
    assert list(out.shape) == spec["shape"]
    assert out.dtype == F32
    np.testing.assert_array_equal(out, np.asarray(spec["output"], dtype=F32))


_RESOLVE = [r for r in GOLDEN["resolve"] if "error" not in r]


_RESOLVE_IDS = [f"{r['identifier']}-{r['y_true_shape']}-{r['y_pred_shape']}" for r in _RESOLVE]


@pytest.mark.parametrize("r", _RESOLVE, ids=_RESOLVE_IDS)
def test_resolve_matches_keras_compile(r):
    m = M.resolve(r["identifier"], None, tuple(r["y_true_shape"]), tuple(r["y_pred_shape"]))
    assert type(m).__name__ == r["class_name"]
    assert m.name == r["name"]


def test_resolve_identifiers_keras_rejects():
    rejected = {r["identifier"] for r in GOLDEN["resolve"] if r.get("error")}
    assert rejected == {"crossentropy", "ce", "rmse", "logcosh"}
    for ident in ("rmse", "logcosh"):
        with pytest.raises(ValueError, match=ident):
            M.resolve(ident, None, (8,), (8, 1))
    # glassnet extension: the loss rule for 'crossentropy'/'ce'
    assert type(M.resolve("crossentropy", None, (8,), (8, 1))).__name__ == "BinaryCrossentropy"
    assert type(M.resolve("ce", None, (8,), (8, 3))).__name__ == "SparseCategoricalCrossentropy"
    m = M.resolve("CE", None, (8, 3), (8, 3))
    assert type(m).__name__ == "CategoricalCrossentropy" and m.name == "CE"


def test_history_names_from_keras_fits():
    """The names resolve() gives are the History keys Keras 3 showed for 1-epoch fits."""
    for fit in GOLDEN["history"]:
        y_shape = tuple(fit["y_shape"])
        out_units = 3 if "categorical" in fit["loss"] else 1
        y_pred_shape = (y_shape[0], out_units)
        if fit["metrics"] == "AUC()":
            M._reset_name_uids()
            metrics = [M.resolve(M.AUC(), None, y_shape, y_pred_shape)]
        else:
            metrics = [M.resolve(i, None, y_shape, y_pred_shape) for i in fit["metrics"]]
        names = [m.name for m in metrics]
        if len(set(names)) == len(names):  # duplicates are renamed by the model ('mse_1')
            expected = sorted(["loss"] + names + ["val_loss"] + [f"val_{n}" for n in names])
            assert expected == fit["keys"]


# ============================================================ Mean / Sum
def test_mean_and_sum_hand_values():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    s = M.Sum()
    s.update_state([1, 3, 5, 7])
    assert s.result() == 16.0
    s.reset_state()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert s.result() == 4.0


def test_mean_two_dim_values_are_averaged_per_sample_then_weighted():
    values = np.array([[1.0, 3.0], [2.0, 6.0], [0.0, 10.0]], dtype=F32)  # row means 2, 4, 5
    m = M.Mean()
    m.update_state(values, sample_weight=[1.0, 2.0, 1.0])
    assert m.result() == pytest.approx((2 + 8 + 5) / 4)
    assert m.count == 4.0
    m.update_state(values)  # unweighted: 3 more samples with total 11
    assert m.result() == pytest.approx((15 + 11) / 7)
    s = M.Sum()
    s.update_state(values, sample_weight=[1.0, 2.0, 1.0])  # row sums 4, 8, 10
    assert s.result() == pytest.approx(4 + 16 + 10)


def test_mean_scalar_weight_counts_once():
    # Keras reduces the batch to its mean when the weight is a scalar: one sample of weight w.
    m = M.Mean()
    m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=2.0)
    m.update_state([10.0])
    assert m.result() == pytest.approx((2 * 4 + 10) / 3)


def test_mean_empty_result_is_zero_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert M.Mean().result() == 0.0
        assert M.Precision().result() == 0.0
        assert M.Recall().result() == 0.0
        assert M.AUC().result() == 0.0
        assert M.AUC(curve="PR").result() == 0.0


# ============================================================ accuracy family
def test_binary_accuracy_aligns_labels_and_column_predictions():
    y_true = np.array([1, 0, 1, 0])
    y_pred = np.array([[0.9], [0.2], [0.3], [0.6]], dtype=F32)
    out = M.binary_accuracy(y_true, y_pred)
    assert out.shape == (4, 1) and out.dtype == F32
    np.testing.assert_array_equal(out[:, 0], [1, 1, 0, 0])
    m = M.BinaryAccuracy()
    m.update_state(y_true, y_pred, sample_weight=[1, 0, 0, 1])
    assert m.result() == 0.5
    m = M.BinaryAccuracy(threshold=0.25)
    m.update_state(y_true, y_pred)
    assert m.result() == 0.75  # predicted 1, 0, 1, 1: only the last is wrong
    # strictly greater: a prediction equal to the threshold is class 0
    assert M.binary_accuracy([0.0], [0.5])[0] == 1.0


def test_categorical_and_sparse_accuracy_hand_values():
    y_pred = np.array([[0.1, 0.6, 0.3], [0.5, 0.5, 0.0], [0.2, 0.2, 0.6]], dtype=F32)
    onehot = np.array([[0, 1, 0], [0, 1, 0], [1, 0, 0]], dtype=F32)
    labels = np.array([1, 1, 0])
    # row 2 is a tie: argmax takes the first class (0), so it misses class 1
    np.testing.assert_array_equal(M.categorical_accuracy(onehot, y_pred), [1, 0, 0])
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(labels, y_pred), [1, 0, 0])
    out = M.sparse_categorical_accuracy(labels[:, None], y_pred)
    assert out.shape == (3,)
    m = M.SparseCategoricalAccuracy()
    m.update_state(labels[:, None], y_pred, sample_weight=[0.7, 0.3, 1.0])
    assert m.result() == pytest.approx(0.7 / 2.0)
    c = M.CategoricalAccuracy()
    c.update_state(onehot, y_pred)
    assert c.result() == pytest.approx(1 / 3)


def test_top_k_ties_count_inside():
    y_pred = np.array([[0.4, 0.4, 0.2, 0.0], [0.1, 0.2, 0.3, 0.4], [0.5, np.nan, 0.1, 0.1]], dtype=F32)
    labels = np.array([1, 1, 0])
    # row 0: class 1 is tied for first -> in top 1; row 1: class 1 is 3rd; row 2: NaN row -> miss
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, y_pred, k=1), [1, 0, 0])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(labels, y_pred, k=3), [1, 1, 0])
    onehot = np.eye(4, dtype=F32)[labels]
    np.testing.assert_array_equal(M.top_k_categorical_accuracy(onehot, y_pred, k=3), [1, 1, 0])
    # out-of-range label never matches
    assert M.sparse_top_k_categorical_accuracy([7], [[0.1, 0.2]], k=2)[0] == 0.0
    ids = np.array([[3, 1, 0], [2, 0, 1]], dtype=F32)
    np.testing.assert_array_equal(
        M.sparse_top_k_categorical_accuracy([1, 1], ids, k=2, from_sorted_ids=True), [1, 0])
    m = M.SparseTopKCategoricalAccuracy(k=2)
    m.update_state(labels, y_pred, sample_weight=[1.0, 3.0, 1.0])
    assert m.result() == pytest.approx(1 / 5)


def test_rmse_is_root_of_weighted_mean_square():
    y_true = np.array([1.0, 2.0, 3.0, 4.0], dtype=F32)
    y_pred = np.array([[1.5], [2.0], [1.0], [5.0]], dtype=F32)  # squared errors .25 0 4 1
    m = M.RootMeanSquaredError()
    m.update_state(y_true, y_pred, sample_weight=[2, 1, 0, 1])
    assert m.result() == pytest.approx(np.sqrt((0.5 + 0 + 0 + 1) / 4), rel=1e-6)
    m.update_state(y_true[:1], y_pred[:1])
    assert m.result() == pytest.approx(np.sqrt((1.5 + 0.25) / 5), rel=1e-6)


def test_cosine_similarity_hand_values():
    out = M.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
    np.testing.assert_allclose(out, [0.0, 1.0, 0.0], atol=1e-6)
    m = M.CosineSimilarity(axis=1)
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    assert m.result() == pytest.approx(0.5, abs=1e-6)


# ============================================================ confusion-matrix family
def _counts_by_hand(y, p, w, t):
    pos = p > t
    return (np.sum(w * (y == 1) * pos), np.sum(w * (y == 0) * pos),
            np.sum(w * (y == 0) * ~pos), np.sum(w * (y == 1) * ~pos))


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.7, 0.2, 0.5], [0.0, 0.5, 1.0], [0.0, 0.25, 0.5, 0.75, 1.0]])
def test_confusion_counts_match_direct_comparison(thresholds):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40).astype(F32)
    p = rng.random(40).astype(F32)
    p[:6] = [0.0, 1.0, 0.5, 0.25, 0.75, 0.3]  # on the thresholds: p > t is False there
    w = rng.uniform(0, 2, 40).astype(F32)
    metrics = [M.TruePositives(thresholds), M.FalsePositives(thresholds), M.TrueNegatives(thresholds),
               M.FalseNegatives(thresholds)]
    for m in metrics:
        m.update_state(y, p[:, None], sample_weight=w)
    ts = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    got = np.array([np.atleast_1d(m.result()) for m in metrics])  # (4, T)
    for j, t in enumerate(ts):
        expected = _counts_by_hand(y.astype(np.float64), p, w.astype(np.float64), F32(t))
        np.testing.assert_allclose(got[:, j], expected, rtol=1e-5)
        assert got[:, j].sum() == pytest.approx(w.sum(dtype=np.float64), rel=1e-5)


def test_precision_recall_against_sklearn():
    from sklearn.metrics import precision_score, recall_score

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 60)
    p = rng.random(60).astype(F32)
    w = rng.uniform(0, 3, 60)
    for t in (0.2, 0.5, 0.8):
        pr, rc = M.Precision(thresholds=t), M.Recall(thresholds=t)
        for s in (slice(0, 25), slice(25, 60)):
            pr.update_state(y[s], p[s], sample_weight=w[s])
            rc.update_state(y[s], p[s], sample_weight=w[s])
        pred = (p > F32(t)).astype(int)
        assert pr.result() == pytest.approx(precision_score(y, pred, sample_weight=w), rel=1e-5)
        assert rc.result() == pytest.approx(recall_score(y, pred, sample_weight=w), rel=1e-5)
    multi = M.Precision(thresholds=[0.2, 0.5, 0.8])
    multi.update_state(y, p)
    assert multi.result().shape == (3,)
    assert multi.result()[1] == pytest.approx(precision_score(y, (p > 0.5).astype(int)), rel=1e-6)


def test_precision_recall_top_k_and_class_id_hand_values():
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 0]], dtype=F32)
    p = np.array([[0.1, 0.9, 0.8, 0.2], [0.3, 0.2, 0.2, 0.1]], dtype=F32)
    # top 2 per row: row 0 -> classes 1, 2; row 1 -> class 0, then class 1 (tie with 2, lower index)
    pr = M.Precision(top_k=2)
    pr.update_state(y, p)
    assert pr.result() == pytest.approx(2 / 4)  # hits: (0,2), (1,0)
    rc = M.Recall(top_k=2)
    rc.update_state(y, p)
    assert rc.result() == pytest.approx(2 / 3)
    pc = M.Precision(class_id=2)
    pc.update_state(y, p)  # class 2 scores .8 (label 1), .2 (label 0): one positive prediction, right
    assert pc.result() == 1.0
    rc3 = M.Recall(class_id=3)
    rc3.update_state(y, p)  # class 3 has one positive label, score .2 < .5
    assert rc3.result() == 0.0
    pk = M.Precision(top_k=1, class_id=1)
    pk.update_state(y, p)  # class 1 is top-1 in row 0 (label 0) only
    assert pk.result() == 0.0


# ============================================================ AUC
def _exact_roc_auc(y, p, w=None):
    """Trapezoid ROC AUC from sorting (Mann-Whitney, ties count 1/2)."""
    y = np.asarray(y, bool)
    w = np.ones(len(p)) if w is None else np.asarray(w, np.float64)
    order = np.argsort(-np.asarray(p, np.float64), kind="stable")
    p_s, y_s, w_s = np.asarray(p, np.float64)[order], y[order], w[order]
    tps = np.cumsum(w_s * y_s)
    fps = np.cumsum(w_s * ~y_s)
    last = np.r_[np.diff(p_s) != 0, True]  # ends of tied groups
    tpr = np.r_[0.0, tps[last] / tps[-1]]
    fpr = np.r_[0.0, fps[last] / fps[-1]]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def _bucket_tie_bound(y, p, w, num_thresholds=200):
    """Largest change merging scores into Keras's buckets can make: half of each
    (positive, negative) pair's weight that shares a bucket."""
    y = np.asarray(y, bool)
    b = np.ceil(np.asarray(p, np.float64) * (num_thresholds - 1)).astype(int)
    pos = np.bincount(b, weights=w * y, minlength=num_thresholds)
    neg = np.bincount(b, weights=w * ~y, minlength=num_thresholds)
    return 0.5 * float(np.sum(pos * neg)) / (np.sum(w * y) * np.sum(w * ~y))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_auc_roc_close_to_exact_trapezoid(seed, weighted):
    rng = np.random.default_rng(seed)
    n = 3000
    y = rng.integers(0, 2, n)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).astype(F32)
    w = rng.uniform(0.1, 2.0, n) if weighted else np.ones(n)
    assert len(np.unique(p[(p > 0) & (p < 1)])) > 0.9 * np.count_nonzero((p > 0) & (p < 1))
    m = M.AUC()
    for s in np.array_split(np.arange(n), 4):
        m.update_state(y[s], p[s][:, None], sample_weight=w[s] if weighted else None)
    exact = _exact_roc_auc(y, p, w)
    bound = _bucket_tie_bound(y, p, w)
    assert 0.6 < exact < 0.95
    assert abs(m.result() - exact) <= bound + 1e-5
    assert bound < 0.01
    # with finer buckets the bound shrinks and we follow it
    fine = M.AUC(num_thresholds=2001)
    fine.update_state(y, p, sample_weight=w if weighted else None)
    assert abs(fine.result() - exact) <= _bucket_tie_bound(y, p, w, 2001) + 1e-5


def test_auc_on_bucket_grid_equals_exact():
    # scores already on the grid i/(T-1): discretisation loses nothing.  T - 1 = 8 keeps
    # p * (T - 1) exact in float32 (with T = 11, float32(0.3) * 10 rounds above 3 and Keras's
    # bucket formula moves that score into the next bucket).
    T = 9
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 200)
    # 0 is left out: no threshold lies between 0 and 1/(T-1) (p > t is strict), so Keras merges them
    p = (rng.integers(1, T, 200) / (T - 1)).astype(F32)
    m = M.AUC(num_thresholds=T)
    m.update_state(y, p)
    assert m.result() == pytest.approx(_exact_roc_auc(y, p), abs=1e-6)


def test_auc_perfect_and_reversed_rankings():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], dtype=F32)
    for curve in ("ROC", "PR"):
        good, bad = M.AUC(curve=curve), M.AUC(curve=curve)
        good.update_state(y, p)
        bad.update_state(y, 1 - p)
        assert good.result() == pytest.approx(1.0, abs=1e-6)
        assert bad.result() < 0.6
    r = M.AUC()
    r.update_state(y, 1 - p)
    assert r.result() == pytest.approx(0.0, abs=1e-6)


def test_auc_keras_docstring_example():
    # Keras's documented example: thresholds [-eps, 0.5, 1 + eps] give AUC 0.75
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)


def test_auc_thresholds_layout():
    m = M.AUC(num_thresholds=5)
    eps = config.epsilon()
    assert m.thresholds == [-eps, 0.25, 0.5, 0.75, 1 + eps]
    c = M.AUC(thresholds=[0.8, 0.1])
    assert c.thresholds == [-eps, 0.1, 0.8, 1 + eps]
    assert c.num_thresholds == 4
    assert c.get_config()["thresholds"] == [0.1, 0.8]


def test_auc_multi_label_is_mean_of_per_label_aucs():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, (300, 3))
    p = rng.random((300, 3)).astype(F32)
    multi = M.AUC(multi_label=True)
    multi.update_state(y, p)
    singles = []
    for j in range(3):
        s = M.AUC()
        s.update_state(y[:, j], p[:, j])
        singles.append(s.result())
    assert multi.result() == pytest.approx(np.mean(singles), rel=1e-6)
    lw = [1.0, 0.0, 3.0]
    weighted = M.AUC(multi_label=True, label_weights=lw)
    weighted.update_state(y, p)
    assert weighted.result() == pytest.approx(np.dot(singles, lw) / 4.0, rel=1e-6)


# ============================================================ F-scores
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f1_against_sklearn(average):
    from sklearn.metrics import f1_score, fbeta_score

    rng = np.random.default_rng(9)
    y = rng.integers(0, 2, (50, 4)).astype(F32)
    p = rng.random((50, 4)).astype(F32)
    w = rng.uniform(0.2, 2.0, 50)
    m = M.F1Score(average=average, threshold=0.5)
    fb = M.FBetaScore(average=average, beta=2.0, threshold=0.5)
    for s in (slice(0, 20), slice(20, 50)):
        m.update_state(y[s], p[s], sample_weight=w[s])
        fb.update_state(y[s], p[s], sample_weight=w[s])
    pred = (p > 0.5).astype(int)
    expected = f1_score(y.astype(int), pred, average=average, sample_weight=w)
    expected_b = fbeta_score(y.astype(int), pred, beta=2.0, average=average, sample_weight=w)
    np.testing.assert_allclose(m.result(), expected, rtol=2e-5)
    np.testing.assert_allclose(fb.result(), expected_b, rtol=2e-5)
    if average is None:
        assert isinstance(m.result(), np.ndarray) and m.result().shape == (4,) and m.result().dtype == F32
    else:
        assert isinstance(m.result(), float)


def test_f1_keras_docstring_example_argmax_threshold():
    m = M.F1Score(threshold=0.5)
    m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], F32),
                   np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], F32))
    np.testing.assert_allclose(m.result(), [0.5, 0.8, 2 / 3], rtol=1e-5)
    a = M.F1Score()  # threshold None: row maxima are the predictions, all-zero rows predict nothing
    a.update_state(np.array([[0, 1], [1, 0], [1, 0]], F32), np.array([[0.3, 0.7], [0.5, 0.5], [0.0, 0.0]], F32))
    # class 0: TP 1 (row 1), FP 0, FN 1 -> F1 2/3; class 1: TP 1, FP 1 (row 1 tie), FN 0 -> 2/3
    np.testing.assert_allclose(a.result(), [2 / 3, 2 / 3], rtol=1e-5)


# ============================================================ streaming, reset, dtypes
def _stream_cases():
    rng = np.random.default_rng(21)
    n = 30
    yb = rng.integers(0, 2, n).astype(F32)
    pb = rng.random((n, 1)).astype(F32)
    ys = rng.integers(0, 4, n).astype(F32)
    pc = rng.random((n, 4)).astype(F32)
    yc = np.eye(4, dtype=F32)[ys.astype(int)]
    ym = rng.integers(0, 2, (n, 4)).astype(F32)
    yr = rng.normal(size=n).astype(F32)
    pr = rng.normal(size=(n, 1)).astype(F32)
    return [
        (lambda: M.BinaryAccuracy(), yb, pb),
        (lambda: M.Accuracy(), ys, rng.integers(0, 4, n).astype(F32)),
        (lambda: M.CategoricalAccuracy(), yc, pc),
        (lambda: M.SparseCategoricalAccuracy(), ys, pc),
        (lambda: M.TopKCategoricalAccuracy(k=2), yc, pc),
        (lambda: M.SparseTopKCategoricalAccuracy(k=2), ys[:, None], pc),
        (lambda: M.RootMeanSquaredError(), yr, pr),
        (lambda: M.CosineSimilarity(), yc, pc),
        (lambda: M.Precision(thresholds=[0.2, 0.6]), yb, pb),
        (lambda: M.Recall(top_k=2), ym, pc),
        (lambda: M.TruePositives(thresholds=[0.0, 0.5, 1.0]), yb, pb),
        (lambda: M.AUC(), yb, pb),
        (lambda: M.AUC(curve="PR"), yb, pb),
        (lambda: M.AUC(multi_label=True), ym, pc),
        (lambda: M.F1Score(average="macro"), yc, pc),
        (lambda: M.FBetaScore(beta=0.5, threshold=0.3), ym, pc),
    ]


@pytest.mark.parametrize("weighted", [False, True])
def test_streaming_equals_one_batch_and_reset(weighted):
    rng = np.random.default_rng(22)
    for make, y, p in _stream_cases():
        w = rng.uniform(0, 2, len(y)).astype(F32) if weighted else None
        whole, parts = make(), make()
        whole.update_state(y, p, sample_weight=w)
        for s in (slice(0, 7), slice(7, 8), slice(8, 30)):
            parts.update_state(y[s], p[s], sample_weight=None if w is None else w[s])
        np.testing.assert_allclose(parts.result(), whole.result(), rtol=1e-5, atol=1e-6,
                                   err_msg=type(whole).__name__)
        # reset: the old batches are forgotten
        parts.reset_state()
        assert all(not np.any(v) for v in parts.variables)
        fresh = make()
        parts.update_state(y[:10], p[:10])
        fresh.update_state(y[:10], p[:10])
        np.testing.assert_allclose(parts.result(), fresh.result(), rtol=1e-6, atol=1e-7)


def test_float32_state_and_results_and_float64_option():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 20).astype(F32)
    p = rng.random(20).astype(F32)
    for m in (M.Mean(), M.AUC(), M.Precision(thresholds=[0.1, 0.9]), M.BinaryAccuracy()):
        if isinstance(m, M.Mean) and not isinstance(m, M.MeanMetricWrapper):
            m.update_state(p)
        else:
            m.update_state(y, p)
        assert all(v.dtype == F32 for v in m.variables)
        assert m.dtype == "float32"
    assert M.Precision(thresholds=[0.1, 0.9]).result().dtype == F32
    m64 = M.Mean(dtype="float64")
    m64.update_state(np.array([0.1, 0.2], dtype=np.float64))
    assert m64.total.dtype == np.float64
    assert m64.result() == pytest.approx(0.15, abs=1e-15)
    with config.floatx_scope("float64"):
        assert M.AUC().true_positives.dtype == np.float64


def test_call_updates_and_returns_result():
    m = M.Mean()
    assert m([1.0, 3.0]) == 2.0
    assert m([5.0]) == 3.0


def test_inputs_as_lists_ints_and_pandas():
    pd = pytest.importorskip("pandas")
    m = M.SparseCategoricalAccuracy()
    m.update_state(pd.Series([0, 1]), pd.DataFrame([[0.9, 0.1], [0.8, 0.2]]))
    assert m.result() == 0.5
    b = M.BinaryAccuracy()
    b.update_state([[1], [0]], [[1], [0]])
    assert b.result() == 1.0


# ============================================================ names, get, config
def test_auto_names_are_unique_like_keras():
    M._reset_name_uids()
    assert [M.AUC().name, M.AUC().name, M.AUC(name="roc").name, M.AUC().name] == ["auc", "auc_1", "roc", "auc_2"]
    assert M.TruePositives().name == "true_positives"
    assert M.F1Score().name == "f1_score" and M.FBetaScore().name == "fbeta_score"
    assert M.MeanMetricWrapper(M.accuracy).name == "mean_metric_wrapper"
    assert M.MeanSquaredError().name == "mean_squared_error"
    assert M.LogCoshError().name == "logcosh"
    assert repr(M.Mean()) == "<Mean name=mean>"


@pytest.mark.parametrize("ident,cls,name", [
    ("accuracy", "Accuracy", "accuracy"), ("acc", "Accuracy", "accuracy"),
    ("binary_accuracy", "BinaryAccuracy", "binary_accuracy"), ("BinaryAccuracy", "BinaryAccuracy", "binary_accuracy"),
    ("mse", "MeanSquaredError", "mean_squared_error"), ("MSE", "MeanSquaredError", "mean_squared_error"),
    ("mae", "MeanAbsoluteError", "mean_absolute_error"), ("mape", "MeanAbsolutePercentageError", None),
    ("msle", "MeanSquaredLogarithmicError", None), ("auc", "AUC", None), ("AUC", "AUC", None),
    ("precision", "Precision", None), ("recall", "Recall", None), ("f1_score", "F1Score", "f1_score"),
    ("f_beta_score", "FBetaScore", "fbeta_score"), ("root_mean_squared_error", "RootMeanSquaredError", None),
    ("top_k_categorical_accuracy", "TopKCategoricalAccuracy", None), ("kl_divergence", "KLDivergence", None),
    ("bce", "BinaryCrossentropy", "binary_crossentropy"), ("log_cosh_error", "LogCoshError", "logcosh"),
])
def test_get_strings(ident, cls, name):
    m = M.get(ident)
    assert type(m).__name__ == cls
    if name:
        assert m.name == name


def test_get_other_identifiers_and_errors():
    assert M.get(None) is None
    inst = M.AUC()
    assert M.get(inst) is inst
    assert M.get(M.accuracy) is M.accuracy
    assert isinstance(M.get(M.Recall), M.Recall)
    d = M.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}})
    assert isinstance(d, M.BinaryAccuracy) and d.threshold == 0.3
    with pytest.raises(ValueError, match="unknown metric 'acuracy'.*accuracy"):
        M.get("acuracy")
    with pytest.raises(ValueError, match="could not interpret metric identifier 5"):
        M.get(5)


def test_resolve_wraps_functions_and_keeps_instance_names():
    m = M.resolve(M.sparse_categorical_accuracy, None, (4,), (4, 3))
    assert isinstance(m, M.MeanMetricWrapper) and m.name == "sparse_categorical_accuracy"
    m.update_state([0, 2], [[0.9, 0.1, 0.0], [0.9, 0.1, 0.0]])
    assert m.result() == 0.5
    auc = M.AUC(name="my_auc")
    assert M.resolve(auc, None, (4,), (4, 1)) is auc and auc.name == "my_auc"
    assert M.resolve(M.AUC, None, (4,), (4, 1)).name.startswith("auc")
    with pytest.raises(ValueError, match="y_true_shape"):
        M.resolve("accuracy", None, None, (4, 1))
    with pytest.raises(ValueError, match="identifier"):
        M.resolve(None, None, (4,), (4, 1))


_ALL_CLASSES = [
    (M.Mean, {}), (M.Sum, {}), (M.Accuracy, {}), (M.BinaryAccuracy, {"threshold": 0.3}),
    (M.CategoricalAccuracy, {}), (M.SparseCategoricalAccuracy, {}), (M.TopKCategoricalAccuracy, {"k": 3}),
    (M.SparseTopKCategoricalAccuracy, {"k": 2, "from_sorted_ids": True}), (M.MeanSquaredError, {}),
    (M.MeanAbsoluteError, {}), (M.MeanAbsolutePercentageError, {}), (M.MeanSquaredLogarithmicError, {}),
    (M.RootMeanSquaredError, {}), (M.CosineSimilarity, {"axis": 0}), (M.LogCoshError, {}),
    (M.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}),
    (M.CategoricalCrossentropy, {"label_smoothing": 0.2, "axis": 1}),
    (M.SparseCategoricalCrossentropy, {"ignore_class": 0}), (M.KLDivergence, {}), (M.Poisson, {}),
    (M.Hinge, {}), (M.SquaredHinge, {}), (M.CategoricalHinge, {}), (M.TruePositives, {"thresholds": [0.2, 0.4]}),
    (M.FalsePositives, {}), (M.TrueNegatives, {"thresholds": 0.7}), (M.FalseNegatives, {}),
    (M.Precision, {"thresholds": [0.1, 0.5], "class_id": 1}), (M.Recall, {"top_k": 3}),
    (M.AUC, {"num_thresholds": 50, "curve": "PR", "summation_method": "minoring", "multi_label": True,
             "num_labels": 3, "label_weights": [1.0, 2.0, 3.0], "from_logits": True}),
    (M.AUC, {"thresholds": [0.3, 0.6]}), (M.F1Score, {"average": "weighted", "threshold": 0.4}),
    (M.FBetaScore, {"average": "micro", "beta": 2.0}),
]


@pytest.mark.parametrize("cls,kwargs", _ALL_CLASSES, ids=[f"{c.__name__}{i}" for i, (c, _) in enumerate(_ALL_CLASSES)])
def test_config_round_trip(cls, kwargs):
    m = cls(name="custom", **kwargs)
    cfg = m.get_config()
    assert cfg["name"] == "custom" and cfg["dtype"] == "float32"
    for k, v in kwargs.items():
        assert cfg[k] == v
    json.dumps(cfg)
    again = cls.from_config(cfg)
    assert type(again) is cls and again.get_config() == cfg
    ser = M.serialize(m)
    assert ser["module"] == "keras.metrics" and ser["class_name"] == cls.__name__
    assert ser["registered_name"] is None
    back = M.deserialize(json.loads(json.dumps(ser)))
    assert type(back) is cls and back.get_config() == cfg


def test_mean_metric_wrapper_config_names_function_like_keras():
    m = M.MeanMetricWrapper(M.binary_accuracy, name="acc_w", threshold=0.2)
    cfg = m.get_config()
    assert cfg["fn"] == {"module": "builtins", "class_name": "function", "config": "binary_accuracy",
                         "registered_name": "function"}
    assert cfg["threshold"] == 0.2
    back = M.MeanMetricWrapper.from_config(json.loads(json.dumps(cfg)))
    back.update_state([1, 0], [0.3, 0.1])
    assert back.result() == 1.0
    assert M.deserialize(M.serialize(M.binary_accuracy)) is M.binary_accuracy
    wrapped = M.MeanMetricWrapper(lambda yt, yp: np.abs(yt - yp))
    wrapped.update_state([1.0, 2.0], [1.5, 2.0])
    assert wrapped.result() == 0.25


# ============================================================ validation messages
@pytest.mark.parametrize("make,exc,pattern", [
    (lambda: M.Precision(thresholds=1.5), ValueError,
     r"Precision: thresholds must be a finite number in \[0.0, 1.0\], got 1.5"),
    (lambda: M.Recall(top_k=0), ValueError, "Recall: top_k must be a positive integer, got 0"),
    (lambda: M.Precision(class_id=-1), ValueError, "Precision: class_id must be a non-negative integer, got -1"),
    (lambda: M.TruePositives(thresholds=[]), ValueError, "thresholds must not be empty"),
    (lambda: M.AUC(num_thresholds=1), ValueError, "AUC: num_thresholds must be an integer > 1, got 1"),
    (lambda: M.AUC(curve="roc_curve"), ValueError, "AUC: curve must be one of 'ROC', 'PR', 'PRGAIN'"),
    (lambda: M.AUC(summation_method="trapezoid"), ValueError, "summation_method must be one of"),
    (lambda: M.AUC(num_labels=3), ValueError, "num_labels is only used with multi_label=True"),
    (lambda: M.F1Score(average="samples"), ValueError, "average must be one of None, 'micro'"),
    (lambda: M.FBetaScore(beta=0.0), ValueError, r"FBetaScore: beta must be a finite number > 0.0, got 0.0"),
    (lambda: M.F1Score(threshold=0.0), ValueError, r"threshold must be a finite number in \(0.0, 1.0\]"),
    (lambda: M.BinaryAccuracy(threshold="half"), TypeError, "BinaryAccuracy: threshold must be a number"),
    (lambda: M.TopKCategoricalAccuracy(k=0), ValueError, "k must be a positive integer, got 0"),
    (lambda: M.Mean(dtype="int32"), ValueError, "Mean: dtype must be a float type"),
    (lambda: M.Mean(name=3), TypeError, "Mean: name must be a string or None, got int 3"),
    (lambda: M.MeanMetricWrapper(fn=3), TypeError, "MeanMetricWrapper: fn must be callable"),
])
def test_bad_arguments(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_bad_shapes_name_the_arguments():
    with pytest.raises(ValueError, match=r"Precision: y_true and y_pred must have the same shape, "
                                         r"got y_true \(3,\) and y_pred \(2,\)"):
        M.Precision().update_state([1, 0, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match=r"Mean: sample_weight must broadcast to shape \(3,\), got shape \(2,\)"):
        M.Mean().update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="binary_accuracy: y_true and y_pred must have matching shapes"):
        M.binary_accuracy([1, 0, 1], [[0.2, 0.3]])
    with pytest.raises(ValueError, match="top_k must be at most the number of classes"):
        M.Precision(top_k=5).update_state([[0, 1]], [[0.2, 0.8]])
    with pytest.raises(ValueError, match=r"class_id must be in \[0, 2\)"):
        M.Recall(class_id=2).update_state([[0, 1]], [[0.2, 0.8]])
    with pytest.raises(ValueError, match="F1Score: y_true and y_pred must be 2-D"):
        M.F1Score().update_state([1, 0], [0.2, 0.8])
    with pytest.raises(TypeError, match="y_pred must contain only numbers"):
        M.AUC().update_state([1, 0], ["a", "b"])


# ============================================================ loss-based metrics (need glassnet.losses)
def test_loss_metrics_use_glassnet_losses():
    losses = pytest.importorskip("glassnet.losses")
    y = np.array([[0.0, 1.0], [1.0, 1.0]], dtype=F32)
    p = np.array([[0.5, 1.0], [0.0, 3.0]], dtype=F32)  # per-sample MSE .125, 2.5; MAE .25, 1.5
    mse, mae = M.MeanSquaredError(), M.MeanAbsoluteError()
    mse.update_state(y, p, sample_weight=[3.0, 1.0])
    mae.update_state(y, p)
    assert mse.result() == pytest.approx((3 * 0.125 + 2.5) / 4, rel=1e-6)
    assert mae.result() == pytest.approx((0.25 + 1.5) / 2, rel=1e-6)
    assert M.mean_squared_error is losses.mean_squared_error
    wrapped = M.MeanMetricWrapper(losses.mean_squared_error)
    wrapped.update_state(y, p)
    assert wrapped.result() == pytest.approx((0.125 + 2.5) / 2, rel=1e-6)
    back = M.deserialize(M.serialize(wrapped))
    back.update_state(y, p)
    assert back.result() == pytest.approx(wrapped.result())
