"""``glassnet evaluate``: score a trained model on a CSV file that holds the target."""
from __future__ import annotations

import json

from .runs import data_with_target, load_run
from .scores import format_scores, json_ready, score


def add_parser(sub):
    from ..csv_io import add_limit_arguments

    evaluate = sub.add_parser("evaluate", help="score a trained model on a CSV file that holds the target")
    evaluate.add_argument("model", metavar="MODEL", help="a run folder or its model.keras")
    evaluate.add_argument("data", metavar="DATA.csv")
    evaluate.add_argument("--target", default=None, metavar="COL", help="(default: the training target)")
    evaluate.add_argument("--batch-size", type=int, default=256)
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    add_limit_arguments(evaluate)
    return evaluate


def run(args) -> int:
    model, prep, _ = load_run(args.model, need_preprocessing="evaluate")
    frame, source = data_with_target(args, prep)
    result = score(model, prep, frame, batch_size=args.batch_size)
    if args.json:
        print(json.dumps(json_ready(result), indent=2))
    else:
        print(format_scores(result, source))
    return 0
