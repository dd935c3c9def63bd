"""``TensorBoard``: log metrics, weight histograms and the model graph for TensorBoard.

What is written, and where (Keras 3's layout; ``log_dir`` is the callback's argument)::

    log_dir/train/events.out.tfevents.*.v2        training run
        keras                       step 0       the model's JSON (Graphs tab, conceptual graph),
                                                 when write_graph, at set_model
        (graph_def event)                        the op graph of the forward pass, when
                                                 write_graph, after the first training batch
        epoch_<metric>              step = epoch every epoch: loss, accuracy, ... from the logs
        epoch_learning_rate         step = epoch the optimizer's learning rate at the epoch's end
        epoch_steps_per_second      step = epoch when write_steps_per_second
        batch_<metric>              step = global batch (1, 2, ...), every update_freq batches
        batch_steps_per_second      step = global batch, when write_steps_per_second and
                                                 update_freq is not 'epoch'
        <model>/<layer>/<weight>/histogram  step = epoch, every histogram_freq epochs
                                                 (e.g. sequential/dense/kernel/histogram)
    log_dir/validation/events.out.tfevents.*.v2   validation run
        epoch_<metric>              step = epoch the val_ entries of the logs, prefix removed
        evaluation_<metric>_vs_iterations  step = optimizer.iterations, at every evaluation

Files are flushed at the end of every epoch and closed when training ends; a later
``evaluate``/``fit`` with the same callback opens new files, as Keras does.

One difference from Keras 3.15 on purpose: with an integer ``update_freq``, Keras's
``record_if`` condition also filters the epoch-level summaries, so an epoch whose last global
batch is not a multiple of ``update_freq`` silently loses its ``epoch_*`` scalars and
histograms.  glassnet always writes them.

What glassnet cannot do is said once, as a ``UserWarning`` naming the argument, when the
callback is made, and training goes on: ``profile_batch`` (no TensorFlow profiler),
``embeddings_freq`` (no Embedding layers or projector checkpoints) and ``write_images``
(weight images are not written).
"""
from __future__ import annotations

import json
import numbers
import os
import time
import warnings

import numpy as np

from .._validation import check_bool, check_path
from ..tensorboard import EventFileWriter, sequential_graph_def
from .callback import Callback

_WHERE = "TensorBoard"


def _check_freq(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{_WHERE}: {name} must be a non-negative integer (0 = never), got {value!r}")
    return int(value)


def _parse_profile_batch(profile_batch) -> tuple[int, int]:
    """Keras's rules: an int >= 0, a pair ``(start, stop)``, or the string ``'start,stop'``."""
    message = (f"{_WHERE}: profile_batch must be a non-negative integer or a pair (start, stop) of "
               f"positive integers with start <= stop, got {profile_batch!r}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        if len(value) == 1:
            value = value[0]

    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))

    if is_int(value):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        start, stop = int(value[0]), int(value[1])
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _as_scalar(value):
    """``float(value)`` for a number or one-element array, else ``None`` (not loggable)."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.size != 1 or value.dtype.kind not in "biuf":
            return None
        value = value.reshape(()).item() if isinstance(value, np.ndarray) else value.item()
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def model_to_json(model) -> str:
    """The model as Keras's ``model.to_json()``: ``{"module", "class_name", "config",
    "registered_name", "build_config", "compile_config"}``, ``json.dumps`` with default
    separators.  Uses ``model.to_json()`` when the model has one."""
    to_json = getattr(model, "to_json", None)
    if callable(to_json):
        try:
            text = to_json()
        except Exception:  # fall back to the config below
            text = None
        if isinstance(text, str):
            return text
    obj = {"module": "keras", "class_name": type(model).__name__, "config": model.get_config(),
           "registered_name": None}
    input_shape = getattr(model, "input_shape", None) if getattr(model, "built", False) else None
    if input_shape is not None:
        obj["build_config"] = {"input_shape": list(input_shape)}
    get_compile_config = getattr(model, "get_compile_config", None)
    if callable(get_compile_config):
        try:
            compile_config = get_compile_config()
        except Exception:  # the config is optional: the graph needs only the layers
            compile_config = None
        if compile_config is not None:
            obj["compile_config"] = compile_config
    return json.dumps(obj, default=_json_default)


def weight_tag(model, variable) -> str:
    """Keras 3's histogram tag of a weight: its path with ``:`` as ``_``, under the model's
    name (``sequential/dense/kernel``), then ``/histogram``."""
    path = str(variable.path)
    prefix = getattr(model, "name", None)
    if prefix and not path.startswith(f"{prefix}/"):
        path = f"{prefix}/{path}"
    return f"{path.replace(':', '_')}/histogram"


class TensorBoard(Callback):
    """Write what TensorBoard shows (Keras 3's ``keras.callbacks.TensorBoard``, on NumPy).

    Args:
        log_dir: folder of the logs; runs go to ``log_dir/train`` and ``log_dir/validation``.
            Open them with ``tensorboard --logdir <log_dir>``.
        histogram_freq: every how many epochs to write a histogram of every weight (0 = never).
        write_graph: write the model (its JSON, the Graphs tab's conceptual graph) and the op
            graph of its forward pass.
        write_images: Keras writes weights as images; glassnet does not (warns once).
        write_steps_per_second: also log training steps per second (per epoch, and per batch
            when ``update_freq`` is not ``'epoch'``).
        update_freq: ``'epoch'`` (only epoch summaries), ``'batch'`` (= 1) or an integer ``N``:
            also write ``batch_<metric>`` every ``N`` training batches, at the global batch
            count (1-based, counted across epochs) as step.
        profile_batch: Keras's profiler range (0 = off); accepted and checked, but glassnet has
            no profiler, so a non-zero value warns once.
        embeddings_freq: Keras's embedding projector frequency (0 = off); glassnet has no
            Embedding layer, so a non-zero value warns once.
        embeddings_metadata: Keras's metadata file(s) for the projector: ``None``, a file name,
            or a dict of Embedding layer name -> file name.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self.log_dir = check_path(log_dir, "log_dir", _WHERE)
        self.histogram_freq = _check_freq(histogram_freq, "histogram_freq")
        self.write_graph = check_bool(write_graph, "write_graph", _WHERE)
        self.write_images = check_bool(write_images, "write_images", _WHERE)
        self.write_steps_per_second = check_bool(write_steps_per_second, "write_steps_per_second", _WHERE)
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and (isinstance(update_freq, (bool, np.bool_))
                                         or not isinstance(update_freq, numbers.Integral) or update_freq < 1):
            raise ValueError(f"{_WHERE}: update_freq must be 'epoch', 'batch' or a positive integer "
                             f"(every N batches), got {update_freq!r}")
        self.update_freq = update_freq if update_freq == "epoch" else int(update_freq)
        self._start_batch, self._stop_batch = _parse_profile_batch(profile_batch)
        self.embeddings_freq = _check_freq(embeddings_freq, "embeddings_freq")
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, dict)):
            raise TypeError(f"{_WHERE}: embeddings_metadata must be None, a file name (str) or a dict "
                            f"of Embedding layer name -> file name, got {type(embeddings_metadata).__name__}")
        self.embeddings_metadata = embeddings_metadata

        if (self._start_batch, self._stop_batch) != (0, 0):
            warnings.warn(f"TensorBoard: profile_batch={profile_batch!r} asks for the TensorFlow "
                          f"profiler, which glassnet does not have; no profile is written and "
                          f"training goes on", UserWarning, stacklevel=2)
        if self.embeddings_freq:
            warnings.warn(f"TensorBoard: embeddings_freq={self.embeddings_freq} asks for the "
                          f"embedding projector, but glassnet has no Embedding layers; no embeddings "
                          f"are written and training goes on", UserWarning, stacklevel=2)
        if self.write_images:
            warnings.warn("TensorBoard: write_images=True is not supported by glassnet; weights are "
                          "not written as images (use histogram_freq for their histograms) and "
                          "training goes on", UserWarning, stacklevel=2)

        self._writers: dict[str, EventFileWriter] = {}
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._should_write_train_graph = False
        self._warned_non_finite = False
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # -------------------------------------------------------------------- writers
    def _writer(self, key: str) -> EventFileWriter:
        writer = self._writers.get(key)
        if writer is None or writer.closed:
            writer = EventFileWriter(self._train_dir if key == "train" else self._val_dir)
            self._writers[key] = writer
        return writer

    @property
    def _train_writer(self) -> EventFileWriter:
        return self._writer("train")

    @property
    def _val_writer(self) -> EventFileWriter:
        return self._writer("val")

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _flush_writers(self) -> None:
        for writer in self._writers.values():
            if not writer.closed:
                writer.flush()

    # ---------------------------------------------------------------------- model
    def set_model(self, model):
        """Attach ``model``; with ``write_graph`` write its JSON (tag ``keras``) to the train run."""
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._close_writers()
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_keras_model_summary()
            self._should_write_train_graph = True
        if self.embeddings_freq and isinstance(self.embeddings_metadata, dict) and self.embeddings_metadata:
            raise ValueError(f"{_WHERE}: embeddings_metadata names layers that are not Embedding layers "
                             f"of the model (glassnet has none): {sorted(self.embeddings_metadata)}")

    def _write_keras_model_summary(self) -> None:
        try:
            model_json = model_to_json(self.model)
        except Exception as exc:  # a model that cannot be serialized must not stop training
            warnings.warn(f"TensorBoard: the model could not be serialized as JSON, so its graph "
                          f"summary is skipped: {exc}", UserWarning, stacklevel=3)
            return
        writer = self._train_writer
        writer.add_keras_model(model_json, step=0)
        writer.flush()

    def _write_model_graph(self) -> None:
        try:
            graph = sequential_graph_def(self.model)
        except Exception as exc:
            warnings.warn(f"TensorBoard: the model's op graph could not be built, so it is not "
                          f"written: {exc}", UserWarning, stacklevel=3)
            return
        self._train_writer.add_graph(graph)

    # ---------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        """Reset the global batch counter."""
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_end(self, logs=None):
        """Flush and close every event file."""
        self._close_writers()

    def on_test_end(self, logs=None):
        """Write ``evaluation_<metric>_vs_iterations`` to the validation run at step
        ``optimizer.iterations``."""
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        step = int(optimizer.iterations)
        writer = self._val_writer
        for name, value in logs.items():
            value = _as_scalar(value)
            if value is not None:
                writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step=step)

    def on_test_batch_begin(self, batch, logs=None):
        """Count evaluation batches across the run (Keras keeps this counter too)."""
        self._global_test_batch += 1

    def on_train_batch_begin(self, batch, logs=None):
        """Count the batch (1-based, across epochs) and start its timer."""
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        """Write the op graph after the first batch; every ``update_freq`` batches write
        ``batch_<metric>`` (and ``batch_steps_per_second``) at the global batch count."""
        if self._should_write_train_graph:
            self._write_model_graph()
            self._should_write_train_graph = False
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer = self._train_writer
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed if elapsed > 0 else float("inf"),
                              step=step)
        if isinstance(logs, dict):
            for name, value in logs.items():
                value = _as_scalar(value)
                if value is not None:
                    writer.add_scalar(f"batch_{name}", value, step=step)

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the optimizer's step count and the time, for steps per second."""
        if self.write_steps_per_second:
            self._previous_epoch_iterations = self._iterations()
            self._epoch_start_time = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's scalars, the histograms when due, then flush the files."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        self._flush_writers()

    # -------------------------------------------------------------------- helpers
    def _iterations(self) -> int:
        optimizer = getattr(self.model, "optimizer", None)
        return int(getattr(optimizer, "iterations", 0) or 0)

    def _collect_learning_rate(self, logs: dict) -> dict:
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is None:
            return logs
        inner = getattr(optimizer, "optimizers", None)
        if isinstance(inner, (list, tuple)):
            for opt in inner:
                value = _as_scalar(getattr(opt, "learning_rate", None))
                if value is not None:
                    logs[f"learning_rate_{opt.name}"] = value
        else:
            value = _as_scalar(getattr(optimizer, "learning_rate", None))
            if value is not None:
                logs["learning_rate"] = value
        return logs

    def _log_epoch_metrics(self, epoch: int, logs) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else float("inf")
        for run, entries, cut in (("train", train_logs, 0), ("val", val_logs, 4)):
            if not entries:
                continue
            writer = self._writer(run)
            for name, value in entries.items():
                value = _as_scalar(value)
                if value is not None:
                    writer.add_scalar(f"epoch_{name[cut:]}", value, step=epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._train_writer
        for layer in getattr(self.model, "layers", []):
            for weight in getattr(layer, "weights", []):
                values = np.asarray(weight.value if hasattr(weight, "value") else weight)
                if not np.isfinite(values).all():
                    if not self._warned_non_finite:
                        warnings.warn(f"TensorBoard: weight {weight.path!r} holds NaN or inf at epoch "
                                      f"{epoch}; histograms of non-finite weights are skipped",
                                      UserWarning, stacklevel=3)
                        self._warned_non_finite = True
                    continue
                writer.add_histogram(weight_tag(self.model, weight), values, step=epoch)
