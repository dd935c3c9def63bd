"""``Conv1D`` / ``Conv2D``: convolution layers, z = a_prev * W + b, a = f(z) (channels_last).

Forward (Keras's, which is a cross-correlation; kernel ``W`` of shape (kh, kw, C_in, F), input padded
by Keras's "valid" / "same" rule, see :mod:`._patches`)::

    z[n, i, j, f] = b[f] + sum_{p, q, c} a_prev_pad[n, i s_h + p d_h, j s_w + q d_w, c] W[p, q, c, f]
    a = f(z)

computed as ONE matrix product over patches (im2col): every window of the input becomes a row of
``cols`` (shape (n Ho Wo, kh kw C_in)) and ``z = cols @ W.reshape(kh kw C_in, F) + b``.

Backward, with the notes' names (C the cost, delta = dC/dz, shape (n, Ho, Wo, F))::

    delta       = dC/da ⊙ f'(z)                                           BP1 / BP2
    dC/db[f]    = sum_{n, i, j} delta[n, i, j, f]                         BP3
    dC/dW[p, q, c, f] = sum_{n, i, j} a_prev_pad[n, i s + p d, j s + q d, c] delta[n, i, j, f]
                = (cols^T delta)                                          BP4: the input correlated with the error
    dC/da_prev[n, y, x, c] = sum_{p, q, f} delta_up[n, y - p d, x - q d, f] W[p, q, c, f]
                = full convolution of the (stride-dilated) error with the kernel flipped by 180 degrees,
                  cropped by the forward padding

The last line is computed as ``col2im(delta @ W^T)``: each row of ``delta @ W^T`` is the gradient with
respect to one window of the input, and col2im adds it back where the window came from.  Summing
``delta[i, j] W[p, q]`` into position ``(i s + p d, j s + q d)`` is exactly the full convolution with the
flipped kernel, written without materialising the zero-padded, zero-inserted error.
"""
from __future__ import annotations

import numpy as np

from .. import activations
from .._validation import check_positive_int
from ..kernels import K
from . import _patches as P
from .base import LAYERS, Layer, kernel_bias_config, set_kernel_bias_arguments
from .dense import plain_relu


class _Conv(Layer):
    """Shared body of Conv1D / Conv2D (``rank`` spatial axes; 1-D runs as 2-D with height 1)."""

    rank = 2
    _prefix = "conv"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, name=None, **kwargs):
        super().__init__(name=P.keras_name(name, self._prefix), **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self._where = where
        rank = self.rank
        self.filters = check_positive_int(filters, "filters", where)
        self.kernel_size = P.normalize_tuple(kernel_size, rank, "kernel_size", where)
        self.strides = P.normalize_tuple(strides, rank, "strides", where)
        self.dilation_rate = P.normalize_tuple(dilation_rate, rank, "dilation_rate", where)
        options = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = P.normalize_padding(padding, where, options)
        self.data_format = P.normalize_data_format(data_format, where)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{where}: strides > 1 is not supported together with dilation_rate > 1 "
                             f"(as in Keras), got strides={self.strides} and dilation_rate={self.dilation_rate}")
        if groups != 1:
            raise ValueError(f"{where}: groups must be 1 (grouped convolution is not supported by glassnet yet), "
                             f"got {groups!r}")
        self.groups = 1
        # the constraints are applied by the optimizer after each update (glassnet.constraints), as for Dense
        set_kernel_bias_arguments(self, activation, use_bias, kernel_initializer, bias_initializer,
                                  kernel_regularizer, bias_regularizer, activity_regularizer,
                                  kernel_constraint, bias_constraint)
        self.kernel = None
        self.bias = None
        self.a_prev = self.z = self.a = self.delta = None
        self.cols = None
        self._ones = None
        self.needs_input_grad = True   # the first layer of a model skips col2im(delta W^T)
        self._geometry = {}

    # --------------------------------------------------------------- shapes
    def _geometry_for(self, spatial):
        """``((Ho, Wo), pads)`` for 2-D spatial dims ``spatial`` (cached per input size)."""
        return P.window_geometry(self._geometry, spatial, self._as2d(self.kernel_size), self._as2d(self.strides),
                                 self._as2d(self.dilation_rate), self.padding, self.rank, self._where, "kernel_size")

    def _as2d(self, values) -> tuple:
        """A 1-D layer's (k,) as the 2-D (1, k): Conv1D runs as Conv2D on images of height 1."""
        return (1,) * (2 - self.rank) + tuple(values)

    def _spatial2d(self, spatial):
        return (1,) + tuple(spatial) if self.rank == 1 else tuple(spatial)

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        P.check_input_rank(input_shape, self.rank, self._where)
        spatial, channels = P.spatial_shape(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"{self._where}: the channel dimension of the input must be known, "
                             f"got input shape {(None,) + input_shape}")
        self._geometry_for(self._spatial2d(spatial))   # kernel larger than the padded input -> error now
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        super().build(input_shape)

    def compute_output_shape(self, input_shape) -> tuple:
        input_shape = tuple(input_shape)
        P.check_input_rank(input_shape, self.rank, self._where)
        spatial, _ = P.spatial_shape(input_shape, self.data_format)
        (ho, wo), _ = self._geometry_for(self._spatial2d(spatial))
        out = (wo,) if self.rank == 1 else (ho, wo)
        if self.data_format == "channels_first":
            return (self.filters,) + out
        return out + (self.filters,)

    # ---------------------------------------------------------- computation
    def _as_images(self, x):
        """x -> channels_last (n, H, W, C) (a view when possible)."""
        if x.ndim != self.rank + 2:
            P.check_input_rank(x.shape[1:], self.rank, self._where)
        x = P.to_channels_last(x, self.data_format)
        if self.rank == 1:
            x = x[:, None]
        channels = self.kernel.shape[-2]
        if x.shape[-1] != channels:
            raise ValueError(f"{self._where}: expected inputs with {channels} channels, got shape {x.shape}")
        return x

    def _from_images(self, y):
        if self.rank == 1:
            y = y[:, 0]
        return P.from_channels_last(y, self.data_format)

    def _product(self, x4, reuse=False):
        """(im2col(a_prev) @ W as (n, Ho, Wo, F), cols): the GEMM, before the bias."""
        (ho, wo), pads = self._geometry_for(x4.shape[1:3])
        xp = P.pad(x4, pads)
        cols = P.im2col(xp, self._as2d(self.kernel_size), (ho, wo), self._as2d(self.strides),
                        self._as2d(self.dilation_rate), out=self.cols if reuse else None)
        w = self.kernel.value.reshape(-1, self.filters)
        z = cols.reshape(-1, w.shape[0]) @ w
        return z.reshape(x4.shape[0], ho, wo, self.filters), cols

    def _logits(self, x4, reuse=False):
        """(z as (n, Ho, Wo, F), cols): z = im2col(a_prev) @ W + b."""
        z, cols = self._product(x4, reuse)
        if self.use_bias:
            K.bias_add(z, self.bias.value)
        return z, cols

    def _activate(self, x4, reuse=False):
        """(z, a, cols); ReLU takes the fused kernel: z <- z + b and a = max(z, 0) in one pass."""
        if plain_relu(self.activation):
            z, cols = self._product(x4, reuse)
            return z, K.bias_relu(z, self.bias.value if self.use_bias else None), cols
        z, cols = self._logits(x4, reuse)
        return z, self.activation(z), cols

    #: inference builds the patches of at most this many values at a time (64 MB of float32)
    max_patch_values = 16 * 2**20

    def forward(self, x, training=False):
        x4 = self._as_images(x)
        if not training:
            return self._from_images(self._infer(x4))
        z, a, cols = self._activate(x4, reuse=True)   # training reuses last step's patch buffer
        self.a_prev, self.cols, self.z, self.a = x4, cols, z, a
        return self._from_images(a)

    def _infer(self, x4):
        """a = f(z) without keeping anything; large batches go through in slices of samples so the
        patch matrix stays below ``max_patch_values`` (each slice is still one GEMM)."""
        (ho, wo), _ = self._geometry_for(x4.shape[1:3])
        per_sample = ho * wo * self.kernel.size // self.filters
        step = max(1, self.max_patch_values // max(per_sample, 1))
        if x4.shape[0] <= step:
            return self._activate_inplace(x4)
        out = np.empty((x4.shape[0], ho, wo, self.filters), dtype=x4.dtype)
        for lo in range(0, x4.shape[0], step):
            out[lo:lo + step] = self._activate_inplace(x4[lo:lo + step])
        return out

    def _activate_inplace(self, x4):
        """a = f(z), overwriting z (inference keeps nothing)."""
        if plain_relu(self.activation):
            return K.bias_relu_inplace(self._product(x4)[0], self.bias.value if self.use_bias else None)
        return self.activation.call_inplace(self._logits(x4)[0])

    def activity_penalty(self) -> float:
        """Keras 3's activity regularization: penalty(a) / batch size."""
        return self.activity_regularizer(self.a) / self.a.shape[0]

    def backward(self, grad):
        """dC/da -> dC/da_prev; writes dC/dW (input correlated with the error) and dC/db."""
        grad = self._as_grad_images(grad)
        if self.activity_regularizer is not None:
            grad = grad + self.activity_regularizer.gradient(self.a) / self.a.shape[0]
        if plain_relu(self.activation):      # BP2: delta = dC/da * [z > 0], one pass
            delta = K.relu_delta(grad, self.z, None)
        else:
            delta = self.activation.backward(grad, self.z, self.a)             # BP1 / BP2
        self.delta = delta
        d2 = delta.reshape(-1, self.filters)
        cols = self.cols
        cols2 = cols.reshape(d2.shape[0], -1)
        self.kernel.grad[...] = (cols2.T @ d2).reshape(self.kernel.shape)     # BP4: cols^T delta
        if self.use_bias:
            ones = self._ones
            if ones is None or ones.shape[0] != d2.shape[0] or ones.dtype != d2.dtype:
                ones = self._ones = np.ones(d2.shape[0], dtype=d2.dtype)
            np.matmul(ones, d2, out=self.bias.grad)                             # BP3: sum of delta (GEMV)
        if not self.needs_input_grad:
            return None
        _, pads = self._geometry_for(self.a_prev.shape[1:3])
        padded = (self.a_prev.shape[1] + sum(pads[0]), self.a_prev.shape[2] + sum(pads[1]))
        kernel4 = self.kernel.value.reshape(cols.shape[3:5] + self.kernel.shape[-2:])
        # col2im(delta W^T): the full convolution of the error with the flipped kernel
        dxp = P.col2im_matmul(delta, kernel4, padded, self._as2d(self.strides), self._as2d(self.dilation_rate))
        return self._from_images(P.crop(dxp, pads))

    def _as_grad_images(self, grad):
        grad = P.to_channels_last(grad, self.data_format)
        return grad[:, None] if self.rank == 1 else grad

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **kernel_bias_config(self),
        })
        return config


@LAYERS.register("Conv2D")
class Conv2D(_Conv):
    """2-D convolution over images (n, H, W, C) (Keras's ``Conv2D``); formulas in the module docstring.

    Args:
        filters: number of output channels F.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: 'valid' (no padding) or 'same' (output ceil(H / s); extra padding at the bottom / right).
        data_format: 'channels_last' (default) or 'channels_first'.
        dilation_rate: int or (dh, dw): the kernel taps are d apart (not with strides > 1, as in Keras).
        groups: 1 only.
        activation, use_bias, kernel_initializer ('glorot_uniform'), bias_initializer ('zeros'),
        kernel_regularizer, bias_regularizer, activity_regularizer: as in ``Dense``.

    Weights: ``kernel`` (kh, kw, C_in, F), ``bias`` (F,).  After a training forward / backward:
    ``a_prev``, ``cols`` (the im2col patches), ``z``, ``a``, ``delta``, ``kernel.grad``, ``bias.grad``.
    """

    rank = 2
    _prefix = "conv2d"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@LAYERS.register("Conv1D")
class Conv1D(_Conv):
    """1-D convolution over sequences (n, steps, C) (Keras's ``Conv1D``); run as Conv2D with height 1.

    Same arguments as :class:`Conv2D` with single integers; ``padding`` may also be 'causal'
    (k_eff - 1 zeros on the left only, so output t sees inputs <= t).  Kernel (k, C_in, F).
    """

    rank = 1
    _prefix = "conv1d"
    # __init__ is _Conv's: its arguments and defaults are Keras's Conv1D signature (strides=1, dilation_rate=1)
