"""``glassnet doctor RUN``: the training doctor's findings for a ``glassnet train`` run folder.

Reads ``history.csv`` (the epoch metrics), ``diagnostics.csv`` (the per-layer records, when the run
kept them) and the model's learning rate, and prints :func:`glassnet.doctor.diagnose`'s findings.
Exit status 0 when nothing looks wrong, 1 when there are findings.
"""
from __future__ import annotations

import csv
import math
import os

from .common import CommandError
from .runs import DIAGNOSTICS_FILE

HISTORY_FILE = "history.csv"
#: bounds on what the command reads (a run folder of a normal run is far below them)
MAX_BYTES = 64 * 2 ** 20


def add_parser(sub):
    doctor = sub.add_parser("doctor", help="findings about how a run trained (vanishing gradients, dying ReLU, ...)",
                            description="Read a run folder written by 'glassnet train' (history.csv, "
                                        "diagnostics.csv) and say in plain words what went wrong in training, "
                                        "with the numbers that show it. Exit status 1 when there are findings.")
    doctor.add_argument("run", metavar="RUN", help="a run folder written by 'glassnet train'")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(func=run)
    return doctor


def read_history_csv(path) -> dict:
    """``history.csv`` (CSVLogger's: an ``epoch`` column, then one column per metric) as a dict of lists."""
    if os.path.getsize(path) > MAX_BYTES:
        raise CommandError(f"{path!r} is larger than {MAX_BYTES // 2 ** 20} MB; not a history file")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        names = [n for n in (reader.fieldnames or []) if n != "epoch"]
        if "loss" not in names:
            raise CommandError(f"{path!r} has no 'loss' column; not a history.csv written by 'glassnet train'")
        out = {n: [] for n in names}
        for row in reader:
            for n in names:
                try:
                    out[n].append(float(row[n]))
                except (TypeError, ValueError):
                    out[n].append(math.nan)
    return out


def _learning_rate_model(folder):
    """A stand-in with the run's optimizer (for the learning rate in the findings), or None."""
    from .runs import MODEL_FILE, load_run

    if not os.path.exists(os.path.join(folder, MODEL_FILE)):
        return None
    try:
        model, _, _ = load_run(folder)
    except (CommandError, ValueError, TypeError, OSError, KeyError, ImportError):
        return None
    return model


def run(args) -> int:
    from ..doctor import diagnose, read_diagnostics_csv

    folder = os.fspath(args.run)
    if not os.path.isdir(folder):
        raise CommandError(f"{folder!r} is not a folder; give a run folder written by 'glassnet train'")
    history_path = os.path.join(folder, HISTORY_FILE)
    if not os.path.exists(history_path):
        raise CommandError(f"{folder!r} has no {HISTORY_FILE}; give a run folder written by 'glassnet train'")
    history = read_history_csv(history_path)
    diag_path = os.path.join(folder, DIAGNOSTICS_FILE)
    records = None
    if os.path.exists(diag_path):
        if os.path.getsize(diag_path) > MAX_BYTES:
            raise CommandError(f"{diag_path!r} is larger than {MAX_BYTES // 2 ** 20} MB")
        records = read_diagnostics_csv(diag_path)
    found = diagnose(_learning_rate_model(folder), history, diagnostics=records)
    if args.json:
        print(found.to_json())
    else:
        epochs = len(history["loss"])
        print(f"The training doctor on {folder} ({epochs} epoch{'s' if epochs != 1 else ''}"
              + (f", per-layer records of {len(set(records['epoch']))} epochs" if records else
                 f"; no {DIAGNOSTICS_FILE}: findings from the loss curves only") + ")")
        print(found)
        if records:
            print()
            print(layer_table(records))
    return 1 if found else 0


def layer_table(records) -> str:
    """The last recorded epoch's numbers, one line per layer."""
    last = max(records["epoch"])
    rows = [i for i, e in enumerate(records["epoch"]) if e == last]
    width = max(5, *(len(records["layer"][i]) for i in rows))

    def num(value, pct=False):
        if value != value:                         # NaN: not measured for this layer
            return f"{'-':>10}"
        return f"{100 * value:>9.3g}%" if pct else f"{value:>10.3g}"

    lines = [f"Epoch {last + 1}, per layer:",
             f"  {'layer':<{width}} {'activation':<10} {'||W||':>10} {'||dC/dW||':>10} {'update/W':>10} "
             f"{'dead ReLU':>10} {'saturated':>10} {'act std':>10}"]
    for i in rows:
        lines.append(f"  {records['layer'][i]:<{width}} {records['activation'][i] or '-':<10} "
                     f"{num(records['weight_norm'][i])} {num(records['grad_norm'][i])} "
                     f"{num(records['update_ratio'][i], True)} {num(records['dead_relu'][i], True)} "
                     f"{num(records['saturated'][i], True)} {num(records['act_std'][i])}")
    return "\n".join(lines)
