"""The ``glassnet`` command (also ``python -m glassnet``).

``train`` fits a network on a CSV file and writes a run folder (``model.keras``,
``preprocessing.json``, ``history.csv``, ``history.png``, ``metrics.json``); ``evaluate``,
``predict``, ``summary`` and ``gradcheck`` read such a folder (or its ``.keras`` file);
``demo``, ``trace`` and ``gradcheck`` without arguments show the library on built-in examples.

Errors are one clear line on stderr and exit status 2; ``--debug`` shows the traceback.
pandas is imported only by the commands that read a CSV file.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

import numpy as np


def worked_example_model(dtype: str = "float32"):
    """The notes' 2-2-2 sigmoid network (w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55, b1 = .35, b2 = .60).

    Returns ``(model, x, y)`` compiled with SGD(learning_rate=0.5) and the quadratic cost
    (Keras's 'mse' equals the notes' E_total = sum 1/2 (target - out)^2 for two outputs).
    ``dtype='float64'`` reproduces the notes' 9-digit numbers exactly; float32 agrees to ~1e-8.
    """
    from . import config
    from .layers import Dense, Input
    from .models import Sequential
    from .optimizers import SGD

    with config.floatx_scope(dtype):
        return _worked_example_model(Dense, Input, Sequential, SGD, dtype)


def _worked_example_model(Dense, Input, Sequential, SGD, dtype):
    model = Sequential([Input((2,)), Dense(2, activation="sigmoid", name="hidden"),
                        Dense(2, activation="sigmoid", name="output")], name="worked_example")
    # Keras's kernel is (inputs, units): kernel[i, j] is the weight from input i to neuron j.
    model.set_weights([
        np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35]),   # w1 w3 / w2 w4, b1
        np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]),   # w5 w7 / w6 w8, b2
    ])
    model.compile(optimizer=SGD(learning_rate=0.5), loss="mse")
    x = np.array([[0.05, 0.10]], dtype=dtype)
    y = np.array([[0.01, 0.99]], dtype=dtype)
    return model, x, y


def xor_demo(epochs: int = 300, seed: int = 0, verbose: int = 2) -> float:
    """Train the 2-8-1 tanh network on XOR with Adam; print the truth table; return the accuracy."""
    from . import utils
    from .layers import Dense, Input
    from .models import Sequential
    from .optimizers import Adam

    utils.set_random_seed(seed)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = Sequential([Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=4, verbose=0)
    p = model.predict(x, verbose=0)[:, 0]
    loss, acc = model.evaluate(x, y, verbose=0)
    if verbose:
        print("XOR with a hidden layer (2-8-1, tanh, Adam):")
        for xi, yi, pi in zip(x.astype(int), y.astype(int), p):
            print(f"  {xi[0]} xor {xi[1]} = {yi}   network says {pi:.3f} -> {int(pi >= 0.5)}")
        print(f"loss {loss:.4f}, accuracy {acc:.2f}")
    return acc


def _demo_data(name: str, seed: int):
    """(x_train, y_train, x_test, y_test, class names) for the demo's data sets."""
    from . import datasets

    if name == "digits":
        (xtr, ytr), (xte, yte) = datasets.digits.load_data(seed=seed)
        return xtr, ytr, xte, yte, [str(i) for i in range(10)]
    if name == "mnist":
        (xtr, ytr), (xte, yte) = datasets.mnist.load_data()
        return xtr / np.float32(255), ytr, xte / np.float32(255), yte, [str(i) for i in range(10)]
    if name == "breast_cancer":
        frame = datasets.cancer_classification()
        x = frame.drop(columns=[datasets.tabular.CANCER_LABEL]).to_numpy(np.float32)
        y = frame[datasets.tabular.CANCER_LABEL].to_numpy()
        order = np.random.default_rng(seed).permutation(len(x))
        x, y = x[order], y[order]
        split = int(len(x) * 0.75)
        lo, hi = x[:split].min(axis=0), x[:split].max(axis=0)           # MinMax scaling, fit on train only
        x = (x - lo) / np.where(hi > lo, hi - lo, 1)
        return x[:split], y[:split], x[split:], y[split:], ["malignant", "benign"]
    raise ValueError(f"unknown dataset {name!r}")


def run_demo(dataset: str = "digits", epochs: int = 30, seed: int = 0, out_dir=None, verbose: int = 1) -> dict:
    """Train a sensible network on ``dataset``, print the report, write the run folder; return the results."""
    import datetime
    import os

    from . import callbacks, utils
    from .evaluation import classification_report, confusion_matrix
    from .layers import Dense, Dropout, Flatten, Input
    from .models import Sequential

    utils.set_random_seed(seed)
    xtr, ytr, xte, yte, names = _demo_data(dataset, seed)
    binary = len(names) == 2
    model = Sequential(name=f"{dataset}_demo")
    model.add(Input(xtr.shape[1:]))
    if xtr.ndim > 2:
        model.add(Flatten())
    hidden = 128 if dataset == "mnist" else 64
    model.add(Dense(hidden, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(hidden // 2, activation="relu"))
    model.add(Dense(1, activation="sigmoid") if binary else Dense(len(names), activation="softmax"))
    model.compile(optimizer="adam", loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if out_dir is None:
        out_dir = os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out_dir, exist_ok=True)
    cbs = [callbacks.CSVLogger(os.path.join(out_dir, "history.csv")),
           callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True)]
    if hasattr(callbacks, "TensorBoard"):
        cbs.append(callbacks.TensorBoard(log_dir=os.path.join(out_dir, "logs")))
    if verbose:
        model.summary()
    history = model.fit(xtr, ytr, validation_split=0.15, epochs=epochs, batch_size=32, callbacks=cbs,
                        verbose=verbose)
    loss, accuracy = model.evaluate(xte, yte, verbose=0)
    proba = model.predict(xte, verbose=0)
    predicted = (proba[:, 0] >= 0.5).astype(int) if binary else proba.argmax(axis=1)
    cm = confusion_matrix(yte, predicted, num_classes=len(names))
    report = classification_report(yte, predicted, target_names=names)
    written = ["history.csv"]
    try:
        model.save(os.path.join(out_dir, "model.keras"))
        written.append("model.keras")
    except ImportError as exc:   # h5py missing: say so, keep going
        print(f"(model not saved: {exc})")
    try:
        from . import plot

        _close_figure(plot.history(history, path=os.path.join(out_dir, "history.png")))
        _close_figure(plot.confusion_matrix(yte, predicted, labels=names,
                                            path=os.path.join(out_dir, "confusion_matrix.png")))
        written += ["history.png", "confusion_matrix.png"]
    except ImportError as exc:
        print(f"(no plots: {exc})")
    if any(type(c).__name__ == "TensorBoard" for c in cbs):
        written.append("logs/")
    if verbose:
        print(f"\nTest loss {loss:.4f}, test accuracy {accuracy:.4f} on {len(yte)} {dataset} samples")
        print("\nConfusion matrix (rows: true class, columns: predicted class)")
        width = max(3, len(str(cm.max())))
        print("      " + " ".join(f"{n[:width]:>{width}}" for n in names))
        for n, row in zip(names, cm):
            print(f"{n[:5]:>5} " + " ".join(f"{v:>{width}}" for v in row))
        print("\nClassification report\n" + report)
        print(f"Wrote {', '.join(written)} to {out_dir}/")
    return {"loss": loss, "accuracy": accuracy, "out_dir": out_dir, "confusion_matrix": cm}


def _close_figure(fig) -> None:
    """Free a saved figure (pyplot keeps every figure open until closed; a command only writes files)."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def _cmd_demo(args) -> int:
    if args.dataset == "xor":
        from .perceptron import Perceptron, logic_gate

        X, y = logic_gate("xor")
        p = Perceptron(max_epochs=50).fit(X, y)
        print(f"A single perceptron on XOR: accuracy {p.score(X, y):.2f}, converged: {p.converged_} "
              f"(no straight line separates XOR)")
        acc = xor_demo(epochs=args.epochs or 300, seed=args.seed)
        return 0 if acc == 1.0 else 1
    run_demo(args.dataset, epochs=args.epochs or 30, seed=args.seed, out_dir=args.out)
    return 0


def _cmd_trace(args) -> int:
    from . import config
    from .inspect import trace_step

    model, x, y = worked_example_model("float64")
    with config.floatx_scope("float64"):
        trace = trace_step(model, x, y)
    if args.json:
        print(trace.to_json())
    else:
        print("The notes' worked example: inputs .05 .10, targets .01 .99, learning rate 0.5")
        print(trace)
    return 0


# ------------------------------------------------------------------------------------ errors
class CommandError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", str(text)).strip()


# ---------------------------------------------------------------------------------- data files
def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is installed in the test environment
        raise CommandError("reading CSV files needs pandas: pip install 'glassnet[pandas]'") from None
    return pd


def read_csv(path, limits=None):
    """Read a CSV file (``.csv`` or compressed, e.g. ``.csv.gz``) into a DataFrame, or raise a one-line error.

    Bounded and checked by :func:`glassnet.csv_io.read_csv` (lines, columns, size, UTF-8); column
    names are stripped of surrounding spaces (``a, b`` headers give ``b``, not `` b``).
    """
    from . import csv_io

    _pandas()
    try:
        return csv_io.read_csv(path, limits)
    except csv_io.CSVError as exc:
        raise CommandError(str(exc)) from None


def _csv_limits(args):
    from .csv_io import limits_from_args

    return limits_from_args(args)


def _column_list(values) -> list[str]:
    """``['a,b', 'c']`` (repeated options, comma-separated) -> ``['a', 'b', 'c']``."""
    out = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _check_columns(frame, names, source: str, what: str = "column") -> None:
    import difflib

    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in frame.columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(columns[:60]) + (f", ... ({len(columns)} in all)" if len(columns) > 60 else "")
            raise CommandError(f"{source} has no {what} {name!r}{hint}; its columns are: {shown}")


def _check_features(frame, prep, source: str) -> None:
    """Every column the preprocessing reads must be in ``frame`` (extra columns are fine)."""
    missing = [c for c in prep.feature_columns if c not in frame.columns]
    if missing:
        listed = ", ".join(repr(c) for c in missing[:20]) + (f", ... ({len(missing)} in all)" if len(missing) > 20
                                                               else "")
        shown = ", ".join(str(c) for c in list(frame.columns)[:60])
        raise CommandError(f"{source} lacks {'columns' if len(missing) > 1 else 'a column'} the model was trained "
                           f"on: {listed}; its columns are: {shown}")


def _target_columns(spec: str, frame, source: str) -> list[str]:
    """``--target``: a column name, or several comma-separated names (a multilabel target)."""
    if spec in frame.columns:
        return [spec]
    names = _column_list([spec])
    if not names:
        raise CommandError("--target must name a column")
    _check_columns(frame, names, source, "target column" if len(names) == 1 else "column")
    if len(set(names)) != len(names):
        raise CommandError(f"--target names a column twice: {spec!r}")
    return names


# ------------------------------------------------------------------------------- run folders
MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"


def locate_run(path) -> tuple[str, str | None]:
    """``MODEL`` (a run folder or a ``.keras`` / ``.h5`` file) -> ``(model file, preprocessing file or None)``.

    The preprocessing is ``preprocessing.json`` in the folder (beside the model file).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        model_path = os.path.join(path, MODEL_FILE)
        if not os.path.exists(model_path):
            raise CommandError(f"{path!r} is a folder without {MODEL_FILE}; give a run folder written by "
                               f"'glassnet train' or a .keras file")
    elif os.path.exists(path):
        model_path = path
    else:
        raise CommandError(f"no such model file or run folder: {path!r}")
    prep_path = os.path.join(os.path.dirname(os.path.abspath(model_path)), PREPROCESSING_FILE)
    return model_path, (prep_path if os.path.exists(prep_path) else None)


def load_run(path, need_preprocessing: str | None = None):
    """``(model, preprocessor or None, model file)`` for ``MODEL``.

    ``need_preprocessing``: the command's name when it cannot work without ``preprocessing.json``.
    """
    from .models import load_model
    from .preprocessing import TabularPreprocessor

    model_path, prep_path = locate_run(path)
    if prep_path is None and need_preprocessing:
        raise CommandError(f"no {PREPROCESSING_FILE} beside {model_path!r}: 'glassnet {need_preprocessing}' "
                           f"needs the run folder written by 'glassnet train'")
    prep = TabularPreprocessor.load(prep_path) if prep_path else None
    model = load_model(model_path)
    if prep is not None:
        width = model.input_shape[-1] if model.input_shape else None
        if width is not None and width != prep.n_features:
            raise CommandError(f"{model_path!r} takes {width} inputs but {prep_path!r} makes {prep.n_features}: "
                               f"the two files come from different runs")
        if not getattr(model, "compiled", False) and prep.task_:
            _compile_for_task(model, prep.task_)
    return model, prep, model_path


# ---------------------------------------------------------------------------------- the model
_TASK_HEADS = {   # task -> (output activation, loss, metrics)
    "regression": (None, "mse", ["mae"]),
    "binary": ("sigmoid", "binary_crossentropy", ["accuracy"]),
    "multiclass": ("softmax", "sparse_categorical_crossentropy", ["accuracy"]),
    "multilabel": ("sigmoid", "binary_crossentropy", ["accuracy"]),
}


def _compile_for_task(model, task, optimizer="adam") -> None:
    _, loss, metrics = _TASK_HEADS[task]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def build_model(n_inputs: int, n_outputs: int, task: str, hidden=(64, 32), activation="relu", dropout=0.2,
                l2=0.0, optimizer="adam", learning_rate=1e-3, name="glassnet_train"):
    """The network ``glassnet train`` fits: Dense hidden layers (each followed by Dropout when
    ``dropout > 0``, with an L2 kernel penalty when ``l2 > 0``) and the task's output layer, compiled
    with the task's loss (mse / binary_crossentropy / sparse_categorical_crossentropy)."""
    from . import optimizers
    from .layers import Dense, Dropout, Input
    from .models import Sequential
    from .regularizers import L2

    head, _, _ = _TASK_HEADS[task]
    model = Sequential(name=name)
    model.add(Input((n_inputs,)))
    for i, units in enumerate(hidden):
        model.add(Dense(units, activation=activation, kernel_regularizer=L2(l2) if l2 else None,
                        name=f"hidden_{i + 1}"))
        if dropout:
            model.add(Dropout(dropout, name=f"dropout_{i + 1}"))
    model.add(Dense(n_outputs, activation=head, name="output"))
    opt = optimizers.get(optimizer)
    opt.learning_rate = learning_rate
    _compile_for_task(model, task, opt)
    return model


def split_rows(n: int, task: str, labels, validation_split: float, test_split: float, seed: int):
    """Shuffled row indices ``(train, validation, test)``, each sorted.

    Classification tasks are split class by class (stratified) so that every class keeps at
    least one training row and both held-out parts have the classes' proportions.
    """
    rng = np.random.default_rng(seed)
    if task in ("binary", "multiclass"):
        pd = _pandas()
        codes = pd.factorize(labels)[0]
        groups = [np.flatnonzero(codes == c) for c in range(codes.max() + 1)]
    else:
        groups = [np.arange(n)]
    train, val, test = [], [], []
    for group in groups:
        group = rng.permutation(group)
        k = len(group)
        n_test = int(round(k * test_split))
        n_val = int(round(k * validation_split))
        while n_test + n_val > k - 1 and (n_test or n_val):   # keep one training row per class
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        test.append(group[:n_test])
        val.append(group[n_test:n_test + n_val])
        train.append(group[n_test + n_val:])
    return tuple(np.sort(np.concatenate(part)).astype(np.int64) for part in (train, val, test))


# ------------------------------------------------------------------------------------- reports
def score(model, prep, frame, batch_size=256) -> dict:
    """Loss, Keras metrics and the task's scores for ``frame`` (which holds the target columns).

    Classification: accuracy, confusion matrix, per-class precision/recall/F1 (from the predicted
    labels); regression: MAE, MSE, RMSE, R² and explained variance in the target's own units.
    The ``loss`` of a regression task is on the standardized target (what the network minimises).
    """
    from . import evaluation

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


def _json_ready(result):
    """:func:`score`'s dict for ``json.dumps``: without the text report, NaN/inf (a diverged run) as null."""
    if isinstance(result, dict):
        return {k: _json_ready(v) for k, v in result.items() if k != "report"}
    if isinstance(result, list):
        return [_json_ready(v) for v in result]
    if isinstance(result, float) and not np.isfinite(result):
        return None
    return result


# ---------------------------------------------------------------------------------- commands
def _check_range(value, name, low=None, high=None, low_inclusive=True, high_inclusive=False):
    ok = (low is None or (value >= low if low_inclusive else value > low)) and \
         (high is None or (value <= high if high_inclusive else value < high))
    if not ok or value != value:
        lo = "" if low is None else f"{'[' if low_inclusive else '('}{low}, "
        hi = "" if high is None else f"{high}{']' if high_inclusive else ')'}"
        where = f"in {lo}{hi}" if low is not None and high is not None else \
            (f">{'=' if low_inclusive else ''} {low}" if low is not None else f"< {high}")
        raise CommandError(f"{name} must be {where}, got {value}")


def _parse_hidden(text: str) -> list[int]:
    text = text.strip().lower()
    if text in ("", "0", "none"):
        return []
    try:
        sizes = [int(v) for v in text.split(",")]
    except ValueError:
        raise CommandError(f"--hidden must be comma-separated layer sizes such as 64,32 (or none), "
                           f"got {text!r}") from None
    if any(s <= 0 for s in sizes):
        raise CommandError(f"--hidden layer sizes must be positive, got {text!r}")
    return sizes


def _new_run_folder(out) -> str:
    import datetime

    if out:
        os.makedirs(out, exist_ok=True)
        return out
    base = os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    path, i = base, 1
    while os.path.exists(path):
        i += 1
        path = f"{base}-{i}"
    os.makedirs(path)
    return path


def _cmd_train(args) -> int:
    from . import activations, callbacks, optimizers, utils
    from .preprocessing import TabularPreprocessor, TooManyCategoriesError, _check_target_values, resolve_task

    # -- the options, before any work
    _check_range(args.epochs, "--epochs", low=1)
    _check_range(args.batch_size, "--batch-size", low=1)
    _check_range(args.validation_split, "--validation-split", 0.0, 1.0)
    _check_range(args.test_split, "--test-split", 0.0, 1.0)
    if args.validation_split + args.test_split >= 1.0:
        raise CommandError("--validation-split plus --test-split must be below 1 (rows are needed for training)")
    _check_range(args.dropout, "--dropout", 0.0, 1.0)
    _check_range(args.l2, "--l2", low=0.0)
    _check_range(args.lr, "--lr", low=0.0, low_inclusive=False)
    _check_range(args.max_categories, "--max-categories", low=1)
    if args.early_stopping is not None:
        _check_range(args.early_stopping, "--early-stopping", low=1)
    hidden = _parse_hidden(args.hidden)
    try:
        activations.get(args.activation)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--activation: {_one_line(exc)}") from None
    try:
        optimizers.get(args.optimizer)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--optimizer: {_one_line(exc)}") from None

    # -- the data
    frame = read_csv(args.data, _csv_limits(args))
    source = os.path.basename(args.data)
    targets = _target_columns(args.target, frame, source)
    drop = _column_list(args.drop)
    categorical = _column_list(args.categorical)
    _check_columns(frame, drop, source)
    _check_columns(frame, categorical, source)
    clash = [c for c in targets if c in drop or c in categorical]
    if clash:
        raise CommandError(f"{clash[0]!r} is the target; it cannot also be in --drop or --categorical")
    _check_target_values(frame, targets, source)
    task = resolve_task(frame[targets], args.task, where=source)
    train_idx, val_idx, test_idx = split_rows(len(frame), task, frame[targets[0]], args.validation_split,
                                              args.test_split, args.seed)
    if args.validation_split and len(val_idx) == 0:
        raise CommandError(f"{source} has too few rows ({len(frame)}) for --validation-split "
                           f"{args.validation_split}; pass --validation-split 0 to train on all of them")
    train_frame = frame.iloc[train_idx]
    prep = TabularPreprocessor(targets, task=task, scaling=args.scaling, max_categories=args.max_categories,
                               drop=drop, categorical=categorical)
    try:
        prep.fit(train_frame)
    except TooManyCategoriesError as exc:
        names = list(exc.columns)
        listed = ", ".join(f"{n!r} ({k} distinct values)" for n, k in exc.columns.items())
        raise CommandError(f"{source}: cannot one-hot encode text column{'s' if len(names) > 1 else ''} with more "
                           f"than {exc.limit} distinct values (free text, identifiers or dates): {listed}; drop "
                           f"{'them' if len(names) > 1 else 'it'} with --drop {','.join(names)} "
                           f"(or raise --max-categories)") from None
    x_train, y_train = prep.transform(train_frame), prep.transform_target(train_frame)
    validation = None
    if len(val_idx):
        val_frame = frame.iloc[val_idx]
        validation = (prep.transform(val_frame), prep.transform_target(val_frame))

    # -- the network
    utils.set_random_seed(args.seed)
    model = build_model(prep.n_features, prep.output_units, task, hidden, args.activation, args.dropout, args.l2,
                        args.optimizer, args.lr)
    out = _new_run_folder(args.out)
    verbose = args.verbose
    if verbose:
        print(f"{source}: {len(frame)} rows -> {len(train_idx)} training, {len(val_idx)} validation, "
              f"{len(test_idx)} test")
        print(prep.describe())
        model.summary()
    cbs = [callbacks.CSVLogger(os.path.join(out, "history.csv"))]
    if args.early_stopping:
        cbs.append(callbacks.EarlyStopping(monitor="val_loss" if validation else "loss",
                                           patience=args.early_stopping, restore_best_weights=True,
                                           verbose=1 if verbose else 0))
    interrupted = False
    try:
        history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                            validation_data=validation, callbacks=cbs, verbose=verbose)
    except KeyboardInterrupt:          # fit stopped cleanly at a batch boundary: keep what was learned
        interrupted = True
        history = model.history
        print(f"\nInterrupted after {len(history.epoch)} complete epoch(s); saving the model as it is "
              f"(press Ctrl-C again to abandon)", file=sys.stderr)

    # -- the run folder
    model.save(os.path.join(out, MODEL_FILE))
    prep.save(os.path.join(out, PREPROCESSING_FILE))
    written = [MODEL_FILE, PREPROCESSING_FILE, "history.csv"]
    try:
        from . import plot

        if history.history:
            _close_figure(plot.history(history, path=os.path.join(out, "history.png")))
            written.append("history.png")
    except ImportError:
        if verbose:
            print("(no history.png: matplotlib is not installed; pip install 'glassnet[plot]')")

    # -- the scores
    results = {"task": task, "target": targets, "data": os.path.abspath(args.data),
               "epochs_run": len(history.history.get("loss", [])), "interrupted": interrupted, "seed": args.seed,
               "rows": {"train": len(train_idx), "validation": len(val_idx), "test": len(test_idx)}}
    parts = [("validation", val_idx), ("test", test_idx)] if len(val_idx) or len(test_idx) else \
        [("training", train_idx)]
    for name, idx in parts:
        if len(idx):
            result = score(model, prep, frame.iloc[idx])
            results[name] = _json_ready(result)
            if verbose:
                print()
                print(format_scores(result, name.capitalize()))
    from ._io import atomic_write_text

    atomic_write_text(os.path.join(out, "metrics.json"), json.dumps(results, indent=2) + "\n")
    written.append("metrics.json")
    if verbose:
        print(f"\nWrote {', '.join(written)} to {out}{os.sep}")
    final = history.history.get("loss", [0.0])[-1:] or [0.0]
    if not np.isfinite(final[0]):
        print(f"glassnet train: training diverged (final loss {final[0]}); the run folder is kept for inspection. "
              f"Try a smaller --lr.", file=sys.stderr)
        return 1
    return 130 if interrupted else 0


def _data_with_target(args, prep):
    frame = read_csv(args.data, _csv_limits(args))
    source = os.path.basename(args.data)
    if args.target is not None:
        targets = _target_columns(args.target, frame, source)
        if targets != prep.target:
            raise CommandError(f"--target {args.target!r} differs from the target the model was trained on "
                               f"({','.join(prep.target)})")
    _check_columns(frame, prep.target, source, "target column")
    _check_features(frame, prep, source)
    return frame, source


def _cmd_evaluate(args) -> int:
    model, prep, _ = load_run(args.model, need_preprocessing="evaluate")
    frame, source = _data_with_target(args, prep)
    result = score(model, prep, frame, batch_size=args.batch_size)
    if args.json:
        print(json.dumps(_json_ready(result), indent=2))
    else:
        print(format_scores(result, source))
    return 0


def _cmd_predict(args) -> int:
    pd = _pandas()
    model, prep, _ = load_run(args.model, need_preprocessing="predict")
    frame = read_csv(args.data, _csv_limits(args))
    _check_features(frame, prep, os.path.basename(args.data))
    outputs = model.predict(prep.transform(frame), batch_size=args.batch_size, verbose=0)
    preds = prep.predictions_frame(outputs)
    if args.keep_columns:
        preds = pd.concat([frame.reset_index(drop=True), preds], axis=1)
    from .csv_io import write_csv      # text cells that a spreadsheet would run as formulas get a quote

    if args.output:
        from ._io import atomic_open

        with atomic_open(args.output, "w") as fh:
            write_csv(preds, fh)
        print(f"Wrote {len(preds)} predictions to {args.output}")
    else:
        try:
            write_csv(preds, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:        # the reader went away (| head): stop quietly, as cat does
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            return 1
    return 0


def _cmd_summary(args) -> int:
    model, prep, model_path = load_run(args.model)
    model.summary()
    if prep is not None:
        print(f"\nPreprocessing ({PREPROCESSING_FILE})")
        print(prep.describe())
    metrics_path = os.path.join(os.path.dirname(os.path.abspath(model_path)), "metrics.json")
    if os.path.exists(metrics_path):
        try:
            with open(metrics_path, encoding="utf-8") as fh:
                results = json.load(fh)
            for part in ("validation", "test"):
                if isinstance(results.get(part), dict):
                    r = results[part]
                    key = "r2" if r.get("task") == "regression" else "accuracy"
                    print(f"{part.capitalize()} at the end of training: loss {r['loss']:.4f}, "
                          f"{'R²' if key == 'r2' else key} {r[key]:.4f} ({r['rows']} rows)")
        except (ValueError, KeyError, TypeError, OSError):
            pass   # the scores are a courtesy; the summary stands without them
    return 0


def _synthetic_batch(model, prep, rows: int, seed: int):
    """Random inputs of the model's shape and targets its loss accepts (gradcheck without data)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, *model.input_shape[1:])).astype(np.float32)
    units = model.output_shape[-1]
    task = prep.task_ if prep is not None and prep.task_ else None
    loss = getattr(model, "compiled_loss", None)
    loss_name = " ".join(str(v) for v in (type(loss).__name__, getattr(loss, "name", ""),
                                          model.loss if isinstance(model.loss, str) else "")).lower()
    if task is None:
        task = ("multiclass" if "sparse" in loss_name
                else "onehot" if "categorical" in loss_name or "kl_divergence" in loss_name
                else "multilabel" if "binary" in loss_name or "hinge" in loss_name
                else "positive" if "poisson" in loss_name or "logarithmic" in loss_name
                else "regression")
    if task == "multiclass":
        y = rng.integers(0, units, size=rows).astype(np.float32)
    elif task == "onehot":
        y = np.eye(units, dtype=np.float32)[rng.integers(0, units, size=rows)]
    elif task in ("binary", "multilabel"):
        y = rng.integers(0, 2, size=(rows, units)).astype(np.float32)
    elif task == "positive":
        y = rng.uniform(0.0, 2.0, size=(rows, units)).astype(np.float32)
    else:
        y = rng.normal(size=(rows, units)).astype(np.float32)
    return x, y


def _cmd_gradcheck(args) -> int:
    from .inspect import gradient_check

    if args.model is None:
        if args.data is not None:
            raise CommandError("give MODEL before DATA.csv")
        model, x, y = worked_example_model()
        report = gradient_check(model, x, y)
        print(report)
        return 0 if report.passed else 1
    _check_range(args.rows, "--rows", low=1)
    _check_range(args.max_checks, "--max-checks", low=0)
    _check_range(args.tolerance, "--tolerance", low=0.0, low_inclusive=False)
    model, prep, model_path = load_run(args.model, need_preprocessing="gradcheck" if args.data else None)
    if not getattr(model, "compiled", False):
        raise CommandError(f"{model_path!r} holds no loss (it was saved uncompiled); gradcheck needs one")
    if args.data is not None:
        frame, source = _data_with_target(args, prep)
        frame = frame.iloc[:args.rows]
        x, y = prep.transform(frame), prep.transform_target(frame)
        where = f"the first {len(frame)} rows of {source}"
    else:
        x, y = _synthetic_batch(model, prep, args.rows, args.seed)
        where = f"{args.rows} random rows (inputs N(0, 1), targets the loss accepts)"
    report = gradient_check(model, x, y, max_checks_per_variable=args.max_checks or None,
                            tolerance=args.tolerance, seed=args.seed)
    print(f"Gradient check of {os.path.basename(model_path)} on {where}"
          + (f", at most {args.max_checks} entries per variable" if args.max_checks else ""))
    print(report)
    if not report.passed and (prep is None or prep.task_ != "regression"):
        proba = model.predict(x, verbose=0)
        clipped = int(((proba < 1e-7) | (proba > 1 - 1e-7)).any(axis=-1).sum())
        if clipped:
            print(f"Note: {clipped} of the {len(x)} rows have probabilities beyond the cross-entropy's clipping "
                  f"[1e-7, 1 - 1e-7]: there the loss value is flat while the (fused, Keras) gradient is not, so "
                  f"the two disagree; a check on less saturated rows (or random ones, without DATA.csv) avoids it.")
    return 0 if report.passed else 1


# ------------------------------------------------------------------------------------ parser
class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (and the help pointer) instead of the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _cmd_playground(args) -> int:
    from .playground import serve

    return serve(host=args.host, port=args.port, allow_remote=args.allow_remote)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glassnet", description="Neural networks you can see through.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="train a small network and show the result")
    demo.add_argument("--dataset", default="digits", choices=["digits", "mnist", "breast_cancer", "xor"],
                      help="digits (default) and breast_cancer are bundled with scikit-learn; mnist downloads "
                           "(or reads GLASSNET_DATASETS_MIRROR)")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--out", default=None, help="run folder (default runs/<timestamp>)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_cmd_demo)

    train = sub.add_parser(
        "train", help="train a network on a CSV file; writes a run folder",
        description="Train a network on a CSV file. Numeric columns are standardized ((x - mean) / std of the "
                    "training rows; --scaling minmax for [0, 1]), missing numbers become the training median, "
                    "text columns with few values are one-hot encoded (missing values get their own category), "
                    "and the preprocessing is stored beside the model so that predict and evaluate repeat it.")
    train.add_argument("data", metavar="DATA.csv", help="the training data (.csv, or compressed such as .csv.gz)")
    train.add_argument("--target", required=True, metavar="COL",
                       help="the column to predict; several comma-separated 0/1 columns make a multilabel task")
    train.add_argument("--task", default="auto", choices=["auto", "regression", "binary", "multiclass", "multilabel"],
                       help="default auto: two classes -> binary; a few integer codes (at most 20, e.g. 0..9) "
                            "or text labels (at most 100) -> multiclass; other numbers -> regression")
    train.add_argument("--hidden", default="64,32", metavar="N,N", help="hidden layer sizes (default 64,32; none)")
    train.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    train.add_argument("--dropout", type=float, default=0.2, help="dropout rate after each hidden layer (0.2)")
    train.add_argument("--l2", type=float, default=0.0, help="L2 penalty factor on the hidden kernels (0)")
    train.add_argument("--optimizer", default="adam", help="adam (default), sgd, rmsprop, adamw, nadam, ...")
    train.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    train.add_argument("--epochs", type=int, default=100, help="default 100")
    train.add_argument("--batch-size", type=int, default=32, help="default 32")
    train.add_argument("--validation-split", type=float, default=0.2, metavar="FRACTION",
                       help="rows held out (shuffled, stratified by class) to watch training (default 0.2)")
    train.add_argument("--test-split", type=float, default=0.0, metavar="FRACTION",
                       help="rows held out and only scored at the end (default 0)")
    train.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                       help="stop after PATIENCE epochs without a better val_loss; keep the best weights")
    train.add_argument("--seed", type=int, default=0, help="one seed for the split, the weights, dropout, shuffling")
    train.add_argument("--out", default=None, metavar="DIR", help="run folder (default runs/<timestamp>)")
    train.add_argument("--drop", action="append", metavar="COL,COL", help="columns to ignore")
    train.add_argument("--categorical", action="append", metavar="COL,COL",
                       help="numeric columns to one-hot encode anyway (codes such as zip codes)")
    train.add_argument("--scaling", default="standard", choices=["standard", "minmax"],
                       help="numeric features: standard (default) or minmax")
    train.add_argument("--max-categories", type=int, default=50, metavar="N",
                       help="most distinct values a text column may have to be one-hot encoded (50)")
    train.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2],
                       help="1: progress bar on a terminal, one line per epoch otherwise; 2: one line per epoch")
    train.set_defaults(func=_cmd_train)

    evaluate = sub.add_parser("evaluate", help="score a trained model on a CSV file that holds the target")
    evaluate.add_argument("model", metavar="MODEL", help="a run folder or its model.keras")
    evaluate.add_argument("data", metavar="DATA.csv")
    evaluate.add_argument("--target", default=None, metavar="COL", help="(default: the training target)")
    evaluate.add_argument("--batch-size", type=int, default=256)
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    evaluate.set_defaults(func=_cmd_evaluate)

    predict = sub.add_parser("predict", help="predict the target for the rows of a CSV file")
    predict.add_argument("model", metavar="MODEL", help="a run folder or its model.keras")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--output", "-o", default=None, metavar="PREDS.csv", help="default: standard output")
    predict.add_argument("--keep-columns", action="store_true", help="write the input columns too")
    predict.add_argument("--batch-size", type=int, default=256)
    predict.set_defaults(func=_cmd_predict)

    summary = sub.add_parser("summary", help="the model's layers and the preprocessing")
    summary.add_argument("model", metavar="MODEL", help="a run folder or a .keras file")
    summary.set_defaults(func=_cmd_summary)

    trace = sub.add_parser("trace", help="print the backprop trace of one step (the notes' worked example)")
    trace.add_argument("--json", action="store_true", help="print JSON instead of the table")
    trace.set_defaults(func=_cmd_trace)

    gc = sub.add_parser("gradcheck", help="numeric gradient check (default: the notes' worked example)",
                        description="Compare backprop's gradients with central differences in float64. Without "
                                    "MODEL: the notes' worked example. With MODEL: random inputs, or the first "
                                    "--rows rows of DATA.csv.")
    gc.add_argument("model", nargs="?", default=None, metavar="MODEL", help="a run folder or a .keras file")
    gc.add_argument("data", nargs="?", default=None, metavar="DATA.csv")
    gc.add_argument("--target", default=None, metavar="COL", help="(default: the training target)")
    gc.add_argument("--rows", type=int, default=8, help="batch size of the check (8)")
    gc.add_argument("--max-checks", type=int, default=50, metavar="N",
                    help="check at most N entries of each variable, chosen at random (50; 0: all)")
    gc.add_argument("--tolerance", type=float, default=1e-4, help="largest relative error that passes (1e-4)")
    gc.add_argument("--seed", type=int, default=0)
    gc.set_defaults(func=_cmd_gradcheck)
    from .csv_io import add_limit_arguments

    for command in (train, evaluate, predict, gc):      # the commands that read DATA.csv
        add_limit_arguments(command)
    playground = sub.add_parser("playground", help="train small networks on 2-D data in your browser, live",
                                description="Start the playground's local web server and print its URL.")
    playground.add_argument("--port", type=int, default=8000,
                            help="port to listen on (default 8000; 0: any free port)")
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1: this machine only)")
    playground.add_argument("--allow-remote", action="store_true",
                            help="allow a --host that is not loopback (0.0.0.0, a LAN address): anyone who can "
                                 "reach the port can then use the playground")
    playground.set_defaults(func=_cmd_playground)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a failed check, 2 an error)."""
    import warnings

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:          # --help (0) or a usage error (2, already printed on one line)
        return exc.code if isinstance(exc.code, int) else 2

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"glassnet {args.command}: warning: {_one_line(message)}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            if not args.debug:        # one line per warning, without the source location
                warnings.showwarning = show_warning
            return args.func(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"glassnet {args.command}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, TypeError, OSError, RuntimeError, ImportError, KeyError) as exc:
        if args.debug:
            raise
        print(f"glassnet {args.command}: error: {_one_line(exc) or type(exc).__name__}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
