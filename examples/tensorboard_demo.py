"""The course's TensorBoard lesson: a breast-cancer classifier whose training you watch in TensorBoard.

    python examples/tensorboard_demo.py                      # 600 epochs (EarlyStopping ends it sooner)
    python examples/tensorboard_demo.py --epochs 5 --log-dir /tmp/tb_demo
    tensorboard --logdir logs/fit                            # then open http://localhost:6006

The network (30 features in): Dense 30 relu, Dropout 0.5, Dense 15 relu, Dropout 0.5,
Dense 1 sigmoid, trained with binary cross-entropy and Adam on scikit-learn's bundled
breast-cancer data (569 tumours, label 1 = benign), 25 % held out for validation,
features scaled to [0, 1] with the training set's min and max.

The TensorBoard callback is given the arguments the course passes.  glassnet writes the
scalars (loss per epoch for train and validation, learning rate), one histogram per weight
per epoch, and the model graph; what only TensorFlow can do (profile_batch, embeddings_freq,
write_images) is reported once as a warning and training goes on.
"""
from __future__ import annotations

import argparse
import os
from datetime import datetime

from glassnet.callbacks import EarlyStopping, TensorBoard
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential
from glassnet.utils import set_random_seed


def load_data(seed: int):
    """Train/test split of scikit-learn's breast-cancer data, min-max scaled on the train part."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def build_model() -> Sequential:
    model = Sequential()
    model.add(Dense(units=30, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(units=15, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(units=1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=600, help="most epochs to train (default 600)")
    parser.add_argument("--log-dir", default=None,
                        help="folder of this run's logs (default logs/fit/<date--time>)")
    parser.add_argument("--seed", type=int, default=101, help="seed of the split and the weights")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be a positive integer, got {args.epochs}")

    set_random_seed(args.seed)
    X_train, X_test, y_train, y_test = load_data(args.seed)
    model = build_model()

    log_dir = args.log_dir or os.path.join("logs", "fit", datetime.now().strftime("%Y-%m-%d--%H%M"))
    early_stop = EarlyStopping(monitor="val_loss", mode="min", verbose=1, patience=25)
    board = TensorBoard(log_dir=log_dir, histogram_freq=1, write_graph=True, write_images=True,
                        update_freq="epoch", profile_batch=2, embeddings_freq=1)
    history = model.fit(x=X_train, y=y_train, epochs=args.epochs, validation_data=(X_test, y_test),
                        verbose=args.verbose, callbacks=[early_stop, board])

    epochs_run = len(history.history["loss"])
    print(f"\nTrained {epochs_run} epoch(s): loss {history.history['loss'][-1]:.4f}, "
          f"val_loss {history.history['val_loss'][-1]:.4f}")
    print(f"Logs written to {log_dir} (runs 'train' and 'validation').")
    print("Open the dashboard with:")
    print(f"    tensorboard --logdir {log_dir}")
    if args.log_dir is None:
        print(f"or compare every run so far with:  tensorboard --logdir {os.path.dirname(log_dir)}")
    print("then browse to http://localhost:6006")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
