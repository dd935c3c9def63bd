"""Loss functions: Keras 3's classes, functions, names and numbers (TensorFlow backend).

Two faces, as in Keras:

- **functions** (``mean_squared_error(y_true, y_pred)``, ...) return one loss per
  sample (the last axis is reduced), and are what ``'mse'``, ``'binary_crossentropy'``
  ... resolve to through :func:`get`;
- **classes** (``MeanSquaredError()``, ...) wrap a function, and their call
  ``loss(y_true, y_pred, sample_weight=None)`` reduces the per-sample losses to one
  number with Keras 3.15's reduction rules (see :func:`reduce_weighted_values`).

On top of Keras's API every :class:`Loss` can differentiate itself, which is what a
NumPy model needs for backpropagation:

- ``loss.gradient(y_true, y_pred, sample_weight)`` is ``d loss(...) / d y_pred``, the
  exact derivative of the number ``loss(...)`` computes, with TensorFlow's conventions
  where the function is not smooth: clipping (``clip_by_value``) passes the gradient
  only where ``low <= x <= high``; ``maximum(a, b)`` sends it to ``a`` when ``a >= b``
  (``minimum``: when ``a <= b``); ``abs`` and ``sign`` have derivative 0 at 0; a ``max``
  over an axis shares the gradient equally between tied maxima.
- ``loss.fused_value(y_true, z, sample_weight)`` / ``loss.fused_gradient(y_true, z,
  y_pred, sample_weight)``: the cross-entropies compute from the logits ``z`` when the
  model's output layer is a softmax (categorical and sparse categorical) or a sigmoid
  (binary, binary focal), exactly as Keras's TensorFlow backend does: ``softmax`` and
  ``sigmoid`` leave the logits on their output (``output._keras_logits``) and the
  backend's cross-entropy reads them, so no probability is clipped and the gradient
  with respect to ``z`` is ``(y_pred - y) / N`` (labels smoothed, sample weights and
  the reduction applied). :attr:`Loss.fused_activation` names the activation.
- ``loss.check_targets(y_true, y_pred_shape, where)``: validate the targets once per
  ``fit`` and return them aligned with the predictions, with messages that say what is
  wrong (one-hot labels given to a sparse loss, class index out of range, ...).

Layout: :mod:`.base` (:class:`Loss`, :class:`LossFunctionWrapper`, :class:`~.base.LossKernel`),
:mod:`.reduction` (rank alignment and Keras's reductions), :mod:`.targets` (``check_targets``), and
one module per family, each loss written once as a kernel class with its value and gradient side
by side, then Keras's function and class: :mod:`.regression`, :mod:`.hinge`,
:mod:`.probabilistic` (KL divergence, Poisson) and :mod:`.crossentropy`.

Every computation keeps the float type of ``y_pred`` (float32 in, float32 out); a
loss built with an explicit ``dtype`` computes in that type.  Hyper-parameters are
Python floats, so they never promote an array.
"""
from __future__ import annotations

from .base import REG, Loss, LossFunctionWrapper, LossKernel
from .crossentropy import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                           CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, binary_crossentropy,
                           binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy,
                           sparse_categorical_crossentropy)
from .hinge import CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge, squared_hinge
from .probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from .reduction import REDUCTIONS, reduce_weighted_values, squeeze_or_expand_to_same_rank
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                         mean_squared_logarithmic_error)

__all__ = [
    "Loss", "LossFunctionWrapper",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh",
    "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh",
    "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
    "squeeze_or_expand_to_same_rank", "reduce_weighted_values",
    "get", "serialize", "deserialize", "resolve",
]


# ========================================================= get / (de)serialize
def serialize(loss):
    """Keras's dict form: ``{'module', 'class_name', 'config', 'registered_name'}``.

    A loss function becomes ``{'module': 'builtins', 'class_name': 'function',
    'config': 'mean_squared_error', 'registered_name': 'function'}``, as in Keras.
    """
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        return REG.serialize(loss)
    if callable(loss) and hasattr(loss, "__name__"):
        return {"module": "builtins", "class_name": "function", "config": loss.__name__,
                "registered_name": "function"}
    raise TypeError(f"losses.serialize: loss must be a Loss or a loss function, got {type(loss).__name__} {loss!r}")


def deserialize(config, custom_objects=None):
    """A loss function or :class:`Loss` instance from :func:`serialize`'s dict (or a name)."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return custom_objects[config]
        return REG.lookup(config)
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        if name in custom_objects:
            return custom_objects[name]
        return REG.lookup(name)
    if isinstance(config, dict) and config.get("class_name") in custom_objects:
        cls = custom_objects[config["class_name"]]
        return cls.from_config(config.get("config") or {})
    return REG.deserialize(config)


def get(identifier):
    """Keras's ``losses.get``: ``None``, a name, a config dict, a function or a :class:`Loss`.

    A function name (``'mse'``, ``'binary_crossentropy'``) gives the function, a class name
    (``'MeanSquaredError'``) an instance with default arguments, a dict its deserialized
    object; callables are returned as they are.  Use :func:`resolve` to always get a
    :class:`Loss`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = REG.lookup(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    return obj


def resolve(identifier, y_true_shape=None, y_pred_shape=None):
    """A :class:`Loss` instance for ``compile(loss=identifier)``, as Keras's compile builds it.

    Functions (and their names) are wrapped in :class:`LossFunctionWrapper` named after the
    identifier string (``'mse'``) or the function.  ``'crossentropy'``/``'ce'`` pick the
    binary (one output unit), sparse (targets of lower rank, or one column for several
    units) or categorical cross-entropy from the shapes, as Keras does.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        if y_true_shape is None or y_pred_shape is None:
            raise ValueError(f"losses.resolve: loss={identifier!r} needs y_true_shape and y_pred_shape to choose "
                             "between binary, sparse and categorical cross-entropy")
        yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
        if yp[-1] == 1:
            obj = binary_crossentropy
        elif len(yt) < len(yp) or (yt[-1] == 1 and yp[-1] > 1):
            obj = sparse_categorical_crossentropy
        else:
            obj = categorical_crossentropy
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)
