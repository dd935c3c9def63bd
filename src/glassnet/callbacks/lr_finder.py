"""``LearningRateFinder``: the learning-rate range test.

Train for ``steps`` mini-batches while the learning rate grows exponentially from ``min_lr`` to
``max_lr``::

    lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1))          i = 0 .. steps - 1

and record each batch's loss against the rate it was trained with.  The loss first hardly moves
(the rate is too small), then falls, then shoots up (too large).  The record is smoothed with an
exponential moving average (``smoothing``, bias-corrected as in Adam)::

    avg_i = beta avg_(i-1) + (1 - beta) loss_i          smooth_i = avg_i / (1 - beta^(i+1))

and the test stops once the smoothed loss exceeds ``stop_factor`` times its lowest value.  The
suggested rate is the one where the smoothed loss falls fastest against log(lr) (the steepest
negative slope), a rate that still learns quickly and is well below the blow-up; ``min_loss_lr / 10``
is the other common rule, also given.

The callback sees each batch's loss through the running mean ``fit`` logs (``mean_k`` over the
first k batches of the epoch): ``loss_k = k mean_k - (k - 1) mean_(k-1)`` (exact for equal batches;
an epoch's smaller last batch is slightly off).  At the end the weights and the learning rate are
put back as they were (``restore_weights=True``; a learning-rate schedule comes back as its value at
the start); the optimizer's own state (Adam's moments, its step count) is not, so compile again (or
build a new model) before the real training.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .callback import Callback, require_model

_WHERE = "LearningRateFinder"


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{_WHERE}: {name} must be a positive finite number, got {value!r}")
    return float(value)


class LearningRateFinder(Callback):
    """The learning-rate range test (see the module's docstring).

    Arguments:
        min_lr, max_lr: the range of the exponential ramp (1e-7 .. 10).
        steps: batches the ramp lasts; None: every batch of the ``fit`` (epochs x steps per epoch).
        smoothing: beta of the moving average of the loss (0.98; 0 = no smoothing).
        stop_factor: stop when the smoothed loss exceeds this many times its lowest value (4).
        restore_weights: put the weights and the learning rate back at the end (True).

    After ``fit``: ``learning_rates``, ``losses`` (each batch's), ``smoothed_losses``,
    ``suggestion`` (the steepest descent), ``min_loss_lr``, and :meth:`plot`.
    """

    def __init__(self, min_lr=1e-7, max_lr=10.0, steps=None, smoothing=0.98, stop_factor=4.0,
                 restore_weights=True):
        super().__init__()
        self.min_lr = _positive(min_lr, "min_lr")
        self.max_lr = _positive(max_lr, "max_lr")
        if self.max_lr <= self.min_lr:
            raise ValueError(f"{_WHERE}: max_lr ({max_lr}) must be larger than min_lr ({min_lr})")
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 2):
            raise ValueError(f"{_WHERE}: steps must be an integer >= 2 or None, got {steps!r}")
        self.steps = steps
        if isinstance(smoothing, bool) or not isinstance(smoothing, numbers.Real) or not 0 <= smoothing < 1:
            raise ValueError(f"{_WHERE}: smoothing must be in [0, 1), got {smoothing!r}")
        self.smoothing = float(smoothing)
        self.stop_factor = _positive(stop_factor, "stop_factor")
        self.restore_weights = bool(restore_weights)
        self._reset()

    def _reset(self):
        self.learning_rates, self.losses, self.smoothed_losses = [], [], []
        self._average = 0.0
        self._best = math.inf
        self._done = False

    # ------------------------------------------------------------------ training
    def on_train_begin(self, logs=None):
        model = require_model(self)
        self._reset()
        total = self.steps
        if total is None:
            params = self.params or {}
            epochs, steps = params.get("epochs"), params.get("steps")
            if not epochs or not steps:
                raise ValueError(f"{_WHERE}: cannot tell how many batches fit will run (a generator without "
                                 f"steps_per_epoch); pass steps=")
            total = int(epochs) * int(steps)
        if total < 2:
            raise ValueError(f"{_WHERE}: the ramp needs at least 2 batches, fit runs {total}")
        self._total = total
        self._factor = (self.max_lr / self.min_lr) ** (1.0 / (total - 1))
        self._saved_weights = model.get_weights() if self.restore_weights else None
        self._saved_lr = float(model.optimizer.learning_rate)
        self._mean_before = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._mean_before = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        i = len(self.learning_rates)
        self._lr = self.min_lr * self._factor ** i
        self.model.optimizer.learning_rate = self._lr

    def on_train_batch_end(self, batch, logs=None):
        if self._done:
            return
        mean = float((logs or {}).get("loss", math.nan))
        loss = (batch + 1) * mean - batch * self._mean_before     # this batch's loss, from the running mean
        self._mean_before = mean
        self.learning_rates.append(self._lr)
        self.losses.append(loss)
        i = len(self.losses)
        beta = self.smoothing
        self._average = beta * self._average + (1 - beta) * loss
        smooth = self._average / (1 - beta ** i) if beta else loss
        self.smoothed_losses.append(smooth)
        if math.isfinite(smooth):
            self._best = min(self._best, smooth)
        if not math.isfinite(smooth) or (i > 1 and smooth > self.stop_factor * self._best) or i >= self._total:
            self._done = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        model = self.model
        if self._saved_weights is not None:
            model.set_weights(self._saved_weights)
        model.optimizer.learning_rate = self._saved_lr
        self._saved_weights = None

    # ------------------------------------------------------------------- results
    def _usable(self):
        lrs = np.asarray(self.learning_rates, dtype=np.float64)
        smooth = np.asarray(self.smoothed_losses, dtype=np.float64)
        keep = np.isfinite(smooth)
        return lrs[keep], smooth[keep]

    @property
    def suggestion(self) -> float | None:
        """The rate where the smoothed loss falls fastest against log10(lr) (None before a test)."""
        lrs, smooth = self._usable()
        if len(lrs) < 3:
            return None
        # skip the first tenth: the average is still warming up there
        start = max(1, len(lrs) // 10)
        slope = np.gradient(smooth, np.log10(lrs))
        best = start + int(np.argmin(slope[start:])) if len(slope) > start else int(np.argmin(slope))
        return float(lrs[best])

    @property
    def min_loss_lr(self) -> float | None:
        """The rate at the lowest smoothed loss (divide it by 10 for the other common rule)."""
        lrs, smooth = self._usable()
        return float(lrs[int(np.argmin(smooth))]) if len(lrs) else None

    def plot(self, path=None):
        """Loss against learning rate (log axis), the suggestion marked; see :func:`glassnet.plot.lr_finder`."""
        from .. import plot

        return plot.lr_finder(self, path=path)
