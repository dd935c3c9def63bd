"""The built-in demonstrations that tests, examples and the README use.

``worked_example_model`` (the notes' 2-2-2 network), ``xor_demo`` (a hidden layer solves XOR) and
``run_demo`` (a sensible network on digits, MNIST or the breast cancer data, with a run folder).
"""
from __future__ import annotations

import numpy as np

from .common import close_figure

def worked_example_model(dtype: str = "float32"):
    """The notes' 2-2-2 sigmoid network (w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55, b1 = .35, b2 = .60).

    Returns ``(model, x, y)`` compiled with SGD(learning_rate=0.5) and the quadratic cost
    (Keras's 'mse' equals the notes' E_total = sum 1/2 (target - out)^2 for two outputs).
    ``dtype='float64'`` reproduces the notes' 9-digit numbers exactly; float32 agrees to ~1e-8.
    """
    from .. import config
    from ..layers import Dense, Input
    from ..models import Sequential
    from ..optimizers import SGD

    with config.floatx_scope(dtype):
        return _worked_example_model(Dense, Input, Sequential, SGD, dtype)


def _worked_example_model(Dense, Input, Sequential, SGD, dtype):
    model = Sequential([Input((2,)), Dense(2, activation="sigmoid", name="hidden"),
                        Dense(2, activation="sigmoid", name="output")], name="worked_example")
    # Keras's kernel is (inputs, units): kernel[i, j] is the weight from input i to neuron j.
    model.set_weights([
        np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35]),   # w1 w3 / w2 w4, b1
        np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]),   # w5 w7 / w6 w8, b2
    ])
    model.compile(optimizer=SGD(learning_rate=0.5), loss="mse")
    x = np.array([[0.05, 0.10]], dtype=dtype)
    y = np.array([[0.01, 0.99]], dtype=dtype)
    return model, x, y


def xor_demo(epochs: int = 300, seed: int = 0, verbose: int = 2) -> float:
    """Train the 2-8-1 tanh network on XOR with Adam; print the truth table; return the accuracy."""
    from .. import utils
    from ..layers import Dense, Input
    from ..models import Sequential
    from ..optimizers import Adam

    utils.set_random_seed(seed)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = Sequential([Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=4, verbose=0)
    p = model.predict(x, verbose=0)[:, 0]
    loss, acc = model.evaluate(x, y, verbose=0)
    if verbose:
        print("XOR with a hidden layer (2-8-1, tanh, Adam):")
        for xi, yi, pi in zip(x.astype(int), y.astype(int), p):
            print(f"  {xi[0]} xor {xi[1]} = {yi}   network says {pi:.3f} -> {int(pi >= 0.5)}")
        print(f"loss {loss:.4f}, accuracy {acc:.2f}")
    return acc


def demo_data(name: str, seed: int):
    """(x_train, y_train, x_test, y_test, class names) for the demo's data sets."""
    from .. import datasets

    if name == "digits":
        (xtr, ytr), (xte, yte) = datasets.digits.load_data(seed=seed)
        return xtr, ytr, xte, yte, [str(i) for i in range(10)]
    if name == "mnist":
        (xtr, ytr), (xte, yte) = datasets.mnist.load_data()
        return xtr / np.float32(255), ytr, xte / np.float32(255), yte, [str(i) for i in range(10)]
    if name == "breast_cancer":
        frame = datasets.cancer_classification()
        x = frame.drop(columns=[datasets.tabular.CANCER_LABEL]).to_numpy(np.float32)
        y = frame[datasets.tabular.CANCER_LABEL].to_numpy()
        order = np.random.default_rng(seed).permutation(len(x))
        x, y = x[order], y[order]
        split = int(len(x) * 0.75)
        lo, hi = x[:split].min(axis=0), x[:split].max(axis=0)           # MinMax scaling, fit on train only
        x = (x - lo) / np.where(hi > lo, hi - lo, 1)
        return x[:split], y[:split], x[split:], y[split:], ["malignant", "benign"]
    raise ValueError(f"unknown dataset {name!r}")


def run_demo(dataset: str = "digits", epochs: int = 30, seed: int = 0, out_dir=None, verbose: int = 1) -> dict:
    """Train a sensible network on ``dataset``, print the report, write the run folder; return the results."""
    import datetime
    import os

    from .. import callbacks, utils
    from ..evaluation import classification_report, confusion_matrix
    from ..layers import Dense, Dropout, Flatten, Input
    from ..models import Sequential

    utils.set_random_seed(seed)
    xtr, ytr, xte, yte, names = demo_data(dataset, seed)
    binary = len(names) == 2
    model = Sequential(name=f"{dataset}_demo")
    model.add(Input(xtr.shape[1:]))
    if xtr.ndim > 2:
        model.add(Flatten())
    hidden = 128 if dataset == "mnist" else 64
    model.add(Dense(hidden, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(hidden // 2, activation="relu"))
    model.add(Dense(1, activation="sigmoid") if binary else Dense(len(names), activation="softmax"))
    model.compile(optimizer="adam", loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if out_dir is None:
        out_dir = os.path.join("runs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out_dir, exist_ok=True)
    cbs = [callbacks.CSVLogger(os.path.join(out_dir, "history.csv")),
           callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True)]
    if hasattr(callbacks, "TensorBoard"):
        cbs.append(callbacks.TensorBoard(log_dir=os.path.join(out_dir, "logs")))
    if verbose:
        model.summary()
    history = model.fit(xtr, ytr, validation_split=0.15, epochs=epochs, batch_size=32, callbacks=cbs,
                        verbose=verbose)
    loss, accuracy = model.evaluate(xte, yte, verbose=0)
    proba = model.predict(xte, verbose=0)
    predicted = (proba[:, 0] >= 0.5).astype(int) if binary else proba.argmax(axis=1)
    cm = confusion_matrix(yte, predicted, num_classes=len(names))
    report = classification_report(yte, predicted, target_names=names)
    written = ["history.csv"]
    try:
        model.save(os.path.join(out_dir, "model.keras"))
        written.append("model.keras")
    except ImportError as exc:   # h5py missing: say so, keep going
        print(f"(model not saved: {exc})")
    try:
        from .. import plot

        close_figure(plot.history(history, path=os.path.join(out_dir, "history.png")))
        close_figure(plot.confusion_matrix(yte, predicted, labels=names,
                                            path=os.path.join(out_dir, "confusion_matrix.png")))
        written += ["history.png", "confusion_matrix.png"]
    except ImportError as exc:
        print(f"(no plots: {exc})")
    if any(type(c).__name__ == "TensorBoard" for c in cbs):
        written.append("logs/")
    if verbose:
        print(f"\nTest loss {loss:.4f}, test accuracy {accuracy:.4f} on {len(yte)} {dataset} samples")
        print("\nConfusion matrix (rows: true class, columns: predicted class)")
        width = max(3, len(str(cm.max())))
        print("      " + " ".join(f"{n[:width]:>{width}}" for n in names))
        for n, row in zip(names, cm):
            print(f"{n[:5]:>5} " + " ".join(f"{v:>{width}}" for v in row))
        print("\nClassification report\n" + report)
        print(f"Wrote {', '.join(written)} to {out_dir}/")
    return {"loss": loss, "accuracy": accuracy, "out_dir": out_dir, "confusion_matrix": cm}
