"""The scores ``train`` and ``evaluate`` report: loss, Keras metrics and the task's own scores."""
from __future__ import annotations

import numpy as np

def score(model, prep, frame, batch_size=256) -> dict:
    """Loss, Keras metrics and the task's scores for ``frame`` (which holds the target columns).

    Classification: accuracy, confusion matrix, per-class precision/recall/F1 (from the predicted
    labels); regression: MAE, MSE, RMSE, R² and explained variance in the target's own units.
    The ``loss`` of a regression task is on the standardized target (what the network minimises).
    """
    from .. import evaluation

    x = prep.transform(frame)
    y = prep.transform_target(frame)
    logs = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    outputs = model.predict(x, batch_size=batch_size, verbose=0)
    result = {"rows": int(len(frame)), "task": prep.task_}
    result.update({k: float(v) for k, v in logs.items()})
    if prep.task_ in ("binary", "multiclass"):
        true = y.reshape(-1).astype(np.int64)
        pred = prep.class_indices(outputs)
        k = len(prep.classes_)
        cm = evaluation.confusion_matrix(true, pred, num_classes=k)
        precision, recall, f1, support = evaluation.precision_recall_f1(cm)
        names = [str(c) for c in prep.classes_]
        result.update({"accuracy": float(np.trace(cm) / cm.sum()), "classes": names,
                       "confusion_matrix": cm.tolist(),
                       "precision": dict(zip(names, map(float, precision))),
                       "recall": dict(zip(names, map(float, recall))),
                       "f1": dict(zip(names, map(float, f1))),
                       "macro_f1": float(f1.mean())})
        # the report covers classes 0 .. the highest present (a class that is neither true nor predicted
        # anywhere after it has nothing to report, as in scikit-learn's report)
        present = int(max(true.max(), pred.max())) + 1
        result["report"] = evaluation.classification_report(true, pred, target_names=names[:present], digits=4)
    elif prep.task_ == "multilabel":
        pred = prep.class_indices(outputs)
        true = y.astype(np.int64)
        per = {}
        for j, name in enumerate(prep.target):
            cm = evaluation.confusion_matrix(true[:, j], pred[:, j], num_classes=2)
            p, r, f, s = evaluation.precision_recall_f1(cm)
            per[name] = {"precision": float(p[1]), "recall": float(r[1]), "f1": float(f[1]),
                         "support": int(s[1])}
        result.update({"accuracy": float((pred == true).mean()),
                       "exact_match": float((pred == true).all(axis=1).mean()), "labels": per,
                       "macro_f1": float(np.mean([v["f1"] for v in per.values()]))})
    else:
        truth = frame[prep.target].to_numpy(dtype=np.float64)
        predicted = prep.inverse_transform_target(outputs).reshape(truth.shape)
        mse = evaluation.mean_squared_error(truth, predicted)
        result.update({"mae": evaluation.mean_absolute_error(truth, predicted), "mse": mse,
                       "rmse": float(np.sqrt(mse)), "r2": evaluation.r2_score(truth, predicted),
                       "explained_variance": evaluation.explained_variance_score(truth, predicted),
                       "target_mean": float(truth.mean()), "target_std": float(truth.std())})
    return result


def format_scores(result: dict, title: str) -> str:
    """The text ``train`` and ``evaluate`` print for :func:`score`'s dict."""
    task = result["task"]
    lines = []
    if task == "regression":
        lines.append(f"{title} ({result['rows']} rows): loss {result['loss']:.4f} (on the standardized target)")
        lines.append(f"  MAE {result['mae']:.6g}   RMSE {result['rmse']:.6g}   R² {result['r2']:.4f}   "
                     f"explained variance {result['explained_variance']:.4f}")
        lines.append(f"  (the target's mean is {result['target_mean']:.6g}, its standard deviation "
                     f"{result['target_std']:.6g})")
        return "\n".join(lines)
    lines.append(f"{title} ({result['rows']} rows): loss {result['loss']:.4f} - accuracy {result['accuracy']:.4f}")
    if task == "multilabel":
        lines.append(f"  exact match (all labels right) {result['exact_match']:.4f}   macro F1 "
                     f"{result['macro_f1']:.4f}")
        width = max(len("label"), *(len(n) for n in result["labels"]))
        lines.append(f"  {'label':<{width}}  precision     recall   f1-score    support")
        for name, v in result["labels"].items():
            lines.append(f"  {name:<{width}}  {v['precision']:>9.4f}  {v['recall']:>9.4f}  {v['f1']:>9.4f}  "
                         f"{v['support']:>9}")
        return "\n".join(lines)
    names = result["classes"]
    cm = np.asarray(result["confusion_matrix"])
    if len(names) <= 20:                              # wider matrices are in the --json output only
        width = min(12, max(5, len(str(cm.max())), *(len(n) for n in names)))
        lines.append("\nConfusion matrix (rows: true class, columns: predicted class)")
        lines.append(" " * (width + 1) + " ".join(f"{n[:width]:>{width}}" for n in names))
        for n, row in zip(names, cm):
            lines.append(f"{n[:width]:>{width}} " + " ".join(f"{v:>{width}}" for v in row))
    if result.get("report"):
        lines.append("\nClassification report\n" + result["report"].rstrip("\n"))
    return "\n".join(lines)


def json_ready(result):
    """:func:`score`'s dict for ``json.dumps``: without the text report, NaN/inf (a diverged run) as null."""
    if isinstance(result, dict):
        return {k: json_ready(v) for k, v in result.items() if k != "report"}
    if isinstance(result, list):
        return [json_ready(v) for v in result]
    if isinstance(result, float) and not np.isfinite(result):
        return None
    return result
