"""The playground's parameters: choices, limits, defaults, and one validation function.

Everything the page can send arrives as a JSON object and goes through
:func:`validate` before it touches a model.  Bad values are refused with a
:class:`ParamError` whose message names every problem in plain words
(``hidden layer 2: neurons must be a whole number from 1 to 16, got -3``); the
server turns it into a ``400`` answer and the page shows the message.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

# ----------------------------------------------------------------------------- choices
#: data set key -> (glassnet.datasets function name, label, problem type)
DATASETS = {
    "circles": ("circles", "Circles", "classification"),
    "xor": ("xor_quadrants", "XOR quadrants", "classification"),
    "blobs": ("blobs", "Gaussian blobs", "classification"),
    "spirals": ("spirals", "Two spirals", "classification"),
    "regression": ("regression_plane", "Regression surface", "regression"),
}

#: input feature key -> (label shown in the page, NumPy expression of x1 and x2)
#: The expression is used both by the server and, verbatim, by the exported code.
FEATURES = {
    "x1": ("x\u2081", "x1"),
    "x2": ("x\u2082", "x2"),
    "x1_sq": ("x\u2081\u00b2", "x1 ** 2"),
    "x2_sq": ("x\u2082\u00b2", "x2 ** 2"),
    "x1x2": ("x\u2081x\u2082", "x1 * x2"),
    "sin_x1": ("sin x\u2081", "np.sin(x1)"),
    "sin_x2": ("sin x\u2082", "np.sin(x2)"),
}

#: hidden-layer activations offered (glassnet / Keras string identifiers)
ACTIVATIONS = ("linear", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "relu6", "leaky_relu", "elu",
               "selu", "softplus", "softsign", "swish", "gelu", "mish")

#: optimizer key -> glassnet.optimizers class name
OPTIMIZERS = {
    "sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad",
    "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "lion": "Lion", "ftrl": "Ftrl",
}

REGULARIZATIONS = ("none", "l1", "l2")

# ----------------------------------------------------------------------------- limits
LIMITS = {
    "max_hidden_layers": 6,
    "max_neurons": 16,
    "min_points": 20,
    "max_points": 2000,
    "max_batch_size": 2000,
    "max_learning_rate": 10.0,
    "max_regularization_rate": 10.0,
    "max_dropout": 0.9,
    "max_noise": 1.0,
    "min_train_ratio": 0.1,
    "max_train_ratio": 0.9,
    "max_seed": 2**31 - 1,
    "max_epochs_per_update": 100,
}

DEFAULTS = {
    "dataset": "circles",
    "noise": 0.1,
    "train_ratio": 0.5,
    "n_samples": 500,
    "seed": 0,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "optimizer": "sgd",
    "learning_rate": 0.03,
    "momentum": 0.0,
    "batch_size": 10,
    "regularization": "none",
    "regularization_rate": 0.0,
    "dropout": 0.0,
    "epochs_per_update": 2,
}

#: parameters whose change does not rebuild the network (they do not change the run)
LIVE_PARAMS = frozenset({"epochs_per_update"})


class ParamError(ValueError):
    """Parameters the playground refuses; ``problems`` lists each one, ``str()`` joins them."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def options() -> dict:
    """What the page needs to build its controls: choices, limits and defaults."""
    return {
        "datasets": [{"key": k, "label": lab, "problem": prob} for k, (_, lab, prob) in DATASETS.items()],
        "features": [{"key": k, "label": lab, "expression": expr} for k, (lab, expr) in FEATURES.items()],
        "activations": list(ACTIVATIONS),
        "optimizers": [{"key": k, "label": name} for k, name in OPTIMIZERS.items()],
        "regularizations": list(REGULARIZATIONS),
        "limits": dict(LIMITS),
        "defaults": {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS.items()},
    }


# ----------------------------------------------------------------------------- validation
def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _whole(value):
    """An int, or a float with an integral value (JSON numbers from the page) -> int; else None."""
    if _is_int(value):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def integer(self, value, name, low, high):
        v = _whole(value)
        if v is None or not low <= v <= high:
            self.problems.append(f"{name} must be a whole number from {low} to {high}, got {_describe(value)}")
            return None
        return v

    def number(self, value, name, low, high, low_inclusive=True):
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        try:
            ok = ok and math.isfinite(float(value))
        except OverflowError:         # an integer beyond float's range (JSON allows 4300 digits)
            ok = False
        if ok:
            value = float(value)
            ok = (value >= low if low_inclusive else value > low) and value <= high
        if not ok:
            lo = f"[{low}" if low_inclusive else f"({low}"
            self.problems.append(f"{name} must be a number in {lo}, {high}], got {_describe(value)}")
            return None
        return value

    def choice(self, value, name, allowed):
        if not isinstance(value, str) or value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}; got {_describe(value)}")
            return None
        return value


def validate(raw, base=None) -> dict:
    """Check ``raw`` (a dict from the page, possibly partial) merged onto ``base`` (default: DEFAULTS).

    Returns a complete, normalised parameter dict, or raises :class:`ParamError`
    listing every problem found.
    """
    if not isinstance(raw, dict):
        raise ParamError([f"the parameters must be a JSON object, got {type(raw).__name__}"])
    unknown = sorted(k for k in raw if k not in DEFAULTS)
    if unknown:
        raise ParamError([f"unknown parameter {k!r} (known: {', '.join(DEFAULTS)})" for k in unknown])
    merged = dict(DEFAULTS if base is None else base)
    merged.update(raw)
    L = LIMITS
    c = _Checker()
    out = {
        "dataset": c.choice(merged["dataset"], "dataset", tuple(DATASETS)),
        "noise": c.number(merged["noise"], "noise", 0.0, L["max_noise"]),
        "train_ratio": c.number(merged["train_ratio"], "train_ratio (the fraction of points used for training)",
                                L["min_train_ratio"], L["max_train_ratio"]),
        "n_samples": c.integer(merged["n_samples"], "n_samples (number of points)", L["min_points"],
                               L["max_points"]),
        "seed": c.integer(merged["seed"], "seed", 0, L["max_seed"]),
        "activation": c.choice(merged["activation"], "activation", ACTIVATIONS),
        "optimizer": c.choice(merged["optimizer"], "optimizer", tuple(OPTIMIZERS)),
        "learning_rate": c.number(merged["learning_rate"], "learning_rate", 0.0, L["max_learning_rate"],
                                  low_inclusive=False),
        "momentum": c.number(merged["momentum"], "momentum", 0.0, 0.999),
        "batch_size": c.integer(merged["batch_size"], "batch_size", 1, L["max_batch_size"]),
        "regularization": c.choice(merged["regularization"], "regularization", REGULARIZATIONS),
        "regularization_rate": c.number(merged["regularization_rate"], "regularization_rate", 0.0,
                                        L["max_regularization_rate"]),
        "dropout": c.number(merged["dropout"], "dropout (rate)", 0.0, L["max_dropout"]),
        "epochs_per_update": c.integer(merged["epochs_per_update"], "epochs_per_update", 1,
                                       L["max_epochs_per_update"]),
    }
    # features: a non-empty list of known keys, kept in the canonical order
    features = merged["features"]
    if not isinstance(features, (list, tuple)) or not features:
        c.problems.append(f"features must be a non-empty list of {', '.join(FEATURES)}; got {_describe(features)}")
        out["features"] = None
    else:
        bad = [f for f in features if not isinstance(f, str) or f not in FEATURES]
        if bad:
            c.problems.append(f"unknown feature(s) {', '.join(map(_describe, bad))}; "
                              f"known: {', '.join(FEATURES)}")
            out["features"] = None
        else:
            out["features"] = [k for k in FEATURES if k in features]
    # hidden: list of neuron counts
    hidden = merged["hidden"]
    if not isinstance(hidden, (list, tuple)):
        c.problems.append(f"hidden must be a list of neuron counts such as [4, 2], got {_describe(hidden)}")
        out["hidden"] = None
    elif len(hidden) > L["max_hidden_layers"]:
        c.problems.append(f"at most {L['max_hidden_layers']} hidden layers, got {len(hidden)}")
        out["hidden"] = None
    else:
        sizes = [c.integer(h, f"hidden layer {i}: neurons", 1, L["max_neurons"])
                 for i, h in enumerate(hidden, start=1)]
        out["hidden"] = None if None in sizes else sizes
    if c.problems:
        raise ParamError(c.problems)
    return out


def n_train(params) -> int:
    """How many of the points are used for training (at least 1, and at least 1 left for testing)."""
    n = params["n_samples"]
    return int(min(n - 1, max(1, round(n * params["train_ratio"]))))


def make_features(x2d, keys) -> np.ndarray:
    """The model's inputs: the chosen features of the 2-D points (float32, canonical order).

    The expressions are :data:`FEATURES`' code, evaluated with ``x1``, ``x2`` the columns;
    the exported script writes the very same expressions.
    """
    x2d = np.asarray(x2d, dtype=np.float32)
    x1, x2 = x2d[:, 0], x2d[:, 1]
    columns = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1_sq": lambda: x1 ** 2,
        "x2_sq": lambda: x2 ** 2,
        "x1x2": lambda: x1 * x2,
        "sin_x1": lambda: np.sin(x1),
        "sin_x2": lambda: np.sin(x2),
    }
    return np.stack([columns[k]() for k in keys], axis=1).astype(np.float32)
