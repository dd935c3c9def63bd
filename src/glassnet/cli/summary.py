"""``glassnet summary``: a run's layers, preprocessing and final scores."""
from __future__ import annotations

import json
import os

from .runs import PREPROCESSING_FILE, load_run


def add_parser(sub):
    summary = sub.add_parser("summary", help="the model's layers and the preprocessing")
    summary.add_argument("model", metavar="MODEL", help="a run folder or a .keras file")
    return summary


def run(args) -> int:
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
