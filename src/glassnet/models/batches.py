"""Where the batches of ``fit``, ``evaluate`` and ``predict`` come from.

- :class:`ArrayBatches`: NumPy arrays (or memmaps) cut into mini-batches, shuffled per epoch;
- :class:`SourceBatches`: batches the user makes, as Keras 3 accepts them: a Python generator or
  iterator yielding ``(x, y)`` / ``(x, y, sample_weight)`` (or ``x`` alone for ``predict``), or a
  ``PyDataset``-style object with ``__len__`` (batches per epoch) and ``__getitem__(i)``
  (batch ``i``), and optionally ``on_epoch_end()``.

Each is iterated once per epoch and yields checked ``(x, y, sample_weight)`` batches.
"""
from __future__ import annotations

import collections.abc
import warnings

import numpy as np

from . import data as data_utils


def is_batch_source(x) -> bool:
    """Is ``x`` a generator / iterator / PyDataset rather than an array-like of samples?"""
    if x is None or isinstance(x, (np.ndarray, list, tuple, str, bytes, dict)):
        return False
    if hasattr(x, "to_numpy") or hasattr(x, "__array__") or hasattr(x, "dtype"):
        return False
    if isinstance(x, collections.abc.Iterator):
        return True
    return hasattr(x, "__getitem__") and hasattr(x, "__len__")


class ArrayBatches:
    """Mini-batches of arrays: ``steps = ceil(n / batch_size)``; a new permutation per epoch."""

    def __init__(self, x, y, sample_weight, batch_size: int, shuffle: bool = False, generator=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = data_utils.rows(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.steps = -(-self.n // batch_size)

    def __iter__(self):
        x, y, sw, bs, n = self.x, self.y, self.sample_weight, self.batch_size, self.n
        order = self.generator.permutation(n) if self.shuffle else None
        for step in range(self.steps):
            lo, hi = step * bs, min(n, (step + 1) * bs)
            idx = slice(lo, hi) if order is None else order[lo:hi]
            if isinstance(x, list) or isinstance(y, list):
                yield data_utils.take(x, idx), data_utils.take(y, idx), None if sw is None else sw[idx]
            else:
                yield (data_utils.batch(x, idx), None if y is None else y[idx],
                       None if sw is None else sw[idx])


class SourceBatches:
    """Batches from a generator, an iterator or a PyDataset-like object, checked one by one.

    ``prepare(x, y, sample_weight)`` turns one raw batch into checked arrays (the model's
    ``_prepare``).  ``steps``: batches per epoch (``steps`` argument, else ``len(source)`` for
    a dataset, else unknown: an iterator is read until it ends).
    """

    def __init__(self, source, prepare, where: str, steps=None, shuffle: bool = False, generator=None,
                 needs_targets: bool = True):
        self.source = source
        self.prepare = prepare
        self.where = where
        self.is_dataset = not isinstance(source, collections.abc.Iterator)
        self.shuffle = shuffle and self.is_dataset
        self.generator = generator
        self.needs_targets = needs_targets
        self.exhausted = False
        if steps is not None:
            steps = data_utils.check_positive_int(steps, "steps_per_epoch" if needs_targets else "steps", where)
        elif self.is_dataset:
            steps = len(source)
        self.steps = steps

    def _unpack(self, item, k):
        if isinstance(item, (tuple, list)) and 1 <= len(item) <= 3 and not isinstance(item[0], (int, float)):
            x, y, sw = (tuple(item) + (None, None))[:3]
        else:
            x, y, sw = item, None, None
        if self.needs_targets and y is None:
            raise ValueError(f"{self.where}: batch {k} from the data source has no targets; a generator or "
                             f"dataset for training must yield (x, y) or (x, y, sample_weight) tuples")
        return x, y, sw

    def __iter__(self):
        if self.is_dataset:
            order = (self.generator.permutation(len(self.source)) if self.shuffle
                     else range(len(self.source)))
            for k in range(self.steps):
                index = int(order[k % len(order)])
                yield self.prepare(*self._unpack(self.source[index], k))
            if hasattr(self.source, "on_epoch_end"):
                self.source.on_epoch_end()
            return
        k = 0
        while self.steps is None or k < self.steps:
            try:
                item = next(self.source)
            except StopIteration:
                self.exhausted = True
                if k == 0 or self.steps is not None:
                    warnings.warn(f"{self.where}: the data source ran out of batches after {k} in this epoch; "
                                  f"stopping (give steps_per_epoch and a generator that repeats, or a dataset)",
                                  UserWarning, stacklevel=4)
                return
            yield self.prepare(*self._unpack(item, k))
            k += 1
