"""``Embedding``: integer indices -> rows of a trainable table ``E`` of shape (input_dim, output_dim).

    y[..., :] = E[x[...], :]                 (a lookup; x holds integers in [0, input_dim))

It is a Dense layer on one-hot inputs without the product: ``y = onehot(x) E``, so
BP4 (dC/dW = a_prev^T delta) becomes a scatter-add of the error rows into the rows
of the table that were looked up::

    dC/dE[i, :] = sum over the positions p with x[p] = i of dC/dy[p, :]

(one ``np.bincount`` over the rows used in the batch; an index used twice gets both
contributions).  The
indices are not differentiable, so no gradient flows to the input.

``mask_zero=True`` declares index 0 as padding: ``compute_mask(x)`` is ``x != 0``
(and ``input_dim`` must count it), which ``GlobalAveragePooling1D(...).forward(y, mask=...)``
uses to average over the real tokens only.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_positive_int
from .base import LAYERS, Layer


@LAYERS.register("Embedding")
class Embedding(Layer):
    """Keras 3's ``Embedding`` (weight: ``embeddings``, shape (input_dim, output_dim)).

    Args:
        input_dim: size of the vocabulary (indices run over 0 .. input_dim - 1).
        output_dim: size of each embedding vector.
        embeddings_initializer: default 'uniform' (U[-0.05, 0.05]).
        embeddings_regularizer, embeddings_constraint, activity_regularizer: as for Dense.
        mask_zero: treat index 0 as padding (see ``compute_mask``).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, activity_regularizer=None, input_length=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = check_positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = check_positive_int(output_dim, "output_dim", "Embedding")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise TypeError(f"Embedding: mask_zero must be True or False, got {mask_zero!r}")
        self.mask_zero = bool(mask_zero)
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("Embedding: lora_rank and quantization_config are not supported by glassnet; use None")
        self.embeddings = None
        self.indices = None
        self.a = None
        if weights is not None:
            self.build(())
            self.set_weights(weights if isinstance(weights, list) else [weights])
            self.built = False          # the table exists; the input shape is set when the model builds

    def build(self, input_shape=None):
        if self.mask_zero and not self.built:
            warnings.warn(
                f"Embedding {self.name!r}: mask_zero=True gives compute_mask(x) = (x != 0), but glassnet's "
                "Sequential does not pass masks between layers yet, so the layers after it also see the "
                "padding steps (Keras would skip them); pass the mask yourself, e.g. "
                "GlobalAveragePooling1D().forward(y, mask=embedding.compute_mask(x))", UserWarning, stacklevel=2)
        if self.embeddings is None:
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer=self.embeddings_initializer, name="embeddings",
                                              regularizer=self.embeddings_regularizer, trainable=True)
            self.embeddings.constraint = self.embeddings_constraint
        super().build(tuple(input_shape) if input_shape is not None else ())

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _indices(self, x) -> np.ndarray:
        """The inputs as int64 indices, checked to lie in [0, input_dim)."""
        x = np.asarray(x)
        where = f"Embedding {self.name!r}"
        if x.dtype.kind == "f":
            if x.size and not np.all(np.isfinite(x)):
                raise ValueError(f"{where}: indices must be finite integers, got NaN or inf")
            idx = x.astype(np.int64)            # truncation toward zero, as Keras's cast to int32
        elif x.dtype.kind in "iub":
            idx = x.astype(np.int64, copy=False)
        else:
            raise TypeError(f"{where}: indices must be integers, got dtype {x.dtype}")
        if idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= self.input_dim:
                raise ValueError(f"{where}: indices must be in [0, input_dim={self.input_dim}), got values from "
                                 f"{lo} to {hi}; raise input_dim to cover the vocabulary")
        return idx

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` with ``mask_zero``; None otherwise."""
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def forward(self, x, training=False):
        """y = E[x]."""
        idx = self._indices(x)
        y = self.embeddings.value[idx]
        if training:
            self.indices, self.a = idx, y
        return y

    def activity_penalty(self) -> float:
        """Keras 3's activity regularization: penalty(y) / batch size."""
        return self.activity_regularizer(self.a) / self.a.shape[0]

    def backward(self, grad):
        """dC/dE = scatter-add of dC/dy into the looked-up rows; returns zeros (indices have no gradient)."""
        if self.activity_regularizer is not None:
            grad = grad + self.activity_regularizer.gradient(self.a) / self.a.shape[0]
        d = self.output_dim
        # the scatter-add as one bincount over the rows actually used (memory ~ the error itself):
        # entry (k, j) of the k-th used row collects every error value dC/dy[p, j] with x[p] = rows[k]
        rows, inv = np.unique(self.indices.reshape(-1), return_inverse=True)
        flat = (inv.reshape(-1, 1) * d + np.arange(d)).reshape(-1)
        sums = np.bincount(flat, weights=grad.reshape(-1), minlength=rows.size * d)
        dE = self.embeddings.grad
        dE[...] = 0
        dE[rows] = sums.reshape(rows.size, d)
        return np.zeros(self.indices.shape, dtype=grad.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer)
            if self.embeddings_regularizer is not None else None,
            "activity_regularizer": regularizers.serialize(self.activity_regularizer)
            if self.activity_regularizer is not None else None,
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        return config
