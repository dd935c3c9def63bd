"""The Python script the playground exports: the same data, network and training, in plain glassnet.

The script uses only Keras 3's API for the model (so it runs on Keras with the
marked imports swapped) and :mod:`glassnet.datasets` for the data (NumPy only,
the same under Keras).  Run with glassnet for ``EPOCHS`` epochs, it ends on the
very weights the playground showed at that epoch (the session builds and
trains its model exactly this way; a test holds the two together).
"""
from __future__ import annotations

import inspect

from . import data as local_data
from .params import ACTIVATIONS, DATASETS, FEATURES, LOCAL_DATASETS, OPTIMIZERS, n_train

__all__ = ["script", "optimizer_class"]


def optimizer_class(params) -> str:
    """The glassnet / Keras optimizer class name of ``params['optimizer']``."""
    return OPTIMIZERS[params["optimizer"]]


def _f(value) -> str:
    """A float literal as Python writes it (0.03, 1e-05)."""
    return repr(float(value))


def _optimizer_code(params) -> str:
    args = [f"learning_rate={_f(params['learning_rate'])}"]
    if params["optimizer"] == "sgd" and params["momentum"] > 0:
        args.append(f"momentum={_f(params['momentum'])}")
    return f"optimizers.{optimizer_class(params)}({', '.join(args)})"


def _regularizer_code(params):
    rate = params["regularization_rate"]
    if params["regularization"] == "l1" and rate > 0:
        return f"regularizers.L1({_f(rate)})"
    if params["regularization"] == "l2" and rate > 0:
        return f"regularizers.L2({_f(rate)})"
    return None


def _describe_network(params, classification) -> str:
    parts = [f"{len(params['features'])} inputs ({', '.join(params['features'])})"]
    parts += [f"{units} {params['activation']}" for units in params["hidden"]]
    parts.append("1 sigmoid" if classification else "1 linear")
    return " -> ".join(parts)


def script(params, epochs: int = 0) -> str:
    """The script for ``params`` (validated), training for ``epochs`` epochs (100 when 0)."""
    assert params["activation"] in ACTIVATIONS
    fn, label, problem = DATASETS[params["dataset"]]
    classification = problem == "classification"
    n = params["n_samples"]
    k = n_train(params)
    reg = _regularizer_code(params)
    dropout = params["dropout"]
    act = params["activation"]
    seed = params["seed"]
    if epochs > 0:
        epochs_line = f"EPOCHS = {int(epochs)}  # the playground's epoch count when this was exported"
    else:
        epochs_line = "EPOCHS = 100  # (the playground had not trained yet when this was exported)"

    layer_lines = [f"    Input(shape=({len(params['features'])},)),"]
    extra = f", kernel_regularizer={reg}" if reg else ""
    for i, units in enumerate(params["hidden"], start=1):
        layer_lines.append(f'    Dense({units}, activation="{act}"{extra}, name="hidden_{i}"),')
        if dropout > 0:
            layer_lines.append(f'    Dropout({_f(dropout)}, name="dropout_{i}"),')
    out_act = ', activation="sigmoid"' if classification else ""
    layer_lines.append(f'    Dense(1{out_act}{extra}, name="output"),')

    layer_names = ["Dense", "Input"] + (["Dropout"] if dropout > 0 else [])
    layer_import = ", ".join(sorted(layer_names))
    keras_modules = ["optimizers", "utils"] + (["regularizers"] if reg else [])
    keras_modules = ", ".join(sorted(keras_modules))
    columns = ", ".join(FEATURES[key][1] for key in params["features"])
    loss = "binary_crossentropy" if classification else "mean_squared_error"
    metrics = ', metrics=["accuracy"]' if classification else ""
    step_note = ""
    if act == "step":
        step_note = ("# Note: 'step' (the perceptron's Heaviside function) is glassnet's own; Keras has no\n"
                     "# such activation, and its derivative is 0, so backpropagation cannot train it.\n")
    momentum_txt = f", momentum {params['momentum']}" if params["optimizer"] == "sgd" and params["momentum"] > 0 \
        else ""
    reg_txt = f", {params['regularization'].upper()} {params['regularization_rate']}" if reg else ""
    drop_txt = f", dropout {dropout}" if dropout > 0 else ""

    lines = [
        '"""A network from the glassnet playground, rebuilt and trained in plain Python.',
        "",
        f"Data:    {label}, {n} points, noise {params['noise']}, {k} for training and {n - k} for testing "
        f"(seed {seed}).",
        f"Network: {_describe_network(params, classification)}.",
        f"Training: {optimizer_class(params)} (learning rate {params['learning_rate']}{momentum_txt})"
        f"{reg_txt}{drop_txt}, batch size {params['batch_size']}, loss {loss}.",
        "",
        "Run it with glassnet:  python this_file.py",
        "Run it on Keras 3:     swap the three imports marked 'Keras:' for the commented ones. The data",
        "                       still come from glassnet.datasets (NumPy only). With glassnet the run ends",
        "                       on the weights the playground showed after EPOCHS epochs; Keras draws its",
        "                       initial weights from its own random generator, so its numbers differ.",
        '"""',
        "import numpy as np",
        "",
        *([f"from glassnet.datasets import {fn}  # the data set (NumPy only), also under Keras", ""]
          if fn not in LOCAL_DATASETS else []),
        f"from glassnet import {keras_modules}  # Keras: from keras import {keras_modules}",
        f"from glassnet.layers import {layer_import}  # Keras: from keras.layers import {layer_import}",
        "from glassnet.models import Sequential  # Keras: from keras.models import Sequential",
        "",
        f"SEED = {seed}",
        epochs_line,
        "",
        *(["", "# The data set of the playground (NumPy only), also under Keras",
           inspect.getsource(getattr(local_data, fn)).rstrip("\n"), "", ""] if fn in LOCAL_DATASETS else []),
        f"# The data: {n} points; a seeded shuffle puts the first {k} in the training set.",
        f"x2d, y = {fn}(n_samples={n}, noise={_f(params['noise'])}, seed=SEED)",
        'y = y.astype("float32").reshape(-1, 1)',
        "",
        "",
        "def features(x2d):",
        f'    """The network\'s inputs from the 2-D points: {columns}."""',
        "    x1, x2 = x2d[:, 0], x2d[:, 1]",
        f'    return np.stack([{columns}], axis=1).astype("float32")',
        "",
        "",
        "order = np.random.default_rng(SEED).permutation(len(x2d))",
        f"train, test = order[:{k}], order[{k}:]",
        "x_train, y_train = features(x2d[train]), y[train]",
        "x_test, y_test = features(x2d[test]), y[test]",
        "",
        "# The network (the seed fixes the initial weights, the shuffling and the dropout masks)",
        "utils.set_random_seed(SEED)",
    ]
    if step_note:
        lines.append(step_note.rstrip("\n"))
    lines += ["model = Sequential(["] + layer_lines + ['], name="playground")']
    lines += [
        f'model.compile(optimizer={_optimizer_code(params)}, loss="{loss}"{metrics})',
        "model.summary()",
        "",
        f"history = model.fit(x_train, y_train, batch_size={params['batch_size']}, epochs=EPOCHS,",
        "                    validation_data=(x_test, y_test), verbose=0)",
        'train_loss = history.history["loss"][-1] if EPOCHS else float("nan")',
        "test_results = model.evaluate(x_test, y_test, verbose=0)",
        'print(f"epoch {EPOCHS}: mean training loss of the last epoch {train_loss:.4f}, test results {test_results}")',
        '# model.save("playground.keras")',
        "",
    ]
    return "\n".join(lines)
