"""Record Keras 3's optimizer numbers into ``keras_optimizers.json``.

Run with the reference environment (Keras 3 + TensorFlow), not glassnet's::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        .refenv/bin/python tests/reference/make_optimizer_golden.py

For every optimizer case (defaults and non-default variants, with clipping,
weight decay, EMA, gradient accumulation, loss scaling and schedules) it
applies 5 steps of fixed gradients to two variables of different shapes and
stores the variables after each step, the optimizer's state variables at
the end and its config.  It also stores learning-rate schedule values for
steps 0..24.  ``tests/test_optimizers.py`` and ``tests/test_schedules.py``
compare glassnet against this file.
"""
import json
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402
import keras  # noqa: E402

S = keras.optimizers.schedules
N_STEPS = 5
SHAPES = [(3, 4), (4,)]


def make_data():
    rng = np.random.default_rng(20240501)
    init = [rng.normal(0.0, 1.0, size=s).astype("float32") for s in SHAPES]
    grads = []
    for step in range(N_STEPS):
        gs = []
        for s in SHAPES:
            g = rng.normal(0.0, 0.5, size=s).astype("float32")
            g.reshape(-1)[step % g.size] = 0.0          # a zero gradient somewhere
            gs.append(g)
        gs[0].reshape(-1)[-1] = 2.5 if step % 2 == 0 else -3.0   # a large one for clipping
        grads.append(gs)
    return init, grads


# (case id, optimizer class name, constructor kwargs); schedules given as (class, kwargs)
CASES = [
    ("sgd_default", "SGD", {}),
    ("sgd_momentum", "SGD", {"momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"momentum": 0.9, "nesterov": True, "learning_rate": 0.05}),
    ("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("sgd_momentum_exp_decay", "SGD", {"momentum": 0.5,
                                       "learning_rate": ("ExponentialDecay", {
                                           "initial_learning_rate": 0.1, "decay_steps": 2,
                                           "decay_rate": 0.5})}),
    ("sgd_piecewise", "SGD", {"learning_rate": ("PiecewiseConstantDecay", {
        "boundaries": [1, 3], "values": [0.1, 0.05, 0.01]})}),
    ("sgd_ema", "SGD", {"momentum": 0.9, "use_ema": True, "ema_momentum": 0.9}),
    ("sgd_grad_accum", "SGD", {"momentum": 0.9, "learning_rate": 0.1,
                               "gradient_accumulation_steps": 2}),
    ("rmsprop_default", "RMSprop", {}),
    ("rmsprop_centered_momentum", "RMSprop", {"momentum": 0.5, "centered": True, "rho": 0.8}),
    ("rmsprop_clipvalue", "RMSprop", {"clipvalue": 0.05, "learning_rate": 0.01}),
    ("rmsprop_inverse_time", "RMSprop", {"learning_rate": ("InverseTimeDecay", {
        "initial_learning_rate": 0.01, "decay_steps": 1.0, "decay_rate": 0.5})}),
    ("adam_default", "Adam", {}),
    ("adam_amsgrad", "Adam", {"amsgrad": True, "learning_rate": 0.01}),
    ("adam_global_clipnorm", "Adam", {"global_clipnorm": 0.3, "learning_rate": 0.01}),
    ("adam_weight_decay", "Adam", {"weight_decay": 0.01, "learning_rate": 0.01}),
    ("adam_exp_decay", "Adam", {"learning_rate": ("ExponentialDecay", {
        "initial_learning_rate": 0.01, "decay_steps": 2, "decay_rate": 0.9,
        "staircase": True})}),
    ("adam_cosine", "Adam", {"learning_rate": ("CosineDecay", {
        "initial_learning_rate": 0.0, "decay_steps": 10, "warmup_target": 0.01,
        "warmup_steps": 2, "alpha": 0.1})}),
    ("adam_ema_overwrite", "Adam", {"use_ema": True, "ema_overwrite_frequency": 2,
                                    "learning_rate": 0.01}),
    ("adam_grad_accum", "Adam", {"gradient_accumulation_steps": 2, "learning_rate": 0.01}),
    ("adam_loss_scale", "Adam", {"loss_scale_factor": 4.0, "learning_rate": 0.01,
                                 "clipnorm": 1.0}),
    ("adamw_default", "AdamW", {}),
    ("adamw_strong", "AdamW", {"weight_decay": 0.1, "amsgrad": True, "learning_rate": 0.01,
                               "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5}),
    ("adagrad_default", "Adagrad", {}),
    ("adagrad_custom", "Adagrad", {"initial_accumulator_value": 0.5, "epsilon": 1e-3,
                                   "learning_rate": 0.1}),
    ("adadelta_default", "Adadelta", {}),
    ("adadelta_lr1", "Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    ("adamax_default", "Adamax", {}),
    ("adamax_custom", "Adamax", {"beta_1": 0.8, "beta_2": 0.95, "learning_rate": 0.01,
                                 "weight_decay": 0.02}),
    ("nadam_default", "Nadam", {}),
    ("nadam_clipnorm", "Nadam", {"clipnorm": 0.1, "learning_rate": 0.01}),
    ("nadam_polynomial", "Nadam", {"learning_rate": ("PolynomialDecay", {
        "initial_learning_rate": 0.01, "decay_steps": 3, "end_learning_rate": 0.001,
        "power": 2.0, "cycle": True})}),
    ("lion_default", "Lion", {}),
    ("lion_custom", "Lion", {"beta_1": 0.5, "beta_2": 0.9, "weight_decay": 0.05,
                             "learning_rate": 0.01}),
    ("ftrl_default", "Ftrl", {}),
    ("ftrl_regularized", "Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.3,
                                  "l1_regularization_strength": 0.01,
                                  "l2_regularization_strength": 0.02,
                                  "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("ftrl_zero_power", "Ftrl", {"learning_rate": 0.1, "learning_rate_power": 0.0,
                                 "initial_accumulator_value": 0.0,
                                 "l1_regularization_strength": 0.5}),
]

SCHEDULE_CASES = [
    ("exp", "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                                 "decay_rate": 0.8}),
    ("exp_stair", "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                                       "decay_rate": 0.8, "staircase": True}),
    ("inv", "InverseTimeDecay", {"initial_learning_rate": 0.5, "decay_steps": 3,
                                 "decay_rate": 0.7}),
    ("inv_stair", "InverseTimeDecay", {"initial_learning_rate": 0.5, "decay_steps": 3,
                                       "decay_rate": 0.7, "staircase": True}),
    ("piecewise", "PiecewiseConstantDecay", {"boundaries": [4, 10, 15],
                                             "values": [1.0, 0.5, 0.25, 0.125]}),
    ("poly", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                                 "end_learning_rate": 0.01, "power": 0.5}),
    ("poly_cycle", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 6,
                                       "end_learning_rate": 0.01, "power": 2.0, "cycle": True}),
    ("cos", "CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 12, "alpha": 0.2}),
    ("cos_warm", "CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 12,
                                 "warmup_target": 0.1, "warmup_steps": 5}),
    ("restarts", "CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 4}),
    ("restarts_t1", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                            "first_decay_steps": 5, "t_mul": 1.0,
                                            "m_mul": 0.5, "alpha": 0.1}),
    ("restarts_t15", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                             "first_decay_steps": 3, "t_mul": 1.5,
                                             "m_mul": 0.8}),
]


def build_lr(spec):
    if isinstance(spec, tuple):
        cls, kw = spec
        return getattr(S, cls)(**kw)
    return spec


def jsonable(kwargs):
    out = {}
    for k, v in kwargs.items():
        out[k] = {"schedule": v[0], "config": v[1]} if isinstance(v, tuple) else v
    return out


def run_case(cls_name, kwargs, init, grads):
    kw = dict(kwargs)
    if "learning_rate" in kw:
        kw["learning_rate"] = build_lr(kw["learning_rate"])
    opt = getattr(keras.optimizers, cls_name)(**kw)
    variables = [keras.Variable(v.copy(), name=n) for v, n in zip(init, ["kernel", "bias"])]
    trajectory = []
    for step_grads in grads:
        opt.apply_gradients([(np.asarray(g), v) for g, v in zip(step_grads, variables)])
        trajectory.append([v.numpy().tolist() for v in variables])
    state = [np.asarray(v.numpy()).tolist() for v in opt.variables]
    state_names = [v.path for v in opt.variables]
    config = opt.get_config()
    config.pop("name")
    return {
        "class_name": cls_name,
        "kwargs": jsonable(kwargs),
        "trajectory": trajectory,
        "state": state,
        "state_names": state_names,
        "config": config,
    }


def main(path):
    init, grads = make_data()
    out = {
        "keras_version": keras.__version__,
        "shapes": SHAPES,
        "init": [v.tolist() for v in init],
        "grads": [[g.tolist() for g in gs] for gs in grads],
        "cases": {},
        "schedules": {},
    }
    for case_id, cls_name, kwargs in CASES:
        out["cases"][case_id] = run_case(cls_name, kwargs, init, grads)
    steps = np.arange(25)
    for case_id, cls_name, kwargs in SCHEDULE_CASES:
        sched = getattr(S, cls_name)(**kwargs)
        values = [float(np.asarray(sched(int(s)))) for s in steps]
        out["schedules"][case_id] = {
            "class_name": cls_name,
            "kwargs": kwargs,
            "values": values,
            "serialized": S.serialize(sched),
        }
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(out['cases'])} optimizer cases and {len(out['schedules'])} schedules "
          f"to {path}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "keras_optimizers.json"))
