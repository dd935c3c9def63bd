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

Layout: :mod:`.base` (:class:`Metric`, :class:`Sum`, :class:`Mean`, :class:`MeanMetricWrapper`,
automatic names), then one module per family: :mod:`.accuracy`, :mod:`.regression` (the
loss-based metrics, which call ``glassnet.losses``' functions), :mod:`.confusion` (counts,
precision, recall), :mod:`.auc` and :mod:`.fbeta`.

Keras's ``compile`` passes ``sample_weight`` only to ``weighted_metrics``;
``metrics`` are updated unweighted.  That choice belongs to the model; every
metric here accepts ``sample_weight``.
"""
from __future__ import annotations

# ``keras.metrics`` re-exports Keras's loss functions; so does this package.
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: F401
                      categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                      mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                      mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge)
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
                       categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                       top_k_categorical_accuracy)
from .auc import AUC
from .base import (REG, Mean, MeanMetricWrapper, Metric, Sum, _reset_name_uids,  # noqa: F401
                   deserialize_function, keras_snake_case, serialize_function)
from .confusion import NEG_INF, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .fbeta import F1Score, FBetaScore
from .regression import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                         KLDivergence, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError,
                         SparseCategoricalCrossentropy, SquaredHinge, cosine_similarity)

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


# ===================================================================== lookup
def serialize(metric) -> dict:
    """Keras's dict form of a metric (``module``, ``class_name``, ``config``, ``registered_name``);
    a plain function gives Keras's ``{"class_name": "function", "config": name, ...}``."""
    if isinstance(metric, Metric):
        return REG.serialize(metric)
    if callable(metric):
        return serialize_function(metric)
    raise TypeError(f"serialize: metric must be a Metric or a function, got {type(metric).__name__}")


def deserialize(config):
    """Rebuild a metric (or metric function) from :func:`serialize`'s dict."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return deserialize_function(config)
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
        name = keras_snake_case(getattr(metric, "__name__", type(metric).__name__))
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric
