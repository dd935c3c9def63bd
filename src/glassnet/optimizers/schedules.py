"""Learning-rate schedules: the learning rate as a function of the optimizer step.

A schedule is a callable ``schedule(step) -> learning rate`` that an optimizer
evaluates once per update with its ``iterations`` counter (the number of
updates already applied, so the first update sees ``step = 0``).  Every
schedule computes in ``config.floatx()`` (float32 by default), in the same
operation order as Keras 3, so the learning rates match Keras's to the last
bit or so.  ``step`` may also be an array of steps (handy for plotting); the
result then has the same shape.

Schedules here: :class:`ExponentialDecay`, :class:`InverseTimeDecay`,
:class:`PiecewiseConstantDecay`, :class:`PolynomialDecay`,
:class:`CosineDecay` (with optional linear warm-up) and
:class:`CosineDecayRestarts` (SGDR).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import config
from .._registry import Configurable, Registry
from .._validation import check_bool, check_float

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
    "PolynomialDecay", "CosineDecay", "CosineDecayRestarts", "get", "serialize", "deserialize",
]

SCHEDULES = Registry("learning rate schedule", "keras.optimizers.schedules")


# ----------------------------------------------------------------------------- helpers
def _dtype() -> np.dtype:
    return np.dtype(config.floatx())


def _steps(step, dtype: np.dtype) -> np.ndarray:
    """``step`` (int, float, Variable-like or array) as a ``dtype`` array."""
    if hasattr(step, "value") and not isinstance(step, np.ndarray):
        step = step.value
    arr = np.asarray(step)
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise TypeError(f"learning rate schedule: step must be a number or array of numbers, "
                        f"got {type(step).__name__} {step!r}")
    return arr.astype(dtype, copy=False)


def _out(value: np.ndarray):
    """A 0-d result as a NumPy scalar of its dtype, larger results as arrays."""
    value = np.asarray(value)
    return value[()] if value.ndim == 0 else value


def _check_steps(value, name: str, where: str):
    """A positive step count (int or float), returned with its own type."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a positive number, got "
                        f"{type(value).__name__} {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where}: {name} must be > 0, got {value!r}")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _check_initial_learning_rate(value, where: str) -> float:
    return check_float(value, "initial_learning_rate", where, low=0.0)


def _check_name(value, where: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where}: name must be a string, got {type(value).__name__} {value!r}")
    return value


class LearningRateSchedule(Configurable):
    """Base class: a serializable map ``step -> learning rate``.

    Subclasses implement ``__call__(step)`` and ``get_config()``;
    ``from_config(config)`` is ``cls(**config)``.
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"learning rate schedule {type(self).__name__!r} must implement __call__(self, step)"
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"learning rate schedule {type(self).__name__!r} must implement get_config() "
            "to be serializable"
        )


class _StepDecay(LearningRateSchedule):
    """What :class:`ExponentialDecay` and :class:`InverseTimeDecay` share: the arguments
    ``(initial_learning_rate, decay_steps, decay_rate, staircase, name)``, their config, and
    the progress ``p = step / decay_steps`` (``floor(p)`` with ``staircase=True``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        where = type(self).__name__
        self.initial_learning_rate = _check_initial_learning_rate(initial_learning_rate, where)
        self.decay_steps = _check_steps(decay_steps, "decay_steps", where)
        self.decay_rate = check_float(decay_rate, "decay_rate", where, low=0.0)
        self.staircase = check_bool(staircase, "staircase", where)
        self.name = _check_name(name, where)

    def _progress(self, step, dt: np.dtype) -> np.ndarray:
        p = _steps(step, dt) / dt.type(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@SCHEDULES.register("ExponentialDecay")
class ExponentialDecay(_StepDecay):
    """Exponential decay: ``lr(step) = initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``, so the
    rate drops by the factor ``decay_rate`` every ``decay_steps`` steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dt = _dtype()
        p = self._progress(step, dt)
        return _out(dt.type(self.initial_learning_rate) * np.power(dt.type(self.decay_rate), p))


@SCHEDULES.register("InverseTimeDecay")
class InverseTimeDecay(_StepDecay):
    """Inverse-time decay: ``lr(step) = initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is replaced by
    ``floor(step / decay_steps)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dt = _dtype()
        p = self._progress(step, dt)
        denom = dt.type(1) + dt.type(self.decay_rate) * p
        return _out(dt.type(self.initial_learning_rate) / denom)


@SCHEDULES.register("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """Piecewise constant: ``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` once ``step > boundaries[-1]``.

    ``boundaries`` must increase strictly and ``len(values) == len(boundaries) + 1``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        where = "PiecewiseConstantDecay"
        boundaries = list(boundaries) if not isinstance(boundaries, (str, bytes)) else boundaries
        values = list(values) if not isinstance(values, (str, bytes)) else values
        if not isinstance(boundaries, list) or not boundaries:
            raise ValueError(f"{where}: boundaries must be a non-empty list of numbers, got {boundaries!r}")
        if not isinstance(values, list):
            raise ValueError(f"{where}: values must be a list of numbers, got {values!r}")
        for b in boundaries:
            if isinstance(b, bool) or not isinstance(b, numbers.Real) or not math.isfinite(b):
                raise TypeError(f"{where}: boundaries must contain finite numbers, got {b!r}")
        for v in values:
            check_float(v, "values", where)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                f"{where}: values must have one more element than boundaries; got "
                f"{len(boundaries)} boundaries and {len(values)} values"
            )
        if any(b1 <= b0 for b0, b1 in zip(boundaries[:-1], boundaries[1:])):
            raise ValueError(f"{where}: boundaries must increase strictly, got {boundaries!r}")
        self.boundaries = boundaries
        self.values = values
        self.name = _check_name(name, where)

    def __call__(self, step):
        dt = _dtype()
        step = np.asarray(step.value if hasattr(step, "value") and not isinstance(step, np.ndarray)
                          else step)
        # index i with boundaries[i-1] < step <= boundaries[i] (0 below the first, n above the last)
        idx = np.searchsorted(np.asarray(self.boundaries, dtype=np.float64),
                              step.astype(np.float64), side="left")
        return _out(np.asarray(self.values, dtype=dt)[idx])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@SCHEDULES.register("PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` in ``decay_steps``.

    ``lr(step) = (initial - end) * (1 - s / D) ** power + end`` with
    ``s = min(step, decay_steps)`` and ``D = decay_steps``.  With ``cycle=True`` the
    step is not clipped; ``D = decay_steps * ceil(step / decay_steps)`` instead
    (and ``D = decay_steps`` at step 0), so the rate restarts at each multiple.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        where = "PolynomialDecay"
        self.initial_learning_rate = _check_initial_learning_rate(initial_learning_rate, where)
        self.decay_steps = _check_steps(decay_steps, "decay_steps", where)
        self.end_learning_rate = check_float(end_learning_rate, "end_learning_rate", where, low=0.0)
        self.power = check_float(power, "power", where, low=0.0)
        self.cycle = check_bool(cycle, "cycle", where)
        self.name = _check_name(name, where)

    def __call__(self, step):
        dt = _dtype()
        s = _steps(step, dt)
        d = dt.type(self.decay_steps)
        if self.cycle:
            mult = np.where(s == 0, dt.type(1), np.ceil(s / d)).astype(dt, copy=False)
            d = d * mult
        else:
            s = np.minimum(s, d)
        p = s / d
        span = dt.type(self.initial_learning_rate) - dt.type(self.end_learning_rate)
        return _out(span * np.power(dt.type(1) - p, dt.type(self.power))
                    + dt.type(self.end_learning_rate))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@SCHEDULES.register("CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, SGDR), with an optional linear warm-up.

    Without warm-up (``warmup_target=None``), with ``s = min(step, decay_steps)``::

        lr(step) = initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)

    With warm-up, the rate first rises linearly from ``initial_learning_rate``
    to ``warmup_target`` over ``warmup_steps`` steps,
    ``lr = (warmup_target - initial) * step / warmup_steps + initial``, and
    then decays as above from ``warmup_target`` with ``s = min(step,
    warmup_steps + decay_steps) - warmup_steps``.  It ends at ``alpha`` times
    the starting rate of the decay.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        where = "CosineDecay"
        self.initial_learning_rate = _check_initial_learning_rate(initial_learning_rate, where)
        self.decay_steps = _check_steps(decay_steps, "decay_steps", where)
        self.alpha = check_float(alpha, "alpha", where, low=0.0, high=1.0)
        self.name = _check_name(name, where)
        self.warmup_target = check_float(warmup_target, "warmup_target", where, low=0.0,
                                         allow_none=True)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Real) \
                or not math.isfinite(warmup_steps) or warmup_steps < 0:
            raise ValueError(f"{where}: warmup_steps must be a number >= 0, got {warmup_steps!r}")
        self.warmup_steps = int(warmup_steps) if isinstance(warmup_steps, numbers.Integral) \
            else float(warmup_steps)

    def _decay(self, s, decay_steps, start_lr, dt):
        frac = s / decay_steps
        cosine = dt.type(0.5) * (dt.type(1) + np.cos(dt.type(math.pi) * frac))
        decayed = dt.type(1 - self.alpha) * cosine + dt.type(self.alpha)
        return start_lr * decayed

    def __call__(self, step):
        dt = _dtype()
        s = _steps(step, dt)
        d = dt.type(self.decay_steps)
        lr0 = dt.type(self.initial_learning_rate)
        if self.warmup_target is None:
            return _out(self._decay(np.minimum(s, d), d, lr0, dt))
        target = dt.type(self.warmup_target)
        w = dt.type(self.warmup_steps)
        s = np.minimum(s, d + w)
        decayed = self._decay(s - w, d, target, dt)
        if self.warmup_steps == 0:
            return _out(decayed)
        warm = (target - lr0) * (s / w) + lr0
        return _out(np.where(s < w, warm, decayed).astype(dt, copy=False))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@SCHEDULES.register("CosineDecayRestarts")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    Period ``i`` (from 0) lasts ``first_decay_steps * t_mul**i`` steps and starts
    at ``initial_learning_rate * m_mul**i``.  With ``f = step / first_decay_steps``,
    the period index is ``i = floor(f)`` when ``t_mul == 1``, otherwise
    ``i = floor(log(1 - f * (1 - t_mul)) / log(t_mul))``, and the fraction done
    within it is ``g = (f - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i``
    (``g = f - i`` when ``t_mul == 1``).  Then::

        lr(step) = initial_learning_rate * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * g)) + alpha)

    With ``t_mul < 1`` the periods shrink and their total length is finite
    (``first_decay_steps / (1 - t_mul)``); past it the rate is NaN, as in Keras.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        where = "CosineDecayRestarts"
        self.initial_learning_rate = _check_initial_learning_rate(initial_learning_rate, where)
        self.first_decay_steps = _check_steps(first_decay_steps, "first_decay_steps", where)
        self._t_mul = check_float(t_mul, "t_mul", where, low=0.0, low_inclusive=False)
        self._m_mul = check_float(m_mul, "m_mul", where, low=0.0)
        self.alpha = check_float(alpha, "alpha", where, low=0.0, high=1.0)
        self.name = _check_name(name, where)

    @property
    def t_mul(self) -> float:
        return self._t_mul

    @property
    def m_mul(self) -> float:
        return self._m_mul

    def __call__(self, step):
        dt = _dtype()
        one = dt.type(1)
        frac = _steps(step, dt) / dt.type(self.first_decay_steps)
        t_mul = dt.type(self._t_mul)
        if self._t_mul == 1.0:
            i_restart = np.floor(frac)
            frac = frac - i_restart
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                i_restart = np.floor(np.log(one - frac * (one - t_mul)) / np.log(t_mul))
                sum_r = (one - np.power(t_mul, i_restart)) / (one - t_mul)
                frac = (frac - sum_r) / np.power(t_mul, i_restart)
        with np.errstate(invalid="ignore"):
            m_fac = np.power(dt.type(self._m_mul), i_restart)
            cosine = dt.type(0.5) * m_fac * (one + np.cos(dt.type(math.pi) * frac))
            decayed = (one - dt.type(self.alpha)) * cosine + dt.type(self.alpha)
            return _out(dt.type(self.initial_learning_rate) * decayed)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


# ----------------------------------------------------------------------------- registry helpers
def serialize(learning_rate_schedule) -> dict:
    """Keras's dict form: ``{"module": "keras.optimizers.schedules", "class_name", "config", ...}``."""
    return SCHEDULES.serialize_instance(learning_rate_schedule, LearningRateSchedule,
                                        "learning_rate_schedule")


def deserialize(config: dict) -> LearningRateSchedule:
    """Rebuild a schedule from the dict :func:`serialize` returned."""
    return SCHEDULES.deserialize(config)


def get(identifier):
    """``None``, a schedule instance, a serialized dict, or a class name -> schedule (or None)."""
    if identifier is None or isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(
        "schedules.get: identifier must be a LearningRateSchedule, a serialized dict or None, "
        f"got {type(identifier).__name__} {identifier!r}"
    )
