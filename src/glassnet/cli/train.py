"""``glassnet train``: fit a network on a CSV file and write a run folder.

The command runs in four steps, one function each: :func:`prepare` (check the options, read and
split the data, fit the preprocessing), :func:`fit` (build and train the network), :func:`write_run`
(the model, the preprocessing and the plots) and :func:`score_run` (the held-out scores,
``metrics.json``).
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

import numpy as np

from .common import CommandError, check_columns, check_range, close_figure, column_list, csv_limits, one_line, \
    read_csv, target_columns
from .runs import DIAGNOSTICS_FILE, MODEL_FILE, PREPROCESSING_FILE, build_model, new_run_folder, split_rows
from .scores import format_scores, json_ready, score


def add_parser(sub):
    from ..csv_io import add_limit_arguments

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
    train.add_argument("--diagnostics", type=int, default=1, metavar="EVERY",
                       help="record the training doctor's numbers every EVERY epochs into diagnostics.csv and "
                            "diagnostics.png (default 1; 0: off); 'glassnet doctor RUN' reads them")
    train.add_argument("--verbose", type=int, default=1, choices=[0, 1, 2],
                       help="1: progress bar on a terminal, one line per epoch otherwise; 2: one line per epoch")
    add_limit_arguments(train)
    return train


def parse_hidden(text: str) -> list[int]:
    """``--hidden``: ``'64,32'`` -> ``[64, 32]``; ``''``, ``'0'`` or ``'none'`` -> no hidden layer."""
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


@dataclass
class Prepared:
    """What :func:`prepare` hands to the other steps: the data, its split and the fitted preprocessing."""
    frame: object                 # the whole DataFrame
    source: str                   # the CSV file's name, for messages
    targets: list
    task: str
    hidden: list
    prep: object                  # the fitted TabularPreprocessor
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    validation: tuple | None      # (x, y) of the validation rows, or None


def check_options(args) -> list[int]:
    """Every option checked before any work; returns the hidden layer sizes."""
    from .. import activations, optimizers

    check_range(args.epochs, "--epochs", low=1)
    check_range(args.batch_size, "--batch-size", low=1)
    check_range(args.validation_split, "--validation-split", 0.0, 1.0)
    check_range(args.test_split, "--test-split", 0.0, 1.0)
    if args.validation_split + args.test_split >= 1.0:
        raise CommandError("--validation-split plus --test-split must be below 1 (rows are needed for training)")
    check_range(args.dropout, "--dropout", 0.0, 1.0)
    check_range(args.l2, "--l2", low=0.0)
    check_range(args.lr, "--lr", low=0.0, low_inclusive=False)
    check_range(args.max_categories, "--max-categories", low=1)
    check_range(args.diagnostics, "--diagnostics", low=0)
    if args.early_stopping is not None:
        check_range(args.early_stopping, "--early-stopping", low=1)
    hidden = parse_hidden(args.hidden)
    try:
        activations.get(args.activation)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--activation: {one_line(exc)}") from None
    try:
        optimizers.get(args.optimizer)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"--optimizer: {one_line(exc)}") from None
    return hidden


def prepare(args) -> Prepared:
    """Check the options, read ``DATA.csv``, split its rows and fit the preprocessing on the training rows."""
    from ..preprocessing import TabularPreprocessor, TooManyCategoriesError, _check_target_values, resolve_task

    hidden = check_options(args)
    frame = read_csv(args.data, csv_limits(args))
    source = os.path.basename(args.data)
    targets = target_columns(args.target, frame, source)
    drop = column_list(args.drop)
    categorical = column_list(args.categorical)
    check_columns(frame, drop, source)
    check_columns(frame, categorical, source)
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
    return Prepared(frame, source, targets, task, hidden, prep, train_idx, val_idx, test_idx, x_train, y_train,
                    validation)


def network(args, data: Prepared):
    """The compiled network for the options, its weights drawn from ``--seed``."""
    from .. import utils

    utils.set_random_seed(args.seed)
    return build_model(data.prep.n_features, data.prep.output_units, data.task, data.hidden, args.activation,
                       args.dropout, args.l2, args.optimizer, args.lr)


def fit(args, data: Prepared, model, out: str, extra_callbacks=()):
    """Train ``model``, logging to ``out/history.csv``; returns ``(history, interrupted)``.

    Ctrl-C stops training at a batch boundary and keeps what was learned (``interrupted`` is True).
    """
    from .. import callbacks

    verbose = args.verbose
    if verbose:
        print(f"{data.source}: {len(data.frame)} rows -> {len(data.train_idx)} training, {len(data.val_idx)} "
              f"validation, {len(data.test_idx)} test")
        print(data.prep.describe())
        model.summary()
    cbs = [callbacks.CSVLogger(os.path.join(out, "history.csv")), *extra_callbacks]
    if args.early_stopping:
        cbs.append(callbacks.EarlyStopping(monitor="val_loss" if data.validation else "loss",
                                           patience=args.early_stopping, restore_best_weights=True,
                                           verbose=1 if verbose else 0))
    interrupted = False
    try:
        history = model.fit(data.x_train, data.y_train, epochs=args.epochs, batch_size=args.batch_size,
                            validation_data=data.validation, callbacks=cbs, verbose=verbose)
    except KeyboardInterrupt:          # fit stopped cleanly at a batch boundary: keep what was learned
        interrupted = True
        history = model.history
        print(f"\nInterrupted after {len(history.epoch)} complete epoch(s); saving the model as it is "
              f"(press Ctrl-C again to abandon)", file=sys.stderr)
    return history, interrupted


def write_run(out: str, model, prep, history, verbose: int) -> list[str]:
    """The model, the preprocessing, ``history.png`` and the doctor's records (``diagnostics.csv``,
    ``diagnostics.png``) into the run folder; returns the files written."""
    model.save(os.path.join(out, MODEL_FILE))
    prep.save(os.path.join(out, PREPROCESSING_FILE))
    written = [MODEL_FILE, PREPROCESSING_FILE, "history.csv"]
    records = getattr(history, "diagnostics", None)
    if records and records.get("epoch"):
        write_diagnostics_csv(os.path.join(out, DIAGNOSTICS_FILE), records)
        written.append(DIAGNOSTICS_FILE)
    try:
        from .. import plot

        if history.history:
            close_figure(plot.history(history, path=os.path.join(out, "history.png")))
            written.append("history.png")
        if records and records.get("epoch"):
            close_figure(plot.diagnostics(records, path=os.path.join(out, "diagnostics.png")))
            written.append("diagnostics.png")
    except ImportError:
        if verbose:
            print("(no history.png: matplotlib is not installed; pip install 'glassnet[plot]')")
    return written


def write_diagnostics_csv(path: str, records: dict) -> None:
    """The Diagnostics records as CSV, one row per epoch and layer (atomically)."""
    import csv

    from .._io import atomic_open
    from ..callbacks.diagnostics import COLUMNS

    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(zip(*(records[c] for c in COLUMNS)))


def score_run(args, data: Prepared, model, history, interrupted: bool, out: str, verbose: int) -> str:
    """Score the held-out rows (or the training rows when none are held out), print and write ``metrics.json``.

    Returns the name of the file written.
    """
    from .._io import atomic_write_text

    results = {"task": data.task, "target": data.targets, "data": os.path.abspath(args.data),
               "epochs_run": len(history.history.get("loss", [])), "interrupted": interrupted, "seed": args.seed,
               "rows": {"train": len(data.train_idx), "validation": len(data.val_idx), "test": len(data.test_idx)}}
    parts = [("validation", data.val_idx), ("test", data.test_idx)] if len(data.val_idx) or len(data.test_idx) \
        else [("training", data.train_idx)]
    for name, idx in parts:
        if len(idx):
            result = score(model, data.prep, data.frame.iloc[idx])
            results[name] = json_ready(result)
            if verbose:
                print()
                print(format_scores(result, name.capitalize()))
    atomic_write_text(os.path.join(out, "metrics.json"), json.dumps(results, indent=2) + "\n")
    return "metrics.json"


def run(args) -> int:
    data = prepare(args)
    model = network(args, data)
    out = new_run_folder(args.out)
    from ..callbacks import Diagnostics

    doctor = [Diagnostics(every=args.diagnostics)] if args.diagnostics else []
    history, interrupted = fit(args, data, model, out, doctor)
    written = write_run(out, model, data.prep, history, args.verbose)
    written.append(score_run(args, data, model, history, interrupted, out, args.verbose))
    if args.verbose:
        print(f"\nWrote {', '.join(written)} to {out}{os.sep}")
        if getattr(history, "diagnostics", None):
            from ..doctor import diagnose

            found = diagnose(model, history)
            print("The training doctor: " + ("no finding" if not found else
                                             "; ".join(f.title for f in found) + f" (details: glassnet doctor {out})"))
    final = history.history.get("loss", [0.0])[-1:] or [0.0]
    if not np.isfinite(final[0]):
        print(f"glassnet train: training diverged (final loss {final[0]}); the run folder is kept for inspection. "
              f"Try a smaller --lr.", file=sys.stderr)
        return 1
    return 130 if interrupted else 0
