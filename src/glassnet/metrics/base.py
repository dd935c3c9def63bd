"""The metric base classes: :class:`Metric`, :class:`Sum`, :class:`Mean` and :class:`MeanMetricWrapper`.

Also the helpers every metric module shares: Keras's automatic names (``'auc'``, ``'auc_1'``),
input conversion, weight broadcasting and ``divide_no_nan``.
"""
from __future__ import annotations


import numpy as np

from .. import config, losses
from .._registry import Registry, from_config_with_fn, keras_snake_case, reset_unique_names, unique_name
from .._validation import to_array
from ..losses import squeeze_or_expand_to_same_rank

REG = Registry("metric", "keras.metrics")

# --------------------------------------------------------------------- naming
def auto_name(class_name: str) -> str:
    """Default name of an unnamed metric: ``'auc'``, then ``'auc_1'``, ``'auc_2'``, ..."""
    return unique_name(keras_snake_case(class_name))


_reset_name_uids = reset_unique_names   # what ``keras.backend.clear_session`` does


# --------------------------------------------------------------------- array helpers
def float_array(x, name: str, where: str, dtype=None) -> np.ndarray:
    """``x`` as a float array (``dtype``, else its own float dtype, else floatx); NaN allowed."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and (dtype is None or x.dtype == dtype):
        return x
    if dtype is None:
        dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else config.floatx()
    out = to_array(x, name, where, dtype=dtype, min_ndim=0, allow_empty=True, finite=False)
    # to_array's contiguity step turns a scalar into shape (1,); a scalar weight must stay 0-d
    return out.reshape(()) if out.ndim == 1 and np.ndim(x) == 0 else out


def check_broadcast(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, where: str):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{where}: {name_a} and {name_b} must have matching shapes, got "
            f"{name_a} {a.shape} and {name_b} {b.shape}"
        ) from None


def broadcast_weight(w: np.ndarray, shape, where: str, name: str = "sample_weight"):
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"{where}: {name} must broadcast to shape {tuple(shape)}, got shape {w.shape}"
        ) from None


def divide_no_nan(a, b):
    """``a / b`` elementwise, 0 where ``b == 0`` (Keras's ``divide_no_nan``)."""
    a = np.asarray(a)
    b = np.asarray(b)
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    np.divide(a, b, out=out, where=(b != 0))
    return out


def as_result(x):
    """A 0-d result as a Python float, anything else as a fresh array."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x.copy()


def _check_dtype(dtype, where: str) -> str:
    if dtype is None:
        return np.dtype(config.floatx()).name
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a float type name such as 'float32', got {dtype!r}") from None
    if dt.kind != "f":
        raise ValueError(f"{where}: dtype must be a float type ('float16', 'float32', 'float64'), got {dt.name!r}")
    return dt.name


def _check_name(name, where: str):
    if name is not None and not isinstance(name, str):
        raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__} {name!r}")
    return name


# ===================================================================== base class
class Metric:
    """Base class of all metrics: a state that batches add to, and a result.

    Subclasses create their state in ``__init__`` with :meth:`add_variable`
    (zero-filled arrays in ``self.dtype``), add to it in ``update_state``
    (always in place, so ``variables`` stays valid) and compute ``result()``
    from it.  ``m(y_true, y_pred)`` updates and returns the result.

    Args:
        dtype: float type of the state and the computations; ``None`` means
            ``glassnet.config.floatx()`` ('float32').
        name: name shown in logs and ``History``; ``None`` gives the snake-case
            class name, made unique per process as Keras does
            (``'auc'``, ``'auc_1'``, ...).
    """

    def __init__(self, dtype=None, name=None):
        where = type(self).__name__
        _check_name(name, where)
        self.name = name or auto_name(type(self).__name__)
        self._dtype = _check_dtype(dtype, where)
        self._variables: list[np.ndarray] = []
        self._variable_names: list[str] = []

    @property
    def dtype(self) -> str:
        """The metric's float type as a string, e.g. ``'float32'``."""
        return self._dtype

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None) -> np.ndarray:
        """Create a zero-filled state array of ``shape`` and track it in ``variables``."""
        if initializer not in (None, "zeros", "Zeros"):
            raise ValueError(
                f"{type(self).__name__}.add_variable: initializer must be 'zeros', got {initializer!r}"
            )
        value = np.zeros(shape, dtype=np.dtype(dtype or self._dtype))
        self._variables.append(value)
        self._variable_names.append(name or f"variable_{len(self._variables) - 1}")
        return value

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None) -> np.ndarray:
        """Alias of :meth:`add_variable` (Keras keeps it for old code)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        """The state arrays, in creation order (Keras's order)."""
        return list(self._variables)

    def reset_state(self) -> None:
        """Set every state array back to zero."""
        for v in self._variables:
            v[...] = 0

    def update_state(self, *args, **kwargs):
        """Add one batch to the state."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        """The metric computed from the state so far."""
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """Constructor arguments that rebuild this metric (without its state)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        """Build a metric from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    __str__ = __repr__


# ===================================================================== reductions
def _reduce_to_samplewise(values, sample_weight, reduce_fn, dtype, where):
    """Keras's alignment of values and weights before a Mean/Sum update.

    Ranks are aligned with :func:`_squeeze_or_expand`; values with more axes
    than the weights are reduced (``reduce_fn``) over the extra axes; the
    weights are broadcast to the values, multiplied in, and reduced over their
    own trailing axes; finally values are reduced to one number per sample.
    """
    values = float_array(values, "values", where, dtype)
    sw = None
    if sample_weight is not None:
        sw = float_array(sample_weight, "sample_weight", where, dtype)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        w_ndim, v_ndim = sw.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sw = broadcast_weight(sw, np.shape(values), where)
        values = values * sw
        if w_ndim > 1:
            sw = reduce_fn(sw, axis=tuple(range(1, w_ndim)))
    if np.ndim(values) > 1:
        values = reduce_fn(values, axis=tuple(range(1, np.ndim(values))))
    return np.asarray(values), sw


@REG.register("sum")
class Sum(Metric):
    """The (weighted) sum of the values seen: ``total = sum_i w_i * v_i``.

    ``Sum().update_state([1, 3, 5, 7])`` gives 16; with
    ``sample_weight=[1, 1, 0, 0]`` it gives 4.  Values with more axes than the
    weights are summed over the extra axes first.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _reduce_to_samplewise(values, sample_weight, np.sum, self._dtype, type(self).__name__)
        self.total += np.sum(values, dtype=self._dtype)

    def result(self):
        return as_result(self.total)


@REG.register("mean")
class Mean(Metric):
    """The (weighted) mean of the values seen: ``sum_i w_i v_i / sum_i w_i``.

    State: ``total = sum_i w_i v_i`` and ``count = sum_i w_i`` (the number of
    samples when unweighted); ``result() = total / count``, 0 when ``count`` is 0.
    Values with more axes than the weights are averaged over the extra axes
    first, so a ``(n, d)`` batch with ``(n,)`` weights counts as ``n`` samples.
    ``Mean().update_state([1, 3, 5, 7])`` gives 4; with ``[1, 1, 0, 0]`` weights, 2.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values, sw = _reduce_to_samplewise(values, sample_weight, np.mean, self._dtype, type(self).__name__)
        if values.size == 0:
            return
        self.total += np.sum(values, dtype=self._dtype)
        if sw is not None:
            num = np.sum(sw, dtype=self._dtype)
        elif values.ndim >= 1:
            num = values.shape[0]
        else:
            num = 1
        self.count += np.asarray(num, dtype=self._dtype)

    def result(self):
        return as_result(divide_no_nan(self.total, self.count))


# The per-sample metric functions by name (filled by the modules that define them), for from_config.
METRIC_FUNCTIONS: dict = {}


def serialize_function(fn) -> dict:
    name = getattr(fn, "__name__", None) or keras_snake_case(type(fn).__name__)
    return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}


def _lookup_function(name: str):
    if name in METRIC_FUNCTIONS:
        return METRIC_FUNCTIONS[name]
    fn = getattr(losses, name, None)
    if callable(fn) and not isinstance(fn, type):
        return fn
    raise ValueError(
        f"MeanMetricWrapper: fn {name!r} is not a glassnet metric or loss function; "
        "pass the function object itself"
    )


def deserialize_function(fn):
    if callable(fn):
        return fn
    if isinstance(fn, str):
        return _lookup_function(fn)
    if isinstance(fn, dict) and fn.get("class_name") == "function" and isinstance(fn.get("config"), str):
        return _lookup_function(fn["config"])
    raise ValueError(f"MeanMetricWrapper: fn must be a function, its name or its config, got {fn!r}")


@REG.register("mean_metric_wrapper")
class MeanMetricWrapper(Mean):
    """The running (weighted) mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Each batch adds ``values = fn(y_true, y_pred)`` (one value per sample, or
    more axes that get averaged) to a :class:`Mean`, so
    ``result() = sum_i w_i fn_i / sum_i w_i``.  ``y_true`` and ``y_pred`` are
    handed to ``fn`` as float arrays of the metric's dtype.

    Args:
        fn: the per-sample function, e.g. ``glassnet.losses.mean_squared_error``.
        name: the metric's name (``None``: ``'mean_metric_wrapper'``).
        dtype: float type of the state.
        **kwargs: passed to ``fn`` on every call.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be callable, got {type(fn).__name__} {fn!r}")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = type(self).__name__
        y_true = float_array(y_true, "y_true", where, self._dtype)
        y_pred = float_array(y_pred, "y_pred", where, self._dtype)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": serialize_function(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return from_config_with_fn(cls, config, deserialize_function)


class PlainWrapper(MeanMetricWrapper):
    """A built-in MeanMetricWrapper: its config is ``name``, ``dtype`` and the attributes in ``_keys``
    (its constructor's arguments), not the function."""

    _keys: tuple = ()

    def get_config(self):
        return {**Metric.get_config(self), **{k: getattr(self, k) for k in self._keys}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
