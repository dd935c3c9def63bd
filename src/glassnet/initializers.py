"""Weight initializers: Keras 3's classes, string names, defaults and formulas.

An initializer is called as ``init(shape, dtype=None)`` and returns a new NumPy
array of that shape (``dtype`` defaults to ``config.floatx()``, i.e. float32).

Fans follow Keras (:func:`compute_fans`): for a 2-D kernel ``(fan_in, fan_out)
= shape``; for a convolution kernel ``(*receptive_field, in, out)`` both are
multiplied by the receptive-field size; a 1-D shape has ``fan_in = fan_out =
shape[0]`` and a scalar has fans of 1.

Seeds behave as in Keras 3: an initializer built with ``seed=<int>`` gives the
same values on every call (and in every process); one built with ``seed=None``
draws its own integer seed once, at construction, from the global seed (see
:func:`glassnet.random.set_random_seed`), so it too repeats its values from
call to call, and ``set_random_seed(s)`` before building a model makes the
whole model repeatable.

String names (``'glorot_uniform'``, ``'he_normal'``, ``'zeros'``, ...) and
the ``{"module", "class_name", "config", "registered_name"}`` dicts read and
written by :func:`get`, :func:`serialize` and :func:`deserialize` are Keras's.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import config
from . import random as _random
from ._registry import Configurable, Registry
from ._validation import check_float, check_one_of

__all__ = [
    "Initializer", "Constant", "Zeros", "Ones", "Identity", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "compute_fans",
    "get", "serialize", "deserialize",
]

REG = Registry("initializer", "keras.initializers")

#: Standard deviation of a standard normal truncated to [-2, 2]; dividing by it
#: makes a truncated draw have the variance asked for (Keras's constant).
TRUNCATION_STDDEV = 0.87962566103423978


# ------------------------------------------------------------------ argument helpers
def _check_shape(shape, where: str) -> tuple:
    """``shape`` as a tuple of non-negative Python ints, or a clear error."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(
            f"{where}: shape must be a tuple of non-negative integers, got "
            f"{type(shape).__name__} {shape!r}"
        )
    dims = tuple(shape)
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral) or d < 0:
            raise ValueError(
                f"{where}: shape must be a tuple of non-negative integers, got {shape!r}"
            )
    return tuple(int(d) for d in dims)


def _check_dtype(dtype, where: str, floating: bool) -> np.dtype:
    """``dtype`` (None -> floatx) as a NumPy dtype; random draws need a float type."""
    if dtype is None:
        dtype = config.floatx()
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a NumPy dtype or its name, got {dtype!r}") from None
    if floating and dt.kind != "f":
        raise TypeError(
            f"{where}: dtype must be a floating-point type (float16, float32, float64), got {dt.name}"
        )
    if not floating and dt.kind not in "biuf":
        raise TypeError(f"{where}: dtype must be a numeric or bool type, got {dt.name}")
    return dt


def _number(value, name: str, where: str, **bounds):
    """A finite real number checked against ``bounds``, kept as int or float for configs."""
    checked = check_float(value, name, where, **bounds)
    if isinstance(value, numbers.Integral):
        return int(value)
    return checked


def _check_seed(seed, where: str):
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"{where}: seed must be a non-negative integer or None, got {type(seed).__name__} {seed!r}"
        )
    return int(seed)


def _check_axes(axes, name: str, where: str):
    if axes is None:
        return None
    if isinstance(axes, (str, bytes)) or not hasattr(axes, "__iter__"):
        raise TypeError(f"{where}: {name} must be a list of integers or None, got {axes!r}")
    out = list(axes)
    for a in out:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{where}: {name} must be a list of integers or None, got {axes!r}")
    return [int(a) for a in out]


def _draw_dtype(dt: np.dtype) -> np.dtype:
    """NumPy's generators draw float32 or float64; float16 is drawn as float32 then cast."""
    return np.dtype(np.float64) if dt == np.float64 else np.dtype(np.float32)


def _truncated_standard_normal(rng: np.random.Generator, shape: tuple, dt: np.dtype) -> np.ndarray:
    """Standard normal draws, every one outside [-2, 2] re-drawn until it falls inside.

    The loop runs over re-draw rounds, not elements: each round keeps ~95.4% of
    what is left, so a million values need about five rounds.
    """
    z = rng.standard_normal(shape, dtype=_draw_dtype(dt))
    flat = z.reshape(-1)
    idx = np.flatnonzero(np.abs(flat) > 2.0)
    while idx.size:
        fresh = rng.standard_normal(idx.size, dtype=flat.dtype)
        flat[idx] = fresh
        idx = idx[np.abs(fresh) > 2.0]
    return z


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """The numbers of input and output units ``(fan_in, fan_out)`` of a weight shape.

    If both ``input_axes`` and ``output_axes`` are given, ``fan_in = prod(shape[a]
    for a in input_axes)`` and ``fan_out = prod(shape[a] for a in output_axes)``.
    Otherwise, as Keras does:

    - ``()``: ``(1, 1)``;  ``(n,)``: ``(n, n)``;  ``(n_in, n_out)``: ``(n_in, n_out)``;
    - ``(*k, n_in, n_out)`` (convolution kernels): with ``r = prod(k)``,
      ``(r * n_in, r * n_out)``.
    """
    where = "compute_fans"
    shape = _check_shape(shape, where)
    input_axes = _check_axes(input_axes, "input_axes", where)
    output_axes = _check_axes(output_axes, "output_axes", where)
    if input_axes is not None and output_axes is not None:
        for name, axes in (("input_axes", input_axes), ("output_axes", output_axes)):
            bad = [a for a in axes if not -len(shape) <= a < len(shape)]
            if bad:
                raise ValueError(
                    f"{where}: {name} must be axes of a shape of rank {len(shape)} "
                    f"(in [{-len(shape)}, {len(shape) - 1}]), got {axes!r} for shape {shape}"
                )
        fan_in = math.prod(shape[a] for a in input_axes)
        fan_out = math.prod(shape[a] for a in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


# ------------------------------------------------------------------ base classes
class Initializer(Configurable):
    """Base class: ``init(shape, dtype=None) -> np.ndarray`` plus a config.

    Subclasses implement ``__call__`` and, when they take arguments,
    ``get_config`` (whose keys are the constructor's argument names, so that
    ``from_config(config) = cls(**config)``).
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__}: Initializer subclasses must implement __call__(shape, dtype=None)"
        )

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict (Keras's keys)."""
        return {}

    def clone(self):
        """A new initializer with the same config."""
        return self.__class__.from_config(self.get_config())


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed.

    ``seed`` (int >= 0) fixes the values: every call gives the same array for
    the same shape and dtype.  ``seed=None`` draws an integer seed once, now,
    from the global seed (``glassnet.random.make_generator()``); ``get_config``
    then writes ``"seed": None`` as Keras does.
    """

    def __init__(self, seed=None):
        self._init_seed = _check_seed(seed, type(self).__name__)
        if self._init_seed is None:
            self.seed = int(_random.make_generator().integers(1, 2**62))
        else:
            self.seed = self._init_seed

    def _generator(self) -> np.random.Generator:
        return _random.make_generator(self.seed)

    def get_config(self) -> dict:
        return {"seed": self._init_seed}


# ------------------------------------------------------------------ constant initializers
@REG.register("constant")
class Constant(Initializer):
    """Every entry equal to ``value``: ``W[...] = value`` (cast to ``dtype``).

    Args:
        value: a real number (Python or NumPy scalar).
    """

    def __init__(self, value=0.0):
        if isinstance(value, np.generic):
            value = value.item()
        self.value = _number(value, "value", "Constant")

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "Constant")
        dt = _check_dtype(dtype, "Constant", floating=False)
        return np.full(shape, self.value, dtype=dt)

    def get_config(self) -> dict:
        return {"value": self.value}


@REG.register("zeros", "zero")
class Zeros(Initializer):
    """Every entry 0: ``W = 0``."""

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "Zeros")
        return np.zeros(shape, dtype=_check_dtype(dtype, "Zeros", floating=False))


@REG.register("ones", "one")
class Ones(Initializer):
    """Every entry 1: ``W = 1``."""

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "Ones")
        return np.ones(shape, dtype=_check_dtype(dtype, "Ones", floating=False))


@REG.register("identity", "IdentityInitializer")
class Identity(Initializer):
    """A scaled identity matrix: ``W[i, j] = gain if i == j else 0``; 2-D shapes only.

    A non-square shape gives ones on the main diagonal of the rectangle.

    Config: Keras 3.15.1 writes ``{}`` for Identity (it drops ``gain``); glassnet
    writes ``{}`` when ``gain == 1.0`` (byte-identical to Keras) and
    ``{"gain": g}`` otherwise, so that the gain survives a round trip.
    """

    def __init__(self, gain=1.0):
        self.gain = _number(gain, "gain", "Identity")

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(
                f"Identity: shape must be 2-D (rows, cols), got shape {shape} of rank {len(shape)}"
            )
        dt = _check_dtype(dtype, "Identity", floating=False)
        return (np.eye(*shape, dtype=dt) * self.gain).astype(dt, copy=False)

    def get_config(self) -> dict:
        return {} if self.gain == 1.0 else {"gain": self.gain}


# ------------------------------------------------------------------ random initializers
@REG.register("random_normal", "normal")
class RandomNormal(RandomInitializer):
    """Normal draws: ``W ~ N(mean, stddev^2)``.

    Args:
        mean: mean of the values (default 0.0).
        stddev: standard deviation, >= 0 (default 0.05).
        seed: int for repeatable values, or None (see :class:`RandomInitializer`).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = _number(mean, "mean", "RandomNormal")
        self.stddev = _number(stddev, "stddev", "RandomNormal", low=0.0)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "RandomNormal")
        dt = _check_dtype(dtype, "RandomNormal", floating=True)
        z = self._generator().standard_normal(shape, dtype=_draw_dtype(dt))
        return (self.mean + self.stddev * z).astype(dt, copy=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@REG.register("truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Truncated normal draws: ``W = mean + stddev * z`` with ``z ~ N(0, 1)``,
    every ``z`` with ``|z| > 2`` discarded and re-drawn (so ``|W - mean| <= 2 stddev``).

    The result's standard deviation is ``0.8796 * stddev`` (the truncation
    shrinks it); :class:`VarianceScaling` divides by that factor.

    Args:
        mean: centre of the values (default 0.0).
        stddev: standard deviation of the normal before truncation, >= 0 (default 0.05).
        seed: int for repeatable values, or None.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = _number(mean, "mean", "TruncatedNormal")
        self.stddev = _number(stddev, "stddev", "TruncatedNormal", low=0.0)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "TruncatedNormal")
        dt = _check_dtype(dtype, "TruncatedNormal", floating=True)
        z = _truncated_standard_normal(self._generator(), shape, dt)
        return (self.mean + self.stddev * z).astype(dt, copy=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@REG.register("random_uniform", "uniform")
class RandomUniform(RandomInitializer):
    """Uniform draws: ``W = minval + (maxval - minval) * u`` with ``u ~ U[0, 1)``.

    Args:
        minval: lower bound (default -0.05).
        maxval: upper bound, >= minval (default 0.05).
        seed: int for repeatable values, or None.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = _number(minval, "minval", "RandomUniform")
        self.maxval = _number(maxval, "maxval", "RandomUniform")
        if self.maxval < self.minval:
            raise ValueError(
                f"RandomUniform: maxval must be >= minval ({self.minval!r}), got {self.maxval!r}"
            )
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "RandomUniform")
        dt = _check_dtype(dtype, "RandomUniform", floating=True)
        u = self._generator().random(shape, dtype=_draw_dtype(dt))
        return (self.minval + (self.maxval - self.minval) * u).astype(dt, copy=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


@REG.register("variance_scaling")
class VarianceScaling(RandomInitializer):
    """Draws whose variance adapts to the weight's fans: ``Var(W) = scale / n``.

    ``n`` is ``fan_in`` (``mode='fan_in'``), ``fan_out`` (``'fan_out'``) or
    ``(fan_in + fan_out) / 2`` (``'fan_avg'``), floored at 1 (see :func:`compute_fans`).

    - ``distribution='truncated_normal'`` (``'normal'`` is read as this): a
      normal with ``stddev = sqrt(scale / n) / 0.87962566103423978``, truncated
      at two of those stddevs, so that the truncated values have standard
      deviation ``sqrt(scale / n)``;
    - ``'untruncated_normal'``: ``N(0, scale / n)``;
    - ``'uniform'``: ``U[-limit, limit)`` with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: positive factor (default 1.0).
        mode: 'fan_in' (default), 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal' (default), 'untruncated_normal' or 'uniform'.
        seed: int for repeatable values, or None.
        input_axes, output_axes: optional lists of axes whose sizes multiply to
            fan_in and fan_out (used only when both are given).
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        where = type(self).__name__
        self.scale = _number(scale, "scale", where, low=0.0, low_inclusive=False)
        self.mode = check_one_of(mode, "mode", self._MODES, where)
        if not isinstance(distribution, str):
            raise TypeError(
                f"{where}: distribution must be a string, one of "
                f"{', '.join(self._DISTRIBUTIONS)}, got {distribution!r}"
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        self.distribution = check_one_of(distribution, "distribution", self._DISTRIBUTIONS, where)
        self.input_axes = _check_axes(input_axes, "input_axes", where)
        self.output_axes = _check_axes(output_axes, "output_axes", where)
        super().__init__(seed=seed)

    def _variance(self, shape: tuple) -> float:
        """``scale / max(1, n)`` for this shape and mode."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            n = fan_in
        elif self.mode == "fan_out":
            n = fan_out
        else:
            n = (fan_in + fan_out) / 2.0
        return self.scale / max(1.0, n)

    def __call__(self, shape, dtype=None):
        where = type(self).__name__
        shape = _check_shape(shape, where)
        dt = _check_dtype(dtype, where, floating=True)
        variance = self._variance(shape)
        rng = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATION_STDDEV
            w = stddev * _truncated_standard_normal(rng, shape, dt)
        elif self.distribution == "untruncated_normal":
            w = math.sqrt(variance) * rng.standard_normal(shape, dtype=_draw_dtype(dt))
        else:
            limit = math.sqrt(3.0 * variance)
            w = -limit + 2.0 * limit * rng.random(shape, dtype=_draw_dtype(dt))
        return w.astype(dt, copy=False)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """VarianceScaling with a fixed (scale, mode, distribution); config is seed + axes."""

    _SCALE = 1.0
    _MODE = "fan_in"
    _DISTRIBUTION = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._SCALE, mode=self._MODE, distribution=self._DISTRIBUTION,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict:
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


@REG.register("glorot_uniform")
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform, Dense's default kernel initializer:
    ``W ~ U[-limit, limit)`` with ``limit = sqrt(6 / (fan_in + fan_out))``."""

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_avg", "uniform"


@REG.register("glorot_normal")
class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with standard deviation
    ``sqrt(2 / (fan_in + fan_out))`` after truncation (VarianceScaling(1, 'fan_avg'))."""

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


@REG.register("he_normal")
class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with standard deviation ``sqrt(2 / fan_in)``
    after truncation (VarianceScaling(2, 'fan_in'))."""

    _SCALE, _MODE, _DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


@REG.register("he_uniform")
class HeUniform(_FixedVarianceScaling):
    """He uniform: ``W ~ U[-limit, limit)`` with ``limit = sqrt(6 / fan_in)``."""

    _SCALE, _MODE, _DISTRIBUTION = 2.0, "fan_in", "uniform"


@REG.register("lecun_normal")
class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with standard deviation ``sqrt(1 / fan_in)``
    after truncation (VarianceScaling(1, 'fan_in'))."""

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


@REG.register("lecun_uniform")
class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: ``W ~ U[-limit, limit)`` with ``limit = sqrt(3 / fan_in)``."""

    _SCALE, _MODE, _DISTRIBUTION = 1.0, "fan_in", "uniform"


@REG.register("orthogonal", "OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``, from the QR decomposition of normal draws.

    For ``shape = (*d, c)`` let ``r = prod(d)``.  Draw ``A ~ N(0, 1)`` of shape
    ``(max(r, c), min(r, c))``, factor ``A = Q R`` (reduced QR) and flip the
    columns of ``Q`` by ``sign(diag(R))`` (this makes the result uniformly
    distributed over orthogonal matrices).  ``W = gain * Q`` (transposed when
    ``r < c``) reshaped to ``shape``, so that ``W^T W = gain^2 I`` when
    ``r >= c`` and ``W W^T = gain^2 I`` otherwise (``W`` read as ``r x c``).

    Args:
        gain: multiplicative factor (default 1.0).
        seed: int for repeatable values, or None.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = _number(gain, "gain", "Orthogonal")
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal: shape must have at least 2 dimensions, got shape {shape} "
                f"of rank {len(shape)}"
            )
        dt = _check_dtype(dtype, "Orthogonal", floating=True)
        rows, cols = math.prod(shape[:-1]), shape[-1]
        if rows == 0 or cols == 0:
            return np.zeros(shape, dtype=dt)
        a = self._generator().standard_normal((max(rows, cols), min(rows, cols)),
                                              dtype=_draw_dtype(dt))
        q, r = np.linalg.qr(a)
        q *= np.where(np.diagonal(r) < 0, -1.0, 1.0).astype(q.dtype)
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dt, copy=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


# Keras also exports each class under its snake_case name.
constant = Constant
zeros = Zeros
ones = Ones
identity = Identity
IdentityInitializer = Identity
random_normal = RandomNormal
truncated_normal = TruncatedNormal
random_uniform = RandomUniform
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal


# ------------------------------------------------------------------ registry helpers
def serialize(initializer):
    """Keras's dict form ``{"module": "keras.initializers", "class_name", "config",
    "registered_name"}`` of an initializer (``None`` gives ``None``)."""
    if initializer is None:
        return None
    if not hasattr(initializer, "get_config"):
        raise TypeError(
            f"initializers.serialize: initializer must be an Initializer (with get_config), "
            f"got {type(initializer).__name__}"
        )
    return REG.serialize(initializer)


def deserialize(config):
    """Build an initializer from Keras's dict form (the output of :func:`serialize`)."""
    return REG.deserialize(config)


def _from_array(value: np.ndarray):
    """An initializer function that returns ``value`` cast to ``dtype`` (shape must match)."""
    value = np.array(value, copy=True)

    def initialize_fn(shape, dtype=None):
        shape = _check_shape(shape, "initializer")
        if shape != value.shape:
            raise ValueError(
                f"initializer: shape must be {value.shape} (the shape of the array given "
                f"as initializer), got {shape}"
            )
        return value.astype(_check_dtype(dtype, "initializer", floating=False))

    return initialize_fn


def get(identifier):
    """Resolve an initializer as Keras's ``initializers.get`` does.

    ``None`` -> ``None``; a name (``'glorot_uniform'``, ``'GlorotUniform'``,
    ``'zeros'``, ...) -> a new instance with default arguments; a dict ->
    :func:`deserialize`; a class -> a new instance; a NumPy array -> a function
    returning that array (the requested shape must equal its shape); any other
    callable (an instance or ``fn(shape, dtype=None)``) -> itself.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _from_array(np.asarray(identifier))
    obj = REG.get(identifier)
    if not callable(obj):
        raise ValueError(
            f"initializers.get: identifier must be a name, a config dict, an Initializer or "
            f"a callable fn(shape, dtype=None), got {type(identifier).__name__} {identifier!r}"
        )
    return obj
