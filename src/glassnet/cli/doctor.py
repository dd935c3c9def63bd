"""``glassnet doctor RUN``: the training doctor's findings for a ``glassnet train`` run folder.

Reads ``history.csv`` (the epoch metrics), ``diagnostics.csv`` (the per-layer records, when the run
kept them) and the model's learning rate, and prints :func:`glassnet.doctor.diagnose`'s findings.
Exit status 0 when nothing looks wrong, 1 when there are findings.
"""
from __future__ import annotations

import os

from .common import CommandError
from .runs import DIAGNOSTICS_FILE


def add_parser(sub):
    doctor = sub.add_parser("doctor", help="findings about how a run trained (vanishing gradients, dying ReLU, ...)",
                            description="Read a run folder written by 'glassnet train' (history.csv, "
                                        "diagnostics.csv) and say in plain words what went wrong in training, "
                                        "with the numbers that show it. Exit status 1 when there are findings.")
    doctor.add_argument("run", metavar="RUN", help="a run folder written by 'glassnet train'")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(func=run)
    return doctor


def run(args) -> int:
    from ..doctor import diagnose_run, layer_table

    folder = os.fspath(args.run)
    try:
        found, history, records = diagnose_run(folder)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
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
