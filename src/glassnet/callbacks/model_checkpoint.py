"""``ModelCheckpoint``: save the model (or its weights) during ``fit``, Keras's way.

When it saves (Keras 3's rules):

- ``save_freq='epoch'``: at the end of every epoch;
  ``save_freq=N`` (an int): at the end of every N-th training batch, counted
  across epochs (the count restarts after each save).
- ``save_best_only=False``: every time it is asked to.
  ``save_best_only=True``: only when the monitored value (``logs[monitor]``)
  improves on the best so far (see :class:`MonitorCallback` for ``mode`` and
  the comparison); the first value always improves unless
  ``initial_value_threshold`` is given, which then acts as the best so far.
  When the monitored value is missing from the logs it warns
  ``Can save best model only with <monitor> available.`` and saves anyway.

The path is ``filepath.format(epoch=epoch + 1, **logs)`` (plus ``batch=batch + 1``
for batch-level saves), so ``'ckpt-{epoch:02d}-{val_loss:.2f}.keras'`` names each
file after its epoch (1-based) and validation loss.  Whole models need a
``.keras`` or ``.h5`` path, weights (``save_weights_only=True``) a
``.weights.h5`` path.  Every write is atomic (see :mod:`glassnet.saving`): an
interrupted run leaves the previous checkpoint intact.

With ``verbose=1`` it prints Keras's messages, e.g.
``Epoch 3: val_loss improved from 0.41230 to 0.39871, saving model to ckpt.keras``.
"""
from __future__ import annotations

import numbers
import os
import warnings

import numpy as np

from .callback import MonitorCallback, print_msg, require_model


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights at some frequency (``keras.callbacks.ModelCheckpoint``).

    Args:
        filepath: str or PathLike; may hold ``{epoch:02d}``, ``{batch}`` and any
            log key (``{val_loss:.2f}``); must end in ``.keras`` or ``.h5`` (whole
            model) or ``.weights.h5`` (with ``save_weights_only=True``).
        monitor: the log key to watch ('val_loss').
        verbose: 0 (silent) or 1 (a message whenever it acts).
        save_best_only: save only when ``monitor`` improves.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: 'auto', 'min' or 'max' (see :class:`MonitorCallback`).
        save_freq: 'epoch' or a positive int (every that many batches).
        initial_value_threshold: the best value to beat at the start (save_best_only).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        where = "ModelCheckpoint"
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"{where}: filepath must be a str or os.PathLike, got {type(filepath).__name__} "
                            f"{filepath!r}")
        self.filepath = os.fspath(filepath)
        if isinstance(verbose, bool) or not isinstance(verbose, numbers.Integral) or verbose < 0:
            raise ValueError(f"{where}: verbose must be 0 or 1, got {verbose!r}")
        self.verbose = int(verbose)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral)
                                     or save_freq <= 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or "
                             f"integer values (a positive number of batches)")
        self.save_freq = save_freq if save_freq == "epoch" else int(save_freq)
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if self.save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                                 "provided must end in `.weights.h5` (Keras weights format). Received: "
                                 f"filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")

    # ------------------------------------------------------------------ hooks
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        """With an integer ``save_freq``, count batches and save every ``save_freq`` of them."""
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Settle the monitor's direction; with ``save_freq='epoch'``, maybe save."""
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    # ------------------------------------------------------------------ decisions
    def _should_save_on_batch(self, batch) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            add_batches = batch + 1          # a new epoch started: batches are 0-based
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, batch, logs, filepath) -> bool:
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                          f"Falling back to `save_best_only=False`.", stacklevel=2)
            return True
        if self.monitor_op is None:
            # A batch-level save before the first epoch end (Keras would fail here).
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                          f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _get_file_path(self, epoch, batch, logs) -> str:
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as exc:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc} is not '
                           f'in the logs (available: epoch, batch, {", ".join(sorted(logs)) or "nothing else"})'
                           ) from None

    def _save_model(self, epoch, batch, logs) -> None:
        model = require_model(self)
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, batch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an "
                          f"existing directory: {filepath}")
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            model.save_weights(filepath, overwrite=True)
        else:
            model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
