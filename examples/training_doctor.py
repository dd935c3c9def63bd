"""The training doctor and the learning-rate finder on scikit-learn's digits (bundled: no download).

    python examples/training_doctor.py                 # prints the doctor's findings for three runs
    python examples/training_doctor.py --out docs      # ... and writes doctor.png and lr_finder.png there

1. Ten sigmoid layers: the doctor finds vanishing gradients (BP2's product of f'(z) <= 0.25 factors);
   the picture shows each layer's gradient norm, six orders of magnitude apart.
2. The same data with ReLU and Adam: no finding.
3. The learning-rate range test on that ReLU network: the loss against an exponentially growing
   learning rate, and the suggested rate.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from glassnet import callbacks, datasets, layers, optimizers, utils
from glassnet.inspect import diagnose
from glassnet.models import Sequential


def digits_net(*hidden, activation):
    return Sequential([layers.Input((64,))] + [layers.Dense(n, activation=activation) for n in hidden]
                      + [layers.Dense(10, activation="softmax")])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, metavar="DIR", help="write doctor.png and lr_finder.png there")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args(argv)
    (x, y), (xv, yv) = datasets.digits.load_data(seed=0)
    x, xv = x.reshape(len(x), -1) / np.float32(16), xv.reshape(len(xv), -1) / np.float32(16)

    utils.set_random_seed(0)
    deep = digits_net(*[32] * 9, activation="sigmoid")
    deep.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    deep_history = deep.fit(x, y, epochs=args.epochs, validation_data=(xv, yv), verbose=0,
                            callbacks=[callbacks.Diagnostics()])
    deep_findings = diagnose(deep, deep_history)
    print("Ten sigmoid layers, SGD(0.1):")
    print(deep_findings, end="\n\n")

    utils.set_random_seed(0)
    relu = digits_net(64, 32, activation="relu")
    relu.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    relu_history = relu.fit(x, y, epochs=args.epochs, validation_data=(xv, yv), verbose=0,
                            callbacks=[callbacks.Diagnostics()])
    relu_findings = diagnose(relu, relu_history)
    print("64-32 ReLU, Adam:")
    print(relu_findings, end="\n\n")

    utils.set_random_seed(0)
    probe = digits_net(64, 32, activation="relu")
    probe.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    finder = callbacks.LearningRateFinder(min_lr=1e-5, max_lr=10.0, steps=200)
    probe.fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[finder])
    print(f"Learning-rate range test (Adam): suggested learning rate {finder.suggestion:.3g} (steepest descent), "
          f"lowest loss at {finder.min_loss_lr:.3g}")
    if args.out:
        import matplotlib.pyplot as plt

        from glassnet import plot

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        plt.close(plot.diagnostics(deep_history, path=out / "doctor.png"))
        plt.close(finder.plot(out / "lr_finder.png"))
        print(f"Wrote doctor.png and lr_finder.png to {out}")
    return {"deep": deep_findings, "relu": relu_findings, "suggestion": finder.suggestion}


if __name__ == "__main__":
    main()
