"""``ReduceLROnPlateau``: multiply the learning rate by ``factor`` when a metric stalls."""
from __future__ import annotations

import numpy as np

from .._validation import check_float, check_non_negative_int
from .callback import MonitorCallback, print_msg, require_model
from .learning_rate_scheduler import _optimizers_of


class ReduceLROnPlateau(MonitorCallback):
    """Reduce the learning rate when ``monitor`` has not improved for ``patience`` epochs.

    At each epoch end (after writing the current rate into the logs as
    ``learning_rate``):

    * during a cooldown the cooldown counter drops by one and ``wait`` is reset;
    * an improvement (see :class:`MonitorCallback`, here ``min_delta`` defaults to
      1e-4) records the new best and resets ``wait``;
    * otherwise, outside a cooldown, ``wait += 1`` and once ``wait >= patience``
      the rate becomes ``max(lr * factor, min_lr)`` (only while ``lr > min_lr``,
      compared in float32), then a cooldown of ``cooldown`` epochs starts and
      ``wait`` is reset.

    Arguments: monitor ('val_loss'), factor (0.1, in [0, 1)), patience (10),
    verbose (0; 1 prints ``Epoch N: ReduceLROnPlateau reducing learning rate to X.``),
    mode ('auto', 'min' or 'max'), min_delta (1e-4), cooldown (0), min_lr (0.0).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta=min_delta)
        where = "ReduceLROnPlateau"
        self.factor = check_float(factor, "factor", where, low=0.0, high=1.0, high_inclusive=False)
        self.min_lr = check_float(min_lr, "min_lr", where, low=0.0)
        self.patience = check_non_negative_int(patience, "patience", where)
        self.verbose = check_non_negative_int(verbose, "verbose", where)
        self.cooldown = check_non_negative_int(cooldown, "cooldown", where)
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        """Forget the best value and both counters."""
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """True while the epochs of cooldown after a reduction are running."""
        return self.cooldown_counter > 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=None) -> bool:
        old_lr = float(optimizer.learning_rate)
        with np.errstate(over="ignore"):
            above_min = np.float32(old_lr) > np.float32(self.min_lr)
        if not above_min:
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            which = f" {name}" if name else ""
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate to {new_lr}.")
        return True

    def on_train_begin(self, logs=None):
        """Reset the state so that one instance can serve several ``fit`` calls."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate, compare ``logs[monitor]`` with the best so far, maybe reduce."""
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        optimizers = _optimizers_of(require_model(self), "ReduceLROnPlateau")
        for optimizer, name in optimizers:
            key = "learning_rate" if name is None else f"learning_rate_{name}"
            logs[key] = float(optimizer.learning_rate)
        current = self._monitored_value(logs, "Learning rate reduction is", end=".")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for optimizer, name in optimizers:
                    reduced = self._reduce_optimizer_lr(optimizer, epoch, name) or reduced
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
