"""Record keras.ops forward values and TensorFlow gradients as golden numbers for tests/test_ops.py.

Run with the reference environment (Keras 3 + TensorFlow), not the project venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        /work/refenv/bin/python tests/reference/make_ops_golden.py

It writes ``tests/reference/keras_ops.json``: one float32 input ``x`` (with zeros, ties and
values on the kinks of relu / relu6 / clip, where the derivative TensorFlow picks matters) and,
for every case, the expression (evaluated with ``ops`` = ``keras.ops`` here and ``glassnet.ops``
in the test), a random output weighting ``w``, the value ``f(x)`` and the gradient
``d sum(w * f(x)) / dx`` from ``tf.GradientTape``; and the signature of every keras.ops function
(parameter names, kinds and defaults).
"""
from __future__ import annotations

import inspect
import json
import os
import pathlib

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_ops.json")
RNG = np.random.default_rng(20261204)

X = np.array([[-2.5, -1.0, 0.0, 0.5, 3.0, 6.0],
              [1.2, -0.3, 2.0, 2.0, -4.0, 0.25],
              [0.1, 6.5, -0.7, 0.0, 1.5, -1.0]], dtype=np.float32)

CASES = {
    "relu": "lambda x: ops.relu(x)",
    "relu6": "lambda x: ops.relu6(x)",
    "sigmoid": "lambda x: ops.sigmoid(x)",
    "tanh": "lambda x: ops.tanh(x)",
    "elu": "lambda x: ops.elu(x)",
    "elu_alpha": "lambda x: ops.elu(x, alpha=0.5)",
    "selu": "lambda x: ops.selu(x)",
    "gelu_default": "lambda x: ops.gelu(x)",
    "gelu_exact": "lambda x: ops.gelu(x, approximate=False)",
    "softplus": "lambda x: ops.softplus(x)",
    "softsign": "lambda x: ops.softsign(x)",
    "silu": "lambda x: ops.silu(x)",
    "swish": "lambda x: ops.swish(x)",
    "leaky_relu": "lambda x: ops.leaky_relu(x)",
    "leaky_relu_slope": "lambda x: ops.leaky_relu(x, negative_slope=0.1)",
    "hard_sigmoid": "lambda x: ops.hard_sigmoid(x)",
    "hard_silu": "lambda x: ops.hard_silu(x)",
    "log_sigmoid": "lambda x: ops.log_sigmoid(x)",
    "softmax": "lambda x: ops.softmax(x)",
    "softmax_axis0": "lambda x: ops.softmax(x, axis=0)",
    "log_softmax": "lambda x: ops.log_softmax(x)",
    "logsumexp": "lambda x: ops.logsumexp(x, axis=1)",
    "max_ties": "lambda x: ops.max(x, axis=1)",
    "min_axis0": "lambda x: ops.min(x, axis=0, keepdims=True)",
    "max_all": "lambda x: ops.max(x)",
    "abs_at_zero": "lambda x: ops.abs(x)",
    "maximum_ties": "lambda x: ops.maximum(x, 2.0)",
    "minimum_ties": "lambda x: ops.minimum(x, 0.0)",
    "clip_edges": "lambda x: ops.clip(x, -1.0, 2.0)",
    "sqrt_square": "lambda x: ops.sqrt(ops.square(x) + 1.0)",
    "exp_log": "lambda x: ops.log(ops.exp(x * 0.5) + 1.0)",
    "mean_var_std": "lambda x: ops.mean(x, axis=1) + ops.var(x, axis=1) + ops.std(x, axis=1)",
    "norm": "lambda x: ops.norm(x, axis=1)",
    "norm_all": "lambda x: ops.norm(x)",
    "cumsum": "lambda x: ops.cumsum(x, axis=1)",
    "prod": "lambda x: ops.prod(x, axis=0)",
    "where": "lambda x: ops.where(x > 0.5, x * x, -x)",
    "concat_take": "lambda x: ops.concatenate([x, ops.take(x, np.array([0, 2, 2]), axis=1)], axis=1)",
    "matmul_reshape": "lambda x: ops.matmul(ops.reshape(x, (6, 3)), ops.ones((3, 2)) * 0.5)",
    "transpose_expand": "lambda x: ops.expand_dims(ops.transpose(x), 0) * 2.0",
    # logaddexp and hypot are smooth, but TensorFlow computes them through maximum / abs, whose
    # tie rule gives a one-sided slope where |x| equals the other argument; glassnet gives the
    # true derivative there, so the constants avoid the values in X.
    "logaddexp_hypot": "lambda x: ops.logaddexp(x, 0.4) + ops.hypot(x, 0.9)",
    "arctan_sinh_cosh": "lambda x: ops.arctan(x) + ops.sinh(x * 0.5) * ops.cosh(x * 0.5)",
    "sort": "lambda x: ops.sort(x)",
    "top_k": "lambda x: ops.top_k(x, 3)[0]",
    "take_along_axis": "lambda x: ops.take_along_axis(x, np.array([[0, 5], [3, 2], [1, 1]]), axis=1)",
    "split_slice": "lambda x: ops.split(x, 2, axis=1)[0] * ops.slice(x, (0, 3), (3, 3))",
    "tril_triu": "lambda x: ops.tril(x) + 2.0 * ops.triu(x, k=2)",
    "average": "lambda x: ops.average(x, axis=1, weights=np.array([1.0, 2.0, 0.5, 1.0, 3.0, 0.25], 'float32'))",
    "normalize": "lambda x: ops.normalize(x)",
    "normalize_order1": "lambda x: ops.normalize(x, axis=0, order=1)",
    "moments": "lambda x: ops.moments(x, axes=[1])[0] + ops.moments(x, axes=[1])[1]",
    "rsqrt": "lambda x: ops.rsqrt(ops.abs(x) + 1.0)",
    "stop_gradient": "lambda x: x * ops.stop_gradient(x)",
    "pad_reflect": "lambda x: ops.pad(x, ((1, 1), (2, 0)), mode='reflect')",
    "pad_constant": "lambda x: ops.pad(x, ((0, 1), (1, 1)), constant_values=2.0)",
    "diagonal_trace": "lambda x: ops.diagonal(x, offset=1) * ops.trace(x)",
    "diag": "lambda x: ops.diag(ops.diag(x), k=1)",
    "exp2_nan_to_num": "lambda x: ops.nan_to_num(ops.exp2(x * 0.5))",
    "vstack_hstack": "lambda x: ops.sum(ops.vstack([x, x * 2.0]), axis=0) "
                     "+ ops.sum(ops.hstack([x[:2], x[1:]]), axis=1)[:, None]",
    "inverse_trig": "lambda x: ops.arcsin(x * 0.1) + ops.arctanh(x * 0.1) + ops.arcsinh(x) + ops.cbrt(x * x + 1.0)",
    "arctan2": "lambda x: ops.arctan2(x, ops.flip(x, axis=1) + 0.05)",
    "divide_no_nan": "lambda x: ops.divide_no_nan(x, ops.where(x > 1.0, x, 0.0))",
    "erfc": "lambda x: ops.erfc(x * 0.5)",
    "tensordot": "lambda x: ops.tensordot(x, ops.reshape(x, (6, 3)), axes=1)",
    "roll_unstack": "lambda x: ops.roll(x, 2, axis=1) + ops.unstack(x)[1]",
    "ptp_amax": "lambda x: ops.ptp(x, axis=1) * ops.amax(x, axis=1)",
    # TensorFlow's cumprod gradient divides by x and gives 0 at an entry equal to 0 (the true
    # derivative is the product of the other factors, which glassnet gives): no zeros here.
    "cumprod": "lambda x: ops.cumprod(x + 0.1, axis=1)",
    "scatter_update": "lambda x: ops.scatter_update(x, np.array([[0, 1], [2, 4]]), ops.sum(x, axis=1)[:2] * 2.0)",
    "scatter_update_add": "lambda x: ops.scatter_update(x, np.array([[1], [1]]), x[:2] * 3.0, reduction='add')",
    "segment_sum": "lambda x: ops.segment_sum(x, np.array([1, 0, 1]), num_segments=2)",
    "select": "lambda x: ops.select([x > 1.0, x < -0.5], [x * 2.0, ops.exp(x)], x * 0.5)",
    "binary_crossentropy": "lambda x: ops.binary_crossentropy(ops.cast(x > 0.4, 'float32'), ops.sigmoid(x))",
    "binary_crossentropy_logits":
        "lambda x: ops.binary_crossentropy(ops.cast(x > 0.4, 'float32'), x, from_logits=True)",
    "categorical_crossentropy":
        "lambda x: ops.categorical_crossentropy(ops.one_hot(np.array([1, 4, 0]), 6), ops.softmax(x))",
    "categorical_crossentropy_logits":
        "lambda x: ops.categorical_crossentropy(ops.one_hot(np.array([1, 4, 0]), 6), x, from_logits=True)",
    "sparse_categorical_crossentropy":
        "lambda x: ops.sparse_categorical_crossentropy(np.array([1, 4, 0]), ops.softmax(x))",
    "sparse_categorical_crossentropy_logits":
        "lambda x: ops.sparse_categorical_crossentropy(np.array([1, 4, 0]), x, from_logits=True)",
}


def main():
    cases = {}
    for name, expr in CASES.items():
        fn = eval(expr, {"ops": ops, "np": np})
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        w = RNG.normal(size=tuple(y.shape)).astype(np.float32)
        grad = tape.gradient(y, x, output_gradients=tf.constant(w))
        cases[name] = {"glassnet": expr, "w": w.tolist(), "value": np.asarray(y).tolist(),
                       "grad": np.asarray(grad).tolist()}
    signatures = {}
    for name in sorted(dir(ops)):
        fn = getattr(ops, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        signatures[name] = [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
                            for p in sig.parameters.values()]
    OUT.write_text(json.dumps({"x": X.tolist(), "cases": cases, "signatures": signatures}, indent=1) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
