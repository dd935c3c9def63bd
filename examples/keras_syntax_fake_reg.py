"""Keras syntax basics: predict a gemstone's price from two features (fake_reg.csv), save and reload the model.

    python examples/keras_syntax_fake_reg.py                       # 250 epochs, prints the course's metrics
    python examples/keras_syntax_fake_reg.py --out runs/fake_reg   # ... and the plots and my_model.h5 there
    python examples/keras_syntax_fake_reg.py --data /path/to/fake_reg.csv --epochs 50

The course's steps: read the data, split it into train and test sets, scale the features to
[0, 1], build a Sequential model (three Dense(4, relu) layers and one output neuron), compile it
with rmsprop and mse, fit it for 250 epochs, evaluate it (MSE, MAE, RMSE), predict the price of a
new gem, save the model to my_model.h5 and load it back.

The model code is Keras's: replace `glassnet` by `tensorflow.keras` (or `keras`) in the imports
and it runs on Keras.  The preprocessing uses scikit-learn (train_test_split, MinMaxScaler), as
the course does; scikit-learn is one of glassnet's test dependencies, not a library dependency.
"""
from __future__ import annotations

import argparse
import tempfile
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from glassnet.datasets import fake_reg
from glassnet.evaluation import mean_absolute_error, mean_squared_error
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model
from glassnet.utils import set_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data, find_file  # noqa: E402

FILE_NAMES = ("fake_reg.csv",)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="fake_reg.csv or its folder (default: $GLASSNET_DATA or ../shared/datasets, else the public copy, fetched once)")
    parser.add_argument("--epochs", type=int, default=250, help="training epochs (default 250, the course's)")
    parser.add_argument("--quick", action="store_true", help="a small slice (300 rows, 20 epochs) for tests")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="folder for the plots and my_model.h5 (default: no plots, the model in a temp folder)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the split and the starting weights")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)                       # keras.utils.set_random_seed: repeatable weights

    # ---- The data: the price of a gem and two measured features of it.
    df = fake_reg(find_file(args.data, FILE_NAMES, parser))
    epochs = args.epochs
    if args.quick:
        df, epochs = df.iloc[:300], min(epochs, 20)
    print(f"{len(df)} gems; columns {list(df.columns)}")
    print(df.describe().transpose()[["mean", "std", "min", "max"]])

    # Features X and label y, as NumPy arrays (.values)
    X = df[["feature1", "feature2"]].values
    y = df["price"].values

    # ---- Train/test split (scikit-learn), 30 % held out for testing.
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=args.seed)

    # ---- Normalizing/scaling the data: fit the scaler on the training set only, so no
    # information from the test set leaks into training.
    scaler = MinMaxScaler()
    scaler.fit(X_train)
    X_train = scaler.transform(X_train)
    X_test = scaler.transform(X_test)

    # ---- Creating a model: three hidden layers of 4 relu neurons, one output neuron
    # (no activation: a regression predicts the price itself).
    model = Sequential()
    model.add(Dense(4, activation="relu"))
    model.add(Dense(4, activation="relu"))
    model.add(Dense(4, activation="relu"))
    # Final output node for prediction
    model.add(Dense(1))
    model.compile(optimizer="rmsprop", loss="mse")

    # ---- Training: one epoch is one pass over the whole training set (32 rows per batch).
    model.fit(X_train, y_train, epochs=epochs, verbose=args.verbose)
    model.summary()
    loss = model.history.history["loss"]
    print(f"training loss (mse): epoch 1 {loss[0]:.2f} -> epoch {len(loss)} {loss[-1]:.2f}")

    # ---- Evaluation: the loss (mse) on the training and the test set.
    training_score = model.evaluate(X_train, y_train, verbose=0)
    test_score = model.evaluate(X_test, y_test, verbose=0)
    print(f"model.evaluate: training mse {training_score:.4f}, test mse {test_score:.4f}")

    # Predictions on the test set, next to the true prices.
    test_predictions = model.predict(X_test, verbose=0)
    pred_df = pd.DataFrame(y_test, columns=["Test Y"])
    pred_df["Model Predictions"] = test_predictions.reshape(-1)
    pred_df["Error"] = pred_df["Test Y"] - pred_df["Model Predictions"]
    print(pred_df.head())
    mae = mean_absolute_error(pred_df["Test Y"], pred_df["Model Predictions"])
    mse = mean_squared_error(pred_df["Test Y"], pred_df["Model Predictions"])
    print(f"test MAE  {mae:.4f}   (mean price {df['price'].mean():.2f}: an error of "
          f"{100 * mae / df['price'].mean():.2f} %)")
    print(f"test MSE  {mse:.4f}   (essentially model.evaluate's {test_score:.4f})")
    print(f"test RMSE {test_score ** 0.5:.4f}")

    # ---- Predicting on brand new data: [[Feature1, Feature2]]; don't forget to scale!
    new_gem = [[998, 1000]]
    new_gem = scaler.transform(new_gem)
    new_price = float(model.predict(new_gem, verbose=0)[0, 0])
    print(f"new gem [[998, 1000]] -> predicted price {new_price:.2f}")

    # ---- Saving and loading a model (HDF5, Keras's legacy .h5 format).  (On Keras 3 itself,
    # checked with 3.15.1, load_model of an .h5 compiled with loss="mse" fails with "Could not
    # deserialize 'keras.metrics.mse'"; there, save to "my_model.keras" or pass compile=False.)
    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = str((out or Path(tmp)) / "my_model.h5")
        model.save(model_path)                       # creates a HDF5 file 'my_model.h5'
        later_model = load_model(model_path)
        later_price = float(later_model.predict(new_gem, verbose=0)[0, 0])
        same = np.array_equal(later_model.predict(X_test, verbose=0), test_predictions)
    print(f"saved to {model_path if out else 'my_model.h5 (temporary folder)'}; the reloaded model "
          f"predicts {later_price:.2f} for the new gem; same predictions on the test set: {same}")

    if out is not None:
        plot(model, pred_df, out)
    return {"mae": mae, "mse": mse, "test_score": test_score, "new_price": new_price,
            "reloaded_same": same, "epochs": len(loss)}


def plot(model, pred_df, out: Path) -> None:
    """The course's pictures: the loss per epoch, true against predicted prices, the errors."""
    from glassnet import plot as gplot
    import matplotlib.pyplot as plt

    gplot.history(model.history, path=str(out / "loss.png"))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    axes[0].scatter(pred_df["Test Y"], pred_df["Model Predictions"], s=8)
    axes[0].set(xlabel="Test Y", ylabel="Model Predictions", title="test set: true vs predicted price")
    axes[1].hist(pred_df["Error"], bins=50)
    axes[1].set(xlabel="Test Y - Model Predictions", title="distribution of the errors")
    fig.tight_layout()
    fig.savefig(out / "predictions.png", dpi=100)
    plt.close(fig)
    print(f"plots: {out / 'loss.png'}, {out / 'predictions.png'}")


if __name__ == "__main__":
    main()
