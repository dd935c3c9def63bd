"""MNIST image classification with dropout: 784-512-512-10, units kept with p = 0.7 on the input and hidden layers.

    python examples/mnist_dropout.py                      # 20 epochs on the 60,000 training images
    python examples/mnist_dropout.py --out runs/mnist     # ... and the loss plot, confusion matrix
    python examples/mnist_dropout.py --data /path/to/folder/with/mnist_train.csv  # the lab's CSV pair
    python examples/mnist_dropout.py --quick              # 3,000 / 1,000 images, 2 epochs: for tests

The lab: "Use the mnist_test.csv and mnist_train.csv for model optimization (using dropout
layers).  Also, you will have to use one hot encoding for training and testing labels.  Optimize
a neural network based classification model using dropout regularization such that the p value
is 0.70 for input and hidden layers."

In the notes' dropout, p is the probability of KEEPING a unit; Keras's Dropout(rate) takes the
probability of DROPPING it, so p = 0.7 is Dropout(0.3).  Keras's dropout is "inverted": during
training the kept units are scaled by 1/p, so at test time the whole network is used as it is
(the notes scale the weights by p at test time instead: the same expected values).

The network: the 28x28 image flattened to 784 inputs, Dropout(0.3) on the inputs, two Dense(512,
relu) layers each followed by Dropout(0.3), and Dense(10, softmax) giving the probability of each
digit; categorical cross-entropy on the one-hot labels, adam, batch size 128, 20 epochs.

The data: the CSV pair (label, then 784 pixels per line) read by glassnet.datasets.mnist.load_csv,
or, when the folder has no CSV pair, the four IDX files read by glassnet.datasets.mnist.load_data.
The model code is Keras's: replace `glassnet` by `tensorflow.keras` in the imports.
"""
from __future__ import annotations

import argparse
import time
import sys
from pathlib import Path

import numpy as np

from glassnet.datasets import mnist
from glassnet.evaluation import classification_report, confusion_matrix
from glassnet.layers import Dense, Dropout, Flatten, Input
from glassnet.models import Sequential
from glassnet.utils import set_random_seed, to_categorical

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data  # noqa: E402

CSV_PAIR = ("mnist_train.csv", "mnist_test.csv")


def find_csv(folder: Path, name: str) -> Path | None:
    return next((p for p in (folder / name, folder / (name + ".gz")) if p.is_file()), None)


def load(data: str | None, source: str, parser):
    """((x_train, y_train), (x_test, y_test)) from the CSV pair or the IDX files in ``data`` (or data/mnist)."""
    if data is None:      # no local copy: the cache, GLASSNET_DATASETS_MIRROR or Keras's download (hash checked)
        print("no --data: MNIST through glassnet.datasets.mnist.load_data() (cache, mirror or download)")
        try:
            return mnist.load_data()
        except mnist.DatasetError as exc:
            print(f"mnist_dropout.py: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    folder = Path(data)
    if (folder / "mnist").is_dir():
        folder = folder / "mnist"
    if not folder.is_dir():
        parser.error(f"--data {data}: not a folder")
    csvs = [find_csv(folder, name) for name in CSV_PAIR]
    if source in ("auto", "csv") and all(csvs):
        print(f"reading {csvs[0]} and {csvs[1]}")
        return mnist.load_csv(*csvs)
    if source == "csv":
        parser.error(f"--data {data}: no mnist_train.csv / mnist_test.csv (plain or .gz) there")
    print(f"reading the MNIST files in {folder}")
    return mnist.load_data(folder)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="folder with the CSV pair or the IDX files, or their parent "
                             "(default: $GLASSNET_DATA or ../shared/datasets, else mnist.load_data())")
    parser.add_argument("--source", default="auto", choices=("auto", "csv", "idx"),
                        help="the lab's CSV pair (auto: when present) or the IDX files")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    parser.add_argument("--quick", action="store_true", help="3000 training / 1000 test images, 2 epochs (tests)")
    parser.add_argument("--out", default=None, metavar="DIR", help="folder for the plots")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, the dropout masks, the shuffling")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)

    # ---- The data: 28x28 grey images (0..255) and their digit labels.
    (x_train, y_train), (x_test, y_test) = load(args.data, args.source, parser)
    epochs = args.epochs
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:3000], y_train[:3000], x_test[:1000], y_test[:1000]
        epochs = min(epochs, 2)
    print(f"training images {x_train.shape}, test images {x_test.shape}, labels {np.unique(y_train).tolist()}")

    # Pixels scaled to [0, 1]; labels one-hot encoded: 3 -> [0 0 0 1 0 0 0 0 0 0].
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    y_train_cat = to_categorical(y_train, 10)
    y_test_cat = to_categorical(y_test, 10)
    print(f"label {y_train[0]} one-hot: {y_train_cat[0].astype(int).tolist()}")

    # ---- The model: dropout keeps each unit with p = 0.7 (Keras's rate = 1 - p = 0.3)
    # on the input layer and on both hidden layers.
    model = Sequential([
        Input(shape=(28, 28)),
        Flatten(),                                   # 28x28 -> 784 inputs
        Dropout(0.3),                                # input layer: keep p = 0.7
        Dense(512, activation="relu"),
        Dropout(0.3),                                # hidden layer 1: keep p = 0.7
        Dense(512, activation="relu"),
        Dropout(0.3),                                # hidden layer 2: keep p = 0.7
        Dense(10, activation="softmax"),             # one probability per digit
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()

    start = time.perf_counter()
    model.fit(x_train, y_train_cat, batch_size=128, epochs=epochs, validation_data=(x_test, y_test_cat),
              verbose=args.verbose)
    seconds = time.perf_counter() - start

    # ---- Evaluation on the 10,000 test images
    test_loss, test_accuracy = model.evaluate(x_test, y_test_cat, verbose=0)
    train_loss, train_accuracy = model.evaluate(x_train, y_train_cat, verbose=0)
    predictions = model.predict(x_test, verbose=0).argmax(axis=1)
    print(f"\ntraining: {epochs} epochs in {seconds:.0f} s")
    print(f"train accuracy {train_accuracy:.4f} (loss {train_loss:.4f}), dropout off")
    print(f"test accuracy  {test_accuracy:.4f} (loss {test_loss:.4f}): {int((predictions != y_test).sum())} "
          f"of {len(y_test)} test images misclassified")
    print("\nClassification report (test set)\n" + classification_report(y_test, predictions, digits=4))
    cm = confusion_matrix(y_test, predictions, num_classes=10)
    print("Confusion matrix (rows: true digit, columns: predicted digit)")
    print(cm)

    if args.out:
        from glassnet import plot as gplot

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        gplot.history(model.history, path=str(out / "history.png"))
        gplot.confusion_matrix(y_test, predictions, labels=list(range(10)), path=str(out / "confusion_matrix.png"))
        print(f"plots: {out / 'history.png'}, {out / 'confusion_matrix.png'}")
    return {"test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
            "train_accuracy": float(train_accuracy), "epochs": epochs, "seconds": seconds,
            "confusion_matrix": cm}


if __name__ == "__main__":
    main()
