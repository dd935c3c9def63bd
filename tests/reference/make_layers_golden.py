"""Write ``keras_layers.json``: Keras 3's numbers for the activation, normalization, noise,
shape and embedding layers and the constraints, which tests/test_layers_golden.py compares against.

Run with the reference interpreter (Keras 3 on TensorFlow), never with glassnet's venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 /work/refenv/bin/python tests/reference/make_layers_golden.py

Contents:

* ``forward``: for each case a layer built from its config, given fixed weights, called on a
  fixed input (inference, and training where the two differ); the output, the weights after
  the call (BatchNormalization's moving statistics), ``layer.losses`` and ``get_config()``.
* ``constraints``: each constraint applied to a fixed array, and its config.
* ``files``: two Keras-saved models that use the new layers, written to
  ``keras_files/layers_mix`` and ``keras_files/layers_bag`` (``.keras`` and legacy ``.h5``),
  with their inputs, predictions and weights.
* ``training``: 3-epoch ``fit(shuffle=False)`` runs of small Sequential models from fixed initial
  weights: the initial and final weights (BatchNormalization's moving statistics included) and
  the per-epoch losses.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import json  # noqa: E402
import platform  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA_SEED = 20261204


def f32(a):
    """float32 array -> nested lists of the shortest decimals that round-trip in float32."""
    arr = np.asarray(a, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"non-finite value in golden data: {arr}")
    flat = [float(str(v)) for v in arr.ravel()]
    if arr.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def jsonable(obj):
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


rng = np.random.default_rng(DATA_SEED)


def normal(*shape, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(np.float32)


# ----------------------------------------------------------------------------- forward cases
# (id, class name, config, input, weights or None, modes)
def forward_cases():
    x2 = normal(4, 5)
    x3 = normal(3, 4, 5)
    x4 = normal(2, 3, 3, 4)
    xpos = np.abs(normal(4, 5)) + 0.1
    ints = rng.integers(0, 10, size=(3, 6)).astype(np.int64)
    ints[0, 4:] = 0
    return [
        ("relu", "ReLU", {}, x2, None, ["inference"]),
        ("relu_options", "ReLU", {"max_value": 1.0, "negative_slope": 0.2, "threshold": 0.3}, x2, None,
         ["inference"]),
        ("leaky_relu_default", "LeakyReLU", {}, x2, None, ["inference"]),
        ("leaky_relu", "LeakyReLU", {"negative_slope": 0.05}, x2, None, ["inference"]),
        ("elu", "ELU", {"alpha": 0.7}, x2, None, ["inference"]),
        ("softmax", "Softmax", {}, x2, None, ["inference"]),
        ("softmax_axis1", "Softmax", {"axis": 1}, x3, None, ["inference"]),
        ("prelu", "PReLU", {}, x3, [normal(4, 5, scale=0.3)], ["inference"]),
        ("prelu_shared", "PReLU", {"shared_axes": [1]}, x3, [normal(1, 5, scale=0.3)], ["inference"]),
        ("batch_norm", "BatchNormalization", {},
         x2 * 2 + 1, [normal(5) + 1, normal(5), normal(5), np.abs(normal(5)) + 0.5], ["inference", "training"]),
        ("batch_norm_options", "BatchNormalization", {"momentum": 0.8, "epsilon": 0.01, "center": False},
         x4, [normal(4) + 1, normal(4), np.abs(normal(4)) + 0.5], ["inference", "training"]),
        ("batch_norm_axis1", "BatchNormalization", {"axis": 1},
         x3, [normal(4) + 1, normal(4), normal(4), np.abs(normal(4)) + 0.5], ["inference", "training"]),
        ("layer_norm", "LayerNormalization", {}, x2 * 3, [normal(5) + 1, normal(5)], ["inference"]),
        ("layer_norm_axes", "LayerNormalization", {"axis": [1, 2], "epsilon": 0.01},
         x3, [normal(4, 5) + 1, normal(4, 5)], ["inference"]),
        ("layer_norm_no_center", "LayerNormalization", {"center": False}, x3, [normal(5) + 1], ["inference"]),
        ("unit_norm", "UnitNormalization", {}, x2, None, ["inference"]),
        ("unit_norm_axes", "UnitNormalization", {"axis": [1, 2]}, x3, None, ["inference"]),
        ("gaussian_noise", "GaussianNoise", {"stddev": 0.3, "seed": 1}, x2, None, ["inference"]),
        ("gaussian_dropout", "GaussianDropout", {"rate": 0.3, "seed": 1}, x2, None, ["inference"]),
        ("alpha_dropout", "AlphaDropout", {"rate": 0.3, "seed": 1}, x2, None, ["inference"]),
        ("spatial_dropout1d", "SpatialDropout1D", {"rate": 0.3, "seed": 1}, x3, None, ["inference"]),
        ("spatial_dropout2d", "SpatialDropout2D", {"rate": 0.3, "seed": 1}, x4, None, ["inference"]),
        ("activity_regularization", "ActivityRegularization", {"l1": 0.01, "l2": 0.02}, x2, None,
         ["inference"]),
        ("reshape", "Reshape", {"target_shape": (2, -1)}, x3, None, ["inference"]),
        ("permute", "Permute", {"dims": (2, 1)}, x3, None, ["inference"]),
        ("repeat_vector", "RepeatVector", {"n": 3}, x2, None, ["inference"]),
        ("rescaling", "Rescaling", {"scale": 1.0 / 255, "offset": -0.5}, xpos * 100, None, ["inference"]),
        ("embedding", "Embedding", {"input_dim": 10, "output_dim": 3}, ints, [normal(10, 3)], ["inference"]),
        ("global_avg_pool1d", "GlobalAveragePooling1D", {}, x3, None, ["inference"]),
        ("global_avg_pool1d_cf", "GlobalAveragePooling1D", {"data_format": "channels_first", "keepdims": True},
         x3, None, ["inference"]),
        ("global_max_pool1d", "GlobalMaxPooling1D", {}, x3, None, ["inference"]),
        ("global_max_pool1d_keepdims", "GlobalMaxPooling1D", {"keepdims": True}, x3, None, ["inference"]),
    ]


def make_forward():
    out = []
    for case_id, cls_name, cfg, x, weights, modes in forward_cases():
        cls = getattr(keras.layers, cls_name)
        entry = {"id": case_id, "class_name": cls_name, "init": jsonable(cfg),
                 "input": x.tolist() if x.dtype.kind in "iu" else f32(x),
                 "weights": [f32(w) for w in weights] if weights is not None else None}
        for mode in modes:
            layer = cls(**cfg)
            layer.build((None,) + x.shape[1:])
            if weights is not None:
                layer.set_weights(weights)
            y = layer(x, training=(mode == "training"))
            entry[mode] = {
                "output": f32(y),
                "weights_after": [f32(w) for w in layer.get_weights()],
                "losses": [float(l) for l in layer.losses],
            }
            entry["config"] = jsonable(layer.get_config())
        out.append(entry)
    return out


def make_constraints():
    w = normal(4, 3, scale=1.5)
    w4 = normal(2, 2, 3, 2)
    cases = [
        ("max_norm", "MaxNorm", {}, w), ("max_norm_axis1", "MaxNorm", {"max_value": 0.5, "axis": 1}, w),
        ("min_max_norm", "MinMaxNorm", {"min_value": 1.5, "max_value": 2.5}, w),
        ("min_max_norm_rate", "MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "rate": 0.3}, w),
        ("non_neg", "NonNeg", {}, w), ("unit_norm", "UnitNorm", {}, w),
        ("unit_norm_axes", "UnitNorm", {"axis": [0, 1, 2]}, w4),
        ("max_norm_axes", "MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}, w4),
    ]
    out = []
    for case_id, cls_name, cfg, arr in cases:
        c = getattr(keras.constraints, cls_name)(**cfg)
        out.append({"id": case_id, "class_name": cls_name, "init": cfg, "input": f32(arr),
                    "output": f32(c(arr)), "config": jsonable(c.get_config())})
    return out


# ----------------------------------------------------------------------------- training runs
def training_runs():
    x = normal(32, 4)
    y_reg = (x @ normal(4, 1) + 0.3 * normal(32, 1)).astype(np.float32)
    labels = rng.integers(0, 3, size=32)
    y_cat = np.eye(3, dtype=np.float32)[labels]
    tokens = rng.integers(0, 12, size=(32, 5)).astype(np.int64)
    y_bin = (tokens[:, 0] < 6).astype(np.float32)[:, None]
    return [
        {"id": "batch_norm", "x": x, "y": y_reg, "loss": "mse",
         "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9}},
         "layers": [("Dense", {"units": 6}), ("BatchNormalization", {"momentum": 0.9}), ("ReLU", {}),
                    ("Dense", {"units": 1})]},
        {"id": "batch_norm_adam", "x": x, "y": y_cat, "loss": "categorical_crossentropy",
         "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.01}},
         # no bias before BatchNormalization: its gradient is 0 up to rounding noise, which Adam's
         # m / sqrt(v) would blow up to full-size steps that no two implementations share
         "layers": [("Dense", {"units": 6, "use_bias": False}), ("BatchNormalization", {}),
                    ("Dense", {"units": 3, "activation": "softmax"})]},
        {"id": "layer_norm", "x": x, "y": y_cat, "loss": "categorical_crossentropy",
         "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.01}},
         "layers": [("Dense", {"units": 6}), ("LayerNormalization", {}), ("Dense", {"units": 3}),
                    ("Softmax", {})]},
        {"id": "prelu", "x": x, "y": y_reg, "loss": "mse",
         "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.05}},
         "layers": [("Dense", {"units": 6}), ("PReLU", {"alpha_initializer": {"class_name": "Constant",
                                                                              "config": {"value": 0.25}}}),
                    ("Dense", {"units": 1})]},
        # SGD: TensorFlow hands Adam the embedding gradient as IndexedSlices and squares each
        # occurrence of a repeated index before summing them (v gets sum g_i^2, not (sum g_i)^2);
        # glassnet's dense gradient gives (sum g_i)^2, so only optimizers linear in g agree
        {"id": "embedding", "x": tokens, "y": y_bin, "loss": "binary_crossentropy",
         "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}},
         "layers": [("Embedding", {"input_dim": 12, "output_dim": 4}), ("GlobalAveragePooling1D", {}),
                    ("Dense", {"units": 1, "activation": "sigmoid"})]},
        {"id": "constrained_dense", "x": x, "y": y_reg * 3, "loss": "mse",
         "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.1}},
         "layers": [("Dense", {"units": 5, "activation": "tanh",
                               "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 0.8, "axis": 0}},
                               "bias_constraint": {"class_name": "NonNeg", "config": {}}}),
                    ("Dense", {"units": 1, "kernel_constraint": {"class_name": "UnitNorm", "config": {"axis": 0}}})]},
    ]


def build_layer(name, cfg):
    cfg = dict(cfg)
    for key in ("kernel_constraint", "bias_constraint"):
        if isinstance(cfg.get(key), dict):
            cfg[key] = keras.constraints.deserialize(cfg[key])
    if isinstance(cfg.get("alpha_initializer"), dict):
        cfg["alpha_initializer"] = keras.initializers.deserialize(cfg["alpha_initializer"])
    return getattr(keras.layers, name)(**cfg)


def make_training():
    out = []
    for run in training_runs():
        keras.utils.set_random_seed(7)
        model = keras.Sequential([keras.Input(shape=run["x"].shape[1:], dtype="int32" if run["x"].dtype.kind == "i"
                                              else "float32")]
                                 + [build_layer(n, c) for n, c in run["layers"]])
        # fixed, random-looking initial weights (BatchNormalization keeps its own initial statistics)
        initial = []
        for w in model.get_weights():
            initial.append(w if w.ndim == 1 and np.all((w == 0) | (w == 1)) else normal(*w.shape, scale=0.4))
        initial = [w.astype(np.float32) for w in initial]
        model.set_weights(initial)
        opt = keras.optimizers.deserialize({"class_name": run["optimizer"]["class_name"],
                                            "config": run["optimizer"]["config"]})
        model.compile(optimizer=opt, loss=run["loss"])
        hist = model.fit(run["x"], run["y"], epochs=3, batch_size=8, shuffle=False, verbose=0)
        out.append({
            "id": run["id"],
            "x": run["x"].tolist() if run["x"].dtype.kind == "i" else f32(run["x"]),
            "y": f32(run["y"]), "loss": run["loss"], "optimizer": run["optimizer"],
            "layers": [[n, jsonable(c)] for n, c in run["layers"]],
            "initial_weights": [f32(w) for w in initial],
            "final_weights": [f32(w) for w in model.get_weights()],
            "weight_names": [w.path for w in model.weights],
            "history": [float(v) for v in hist.history["loss"]],
        })
    return out


def make_files():
    """Keras-saved models using the new layers (``keras_files/layers_*.keras`` / ``.h5``) and their
    predictions, for glassnet to load."""
    folder = HERE / "keras_files"
    folder.mkdir(exist_ok=True)
    x = normal(24, 6)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=24)]
    tokens = rng.integers(0, 12, size=(24, 5)).astype(np.int64)
    y_reg = normal(24, 1)
    keras.utils.set_random_seed(11)
    mix = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(8, kernel_constraint=keras.constraints.MaxNorm(2.0)),
        keras.layers.BatchNormalization(),
        keras.layers.PReLU(alpha_initializer="random_normal"),
        keras.layers.GaussianNoise(0.1),
        keras.layers.Reshape((2, 4)),
        keras.layers.LayerNormalization(),
        keras.layers.Permute((2, 1)),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.LeakyReLU(),
        keras.layers.Dense(3),
        keras.layers.Softmax(),
    ])
    mix.compile(optimizer="adam", loss="categorical_crossentropy")
    mix.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    bag = keras.Sequential([
        keras.Input(shape=(5,), dtype="int32"),
        keras.layers.Embedding(12, 4, embeddings_constraint=keras.constraints.UnitNorm(axis=1)),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.ELU(),
        keras.layers.UnitNormalization(),
        keras.layers.RepeatVector(2),
        keras.layers.Reshape((-1,)),
        keras.layers.Rescaling(2.0, offset=0.5),
        keras.layers.Dense(1),
    ])
    bag.compile(optimizer="sgd", loss="mse")
    bag.fit(tokens, y_reg, epochs=2, batch_size=8, shuffle=False, verbose=0)
    out = {}
    for name, model, inputs in (("layers_mix", mix, x), ("layers_bag", bag, tokens)):
        for suffix in (".keras", ".h5"):
            model.save(folder / f"{name}{suffix}")
        out[name] = {"x": inputs.tolist() if inputs.dtype.kind == "i" else f32(inputs),
                     "prediction": f32(model.predict(inputs, verbose=0)),
                     "weights": [f32(w) for w in model.get_weights()]}
    return out


def main():
    data = {
        "meta": {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
                 "python": platform.python_version(), "data_seed": DATA_SEED},
        "forward": make_forward(),
        "constraints": make_constraints(),
        "training": make_training(),
        "files": make_files(),
    }
    path = HERE / "keras_layers.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=None, separators=(",", ":")) + "\n")
    tmp.replace(path)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
