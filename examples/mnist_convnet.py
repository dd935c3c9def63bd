"""MNIST with a small convnet (keras.io's "Simple MNIST convnet"): about 99% test accuracy in 12 epochs.

    python examples/mnist_convnet.py                     # 12 epochs, batch 128, validation_split 0.1
    python examples/mnist_convnet.py --data /path/to/mnist/folder
    python examples/mnist_convnet.py --quick             # 3,000 / 1,000 images, 1 epoch: for tests

The model, as on keras.io: the 28x28x1 image -> Conv2D(32, 3x3, relu) -> MaxPooling2D(2) ->
Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout(0.5) -> Dense(10, softmax), trained with
Adam on the categorical cross-entropy, batch 128, 12 epochs, 10% of the training images held out for
validation.  The model code is Keras's: replace `glassnet` by `keras` in the imports.

The data: glassnet.datasets.mnist.load_data reads a folder with the IDX files or the CSV pair
(``--data``, else $GLASSNET_DATA, else the shared copies next to the repository when present); with
none of these it uses glassnet's dataset cache or downloads MNIST, as keras.datasets.mnist does.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from glassnet.datasets import mnist
from glassnet.layers import Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D
from glassnet.models import Sequential
from glassnet.utils import set_random_seed, to_categorical

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data  # noqa: E402


def load(data: str | None):
    if data is not None:
        folder = Path(data)
        if (folder / "mnist").is_dir():
            folder = folder / "mnist"
        print(f"reading MNIST from {folder}")
        return mnist.load_data(folder)
    print("reading MNIST from glassnet's cache (downloading it the first time)")
    return mnist.load_data()


def build_model() -> Sequential:
    return Sequential([
        Input(shape=(28, 28, 1)),
        Conv2D(32, kernel_size=(3, 3), activation="relu"),     # 26x26x32
        MaxPooling2D(pool_size=(2, 2)),                        # 13x13x32
        Conv2D(64, kernel_size=(3, 3), activation="relu"),     # 11x11x64
        MaxPooling2D(pool_size=(2, 2)),                        # 5x5x64
        Flatten(),                                             # 1600
        Dropout(0.5),
        Dense(10, activation="softmax"),
    ])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="folder with the MNIST IDX files or CSV pair, or its parent "
                             "(default: $GLASSNET_DATA or ../shared/datasets; else the cache / download)")
    parser.add_argument("--epochs", type=int, default=12, help="training epochs (default 12)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="3000 training / 1000 test images, 1 epoch (tests)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, the dropout masks, the shuffling")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)

    (x_train, y_train), (x_test, y_test) = load(args.data)
    epochs = args.epochs
    if args.quick:
        x_train, y_train, x_test, y_test = x_train[:3000], y_train[:3000], x_test[:1000], y_test[:1000]
        epochs = min(epochs, 1)
    # Scale images to [0, 1] and add the channel axis: (n, 28, 28) -> (n, 28, 28, 1)
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    y_train_cat, y_test_cat = to_categorical(y_train, 10), to_categorical(y_test, 10)
    print(f"x_train {x_train.shape}, x_test {x_test.shape}")

    model = build_model()
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train_cat, batch_size=args.batch_size, epochs=epochs, validation_split=0.1,
                        verbose=args.verbose)
    seconds = time.perf_counter() - start

    test_loss, test_accuracy = model.evaluate(x_test, y_test_cat, verbose=0)
    print(f"\ntraining: {epochs} epochs in {seconds:.0f} s ({seconds / epochs:.1f} s per epoch)")
    print(f"Test loss: {test_loss:.4f}")
    print(f"Test accuracy: {test_accuracy:.4f}")
    return {"test_accuracy": float(test_accuracy), "test_loss": float(test_loss), "epochs": epochs,
            "seconds": seconds, "history": history.history}


if __name__ == "__main__":
    main()
