"""Rosenblatt's perceptron on the logic gates: AND and OR are learned, XOR is not.

    python examples/perceptron_xor.py                 # print the runs
    python examples/perceptron_xor.py --plot          # also show the decision lines
    python examples/perceptron_xor.py --plot gates.png  # ... or save them to a file

The perceptron computes y = step(w·x + b) (step(z) = 1 if z >= 0 else 0) and learns
with w <- w + eta (d - y) x, b <- b + eta (d - y), one sample at a time.  Its decision
boundary w1 x1 + w2 x2 + b = 0 is a straight line, so it can only learn gates whose
1s and 0s a line can split.
"""
from __future__ import annotations

import argparse

import numpy as np

from glassnet.perceptron import Perceptron, logic_gate

GATES = ("and", "or", "xor")
MAX_EPOCHS = 20


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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", nargs="?", const="", default=None, metavar="FILE",
                        help="draw the decision lines (matplotlib); save to FILE if given")
    args = parser.parse_args(argv)

    print("Rosenblatt's perceptron: y = step(w·x + b), step(z) = 1 if z >= 0 else 0")
    print("learning rule, sample by sample: w <- w + eta (d - y) x,  b <- b + eta (d - y)")
    perceptrons = {name: train_gate(name) for name in GATES}
    explain_xor()
    if args.plot is not None:
        plot(perceptrons, args.plot or None)

    # The multi-layer perceptron trained by backpropagation (glassnet.Sequential with
    # Dense layers) is added here by the lead.


if __name__ == "__main__":
    main()
