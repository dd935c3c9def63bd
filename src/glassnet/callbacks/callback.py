"""The callback protocol: :class:`Callback`, :class:`CallbackList` and shared helpers.

A callback is an object whose ``on_*`` hooks the training loop calls at fixed
moments: the start and end of ``fit``/``evaluate``/``predict``, of every epoch
and of every batch.  Hooks receive ``logs``, a flat dict of metric name ->
Python float (``{'loss': 0.25, 'val_loss': 0.31}``).

Callbacks see the model only through this small surface (the contract in
``docs/ARCHITECTURE.md``): ``model.stop_training`` (bool), ``model.get_weights()``,
``model.set_weights(ws)``, ``model.optimizer.learning_rate`` (a float that can be
read and assigned) and ``model.history``.  ``callback.params`` is
``{'epochs', 'steps', 'verbose'}``.

This module also holds :class:`MonitorCallback`, the base of the callbacks that
watch one logged quantity and decide whether it improved (EarlyStopping,
ReduceLROnPlateau, and later ModelCheckpoint).
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

from .._validation import check_float, check_one_of

#: Every hook a callback may implement, in the order Keras documents them.
HOOKS = (
    "on_batch_begin", "on_batch_end",
    "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
    "on_train_begin", "on_train_end",
    "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)


# ------------------------------------------------------------------------- helpers
def print_msg(message, line_break: bool = True) -> None:
    """Write ``message`` to the current ``sys.stdout`` and flush it.

    The stream is looked up at call time, so redirections (``capsys``,
    ``contextlib.redirect_stdout``) are honoured.  If the stream cannot encode
    the heavy bar character ``━`` it falls back to ``=`` (and drops anything
    else it cannot encode), as Keras does.
    """
    text = f"{message}\n" if line_break else str(message)
    stream = sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        text = text.replace("\u2501", "=").encode(encoding, errors="ignore").decode(encoding)
        stream.write(text)
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()


def _to_python(value):
    """``float(value)`` when ``value`` is a number (or a one-element array); else ``value``."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.size != 1:
            return value
        value = value.reshape(()).item() if isinstance(value, np.ndarray) else value.item()
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return value


def pythonify_logs(logs) -> dict:
    """Return a new flat dict of ``logs`` with keys sorted and numbers as Python floats.

    Nested dicts are merged into the result (their own keys, sorted); values that
    ``float()`` cannot convert are kept as they are.  Keras passes every log dict
    through this step, which is why metrics reach callbacks (and the progress
    bar) in alphabetical order.
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            result[key] = _to_python(value)
    return result


def require_model(callback):
    """The callback's model, or a ``RuntimeError`` saying that none was set."""
    model = callback.model
    if model is None:
        raise RuntimeError(
            f"{type(callback).__name__}: no model is set; call set_model(model) first "
            f"(fit, evaluate and predict do this for you)"
        )
    return model


# ------------------------------------------------------------------------ Callback
class Callback:
    """Base class of all callbacks: every hook exists and does nothing.

    Subclass it and override the hooks you need.  Attributes:

    ``params``
        dict of run parameters (``{'epochs', 'steps', 'verbose'}``), set by
        :meth:`set_params`; ``None`` until then.
    ``model``
        the model being trained (read-only property), set by :meth:`set_model`.

    ``on_train_batch_begin``/``on_train_batch_end`` call the older aliases
    ``on_batch_begin``/``on_batch_end`` by default, so overriding either name works.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        """Store the run parameters dict (``{'epochs', 'steps', 'verbose'}``)."""
        self.params = params

    def set_model(self, model):
        """Attach the model the hooks act on."""
        self._model = model

    @property
    def model(self):
        """The model set by :meth:`set_model` (``None`` before)."""
        return self._model

    # -- batch aliases kept for backwards compatibility
    def on_batch_begin(self, batch, logs=None):
        """Alias of :meth:`on_train_batch_begin` kept for older code."""

    def on_batch_end(self, batch, logs=None):
        """Alias of :meth:`on_train_batch_end` kept for older code."""

    # -- epochs (training only)
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (0-based) of ``fit``."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch ``epoch`` with that epoch's metrics.

        ``logs`` holds the training metrics and, when validation ran, the
        validation metrics prefixed ``val_``: ``{'loss': 0.2, 'val_loss': 0.3}``.
        """

    # -- batches
    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch ``batch`` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch ``batch``; ``logs`` are the running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of ``evaluate`` (or of validation inside ``fit``)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of ``evaluate``; ``logs`` are the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of ``predict``."""

    # -- whole runs
    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends; ``logs`` are the last epoch's metrics."""

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` (or a validation pass) starts."""

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` (or a validation pass) ends, with its metrics."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""


# -------------------------------------------------------------------- CallbackList
def _flatten_callbacks(callbacks) -> list:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"CallbackList: callbacks must be a Callback or a list of Callback instances, "
            f"got {type(callbacks).__name__}"
        )
    flat = []
    for item in callbacks:
        if isinstance(item, (list, tuple)):
            flat.extend(_flatten_callbacks(item))
        elif isinstance(item, Callback):
            flat.append(item)
        else:
            raise TypeError(
                f"CallbackList: callbacks must be Callback instances, got "
                f"{type(item).__name__} {item!r}"
            )
    return flat


class CallbackList(Callback):
    """Several callbacks driven as one: each hook calls the same hook on every member.

    Arguments (Keras's): ``callbacks`` (a list of :class:`Callback`), ``add_history``
    (append a :class:`History` unless one is in the list), ``add_progbar`` (append a
    :class:`ProgbarLogger` unless one is in the list), ``model`` (given to every
    member with ``set_model``; when a History is present it also becomes
    ``model.history``) and ``**params`` (given to every member with ``set_params``,
    e.g. ``epochs=10, steps=469, verbose=1``).

    Logs are converted once per hook by :func:`pythonify_logs` (sorted keys,
    Python floats) and the *same* dict is handed to each member in turn, so a
    member that adds an entry (LearningRateScheduler adds ``learning_rate``) is
    seen by the members after it, as in Keras.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten_callbacks(callbacks)
        self._open_blocks = 0
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        from .history import History
        from .progbar import ProgbarLogger

        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback):
        """Add one callback at the end, giving it the list's model and params."""
        (callback,) = _flatten_callbacks([callback])
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params):
        """Store ``params`` and, when it is non-empty, pass it to every member."""
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        """Give ``model`` to every member (``None`` is ignored) and set ``model.history``."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def has_batch_hooks(self, mode: str = "train") -> bool:
        """Does any member override a per-batch hook of ``mode`` ('train', 'test', 'predict')?

        ``fit`` skips the per-batch calls (and building the per-batch logs) when none does,
        which is most of the cost of a step for a small network.
        """
        names = [f"on_{mode}_batch_begin", f"on_{mode}_batch_end"]
        if mode == "train":
            names += ["on_batch_begin", "on_batch_end"]
        return any(getattr(type(cb), name, None) is not getattr(Callback, name) or name in vars(cb)
                   for cb in self.callbacks for name in names)

    # -- dispatch
    def _call(self, hook, *args, logs=None, keyword=False):
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            if keyword:
                getattr(callback, hook)(*args, logs=logs)
            else:
                getattr(callback, hook)(*args, logs)

    def _begin(self):
        self._open_blocks += 1

    def _end(self):
        self._open_blocks -= 1
        if self._open_blocks < 0:
            self._open_blocks = 0
            raise ValueError("CallbackList: on_xxx_end called without a matching on_xxx_begin")

    def on_batch_begin(self, batch, logs=None):
        """Call ``on_batch_begin(batch, logs=...)`` on every member."""
        self._call("on_batch_begin", batch, logs=logs, keyword=True)

    def on_batch_end(self, batch, logs=None):
        """Call ``on_batch_end(batch, logs=...)`` on every member."""
        self._call("on_batch_end", batch, logs=logs, keyword=True)

    def on_epoch_begin(self, epoch, logs=None):
        """Call ``on_epoch_begin(epoch, logs)`` on every member."""
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Call ``on_epoch_end(epoch, logs)`` on every member (one shared logs dict)."""
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Call ``on_train_batch_begin`` on every member."""
        self._call("on_train_batch_begin", batch, logs=logs, keyword=True)

    def on_train_batch_end(self, batch, logs=None):
        """Call ``on_train_batch_end`` on every member."""
        self._call("on_train_batch_end", batch, logs=logs, keyword=True)

    def on_test_batch_begin(self, batch, logs=None):
        """Call ``on_test_batch_begin`` on every member."""
        self._call("on_test_batch_begin", batch, logs=logs, keyword=True)

    def on_test_batch_end(self, batch, logs=None):
        """Call ``on_test_batch_end`` on every member."""
        self._call("on_test_batch_end", batch, logs=logs, keyword=True)

    def on_predict_batch_begin(self, batch, logs=None):
        """Call ``on_predict_batch_begin`` on every member."""
        self._call("on_predict_batch_begin", batch, logs=logs, keyword=True)

    def on_predict_batch_end(self, batch, logs=None):
        """Call ``on_predict_batch_end`` on every member."""
        self._call("on_predict_batch_end", batch, logs=logs, keyword=True)

    def on_train_begin(self, logs=None):
        """Call ``on_train_begin`` on every member."""
        self._begin()
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        """Call ``on_train_end`` on every member."""
        self._call("on_train_end", logs=logs)
        self._end()

    def on_test_begin(self, logs=None):
        """Call ``on_test_begin`` on every member."""
        self._begin()
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        """Call ``on_test_end`` on every member."""
        self._call("on_test_end", logs=logs)
        self._end()

    def on_predict_begin(self, logs=None):
        """Call ``on_predict_begin`` on every member."""
        self._begin()
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        """Call ``on_predict_end`` on every member."""
        self._call("on_predict_end", logs=logs)
        self._end()


# ----------------------------------------------------------------- MonitorCallback
#: Directions of Keras's built-in metrics, by the name they log under; used only
#: when a compiled metric of that name does not carry Keras's ``_direction``.
_METRIC_DIRECTIONS = {
    **dict.fromkeys((
        "accuracy", "acc", "auc", "binary_accuracy", "binary_io_u", "categorical_accuracy",
        "concordance_correlation", "cosine_similarity", "f1_score", "fbeta_score", "mean_io_u",
        "one_hot_mean_io_u", "pearson_correlation", "precision", "r2_score", "recall",
        "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
        "top_k_categorical_accuracy",
    ), "up"),
    **dict.fromkeys((
        "binary_crossentropy", "categorical_crossentropy", "categorical_hinge", "hinge",
        "kl_divergence", "logcosh", "mean_absolute_error", "mae",
        "mean_absolute_percentage_error", "mape", "mean_squared_error", "mse",
        "mean_squared_logarithmic_error", "msle", "poisson", "root_mean_squared_error",
        "sparse_categorical_crossentropy", "squared_hinge",
    ), "down"),
}


def _model_metrics(model) -> list:
    """The model's metric objects, with containers (objects with ``.metrics``) opened."""
    found = []
    for m in getattr(model, "metrics", None) or []:
        inner = getattr(m, "metrics", None)
        if isinstance(inner, (list, tuple)):
            found.extend(inner)
        else:
            found.append(m)
    return found


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged quantity and detect improvements.

    ``mode`` is ``'min'`` (lower is better), ``'max'`` (higher is better) or
    ``'auto'``; Keras's auto rule: a name that is ``loss`` once any ``val_`` prefix
    is removed means min; otherwise the model's compiled metric of that name
    decides through its ``_direction`` (``'up'`` -> max, ``'down'`` -> min); if
    neither applies a ``ValueError`` asks for an explicit mode.  The direction is
    settled at the first ``on_epoch_end`` (when the metrics exist).

    ``current`` improves on ``reference`` when ``current - min_delta < reference``
    (min) or ``current - min_delta > reference`` (max), with ``min_delta`` made
    negative for min so that an improvement must beat the reference by more than
    ``|min_delta|``.  Both sides are rounded to float32 before comparing, as
    Keras's TensorFlow backend does.  Any value improves on ``None``.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        where = type(self).__name__
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"{where}: monitor must be a metric name (str), got {monitor!r}")
        check_one_of(mode, "mode", ("auto", "min", "max"), where)
        self.monitor = monitor
        self.mode = mode
        self.best = check_float(baseline, "baseline", where, allow_none=True)
        self.min_delta = abs(check_float(min_delta, "min_delta", where))
        self.monitor_op = None

    def _set_monitor_op(self):
        where = type(self).__name__
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = np.less
            for m in _model_metrics(self.model):
                if getattr(m, "name", None) != name:
                    continue
                direction = getattr(m, "_direction", None) or _METRIC_DIRECTIONS.get(name)
                if direction == "up":
                    self.monitor_op = np.greater
                elif direction == "down":
                    self.monitor_op = np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{where}: cannot tell whether monitor={self.monitor!r} should be "
                    f"minimized or maximized; pass mode='min' or mode='max'"
                )
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _monitored_value(self, logs, subject: str, end: str = ""):
        """``logs[monitor]``, or ``None`` after Keras's warning ``'<subject> conditioned on metric `m`
        which is not available. Available metrics are: <keys><end>'`` (each callback words its own)."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"{subject} conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}{end}", stacklevel=3)
        return value

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        # Keras (TensorFlow backend) compares as float32 tensors: both sides are
        # rounded to float32 after the subtraction, so 0.8 - 0.2 does not beat 0.6.
        with np.errstate(over="ignore"):  # beyond float32 range -> inf, silently
            return bool(self.monitor_op(np.float32(monitor_value - self.min_delta),
                                        np.float32(reference_value)))
