"""``Dense``: the fully connected layer, z = a_prev W + b, a = f(z).

Forward (for a batch of n rows; ``W`` is ``(inputs, units)`` as in Keras)::

    z = a_prev @ W + b          shape (n, units)
    a = f(z)

Backward, with the notes' names (C is the cost, delta = dC/dz)::

    delta      = dC/da ⊙ f'(z)          BP1 / BP2: the Hadamard product with f'(z)
    dC/db      = sum over rows of delta  BP3
    dC/dW      = a_prev^T delta          BP4
    dC/da_prev = delta W^T               handed to the previous layer, where
                                         BP2 continues: delta_prev = (delta W^T) ⊙ f'(z_prev)
"""
from __future__ import annotations

import numpy as np

from .. import activations
from .._validation import check_positive_int
from ..kernels import K
from .base import LAYERS, Layer, kernel_bias_config, set_kernel_bias_arguments


def plain_relu(act) -> bool:
    """Is ``act`` ``max(z, 0)`` (ReLU with its defaults), the activation with a fused kernel?"""
    return (type(act) is activations.ReLU and act.negative_slope == 0 and act.max_value is None
            and act.threshold == 0)


def _reject_constraint(value, name):
    if value is not None:
        raise ValueError(f"Dense: {name} is not supported by glassnet yet, got {value!r}; use None")


@LAYERS.register("Dense")
class Dense(Layer):
    """Densely connected layer: ``a = activation(a_prev @ kernel + bias)``.

    Args:
        units: number of neurons (positive integer).
        activation: name or function; None means linear.
        use_bias: add the bias vector b.
        kernel_initializer / bias_initializer: Keras defaults 'glorot_uniform' / 'zeros'.
        kernel_regularizer / bias_regularizer: e.g. ``L2(0.01)``: adds 0.01 * sum(W^2) to the loss.
        activity_regularizer: penalty on the outputs a, divided by the batch size (Keras 3).
        kernel_constraint / bias_constraint: e.g. ``MaxNorm(2)``: a projection the optimizer applies
            to the weight after every update (see ``glassnet.constraints``).
        input_dim / input_shape: optional, to declare the input of the first layer.

    Attributes after a forward pass in training (read them, the notes' quantities):
        ``a_prev``, ``z``, ``a``; after backward: ``delta``, ``kernel.grad`` (dC/dW), ``bias.grad`` (dC/db).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units", "Dense")
        set_kernel_bias_arguments(self, activation, use_bias, kernel_initializer, bias_initializer,
                                  kernel_regularizer, bias_regularizer, activity_regularizer,
                                  kernel_constraint, bias_constraint)
        _reject_constraint(lora_rank, "lora_rank")
        _reject_constraint(quantization_config, "quantization_config")
        self.kernel = None
        self.bias = None
        self.a_prev = self.z = self.a = self.delta = None
        self.needs_input_grad = True   # the first layer of a model can skip delta W^T

    def build(self, input_shape) -> None:
        input_shape = tuple(input_shape)
        if len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(
                f"Dense {self.name!r}: the last dimension of the input must be known, got input shape {input_shape}"
            )
        # a constraint is applied by the optimizer after each update
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        super().build(input_shape)

    def compute_output_shape(self, input_shape) -> tuple:
        # Most activations keep the width; a few (glu halves it) do not: ask the activation.
        width = self.activation(np.zeros((2, self.units), dtype=self.dtype)).shape[-1]
        return tuple(input_shape[:-1]) + (width,)

    def forward(self, x, training=False):
        bias = self.bias.value if self.use_bias else None
        if not training:      # inference: z is not kept, so the activation may overwrite it
            if plain_relu(self.activation):
                return K.bias_relu_inplace(self._product(x), bias)   # max(x W + b, 0), one pass
            return self.activation.call_inplace(self._logits(x))
        if plain_relu(self.activation):
            z = self._product(x)
            a = K.bias_relu(z, bias)        # z <- z + b and a = max(z, 0) in one pass
        else:
            z = self._logits(x)
            a = self.activation(z)
        self.a_prev, self.z, self.a = x, z, a
        return a

    def forward_with_logits(self, x):
        """``(z, a)`` without keeping anything (safe to call from several threads at once)."""
        z = self._logits(x)
        return z, self.activation(z)

    def _product(self, x):
        """a_prev W (the GEMM, before the bias)."""
        if x.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Dense {self.name!r}: expected inputs with {self.kernel.shape[0]} features "
                f"(last axis), got shape {x.shape}"
            )
        return x @ self.kernel.value

    def _logits(self, x):
        """z = a_prev W + b."""
        z = self._product(x)
        if self.use_bias:
            K.bias_add(z, self.bias.value)
        return z

    def activity_penalty(self) -> float:
        """Keras 3's activity regularization: penalty(a) / batch size."""
        return self.activity_regularizer(self.a) / self.a.shape[0]

    def backward(self, grad, grad_is_delta: bool = False):
        """dC/da -> dC/da_prev.  With ``grad_is_delta`` the caller already gives delta = dC/dz
        (the fused softmax / sigmoid + cross-entropy path)."""
        if self.activity_regularizer is not None and not grad_is_delta:
            grad = grad + self.activity_regularizer.gradient(self.a) / self.a.shape[0]
        bias_done = False
        if grad_is_delta:
            delta = grad
        elif plain_relu(self.activation):
            # BP2 delta = dC/da * [z > 0] and BP3 dC/db = sum of delta over rows, in one pass
            delta = K.relu_delta(grad, self.z, self.bias.grad if self.use_bias else None)
            bias_done = True
        else:
            delta = self.activation.backward(grad, self.z, self.a)          # BP1 / BP2
        self.delta = delta
        a_prev = self.a_prev
        if a_prev.ndim > 2:   # Dense on (n, ..., features): fold the leading axes into rows
            a_prev = a_prev.reshape(-1, a_prev.shape[-1])
            delta = delta.reshape(-1, delta.shape[-1])
        np.matmul(a_prev.T, delta, out=self.kernel.grad)                      # BP4: a_prev^T delta
        if self.use_bias and not bias_done:
            K.column_sum(delta, self.bias.grad)                               # BP3: sum of delta
        if not self.needs_input_grad:
            return None
        return (delta @ self.kernel.value.T).reshape(self.a_prev.shape)      # delta W^T

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **kernel_bias_config(self),
            "quantization_config": None,
        })
        return config
