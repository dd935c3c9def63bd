"""Run folders (what ``glassnet train`` writes and the other commands read) and the network ``train`` fits."""
from __future__ import annotations

import os

import numpy as np

from .common import CommandError, check_columns, check_features, csv_limits, read_csv, require_pandas, \
    target_columns

MODEL_FILE = "model.keras"
PREPROCESSING_FILE = "preprocessing.json"
DIAGNOSTICS_FILE = "diagnostics.csv"


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
    from ..models import load_model
    from ..preprocessing import TabularPreprocessor

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
            compile_for_task(model, prep.task_)
    return model, prep, model_path


# ---------------------------------------------------------------------------------- the model
TASK_HEADS = {   # task -> (output activation, loss, metrics)
    "regression": (None, "mse", ["mae"]),
    "binary": ("sigmoid", "binary_crossentropy", ["accuracy"]),
    "multiclass": ("softmax", "sparse_categorical_crossentropy", ["accuracy"]),
    "multilabel": ("sigmoid", "binary_crossentropy", ["accuracy"]),
}


def compile_for_task(model, task, optimizer="adam") -> None:
    _, loss, metrics = TASK_HEADS[task]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def build_model(n_inputs: int, n_outputs: int, task: str, hidden=(64, 32), activation="relu", dropout=0.2,
                l2=0.0, optimizer="adam", learning_rate=1e-3, name="glassnet_train"):
    """The network ``glassnet train`` fits: Dense hidden layers (each followed by Dropout when
    ``dropout > 0``, with an L2 kernel penalty when ``l2 > 0``) and the task's output layer, compiled
    with the task's loss (mse / binary_crossentropy / sparse_categorical_crossentropy)."""
    from .. import optimizers
    from ..layers import Dense, Dropout, Input
    from ..models import Sequential
    from ..regularizers import L2

    head, _, _ = TASK_HEADS[task]
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
    compile_for_task(model, task, opt)
    return model


def split_rows(n: int, task: str, labels, validation_split: float, test_split: float, seed: int):
    """Shuffled row indices ``(train, validation, test)``, each sorted.

    Classification tasks are split class by class (stratified) so that every class keeps at
    least one training row and both held-out parts have the classes' proportions.
    """
    rng = np.random.default_rng(seed)
    if task in ("binary", "multiclass"):
        pd = require_pandas()
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


def new_run_folder(out) -> str:
    """The run folder: ``out`` (created when missing), or a new ``runs/<timestamp>``."""
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


def data_with_target(args, prep):
    """``(frame, file name)`` of ``DATA.csv`` for a run: it must hold the target and the features."""
    frame = read_csv(args.data, csv_limits(args))
    source = os.path.basename(args.data)
    if args.target is not None:
        targets = target_columns(args.target, frame, source)
        if targets != prep.target:
            raise CommandError(f"--target {args.target!r} differs from the target the model was trained on "
                               f"({','.join(prep.target)})")
    check_columns(frame, prep.target, source, "target column")
    check_features(frame, prep, source)
    return frame, source
