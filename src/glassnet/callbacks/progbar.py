"""Progress display: the :class:`Progbar` utility and the :class:`ProgbarLogger` callback.

What is printed, with ``verbose`` taken from the run's params:

* ``verbose=1`` and ``sys.stdout`` a terminal (or a Jupyter stream): Keras 3's
  bar, redrawn in place with ``\\r`` at most every ``interval`` seconds (50 ms)
  and once more at the end::

      469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9712 - loss: 0.0934

  While running it shows the ETA instead of the elapsed time.  Step count and
  time are bold, the done part of the bar green, the rest grey (ANSI codes).
* ``verbose=1`` and any other stream (a pipe, a file, CI, captured output):
  one plain line per bar, written when it finishes: the same text with no
  ``\\r`` and no ANSI codes.
* ``verbose=2``: one line per bar when it finishes,
  ``469/469 - 2s - 4ms/step - accuracy: 0.9712 - loss: 0.0934``.
* ``verbose=0``: nothing.

During ``fit`` each epoch is introduced by ``Epoch 3/20`` (when there is more
than one epoch).  Values are printed with 4 decimals (``{:.4f}``), or in
scientific notation (``{:.4e}``) when their magnitude is at most 1e-3.  Times
per step read ``4ms/step``, ``120us/step`` or ``2s/step``; the ETA reads
``45s``, ``3:07`` or ``1:02:03``.  Metrics appear in the order they first
reach the bar: Keras sorts every log dict, so training metrics come
alphabetically, followed at the epoch end by the ``val_`` ones.

The output stream is ``sys.stdout`` looked up at every write, so
redirections made after the bar was created are honoured.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from .._validation import check_float, check_non_negative_int, check_one_of, check_positive_int
from .callback import Callback, print_msg

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "\u2501"  # '━'


def _now() -> float:
    """Wall-clock seconds (a function so that tests can replace the clock)."""
    return time.time()


def _is_dynamic(stream) -> bool:
    """Whether ``stream`` redraws a line on ``\\r``: a terminal, or a Jupyter output stream."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None:
        try:
            if isatty():
                return True
        except (ValueError, OSError):  # closed or detached stream
            return False
    return type(stream).__module__.split(".")[0] == "ipykernel"


def _format_eta(eta: float) -> str:
    """Seconds left as ``45s``, ``3:07`` (over a minute) or ``1:02:03`` (over an hour)."""
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


class Progbar:
    """A text progress bar, as ``keras.utils.Progbar``.

    target: total number of steps, or ``None`` when unknown (shown ``N/Unknown``).
    width: characters of the bar (20).
    verbose: 0 silent, 1 the bar (see the module docstring), 2 one line at the end.
    interval: least time in seconds between two redraws of the bar (0.05).
    stateful_metrics: names whose values are shown as given; every other metric
        is averaged over the steps seen (weighted by the steps each update covers).
    stateless_metrics: the opposite choice: only these names are averaged and
        every other metric is shown as given.  Give at most one of the two; with
        neither, every metric is averaged.
    unit_name: the unit of the time per step, ``'step'`` -> ``4ms/step``.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        where = "Progbar"
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or target < 0:
                raise ValueError(
                    f"{where}: target must be a non-negative integer or None, got {target!r}"
                )
            target = int(target)
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                f"{where}: give stateful_metrics or stateless_metrics, not both; got "
                f"stateful_metrics={stateful_metrics!r} and stateless_metrics={stateless_metrics!r}"
            )
        if not isinstance(unit_name, str):
            raise TypeError(f"{where}: unit_name must be a str, got {type(unit_name).__name__}")
        self.target = target
        self.width = check_positive_int(width, "width", where)
        self.verbose = check_one_of(verbose, "verbose", (0, 1, 2), where)
        self.interval = check_float(interval, "interval", where, low=0.0)
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._seen_so_far = 0
        self._values = {}          # name -> [sum of value * steps, steps]
        self._values_order = []    # names in order of first appearance
        self._start = _now()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    # ------------------------------------------------------------------ updates
    def _is_stateless(self, name) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Record progress up to step ``current`` and redraw as the verbosity says.

        values: ``[(name, value), ...]`` for the latest step(s).  An averaged
            metric accumulates ``value * (current - previous current)`` (at least
            one step); a shown-as-given one keeps ``value``.  The finalizing
            update replaces every value with the one given.
        finalize: whether this is the last update; ``None`` means
            ``current >= target`` (never, when the target is unknown).
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if self._is_stateless(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if _is_dynamic(sys.stdout):
                styled, plain = self._bar_line(current, finalize, now, time_per_unit)
                width = len(plain)
                message = "\b" * self._prev_total_width + "\r" + styled
                if self._prev_total_width > width:
                    message += " " * (self._prev_total_width - width)
                if finalize:
                    message += "\n"
                print_msg(message, line_break=False)
                self._prev_total_width = width
            elif finalize:
                _, plain = self._bar_line(current, finalize, now, time_per_unit)
                print_msg(plain)
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                digits = len(str(self.target))
                line = "%*d/%d" % (digits, current, self.target)
                line += f" - {now - self._start:.0f}s -"
                line += self._format_time(time_per_unit, self.unit_name)
                line += self._metrics_text(signed=True)
                print_msg(line)
        self._last_update = now

    def add(self, n, values=None):
        """Advance by ``n`` steps: ``update(steps seen + n, values)``."""
        self.update(self._seen_so_far + n, values)

    # ---------------------------------------------------------------- rendering
    def _bar_line(self, current, finalize, now, time_per_unit):
        """The verbose=1 line, as ``(with ANSI styles, plain text)``."""
        if self.target is not None and self.target > 0:
            digits = len(str(self.target))
            count = "%*d/%d" % (digits, current, self.target)
            done = int(self.width * (float(current) / self.target))
            rest = _BAR_CHAR * (self.width - done)
            styled = f"{_BOLD}{count}{_RESET} "
            if done > 0:
                styled += f"{_GREEN}{_BAR_CHAR * done}{_RESET}"
            styled += f"{_GREY}{rest}{_RESET}"
            plain = f"{count} {_BAR_CHAR * max(done, 0)}{rest}"
        else:
            styled = plain = "%7d/Unknown" % current
        if self.target is not None and self.target > 0 and not finalize:
            clock = _format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        tail = self._format_time(time_per_unit, self.unit_name) + self._metrics_text(signed=False)
        return f"{styled} {_BOLD}{clock}{_RESET}{tail}", f"{plain} {clock}{tail}"

    def _metrics_text(self, signed: bool) -> str:
        """`` - name: value`` for every metric; ``signed`` keeps Keras's verbose=2 test
        ``avg > 1e-3`` (so negatives use ``{:.4e}``) instead of ``|avg| > 1e-3``."""
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            try:
                if not isinstance(total, float):
                    total = np.mean(total)
                avg = total / max(1, count)
                large = (avg > 1e-3) if signed else (abs(avg) > 1e-3)
                shown = f"{avg:.4f}" if large else f"{avg:.4e}"
            except (TypeError, ValueError):  # a non-numeric log value
                shown = str(total)
            text += f" - {name}: {shown}"
        return text

    @staticmethod
    def _format_time(time_per_unit, unit_name) -> str:
        """`` 2s/step`` (>= 1 s, or exactly 0), `` 4ms/step`` (>= 1 ms) or `` 120us/step``."""
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1000.0:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1000000.0:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now) -> float:
        """Seconds per step: after step 1, measured from the end of step 1 (the first
        step, slowed by warm-up, is left out); before that, from the start."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


class ProgbarLogger(Callback):
    """Prints progress and metrics to stdout during ``fit``, ``evaluate`` and ``predict``.

    It reads ``verbose`` (``'auto'`` means 1), ``epochs`` and ``steps`` from the
    params that ``set_params`` receives; see the module docstring for what each
    verbosity prints.  Inside ``fit`` the validation pass is silent (its metrics
    arrive with the epoch's ``val_`` logs); ``predict`` shows no metrics.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        """Take ``verbose``, ``epochs`` and ``steps`` (``None`` if unknown) from ``params``."""
        super().set_params(params)
        verbose = params.get("verbose", 1)
        if verbose == "auto":
            verbose = 1
        self.verbose = check_one_of(verbose, "verbose", (0, 1, 2, "auto"), "ProgbarLogger")
        self.epochs = check_non_negative_int(params.get("epochs", 1), "epochs", "ProgbarLogger")
        steps = params.get("steps")
        if steps is not None:
            steps = check_non_negative_int(steps, "steps", "ProgbarLogger")
        self.target = steps

    def on_train_begin(self, logs=None):
        """Mark that we run inside ``fit`` (validation passes then stay silent)."""
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        """Start a bar for ``evaluate`` (not for validation inside ``fit``)."""
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        """Start a bar for ``predict``."""
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's bar and print ``Epoch N/M`` when there are several epochs."""
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        """Advance the bar to ``batch + 1`` steps with the running metrics."""
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Advance the ``evaluate`` bar."""
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Advance the ``predict`` bar (the batch outputs are not shown)."""
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        """Finish the epoch's bar with the epoch's metrics (training and ``val_``)."""
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        """Finish the ``evaluate`` bar."""
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        """Finish the ``predict`` bar."""
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
