"""Streaming metrics with Keras 3's classes, names, arguments and numbers.

A metric keeps a small state (float arrays in the metric's ``dtype``, float32
by default) that every batch adds to, and turns it into a number on request::

    m = AUC()
    for y_true_b, y_pred_b in batches:
        m.update_state(y_true_b, y_pred_b, sample_weight=None)
    m.result()        # a Python float (an array for per-class / per-threshold results)
    m.reset_state()   # back to the empty state (start of an epoch)

Streaming is exact: the state after several batches equals the state after
one batch holding them all, so ``result()`` does not depend on batch size.

Sample weights give a weighted mean, as in Keras: a ``Mean``-type metric
keeps ``total = sum_i w_i v_i`` and ``count = sum_i w_i`` and returns
``total / count`` (0 when ``count`` is 0).

How Keras 3.15 names metrics in ``History`` (checked with a 1-epoch ``fit``
in Keras 3.15.1 / TensorFlow 2.21)::

    metrics=['accuracy']                -> 'accuracy', 'val_accuracy'
        (BinaryAccuracy when y_pred's last dim is 1, SparseCategoricalAccuracy
         when y_true has lower rank or last dim 1, else CategoricalAccuracy;
         the name stays 'accuracy')
    metrics=['acc'] / ['ACC']           -> 'acc' / 'ACC' (same choice, name as typed)
    metrics=['mse', 'mae']              -> 'mse', 'mae' (MeanSquaredError /
                                           MeanAbsoluteError renamed to the string)
    metrics=[keras.metrics.AUC()]       -> 'auc' (the instance's own name; a second
                                           AUC() in the same process is 'auc_1')
    metrics=['auc', 'precision']        -> 'auc', 'precision'
    metrics=[keras.metrics.mean_absolute_error]  -> 'mean_absolute_error'
                                           (a plain function is wrapped in
                                            MeanMetricWrapper, named after it)
    metrics=['mse', 'mse']              -> 'mse', 'mse_1' (the model de-duplicates)
    metrics=['crossentropy'] / ['ce'] / ['rmse'] / ['logcosh']
                                        -> Keras raises "Could not interpret metric
                                           identifier"; glassnet's ``resolve``
                                           accepts 'crossentropy'/'ce' (see there).

Keras's ``compile`` passes ``sample_weight`` only to ``weighted_metrics``;
``metrics`` are updated unweighted.  That choice belongs to the model; every
metric here accepts ``sample_weight``.
"""
from __future__ import annotations

import collections
import importlib
import numbers
import re

import numpy as np

from . import config
from ._registry import Registry
from ._validation import check_float, check_non_negative_int, check_positive_int, to_array

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
    "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
    "Precision", "Recall", "AUC", "FBetaScore", "F1Score",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "cosine_similarity",
    "get", "serialize", "deserialize", "resolve",
]

REG = Registry("metric", "keras.metrics")

#: The value Keras gives to predictions outside the top k (and the default
#: threshold of Precision/Recall when ``top_k`` is set).
NEG_INF = -1e10

# Loss functions that ``keras.metrics`` re-exports; here they are looked up in
# ``glassnet.losses`` on first use, so this module imports without it.
_LOSS_FUNCTIONS = (
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence",
    "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
    "squared_hinge",
)


def _losses_module():
    try:
        return importlib.import_module(f"{__package__}.losses")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while losses.py is missing
        if exc.name != f"{__package__}.losses":
            raise
        raise ImportError(
            "glassnet.metrics: loss-based metrics need glassnet.losses, which is not available"
        ) from None


def __getattr__(name):
    # ``glassnet.metrics.mean_squared_error`` is ``glassnet.losses.mean_squared_error``,
    # as ``keras.metrics.mean_squared_error`` is Keras's loss function.
    if name in _LOSS_FUNCTIONS:
        return getattr(_losses_module(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _LossFunction:
    """A stand-in for ``glassnet.losses.<name>`` that imports it on first call."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, y_true, y_pred, **kwargs):
        return getattr(_losses_module(), self.__name__)(y_true, y_pred, **kwargs)

    def __repr__(self):
        return f"<loss function {self.__name__}>"


# --------------------------------------------------------------------- naming
_NAME_UIDS: dict = collections.defaultdict(int)


def _keras_snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``'AUC'`` -> ``'auc'``, ``'F1Score'`` -> ``'f1_score'``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _auto_name(class_name: str) -> str:
    """Default name of an unnamed metric: ``'auc'``, then ``'auc_1'``, ``'auc_2'``, ..."""
    prefix = _keras_snake_case(class_name)
    uid = _NAME_UIDS[prefix]
    _NAME_UIDS[prefix] += 1
    return prefix if uid == 0 else f"{prefix}_{uid}"


def _reset_name_uids() -> None:
    """Forget the auto-name counters (what ``keras.backend.clear_session`` does)."""
    _NAME_UIDS.clear()


# --------------------------------------------------------------------- array helpers
def _float_array(x, name: str, where: str, dtype=None) -> np.ndarray:
    """``x`` as a float array (``dtype``, else its own float dtype, else floatx); NaN allowed."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and (dtype is None or x.dtype == dtype):
        return x
    if dtype is None:
        dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else config.floatx()
    out = to_array(x, name, where, dtype=dtype, min_ndim=0, allow_empty=True, finite=False)
    # to_array's contiguity step turns a scalar into shape (1,); a scalar weight must stay 0-d
    return out.reshape(()) if out.ndim == 1 and np.ndim(x) == 0 else out


def _squeeze_or_expand(x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True):
    """Keras's rank alignment: when the ranks differ by one and the longer array's
    last axis has size 1, add that axis to a rank-1 partner (``expand_rank_1``),
    otherwise drop it from the longer one.  ``(n,)`` vs ``(n, 1)`` -> both ``(n, 1)``."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _check_broadcast(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, where: str):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{where}: {name_a} and {name_b} must have matching shapes, got "
            f"{name_a} {a.shape} and {name_b} {b.shape}"
        ) from None


def _broadcast_weight(w: np.ndarray, shape, where: str, name: str = "sample_weight"):
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(
            f"{where}: {name} must broadcast to shape {tuple(shape)}, got shape {w.shape}"
        ) from None


def _divide_no_nan(a, b):
    """``a / b`` elementwise, 0 where ``b == 0`` (Keras's ``divide_no_nan``)."""
    a = np.asarray(a)
    b = np.asarray(b)
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=np.result_type(a, b))
    np.divide(a, b, out=out, where=(b != 0))
    return out


def _as_result(x):
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
        self.name = name or _auto_name(type(self).__name__)
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
    values = _float_array(values, "values", where, dtype)
    sw = None
    if sample_weight is not None:
        sw = _float_array(sample_weight, "sample_weight", where, dtype)
        values, sw = _squeeze_or_expand(values, sw)
        w_ndim, v_ndim = sw.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sw = _broadcast_weight(sw, np.shape(values), where)
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
        return _as_result(self.total)


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
        return _as_result(_divide_no_nan(self.total, self.count))


def _serialize_function(fn) -> dict:
    name = getattr(fn, "__name__", None) or _keras_snake_case(type(fn).__name__)
    return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}


def _lookup_function(name: str):
    if name in _METRIC_FUNCTIONS:
        return _METRIC_FUNCTIONS[name]
    if name in _LOSS_FUNCTIONS:
        return _LossFunction(name)
    losses = _losses_module()
    fn = getattr(losses, name, None)
    if callable(fn) and not isinstance(fn, type):
        return fn
    raise ValueError(
        f"MeanMetricWrapper: fn {name!r} is not a glassnet metric or loss function; "
        "pass the function object itself"
    )


def _deserialize_function(fn):
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
        y_true = _float_array(y_true, "y_true", where, self._dtype)
        y_pred = _float_array(y_pred, "y_pred", where, self._dtype)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": _serialize_function(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_function(config["fn"])
        return cls(**config)


class _PlainWrapper(MeanMetricWrapper):
    """A MeanMetricWrapper subclass whose config is just ``name`` and ``dtype``."""

    def get_config(self):
        return Metric.get_config(self)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ===================================================================== accuracy functions
def accuracy(y_true, y_pred):
    """Per-element exact match: ``1.0 if y_true == y_pred else 0.0``."""
    y_pred = _float_array(y_pred, "y_pred", "accuracy")
    y_true = _float_array(y_true, "y_true", "accuracy", y_pred.dtype)
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "y_true", "y_pred", "accuracy")
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-element binary match: ``1.0 if y_true == (y_pred > threshold) else 0.0``.

    ``y_true`` ``(n,)`` and ``y_pred`` ``(n, 1)`` are aligned to ``(n, 1)``.
    The comparison is done in ``y_pred``'s float type (threshold cast to it).
    """
    threshold = check_float(threshold, "threshold", "binary_accuracy")
    y_pred = _float_array(y_pred, "y_pred", "binary_accuracy")
    y_true = _float_array(y_true, "y_true", "binary_accuracy", y_pred.dtype)
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "y_true", "y_pred", "binary_accuracy")
    predicted = (y_pred > np.asarray(threshold, dtype=y_pred.dtype)).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """Per-sample match of one-hot targets: ``argmax(y_true) == argmax(y_pred)``.

    Ties go to the first maximal class (as ``argmax`` does in TensorFlow).
    """
    y_pred = _float_array(y_pred, "y_pred", "categorical_accuracy")
    y_true = _float_array(y_true, "y_true", "categorical_accuracy", y_pred.dtype)
    if y_true.ndim == 0 or y_pred.ndim == 0:
        raise ValueError(
            f"categorical_accuracy: y_true and y_pred must have a class axis, got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    labels = np.argmax(y_true, axis=-1)
    shape = labels.shape
    reshape = False
    if labels.ndim == y_pred.ndim:
        labels = np.squeeze(labels, -1)
        reshape = True
    predicted = np.argmax(y_pred, axis=-1)
    _check_broadcast(labels, predicted, "argmax(y_true)", "argmax(y_pred)", "categorical_accuracy")
    matches = (labels == predicted).astype(config.floatx())
    return matches.reshape(shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """Per-sample match of integer labels: ``y_true == argmax(y_pred)``.

    ``y_true`` may be ``(n,)`` or ``(n, 1)``; the result is ``(n,)``.
    """
    y_pred = _float_array(y_pred, "y_pred", "sparse_categorical_accuracy")
    y_true = _float_array(y_true, "y_true", "sparse_categorical_accuracy", y_pred.dtype)
    if y_pred.ndim == 0:
        raise ValueError("sparse_categorical_accuracy: y_pred must have a class axis, got a scalar")
    shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
        reshape = True
    predicted = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    _check_broadcast(y_true, predicted, "y_true", "argmax(y_pred)", "sparse_categorical_accuracy")
    matches = (y_true == predicted).astype(config.floatx())
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def _in_top_k(targets: np.ndarray, predictions: np.ndarray, k: int) -> np.ndarray:
    """TensorFlow's ``in_top_k``: ``#{j: p_j > p_target} < k``.

    Ties at the boundary count as inside; a target outside ``[0, C)`` or a
    row holding NaN/inf gives False.
    """
    n, c = predictions.shape
    if targets.shape != (n,):
        raise ValueError(
            f"top-k accuracy: y_true must give one label per row of y_pred, got labels of shape "
            f"{targets.shape} for {n} rows"
        )
    valid = (targets >= 0) & (targets < c) & np.isfinite(predictions).all(axis=1)
    safe = np.where(valid, targets, 0)
    target_score = predictions[np.arange(n), safe]
    greater = np.count_nonzero(predictions > target_score[:, None], axis=1)
    return valid & (greater < k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per-sample: 1.0 if ``argmax(y_true)`` is among the ``k`` highest scores of ``y_pred``.

    A class tied with the k-th highest score counts as inside (TensorFlow's rule).
    """
    k = check_positive_int(k, "k", "top_k_categorical_accuracy")
    y_pred = _float_array(y_pred, "y_pred", "top_k_categorical_accuracy")
    y_true = _float_array(y_true, "y_true", "top_k_categorical_accuracy", y_pred.dtype)
    if y_true.ndim == 0 or y_pred.ndim < 2:
        raise ValueError(
            f"top_k_categorical_accuracy: y_true and y_pred must be (batch, classes), got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    labels = np.argmax(y_true, axis=-1)
    shape = labels.shape
    preds = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    matches = _in_top_k(labels.reshape(-1), preds, k).astype(config.floatx())
    return matches.reshape(shape) if labels.ndim > 1 else matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Per-sample: 1.0 if the integer label ``y_true`` is among the ``k`` highest scores.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score
    (best first) and the test is ``y_true in y_pred[:, :k]``.
    """
    k = check_positive_int(k, "k", "sparse_top_k_categorical_accuracy")
    y_pred = _float_array(y_pred, "y_pred", "sparse_top_k_categorical_accuracy")
    y_true = _float_array(y_true, "y_true", "sparse_top_k_categorical_accuracy", y_pred.dtype)
    if y_pred.ndim < 2:
        raise ValueError(
            f"sparse_top_k_categorical_accuracy: y_pred must be (batch, classes), got shape {y_pred.shape}"
        )
    shape = y_true.shape
    preds = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    if from_sorted_ids:
        labels = y_true.reshape(-1)
        if labels.shape[0] != preds.shape[0]:
            raise ValueError(
                f"sparse_top_k_categorical_accuracy: y_true must give one label per row of y_pred, "
                f"got shapes {y_true.shape} and {y_pred.shape}"
            )
        matches = np.any(labels[:, None] == preds[:, :k], axis=1)
    else:
        finite = np.isfinite(y_true)
        labels = np.where(finite, y_true, -1).astype(np.int64).reshape(-1)
        matches = _in_top_k(labels, preds, k)
    matches = matches.astype(config.floatx())
    return matches.reshape(shape) if y_true.ndim > 1 else matches


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine similarity ``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    ``l2_normalize(x) = x * min(1 / sqrt(sum(x**2, axis)), 1 / epsilon)``, so an
    all-zero vector gives 0 instead of NaN.  (This is the metric's sign: +1 for
    equal directions, unlike the loss, which is its negative.)
    """
    y_pred = _float_array(y_pred, "y_pred", "cosine_similarity")
    y_true = _float_array(y_true, "y_true", "cosine_similarity", y_pred.dtype)
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    _check_broadcast(y_true, y_pred, "y_true", "y_pred", "cosine_similarity")
    cap = 1.0 / config.epsilon()

    def normalize(x):
        square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):
            inv = 1.0 / np.sqrt(square_sum)
        return x * np.minimum(inv, cap)

    return np.sum(normalize(y_true) * normalize(y_pred), axis=axis)


_METRIC_FUNCTIONS = {
    f.__name__: f
    for f in (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity)
}


# ===================================================================== accuracy classes
@REG.register("accuracy", "acc")
class Accuracy(_PlainWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly: mean of :func:`accuracy`.

    (``get('accuracy')`` gives this class, as in Keras; in ``compile``/``fit``
    the string 'accuracy' is turned into the binary/categorical/sparse
    variant by :func:`resolve`.)
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


@REG.register("binary_accuracy")
class BinaryAccuracy(_PlainWrapper):
    """Fraction of binary labels matched: mean of ``y_true == (y_pred > threshold)``.

    Args:
        name: default ``'binary_accuracy'``.
        dtype: float type of the state.
        threshold: predictions strictly above it count as class 1 (default 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        threshold = check_float(threshold, "threshold", "BinaryAccuracy")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


@REG.register("categorical_accuracy")
class CategoricalAccuracy(_PlainWrapper):
    """Fraction of one-hot targets matched: mean of ``argmax(y_true) == argmax(y_pred)``."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


@REG.register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(_PlainWrapper):
    """Fraction of integer labels matched: mean of ``y_true == argmax(y_pred)``."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


@REG.register("top_k_categorical_accuracy")
class TopKCategoricalAccuracy(_PlainWrapper):
    """Fraction of samples whose one-hot target class is among the ``k`` top scores.

    Args:
        k: how many of the highest scores count (default 5).
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        k = check_positive_int(k, "k", "TopKCategoricalAccuracy")
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


@REG.register("sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(_PlainWrapper):
    """Fraction of samples whose integer label is among the ``k`` top scores.

    Args:
        k: how many of the highest scores count (default 5).
        from_sorted_ids: ``y_pred`` holds class ids sorted best first.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        k = check_positive_int(k, "k", "SparseTopKCategoricalAccuracy")
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=bool(from_sorted_ids))
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


# ===================================================================== regression / loss metrics
@REG.register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(_PlainWrapper):
    """Running mean of ``mean((y_true - y_pred)**2, axis=-1)`` (``glassnet.losses.mean_squared_error``)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_LossFunction("mean_squared_error"), name=name, dtype=dtype)


@REG.register("mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(_PlainWrapper):
    """Running mean of ``mean(|y_true - y_pred|, axis=-1)`` (``glassnet.losses.mean_absolute_error``)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_LossFunction("mean_absolute_error"), name=name, dtype=dtype)


@REG.register("mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(_PlainWrapper):
    """Running mean of ``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_LossFunction("mean_absolute_percentage_error"), name=name, dtype=dtype)


@REG.register("mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(_PlainWrapper):
    """Running mean of ``mean((log(max(y_true, eps) + 1) - log(max(y_pred, eps) + 1))**2, axis=-1)``."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(_LossFunction("mean_squared_logarithmic_error"), name=name, dtype=dtype)


@REG.register("root_mean_squared_error")
class RootMeanSquaredError(Mean):
    """``sqrt(sum_i w_i (y_pred_i - y_true_i)**2 / sum_i w_i)`` over everything seen.

    The squared errors are averaged per sample (over trailing axes) before
    weighting, and the square root is taken of the final mean, not per batch.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        where = type(self).__name__
        y_true = _float_array(y_true, "y_true", where, self._dtype)
        y_pred = _float_array(y_pred, "y_pred", where, self._dtype)
        y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
        _check_broadcast(y_true, y_pred, "y_true", "y_pred", where)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return _as_result(np.sqrt(_divide_no_nan(self.total, self.count)))


@REG.register("cosine_similarity")
class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the per-sample :func:`cosine_similarity` along ``axis``.

    (Keras's config omits ``axis``; glassnet writes it so the round trip keeps it.)
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"CosineSimilarity: axis must be an integer, got {axis!r}")
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=int(axis))
        self.axis = int(axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@REG.register("log_cosh_error")
class LogCoshError(_PlainWrapper):
    """Running mean of ``mean(log(cosh(y_pred - y_true)), axis=-1)`` (``glassnet.losses.log_cosh``)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(_LossFunction("log_cosh"), name=name, dtype=dtype)


@REG.register("binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of ``glassnet.losses.binary_crossentropy`` per sample:
    ``-mean(y log p + (1 - y) log(1 - p), axis=-1)`` with ``p`` clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (sigmoid applied inside).
        label_smoothing: ``y -> y (1 - s) + s / 2``.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(_LossFunction("binary_crossentropy"), name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=label_smoothing)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@REG.register("categorical_crossentropy")
class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of ``glassnet.losses.categorical_crossentropy`` per sample:
    ``-sum(y * log(p), axis)`` with ``p`` renormalised and clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (softmax applied inside).
        label_smoothing: ``y -> y (1 - s) + s / C``.
        axis: the class axis.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(_LossFunction("categorical_crossentropy"), name=name, dtype=dtype,
                         from_logits=bool(from_logits), label_smoothing=label_smoothing, axis=axis)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@REG.register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of ``glassnet.losses.sparse_categorical_crossentropy`` per sample:
    ``-log(p[y])`` with ``p`` clipped to ``[eps, 1 - eps]``.

    Args:
        from_logits: ``y_pred`` holds logits (softmax applied inside).
        ignore_class: a label value whose samples are left out (weight 0).
        axis: the class axis.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(_LossFunction("sparse_categorical_crossentropy"), name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class, axis=axis)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@REG.register("kl_divergence")
class KLDivergence(_PlainWrapper):
    """Running mean of ``sum(y * log(y / p), axis=-1)`` with both clipped to ``[eps, 1]``."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(_LossFunction("kl_divergence"), name=name, dtype=dtype)


@REG.register("poisson")
class Poisson(_PlainWrapper):
    """Running mean of ``mean(p - y * log(p + eps), axis=-1)``."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(_LossFunction("poisson"), name=name, dtype=dtype)


@REG.register("hinge")
class Hinge(_PlainWrapper):
    """Running mean of ``mean(max(1 - y * p, 0), axis=-1)`` (0/1 labels mapped to -1/1)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(_LossFunction("hinge"), name=name, dtype=dtype)


@REG.register("squared_hinge")
class SquaredHinge(_PlainWrapper):
    """Running mean of ``mean(max(1 - y * p, 0)**2, axis=-1)`` (0/1 labels mapped to -1/1)."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(_LossFunction("squared_hinge"), name=name, dtype=dtype)


@REG.register("categorical_hinge")
class CategoricalHinge(_PlainWrapper):
    """Running mean of ``max(max((1 - y) * p) - sum(y * p) + 1, 0)`` per sample."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(_LossFunction("categorical_hinge"), name=name, dtype=dtype)


# ===================================================================== confusion-matrix machinery
def _parse_thresholds(thresholds, default, where):
    """A list of thresholds: ``[default]`` for None, else each checked in [0, 1]."""
    if thresholds is None:
        return [default]
    if isinstance(thresholds, np.ndarray):
        items = thresholds.ravel().tolist()
    elif isinstance(thresholds, (list, tuple)):
        items = list(thresholds)
    else:
        items = [thresholds]
    if not items:
        raise ValueError(f"{where}: thresholds must not be empty, got {thresholds!r}")
    return [check_float(t, "thresholds", where, low=0.0, high=1.0) for t in items]


def _evenly_distributed(thresholds) -> bool:
    """True for 3+ thresholds equal to ``i / (n - 1)`` (within 1e-7): Keras's fast path."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(np.asarray(thresholds, dtype=np.float64), even, atol=config.epsilon()))


def _prepare_confusion_inputs(y_true, y_pred, sample_weight, dtype, where, *, top_k=None, class_id=None):
    """Align y_true/y_pred/sample_weight as Keras does; apply top_k and class_id.

    Returns ``(y_true, y_pred, weights_or_None)`` with matching shapes.
    """
    y_true = _float_array(y_true, "y_true", where, dtype)
    y_pred = _float_array(y_pred, "y_pred", where, dtype)
    y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same shape, got y_true {y_true.shape} "
            f"and y_pred {y_pred.shape}"
        )
    sw = None
    if sample_weight is not None:
        sw = _float_array(sample_weight, "sample_weight", where, dtype)[..., None]
        _, sw = _squeeze_or_expand(y_true, sw, expand_rank_1=False)
    if top_k is not None:
        if y_pred.ndim == 0 or top_k > y_pred.shape[-1]:
            raise ValueError(
                f"{where}: top_k must be at most the number of classes (last axis of y_pred), got "
                f"top_k={top_k} for y_pred of shape {y_pred.shape}"
            )
        # Keep the top_k scores of each row (ties: lower index first, as TF's top_k)
        # and push the rest to NEG_INF so that no threshold counts them as positive.
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]
        keep = np.zeros(y_pred.shape, dtype=bool)
        np.put_along_axis(keep, top, True, axis=-1)
        y_pred = np.where(keep, y_pred, np.asarray(NEG_INF, dtype=y_pred.dtype))
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(
                f"{where}: with class_id, y_pred must be (num_samples, num_classes), got shape {y_pred.shape}"
            )
        if class_id >= y_pred.shape[-1]:
            raise ValueError(
                f"{where}: class_id must be in [0, {y_pred.shape[-1]}) for y_pred of shape {y_pred.shape}, "
                f"got {class_id}"
            )
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if sw is not None:
        sw = _broadcast_weight(sw, y_pred.shape, where)
    return y_true, y_pred, sw


def _confusion_counts(y_true, y_pred, weights, thresholds, *, evenly, multi_label=False, dtype="float32"):
    """Weighted TP, FP, TN, FN at every threshold, in one pass (no loop over thresholds).

    A prediction ``p`` is positive at threshold ``t`` when ``p > t``.  For each
    prediction we find ``last``, the highest (sorted) threshold index it
    exceeds (-1 for none); a bincount over ``last`` followed by a reversed
    cumulative sum gives ``TP(t_i) = sum of positive-label weights with last >= i``,
    and likewise FP; ``FN = total positive weight - TP``, ``TN = total negative - FP``.

    ``evenly`` uses Keras's bucket formula for thresholds ``i / (T - 1)``
    (``last = ceil(p * (T - 1)) - 1`` on ``p`` clipped to [0, 1], floored at 0 when the
    end thresholds sit just outside [0, 1]), which reproduces Keras's numbers
    including its float32 rounding; otherwise ``np.searchsorted`` on the
    sorted thresholds.  NaN predictions are negative at every threshold.

    Returns four arrays of shape ``(T,)``, or ``(T, L)`` with ``multi_label``
    (``y_true``/``y_pred`` of shape ``(n, L)``, one curve per column).
    """
    num_t = len(thresholds)
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2, got shape {y_pred.shape}")
        num_l = y_pred.shape[1]
        col = np.broadcast_to(np.arange(num_l), y_pred.shape).ravel()
    else:
        num_l = 1
        col = None
    pred = y_pred.ravel()
    label = (y_true != 0).ravel()
    nan = np.isnan(pred)

    if evenly:
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        clipped = np.clip(pred, 0.0, 1.0)
        bucket = np.ceil(clipped * np.asarray(num_t - 1, dtype=pred.dtype)) - 1
        if with_eps:
            bucket = np.maximum(bucket, 0)
        bucket[nan] = -1
        last = bucket.astype(np.int64)
        order = None
    else:
        thr = np.asarray(thresholds, dtype=pred.dtype)
        order = np.argsort(thr, kind="stable")
        last = np.searchsorted(thr[order], pred, side="left") - 1
        last[nan] = -1

    slots = num_t + 1
    index = last + 1 if col is None else last + 1 + col * slots
    if weights is None:
        w = None
        pos_w = label.astype(np.float64)
    else:
        w = np.asarray(weights).ravel().astype(np.float64)
        pos_w = np.where(label, w, 0.0)
    neg_w = (1.0 - pos_w) if w is None else (w - pos_w)
    size = num_l * slots
    pos_bins = np.bincount(index, weights=pos_w, minlength=size).reshape(num_l, slots)
    neg_bins = np.bincount(index, weights=neg_w, minlength=size).reshape(num_l, slots)
    # count at threshold i = sum of bins j >= i + 1
    tp = np.cumsum(pos_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fp = np.cumsum(neg_bins[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fn = pos_bins.sum(axis=1, keepdims=True) - tp
    tn = neg_bins.sum(axis=1, keepdims=True) - fp
    out = []
    for a in (tp, fp, tn, fn):
        if order is not None:
            unsorted = np.empty_like(a)
            unsorted[:, order] = a
            a = unsorted
        a = a.T if multi_label else a[0]
        out.append(a.astype(dtype))
    return tuple(out)


_TP, _FP, _TN, _FN = "tp", "fp", "tn", "fn"


class _ConfusionMatrixConditionCount(Metric):
    """Weighted count of one confusion-matrix cell at each threshold."""

    _cond = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5, where)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted count (``y_pred > threshold`` is a positive prediction)."""
        yt, yp, sw = _prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, type(self).__name__)
        tp, fp, tn, fn = _confusion_counts(yt, yp, sw, self.thresholds,
                                           evenly=self._thresholds_distributed_evenly, dtype=self._dtype)
        self.accumulator += {_TP: tp, _FP: fp, _TN: tn, _FN: fn}[self._cond]

    def result(self):
        return _as_result(self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@REG.register("true_positives")
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true != 0 and y_pred > threshold`` (threshold default 0.5;
    a list of thresholds gives one count per threshold)."""

    _cond = _TP


@REG.register("false_positives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true == 0 and y_pred > threshold`` (default threshold 0.5)."""

    _cond = _FP


@REG.register("true_negatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true == 0 and y_pred <= threshold`` (default threshold 0.5)."""

    _cond = _TN


@REG.register("false_negatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of ``y_true != 0 and y_pred <= threshold`` (default threshold 0.5)."""

    _cond = _FN


class _PrecisionRecallBase(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        self.init_thresholds = thresholds
        self.top_k = check_positive_int(top_k, "top_k", where, allow_none=True)
        self.class_id = None if class_id is None else check_non_negative_int(class_id, "class_id", where)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default, where)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), name="true_positives")
        self._second = self.add_variable((n,), name=self._second_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted true positives and false positives/negatives."""
        yt, yp, sw = _prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, type(self).__name__,
                                               top_k=self.top_k, class_id=self.class_id)
        tp, fp, tn, fn = _confusion_counts(yt, yp, sw, self.thresholds,
                                           evenly=self._thresholds_distributed_evenly, dtype=self._dtype)
        self.true_positives += tp
        self._second += fp if self._second_name == "false_positives" else fn

    def result(self):
        value = _divide_no_nan(self.true_positives, self.true_positives + self._second)
        return _as_result(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@REG.register("precision")
class Precision(_PrecisionRecallBase):
    """``precision = TP / (TP + FP)`` (0 when nothing was predicted positive).

    A prediction is positive when ``y_pred > threshold`` (default 0.5; a list
    gives one precision per threshold).  With ``top_k``, only the ``k``
    highest scores of each row can be positive (threshold then defaults to
    "any score").  With ``class_id``, only that column of ``y_true``/``y_pred``
    is used.
    """

    _second_name = "false_positives"

    @property
    def false_positives(self):
        return self._second


@REG.register("recall")
class Recall(_PrecisionRecallBase):
    """``recall = TP / (TP + FN)`` (0 when there are no positive labels).

    Same ``thresholds`` / ``top_k`` / ``class_id`` rules as :class:`Precision`.
    """

    _second_name = "false_negatives"

    @property
    def false_negatives(self):
        return self._second


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@REG.register("auc")
class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at fixed thresholds.

    Thresholds (Keras's layout): ``[-eps, 1/(T-1), 2/(T-1), ..., (T-2)/(T-1), 1 + eps]``
    for ``num_thresholds = T`` (default 200), or ``[-eps] + sorted(thresholds) + [1 + eps]``.
    TP/FP/TN/FN are accumulated at each threshold (``y_pred > t`` is positive).

    ``curve='ROC'``: ``x = FPR = FP / (FP + TN)``, ``y = TPR = TP / (TP + FN)``,
    ``AUC = sum_i (x_i - x_{i+1}) * h_i`` with ``h_i = (y_i + y_{i+1}) / 2`` for
    ``summation_method='interpolation'`` (trapezoid), ``min`` for 'minoring',
    ``max`` for 'majoring'.  ``curve='PR'``: ``x = recall``, ``y = precision``;
    with 'interpolation' the Davis & Goadrich interpolation is used: between
    thresholds TP and P = TP + FP vary linearly, giving per interval
    ``slope * (dTP + intercept * log(P_i / P_{i+1})) / (TP_{i+1} + FN_{i+1})``
    with ``slope = dTP / dP`` and ``intercept = TP_{i+1} - slope * P_{i+1}``.
    ``curve='PRGAIN'`` uses precision/recall gains.

    The error against the exact (sorting-based) AUC is at most the effect of
    merging scores that fall in the same threshold bucket (width 1/(T-1)).

    Args:
        num_thresholds: number of thresholds, > 1 (ignored when ``thresholds`` is given).
        curve: 'ROC', 'PR' or 'PRGAIN'.
        summation_method: 'interpolation', 'minoring' or 'majoring'.
        thresholds: explicit thresholds in [0, 1].
        multi_label: treat each column as its own label and average the AUCs
            (weighted by ``label_weights`` if given); else all columns are pooled.
        num_labels: number of columns when ``multi_label`` (else taken from the first batch).
        label_weights: per-column weights (pooled counts, or the average's weights).
        from_logits: apply a sigmoid to ``y_pred`` first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        where = "AUC"
        if not isinstance(curve, str) or curve.lower() not in _CURVES or curve not in (
                curve.lower(), curve.upper()):
            raise ValueError(f"AUC: curve must be one of 'ROC', 'PR', 'PRGAIN', got {curve!r}")
        if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS or \
                summation_method not in (summation_method.lower(), summation_method.capitalize()):
            raise ValueError(
                f"AUC: summation_method must be one of 'interpolation', 'majoring', 'minoring', "
                f"got {summation_method!r}"
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, None, where))
            self.num_thresholds = len(inner) + 2
            self._thresholds_distributed_evenly = _evenly_distributed([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, numbers.Integral) \
                    or num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1, got {num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = _CURVES[curve.lower()]
        self.summation_method = summation_method.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            lw = _float_array(label_weights, "label_weights", where, self._dtype)
            if lw.ndim != 1 or (lw < 0).any():
                raise ValueError(
                    f"AUC: label_weights must be a 1-D array of non-negative weights, got {label_weights!r}"
                )
            self.label_weights = lw
        else:
            self.label_weights = None
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self.num_labels = check_positive_int(num_labels, "num_labels", where)
                self._build((None, self.num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: num_labels is only used with multi_label=True, got "
                                 f"num_labels={num_labels!r}")
            self._build(None)

    @property
    def thresholds(self) -> list:
        """All thresholds, including the two end points just outside [0, 1]."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2, got shape {tuple(shape)}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(var_shape, name="true_positives")
        self.false_positives = self.add_variable(var_shape, name="false_positives")
        self.true_negatives = self.add_variable(var_shape, name="true_negatives")
        self.false_negatives = self.add_variable(var_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted TP/FP/TN/FN at every threshold (one bincount pass)."""
        where = "AUC"
        y_pred = _float_array(y_pred, "y_pred", where, self._dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = _sigmoid(y_pred)
        yt, yp, sw = _prepare_confusion_inputs(y_true, y_pred, sample_weight, self._dtype, where)
        if self.multi_label and yp.ndim == 2 and yp.shape[1] != self._num_labels:
            raise ValueError(f"AUC: y_pred must have {self._num_labels} columns (num_labels), got shape {yp.shape}")
        weights = sw
        if self.label_weights is not None and not self.multi_label:
            lw = _broadcast_weight(self.label_weights[None], yp.shape, where, "label_weights")
            weights = lw if weights is None else weights * lw
        tp, fp, tn, fn = _confusion_counts(yt, yp, weights, self._thresholds,
                                           evenly=self._thresholds_distributed_evenly,
                                           multi_label=self.multi_label, dtype=self._dtype)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def _average_labels(self, per_threshold_terms):
        if not self.multi_label:
            return np.sum(per_threshold_terms)
        by_label = np.sum(per_threshold_terms, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich interpolation (see the class docstring)."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        increment = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._average_labels(increment)

    def result(self):
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _as_result(self.interpolate_pr_auc())
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scale * _divide_no_nan(fn, tp)
            precision_gain = 1.0 - scale * _divide_no_nan(fp, tp)
            no_tp = tp == 0
            recall_gain = np.maximum(np.where(no_tp, np.zeros_like(recall_gain), recall_gain), 0)
            precision_gain = np.where(no_tp, np.ones_like(precision_gain), precision_gain)
            x, y = recall_gain, precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return _as_result(self._average_labels((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return {**super().get_config(), **config}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` without overflow, in ``x``'s dtype."""
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


# ===================================================================== F-scores
@REG.register("f_beta_score")
class FBetaScore(Metric):
    """F-beta score per class, or averaged: ``(1 + b^2) P R / (b^2 P + R)``.

    Per class ``c`` (columns of 2-D ``y_true``/``y_pred``), with weighted counts
    ``TP, FP, FN`` accumulated over all batches::

        P = TP / (TP + FP + eps),  R = TP / (TP + FN + eps)
        F = (1 + b^2) * P * R / (b^2 * P + R + eps)

    A prediction is 1 where ``y_pred > threshold``; with ``threshold=None``
    the row's maximum (ties all count) is 1 unless it is 0.
    ``average``: None -> array of per-class scores; 'micro' -> counts pooled
    over classes; 'macro' -> unweighted mean of the class scores; 'weighted' ->
    mean weighted by each class's (weighted) number of true labels.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        where = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                f"{where}: average must be one of None, 'micro', 'macro', 'weighted', got {average!r}"
            )
        self.beta = check_float(beta, "beta", where, low=0.0, low_inclusive=False)
        self.threshold = check_float(threshold, "threshold", where, low=0.0, high=1.0, low_inclusive=False,
                                     allow_none=True)
        self.average = average
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__}: y_true and y_pred must be 2-D (batch_size, num_classes), got "
                f"y_true {tuple(y_true_shape)} and y_pred {tuple(y_pred_shape)}"
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._num_classes = y_pred_shape[-1]
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted TP, FP, FN and true-label totals per class."""
        where = type(self).__name__
        y_true = _float_array(y_true, "y_true", where, self._dtype)
        y_pred = _float_array(y_pred, "y_pred", where, self._dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape or y_pred.ndim != 2 or y_pred.shape[-1] != self._num_classes:
            raise ValueError(
                f"{where}: y_true and y_pred must both be (batch_size, {self._num_classes}), got "
                f"y_true {y_true.shape} and y_pred {y_pred.shape}"
            )
        if self.threshold is None:
            row_max = np.max(y_pred, axis=-1, keepdims=True) if y_pred.size else y_pred
            predicted = (y_pred >= row_max) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > np.asarray(self.threshold, dtype=y_pred.dtype)
        predicted = predicted.astype(self._dtype)
        sw = None
        if sample_weight is not None:
            sw = _float_array(sample_weight, "sample_weight", where, self._dtype)
            if sw.ndim == 2 and sw.shape[1] == 1:
                sw = sw[:, 0]
            if sw.ndim > 1:
                raise ValueError(f"{where}: sample_weight must be one weight per sample, got shape {sw.shape}")
            sw = _broadcast_weight(sw, (y_pred.shape[0],), where)[:, None]

        def weighted_sum(v):
            if sw is not None:
                v = v * sw
            return np.sum(v, axis=self.axis)

        self.true_positives += weighted_sum(predicted * y_true)
        self.false_positives += weighted_sum(predicted * (1 - y_true))
        self.false_negatives += weighted_sum((1 - predicted) * y_true)
        self.intermediate_weights += weighted_sum(y_true)

    def result(self):
        if not self._built:
            return 0.0 if self.average is not None else np.zeros((0,), dtype=self._dtype)
        eps = config.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + eps)
            score = np.sum(score * weights)
        elif self.average is not None:
            score = np.mean(score)
        return _as_result(score)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


@REG.register("f1_score")
class F1Score(FBetaScore):
    """F1 score: :class:`FBetaScore` with ``beta = 1``, i.e. ``2 P R / (P + R)``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


# ===================================================================== lookup
def serialize(metric) -> dict:
    """Keras's dict form of a metric (``module``, ``class_name``, ``config``, ``registered_name``);
    a plain function gives Keras's ``{"class_name": "function", "config": name, ...}``."""
    if isinstance(metric, Metric):
        return REG.serialize(metric)
    if callable(metric):
        return _serialize_function(metric)
    raise TypeError(f"serialize: metric must be a Metric or a function, got {type(metric).__name__}")


def deserialize(config):
    """Rebuild a metric (or metric function) from :func:`serialize`'s dict."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return _deserialize_function(config)
    return REG.deserialize(config)


def get(identifier):
    """A metric from a name, config dict, class, instance or function.

    Strings are Keras's: class names ('AUC'), their snake-case names
    ('binary_accuracy', 'auc', 'precision', 'f1_score', ...) and the aliases
    'mse', 'mae', 'mape', 'msle', 'bce' (and upper case).  As in Keras,
    'accuracy' gives the exact-match :class:`Accuracy`; glassnet also accepts
    'acc' for it (Keras's ``get`` rejects 'acc' and only ``compile`` knows it).
    A string or class gives a new instance with default arguments; a Metric
    instance or a function is returned as it is; ``None`` gives ``None``.
    """
    if identifier is None:
        return None
    obj = REG.get(identifier)
    if isinstance(obj, Metric) or callable(obj):
        return obj
    raise ValueError(
        f"get: could not interpret metric identifier {identifier!r}; expected a metric name, "
        "a config dict, a Metric class or instance, or a function"
    )


def _shape_tuple(shape, name):
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"resolve: {name} must be a shape tuple, got {shape!r}") from None
    if not shape or shape[-1] is None:
        raise ValueError(f"resolve: {name} must have a known last dimension, got {shape!r}")
    return shape


def _binary_or_sparse(y_true_shape, y_pred_shape):
    """Keras's rule: binary when y_pred's last dim is 1; sparse when y_true has
    lower rank than y_pred, or last dim 1 while y_pred's is > 1."""
    yt = _shape_tuple(y_true_shape, "y_true_shape")
    yp = _shape_tuple(y_pred_shape, "y_pred_shape")
    is_binary = yp[-1] == 1
    is_sparse = len(yt) < len(yp) or (yt[-1] == 1 and yp[-1] > 1)
    return is_binary, is_sparse


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """The metric object ``compile(metrics=[identifier])`` uses, named as in Keras's ``History``.

    * 'accuracy' / 'acc' (any case): :class:`BinaryAccuracy` when y_pred's last
      dimension is 1, else :class:`SparseCategoricalAccuracy` when y_true has
      lower rank than y_pred or last dimension 1, else :class:`CategoricalAccuracy`;
      the metric keeps the name as typed ('accuracy', 'acc').
    * 'crossentropy' / 'ce' (any case): the same rule picks
      :class:`BinaryCrossentropy` / :class:`SparseCategoricalCrossentropy` /
      :class:`CategoricalCrossentropy`, named as typed.  This follows Keras's rule
      for the *loss* 'crossentropy'; Keras 3.15 itself rejects it as a metric.
    * any other string: :func:`get`, renamed to the string ('mse' shows as 'mse').
    * a Metric (class or instance) keeps its own name; a plain function is wrapped
      in :class:`MeanMetricWrapper` named after the function.

    Keras 3 decides from the shapes alone; ``loss`` is accepted for callers
    that have it but does not change the choice.

    Args:
        identifier: what the user passed in ``metrics``.
        loss: the compiled loss (unused, see above).
        y_true_shape: shape of the targets as the user gives them, e.g. ``(n,)``.
        y_pred_shape: shape of the model's output, e.g. ``(n, 1)``.
    """
    if identifier is None:
        raise ValueError("resolve: identifier must be a metric, got None")
    key = str(identifier).lower()
    if key in ("accuracy", "acc", "crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(
                f"resolve: {identifier!r} needs y_true_shape and y_pred_shape to choose the "
                f"binary/categorical/sparse variant, got {y_true_shape!r} and {y_pred_shape!r}"
            )
        is_binary, is_sparse = _binary_or_sparse(y_true_shape, y_pred_shape)
        if key in ("accuracy", "acc"):
            cls = BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy
        else:
            cls = (BinaryCrossentropy if is_binary else SparseCategoricalCrossentropy if is_sparse
                   else CategoricalCrossentropy)
        metric = cls(name=str(identifier))
    else:
        metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    elif isinstance(metric, Metric):
        name = metric.name
    else:
        name = _keras_snake_case(getattr(metric, "__name__", type(metric).__name__))
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric
