"""The cross-entropies: binary, binary focal, categorical, categorical focal and sparse categorical.

Each loss is a :class:`~.base.LossKernel` (per-sample value and gradient side by side), Keras's
function and Keras's class.  Four of them also compute from the logits ``z`` behind the model's
sigmoid/softmax output layer (``fused_values_and_gradient``), exactly as Keras's TensorFlow backend
does: ``sigmoid`` and ``softmax`` leave the logits on their output and the backend's
cross-entropy reads them, so no probability is clipped and the gradient with respect to ``z`` is
``p - y`` (``p`` the activation's output).  The training step's fast path
(``LossFunctionWrapper._fast_fused``) calls the same fused kernels.
"""
from __future__ import annotations

import numpy as np

from .._validation import check_bool
from ..activations import stable_sigmoid
from .base import (REG, KerasConfigLoss, LossKernel, canonical_axis, check_axis, check_ignore_class,
                   check_same_shape, check_smoothing, clip_and_mask, computed_by, eps, focal_kwargs)


# =============================================================== shared pieces
def _smooth_binary(y: np.ndarray, ls: float) -> np.ndarray:
    """Binary label smoothing ``y (1 - ls) + 0.5 ls``."""
    return y * (1.0 - ls) + 0.5 * ls if ls else y


def _smooth_categorical(y: np.ndarray, ls: float) -> np.ndarray:
    """Categorical label smoothing ``y (1 - ls) + ls / K``, ``K = y.shape[-1]`` (as Keras, whatever the axis)."""
    if not ls:
        return y
    k = y.dtype.type(y.shape[-1])
    return y * (1.0 - ls) + y.dtype.type(ls) / k


def _mean(e: np.ndarray, ax: int) -> np.ndarray:
    """``np.mean(e, axis=ax)`` with less overhead: the same numbers (``add.reduce / n``; float16 keeps
    np.mean's float32 accumulator).  The training step calls it on every batch."""
    if e.shape[ax] == 1:  # one output unit: the mean is the value itself
        return e.squeeze(ax)
    if e.dtype == np.float16:
        return np.mean(e, axis=ax)
    return np.add.reduce(e, axis=ax) / e.dtype.type(e.shape[ax])


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _label_positions(labels: np.ndarray) -> tuple:
    """The index of each sample's label: ``a[_label_positions(c)]`` is ``a[..., c]`` per sample, and
    ``g[_label_positions(c)] -= 1`` subtracts the one-hot labels (``labels`` has ``a``'s shape without
    its last axis)."""
    if labels.ndim == 1:
        return np.arange(labels.shape[0]), labels
    return np.ix_(*(np.arange(n) for n in labels.shape)) + (labels,)


# (``np.maximum.reduce``/``np.add.reduce`` are ``np.max``/``np.sum`` without their Python wrappers:
# the same numbers, a few microseconds less on every training step.)
def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - np.maximum.reduce(z, axis=axis, keepdims=True))
    return e / np.add.reduce(e, axis=axis, keepdims=True)


def _bce_logits_elementwise(y, z):
    """TensorFlow's ``sigmoid_cross_entropy_with_logits``: ``max(z,0) - z y + log(1 + exp(-|z|))``."""
    return np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))


def _bce_prob_elementwise(y, p):
    """Cross-entropy of probabilities clipped to [eps, 1-eps]; returns (values, dvalue/dp)."""
    e = eps()
    pc, inside = clip_and_mask(p, e, 1.0 - e)
    values = -(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc))
    dp = np.where(inside, -(y / pc) + (1.0 - y) / (1.0 - pc), 0.0).astype(p.dtype, copy=False)
    return values, dp


def _cce_logits(y, z, ax):
    """TensorFlow's ``softmax_cross_entropy_with_logits``: ``sum(y (logsumexp(z) - z))``."""
    shifted = z - np.maximum.reduce(z, axis=ax, keepdims=True)
    lse = np.log(np.add.reduce(np.exp(shifted), axis=ax, keepdims=True))
    return np.add.reduce(y * (lse - shifted), axis=ax)


def _focal_dfactor(base: np.ndarray, gamma: float) -> np.ndarray:
    """``d base^gamma / d base`` = ``gamma base^(gamma-1)``, taken as its limit (0, or 1 for gamma=1) at base=0."""
    pos = base > 0
    safe = np.where(pos, base, 1.0).astype(base.dtype, copy=False)
    at_zero = 1.0 if gamma == 1 else 0.0
    return np.where(pos, gamma * safe ** (gamma - 1.0), at_zero).astype(base.dtype, copy=False)


def _renormalised_clipped(p, ax):
    """``o = p / sum(p)`` (Keras renormalises the probabilities), ``clip(o, eps, 1 - eps)``, where the clip
    passes the gradient, and ``sum(p)``."""
    e = eps()
    total = np.sum(p, axis=ax, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = p / total
    oc, inside = clip_and_mask(out, e, 1.0 - e)
    return out, oc, inside, total


def _through_renormalisation(g_out, out, total, ax):
    """``d / d p`` from ``d / d o`` with ``o = p / sum(p)``: ``(g - sum(g o)) / sum(p)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g_out - np.sum(g_out * out, axis=ax, keepdims=True)) / total


class _CrossentropyKernel(LossKernel):
    """What the cross-entropies share: no rank alignment, an ``axis``, label smoothing, logits."""

    aligns_ranks = False

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1):
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    function_name = ""                          # Keras's function, for messages
    smooth = staticmethod(_smooth_binary)       # label smoothing: binary or categorical

    def smoothed_labels_and_axis(self, y, p):
        """``y`` label-smoothed and ``axis`` in ``[0, rank)``, after checking that ``y`` and ``p`` have one shape."""
        check_same_shape(y, p, self.function_name)
        return self.smooth(y, self.label_smoothing), canonical_axis(self.axis, p.ndim)

    @classmethod
    def checked(cls, where, from_logits, label_smoothing, axis):
        """The kernel of Keras's function, its arguments checked (messages name ``where``)."""
        return cls(from_logits=check_bool(from_logits, "from_logits", where),
                   label_smoothing=check_smoothing(label_smoothing, where), axis=check_axis(axis, where))


class _CrossentropyLoss(KerasConfigLoss):
    """The Keras classes of the binary and categorical cross-entropies: ``from_logits``,
    ``label_smoothing`` and ``axis`` checked, kept as attributes and written in the config."""

    _keys = ("from_logits", "label_smoothing", "axis")

    def _init_crossentropy(self, fn, from_logits, label_smoothing, axis, reduction, name, dtype):
        where = type(self).__name__
        self.from_logits = check_bool(from_logits, "from_logits", where)
        self.label_smoothing = check_smoothing(label_smoothing, where)
        self.axis = check_axis(axis, where)
        KerasConfigLoss.__init__(self, fn, name=name, reduction=reduction, dtype=dtype, from_logits=self.from_logits,
                                 label_smoothing=self.label_smoothing, axis=self.axis)


# ======================================================== binary cross-entropy
class BinaryCrossentropyKernel(_CrossentropyKernel):
    """``mean(-(y log p + (1 - y) log(1 - p)))`` over ``axis``, ``y`` smoothed, ``p`` clipped to [eps, 1-eps];
    from logits ``mean(max(z, 0) - z y + log(1 + exp(-|z|)))``, gradient ``(sigmoid(z) - y) / K``."""

    function_name = "binary_crossentropy"
    targets = "binary"
    has_fused_path = True
    fused_activation = "sigmoid"

    def values_and_gradient(self, y, p, need_grad):
        y, ax = self.smoothed_labels_and_axis(y, p)
        if self.from_logits:
            e = _bce_logits_elementwise(y, p)
            g = (stable_sigmoid(p) - y) if need_grad else None
        else:
            e, g = _bce_prob_elementwise(y, p)
        values = _mean(e, ax)
        return values, (g * (1.0 / p.shape[ax]) if need_grad else None)

    def fused_values_and_gradient(self, y, z, p, need_grad, trusted=False):
        y, ax = self.smoothed_labels_and_axis(y, z)
        values = _mean(_bce_logits_elementwise(y, z), ax)
        return values, ((p - y) * (1.0 / z.shape[ax]) if need_grad else None)


@REG.register("binary_crossentropy", "bce", "BCE")
@computed_by(BinaryCrossentropyKernel)
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``.

    With ``y = y_true (1 - ls) + 0.5 ls`` (label smoothing ``ls``):

    - probabilities: ``p = clip(y_pred, eps, 1 - eps)``, ``-(y log p + (1 - y) log(1 - p))``;
      gradient ``(-(y/p) + (1-y)/(1-p)) / K`` where ``eps <= y_pred <= 1 - eps``, else 0;
    - logits ``z``: ``max(z, 0) - z y + log(1 + exp(-|z|))``; gradient ``(sigmoid(z) - y) / K``.
    """
    kernel = BinaryCrossentropyKernel.checked("binary_crossentropy", from_logits, label_smoothing, axis)
    return kernel(y_true, y_pred)


@REG.register("BinaryCrossentropy")
class BinaryCrossentropy(_CrossentropyLoss):
    """Binary cross-entropy (see :func:`binary_crossentropy`), reduced over the batch.

    With a sigmoid output layer the model uses :meth:`fused_value`/:meth:`fused_gradient`:
    ``mean(max(z,0) - z y + log(1 + exp(-|z|)))`` and ``(sigmoid(z) - y) / K``, as Keras does.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        self._init_crossentropy(binary_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


# ================================================== binary focal cross-entropy
class BinaryFocalCrossentropyKernel(_CrossentropyKernel):
    """``mean(w (1 - p_t)^gamma bce)`` over ``axis``: ``p_t = y p + (1-y)(1-p)``, ``bce`` the binary
    cross-entropy, ``w = y alpha + (1-y)(1-alpha)`` with class balancing, else 1."""

    function_name = "binary_focal_crossentropy"
    targets = "binary"
    has_fused_path = True
    fused_activation = "sigmoid"

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def _focal(self, y, p, bce, dbce, need_grad, logits_grad):
        """Focal weighting of an elementwise BCE and its derivative.

        ``dbce`` is d bce / d p (probability inputs) or d bce / d z (``logits_grad``, then the
        chain through the sigmoid ``dp/dz = p (1 - p)`` is applied to the focal factor).
        """
        gamma = self.gamma
        base = 1.0 - (y * p + (1.0 - y) * (1.0 - p))
        with np.errstate(invalid="ignore"):
            factor = base ** gamma
        focal = factor * bce
        w = None
        if self.apply_class_balancing:
            w = y * self.alpha + (1.0 - y) * (1.0 - self.alpha)
            focal = w * focal
        if not need_grad:
            return focal, None
        dfactor_dp = -_focal_dfactor(base, gamma) * (2.0 * y - 1.0)
        if logits_grad:
            dfactor_dp = dfactor_dp * (p * (1.0 - p))
        g = dfactor_dp * bce + factor * dbce
        if w is not None:
            g = w * g
        return focal, g

    def values_and_gradient(self, y, p, need_grad):
        y, ax = self.smoothed_labels_and_axis(y, p)
        if self.from_logits:
            prob = stable_sigmoid(p)
            bce = _bce_logits_elementwise(y, p)
            dbce = prob - y
        else:
            prob = p
            bce, dbce = _bce_prob_elementwise(y, p)
        focal, g = self._focal(y, prob, bce, dbce, need_grad, logits_grad=self.from_logits)
        values = np.mean(focal, axis=ax)
        return values, (g * (1.0 / p.shape[ax]) if need_grad else None)

    def fused_values_and_gradient(self, y, z, p, need_grad, trusted=False):
        y, ax = self.smoothed_labels_and_axis(y, z)
        if p is None:  # the value alone: the focal factor still needs the probabilities
            p = stable_sigmoid(z)
        bce = _bce_logits_elementwise(y, z)
        focal, g = self._focal(y, p, bce, p - y, need_grad, logits_grad=True)
        values = np.mean(focal, axis=ax)
        return values, (g * (1.0 / z.shape[ax]) if need_grad else None)


@REG.register("binary_focal_crossentropy")
@computed_by(BinaryFocalCrossentropyKernel)
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy, averaged over ``axis``: ``w (1 - p_t)^gamma bce``.

    ``y`` is smoothed as in :func:`binary_crossentropy`; ``p = sigmoid(y_pred)`` for logits
    else ``y_pred``; ``p_t = y p + (1 - y)(1 - p)``; ``bce`` is the binary cross-entropy
    (from the logits when ``from_logits``); ``w = y alpha + (1 - y)(1 - alpha)`` with
    ``apply_class_balancing``, else 1.  ``gamma = 0`` gives back the binary cross-entropy.
    """
    where = "binary_focal_crossentropy"
    kw = focal_kwargs(where, from_logits, label_smoothing, alpha, gamma, axis)
    balancing = check_bool(apply_class_balancing, "apply_class_balancing", where)
    return BinaryFocalCrossentropyKernel(apply_class_balancing=balancing, **kw)(y_true, y_pred)


@REG.register("BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(KerasConfigLoss):
    """Binary focal cross-entropy ``w (1 - p_t)^gamma bce`` (see :func:`binary_focal_crossentropy`)."""

    _keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        w = "BinaryFocalCrossentropy"
        kw = focal_kwargs(w, from_logits, label_smoothing, alpha, gamma, axis)
        apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing", w)
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, **kw)
        self.apply_class_balancing = apply_class_balancing
        self.alpha, self.gamma = kw["alpha"], kw["gamma"]
        self.from_logits, self.label_smoothing, self.axis = kw["from_logits"], kw["label_smoothing"], kw["axis"]


# =================================================== categorical cross-entropy
class CategoricalCrossentropyKernel(_CrossentropyKernel):
    """``-sum(y log clip(p / sum(p), eps, 1 - eps))`` over ``axis``, ``y`` smoothed;
    from logits ``sum(y (logsumexp(z) - z))``, gradient ``softmax(z) - y``."""

    function_name = "categorical_crossentropy"
    smooth = staticmethod(_smooth_categorical)
    targets = "categorical"
    has_fused_path = True
    fused_activation = "softmax"

    def values_and_gradient(self, y, p, need_grad):
        y, ax = self.smoothed_labels_and_axis(y, p)
        if self.from_logits:
            values = _cce_logits(y, p, ax)
            # TensorFlow's kernel gradient: softmax(z) - y (exact when the labels sum to 1)
            return values, (_softmax(p, ax) - y if need_grad else None)
        out, oc, inside, total = _renormalised_clipped(p, ax)
        values = -np.sum(y * np.log(oc), axis=ax)
        grad = None
        if need_grad:
            g_out = np.where(inside, -y / oc, 0.0).astype(p.dtype, copy=False)
            grad = _through_renormalisation(g_out, out, total, ax)
        return values, grad

    def fused_values_and_gradient(self, y, z, p, need_grad, trusted=False):
        y, ax = self.smoothed_labels_and_axis(y, z)
        return _cce_logits(y, z, ax), (p - y if need_grad else None)


@REG.register("categorical_crossentropy")
@computed_by(CategoricalCrossentropyKernel)
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy over ``axis``, one-hot (or soft) labels.

    With ``y = y_true (1 - ls) + ls / K``:

    - probabilities: ``o = y_pred / sum(y_pred)`` (renormalised), ``p = clip(o, eps, 1 - eps)``,
      ``-sum(y log p)``; gradient through the clip (0 where clipping is active) and the
      renormalisation: ``(g - sum(g o)) / sum(y_pred)`` with ``g = -y / p``;
    - logits ``z``: ``sum(y (logsumexp(z) - z))``; gradient ``softmax(z) - y`` (TensorFlow's
      kernel, the exact derivative when the labels sum to 1).
    """
    kernel = CategoricalCrossentropyKernel.checked("categorical_crossentropy", from_logits, label_smoothing, axis)
    return kernel(y_true, y_pred)


@REG.register("CategoricalCrossentropy")
class CategoricalCrossentropy(_CrossentropyLoss):
    """Categorical cross-entropy (see :func:`categorical_crossentropy`), reduced over the batch.

    With a softmax output layer the model uses :meth:`fused_value`/:meth:`fused_gradient`:
    ``sum(y (logsumexp(z) - z))`` and ``softmax(z) - y``, as Keras does.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        self._init_crossentropy(categorical_crossentropy, from_logits, label_smoothing, axis, reduction, name, dtype)


# ============================================= categorical focal cross-entropy
class CategoricalFocalCrossentropyKernel(_CrossentropyKernel):
    """``sum(alpha (1 - o)^gamma (-y log o))`` over ``axis``, ``o = clip(s / sum(s), eps, 1 - eps)``,
    ``s = softmax(z)`` for logits else ``p``; no fused path (as in Keras)."""

    function_name = "categorical_focal_crossentropy"
    smooth = staticmethod(_smooth_categorical)
    targets = "categorical"

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.alpha = alpha
        self.gamma = gamma

    def values_and_gradient(self, y, p, need_grad):
        y, ax = self.smoothed_labels_and_axis(y, p)
        alpha, gamma = self.alpha, self.gamma
        s = _softmax(p, ax) if self.from_logits else p
        out, oc, inside, total = _renormalised_clipped(s, ax)
        cce = -y * np.log(oc)
        base = 1.0 - oc
        with np.errstate(invalid="ignore"):
            factor = base ** gamma
        values = np.sum(factor * alpha * cce, axis=ax)
        grad = None
        if need_grad:
            g_oc = alpha * (-_focal_dfactor(base, gamma) * cce + factor * (-y / oc))
            g_out = np.where(inside, g_oc, 0.0).astype(p.dtype, copy=False)
            grad = _through_renormalisation(g_out, out, total, ax)
            if self.from_logits:
                grad = s * (grad - np.sum(grad * s, axis=ax, keepdims=True))
        return values, grad


@REG.register("categorical_focal_crossentropy")
@computed_by(CategoricalFocalCrossentropyKernel)
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: ``sum(alpha (1 - p)^gamma (-y log p), axis)``.

    ``y`` smoothed as in :func:`categorical_crossentropy`; ``p = clip(s / sum(s), eps, 1 - eps)``
    with ``s = softmax(y_pred)`` for logits, else ``y_pred``.
    """
    kw = focal_kwargs("categorical_focal_crossentropy", from_logits, label_smoothing, alpha, gamma, axis)
    return CategoricalFocalCrossentropyKernel(**kw)(y_true, y_pred)


@REG.register("CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(KerasConfigLoss):
    """Categorical focal cross-entropy ``sum(alpha (1 - p)^gamma (-y log p))`` (no fused path, as in Keras)."""

    _keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        kw = focal_kwargs("CategoricalFocalCrossentropy", from_logits, label_smoothing, alpha, gamma, axis)
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype, **kw)
        self.alpha, self.gamma = kw["alpha"], kw["gamma"]
        self.from_logits, self.label_smoothing, self.axis = kw["from_logits"], kw["label_smoothing"], kw["axis"]


# ============================================ sparse categorical cross-entropy
def _sparse_labels(y, p, axis):
    """Labels of shape ``y_pred.shape[:-1]`` (a trailing size-1 axis is dropped)."""
    if axis != -1 and axis != p.ndim - 1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got axis={axis}")
    y = np.asarray(y)
    if y.ndim == p.ndim and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if y.shape != p.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: y_true must have the shape of y_pred without its last "
            f"axis, got y_true.shape={y.shape} and y_pred.shape={p.shape}"
        )
    return y


class SparseCategoricalCrossentropyKernel(LossKernel):
    """``logsumexp(l) - l[c]`` with integer labels ``c``, ``l = log(clip(p, eps, 1 - eps))`` or the logits;
    gradient ``softmax(l) - onehot(c)`` (divided by ``clip(p)`` where the clip passes, for probabilities)."""

    targets = "sparse"
    aligns_ranks = False
    has_fused_path = True

    def __init__(self, from_logits=False, ignore_class=None, axis=-1):
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    @property
    def fused_activation(self):
        # with ignore_class Keras masks the probabilities first and so loses the logits
        return "softmax" if self.ignore_class is None else None

    def aligned_targets(self, y, z) -> bool:
        return y.ndim == 1 and y.dtype.kind == "i" and len(y) == z.shape[0]

    def mask(self, y, p):
        if self.ignore_class is None:
            return None
        return _sparse_labels(y, p, self.axis) != self.ignore_class

    def _prepare(self, y, p, trusted=False):
        """``(integer labels, p with ignored samples zeroed, valid-sample mask or None)``; ``trusted``
        labels (checked by ``check_targets``) skip the range check."""
        y = _sparse_labels(y, p, self.axis)
        valid = None
        if self.ignore_class is not None:
            valid = y != self.ignore_class
            y = np.where(valid, y, 0)
            p = np.where(valid[..., None], p, 0.0).astype(p.dtype, copy=False)
        labels = y.astype(np.int64, copy=False) if y.dtype.kind != "i" else y
        k = p.shape[-1]
        # one reduction: a negative label viewed as unsigned is larger than any k
        if not trusted and labels.size and np.maximum.reduce(labels.view(_UNSIGNED[labels.itemsize]), axis=None) >= k:
            bad = labels[(labels < 0) | (labels >= k)].flat[0]
            raise ValueError(
                f"sparse_categorical_crossentropy: label {bad} is outside the valid range [0, {k}) "
                f"for {k} output units"
            )
        return labels, p, valid

    @staticmethod
    def _zero_ignored(values, grad, valid):
        if valid is None:
            return values, grad
        values = np.where(valid, values, 0.0).astype(values.dtype, copy=False)
        if grad is not None:
            grad = np.where(valid[..., None], grad, 0.0).astype(grad.dtype, copy=False)
        return values, grad

    def values_and_gradient(self, y, p, need_grad):
        labels, p, valid = self._prepare(y, p)
        if self.from_logits:
            logits, inside, pc = p, None, None
        else:
            e = eps()
            pc, inside = clip_and_mask(p, e, 1.0 - e)
            logits = np.log(pc)
        shifted = logits - np.maximum.reduce(logits, axis=-1, keepdims=True)
        ex = np.exp(shifted)
        se = np.add.reduce(ex, axis=-1, keepdims=True)
        at = _label_positions(labels)
        values = np.log(se)[..., 0] - shifted[at]
        grad = None
        if need_grad:
            g = ex / se  # softmax of the logits ...
            g[at] -= 1.0  # ... minus one-hot
            if not self.from_logits:  # chain through log(clip(y_pred))
                g = np.where(inside, g / pc, 0.0).astype(p.dtype, copy=False)
            grad = g
        return self._zero_ignored(values, grad, valid)

    def fused_values_and_gradient(self, y, z, p, need_grad, trusted=False):
        labels, z, valid = self._prepare(y, z, trusted)
        shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
        lse = np.log(np.add.reduce(np.exp(shifted), axis=-1))
        at = _label_positions(labels)
        values = lse - shifted[at]
        grad = None
        if need_grad:
            grad = np.array(p, dtype=z.dtype)  # a copy: softmax(z) ...
            grad[at] -= 1.0  # ... minus one-hot
        return self._zero_ignored(values, grad, valid)


@REG.register("sparse_categorical_crossentropy")
@computed_by(SparseCategoricalCrossentropyKernel)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``).

    - probabilities: ``l = log(clip(y_pred, eps, 1 - eps))`` then ``logsumexp(l) - l[c]``
      (TensorFlow's sparse softmax cross-entropy of the log-probabilities, which
      renormalises the clipped probabilities); gradient ``(softmax(l) - onehot(c)) / clip(y_pred)``
      where the clip is inactive, else 0;
    - logits ``z``: ``logsumexp(z) - z[c]``; gradient ``softmax(z) - onehot(c)``.

    Samples whose label equals ``ignore_class`` get loss 0 and are left out of the mean.
    """
    where = "sparse_categorical_crossentropy"
    return SparseCategoricalCrossentropyKernel(from_logits=check_bool(from_logits, "from_logits", where),
                                               ignore_class=check_ignore_class(ignore_class, where),
                                               axis=check_axis(axis, where))(y_true, y_pred)


@REG.register("SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(KerasConfigLoss):
    """Categorical cross-entropy with integer labels (see :func:`sparse_categorical_crossentropy`).

    ``ignore_class``: a label value whose samples are skipped (loss 0, left out of the mean).
    With a softmax output (and no ``ignore_class``) the model uses the fused logits path
    ``logsumexp(z) - z[c]``, gradient ``softmax(z) - onehot(c)``, as Keras does; with
    ``ignore_class`` Keras masks the probabilities first and so loses the logits, and so do we.
    """

    _keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        w = "SparseCategoricalCrossentropy"
        from_logits = check_bool(from_logits, "from_logits", w)
        ignore_class = check_ignore_class(ignore_class, w)
        axis = check_axis(axis, w)
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
