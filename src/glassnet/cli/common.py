"""What every command shares: the one-line user error, reading a CSV file, checking columns and options.

pandas is imported only when a command reads a CSV file.
"""
from __future__ import annotations

import re


class CommandError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def one_line(text: str) -> str:
    """``text`` with its line breaks (and the spaces around them) folded into single spaces."""
    return re.sub(r"\s*\n\s*", " ", str(text)).strip()


def require_pandas():
    """The pandas module, or a :class:`CommandError` saying how to install it."""
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
    from .. import csv_io

    require_pandas()
    try:
        return csv_io.read_csv(path, limits)
    except csv_io.CSVError as exc:
        raise CommandError(str(exc)) from None


def csv_limits(args):
    """The CSV reading limits of a command's ``--max-*`` options."""
    from ..csv_io import limits_from_args

    return limits_from_args(args)


def column_list(values) -> list[str]:
    """``['a,b', 'c']`` (repeated options, comma-separated) -> ``['a', 'b', 'c']``."""
    out = []
    for value in values or ():
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def check_columns(frame, names, source: str, what: str = "column") -> None:
    """Every name in ``names`` must be a column of ``frame`` (the error suggests the closest one)."""
    import difflib

    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in frame.columns:
            close = difflib.get_close_matches(name, columns, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(columns[:60]) + (f", ... ({len(columns)} in all)" if len(columns) > 60 else "")
            raise CommandError(f"{source} has no {what} {name!r}{hint}; its columns are: {shown}")


def check_features(frame, prep, source: str) -> None:
    """Every column the preprocessing reads must be in ``frame`` (extra columns are fine)."""
    missing = [c for c in prep.feature_columns if c not in frame.columns]
    if missing:
        listed = ", ".join(repr(c) for c in missing[:20]) + (f", ... ({len(missing)} in all)" if len(missing) > 20
                                                               else "")
        shown = ", ".join(str(c) for c in list(frame.columns)[:60])
        raise CommandError(f"{source} lacks {'columns' if len(missing) > 1 else 'a column'} the model was trained "
                           f"on: {listed}; its columns are: {shown}")


def target_columns(spec: str, frame, source: str) -> list[str]:
    """``--target``: a column name, or several comma-separated names (a multilabel target)."""
    if spec in frame.columns:
        return [spec]
    names = column_list([spec])
    if not names:
        raise CommandError("--target must name a column")
    check_columns(frame, names, source, "target column" if len(names) == 1 else "column")
    if len(set(names)) != len(names):
        raise CommandError(f"--target names a column twice: {spec!r}")
    return names


def check_range(value, name, low=None, high=None, low_inclusive=True, high_inclusive=False):
    """``value`` of option ``name`` must lie in the (half-)open interval, else a :class:`CommandError`."""
    ok = (low is None or (value >= low if low_inclusive else value > low)) and \
         (high is None or (value <= high if high_inclusive else value < high))
    if not ok or value != value:
        lo = "" if low is None else f"{'[' if low_inclusive else '('}{low}, "
        hi = "" if high is None else f"{high}{']' if high_inclusive else ')'}"
        where = f"in {lo}{hi}" if low is not None and high is not None else \
            (f">{'=' if low_inclusive else ''} {low}" if low is not None else f"< {high}")
        raise CommandError(f"{name} must be {where}, got {value}")


def close_figure(fig) -> None:
    """Free a saved figure (pyplot keeps every figure open until closed; a command only writes files)."""
    import matplotlib.pyplot as plt

    plt.close(fig)
