"""Write the Keras 3 golden files that glassnet's tests compare against.

Run with the reference interpreter (Keras 3 on TensorFlow), never with glassnet's venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        .refenv/bin/python tests/reference/make_keras_golden.py

``--only activations losses initializers training`` regenerates a subset.  Each file is
JSON with a ``meta`` block (Keras / TensorFlow / NumPy versions, seeds) and float32
values written as the shortest decimal that reads back as the same float32.

Files written next to this script:

* ``keras_activations.json``: outputs and vector-Jacobian products of activations.
* ``keras_losses.json``: reduced values, per-sample values and d loss / d y_pred.
* ``keras_initializers.json``: statistics of a (400, 300) draw and ``get_config()``.
* ``keras_training.json``: 3-epoch ``fit`` runs of small Dense models.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA_SEED = 20240917  # NumPy Generator seed for every input array
WEIGHT_SEED = 1234  # keras.utils.set_random_seed(WEIGHT_SEED + case index)


# ----------------------------------------------------------------------------- helpers
def f32(a):
    """float32 array -> nested lists of the shortest decimals that round-trip in float32."""
    arr = np.asarray(a, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"non-finite value in golden data: {arr}")
    flat = [float(str(v)) for v in arr.ravel()]
    if arr.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def f64(a, digits=12):
    """float64 array -> nested lists of decimals with ``digits`` significant digits."""
    arr = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"non-finite value in golden data: {arr}")
    flat = [float(f"{v:.{digits}g}") for v in arr.ravel()]
    if arr.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def init_params(cls):
    """The constructor's argument names (what a config may legitimately hold)."""
    return [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]


def to_np(t):
    return np.asarray(keras.ops.convert_to_numpy(t))


def meta(**extra):
    out = {
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "backend": keras.backend.backend(),
        "floatx": keras.backend.floatx(),
        "epsilon": keras.backend.epsilon(),
        "data_seed": DATA_SEED,
        "generator": "tests/reference/make_keras_golden.py",
    }
    out.update(extra)
    return out


def write(name, payload):
    path = HERE / name
    text = json.dumps(payload, allow_nan=False, separators=(",", ":")) + "\n"
    size = len(text.encode())
    if size > 900_000:
        raise RuntimeError(f"{name} would be {size} bytes; keep golden files well under 1 MB")
    path.write_text(text)
    print(f"wrote {path} ({size / 1024:.1f} KiB)")


# ----------------------------------------------------------------------------- activations
# (id, keras function name, kwargs); evaluated on x and x_kinks
ACTIVATION_CASES = [
    ("linear", "linear", {}),
    ("sigmoid", "sigmoid", {}),
    ("hard_sigmoid", "hard_sigmoid", {}),
    ("tanh", "tanh", {}),
    ("relu", "relu", {}),
    ("relu_negative_slope", "relu", {"negative_slope": 0.1}),
    ("relu_max_value", "relu", {"max_value": 2.5}),
    ("relu_max_value_6", "relu", {"max_value": 6.0}),
    ("relu_threshold", "relu", {"threshold": 0.5}),
    ("relu_all", "relu", {"negative_slope": 0.1, "max_value": 4.0, "threshold": 0.5}),
    ("relu_slope_max", "relu", {"negative_slope": 0.3, "max_value": 2.5}),
    ("relu6", "relu6", {}),
    ("leaky_relu", "leaky_relu", {}),
    ("leaky_relu_0.05", "leaky_relu", {"negative_slope": 0.05}),
    ("elu", "elu", {}),
    ("elu_alpha", "elu", {"alpha": 0.5}),
    ("selu", "selu", {}),
    ("softplus", "softplus", {}),
    ("softsign", "softsign", {}),
    ("silu", "silu", {}),
    ("hard_silu", "hard_silu", {}),
    ("gelu", "gelu", {}),
    ("gelu_approximate", "gelu", {"approximate": True}),
    ("exponential", "exponential", {}),
    ("mish", "mish", {}),
    ("log_sigmoid", "log_sigmoid", {}),
    ("celu", "celu", {}),
    ("celu_alpha", "celu", {"alpha": 2.0}),
    ("hard_tanh", "hard_tanh", {}),
    ("tanh_shrink", "tanh_shrink", {}),
    ("squareplus", "squareplus", {}),
    ("squareplus_b", "squareplus", {"b": 1.0}),
]
# evaluated on the matrix x2d
ROW_CASES = [
    ("softmax", "softmax", {}),
    ("softmax_axis0", "softmax", {"axis": 0}),
    ("log_softmax", "log_softmax", {}),
    ("log_softmax_axis0", "log_softmax", {"axis": 0}),
]


def activation_inputs(rng):
    fixed = [-50, -20, -10, -5, -2.9, -2, -1.5, -0.7, -0.3, -0.05,
             0.05, 0.3, 0.7, 1.5, 2, 2.9, 5, 10, 20, 50]
    x = np.concatenate([np.array(fixed, np.float64), rng.normal(0.0, 2.0, 28)]).astype(np.float32)
    # kinks and thresholds of the piecewise activations used above
    kinks = np.array([-3, -1, 0, 0.5, 1, 2.5, 3, 4, 6], dtype=np.float32)
    rows = rng.normal(0.0, 2.0, (6, 5))
    rows[3] = [50, -50, 0, 10, 20]
    rows[4] = [0, 0, 0, 0, 0]
    rows[5] = [100, -100, 0, 20, 99.5]
    x2d = rows.astype(np.float32)
    return {"x": x, "x_kinks": kinks, "x2d": x2d}


def keras_vjp(fn, x, g, kwargs):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = fn(xt, **kwargs)
        s = tf.reduce_sum(y * tf.constant(g))
    return to_np(y), to_np(tape.gradient(s, xt))


def make_activations():
    rng = np.random.default_rng(DATA_SEED)
    inputs = activation_inputs(rng)
    upstream = {k: rng.normal(0.0, 1.0, v.shape).astype(np.float32) for k, v in inputs.items()}
    cases = []
    plan = [(c, ("x", "x_kinks")) for c in ACTIVATION_CASES] + [(c, ("x2d",)) for c in ROW_CASES]
    for (cid, fname, kwargs), input_names in plan:
        fn = getattr(keras.activations, fname)
        for iname in input_names:
            y, grad = keras_vjp(fn, inputs[iname], upstream[iname], kwargs)
            assert y.dtype == np.float32, (cid, y.dtype)
            # the same Keras function evaluated in float64 on the same (float32) numbers: where
            # TensorFlow's float32 result loses digits (cancellation), this says by how much
            y64, grad64 = keras_vjp(fn, inputs[iname].astype(np.float64),
                                    upstream[iname].astype(np.float64), kwargs)
            cases.append({
                "id": f"{cid}@{iname}",
                "function": fname,
                "kwargs": kwargs,
                "input": iname,
                "output": f32(y),
                "vjp": f32(grad),
                "output64": f64(y64),
                "vjp64": f64(grad64),
            })
    # aliases Keras resolves through keras.activations.get
    aliases = {name: keras.activations.serialize(keras.activations.get(name))
               for name in ("swish", "hard_swish", "silu", "hard_silu")}
    write("keras_activations.json", {
        "meta": meta(note="vjp = d sum(f(x) * g) / dx from tf.GradientTape, g = upstream[input]; "
                          "output64/vjp64: the same computed by Keras in float64"),
        "inputs": {k: f32(v) for k, v in inputs.items()},
        "upstream": {k: f32(v) for k, v in upstream.items()},
        "aliases": aliases,
        "cases": cases,
    })


# ----------------------------------------------------------------------------- losses
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight"]


def loss_inputs(rng):
    n = 6
    d = {}
    d["reg_true"] = rng.normal(0.0, 1.0, (n, 3))
    d["reg_pred"] = d["reg_true"] + rng.normal(0.0, 1.5, (n, 3))
    d["reg_pred"][0, 0] = d["reg_true"][0, 0] + 0.3  # |error| < delta region for Huber
    d["reg_pred"][1, 1] = d["reg_true"][1, 1] - 2.5  # |error| > delta
    d["reg_true_1d"] = rng.normal(0.0, 1.0, (n,))
    d["reg_pred_col"] = (d["reg_true_1d"] + rng.normal(0.0, 1.0, (n,)))[:, None]
    d["pos_true"] = rng.uniform(0.5, 3.0, (n, 3))
    d["pos_true"][0, 0] = 0.0  # msle / poisson at a zero target
    d["pos_pred"] = rng.uniform(0.1, 4.0, (n, 3))
    d["msle_pred"] = d["pos_pred"].copy()
    d["msle_pred"][2, 1] = -0.5  # msle clips negative predictions at epsilon
    d["mape_true"] = rng.uniform(0.5, 3.0, (n, 3)) * rng.choice([-1.0, 1.0], (n, 3))
    d["mape_pred"] = d["mape_true"] + rng.normal(0.0, 0.5, (n, 3))
    d["mape_true0"] = d["mape_true"].copy()
    d["mape_true0"][3, 2] = 0.0  # divided by epsilon
    # binary cross-entropy: probabilities incl. the clipping region
    d["bin_true"] = rng.integers(0, 2, (n, 3)).astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-rng.normal(0.0, 2.0, (n, 3))))
    p[0] = [0.0, 1.0, 1e-9]
    p[1] = [1.0 - 1e-9, 0.5, 2e-7]
    d["bin_true"][0] = [1.0, 0.0, 1.0]  # wrong side of the clip
    d["bin_true"][1] = [0.0, 1.0, 0.0]
    d["bin_pred"] = p
    d["bin_logits"] = rng.normal(0.0, 3.0, (n, 3))
    d["bin_logits"][0] = [50.0, -50.0, 0.0]
    d["bin_true_1d"] = rng.integers(0, 2, (n,)).astype(np.float64)
    d["bin_true_1d"][:2] = [1.0, 0.0]
    pc = 1.0 / (1.0 + np.exp(-rng.normal(0.0, 2.0, (n,))))
    pc[0] = 0.0
    pc[1] = 1e-3
    d["bin_pred_col"] = pc[:, None]
    # categorical: rows of probabilities incl. exact 0/1 and an unnormalised row
    labels = rng.integers(0, 4, (n,))
    labels[:3] = [1, 3, 0]
    d["cat_labels"] = labels
    d["cat_true"] = np.eye(4)[labels]
    z = rng.normal(0.0, 2.0, (n, 4))
    q = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    q[0] = [1.0, 0.0, 0.0, 0.0]  # true class 1 has probability 0
    q[1] = [0.0, 1e-9, 0.1, 1.0 - 0.1 - 1e-9]
    q[2] = [0.2, 0.3, 0.9, 0.1]  # does not sum to one
    d["cat_pred"] = q
    d["cat_logits"] = z
    d["cat_logits"][0] = [40.0, -40.0, 0.0, 5.0]
    # soft targets for KL divergence (incl. a zero)
    t = np.exp(rng.normal(0.0, 1.0, (n, 4)))
    t[0, 2] = 0.0
    d["soft_true"] = t / t.sum(axis=1, keepdims=True)
    d["soft_pred"] = q.copy()
    d["soft_pred"][0] = [0.97, 0.0, 0.01, 0.02]  # a zero: clipped at epsilon
    d["soft_pred"][1] = [1e-9, 0.3, 0.3, 0.4 - 1e-9]
    d["soft_pred"][2] = d["soft_pred"][2] / d["soft_pred"][2].sum()
    # hinge targets in {0, 1} and in {-1, 1}
    d["hinge_true01"] = rng.integers(0, 2, (n, 3)).astype(np.float64)
    d["hinge_truepm"] = 2.0 * d["hinge_true01"] - 1.0
    d["hinge_pred"] = rng.normal(0.0, 1.5, (n, 3))
    d["hinge_pred"][0] = [1.2, -0.8, 0.0]
    d["sample_weight"] = rng.uniform(0.2, 2.0, (n,))
    d["sample_weight"][4] = 0.0
    out = {}
    for k, v in d.items():
        out[k] = v.astype(np.int64) if k == "cat_labels" else v.astype(np.float32)
    return out


# (id, class name, kwargs, keras function, function kwargs, y_true key, y_pred key)
LOSS_CASES = [
    ("mse", "MeanSquaredError", {}, "mean_squared_error", {}, "reg_true", "reg_pred"),
    ("mse_1d_targets", "MeanSquaredError", {}, "mean_squared_error", {},
     "reg_true_1d", "reg_pred_col"),
    ("mae", "MeanAbsoluteError", {}, "mean_absolute_error", {}, "reg_true", "reg_pred"),
    ("mape", "MeanAbsolutePercentageError", {}, "mean_absolute_percentage_error", {},
     "mape_true", "mape_pred"),
    ("mape_zero_target", "MeanAbsolutePercentageError", {}, "mean_absolute_percentage_error",
     {}, "mape_true0", "mape_pred"),
    ("msle", "MeanSquaredLogarithmicError", {}, "mean_squared_logarithmic_error", {},
     "pos_true", "msle_pred"),
    ("huber", "Huber", {}, "huber", {}, "reg_true", "reg_pred"),
    ("huber_delta", "Huber", {"delta": 0.5}, "huber", {"delta": 0.5}, "reg_true", "reg_pred"),
    ("log_cosh", "LogCosh", {}, "log_cosh", {}, "reg_true", "reg_pred"),
    ("binary_crossentropy", "BinaryCrossentropy", {}, "binary_crossentropy", {},
     "bin_true", "bin_pred"),
    ("binary_crossentropy_1d_targets", "BinaryCrossentropy", {}, "binary_crossentropy", {},
     "bin_true_1d", "bin_pred_col"),
    ("binary_crossentropy_logits", "BinaryCrossentropy", {"from_logits": True},
     "binary_crossentropy", {"from_logits": True}, "bin_true", "bin_logits"),
    ("binary_crossentropy_smoothing", "BinaryCrossentropy", {"label_smoothing": 0.1},
     "binary_crossentropy", {"label_smoothing": 0.1}, "bin_true", "bin_pred"),
    ("binary_crossentropy_logits_smoothing", "BinaryCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, "binary_crossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, "bin_true", "bin_logits"),
    ("categorical_crossentropy", "CategoricalCrossentropy", {}, "categorical_crossentropy", {},
     "cat_true", "cat_pred"),
    ("categorical_crossentropy_logits", "CategoricalCrossentropy", {"from_logits": True},
     "categorical_crossentropy", {"from_logits": True}, "cat_true", "cat_logits"),
    ("categorical_crossentropy_smoothing", "CategoricalCrossentropy", {"label_smoothing": 0.1},
     "categorical_crossentropy", {"label_smoothing": 0.1}, "cat_true", "cat_pred"),
    ("categorical_crossentropy_logits_smoothing", "CategoricalCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, "categorical_crossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, "cat_true", "cat_logits"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {},
     "sparse_categorical_crossentropy", {}, "cat_labels", "cat_pred"),
    ("sparse_categorical_crossentropy_logits", "SparseCategoricalCrossentropy",
     {"from_logits": True}, "sparse_categorical_crossentropy", {"from_logits": True},
     "cat_labels", "cat_logits"),
    ("hinge", "Hinge", {}, "hinge", {}, "hinge_true01", "hinge_pred"),
    ("hinge_pm1", "Hinge", {}, "hinge", {}, "hinge_truepm", "hinge_pred"),
    ("squared_hinge", "SquaredHinge", {}, "squared_hinge", {}, "hinge_true01", "hinge_pred"),
    ("squared_hinge_pm1", "SquaredHinge", {}, "squared_hinge", {}, "hinge_truepm", "hinge_pred"),
    ("categorical_hinge", "CategoricalHinge", {}, "categorical_hinge", {},
     "cat_true", "cat_logits"),
    ("kl_divergence", "KLDivergence", {}, "kl_divergence", {}, "soft_true", "soft_pred"),
    ("poisson", "Poisson", {}, "poisson", {}, "pos_true", "pos_pred"),
    ("cosine_similarity", "CosineSimilarity", {}, "cosine_similarity", {},
     "reg_true", "reg_pred"),
]


def make_losses():
    rng = np.random.default_rng(DATA_SEED + 1)
    data = loss_inputs(rng)
    sw = data["sample_weight"]
    cases = []
    for cid, cls_name, kwargs, fn_name, fn_kwargs, t_key, p_key in LOSS_CASES:
        cls = getattr(keras.losses, cls_name)
        y_true = data[t_key]
        results = []
        for reduction in REDUCTIONS:
            for weighted in (False, True):
                entry = {"reduction": reduction, "weighted": weighted}
                for dtype in ("float32", "float64"):
                    loss = cls(reduction=reduction, dtype=dtype, **kwargs)
                    y_pred = tf.Variable(data[p_key].astype(dtype))
                    w = tf.constant(sw.astype(dtype)) if weighted else None
                    with tf.GradientTape() as tape:
                        value = loss(y_true, y_pred, sample_weight=w)
                    conv = f32 if dtype == "float32" else f64
                    suffix = "" if dtype == "float32" else "64"
                    entry["value" + suffix] = conv(to_np(value))
                    if reduction != "none":
                        entry["gradient" + suffix] = conv(to_np(tape.gradient(value, y_pred)))
                results.append(entry)
        try:
            per_sample = f32(to_np(getattr(keras.losses, fn_name)(
                y_true, tf.constant(data[p_key]), **fn_kwargs)))
        except ValueError:  # Keras's functions do not broadcast (n,) against (n, 1)
            per_sample = None
        cases.append({
            "id": cid,
            "class_name": cls_name,
            "kwargs": kwargs,
            "config": cls(**kwargs).get_config(),
            "init_params": init_params(cls),
            "function": fn_name,
            "function_kwargs": fn_kwargs,
            "y_true": t_key,
            "y_pred": p_key,
            "function_value": per_sample,
            "results": results,
        })
    aliases = {}
    for name in ("mse", "mae", "mape", "msle", "huber", "log_cosh", "logcosh",
                 "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "hinge", "squared_hinge",
                 "categorical_hinge", "kl_divergence", "kld", "poisson", "cosine_similarity"):
        try:
            obj = keras.losses.get(name)
        except ValueError:
            continue
        aliases[name] = getattr(obj, "__name__", type(obj).__name__)
    write("keras_losses.json", {
        "meta": meta(note="gradient = d value / d y_pred from tf.GradientTape; sample_weight "
                          "is data['sample_weight'] when weighted; value64/gradient64: the same "
                          "computed by Keras with dtype='float64' on the same numbers"),
        "data": {k: (v.tolist() if v.dtype.kind == "i" else f32(v)) for k, v in data.items()},
        "aliases": aliases,
        "cases": cases,
    })


# ----------------------------------------------------------------------------- initializers
# (id, string identifier or None, class name, kwargs, distribution kind)
INIT_CASES = [
    ("glorot_uniform", "glorot_uniform", None, {}, "uniform"),
    ("glorot_normal", "glorot_normal", None, {}, "truncated_normal"),
    ("he_normal", "he_normal", None, {}, "truncated_normal"),
    ("he_uniform", "he_uniform", None, {}, "uniform"),
    ("lecun_normal", "lecun_normal", None, {}, "truncated_normal"),
    ("lecun_uniform", "lecun_uniform", None, {}, "uniform"),
    ("random_normal", "random_normal", None, {}, "normal"),
    ("random_normal_args", None, "RandomNormal", {"mean": 0.5, "stddev": 0.2}, "normal"),
    ("random_uniform", "random_uniform", None, {}, "uniform"),
    ("random_uniform_args", None, "RandomUniform", {"minval": -0.3, "maxval": 0.1}, "uniform"),
    ("truncated_normal", "truncated_normal", None, {}, "truncated_normal"),
    ("truncated_normal_args", None, "TruncatedNormal", {"mean": 0.1, "stddev": 0.3},
     "truncated_normal"),
    ("variance_scaling", "variance_scaling", None, {}, "truncated_normal"),
    ("variance_scaling_fan_out_uniform", None, "VarianceScaling",
     {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}, "uniform"),
    ("variance_scaling_fan_avg_untruncated", None, "VarianceScaling",
     {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}, "normal"),
    ("variance_scaling_fan_in_truncated", None, "VarianceScaling",
     {"scale": 3.0, "mode": "fan_in", "distribution": "truncated_normal"}, "truncated_normal"),
    ("orthogonal", "orthogonal", None, {}, "orthogonal"),
    ("orthogonal_gain", None, "Orthogonal", {"gain": 2.0}, "orthogonal"),
    ("identity", "identity", None, {}, "exact"),
    ("identity_gain", None, "Identity", {"gain": 0.5}, "exact"),
    ("zeros", "zeros", None, {}, "exact"),
    ("ones", "ones", None, {}, "exact"),
    ("constant", None, "Constant", {"value": 0.7}, "exact"),
]
INIT_SHAPE = (400, 300)


def make_initializers():
    cases = []
    for i, (cid, identifier, cls_name, kwargs, kind) in enumerate(INIT_CASES):
        if identifier is not None:
            obj = keras.initializers.get(identifier)
        else:
            obj = getattr(keras.initializers, cls_name)(**kwargs)
        config = obj.get_config()
        takes_seed = "seed" in config
        if takes_seed:
            seeded = type(obj)(**{**config, "seed": 1000 + i})
        else:
            seeded = obj
        w = to_np(seeded(INIT_SHAPE, dtype="float32")).astype(np.float64)
        entry = {
            "id": cid,
            "identifier": identifier,
            "class_name": type(obj).__name__,
            "kwargs": kwargs,
            "config": config,
            "init_params": init_params(type(obj)),
            "kind": kind,
            "stats": {"mean": float(w.mean()), "std": float(w.std()),
                      "min": float(w.min()), "max": float(w.max())},
        }
        if kind == "orthogonal":
            gram = w.T @ w
            entry["gram_max_abs_error"] = float(np.abs(gram - np.diag(np.diag(gram))).max())
            entry["gram_diag_mean"] = float(np.diag(gram).mean())
        cases.append(entry)
    write("keras_initializers.json", {
        "meta": meta(note="stats of one seeded draw of shape 'shape' (float32, "
                          "statistics in float64)"),
        "shape": list(INIT_SHAPE),
        "cases": cases,
    })


# ----------------------------------------------------------------------------- training
N_SAMPLES, N_FEATURES = 40, 4


def training_datasets(rng):
    x = rng.normal(0.0, 1.0, (N_SAMPLES, N_FEATURES))
    w = np.array([0.5, -1.0, 0.25, 1.5])
    lin = x @ w
    noise = rng.normal(0.0, 0.1, N_SAMPLES)
    d = {"x": x}
    d["regression"] = (0.5 * lin + noise)[:, None]
    w2 = rng.normal(0.0, 1.0, (N_FEATURES, 2))
    d["regression2"] = x @ w2 * 0.5 + rng.normal(0.0, 0.1, (N_SAMPLES, 2))
    w3 = rng.normal(0.0, 1.0, (N_FEATURES, 3))
    d["regression3"] = x @ w3 * 0.5 + rng.normal(0.0, 0.1, (N_SAMPLES, 3))
    d["positive"] = np.exp(0.3 * lin + noise)[:, None]
    d["binary"] = (lin + 0.3 * rng.normal(0.0, 1.0, N_SAMPLES) > 0).astype(np.float64)
    d["binary_col"] = d["binary"][:, None].copy()
    d["hinge_pm1"] = 2.0 * d["binary_col"] - 1.0
    scores = x @ rng.normal(0.0, 1.0, (N_FEATURES, 3)) + 0.3 * rng.normal(0.0, 1.0, (N_SAMPLES, 3))
    labels = scores.argmax(axis=1)
    d["labels"] = labels
    d["onehot"] = np.eye(3)[labels]
    soft = np.exp(scores)
    d["soft"] = soft / soft.sum(axis=1, keepdims=True)
    d["sample_weight"] = rng.uniform(0.25, 2.0, N_SAMPLES)
    # the course's worked example (one sample, 2 inputs, 2 outputs)
    d["worked_x"] = np.array([[0.05, 0.10]])
    d["worked_y"] = np.array([[0.01, 0.99]])
    out = {}
    for k, v in d.items():
        out[k] = v.astype(np.int64) if k == "labels" else v.astype(np.float32)
    return out


def mlp(hidden="relu", out_units=1, out_act="linear", **extra):
    layers = [{"class_name": "Dense", "units": 8, "activation": hidden}]
    if extra.get("dropout0"):
        layers.append({"class_name": "Dropout", "rate": 0.0})
    layers.append({"class_name": "Dense", "units": out_units, "activation": out_act})
    if extra.get("kernel_regularizer"):
        for layer in layers:
            if layer["class_name"] == "Dense":
                layer["kernel_regularizer"] = extra["kernel_regularizer"]
    return {"input_shape": [N_FEATURES], "layers": layers}


def opt(class_name, **kwargs):
    return (class_name, kwargs)


def case(cid, *, y, model, optimizer=("SGD", {}), loss="mse", metrics=("mae",), batch_size=8,
         epochs=3, sample_weight=False, class_weight=None, x="x"):
    return {"id": cid, "x": x, "y": y, "model": model, "optimizer": optimizer, "loss": loss,
            "metrics": list(metrics), "batch_size": batch_size, "epochs": epochs,
            "sample_weight": sample_weight, "class_weight": class_weight}


def loss_spec(class_name, **kwargs):
    return {"class_name": class_name, "config": kwargs}


def training_cases():
    reg = mlp("tanh", 1, "linear")
    cases = []
    # --- optimizers: defaults and a non-default variant, on a tanh -> linear regression
    for cid, o, bs in [
        ("sgd", opt("SGD"), 8),
        ("sgd_lr", opt("SGD", learning_rate=0.1), 16),
        ("sgd_momentum", opt("SGD", learning_rate=0.05, momentum=0.5), 8),
        ("sgd_nesterov", opt("SGD", learning_rate=0.05, momentum=0.9, nesterov=True), 16),
        ("rmsprop", opt("RMSprop"), 8),
        ("rmsprop_centered_momentum",
         opt("RMSprop", learning_rate=0.01, rho=0.8, momentum=0.5, centered=True), 16),
        ("adam", opt("Adam"), 8),
        ("adam_amsgrad", opt("Adam", learning_rate=0.01, beta_1=0.8, beta_2=0.9,
                                         amsgrad=True), 16),
        ("adam_weight_decay", opt("Adam", learning_rate=0.01, weight_decay=0.05), 8),
        ("adamw", opt("AdamW"), 8),
        ("adamw_args", opt("AdamW", learning_rate=0.01, weight_decay=0.1,
                                        beta_2=0.95, amsgrad=True), 16),
        ("adagrad", opt("Adagrad"), 8),
        ("adagrad_args", opt("Adagrad", learning_rate=0.1, initial_accumulator_value=0.5), 16),
        ("adadelta", opt("Adadelta"), 8),
        ("adadelta_lr1", opt("Adadelta", learning_rate=1.0, rho=0.9), 16),
        ("adamax", opt("Adamax"), 8),
        ("adamax_args", opt("Adamax", learning_rate=0.02, beta_2=0.99), 16),
        ("nadam", opt("Nadam"), 8),
        ("nadam_args", opt("Nadam", learning_rate=0.01, beta_1=0.8), 16),
        ("lion", opt("Lion"), 8),
        ("lion_args", opt("Lion", learning_rate=0.003, beta_1=0.95, beta_2=0.98), 16),
        ("ftrl", opt("Ftrl"), 8),
        ("ftrl_args", opt("Ftrl", learning_rate=0.1, learning_rate_power=-0.7,
                          initial_accumulator_value=0.2, l1_regularization_strength=0.01,
                          l2_regularization_strength=0.01,
                          l2_shrinkage_regularization_strength=0.01, beta=0.5), 16),
        ("sgd_clipnorm", opt("SGD", learning_rate=0.1, clipnorm=0.1), 8),
        ("sgd_clipvalue", opt("SGD", learning_rate=0.1, clipvalue=0.02), 8),
        ("adam_clipvalue", opt("Adam", learning_rate=0.01, clipvalue=0.01), 16),
        ("sgd_global_clipnorm", opt("SGD", learning_rate=0.1, global_clipnorm=0.2), 8),
        ("rmsprop_global_clipnorm", opt("RMSprop", learning_rate=0.01, global_clipnorm=0.1), 16),
        ("sgd_exponential_decay", opt("SGD", learning_rate=("ExponentialDecay", {
            "initial_learning_rate": 0.2, "decay_steps": 3, "decay_rate": 0.5})), 8),
        ("adam_exponential_decay_staircase", opt("Adam", learning_rate=("ExponentialDecay", {
            "initial_learning_rate": 0.02, "decay_steps": 2, "decay_rate": 0.7,
            "staircase": True})), 16),
    ]:
        cases.append(case(f"opt_{cid}", y="regression", model=reg, optimizer=o, batch_size=bs,
                          metrics=("mae", "mse")))
    adam = opt("Adam", learning_rate=0.01)
    sgd = opt("SGD", learning_rate=0.1)
    # --- losses with a fitting output activation and targets
    cases += [
        case("loss_mse", y="regression", model=mlp("relu", 1, "linear"), optimizer=sgd,
             loss="mse", metrics=("mae",)),
        case("loss_mae", y="regression2", model=mlp("tanh", 2, "linear"), optimizer=adam,
             loss="mae", metrics=("mse",), batch_size=16),
        case("loss_mape", y="positive", model=mlp("tanh", 1, "linear"), optimizer=adam,
             loss="mape", metrics=("mae",)),
        case("loss_msle", y="positive", model=mlp("relu", 1, "softplus"), optimizer=adam,
             loss="msle", metrics=("mae",), batch_size=16),
        case("loss_huber", y="regression2", model=mlp("elu", 2, "linear"), optimizer=sgd,
             loss="huber", metrics=("mae",)),
        case("loss_huber_delta", y="regression2", model=mlp("tanh", 2, "linear"), optimizer=sgd,
             loss=loss_spec("Huber", delta=0.3), metrics=("mae",), batch_size=16),
        case("loss_log_cosh", y="regression2", model=mlp("tanh", 2, "linear"), optimizer=sgd,
             loss="log_cosh", metrics=("mse",)),
        case("loss_binary_crossentropy", y="binary", model=mlp("relu", 1, "sigmoid"),
             optimizer=sgd, loss="binary_crossentropy", metrics=("accuracy",)),
        case("loss_binary_crossentropy_col16", y="binary_col", model=mlp("tanh", 1, "sigmoid"),
             optimizer=adam, loss="binary_crossentropy", metrics=("accuracy",), batch_size=16),
        case("loss_binary_crossentropy_logits", y="binary", model=mlp("tanh", 1, "linear"),
             optimizer=adam, loss=loss_spec("BinaryCrossentropy", from_logits=True),
             metrics=(), batch_size=16),
        case("loss_binary_crossentropy_smoothing", y="binary", model=mlp("relu", 1, "sigmoid"),
             optimizer=adam, loss=loss_spec("BinaryCrossentropy", label_smoothing=0.1),
             metrics=("accuracy",)),
        case("loss_categorical_crossentropy", y="onehot", model=mlp("relu", 3, "softmax"),
             optimizer=sgd, loss="categorical_crossentropy", metrics=("accuracy",)),
        case("loss_categorical_crossentropy16", y="onehot", model=mlp("tanh", 3, "softmax"),
             optimizer=adam, loss="categorical_crossentropy", metrics=("accuracy",),
             batch_size=16),
        case("loss_categorical_crossentropy_logits", y="onehot", model=mlp("tanh", 3, "linear"),
             optimizer=adam, loss=loss_spec("CategoricalCrossentropy", from_logits=True),
             metrics=(), batch_size=16),
        case("loss_categorical_crossentropy_smoothing", y="onehot",
             model=mlp("relu", 3, "softmax"), optimizer=sgd,
             loss=loss_spec("CategoricalCrossentropy", label_smoothing=0.1),
             metrics=("accuracy",)),
        case("loss_sparse_categorical_crossentropy", y="labels", model=mlp("relu", 3, "softmax"),
             optimizer=sgd, loss="sparse_categorical_crossentropy", metrics=("accuracy",)),
        case("loss_sparse_categorical_crossentropy_logits16", y="labels",
             model=mlp("tanh", 3, "linear"), optimizer=adam,
             loss=loss_spec("SparseCategoricalCrossentropy", from_logits=True),
             metrics=(), batch_size=16),
        case("loss_hinge", y="hinge_pm1", model=mlp("tanh", 1, "linear"), optimizer=sgd,
             loss="hinge", metrics=()),
        case("loss_hinge01", y="binary_col", model=mlp("relu", 1, "tanh"), optimizer=sgd,
             loss="hinge", metrics=(), batch_size=16),
        case("loss_squared_hinge", y="hinge_pm1", model=mlp("tanh", 1, "linear"), optimizer=sgd,
             loss="squared_hinge", metrics=()),
        case("loss_categorical_hinge", y="onehot", model=mlp("tanh", 3, "linear"),
             optimizer=sgd, loss="categorical_hinge", metrics=(), batch_size=16),
        case("loss_kl_divergence", y="soft", model=mlp("tanh", 3, "softmax"), optimizer=adam,
             loss="kl_divergence", metrics=()),
        case("loss_poisson", y="positive", model=mlp("tanh", 1, "softplus"), optimizer=adam,
             loss="poisson", metrics=("mae",)),
        case("loss_cosine_similarity", y="regression3", model=mlp("tanh", 3, "linear"),
             optimizer=adam, loss="cosine_similarity", metrics=(), batch_size=16),
    ]
    # --- hidden activations
    for act in ("relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "leaky_relu"):
        cases.append(case(f"hidden_{act}", y="regression", model=mlp(act, 1, "linear"),
                          optimizer=sgd, loss="mse", metrics=("mae", "mse"), batch_size=16))
    # --- metrics, regularisation, dropout (rate 0), weights
    cases += [
        case("metric_named_accuracies", y="binary", model=mlp("relu", 1, "sigmoid"),
             optimizer=sgd, loss="binary_crossentropy",
             metrics=("binary_accuracy", "mse")),
        case("metric_categorical_accuracy", y="onehot", model=mlp("relu", 3, "softmax"),
             optimizer=sgd, loss="categorical_crossentropy",
             metrics=("categorical_accuracy", "mae"), batch_size=16),
        case("metric_sparse_categorical_accuracy", y="labels", model=mlp("relu", 3, "softmax"),
             optimizer=sgd, loss="sparse_categorical_crossentropy",
             metrics=("sparse_categorical_accuracy",), batch_size=16),
        case("regularizer_l2", y="regression", model=mlp(
            "relu", 1, "linear", kernel_regularizer={"class_name": "L2",
                                                     "config": {"l2": 0.05}}),
             optimizer=sgd, loss="mse", metrics=("mae",)),
        case("regularizer_l1", y="binary", model=mlp(
            "tanh", 1, "sigmoid", kernel_regularizer={"class_name": "L1",
                                                      "config": {"l1": 0.01}}),
             optimizer=adam, loss="binary_crossentropy", metrics=("accuracy",), batch_size=16),
        case("dropout_rate0", y="regression", model=mlp("relu", 1, "linear", dropout0=True),
             optimizer=adam, loss="mse", metrics=("mae",)),
        case("sample_weight", y="regression", model=mlp("tanh", 1, "linear"), optimizer=sgd,
             loss="mse", metrics=("mae",), sample_weight=True, batch_size=16),
        case("sample_weight_binary", y="binary", model=mlp("relu", 1, "sigmoid"), optimizer=adam,
             loss="binary_crossentropy", metrics=("accuracy",), sample_weight=True),
        case("class_weight_binary", y="binary", model=mlp("relu", 1, "sigmoid"), optimizer=sgd,
             loss="binary_crossentropy", metrics=("accuracy",),
             class_weight={"0": 0.5, "1": 2.0}),
        case("class_weight_categorical", y="onehot", model=mlp("tanh", 3, "softmax"),
             optimizer=adam, loss="categorical_crossentropy", metrics=("accuracy",),
             class_weight={"0": 1.0, "1": 3.0, "2": 0.5}, batch_size=16),
    ]
    # --- the course's worked example: one SGD step on one sample
    worked = {"input_shape": [2], "layers": [
        {"class_name": "Dense", "units": 2, "activation": "sigmoid"},
        {"class_name": "Dense", "units": 2, "activation": "sigmoid"}]}
    c = case("worked_example", x="worked_x", y="worked_y", model=worked,
             optimizer=opt("SGD", learning_rate=0.5), loss="mse", metrics=(), batch_size=1,
             epochs=1)
    c["initial_weights_override"] = [
        [[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35], [[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60]]
    c["expected_course_weights"] = {"w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270,
                                    "w8": 0.561370121, "w1": 0.149780716}
    cases.append(c)
    return cases


def build_keras_model(spec):
    layers = [keras.Input(tuple(spec["input_shape"]))]
    for layer in spec["layers"]:
        if layer["class_name"] == "Dense":
            reg = layer.get("kernel_regularizer")
            layers.append(keras.layers.Dense(
                layer["units"], activation=layer["activation"],
                kernel_regularizer=keras.regularizers.deserialize(reg) if reg else None))
        elif layer["class_name"] == "Dropout":
            layers.append(keras.layers.Dropout(layer["rate"]))
        else:
            raise ValueError(layer)
    return keras.Sequential(layers)


def build_optimizer(spec):
    name, kwargs = spec
    kwargs = dict(kwargs)
    lr = kwargs.get("learning_rate")
    if isinstance(lr, tuple):
        kwargs["learning_rate"] = getattr(keras.optimizers.schedules, lr[0])(**lr[1])
    return getattr(keras.optimizers, name)(**kwargs)


def build_loss(spec):
    if isinstance(spec, str):
        return spec
    return getattr(keras.losses, spec["class_name"])(**spec["config"])


def run_case(index, c, data, rng):
    keras.utils.set_random_seed(WEIGHT_SEED + index)
    model = build_keras_model(c["model"])
    if "initial_weights_override" in c:
        model.set_weights([np.array(w, np.float32) for w in c.pop("initial_weights_override")])
    else:
        # non-zero biases so that bias handling is exercised from the first step
        model.set_weights([w if w.ndim > 1 else rng.normal(0.0, 0.1, w.shape).astype(np.float32)
                           for w in model.get_weights()])
    initial = [w.copy() for w in model.get_weights()]
    initial_predict = model.predict(data[c["x"]], verbose=0)
    optimizer = build_optimizer(c.pop("optimizer"))
    loss = build_loss(c["loss"])
    model.compile(optimizer=optimizer, loss=loss, metrics=list(c["metrics"]), jit_compile=False)
    x, y = data[c["x"]], data[c["y"]]
    fit_kwargs = {}
    if c["sample_weight"]:
        fit_kwargs["sample_weight"] = data["sample_weight"]
    if c["class_weight"]:
        fit_kwargs["class_weight"] = {int(k): float(v) for k, v in c["class_weight"].items()}
    history = model.fit(x, y, batch_size=c["batch_size"], epochs=c["epochs"], shuffle=False,
                        verbose=0, **fit_kwargs).history
    ev_kwargs = {"sample_weight": data["sample_weight"]} if c["sample_weight"] else {}
    evaluate = model.evaluate(x, y, verbose=0, return_dict=True, **ev_kwargs)
    predict = model.predict(x, verbose=0)
    c["compile"] = {
        "optimizer": keras.optimizers.serialize(optimizer),
        "loss": c.pop("loss"),
        "loss_config": model.loss.get_config() if hasattr(model.loss, "get_config") else None,
        "metrics": c.pop("metrics"),
    }
    c["fit"] = {"batch_size": c.pop("batch_size"), "epochs": c.pop("epochs"), "shuffle": False,
                "sample_weight": c.pop("sample_weight"), "class_weight": c.pop("class_weight")}
    c["evaluate_with_sample_weight"] = bool(ev_kwargs)
    c["steps_per_epoch"] = int(np.ceil(len(x) / c["fit"]["batch_size"]))
    c["optimizer_iterations"] = int(to_np(optimizer.iterations))
    c["initial_weights"] = [f32(w) for w in initial]
    c["history"] = {k: [f32(v) for v in vals] for k, vals in history.items()}
    c["final_weights"] = [f32(w) for w in model.get_weights()]
    c["evaluate"] = {k: f32(v) for k, v in evaluate.items()}
    c["initial_predict"] = f32(initial_predict)
    c["predict"] = f32(predict)
    return model


def check_worked_example(c):
    k1, _, k2, _ = c["final_weights"]
    got = {"w5": k2[0][0], "w6": k2[1][0], "w7": k2[0][1], "w8": k2[1][1], "w1": k1[0][0]}
    for name, want in c["expected_course_weights"].items():
        if abs(got[name] - want) > 2e-7:
            raise AssertionError(f"worked example: Keras gives {name} = {got[name]}, "
                                 f"the course says {want}")
    print("worked example: Keras reproduces the course's w1, w5..w8")


def make_training():
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(DATA_SEED + 2)
    data = training_datasets(rng)
    bias_rng = np.random.default_rng(DATA_SEED + 3)
    cases = training_cases()
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for i, c in enumerate(cases):
        run_case(i, c, data, bias_rng)
        if c["id"] == "worked_example":
            check_worked_example(c)
        keras.backend.clear_session()
    write("keras_training.json", {
        "meta": meta(weight_seed=WEIGHT_SEED, jit_compile=False, op_determinism=True,
                     note="Sequential([Input(input_shape), Dense..]); biases drawn from "
                          "N(0, 0.1) so they start non-zero; evaluate/predict use the default "
                          "batch_size (32)"),
        "data": {k: (v.tolist() if v.dtype.kind == "i" else f32(v)) for k, v in data.items()},
        "cases": cases,
    })


# ----------------------------------------------------------------------------- main
MAKERS = {"activations": make_activations, "losses": make_losses,
          "initializers": make_initializers, "training": make_training}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(MAKERS), default=list(MAKERS))
    args = parser.parse_args(argv)
    for name in args.only:
        MAKERS[name]()


if __name__ == "__main__":
    main()
