"""``glassnet demo``: train a small network on a built-in data set and show the result."""
from __future__ import annotations

from .demos import run_demo, xor_demo


def add_parser(sub):
    demo = sub.add_parser("demo", help="train a small network and show the result")
    demo.add_argument("--dataset", default="digits", choices=["digits", "mnist", "breast_cancer", "xor"],
                      help="digits (default) and breast_cancer are bundled with scikit-learn; mnist downloads "
                           "(or reads GLASSNET_DATASETS_MIRROR)")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--out", default=None, help="run folder (default runs/<timestamp>)")
    demo.add_argument("--seed", type=int, default=0)
    return demo


def run(args) -> int:
    if args.dataset == "xor":
        from ..perceptron import Perceptron, logic_gate

        X, y = logic_gate("xor")
        p = Perceptron(max_epochs=50).fit(X, y)
        print(f"A single perceptron on XOR: accuracy {p.score(X, y):.2f}, converged: {p.converged_} "
              f"(no straight line separates XOR)")
        acc = xor_demo(epochs=args.epochs or 300, seed=args.seed)
        return 0 if acc == 1.0 else 1
    run_demo(args.dataset, epochs=args.epochs or 30, seed=args.seed, out_dir=args.out)
    return 0
