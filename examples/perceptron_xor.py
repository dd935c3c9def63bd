"""Rosenblatt's perceptron on the logic gates: AND and OR are learned, XOR is not; a hidden layer learns XOR.

    python examples/perceptron_xor.py                 # print the runs
    python examples/perceptron_xor.py --plot          # also show the decision lines and boundaries
    python examples/perceptron_xor.py --plot gates.png  # ... or save them (gates.png, gates_mlp.png)
    python examples/perceptron_xor.py --out figures   # ... or save both pictures in a folder

The perceptron computes y = step(w·x + b) (step(z) = 1 if z >= 0 else 0) and learns
with w <- w + eta (d - y) x, b <- b + eta (d - y), one sample at a time.  Its decision
boundary w1 x1 + w2 x2 + b = 0 is a straight line, so it can only learn gates whose
1s and 0s a line can split.

The second part is the multi-layer perceptron: 2 inputs, a hidden layer of 8 tanh
neurons, 1 sigmoid output, trained by backpropagation with Adam.  Its code is Keras's
(swap `glassnet` for `keras` in the imports and it runs on Keras).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from glassnet.layers import Dense, Input
from glassnet.models import Sequential
from glassnet.optimizers import Adam
from glassnet.perceptron import Perceptron, logic_gate
from glassnet.utils import set_random_seed

GATES = ("and", "or", "xor")
MAX_EPOCHS = 20
MLP_EPOCHS = 300
SEED = 0


def fmt_row(x) -> str:
    return "(" + ", ".join(f"{v:g}" for v in x) + ")"


def train_gate(name: str) -> Perceptron:
    X, d = logic_gate(name)
    p = Perceptron(learning_rate=1.0, max_epochs=MAX_EPOCHS).fit(X, d)
    y = p.predict(X)
    print(f"\n{name.upper()}  (eta = 1, zero initial weights, at most {MAX_EPOCHS} epochs)")
    print(f"  errors per epoch: {p.errors_}")
    status = (f"converged after {p.n_epochs_} epochs" if p.converged_
              else f"did NOT converge in {p.n_epochs_} epochs")
    print(f"  {status}: w = {fmt_row(p.weights_)}, b = {p.bias_:g}")
    z = p.net_input(X)
    for xi, zi, yi, di in zip(X, z, y, d):
        mark = "ok" if yi == di else "WRONG"
        print(f"    x = {fmt_row(xi)}  z = w·x + b = {zi:+5g}  y = {yi}  d = {di}  {mark}")
    print(f"  accuracy: {p.score(X, d):.2f}")
    return p


def explain_xor() -> None:
    print(
        "\nWhy XOR fails: a perceptron would need b < 0 for (0,0) -> 0, w1 + b >= 0 and\n"
        "w2 + b >= 0 for (1,0), (0,1) -> 1, and w1 + w2 + b < 0 for (1,1) -> 0.  Adding the\n"
        "middle two gives w1 + w2 + b >= -b > 0: a contradiction.  No line separates XOR's\n"
        "1s from its 0s, so every epoch makes at least one error and the weights cycle\n"
        "forever (Minsky & Papert, 1969); the best any line can do is 3 of 4 points.\n"
        "\nThe way out is a hidden layer.  XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)):\n"
        "two perceptrons in a hidden layer map the inputs to a space where one output\n"
        "perceptron can draw its line.  Wiring three trained perceptrons by hand:"
    )
    X, d = logic_gate("xor")
    hidden = [Perceptron().fit(*logic_gate(g)) for g in ("or", "nand")]
    H = np.column_stack([h.predict(X) for h in hidden]).astype(X.dtype)   # hidden layer
    out = Perceptron().fit(*logic_gate("and"))                            # output neuron
    y = out.predict(H)
    for xi, hi, yi, di in zip(X, H, y, d):
        print(f"    x = {fmt_row(xi)}  hidden (OR, NAND) = {fmt_row(hi)}  y = {yi}  d = {di}")
    print(f"  accuracy of the two-layer network: {np.mean(y == d):.2f}")
    print(
        "\nHere we chose the hidden units ourselves.  Rosenblatt's rule cannot train them:\n"
        "it needs the desired output d of every neuron, and a hidden neuron has none.\n"
        "Learning hidden layers takes differentiable activations and backpropagation."
    )


def plot(perceptrons: dict, path: str | None) -> None:
    try:
        import matplotlib
        if path:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n--plot: matplotlib is not installed (pip install 'glassnet[plot]'); skipping the plot")
        return
    fig, axes = plt.subplots(1, len(perceptrons), figsize=(4 * len(perceptrons), 4))
    grid = np.linspace(-0.5, 1.5, 2)
    for ax, (name, p) in zip(axes, perceptrons.items()):
        X, d = logic_gate(name)
        ax.scatter(*X[d == 0].T, marker="o", s=80, label="d = 0")
        ax.scatter(*X[d == 1].T, marker="s", s=80, label="d = 1")
        (w1, w2), b = p.weights_, p.bias_
        if w2 != 0:
            ax.plot(grid, -(w1 * grid + b) / w2, "k-", label="w·x + b = 0")
        elif w1 != 0:
            ax.axvline(-b / w1, color="k", label="w·x + b = 0")
        state = "converged" if p.converged_ else f"not converged ({p.n_epochs_} epochs)"
        ax.set(title=f"{name.upper()}: {state}", xlim=(-0.5, 1.5), ylim=(-0.5, 1.5),
               xlabel="$x_1$", ylabel="$x_2$")
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=100)
        print(f"\nsaved the decision lines to {path}")
    else:
        plt.show()


# ----------------------------------------------------------------------------------------
# The multi-layer perceptron: a hidden layer trained by backpropagation learns XOR.
# ----------------------------------------------------------------------------------------
def train_xor_mlp(epochs: int = MLP_EPOCHS, seed: int = SEED, verbose: int = 0):
    """A 2-8-1 network (tanh hidden layer, sigmoid output) learns XOR with Adam.

    The step function has no useful derivative, so the hidden neurons get smooth
    activations (tanh) and the output a sigmoid read as P(XOR = 1); backpropagation then
    tells every weight, hidden ones included, how to change to lower the cost
    (binary cross-entropy).  Returns the model, the inputs, the targets and its accuracy.
    """
    X, d = logic_gate("xor")
    X, d = X.astype("float32"), d.astype("float32")
    set_random_seed(seed)                              # the same starting weights every run
    model = Sequential([
        Input(shape=(2,)),
        Dense(8, activation="tanh"),                   # hidden layer: 8 neurons
        Dense(1, activation="sigmoid"),                # output neuron
    ])
    model.compile(optimizer=Adam(learning_rate=0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, d, epochs=epochs, batch_size=4, verbose=verbose)   # all 4 rows per step

    print(f"\nMulti-layer perceptron on XOR: 2 inputs -> 8 tanh -> 1 sigmoid, Adam(learning_rate=0.05), "
          f"{model.count_params()} weights, {epochs} epochs")
    hidden = np.asarray(model.layers[0](X))            # what the hidden layer makes of the inputs
    p = model.predict(X, verbose=0)[:, 0]
    y = (p >= 0.5).astype(int)
    for xi, hi, pi, yi, di in zip(X, hidden, p, y, d.astype(int)):
        mark = "ok" if yi == di else "WRONG"
        print(f"    x = {fmt_row(xi)}  hidden tanh = [{' '.join(f'{v:+.2f}' for v in hi)}]  "
              f"P(1) = {pi:.3f}  y = {yi}  d = {di}  {mark}")
    loss, accuracy = model.evaluate(X, d, verbose=0)
    print(f"  loss (binary cross-entropy) {history.history['loss'][0]:.4f} at epoch 1 -> {loss:.4f} now")
    print(f"  accuracy of the multi-layer perceptron: {accuracy:.2f}")
    print("  The hidden layer maps the four points to a space where the output neuron's\n"
          "  line separates them: backpropagation found hidden features we did not wire.")
    return model, X, d, accuracy


def plot_boundaries(perceptrons: dict, mlp, path: str | None) -> None:
    """Side by side: the perceptron's straight line on XOR, and the MLP's curved boundary."""
    try:
        import matplotlib
        if path:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from glassnet import plot as gplot
    except ImportError:
        print("\n--plot: matplotlib is not installed (pip install 'glassnet[plot]'); skipping the plot")
        return
    X, d = logic_gate("xor")
    p = perceptrons["xor"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    gplot.decision_boundary(p, X, ax=axes[0])          # colour = the model's output on the plane
    axes[0].set_title(f"one perceptron: accuracy {p.score(X, d):.2f}")
    gplot.decision_boundary(mlp, X, ax=axes[1])
    axes[1].set_title("2-8-1 tanh network: P(XOR = 1)")
    for ax in axes:                                    # XOR's four points on top
        ax.scatter(*X[d == 0].T, marker="o", s=90, c="white", edgecolors="k", label="d = 0")
        ax.scatter(*X[d == 1].T, marker="s", s=90, c="black", label="d = 1")
        ax.legend(loc="center", fontsize="small")
    fig.suptitle("XOR: red = output 0, blue = output 1")
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=100)
        print(f"saved the decision boundaries to {path}")
    else:
        plt.show()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", nargs="?", const="", default=None, metavar="FILE",
                        help="draw the decision lines (matplotlib); save to FILE (and FILE_mlp) if given")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="save the pictures to DIR (perceptron_lines.png, xor_boundaries.png)")
    parser.add_argument("--epochs", type=int, default=MLP_EPOCHS,
                        help=f"epochs for the multi-layer perceptron (default {MLP_EPOCHS})")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the network's starting weights")
    args = parser.parse_args(argv)

    print("Rosenblatt's perceptron: y = step(w·x + b), step(z) = 1 if z >= 0 else 0")
    print("learning rule, sample by sample: w <- w + eta (d - y) x,  b <- b + eta (d - y)")
    perceptrons = {name: train_gate(name) for name in GATES}
    explain_xor()
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        lines_path, mlp_path = (str(Path(args.out) / n) for n in ("perceptron_lines.png", "xor_boundaries.png"))
    elif args.plot:
        stem = Path(args.plot)
        lines_path, mlp_path = args.plot, str(stem.with_name(stem.stem + "_mlp" + (stem.suffix or ".png")))
    else:
        lines_path = mlp_path = None
    drawing = args.out is not None or args.plot is not None
    if drawing:
        plot(perceptrons, lines_path)

    # The multi-layer perceptron trained by backpropagation (glassnet.Sequential with
    # Dense layers): the hidden layer is learned, not wired by hand.
    mlp, _, _, _ = train_xor_mlp(epochs=args.epochs, seed=args.seed)
    if drawing:
        plot_boundaries(perceptrons, mlp, mlp_path)


if __name__ == "__main__":
    main()
