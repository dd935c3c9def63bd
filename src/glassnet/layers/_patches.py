"""Sliding windows over images: Keras's padding arithmetic, im2col and col2im.

Every 1-D layer here is run as a 2-D one on inputs of height 1, so one set of
helpers serves Conv1D / Conv2D and the pooling layers.  Images are channels_last,
``(n, H, W, C)``.

Output size and padding per spatial axis (input size ``L``, kernel ``k``, stride ``s``,
dilation ``d``, effective kernel ``k_eff = (k - 1) d + 1``), exactly as TensorFlow::

    "valid":   out = floor((L - k_eff) / s) + 1,                  no padding
    "same":    out = ceil(L / s),  pad = max((out - 1) s + k_eff - L, 0),
               pad_before = pad // 2,  pad_after = pad - pad_before   (the extra one at the bottom / right)
    "causal":  pad_before = k_eff - 1, pad_after = 0, then "valid"   (Conv1D only)

im2col gathers every window into one row: ``cols[n, i, j, p, q, c] = x_pad[n, i s + p d, j s + q d, c]``,
so a convolution is ONE matrix product ``cols.reshape(-1, kh kw C) @ kernel.reshape(kh kw C, F)``.
col2im is its adjoint: it scatter-adds every row back onto the window it came from.  Both loop only
over the ``kh * kw`` kernel offsets; each offset moves a whole strided slab of the batch at once.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._registry import unique_name

PADDINGS = ("valid", "same")


def keras_name(name, prefix: str):
    """The layer's name: the one given, else Keras's automatic ``conv2d``, ``conv2d_1``, ..."""
    return name if name is not None else unique_name(prefix)


def normalize_tuple(value, rank: int, name: str, where: str, allow_zero: bool = False) -> tuple:
    """``3`` -> ``(3, 3)``; ``(3, 2)`` stays; every entry a positive int (or >= 0 with ``allow_zero``)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * rank
    try:
        value = tuple(value)
    except TypeError:
        raise TypeError(f"{where}: {name} must be an integer or a tuple of {rank} integers, "
                        f"got {value!r}") from None
    low = 0 if allow_zero else 1
    if len(value) != rank or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low
                                 for v in value):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{where}: {name} must be a {kind} integer or a tuple of {rank} {kind} integers, "
                         f"got {value!r}")
    return tuple(int(v) for v in value)


def normalize_padding(value, where: str, options=PADDINGS) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise ValueError(f"{where}: padding must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
    return value.lower()


def normalize_data_format(value, where: str) -> str:
    if value is None:
        return "channels_last"
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', got {value!r}")
    return value


def axis_geometry(size, k: int, stride: int, dilation: int, padding: str, where: str, arg: str, axis: str):
    """``(out, pad_before, pad_after)`` for one spatial axis (see the module docstring)."""
    k_eff = (k - 1) * dilation + 1
    if size is None:
        return None, 0, 0
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + k_eff - size, 0)
        return out, total // 2, total - total // 2
    before = k_eff - 1 if padding == "causal" else 0
    if size + before < k_eff:
        dil = f" dilated by {dilation} to {k_eff}" if dilation > 1 else ""
        raise ValueError(
            f"{where}: {arg} along the {axis} axis ({k}{dil}) is larger than the padded input ({size + before}) "
            f"with padding={padding!r}; use a smaller {arg}, padding='same', or a larger input"
        )
    return (size + before - k_eff) // stride + 1, before, 0


def window_geometry(cache: dict, spatial, window, strides, dilation, padding: str, rank: int, where: str,
                    arg: str):
    """``((Ho, Wo), ((top, bottom), (left, right)))`` of a 2-D window (``window``, ``strides``,
    ``dilation``: 2-tuples) over the 2-D ``spatial`` size, by :func:`axis_geometry` on each axis.
    A 1-D layer (``rank`` 1) runs as 2-D on height 1, with 'valid' padding along it.  A known
    size's result is kept in ``cache`` (the layer's, keyed by ``spatial``)."""
    spatial = tuple(spatial)
    geo = cache.get(spatial)
    if geo is None:
        paddings = ("valid",) * (2 - rank) + (padding,) * rank
        out, pads = [], []
        for ax in range(2):
            axis = ("height", "width")[ax] if rank == 2 else "steps"
            o, before, after = axis_geometry(spatial[ax], window[ax], strides[ax], dilation[ax], paddings[ax],
                                             where, arg, axis)
            out.append(o)
            pads.append((before, after))
        geo = (tuple(out), tuple(pads))
        if None not in spatial:
            cache[spatial] = geo
    return geo


def pad(x: np.ndarray, pads, value=0.0) -> np.ndarray:
    """``x`` (n, H, W, C) padded by ``pads = ((top, bottom), (left, right))`` with ``value``."""
    (t, b), (l, r) = pads
    if t == b == l == r == 0:
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + t + b, w + l + r, c), dtype=x.dtype)
    if t or b:
        out[:, :t] = value
        out[:, t + h:] = value
    if l or r:
        out[:, :, :l] = value
        out[:, :, l + w:] = value
    out[:, t:t + h, l:l + w] = x
    return out


def window(xp: np.ndarray, p: int, q: int, out_hw, strides, dilation) -> np.ndarray:
    """The strided view ``xp[:, p d_h :: s_h, q d_w :: s_w, :]`` of ``out_hw`` positions: kernel offset (p, q)."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, strides, dilation
    top, left = p * dh, q * dw
    return xp[:, top:top + sh * (ho - 1) + 1:sh, left:left + sw * (wo - 1) + 1:sw, :]


def im2col(xp: np.ndarray, kernel_size, out_hw, strides, dilation, out=None) -> np.ndarray:
    """``cols`` of shape (n, Ho, Wo, kh, kw, C): every window of the padded input ``xp``, one copy
    (into ``out`` when given and of that shape: a buffer reused from step to step)."""
    n, _, _, c = xp.shape
    kh, kw = kernel_size
    (ho, wo), (sh, sw), (dh, dw) = out_hw, strides, dilation
    shape = (n, ho, wo, kh, kw, c)
    if out is None or out.shape != shape or out.dtype != xp.dtype:
        out = np.empty(shape, dtype=xp.dtype)
    if c < 8:
        # few channels (a first layer on grey / RGB images): one slab copy per kernel offset is faster
        # than the element-wise copy of the 6-D view, whose innermost run is only c values long
        for p in range(kh):
            for q in range(kw):
                out[:, :, :, p, q, :] = window(xp, p, q, (ho, wo), strides, dilation)
        return out
    s = xp.strides
    view = np.lib.stride_tricks.as_strided(
        xp, shape=shape, strides=(s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)
    np.copyto(out, view)
    return out


def col2im(dcols: np.ndarray, padded_hw, strides, dilation) -> np.ndarray:
    """Adjoint of :func:`im2col`: ``dx_pad[n, i s + p d, j s + q d, c] += dcols[n, i, j, p, q, c]``."""
    n, ho, wo, kh, kw, c = dcols.shape
    dxp = np.zeros((n, padded_hw[0], padded_hw[1], c), dtype=dcols.dtype)
    for p in range(kh):
        for q in range(kw):
            window(dxp, p, q, (ho, wo), strides, dilation)[...] += dcols[:, :, :, p, q, :]
    return dxp


def col2im_matmul(delta: np.ndarray, kernel: np.ndarray, padded_hw, strides, dilation) -> np.ndarray:
    """``col2im(delta @ W^T)`` without building the (n Ho Wo, kh kw C) matrix: for each kernel offset
    (p, q), ``delta @ W[p, q]^T`` is the gradient of the windows' (p, q) entries; add it where they came from.

    delta: (n, Ho, Wo, F); kernel: (kh, kw, C, F).  Returns dC/d(x_pad), (n, Hp, Wp, C).
    """
    n, ho, wo, f = delta.shape
    kh, kw, c, _ = kernel.shape
    d2 = delta.reshape(-1, f)
    dxp = np.zeros((n, padded_hw[0], padded_hw[1], c), dtype=delta.dtype)
    for p in range(kh):
        for q in range(kw):
            window(dxp, p, q, (ho, wo), strides, dilation)[...] += (d2 @ kernel[p, q].T).reshape(n, ho, wo, c)
    return dxp


def crop(xp: np.ndarray, pads) -> np.ndarray:
    """Undo :func:`pad`: the inner (n, H, W, C) block."""
    (t, b), (l, r) = pads
    if t == b == l == r == 0:
        return xp
    return xp[:, t:xp.shape[1] - b, l:xp.shape[2] - r, :]


def to_channels_last(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, 1, -1)


def from_channels_last(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


def spatial_shape(input_shape, data_format):
    """(spatial dims..., channels) of a shape without the batch axis."""
    input_shape = tuple(input_shape)
    if data_format == "channels_first":
        return input_shape[1:], input_shape[0]
    return input_shape[:-1], input_shape[-1]


def reshape_hint(input_shape, rank: int) -> str:
    """The ``Reshape`` that turns ``input_shape`` (no batch axis) into ``rank`` spatial dims + channels."""
    input_shape = tuple(input_shape)
    if rank == 2:
        if len(input_shape) == 2 and None not in input_shape:
            return f"Reshape({input_shape + (1,)})"
        if len(input_shape) == 1 and input_shape[0] is not None:
            side = math.isqrt(input_shape[0])
            if side * side == input_shape[0]:
                return f"Reshape(({side}, {side}, 1))"
        return "Reshape((height, width, channels))"
    if len(input_shape) == 1 and input_shape[0] is not None:
        return f"Reshape(({input_shape[0]}, 1))"
    return "Reshape((steps, channels))"


def check_input_rank(input_shape, rank: int, where: str) -> None:
    """A clear error when an image layer gets the wrong number of axes, with the Reshape that fixes it."""
    input_shape = tuple(input_shape)
    if len(input_shape) != rank + 1:
        axes = "(batch, height, width, channels)" if rank == 2 else "(batch, steps, channels)"
        raise ValueError(
            f"{where}: expected a {rank + 2}-D input {axes}, got shape {(None,) + input_shape} "
            f"({len(input_shape) + 1}-D); put {reshape_hint(input_shape, rank)} before this layer"
        )
