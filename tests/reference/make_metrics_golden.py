"""Record Keras 3 metric values as golden numbers for tests/test_metrics.py.

Run with the reference environment (Keras 3 + TensorFlow), not the project venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        .refenv/bin/python tests/reference/make_metrics_golden.py

It writes ``tests/reference/keras_metrics.json``: for every case, the
constructor arguments, the float32 inputs of each batch (streamed through
``update_state``), Keras's ``result()`` and ``get_config()``; per-sample
outputs of the accuracy functions; what ``compile`` turns metric strings into
(class and name); and the ``History`` keys of small 1-epoch fits.
"""
from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.trainers import compile_utils  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_metrics.json")
RNG = np.random.default_rng(20240601)
F32 = np.float32

# Scores that sit exactly on AUC's default bucket edges (i / 199), the ends, and repeats.
EDGES = np.array([0.0, 1.0, 0.5, 1 / 199, 2 / 199, 198 / 199, 100 / 199, 0.25, 0.75, 0.5], dtype=F32)


def to_json(x):
    if x is None:
        return None
    if isinstance(x, (tf.Tensor, tf.Variable, keras.Variable)):
        x = np.asarray(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, dict):
        return {k: to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_json(v) for v in x]
    return x


# ----------------------------------------------------------------- data makers
def binary(n, pred_col=True, edges=False):
    y = RNG.integers(0, 2, size=n).astype(F32)
    p = RNG.random(n).astype(F32)
    if edges:
        k = min(n, EDGES.size)
        p[:k] = EDGES[:k]
    return y, (p[:, None] if pred_col else p)


def bce_data(n):
    y, p = binary(n)
    return y[:, None], p


def softmax_rows(n, k, ties=False):
    z = RNG.normal(size=(n, k)).astype(F32)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p = p.astype(F32)
    if ties and n >= 2 and k >= 3:
        p[0] = F32(1.0 / k)          # full tie
        p[1, :3] = [0.4, 0.4, 0.2]   # tie for the top
        p[1, 3:] = 0
    return p


def sparse(n, k, col=False, ties=False):
    y = RNG.integers(0, k, size=n).astype(F32)
    return (y[:, None] if col else y), softmax_rows(n, k, ties)


def onehot(n, k, ties=False):
    y = RNG.integers(0, k, size=n)
    return np.eye(k, dtype=F32)[y], softmax_rows(n, k, ties)


def multilabel(n, k):
    return RNG.integers(0, 2, size=(n, k)).astype(F32), RNG.random((n, k)).astype(F32)


def regression(n, positive=False, col_true=True):
    y = RNG.normal(size=(n, 1)).astype(F32)
    p = (y + RNG.normal(scale=0.5, size=(n, 1))).astype(F32)
    if positive:
        y, p = np.abs(y) + F32(0.1), np.abs(p) + F32(0.05)
    return (y if col_true else y[:, 0]), p


def weights(n):
    return RNG.uniform(0.0, 2.0, size=n).astype(F32)


SIZES = (7, 5, 9)


def batches(maker, weighted, sizes=SIZES):
    out = []
    for n in sizes:
        y, p = maker(n)
        out.append((y, p, weights(n) if weighted else None))
    return out


# ----------------------------------------------------------------- metric cases
CASES = []


def case(cid, class_name, args, maker, weighted=False, needs_losses=False, sizes=SIZES):
    CASES.append(dict(id=cid, class_name=class_name, args=args, maker=maker, weighted=weighted,
                      needs_losses=needs_losses, sizes=sizes))


for w in (False, True):
    s = "_w" if w else ""
    case(f"binary_accuracy{s}", "BinaryAccuracy", {}, lambda n: binary(n), w)
    case(f"binary_accuracy_flat{s}", "BinaryAccuracy", {"threshold": 0.7}, lambda n: binary(n, False), w)
    case(f"categorical_accuracy{s}", "CategoricalAccuracy", {}, lambda n: onehot(n, 4, ties=True), w)
    case(f"sparse_categorical_accuracy{s}", "SparseCategoricalAccuracy", {},
         lambda n: sparse(n, 4, ties=True), w)
    case(f"sparse_categorical_accuracy_col{s}", "SparseCategoricalAccuracy", {},
         lambda n: sparse(n, 4, col=True), w)
    case(f"top_k{s}", "TopKCategoricalAccuracy", {"k": 2}, lambda n: onehot(n, 5, ties=True), w)
    case(f"sparse_top_k{s}", "SparseTopKCategoricalAccuracy", {"k": 2}, lambda n: sparse(n, 5, ties=True), w)
    case(f"sparse_top_k_col{s}", "SparseTopKCategoricalAccuracy", {"k": 3}, lambda n: sparse(n, 5, col=True), w)
    case(f"accuracy{s}", "Accuracy", {}, lambda n: (RNG.integers(0, 3, n).astype(F32),
                                                    RNG.integers(0, 3, (n, 1)).astype(F32)), w)
    case(f"rmse{s}", "RootMeanSquaredError", {}, lambda n: regression(n, col_true=False), w)
    # confusion-matrix family
    case(f"precision{s}", "Precision", {}, lambda n: binary(n, edges=True), w)
    case(f"recall{s}", "Recall", {}, lambda n: binary(n, edges=True), w)
    case(f"precision_thresholds{s}", "Precision", {"thresholds": [0.7, 0.2, 0.5]}, lambda n: binary(n), w)
    case(f"recall_even_thresholds{s}", "Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]},
         lambda n: binary(n, edges=True), w)
    case(f"precision_top_k{s}", "Precision", {"top_k": 2}, lambda n: multilabel(n, 4), w)
    case(f"recall_top_k{s}", "Recall", {"top_k": 2}, lambda n: multilabel(n, 4), w)
    case(f"precision_class_id{s}", "Precision", {"class_id": 2}, lambda n: multilabel(n, 4), w)
    case(f"recall_class_id_top_k{s}", "Recall", {"class_id": 1, "top_k": 2, "thresholds": 0.3},
         lambda n: multilabel(n, 4), w)
    case(f"true_positives{s}", "TruePositives", {}, lambda n: binary(n, edges=True), w)
    case(f"false_positives{s}", "FalsePositives", {"thresholds": [0.3, 0.6]}, lambda n: binary(n), w)
    case(f"true_negatives{s}", "TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]},
         lambda n: binary(n, edges=True), w)
    case(f"false_negatives{s}", "FalseNegatives", {"thresholds": 0.4}, lambda n: multilabel(n, 3), w)
    # AUC
    case(f"auc_roc{s}", "AUC", {}, lambda n: binary(n, edges=True), w)
    case(f"auc_roc_flat{s}", "AUC", {}, lambda n: binary(n, False), w)
    case(f"auc_pr{s}", "AUC", {"curve": "PR"}, lambda n: binary(n, edges=True), w)
    case(f"auc_roc_minoring{s}", "AUC", {"summation_method": "minoring", "num_thresholds": 17},
         lambda n: binary(n), w)
    case(f"auc_pr_majoring{s}", "AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 9},
         lambda n: binary(n), w)
    case(f"auc_prgain{s}", "AUC", {"curve": "PRGAIN", "num_thresholds": 50}, lambda n: binary(n), w)
    case(f"auc_custom_thresholds{s}", "AUC", {"thresholds": [0.8, 0.1, 0.45, 0.3]}, lambda n: binary(n), w)
    case(f"auc_even_custom_thresholds{s}", "AUC", {"thresholds": [0.25, 0.5, 0.75]},
         lambda n: binary(n, edges=True), w)
    case(f"auc_from_logits{s}", "AUC", {"from_logits": True},
         lambda n: (RNG.integers(0, 2, n).astype(F32), RNG.normal(scale=3, size=(n, 1)).astype(F32)), w)
    case(f"auc_multi_label{s}", "AUC", {"multi_label": True}, lambda n: multilabel(n, 3), w)
    case(f"auc_multi_label_weights{s}", "AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 3.0],
                                                "curve": "PR"}, lambda n: multilabel(n, 3), w)
    case(f"auc_pooled_label_weights{s}", "AUC", {"label_weights": [0.5, 1.0, 2.0]}, lambda n: multilabel(n, 3), w)
    # F-scores
    for avg in (None, "micro", "macro", "weighted"):
        case(f"f1_{avg}{s}", "F1Score", {"average": avg}, lambda n: onehot(n, 3), w)
        case(f"f1_thr_{avg}{s}", "F1Score", {"average": avg, "threshold": 0.4}, lambda n: multilabel(n, 3), w)
    case(f"fbeta2_macro{s}", "FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.5},
         lambda n: multilabel(n, 4), w)
    case(f"fbeta05_none{s}", "FBetaScore", {"beta": 0.5}, lambda n: onehot(n, 4), w)
    # loss-based (need glassnet.losses)
    case(f"mse{s}", "MeanSquaredError", {}, lambda n: regression(n), w, True)
    case(f"mse_flat_true{s}", "MeanSquaredError", {}, lambda n: regression(n, col_true=False), w, True)
    case(f"mae{s}", "MeanAbsoluteError", {}, lambda n: regression(n), w, True)
    case(f"mape{s}", "MeanAbsolutePercentageError", {}, lambda n: regression(n, positive=True), w, True)
    case(f"msle{s}", "MeanSquaredLogarithmicError", {}, lambda n: regression(n, positive=True), w, True)
    case(f"logcosh{s}", "LogCoshError", {}, lambda n: regression(n), w, True)
    case(f"bce{s}", "BinaryCrossentropy", {}, lambda n: bce_data(n), w, True)
    case(f"cce{s}", "CategoricalCrossentropy", {}, lambda n: onehot(n, 4), w, True)
    case(f"scce{s}", "SparseCategoricalCrossentropy", {}, lambda n: sparse(n, 4), w, True)
    case(f"kld{s}", "KLDivergence", {}, lambda n: (softmax_rows(n, 3), softmax_rows(n, 3)), w, True)
    case(f"poisson{s}", "Poisson", {}, lambda n: regression(n, positive=True), w, True)
    case(f"hinge{s}", "Hinge", {}, lambda n: (np.sign(RNG.normal(size=(n, 2))).astype(F32),
                                               RNG.normal(size=(n, 2)).astype(F32)), w, True)
    case(f"squared_hinge{s}", "SquaredHinge", {}, lambda n: (RNG.integers(0, 2, (n, 2)).astype(F32),
                                                              RNG.normal(size=(n, 2)).astype(F32)), w, True)
    case(f"categorical_hinge{s}", "CategoricalHinge", {}, lambda n: onehot(n, 3), w, True)

case("bce_logits_smoothing", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
     lambda n: (RNG.integers(0, 2, (n, 1)).astype(F32), RNG.normal(scale=2, size=(n, 1)).astype(F32)), True, True)
case("cce_logits_smoothing", "CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2},
     lambda n: (onehot(n, 3)[0], RNG.normal(size=(n, 3)).astype(F32)), True, True)
case("cce_axis0", "CategoricalCrossentropy", {"axis": 0}, lambda n: onehot(n, 3), False, True)
case("scce_logits_col", "SparseCategoricalCrossentropy", {"from_logits": True},
     lambda n: (sparse(n, 4, col=True)[0], RNG.normal(size=(n, 4)).astype(F32)), True, True)
case("cosine_similarity", "CosineSimilarity", {"axis": 1},
     lambda n: (RNG.normal(size=(n, 3)).astype(F32), RNG.normal(size=(n, 3)).astype(F32)))
case("cosine_similarity_w", "CosineSimilarity", {},
     lambda n: (RNG.normal(size=(n, 3)).astype(F32), RNG.normal(size=(n, 3)).astype(F32)), True)
case("mean_2d_weights", "Mean", {}, lambda n: (RNG.normal(size=(n, 3)).astype(F32), None), False)
case("auc_large", "AUC", {}, lambda n: binary(n), False, sizes=(400, 300))
case("auc_pr_large_w", "AUC", {"curve": "PR"}, lambda n: binary(n), True, sizes=(400, 300))


def run_cases():
    out = []
    for c in CASES:
        data = batches(c["maker"], c["weighted"], c["sizes"])
        args = dict(c["args"])
        metric = getattr(keras.metrics, c["class_name"])(name=c["id"], **args)
        recorded = []
        for y, p, w in data:
            if c["class_name"] in ("Mean", "Sum"):
                metric.update_state(y, sample_weight=w)
            else:
                metric.update_state(y, p, sample_weight=w)
            recorded.append({"y_true": to_json(y), "y_pred": to_json(p), "sample_weight": to_json(w)})
        out.append({
            "id": c["id"], "class_name": c["class_name"], "args": args, "needs_losses": c["needs_losses"],
            "batches": recorded, "result": to_json(metric.result()),
            "config": to_json(metric.get_config()),
        })
    # Mean / Sum with 2-D and scalar weights
    values = RNG.normal(size=(6, 3)).astype(F32)
    for cls in ("Mean", "Sum"):
        for label, w in (("w2d", RNG.uniform(0, 2, (6, 3)).astype(F32)),
                         ("wcol", RNG.uniform(0, 2, (6, 1)).astype(F32)),
                         ("wscalar", np.asarray(F32(2.5)))):
            m = getattr(keras.metrics, cls)()
            m.update_state(values, sample_weight=w)
            m.update_state(values[:2, 0], sample_weight=None)
            out.append({"id": f"{cls.lower()}_{label}", "class_name": cls, "args": {}, "needs_losses": False,
                        "batches": [{"y_true": to_json(values), "y_pred": None, "sample_weight": to_json(w)},
                                    {"y_true": to_json(values[:2, 0]), "y_pred": None, "sample_weight": None}],
                        "result": to_json(m.result()), "config": to_json(m.get_config())})
    return out


# ----------------------------------------------------------------- functions
def run_functions():
    out = []
    specs = [
        ("binary_accuracy", {}, binary(6)),
        ("binary_accuracy", {"threshold": 0.3}, binary(6, False)),
        ("binary_accuracy", {}, (binary(6)[0][:, None], binary(6)[1][:, 0])),
        ("categorical_accuracy", {}, onehot(6, 4, ties=True)),
        ("sparse_categorical_accuracy", {}, sparse(6, 4, ties=True)),
        ("sparse_categorical_accuracy", {}, sparse(6, 4, col=True, ties=True)),
        ("top_k_categorical_accuracy", {"k": 1}, onehot(6, 4, ties=True)),
        ("top_k_categorical_accuracy", {"k": 3}, onehot(6, 4, ties=True)),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, sparse(6, 4, ties=True)),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, sparse(6, 4, col=True, ties=True)),
    ]
    for name, kw, (y, p) in specs:
        val = getattr(keras.metrics, name)(y, p, **kw)
        out.append({"fn": name, "kwargs": kw, "y_true": to_json(y), "y_pred": to_json(p),
                    "output": to_json(val), "shape": list(np.shape(val))})
    return out


# ----------------------------------------------------------------- compile resolution
def run_resolve():
    shapes = [((8,), (8, 1)), ((8, 1), (8, 1)), ((8,), (8, 3)), ((8, 1), (8, 3)), ((8, 3), (8, 3)),
              ((8, 2), (8, 2)), ((8,), (8, 2))]
    idents = ["accuracy", "acc", "ACC", "Accuracy", "mse", "MSE", "mae", "auc", "precision", "recall",
              "binary_accuracy", "mean_squared_error", "root_mean_squared_error", "f1_score",
              "top_k_categorical_accuracy", "categorical_crossentropy", "bce"]
    out = []
    for ident in idents:
        for yt, yp in shapes:
            m = compile_utils.get_metric(ident, np.zeros(yt, F32), np.zeros(yp, F32))
            out.append({"identifier": ident, "y_true_shape": list(yt), "y_pred_shape": list(yp),
                        "class_name": type(m).__name__, "name": m.name})
    for ident in ("crossentropy", "ce", "rmse", "logcosh"):
        try:
            compile_utils.get_metric(ident, np.zeros((8,), F32), np.zeros((8, 1), F32))
            err = None
        except ValueError as exc:
            err = str(exc)
        out.append({"identifier": ident, "y_true_shape": [8], "y_pred_shape": [8, 1], "error": err})
    return out


def run_history():
    x = RNG.normal(size=(16, 4)).astype(F32)
    yb = RNG.integers(0, 2, 16).astype(F32)
    ys = RNG.integers(0, 3, 16)
    yr = RNG.normal(size=(16, 1)).astype(F32)
    fits = [
        ("binary_crossentropy", 1, "sigmoid", yb, ["accuracy"]),
        ("sparse_categorical_crossentropy", 3, "softmax", ys, ["acc"]),
        ("categorical_crossentropy", 3, "softmax", np.eye(3, dtype=F32)[ys], ["accuracy"]),
        ("mse", 1, None, yr, ["mse", "mae"]),
        ("binary_crossentropy", 1, "sigmoid", yb, "AUC()"),
        ("mse", 1, None, yr, ["mse", "mse"]),
    ]
    out = []
    for loss, units, act, y, metrics in fits:
        keras.utils.clear_session()
        shown = metrics
        if metrics == "AUC()":
            metrics = [keras.metrics.AUC()]
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=act)])
        model.compile("sgd", loss=loss, metrics=metrics)
        hist = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
        out.append({"loss": loss, "metrics": shown, "y_shape": list(y.shape), "keys": sorted(hist.history)})
    return out


def main():
    keras.utils.set_random_seed(0)
    golden = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "cases": run_cases(),
        "functions": run_functions(),
        "resolve": run_resolve(),
        "history": run_history(),
    }
    OUT.write_text(json.dumps(golden, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({len(golden['cases'])} metric cases)")


if __name__ == "__main__":
    main()
