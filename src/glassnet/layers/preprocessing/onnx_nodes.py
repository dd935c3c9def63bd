"""ONNX nodes for the preprocessing layers that ONNX's standard operators can express exactly.

Called by :func:`glassnet.export.to_onnx` (tensors are float32, as a model's inputs are)::

    Normalization     (x - mean) / s                 Sub, Div      (invert: x * s + mean)
                      with s = max(sqrt(variance), epsilon) precomputed as in forward
    Discretization    bin = sum_j 1[x >= b_j]        Unsqueeze, GreaterOrEqual, Cast, ReduceSum
    IntegerLookup     i = m + sum_j 1[x == v_j] (m + k + j - m)   Equal, Cast, MatMul (k = 1 OOV bucket);
                      the mask token -> 0 (int) or dropped (Where)
    encodings         one_hot: Equal(x[..., None], 0..depth-1);  multi_hot: ReduceMax of it over the
                      tokens axis; count: ReduceSum; tf_idf: count * idf

An index outside ``[0, depth)`` encodes to zeros in ONNX (glassnet raises instead). StringLookup
and Hashing work on strings, which ONNX's standard operators cannot hash or look up: refused.
"""
from __future__ import annotations

import numpy as np

from ... import config
from .category_encoding import CategoryEncoding
from .discretization import Discretization
from .hashing import Hashing
from .lookup import IntegerLookup, StringLookup
from .normalization import Normalization

_EXACT_INT = 2 ** 24      # float32 holds every integer up to here


def supports(layer) -> bool:
    return isinstance(layer, (Normalization, Discretization, CategoryEncoding, IntegerLookup, StringLookup, Hashing))


def _squeeze(g, x, axis, base):
    return g.op("Squeeze", [x, g.const([axis], np.int64)], base)


def _unsqueeze(g, x, axis, base):
    return g.op("Unsqueeze", [x, g.const([axis], np.int64)], base)


def _encode(g, idx, mode, depth, shape, base, idf=None):
    """Keras's encodings of the float index tensor ``idx`` (sample shape ``shape``)."""
    if mode == "int":
        return idx, shape
    if mode == "one_hot" and shape and shape[-1] == 1:
        idx, shape = _squeeze(g, idx, -1, base), shape[:-1]
    hot = g.op("Cast", [g.op("Equal", [_unsqueeze(g, idx, -1, base), g.const(np.arange(depth), np.float32)], base)],
               base, to=g.onnx.TensorProto.FLOAT)
    if mode == "one_hot":
        return hot, tuple(shape) + (depth,)
    op = "ReduceMax" if mode == "multi_hot" else "ReduceSum"
    out = _squeeze(g, g.reduce(op, hot, [-2], base), -2, base)
    if mode == "tf_idf":
        out = g.op("Mul", [out, g.weight(f"{base}/idf_weights", idf)], base)
    return out, tuple(shape[:-1]) + (depth,)


def nodes(g, layer, x, shape):
    """Add ``layer``'s nodes after tensor ``x`` (sample shape ``shape``); returns (output, shape)."""
    base = layer.name
    if isinstance(layer, Normalization):
        mean, variance = layer._stats()
        scale = layer._scale(variance)
        mean_t = g.weight(f"{base}/mean", mean.astype(np.float32))
        scale_t = g.weight(f"{base}/scale", scale.astype(np.float32))
        if layer.invert:
            return g.op("Add", [g.op("Mul", [x, scale_t], base), mean_t], base), shape
        return g.op("Div", [g.op("Sub", [x, mean_t], base), scale_t], base), shape
    if isinstance(layer, Discretization):
        if layer.bin_boundaries is None:
            raise ValueError(f"to_onnx: Discretization {base!r} has no bin boundaries yet; adapt it first")
        b = np.asarray(layer.bin_boundaries, dtype=np.float32)
        if b.size == 0:
            bins = g.op("Mul", [x, g.const(0.0)], base)
        else:
            ge = g.op("GreaterOrEqual", [_unsqueeze(g, x, -1, base), g.const(b, np.float32)], base)
            cast = g.op("Cast", [ge], base, to=g.onnx.TensorProto.FLOAT)
            bins = _squeeze(g, g.reduce("ReduceSum", cast, [-1], base), -1, base)
        return _encode(g, bins, layer.output_mode, b.size + 1, tuple(shape), base)
    if isinstance(layer, CategoryEncoding):
        return _encode(g, x, layer.output_mode, layer.num_tokens, tuple(shape), base)
    if isinstance(layer, IntegerLookup) and not layer.invert and layer.num_oov_indices == 1:
        layer._require_vocabulary()
        tokens = layer._tokens
        specials = [t for t in (layer.mask_token,) if t is not None]
        if np.abs(tokens).max(initial=0) > _EXACT_INT or any(abs(t) > _EXACT_INT for t in specials):
            raise ValueError(f"to_onnx: IntegerLookup {base!r} has ids beyond 2**24, which float32 inputs cannot "
                             f"hold exactly")
        m, start = layer._oov_start_index(), layer._token_start_index()
        eq = g.op("Cast", [g.op("Equal", [_unsqueeze(g, x, -1, base), g.const(tokens, np.float32)], base)],
                  base, to=g.onnx.TensorProto.FLOAT)
        offsets = (start + np.arange(len(tokens)) - m).astype(np.float32).reshape(-1, 1)
        idx = _squeeze(g, g.op("MatMul", [eq, g.weight(f"{base}/offsets", offsets)], base), -1, base)
        idx = g.op("Add", [idx, g.const(float(m))], base)
        if layer.mask_token is not None:
            mask_value = 0.0 if layer.output_mode == "int" else -1.0   # -1: dropped by the encodings
            is_mask = g.op("Equal", [x, g.const(float(layer.mask_token))], base)
            idx = g.op("Where", [is_mask, g.const(mask_value), idx], base)
        idf = layer.idf_weights if layer.output_mode == "tf_idf" else None
        return _encode(g, idx, layer.output_mode, layer._depth(), tuple(shape), base,
                       idf=None if idf is None else np.asarray(idf, dtype=config.floatx()))
    raise ValueError(
        f"to_onnx: layer {base!r} is a {type(layer).__name__}"
        + (" with invert=True or num_oov_indices != 1" if isinstance(layer, IntegerLookup) else
           " working on strings, which ONNX's standard operators cannot look up or hash")
        + "; apply it to the data before the model (the exportable preprocessing layers are Normalization, "
          "Discretization, CategoryEncoding and IntegerLookup with one OOV index)"
    )
