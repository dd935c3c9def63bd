"""``CategoryEncoding``: integer category indices -> one-hot, multi-hot or count vectors.

For indices ``i`` in ``[0, num_tokens)``::

    one_hot:    y[..., k] = 1[i == k]                  (inputs (n,) or (n, 1) -> (n, num_tokens))
    multi_hot:  y[n, k]   = 1[k occurs in row n]       (inputs (n, m) -> (n, num_tokens); a 1-D input is one sample)
    count:      y[n, k]   = sum_j w[n, j] 1[i[n, j] == k]   (w = 1, or ``count_weights``)

Float inputs holding whole numbers (a model's float32 input) are accepted; anything outside
``[0, num_tokens)`` is an error naming the value. Not differentiable (see ``_common``).
"""
from __future__ import annotations

from ..base import LAYERS
from ._common import PreprocessingLayer, check_int_arg, encode, encoded_shape, to_int_indices, to_numpy

_MODES = ("one_hot", "multi_hot", "count")


@LAYERS.register("CategoryEncoding")
class CategoryEncoding(PreprocessingLayer):
    """Encode integer categories (Keras's ``CategoryEncoding``).

    Args:
        num_tokens: number of categories; inputs must be in ``[0, num_tokens)``.
        output_mode: ``'multi_hot'`` (default), ``'one_hot'`` or ``'count'`` (``'binary'`` = multi_hot).
        sparse: must be False (glassnet has no sparse tensors).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = f"CategoryEncoding {self.name!r}"
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {', '.join(_MODES)}, got {output_mode!r}")
        if num_tokens is None:
            raise ValueError(f"{where}: num_tokens is required (the number of categories); if it is not known "
                             f"in advance, use IntegerLookup instead")
        self.num_tokens = check_int_arg(num_tokens, "num_tokens", where, low=1)
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported by glassnet (no sparse tensors); use False")
        self.output_mode = output_mode
        self.sparse = False

    def compute_output_shape(self, input_shape):
        return encoded_shape(tuple(input_shape), self.output_mode, self.num_tokens)

    def __call__(self, x, count_weights=None, training=False):
        if count_weights is None:
            return super().__call__(x, training=training)
        x = self._convert_input(x)
        if not self.built:
            self.build(x.shape[1:])
        return self.call(x, count_weights=count_weights)

    def call(self, x, count_weights=None):
        where = f"CategoryEncoding {self.name!r}"
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"{where}: count_weights is only used with output_mode='count', "
                                 f"got output_mode={self.output_mode!r}")
            count_weights = to_numpy(count_weights, "count_weights", where).astype(self.dtype)
            if count_weights.shape != x.shape:
                raise ValueError(f"{where}: count_weights must have the inputs' shape {x.shape}, "
                                 f"got {count_weights.shape}")
        indices = to_int_indices(x, "inputs", where)
        return encode(indices, self.output_mode, self.num_tokens, self.dtype, count_weights=count_weights,
                      where=where)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
