"""``glassnet predict``: predict the target for the rows of a CSV file."""
from __future__ import annotations

import os
import sys

from .common import check_features, csv_limits, read_csv, require_pandas
from .runs import load_run


def add_parser(sub):
    from ..csv_io import add_limit_arguments

    predict = sub.add_parser("predict", help="predict the target for the rows of a CSV file")
    predict.add_argument("model", metavar="MODEL", help="a run folder or its model.keras")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--output", "-o", default=None, metavar="PREDS.csv", help="default: standard output")
    predict.add_argument("--keep-columns", action="store_true", help="write the input columns too")
    predict.add_argument("--batch-size", type=int, default=256)
    add_limit_arguments(predict)
    return predict


def run(args) -> int:
    pd = require_pandas()
    model, prep, _ = load_run(args.model, need_preprocessing="predict")
    frame = read_csv(args.data, csv_limits(args))
    check_features(frame, prep, os.path.basename(args.data))
    outputs = model.predict(prep.transform(frame), batch_size=args.batch_size, verbose=0)
    preds = prep.predictions_frame(outputs)
    if args.keep_columns:
        preds = pd.concat([frame.reset_index(drop=True), preds], axis=1)
    from ..csv_io import write_csv      # text cells that a spreadsheet would run as formulas get a quote

    if args.output:
        from .._io import atomic_open

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
