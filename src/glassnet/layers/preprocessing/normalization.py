"""``Normalization``: feature-wise standardization with statistics learned by ``adapt``.

For each index of the kept axes (``axis``, default the last one)::

    forward:   y = (x - mean) / max(sqrt(variance), epsilon)          epsilon = 1e-7 (keras.config.epsilon())
    invert:    y = mean + x * max(sqrt(variance), epsilon)
    backward:  dC/dx = dC/dy / max(sqrt(variance), epsilon)            (invert: dC/dy * max(...))

``adapt(data)`` on an array: ``mean`` = the mean and ``variance`` = the *population* variance
(divided by n, not n - 1) over every axis that is not kept, computed by NumPy in the data's dtype
exactly as Keras does. On an iterable of batches the statistics are merged batch by batch
(Keras's formula)::

    w_b = n_b / n_total,   mean' = mean (1 - w_b) + mean_b w_b
    var' = (var + (mean - mean')^2) (1 - w_b) + (var_b + (mean_b - mean')^2) w_b

The statistics are non-trainable weights ``mean``, ``variance`` and ``count`` (Keras's order;
``count`` is kept for compatibility and stays 0, as in Keras 3), so they are saved and loaded
with the model. Given ``mean`` and ``variance`` at construction the layer has no weights (Keras).
"""
from __future__ import annotations

import itertools

import numpy as np

from ... import config, initializers
from ..base import LAYERS, Layer
from ._common import check_numeric_finite, is_batch_iterable, is_data, to_numpy


@LAYERS.register("Normalization")
class Normalization(Layer):
    """Shift and scale inputs to mean 0 and standard deviation 1 (Keras's ``Normalization``).

    Args:
        axis: int, tuple of ints or None: the axes that keep a separate mean and variance per
            index (-1: per feature); None: one scalar mean and variance for everything.
        mean, variance: given statistics (both or neither), broadcast to the kept axes.
        invert: apply the inverse transformation, ``mean + x * std``.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        where = f"Normalization {self.name!r}"
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise TypeError(f"{where}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(f"{where}: mean and variance must be given together, got mean={mean!r} and "
                             f"variance={variance!r}")
        if mean is not None:
            m, v = np.asarray(mean, dtype=np.float64), np.asarray(variance, dtype=np.float64)
            if m.shape != v.shape:
                raise ValueError(f"{where}: mean and variance must have the same shape, got {m.shape} and {v.shape}")
            if m.ndim > len(self.axis):
                raise ValueError(f"{where}: the rank of mean ({m.ndim}) must be at most the number of axes "
                                 f"({len(self.axis)}), got mean of shape {m.shape} for axis={self.axis}")
            if not (np.isfinite(m).all() and np.isfinite(v).all()):
                raise ValueError(f"{where}: mean and variance must be finite, got {mean!r} and {variance!r}")
            if (v < 0).any():
                raise ValueError(f"{where}: variance must be >= 0, got {variance!r}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None
        self.mean = self.variance = None      # broadcast float arrays used by forward
        self._adapted = mean is not None
        self.needs_input_grad = True

    # ------------------------------------------------------------------ build
    def _resolve_axes(self, full_shape):
        """full_shape includes the batch axis (Keras's axis numbering)."""
        where = f"Normalization {self.name!r}"
        ndim = len(full_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"{where}: every axis must be in [-{ndim}, {ndim}) for inputs of rank {ndim} "
                             f"(shape {tuple(full_shape)}), got axis={self.axis}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if full_shape[d] is None:
                hint = (" (1-D data: use axis=None for one mean and variance, or data.reshape(-1, 1) for one "
                        "feature)" if d == 0 else "")
                raise ValueError(f"{where}: the kept axis {d} must have a known size, got input shape "
                                 f"{tuple(full_shape)}{hint}")
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(full_shape[d] if d in keep else 1 for d in range(ndim))
        self._stat_shape = tuple(full_shape[d] for d in keep)

    def build(self, input_shape) -> None:
        """``input_shape`` excludes the batch axis, as every glassnet layer's."""
        full = (None,) + tuple(input_shape)
        self._resolve_axes(full)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape=self._stat_shape, initializer=initializers.get("zeros"),
                                              name="mean", trainable=False)
            self.adapt_variance = self.add_weight(shape=self._stat_shape, initializer=initializers.get("ones"),
                                                  name="variance", trainable=False)
            self.count = self.add_weight(shape=(), initializer=initializers.get("zeros"), name="count",
                                         trainable=False)
        else:
            ndim = len(full)
            mean = np.asarray(self.input_mean, dtype=self.dtype)
            variance = np.asarray(self.input_variance, dtype=self.dtype)
            if mean.ndim > 0:   # align the given statistics with the kept axes, right to left
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            try:
                target = tuple(1 if s is None else s for s in self._broadcast_shape)
                self.mean = np.broadcast_to(mean, target).copy()
                self.variance = np.broadcast_to(variance, self.mean.shape).copy()
            except ValueError:
                raise ValueError(f"Normalization {self.name!r}: mean of shape {np.shape(self.input_mean)} cannot "
                                 f"be broadcast to the kept axes of inputs of shape {full}") from None
        super().build(input_shape)

    # ------------------------------------------------------------------ adapt
    def adapt(self, data):
        """Compute ``mean`` and ``variance`` of ``data`` over the axes that are not kept.

        ``data``: an array (NumPy, list, pandas Series / DataFrame) or an iterable of batches
        (a generator, or a list of arrays), as Keras's ``adapt`` takes.
        """
        where = f"Normalization {self.name!r}: adapt"
        if self.input_mean is not None:
            raise ValueError(f"{where}: this layer was given mean and variance; adapt() would ignore them. "
                             f"Create it without mean/variance to learn them from data")
        if is_batch_iterable(data):
            it = iter(data)
            first = next(it, None)
            if first is None:
                raise ValueError(f"{where}: data is an empty iterable (no batches); need at least one batch")
            batches = itertools.chain([first], it)
            self._adapt_batches(batches, where)
        else:
            x = self._check_data(to_numpy(data, "data", where), where, "data")
            self._prepare(x.shape, where)
            mean = np.mean(x, axis=self._reduce_axis)
            var = np.var(x, axis=self._reduce_axis)
            self._store(mean, var)

    @staticmethod
    def _check_data(x, where, name):
        """Numbers only (an object array of numbers is accepted), at least one value, no NaN / inf."""
        if x.dtype.kind == "O":
            try:
                x = x.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{where}: {name} must contain numbers, got non-numeric objects") from None
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{where}: {name} must contain numbers, got dtype {x.dtype}")
        if x.size == 0:
            raise ValueError(f"{where}: {name} is empty (shape {x.shape}); need at least one sample")
        check_numeric_finite(x, name, where)
        return x

    def _prepare(self, shape, where):
        if not self.built:
            self.build(tuple(shape[1:]) if len(shape) else ())
        full = tuple(shape)
        for d in self._keep_axis:
            if d >= len(full) or full[d] != self._broadcast_shape[d]:
                raise ValueError(f"{where}: the layer was built for inputs of shape {(None,) + self.input_shape}, "
                                 f"but data has shape {full}")

    def _adapt_batches(self, batches, where):
        total_mean = total_var = None
        total_count = 0
        for i, batch in enumerate(batches):
            if isinstance(batch, tuple):
                batch = batch[0]
            b = self._check_data(to_numpy(batch, f"batch {i}", where), where, f"batch {i}")
            b = b.astype(self.dtype, copy=False)
            if total_mean is None:
                self._prepare(b.shape, where)
                total_mean = np.zeros(self._stat_shape, dtype=self.dtype)
                total_var = np.zeros(self._stat_shape, dtype=self.dtype)
            else:
                self._prepare(b.shape, where)
            bm = np.mean(b, axis=self._reduce_axis)
            bv = np.var(b, axis=self._reduce_axis)
            n = int(np.prod([b.shape[d] for d in self._reduce_axis])) if self._reduce_axis else 1
            total_count += n
            w = float(n) / total_count
            keep = 1.0 - w
            new_mean = total_mean * keep + bm * w
            total_var = (total_var + (total_mean - new_mean) ** 2) * keep + (bv + (bm - new_mean) ** 2) * w
            total_mean = new_mean
        self._store(total_mean, total_var)

    def _store(self, mean, var):
        self.adapt_mean.assign(np.asarray(mean).astype(self.dtype))
        self.adapt_variance.assign(np.asarray(var).astype(self.dtype))
        self._adapted = True

    # ---------------------------------------------------------------- forward
    def _stats(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        shape = tuple(1 if s is None else s for s in self._broadcast_shape)
        return self.adapt_mean.value.reshape(shape), self.adapt_variance.value.reshape(shape)

    def _scale(self, variance):
        """max(sqrt(variance), epsilon), in the variance's dtype."""
        return np.maximum(np.sqrt(variance), variance.dtype.type(config.epsilon()))

    def __call__(self, x, training=False):
        if not is_data(x):                 # anything else (e.g. a symbolic tensor): the base class decides
            return super().__call__(x, training=training)
        x = to_numpy(x, "inputs", f"Normalization {self.name!r}")
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training=training)

    def forward(self, x, training=False):
        x = np.asarray(x)
        if x.dtype != np.dtype(self.dtype):
            if x.dtype.kind not in "biuf":
                raise TypeError(f"Normalization {self.name!r}: inputs must contain numbers, got dtype {x.dtype}")
            x = x.astype(self.dtype)
        mean, variance = self._stats()
        if x.ndim != len(self._broadcast_shape):
            raise ValueError(f"Normalization {self.name!r}: expected inputs of rank {len(self._broadcast_shape)} "
                             f"(shape {(None,) + tuple(self.input_shape)}), got shape {x.shape}")
        if not self._adapted:
            self._check_adapted(mean, variance)
        scale = self._scale(variance)
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def _check_adapted(self, mean, variance):
        """A layer still holding its initial statistics (mean 0, variance 1) was never adapted: an error.

        Statistics loaded from a file (or set with set_weights) differ from the initial ones and count
        as adapted; to really use mean 0 and variance 1, pass ``mean=0., variance=1.``.
        """
        if np.all(mean == 0) and np.all(variance == 1):
            raise ValueError(f"Normalization {self.name!r}: the layer has not been adapted: call "
                             f"layer.adapt(data) before using it (or create it with mean=... and variance=...)")
        self._adapted = True

    def backward(self, grad):
        """dC/dx = dC/dy / max(sqrt(var), eps)  (invert: dC/dy * max(sqrt(var), eps)); no weight gradients.

        The statistics are constants (non-trainable): nothing is written to their ``grad``."""
        if not self.needs_input_grad:
            return None
        scale = self._scale(self._stats()[1])
        return grad * scale if self.invert else grad / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # ----------------------------------------------------------------- config
    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "axis": list(self.axis),
            "invert": self.invert,
            "mean": _listify(self.input_mean),
            "variance": _listify(self.input_variance),
        })
        return config_

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        if isinstance(config_.get("axis"), list):
            config_["axis"] = tuple(config_["axis"])
        return super().from_config(config_)


def _listify(value):
    if value is None:
        return None
    return np.asarray(value).tolist()
