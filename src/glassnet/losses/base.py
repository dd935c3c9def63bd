"""The loss base classes: :class:`Loss`, :class:`LossFunctionWrapper` and :class:`LossKernel`.

- :class:`LossKernel` is one built-in per-sample loss function with its hyper-parameters:
  ``values_and_gradient(y, p, need_grad)`` gives the per-sample losses and, right next to them,
  ``d sum(losses) / d p``; the cross-entropies add ``fused_values_and_gradient(y, z, p, need_grad)``
  computed from the logits ``z`` behind a softmax/sigmoid output.  Calling a kernel is Keras's
  function (``mean_squared_error(y_true, y_pred)`` is ``MeanSquaredErrorKernel()(y_true, y_pred)``).
- :class:`Loss` reduces the per-sample losses over the batch (:mod:`.reduction`) and applies the
  derivative of that reduction to the kernel's gradient.  A subclass that overrides ``call`` is
  differentiated by the autodiff tape.
- :class:`LossFunctionWrapper` wraps a function: a built-in one (marked with :func:`computed_by`)
  runs its kernel, any other runs on the autodiff tape.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import config
from .._registry import Registry, from_config_with_fn, snake_case
from .._validation import check_bool, check_float, check_one_of
from .reduction import (REDUCTIONS, as_dtype, as_result, reduce_with_coefficient,
                        squeeze_or_expand_to_same_rank)
from .targets import check_targets

REG = Registry("loss", "keras.losses")

_FLOAT_DTYPES = ("float16", "float32", "float64")

# A built-in loss function -> the LossKernel class that computes it (filled by ``computed_by``).
KERNELS: dict = {}


# =============================================================== small helpers
def eps() -> float:
    """The fuzz factor ``config.epsilon()`` (1e-7) the losses clip with."""
    return config.epsilon()


def float_dtype_of(a, explicit) -> np.dtype:
    """The dtype a loss computes in: ``explicit`` if given, else the float type of the NumPy
    array ``a``, else floatx (integer arrays, lists and other array-likes, as Keras converts them)."""
    if explicit is not None:
        return explicit
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.dtype
    return np.dtype(config.floatx())


def canonical_axis(axis: int, ndim: int) -> int:
    """``axis`` in ``[0, ndim)``, or a ValueError when it is out of range."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array of rank {ndim}")
    return axis % ndim


def check_same_shape(yt: np.ndarray, yp: np.ndarray, fn_name: str) -> None:
    if yt.shape != yp.shape:
        raise ValueError(
            f"{fn_name}: y_true and y_pred must have the same shape, got y_true.shape={yt.shape} "
            f"and y_pred.shape={yp.shape}"
        )


def clip_and_mask(x: np.ndarray, low: float, high: float):
    """``clip(x, low, high)`` and where TensorFlow's gradient of the clip passes (``low <= x <= high``)."""
    c = np.clip(x, low, high)
    return c, c == x


# ====================================================== argument validation
def check_axis(axis, where):
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{where}: axis must be an integer, got {type(axis).__name__} {axis!r}")
    return int(axis)


def _check_unit_float(value, name, where, high=None):
    if isinstance(value, np.generic):
        value = value.item()
    return check_float(value, name, where, low=0.0, high=high)


def check_smoothing(value, where):
    return _check_unit_float(value, "label_smoothing", where, high=1.0)


def check_ignore_class(value, where):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: ignore_class must be an integer or None, got {type(value).__name__} {value!r}")
    return int(value)


def focal_kwargs(where, from_logits, label_smoothing, alpha, gamma, axis):
    """The focal cross-entropies' checked arguments as keyword arguments."""
    return dict(alpha=_check_unit_float(alpha, "alpha", where, high=1.0),
                gamma=_check_unit_float(gamma, "gamma", where),
                from_logits=check_bool(from_logits, "from_logits", where),
                label_smoothing=check_smoothing(label_smoothing, where), axis=check_axis(axis, where))


# ================================================================ the kernels
class LossKernel:
    """One built-in per-sample loss function and its hyper-parameters: value and gradient side by side.

    ``values_and_gradient(y, p, need_grad)`` takes ``y_true`` and ``y_pred`` already cast to one
    float type (and aligned when :attr:`aligns_ranks`) and returns the per-sample losses (``axis``
    reduced) and ``d sum(losses) / d p`` (``None`` unless ``need_grad``).
    """

    targets = "regression"     # what check_targets checks: regression | binary | categorical | sparse
    aligns_ranks = True        # the function first squeezes/expands y_true and y_pred to one rank
    has_fused_path = False     # fused_values_and_gradient computes from the logits behind the activation
    fused_activation = None    # ... when the output layer has this activation ('sigmoid'/'softmax')
    axis = -1                  # the axis of y_pred the per-sample losses reduce

    def values_and_gradient(self, y, p, need_grad):
        raise NotImplementedError

    def fused_values_and_gradient(self, y, z, p, need_grad, trusted=False):
        """The per-sample losses from the logits ``z`` and ``d sum(losses) / d z`` (``p`` = activation(z)).

        ``trusted``: the targets passed ``check_targets`` (the training step's), so per-call checks
        of their values may be skipped."""
        raise NotImplementedError(f"{type(self).__name__} has no fused logits path")

    def aligned_targets(self, y, z) -> bool:
        """Are the targets ``y`` already as ``check_targets`` leaves them for the logits ``z``?"""
        return y.shape == z.shape

    def mask(self, y, p):
        """Which samples count (``ignore_class``), or ``None`` for all."""
        return None

    def __call__(self, y_true, y_pred):
        """Keras's function: the per-sample losses, in ``y_pred``'s float type."""
        dt = float_dtype_of(y_pred, None)
        yt, yp = as_dtype(y_true, dt), as_dtype(y_pred, dt)
        if self.aligns_ranks:
            yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
        return np.asarray(self.values_and_gradient(yt, yp, False)[0])


def computed_by(kernel_class):
    """Decorator: the public loss function is computed by ``kernel_class`` (which knows its gradient)."""
    def deco(fn):
        KERNELS[fn] = kernel_class
        return fn

    return deco


def taped_values_and_gradient(fn, yt, yp, need_grad):
    """A custom per-sample loss function and its exact gradient.

    ``fn(y_true, y_pred)`` is run on the autodiff tape (``glassnet.autodiff``): written with
    ``glassnet.ops`` (or NumPy's ufuncs and the functions the tape knows), its gradient
    d sum(losses) / d y_pred is exact; an operation the tape cannot differentiate is an error that
    names it, never a wrong gradient.
    """
    if not need_grad:
        from ..autodiff import plain

        return np.asarray(plain(fn(yt, yp))), None
    from ..autodiff import loss_values_and_gradient

    values, grad = loss_values_and_gradient(fn, yt, yp)
    values = np.asarray(values)
    if yp.ndim == 0 or values.shape != yp.shape[:-1]:
        raise TypeError(
            f"gradient of a custom loss: the function must return one loss per sample, of shape "
            f"{yp.shape[:-1]}, got shape {values.shape}"
        )
    return values, np.asarray(grad, dtype=yp.dtype)


def _shape_grad(g, coef, axis, y_pred, yp):
    """``d loss / d y_pred``: the per-sample gradient ``g`` times the reduction's ``coef``, in y_pred's float type."""
    grad = g * np.expand_dims(coef, axis)
    if grad.shape != yp.shape:
        grad = grad.reshape(yp.shape)
    out_dtype = np.asarray(y_pred).dtype
    if out_dtype.kind == "f" and grad.dtype != out_dtype:
        grad = grad.astype(out_dtype)
    return grad


# ================================================================ the classes
class Loss:
    """Base class of the losses: ``loss(y_true, y_pred, sample_weight=None) -> float``.

    ``call(y_true, y_pred)`` gives the per-sample losses; ``__call__`` weights them and
    applies ``reduction`` (see :func:`reduce_weighted_values`): ``'sum_over_batch_size'``
    (default, = ``'mean'``) ``sum(w L) / size``; ``'sum'``; ``'mean_with_sample_weight'``
    ``sum(w L) / sum(w)``; ``None``/``'none'`` the weighted array.

    name: defaults to the snake_case class name.  dtype: the float type to compute in;
    ``None`` (default) computes in ``y_pred``'s float type (floatx for integer input), so
    float32 stays float32 and float64 gradient checks stay float64.

    Subclass and override ``call`` for a custom loss (written with ``glassnet.ops``); its
    ``gradient`` is then exact, by the autodiff tape.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        where = type(self).__name__
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__} {name!r}")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = check_one_of(reduction, "reduction", REDUCTIONS, where)
        if dtype is not None:
            dtype = str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype
            check_one_of(dtype, "dtype", _FLOAT_DTYPES, where)
        self._dtype_arg = dtype
        self._compute_dtype = None if dtype is None else np.dtype(dtype)
        self._warned_logits = False

    # ------------------------------------------------------------- Keras API
    @property
    def dtype(self) -> str:
        """The compute dtype: the explicit ``dtype`` or ``config.floatx()``."""
        return self._dtype_arg or config.floatx()

    def call(self, y_true, y_pred):
        """Per-sample losses (override in subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: a Python float (an array for ``reduction=None``/``'none'``)."""
        yt, yp = self._convert(y_true, y_pred)
        values, _ = self._per_sample(yt, yp, False)
        mask = self._mask(yt, yp)
        return as_result(reduce_with_coefficient(values, sample_weight, mask, self.reduction, False)[0])

    def get_config(self) -> dict:
        """Keras's config: ``{'name', 'reduction'}`` (subclasses add their arguments)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`'s dict: ``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"

    # ------------------------------------------------------ glassnet additions
    @property
    def fused_activation(self):
        """``'softmax'``/``'sigmoid'`` if this loss reads the logits behind that activation, else ``None``."""
        return None

    def gradient(self, y_true, y_pred, sample_weight=None) -> np.ndarray:
        """``d loss(y_true, y_pred, sample_weight) / d y_pred``, same shape and float type as ``y_pred``.

        The derivative of exactly what ``__call__`` computes, reduction and weights included
        (for ``reduction=None`` the derivative of the sum of the weighted losses).
        """
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """``(loss(...), gradient(...))`` computed in one pass."""
        yt, yp = self._convert(y_true, y_pred)
        values, g = self._per_sample(yt, yp, True)
        result, coef = reduce_with_coefficient(values, sample_weight, self._mask(yt, yp), self.reduction, True)
        return as_result(result), _shape_grad(g, coef, self._axis(), y_pred, yp)

    def fused_value(self, y_true, z, sample_weight=None):
        """The loss computed from the output layer's logits ``z`` (see :attr:`fused_activation`)."""
        return self.fused_value_and_gradient(y_true, z, None, sample_weight, need_grad=False)[0]

    def fused_gradient(self, y_true, z, y_pred, sample_weight=None) -> np.ndarray:
        """``d loss / d z`` on the logits path: ``(y_pred - y) / K`` weighted and reduced.

        ``y_pred`` is the activation's output ``softmax(z)``/``sigmoid(z)``, given to save work.
        """
        return self.fused_value_and_gradient(y_true, z, y_pred, sample_weight)[1]

    def fused_value_and_gradient(self, y_true, z, y_pred, sample_weight=None, need_grad=True):
        """``(fused_value(...), fused_gradient(...))`` in one pass."""
        raise NotImplementedError(f"{type(self).__name__} has no fused logits path")

    def check_targets(self, y_true, y_pred_shape, where="fit"):
        """Validate targets once and return them aligned with predictions of shape ``y_pred_shape``.

        Checks NaN/inf (naming the row), the number of samples and the width, and (by loss)
        the values: 0..1 for the cross-entropies; integer labels in ``[0, units)`` for the
        sparse one.  Returns a float array of the loss's dtype shaped like the
        predictions, or int64 labels of shape ``y_pred_shape[:-1]`` for the sparse loss.
        A trailing size-1 axis is added or dropped as Keras's alignment does.
        ``y_pred_shape`` may hold ``None`` for an unknown batch size.
        """
        return check_targets(self._target_kind(), self._target_name(), y_true, tuple(y_pred_shape), where,
                             self._compute_dtype or np.dtype(config.floatx()), self._ignore_class())

    # --------------------------------------------------------------- internals
    def _target_kind(self):
        return "regression"

    def _target_name(self):
        return self.name

    def _ignore_class(self):
        return None

    def _convert(self, y_true, y_pred):
        dt = float_dtype_of(y_pred, self._compute_dtype)
        yp = as_dtype(y_pred, dt)
        yt = np.asarray(y_true)
        if self._target_kind() != "sparse" and yt.dtype != dt:
            yt = yt.astype(dt)
        return yt, yp

    def _per_sample(self, yt, yp, need_grad):
        """``(per-sample losses, d sum(losses) / d y_pred or None)``."""
        return taped_values_and_gradient(self.call, yt, yp, need_grad)

    def _mask(self, yt, yp):
        return None

    def _axis(self):
        return -1


@REG.register("LossFunctionWrapper")
class LossFunctionWrapper(Loss):
    """A :class:`Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    ``call`` first aligns ``y_true`` and ``y_pred`` (:func:`squeeze_or_expand_to_same_rank`)
    then applies ``fn``.  Every function of this module comes with its exact gradient and,
    for the cross-entropies, the fused logits path (its :class:`LossKernel`); any other
    function gets an exact gradient from the autodiff tape.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: fn must be a function, got {type(fn).__name__} {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs
        kernel_class = KERNELS.get(fn)
        self._kernel = None if kernel_class is None else kernel_class(**kwargs)
        if "from_logits" in kwargs:
            self.from_logits = kwargs["from_logits"]

    def call(self, y_true, y_pred):
        """Per-sample losses: ``fn(y_true, y_pred, **kwargs)`` after aligning ranks."""
        yt, yp = self._convert(y_true, y_pred)
        yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
        if self._kernel is not None:
            return np.asarray(self._kernel.values_and_gradient(yt, yp, False)[0])
        return np.asarray(self.fn(yt, yp, **self._fn_kwargs))

    def _per_sample(self, yt, yp, need_grad):
        yt, yp = squeeze_or_expand_to_same_rank(yt, yp)
        if self._kernel is not None:
            return self._kernel.values_and_gradient(yt, yp, need_grad)
        fn, kw = self.fn, self._fn_kwargs
        return taped_values_and_gradient(lambda t, p: fn(t, p, **kw), yt, yp, need_grad)

    def _mask(self, yt, yp):
        if self._kernel is None:
            return None
        return self._kernel.mask(yt, yp)

    def _axis(self):
        return -1 if self._kernel is None else self._kernel.axis

    @property
    def fused_activation(self):
        return None if self._kernel is None else self._kernel.fused_activation

    def fused_value_and_gradient(self, y_true, z, y_pred, sample_weight=None, need_grad=True):
        if self._kernel is None or not self._kernel.has_fused_path:
            return super().fused_value_and_gradient(y_true, z, y_pred, sample_weight, need_grad)
        if sample_weight is None and need_grad:
            fast = self._fast_fused(y_true, z, y_pred)
            if fast is not None:
                return fast
        if self._fn_kwargs.get("from_logits") and not self._warned_logits:
            self._warned_logits = True
            warnings.warn(
                f"{self.name}: from_logits=True but the output comes from a {self.fused_activation} "
                "activation, so it does not hold logits; the loss uses the layer's logits "
                "(as Keras does). Was this intended?",
                UserWarning, stacklevel=3,
            )
        yt, zz = self._convert(y_true, z)
        yt, zz = squeeze_or_expand_to_same_rank(yt, zz)
        yp = None
        if need_grad:
            yp = as_dtype(y_pred, zz.dtype).reshape(zz.shape)
        values, g = self._kernel.fused_values_and_gradient(yt, zz, yp, need_grad)
        mask = self._kernel.mask(yt, zz)
        result, coef = reduce_with_coefficient(values, sample_weight, mask, self.reduction, need_grad)
        if not need_grad:
            return as_result(result), None
        return as_result(result), _shape_grad(g, coef, self._kernel.axis, z, np.asarray(z))

    def _plain_fused(self) -> bool:
        """The fused kernel with its defaults: the default reduction, no label smoothing, no
        ``from_logits`` or ``ignore_class``, the last axis."""
        kernel = self._kernel
        if kernel is None or not kernel.has_fused_path:
            return False
        kw = self._fn_kwargs
        return not (self.reduction != "sum_over_batch_size" or kw.get("label_smoothing", 0.0)
                    or kw.get("axis", -1) not in (-1, 1) or kw.get("ignore_class") is not None
                    or kw.get("from_logits"))

    def fused_kernel(self):
        """``'sigmoid_bce'`` or ``'sparse_softmax_ce'`` when this loss, with its defaults, is that fused
        kernel; else None.  What ``models/dense_stack_step.py`` compiles into one training step."""
        if not self._plain_fused():
            return None
        from . import crossentropy as ce

        if self.fn is ce.sparse_categorical_crossentropy:
            return "sparse_softmax_ce"
        if self.fn is ce.binary_crossentropy:
            return "sigmoid_bce"
        return None

    def _fast_fused(self, y, z, y_pred):
        """The training loop's common case, with no generic machinery: a 2-D float32 batch,
        targets already aligned and checked by ``check_targets``, no sample weights, the default reduction
        and no label smoothing.  The kernel's own fused formulas, then ``sum / n`` as the
        general path reduces (same float order).  ``None`` when not applicable."""
        if not (isinstance(y, np.ndarray) and isinstance(z, np.ndarray) and isinstance(y_pred, np.ndarray)):
            return None
        if (not self._plain_fused() or z.ndim != 2 or z.dtype != y_pred.dtype
                or not self._kernel.aligned_targets(y, z)):
            return None
        dt = z.dtype
        n, d = z.shape
        from . import crossentropy as ce
        from ..kernels import K

        if self.fn is ce.sparse_categorical_crossentropy and y.ndim == 1 and y.dtype.kind == "i" and len(y) == n:
            # values = logsumexp(z) - z[y], grad = (softmax - one_hot(y)) / n: one fused kernel
            values, grad = K.sparse_softmax_ce(z, y, y_pred, dt.type(1) / dt.type(n))
            return float(np.add.reduce(values, dtype=dt) / dt.type(n)), grad
        if self.fn is ce.binary_crossentropy and y.shape == z.shape:
            # TF's sigmoid CE per row and grad = (sigmoid(z) - y) / d / n: one fused kernel
            values, grad = K.sigmoid_bce(z, y, y_pred, dt.type(1.0 / d), dt.type(1) / dt.type(n))
            return float(np.add.reduce(values, dtype=dt) / dt.type(n)), grad
        values, grad = self._kernel.fused_values_and_gradient(y, z, y_pred, True, trusted=True)
        value = float(np.add.reduce(values, dtype=dt) / dt.type(n))
        grad *= dt.type(1) / dt.type(n)
        return value, grad

    def _target_kind(self):
        return "regression" if self._kernel is None else self._kernel.targets

    def _target_name(self):
        return getattr(self.fn, "__name__", self.name)

    def _ignore_class(self):
        return self._fn_kwargs.get("ignore_class")

    def get_config(self):
        """``{'name', 'reduction', 'fn': serialize(fn), **kwargs}``, as Keras writes it."""
        from . import serialize

        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from :meth:`get_config`'s dict, deserializing ``fn``."""
        from . import deserialize

        return from_config_with_fn(cls, config, deserialize)

    def __repr__(self):
        return f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


class ArgumentFreeLoss(LossFunctionWrapper):
    """A built-in loss without hyper-parameters: config ``{'name', 'reduction'}``."""

    def get_config(self):
        """``{'name', 'reduction'}``."""
        return Loss.get_config(self)


class KerasConfigLoss(LossFunctionWrapper):
    """A built-in loss whose config lists its arguments (``_keys``) after ``{'name', 'reduction'}``."""

    _keys: tuple = ()

    def get_config(self):
        """``{'name', 'reduction'}`` plus the loss's arguments, in Keras's order."""
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._keys})
        return config


REG.register("Loss")(Loss)
