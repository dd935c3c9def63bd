"""Your own model in the playground: a ``.keras`` / ``.h5`` file of Dense layers, or a ``glassnet train`` run.

An :class:`OpenedModel` holds a loaded model (read by :func:`glassnet.saving.load_model`, whose
hardened readers never run code from a file) and, for a run folder, the rows of its data file
turned into the network's inputs by the run's ``preprocessing.json``.  It answers what the page asks:

- :meth:`info`: the network (sizes, names, activations, weights), the input feature names and their
  means over the data (0 without data), the per-layer health numbers and findings (:mod:`.health`);
- :meth:`response`: the network's outputs (and each neuron's) over a grid of two chosen input
  features, every other feature held at its mean: the picture of what the network computes;
- :meth:`trace`: one backpropagation step (:func:`glassnet.inspect.trace_step`) on rows of its data,
  on a fresh copy of the model (the opened model itself is never changed).

Bounded: the file (the server limits the upload), the network (``MAX_PARAMS`` weights, Dense / Dropout
layers only, 1-D inputs of at most ``MAX_INPUTS`` features), the data (``glassnet.csv_io``'s limits).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import threading
import time
import warnings

import numpy as np

from .. import doctor
from . import health
from .params import ParamError
from .encoding import b64 as _b64, jsonable as _jsonable, num as _num, quantize as _quantize

MAX_PARAMS = 2_000_000
MAX_INPUTS = 4096
MAX_SHOWN_UNITS = 32          # neurons drawn per layer (the rest are summarised)
RESPONSE_RES = 64
THUMB_RES = 24
MAX_TRACE_ROWS = 32
SUFFIXES = (".keras", ".h5", ".hdf5")
ALLOWED_LAYERS = {"InputLayer", "Dense", "Dropout"}


def _problem(text):
    return ParamError([text])


class OpenedModel:
    """A model opened in the playground (see the module docstring).  Build with :meth:`from_upload` or
    :meth:`from_path`."""

    def __init__(self, model_path, *, source, x=None, y=None, feature_names=None, data_note=None,
                 owned_dir=None, history=None, run_records=None):
        from ..models import load_model

        self.id = secrets.token_urlsafe(9)
        self.lock = threading.Lock()
        self.source = source
        self.model_path = model_path
        self._owned_dir = owned_dir
        self.last_seen = time.monotonic()
        try:
            with warnings.catch_warnings():      # "not compiled": a trace compiles its copy itself
                warnings.simplefilter("ignore", UserWarning)
                model = load_model(model_path)
        except ImportError as exc:
            raise _problem(f"cannot read {source}: {exc}") from None
        except Exception as exc:     # noqa: BLE001 - a damaged file's fault (h5py raises RuntimeError too)
            raise _problem(f"cannot open {source} as a Keras model: {type(exc).__name__}: {exc}") from None
        self.model = model
        self._check(model)
        self.dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
        self.n_inputs = int(self.dense[0].kernel.value.shape[0])
        names = list(feature_names) if feature_names is not None else [f"x{i + 1}" for i in range(self.n_inputs)]
        if len(names) != self.n_inputs:
            names = [f"x{i + 1}" for i in range(self.n_inputs)]
        self.feature_names = names
        self.x, self.y = x, y
        self.data_note = data_note
        self.history = history or {}
        self.run_records = run_records      # the run's diagnostics.csv (the training doctor's records), if any
        if x is not None:
            with np.errstate(all="ignore"):
                self.means = np.nanmean(x, axis=0).astype(np.float32)
                self.lo = np.nanmin(x, axis=0).astype(np.float32)
                self.hi = np.nanmax(x, axis=0).astype(np.float32)
        else:
            self.means = np.zeros(self.n_inputs, np.float32)
            self.lo = np.full(self.n_inputs, -3.0, np.float32)
            self.hi = np.full(self.n_inputs, 3.0, np.float32)
        flat = self.hi - self.lo <= 0
        self.lo[flat] -= 1.0
        self.hi[flat] += 1.0

    # ------------------------------------------------------------------ building
    @staticmethod
    def _check(model) -> None:
        kinds = [type(layer).__name__ for layer in model.layers]
        other = [f"{layer.name} ({kind})" for layer, kind in zip(model.layers, kinds) if kind not in ALLOWED_LAYERS]
        if other:
            raise _problem(f"the playground opens networks of Dense layers (and Dropout); this model also has "
                           f"{', '.join(other[:5])}")
        if "Dense" not in kinds:
            raise _problem("the model has no Dense layer")
        shape = model.input_shape
        if shape is None or len(shape) != 2:
            raise _problem(f"the model's input must be a row of features (shape (batch, n)), got {shape}")
        if not 1 <= (shape[-1] or 0) <= MAX_INPUTS:
            raise _problem(f"the model takes {shape[-1]} input features; the playground shows at most {MAX_INPUTS}")
        n = model.count_params()
        if n > MAX_PARAMS:
            raise _problem(f"the model has {n} weights; the playground opens at most {MAX_PARAMS}")

    @classmethod
    def from_upload(cls, filename, content: bytes, csv_text: bytes | None = None,
                    csv_name: str | None = None) -> "OpenedModel":
        """A ``.keras`` / ``.h5`` file sent by the page (``filename`` only chooses the reader), and
        optionally rows of data as CSV: a header, the model's input columns first, then its target
        column(s) (without them: no trace, but the other features are held at the rows' means)."""
        if not isinstance(filename, str) or not filename.lower().endswith(SUFFIXES):
            raise _problem(f"filename must end in .keras, .h5 or .hdf5, got {str(filename)[:80]!r}")
        if not content:
            raise _problem("the uploaded file is empty")
        tmp = tempfile.mkdtemp(prefix="glassnet-playground-model-")
        suffix = "." + filename.lower().rsplit(".", 1)[1]
        path = os.path.join(tmp, "uploaded" + suffix)
        try:
            with open(path, "wb") as fh:
                fh.write(content)
            source = f"the file {os.path.basename(filename)[:80]!r}"
            if csv_text is None:
                return cls(path, source=source, owned_dir=tmp,
                           data_note="no data came with the file: the other features are held at 0 and a step "
                                     "cannot be traced (add a CSV of rows, or open the run folder of "
                                     "'glassnet train')")
            model = cls(path, source=source, owned_dir=tmp)
            model._attach_csv(csv_text, csv_name or "data.csv")
            return model
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def from_path(cls, path) -> "OpenedModel":
        """A run folder of ``glassnet train`` (model.keras, preprocessing.json, metrics.json with the data
        file), or a ``.keras`` / ``.h5`` file, on this machine."""
        if not isinstance(path, str) or not path.strip():
            raise _problem("path must be the path of a run folder or of a .keras / .h5 file on this machine")
        path = os.path.abspath(os.path.expanduser(path.strip()))
        if os.path.isfile(path):
            if not path.lower().endswith(SUFFIXES):
                raise _problem(f"{path!r} is not a .keras / .h5 file or a run folder")
            return cls(path, source=repr(path), data_note="a model file without its run folder: the other "
                       "features are held at 0 and a step cannot be traced")
        if not os.path.isdir(path):
            raise _problem(f"no such run folder or model file: {path!r}")
        model_path = os.path.join(path, "model.keras")
        if not os.path.isfile(model_path):
            raise _problem(f"{path!r} is a folder without model.keras: give a run folder written by "
                           f"'glassnet train' or a .keras file")
        x = y = names = None
        note = None
        prep_path = os.path.join(path, "preprocessing.json")
        metrics_path = os.path.join(path, "metrics.json")
        if os.path.isfile(prep_path) and os.path.isfile(metrics_path):
            try:
                x, y, names, note = cls._run_data(prep_path, metrics_path)
            except (ValueError, TypeError, KeyError, OSError, ImportError) as exc:
                note = f"the run's data could not be read ({exc}): the other features are held at 0"
        else:
            note = "the run folder has no preprocessing.json / metrics.json: the other features are held at 0"
        return cls(model_path, source=f"run folder {os.path.basename(path)!r}", x=x, y=y, feature_names=names,
                   data_note=note, history=_read_history(os.path.join(path, "history.csv")),
                   run_records=_read_records(os.path.join(path, doctor.DIAGNOSTICS_FILE)))

    def _attach_csv(self, csv_text: bytes, csv_name: str) -> None:
        """Rows for an uploaded model: numeric CSV, inputs first, then the target column(s)."""
        from ..csv_io import CSVError, read_csv

        name = os.path.basename(str(csv_name))[:80]
        path = os.path.join(self._owned_dir, "data.csv")
        with open(path, "wb") as fh:
            fh.write(csv_text)
        try:
            frame = read_csv(path)
        except (CSVError, ValueError) as exc:
            raise _problem(f"cannot read the data {name!r}: {exc}") from None
        n = self.n_inputs
        if frame.shape[1] < n:
            raise _problem(f"the data {name!r} has {frame.shape[1]} columns; the model takes {n} inputs (the "
                           f"inputs come first, then the target column(s))")
        try:
            values = frame.to_numpy(dtype=np.float32)
        except (TypeError, ValueError):
            raise _problem(f"the data {name!r} must hold numbers only (the model's inputs, then its targets)") \
                from None
        if not len(values) or not np.all(np.isfinite(values)):
            raise _problem(f"the data {name!r} must have at least one row and no missing or infinite values")
        self.x = values[:, :n]
        self.y = values[:, n:] if values.shape[1] > n else None
        self.feature_names = [str(c) for c in frame.columns[:n]]
        with np.errstate(all="ignore"):
            self.means = self.x.mean(axis=0)
            self.lo, self.hi = self.x.min(axis=0), self.x.max(axis=0)
        flat = self.hi - self.lo <= 0
        self.lo[flat] -= 1.0
        self.hi[flat] += 1.0
        self.data_note = (f"{len(values)} rows of {name}; the other features are held at their means over these rows"
                          + ("" if self.y is not None else " (no target column after the inputs: a step "
                                                          "cannot be traced)"))

    @staticmethod
    def _run_data(prep_path, metrics_path):
        from ..csv_io import read_csv
        from ..preprocessing import TabularPreprocessor

        if os.path.getsize(metrics_path) > 1_000_000:
            raise ValueError("metrics.json is larger than 1 MB")
        with open(metrics_path, encoding="utf-8") as fh:
            metrics = json.load(fh)
        data = metrics.get("data") if isinstance(metrics, dict) else None
        if not isinstance(data, str):
            raise ValueError("metrics.json does not name the data file")
        prep = TabularPreprocessor.load(prep_path)
        frame = read_csv(data)
        x = prep.transform(frame)
        y = prep.transform_target(frame)
        train = _training_rows(frame, metrics)
        if train is not None:
            x, y = x[train], y[train]
            note = (f"the {len(x)} training rows of {os.path.basename(data)} (the run's split, recomputed from "
                    f"its seed), made into the network's inputs by the run's preprocessing; the other features "
                    f"are held at their training means")
        else:
            note = (f"{len(x)} rows of {os.path.basename(data)}, made into the network's inputs by the run's "
                    f"preprocessing (its training split could not be recomputed); the other features are "
                    f"held at their means over these rows")
        return x, y, list(prep.feature_names_), note

    def close(self) -> None:
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    # ------------------------------------------------------------------ what the page asks
    def info(self) -> dict:
        m = self.model
        layers = []
        for layer in self.dense:
            W = layer.kernel.value
            b = layer.bias.value if layer.bias is not None else np.zeros(W.shape[1], np.float32)
            act = layer.activation.name if layer.activation is not None else "linear"
            layers.append({"name": layer.name, "units": int(W.shape[1]), "activation": act,
                           "shape": list(W.shape), "W": _b64(W, "<f4"), "b": _b64(b, "<f4")})
        chain = [{"name": layer.name, "class": type(layer).__name__} for layer in health.chain_layers(m)]
        probe = self.x if self.x is not None else self.means[None, :]
        records = health.layer_records(m, probe)
        # the training doctor on the run's records when it kept them, else on these probe numbers
        n_epochs = len(self.history.get("loss", []))
        found = health.findings(records, self.history, epoch=max(n_epochs - 1, 0), model=m,
                                diagnostics=self.run_records)
        hist = {k: v[-1] for k, v in self.history.items() if k != "epoch" and v}
        return _jsonable({
            "id": self.id, "source": self.source, "name": m.name, "n_inputs": self.n_inputs,
            "params": int(m.count_params()), "features": self.feature_names, "means": self.means,
            "ranges": np.stack([self.lo, self.hi], axis=1), "layers": layers, "chain": chain,
            "rows": None if self.x is None else int(len(self.x)), "data_note": self.data_note,
            "can_trace": self.x is not None and self.y is not None,
            "loss": _loss_name(m), "max_shown_units": MAX_SHOWN_UNITS,
            "doctor": {"probe_rows": int(min(len(probe), health.PROBE)), "layers": records, "findings": found},
            "history": {"epochs": len(self.history.get("loss", [])), "last": hist},
        })

    def _features_arg(self, body, key, default):
        value = body.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < self.n_inputs:
            raise _problem(f"{key} must be the index of an input feature, 0 to {self.n_inputs - 1}, got "
                           f"{str(value)[:40]}")
        return value

    def response(self, body) -> dict:
        """``{"x": i, "y": j}``: every Dense layer's outputs over the plane of features i (across) and
        j (up), the others at their means.  The last layer's outputs at ``RESPONSE_RES``, the first
        ``MAX_SHOWN_UNITS`` units of every layer at ``THUMB_RES``; bytes 0..255 over each map's range."""
        body = body or {}
        unknown = sorted(set(body) - {"x", "y"})
        if unknown:
            raise _problem(f"unknown key(s) {', '.join(map(repr, unknown))} (known: x, y)")
        i = self._features_arg(body, "x", 0)
        j = self._features_arg(body, "y", 1 if self.n_inputs > 1 else 0)
        if i == j and self.n_inputs > 1:
            raise _problem("x and y must be two different features")

        def grid(res):
            xs = np.linspace(self.lo[i], self.hi[i], res, dtype=np.float32)
            ys = np.linspace(self.hi[j], self.lo[j], res, dtype=np.float32)
            g1, g2 = np.meshgrid(xs, ys)
            rows = np.repeat(self.means[None, :], res * res, axis=0)
            rows[:, i] = g1.ravel()
            rows[:, j] = g2.ravel()
            return rows

        def forward(rows):
            out, a = [], rows
            with np.errstate(all="ignore"):
                for layer in health.chain_layers(self.model):
                    a = layer.forward(a, training=False)
                    if type(layer).__name__ == "Dense":
                        out.append(a)
            return out

        with self.lock:
            big = forward(grid(RESPONSE_RES))[-1]
            thumbs = forward(grid(THUMB_RES))
        outputs = []
        for k in range(big.shape[1]):
            v = big[:, k]
            lo, hi = _range(v)
            outputs.append({"data": _quantize(v, lo, hi), "lo": lo, "hi": hi})
        maps = []
        for a in thumbs:
            a = a[:, :MAX_SHOWN_UNITS]
            lo, hi = _range(a)
            maps.append({"data": _quantize(a.T, lo, hi), "lo": lo, "hi": hi})
        return {"x": i, "y": j, "res": RESPONSE_RES, "thumb_res": THUMB_RES,
                "x_range": [_num(self.lo[i]), _num(self.hi[i])], "y_range": [_num(self.lo[j]), _num(self.hi[j])],
                "outputs": outputs, "maps": maps}

    def trace(self, body) -> dict:
        """``{"row": r, "rows": n}``: one training step on data rows r .. r+n-1, on a fresh copy."""
        from ..inspect import trace_step
        from ..models import load_model

        body = body or {}
        unknown = sorted(set(body) - {"row", "rows"})
        if unknown:
            raise _problem(f"unknown key(s) {', '.join(map(repr, unknown))} (known: row, rows)")
        if self.x is None or self.y is None:
            raise _problem(f"no data to trace a step on: {self.data_note}")
        n = len(self.x)
        row, rows = body.get("row", 0), body.get("rows", 4)
        for name, value, low, high in (("row", row, 0, n - 1), ("rows", rows, 1, MAX_TRACE_ROWS)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise _problem(f"{name} must be a whole number from {low} to {high}, got {str(value)[:40]}")
        idx = np.arange(row, min(n, row + rows))
        with self.lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            copy = load_model(self.model_path)
            if not getattr(copy, "compiled", False) or getattr(copy, "optimizer", None) is None:
                _compile_default(copy)
            with np.errstate(all="ignore"):
                tr = trace_step(copy, self.x[idx], self.y[idx])
        return _jsonable({"rows": idx, "loss": tr.loss, "loss_name": _loss_name(copy),
                          "optimizer": tr.optimizer, "learning_rate": tr.learning_rate,
                          "inputs": self.feature_names, "targets": self.y[idx], "layers": tr.layers})


def _training_rows(frame, metrics):
    """The run's training rows, recomputed with ``glassnet train``'s own split and seed; None if unsure.

    metrics.json keeps the seed and how many rows each part got, not the fractions asked for: the
    fractions are recovered as those counts over the rows (to 2 decimals, as typed) and accepted only
    when the split they give has exactly the recorded counts.
    """
    try:
        from ..cli.runs import split_rows
    except ImportError:        # pragma: no cover - the command line moved
        return None
    rows, task, target, seed = (metrics.get(k) for k in ("rows", "task", "target", "seed"))
    if not (isinstance(rows, dict) and isinstance(target, list) and target and isinstance(seed, int)):
        return None
    n = len(frame)
    try:
        want = (int(rows["train"]), int(rows["validation"]), int(rows["test"]))
        labels = frame[target[0]]
    except (KeyError, TypeError, ValueError):
        return None
    for val, test in {(round(want[1] / n, 2), round(want[2] / n, 2)), (0.2, 0.0)}:
        try:
            parts = split_rows(n, task, labels, val, test, seed)
        except Exception:      # noqa: BLE001 - any failure means: not recoverable
            return None
        if tuple(len(p) for p in parts) == want:
            return parts[0]
    return None


def _read_history(path, max_bytes=2_000_000) -> dict:
    """history.csv of a run (CSVLogger: a header, then one row of numbers per epoch) -> dict of lists;
    {} when absent, too large or not numbers."""
    import csv

    try:
        if not os.path.isfile(path) or os.path.getsize(path) > max_bytes:
            return {}
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        if len(rows) < 2:
            return {}
        names = rows[0]
        cols = {name: [] for name in names}
        for row in rows[1:]:
            if len(row) != len(names):
                return {}
            for name, value in zip(names, row):
                cols[name].append(float(value))
        epochs = cols.get("epoch")
        if epochs is not None and ("loss" not in cols or any(e != int(e) for e in epochs)
                                   or any(b <= a for a, b in zip(epochs, epochs[1:]))):
            del cols["epoch"]          # not CSVLogger's epoch numbers: the doctor counts the rows instead
        return cols
    except (OSError, ValueError, UnicodeDecodeError, csv.Error):
        return {}


def _read_records(path, max_bytes=8_000_000):
    """A run's diagnostics.csv (the training doctor's records) -> dict of lists; None when absent, too
    large or not such a file."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > max_bytes:
            return None
        return doctor.read_diagnostics_csv(path)
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return None


def _range(v):
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _loss_name(model) -> str | None:
    loss = getattr(model, "loss", None)
    if loss is None:
        return None
    return loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)


def _compile_default(model) -> None:
    """A model saved without its training configuration: the loss its output layer suggests, SGD(0.01)."""
    from .. import optimizers

    last = [layer for layer in model.layers if type(layer).__name__ == "Dense"][-1]
    act = last.activation.name if last.activation is not None else "linear"
    loss = {"sigmoid": "binary_crossentropy", "softmax": "sparse_categorical_crossentropy"}.get(act, "mse")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss=loss)


def _base64_member(body, key, what):
    """``body[key]``, a string of base64, decoded; a ParamError naming ``key`` otherwise."""
    import base64
    import binascii

    value = body.get(key)
    if not isinstance(value, str):
        raise _problem(f"{key} must be {what} bytes in base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _problem(f"{key} is not valid base64") from None


def decode_upload(body, max_bytes) -> tuple:
    """``{"filename": ..., "data": base64}`` -> (filename, bytes); ParamError when malformed."""
    unknown = sorted(set(body) - {"filename", "data", "csv", "csv_name"})
    if unknown:
        raise _problem(f"unknown key(s) {', '.join(map(repr, unknown))} (known: filename, data, csv, csv_name) "
                       f"or path")
    content = _base64_member(body, "data", "the file's")
    if len(content) > max_bytes:
        raise _problem(f"the model file is too large ({len(content)} bytes; at most {max_bytes})")
    csv_text = body.get("csv")
    if csv_text is not None:
        csv_text = _base64_member(body, "csv", "the data file's")
        if len(content) + len(csv_text) > max_bytes:
            raise _problem(f"the model and data files are too large together ({len(content) + len(csv_text)} "
                           f"bytes; at most {max_bytes})")
    return body.get("filename"), content, csv_text, body.get("csv_name")
