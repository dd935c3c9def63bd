"""The ``glassnet`` command (also ``python -m glassnet``): the parser and :func:`main`.

``train`` fits a network on a CSV file and writes a run folder (``model.keras``,
``preprocessing.json``, ``history.csv``, ``history.png``, ``metrics.json``); ``evaluate``,
``predict``, ``summary`` and ``gradcheck`` read such a folder (or its ``.keras`` file);
``demo``, ``trace`` and ``gradcheck`` without arguments show the library on built-in examples.

One module per command (``cli/train.py``, ...), each with ``add_parser(sub)`` (returning its
sub-parser) and ``run(args)``, which :func:`build_parser` makes the sub-command's action;
``common.py`` (errors, CSV files, option checks), ``runs.py`` (run folders, the network ``train``
fits), ``scores.py`` (the reports) and ``demos.py`` (the built-in demonstrations) are shared.

Errors are one clear line on stderr and exit status 2; ``--debug`` shows the traceback.
pandas is imported only by the commands that read a CSV file.
"""
from __future__ import annotations

import argparse
import sys

from . import check, demo, doctor, evaluate, gradcheck, playground, predict, summary, trace, train
from .common import CommandError, one_line, read_csv
from .demos import run_demo, worked_example_model, xor_demo
from .runs import MODEL_FILE, PREPROCESSING_FILE, build_model, load_run, locate_run, split_rows
from .scores import format_scores, score

__all__ = ["main", "build_parser", "CommandError", "worked_example_model", "xor_demo", "run_demo", "read_csv",
           "locate_run", "load_run", "build_model", "split_rows", "score", "format_scores", "MODEL_FILE",
           "PREPROCESSING_FILE"]

# the commands in the order ``glassnet --help`` lists them
COMMANDS = (demo, train, evaluate, predict, summary, trace, gradcheck, playground, doctor, check)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (and the help pointer) instead of the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``glassnet`` parser: each command module adds its sub-command."""
    parser = _Parser(prog="glassnet", description="Neural networks you can see through.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub).set_defaults(func=command.run)
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
        print(f"glassnet {args.command}: warning: {one_line(message)}", file=sys.stderr)

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
        print(f"glassnet {args.command}: error: {one_line(exc) or type(exc).__name__}", file=sys.stderr)
        return 2
