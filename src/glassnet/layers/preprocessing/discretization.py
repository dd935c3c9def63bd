"""``Discretization``: bucket continuous values by boundaries, learned as quantiles by ``adapt``.

Forward (``b`` the sorted boundaries, float32)::

    bin(x) = i  such that  b[i-1] <= x < b[i]      (0 below b[0], len(b) at or above b[-1])

then Keras's encodings (``int``: the bin as int32; ``one_hot`` / ``multi_hot`` / ``count`` over
``len(b) + 1`` bins).

``adapt`` computes approximate quantiles the way Keras does (a weighted summary, so that data can
come in batches). With ``eps`` = ``epsilon``:

* summarize a batch of n values: sort them; ``step = max(n eps, 1)``; keep
  ``values[int(step - 1)::int(step)]``, each with weight ``step``;
* merge with the running summary: concatenate (new first), order by value, compress;
* compress to ``1/eps`` points when it holds at least that many: at the cumulative-weight fractions
  ``p_k = eps (k + 1)``, interpolate linearly the value and the cumulative weight; the new weights are
  the differences of the interpolated cumulative weights;
* boundaries: compress with ``eps = 1 / num_bins`` and drop the last point.
"""
from __future__ import annotations

import numpy as np

from ..base import LAYERS
from ._common import (PreprocessingLayer, check_int_arg, check_numeric_finite, encode, encoded_shape,
                      iter_batches)

_MODES = ("int", "one_hot", "multi_hot", "count")


def summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A 2 x k summary (values, weights) of the float32 ``values`` (see the module docstring)."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-sample a summary at the cumulative-weight fractions eps, 2 eps, ..., 1 (if it is long enough)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    at = cumulative / cumulative[-1]
    points = np.interp(fractions, at, summary[0])
    cumulative = np.interp(fractions, at, cumulative)
    weights = cumulative - np.concatenate((np.array([0]), cumulative[:-1]))
    return np.stack((points, weights)).astype("float32")


def merge_summaries(new: np.ndarray, old: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((new, old), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


@LAYERS.register("Discretization")
class Discretization(PreprocessingLayer):
    """Bucket float inputs into bins (Keras's ``Discretization``).

    Args:
        bin_boundaries: sorted list of boundaries (give it, or ``num_bins`` and call ``adapt``).
        num_bins: number of bins ``adapt`` computes quantile boundaries for.
        epsilon: error tolerance of the quantiles (Keras's default 0.01).
        output_mode: ``'int'`` (bin indices), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: must be False (glassnet has no sparse tensors).
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f"Discretization {self.name!r}"
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {', '.join(_MODES)}, got {output_mode!r}")
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported by glassnet (no sparse tensors); use False")
        num_bins = check_int_arg(num_bins, "num_bins", where, low=0, allow_none=True)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{where}: give either num_bins or bin_boundaries, not both; got num_bins={num_bins} "
                             f"and bin_boundaries={bin_boundaries!r}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{where}: give bin_boundaries, or num_bins and then call adapt()")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 < epsilon <= 1:
            raise ValueError(f"{where}: epsilon must be a number in (0, 1], got {epsilon!r}")
        self.bin_boundaries = self._check_boundaries(bin_boundaries, where)
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    @staticmethod
    def _check_boundaries(bin_boundaries, where):
        if bin_boundaries is None:
            return None
        b = np.asarray(bin_boundaries, dtype=np.float64)
        if b.ndim != 1 or not np.isfinite(b).all():
            raise ValueError(f"{where}: bin_boundaries must be a flat list of finite numbers, got {bin_boundaries!r}")
        if b.size > 1 and (np.diff(b) < 0).any():
            raise ValueError(f"{where}: bin_boundaries must be sorted in increasing order, got {bin_boundaries!r}")
        return [float(v) for v in b]

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` quantile boundaries from ``data`` (an array or an iterable of batches)."""
        where = f"Discretization {self.name!r}: adapt"
        if self.num_bins is None:
            raise ValueError(f"{where}: this layer was created with bin_boundaries; create it with num_bins "
                             f"to learn boundaries from data")
        summary = np.array([[], []], dtype="float32")
        seen = 0
        for batch in iter_batches(data, "data", where, steps=steps):
            check_numeric_finite(batch, "data", where)
            values = batch.astype("float32")
            seen += values.size
            if values.size == 0:
                continue
            summary = merge_summaries(summarize(values, self.epsilon), summary, self.epsilon)
        if seen == 0:
            raise ValueError(f"{where}: data is empty; need at least one value to compute bin boundaries")
        self.summary = summary
        self.bin_boundaries = compress_summary(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    # ---------------------------------------------------------------- forward
    def _depth(self):
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return self.num_bins

    def compute_output_shape(self, input_shape):
        return encoded_shape(tuple(input_shape), self.output_mode, self._depth())

    def call(self, x):
        where = f"Discretization {self.name!r}"
        if self.bin_boundaries is None:
            raise ValueError(f"{where}: the layer has no bin boundaries yet: pass bin_boundaries when creating "
                             f"it, or call adapt(data) before using it")
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{where}: inputs must contain numbers, got dtype {x.dtype}")
        x = x.astype("float32", copy=False)
        bins = np.digitize(x, np.asarray(self.bin_boundaries, dtype="float32")).astype("int32")
        if self.output_mode == "int":
            return bins
        return encode(bins.astype(np.int64), self.output_mode, len(self.bin_boundaries) + 1, self.dtype,
                      where=where)

    # ----------------------------------------------------------------- config
    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")   # adapted: rebuild with num_bins, then restore
            layer = super().from_config(config)
            layer.bin_boundaries = layer._check_boundaries(boundaries, f"Discretization {layer.name!r}")
            return layer
        return super().from_config(config)
