"""``CSVLogger``: write one CSV row of metrics per epoch."""
from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from .._validation import check_path
from .callback import Callback


def _cell(value):
    """A log value as Keras writes it: strings as they are, 1-D iterables as ``"[a, b]"``."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Stream each epoch's logs to a CSV file, one row per epoch, flushed at once.

    filename: path of the file (str or ``os.PathLike``).
    separator: the one-character column separator (',').
    append: False truncates the file at the start of training; True appends
        (and writes the header only if the file is missing or empty).

    Columns are ``epoch`` (0-based) then the first epoch's log keys sorted; if
    none of them starts with ``val_``, a ``val_<key>`` column is added for each
    key (filled with ``NA`` when absent), so runs with and without validation
    share a layout, as in Keras.  Rows end with ``\\r\\n`` (the ``csv`` module's
    excel dialect).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        filename = check_path(filename, "filename", "CSVLogger", allow_empty=True)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be a one-character string, got {separator!r}")
        if not isinstance(append, bool):
            raise TypeError(f"CSVLogger: append must be a bool, got {type(append).__name__} {append!r}")
        self.sep = separator
        self.filename = filename
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        """Open the file (truncating it unless ``append``)."""
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write this epoch's row (and, the first time, the header), then flush."""
        logs = logs or {}
        if self.csv_file is None or self.csv_file.closed:
            raise RuntimeError("CSVLogger: the file is not open; on_train_begin must run first")
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if self.writer is None:
            sep = self.sep

            class _Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
