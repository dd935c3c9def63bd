"""``glassnet gradcheck``: backprop's gradients against central differences in float64."""
from __future__ import annotations

import os

import numpy as np

from .common import CommandError, check_range
from .demos import worked_example_model
from .runs import data_with_target, load_run


def add_parser(sub):
    from ..csv_io import add_limit_arguments

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
    add_limit_arguments(gc)
    return gc


def synthetic_batch(model, prep, rows: int, seed: int):
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


def run(args) -> int:
    from ..inspect import gradient_check

    if args.model is None:
        if args.data is not None:
            raise CommandError("give MODEL before DATA.csv")
        model, x, y = worked_example_model()
        report = gradient_check(model, x, y)
        print(report)
        return 0 if report.passed else 1
    check_range(args.rows, "--rows", low=1)
    check_range(args.max_checks, "--max-checks", low=0)
    check_range(args.tolerance, "--tolerance", low=0.0, low_inclusive=False)
    model, prep, model_path = load_run(args.model, need_preprocessing="gradcheck" if args.data else None)
    if not getattr(model, "compiled", False):
        raise CommandError(f"{model_path!r} holds no loss (it was saved uncompiled); gradcheck needs one")
    if args.data is not None:
        frame, source = data_with_target(args, prep)
        frame = frame.iloc[:args.rows]
        x, y = prep.transform(frame), prep.transform_target(frame)
        where = f"the first {len(frame)} rows of {source}"
    else:
        x, y = synthetic_batch(model, prep, args.rows, args.seed)
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
