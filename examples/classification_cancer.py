"""Keras classification code-along: breast cancer tumours, overfitting, EarlyStopping and Dropout.

    python examples/classification_cancer.py                         # the course's three models
    python examples/classification_cancer.py --out runs/cancer       # ... and the loss plots
    python examples/classification_cancer.py --data /path/to/cancer_classification.csv
    python examples/classification_cancer.py --quick                 # 60 epochs at most, for tests

The course's steps: look at the data (30 features of each tumour, the label benign_0__mal_1),
split off 25 % as the test set, scale the features to [0, 1], then train the same network
(Dense 30 relu, Dense 15 relu, Dense 1 sigmoid; binary cross-entropy; adam) three times:

  1. for 600 epochs: the validation loss turns back up while the training loss keeps falling,
     the picture of overfitting;
  2. with EarlyStopping(monitor='val_loss', mode='min', verbose=1, patience=25): training stops
     once the validation loss has not improved for 25 epochs;
  3. with Dropout(0.5) after each hidden layer (each batch, half of the neurons are "turned
     off") and early stopping: the training and validation losses stay together.

The last model's predictions give the classification report and the confusion matrix.  Note: as
in scikit-learn's copy of the data, label 1 means *benign* and 0 malignant, despite the column's name.

The model code is Keras's: replace `glassnet` by `tensorflow.keras` in the imports and it runs on
Keras.  Preprocessing uses scikit-learn (train_test_split, MinMaxScaler) as the course does.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from glassnet.callbacks import EarlyStopping
from glassnet.datasets import cancer_classification
from glassnet.evaluation import classification_report, confusion_matrix
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential
from glassnet.utils import set_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data  # noqa: E402

FILE_NAMES = ("cancer_classification.csv",)
LABEL = "benign_0__mal_1"


def find_file(data: str | None, names) -> Path | None:
    """``--data`` may be the CSV itself or a folder holding it; None: scikit-learn's bundled copy."""
    if data is None:
        return None
    path = Path(data)
    if path.is_file():
        return path
    for name in names:
        if (path / name).is_file():
            return path / name
    raise SystemExit(f"--data {data}: no {' or '.join(names)} there")


def build_model(dropout: bool) -> Sequential:
    model = Sequential()
    model.add(Dense(units=30, activation="relu"))
    if dropout:
        model.add(Dropout(0.5))
    model.add(Dense(units=15, activation="relu"))
    if dropout:
        model.add(Dropout(0.5))
    model.add(Dense(units=1, activation="sigmoid"))   # binary classification: P(label = 1)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def summarize(name: str, model) -> dict:
    h = model.history.history
    best = min(range(len(h["val_loss"])), key=h["val_loss"].__getitem__)
    print(f"{name}: {len(h['loss'])} epochs, final loss {h['loss'][-1]:.4f}, final val_loss "
          f"{h['val_loss'][-1]:.4f} (lowest {h['val_loss'][best]:.4f} at epoch {best + 1})")
    return {"epochs": len(h["loss"]), "val_loss": h["val_loss"][-1], "best_val_loss": h["val_loss"][best]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="cancer_classification.csv or its folder (default: $GLASSNET_DATA or "
                             "../shared/datasets; none there: scikit-learn's bundled copy)")
    parser.add_argument("--epochs", type=int, default=600, help="most epochs per model (default 600)")
    parser.add_argument("--quick", action="store_true", help="at most 60 epochs per model, patience 5 (tests)")
    parser.add_argument("--out", default=None, metavar="DIR", help="folder for the loss plots")
    parser.add_argument("--seed", type=int, default=101, help="seed of the split and the starting weights")
    parser.add_argument("--verbose", type=int, default=0, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)
    epochs = min(args.epochs, 60) if args.quick else args.epochs
    patience = 5 if args.quick else 25

    # ---- The data
    df = cancer_classification(find_file(args.data, FILE_NAMES))
    print(f"{len(df)} tumours, {df.shape[1] - 1} features; label counts "
          f"{df[LABEL].value_counts().sort_index().to_dict()} (0 malignant, 1 benign)")
    print("most negative correlations with the label (large, concave tumours tend to be malignant, 0):")
    print(df.corr()[LABEL].sort_values().iloc[:5].round(3).to_string())

    # ---- Train test split, scaling
    X = df.drop(LABEL, axis=1).values
    y = df[LABEL].values
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=args.seed)
    scaler = MinMaxScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    print(f"training set {X_train.shape}, test set {X_test.shape}")
    results = {}

    # ---- Example One: choosing too many epochs and overfitting
    print(f"\nExample One: {epochs} epochs, no early stopping")
    model = build_model(dropout=False)
    model.fit(x=X_train, y=y_train, epochs=epochs, validation_data=(X_test, y_test), verbose=args.verbose)
    results["overfit"] = summarize("  no early stopping", model)
    histories = {"1_overfitting": model.history}

    # ---- Example Two: Early Stopping.  Stop training when the validation loss (mode='min':
    # lower is better) has not improved for 25 epochs.
    print(f"\nExample Two: early stopping (patience {patience})")
    model = build_model(dropout=False)
    early_stop = EarlyStopping(monitor="val_loss", mode="min", verbose=1, patience=patience)
    model.fit(x=X_train, y=y_train, epochs=epochs, validation_data=(X_test, y_test), verbose=args.verbose,
              callbacks=[early_stop])
    results["early_stopping"] = summarize("  early stopping", model)
    histories["2_early_stopping"] = model.history

    # ---- Example Three: adding in Dropout layers, and early stopping.
    print(f"\nExample Three: Dropout(0.5) and early stopping (patience {patience})")
    model = build_model(dropout=True)
    early_stop = EarlyStopping(monitor="val_loss", mode="min", verbose=1, patience=patience)
    model.fit(x=X_train, y=y_train, epochs=epochs, validation_data=(X_test, y_test), verbose=args.verbose,
              callbacks=[early_stop])
    results["dropout"] = summarize("  dropout + early stopping", model)
    histories["3_dropout"] = model.history

    # ---- Model evaluation: classes from the probabilities (Keras 3 has no predict_classes).
    predictions = (model.predict(X_test, verbose=0) > 0.5).astype("int32")
    report = classification_report(y_test, predictions)
    cm = confusion_matrix(y_test, predictions)
    accuracy = float((predictions[:, 0] == y_test).mean())
    print("\nClassification report (test set, the dropout model)\n" + report)
    print("Confusion matrix (rows: true 0 malignant, 1 benign; columns: predicted)")
    print(cm)
    print(f"test accuracy {accuracy:.4f} ({int(cm.trace())} of {cm.sum()} tumours)")

    if args.out:
        from glassnet import plot as gplot

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, history in histories.items():
            gplot.history(history, path=str(out / f"loss_{name}.png"))
        gplot.confusion_matrix(y_test, predictions[:, 0], labels=["malignant (0)", "benign (1)"],
                               path=str(out / "confusion_matrix.png"))
        print(f"plots: {', '.join(sorted(p.name for p in out.glob('*.png')))} in {out}")
    results.update({"accuracy": accuracy, "confusion_matrix": cm, "report": report})
    return results


if __name__ == "__main__":
    main()
