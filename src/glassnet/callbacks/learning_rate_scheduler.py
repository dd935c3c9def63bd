"""``LearningRateScheduler``: set the optimizer's learning rate from a function of the epoch."""
from __future__ import annotations

import numpy as np

from .._validation import check_non_negative_int
from .callback import Callback, print_msg, require_model


def _optimizers_of(model, where="LearningRateScheduler"):
    """``[(optimizer, name)]``: the members of a multi-optimizer, or the one optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"{where}: the model has no optimizer; compile it first")
    if hasattr(optimizer, "optimizers"):
        return [(opt, getattr(opt, "name", "")) for opt in optimizer.optimizers]
    return [(optimizer, None)]


class LearningRateScheduler(Callback):
    """At the start of every epoch, ``lr = schedule(epoch, lr)`` is written to the optimizer.

    schedule: a function of the epoch index (0-based) and the current learning
        rate (a Python float) that returns the new rate as a float.  A function
        of the epoch alone, ``schedule(epoch)``, is also accepted (tried when
        the two-argument call raises ``TypeError``), as in Keras.
    verbose: 0 quiet; 1 prints ``Epoch N: LearningRateScheduler setting learning
        rate to X.`` at each epoch.

    At each epoch end the rate in force is added to the logs as ``learning_rate``
    (so History and CSVLogger placed after it record it).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be a function (epoch, lr) -> float, "
                f"got {type(schedule).__name__} {schedule!r}"
            )
        self.schedule = schedule
        self.verbose = check_non_negative_int(verbose, "verbose", "LearningRateScheduler")

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError(
                "LearningRateScheduler: the optimizer must have a learning_rate attribute, "
                f"got {type(optimizer).__name__}"
            )
        current = float(optimizer.learning_rate)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"LearningRateScheduler: schedule must return a float, got "
                f"{type(learning_rate).__name__} {learning_rate!r}"
            )
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        """Compute and set this epoch's learning rate."""
        for optimizer, name in _optimizers_of(require_model(self)):
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                which = f"{name} " if name is not None else ""
                print_msg(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                    f"{which}learning rate to {learning_rate}."
                )

    def on_epoch_end(self, epoch, logs=None):
        """Add the current rate to ``logs`` as ``learning_rate`` (``learning_rate_<name>``)."""
        if not logs:  # an empty dict would not reach the other callbacks (Keras)
            return
        for optimizer, name in _optimizers_of(require_model(self)):
            key = "learning_rate" if name is None else f"learning_rate_{name}"
            logs[key] = float(optimizer.learning_rate)
