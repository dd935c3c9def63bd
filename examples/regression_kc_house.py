"""Keras regression code-along: King County house prices (kc_house_data.csv).

    python examples/regression_kc_house.py                        # 400 epochs (a minute or two)
    python examples/regression_kc_house.py --out runs/kc_house    # ... and the plots
    python examples/regression_kc_house.py --quick                # a small slice, for tests

The course's steps: exploratory data analysis (missing values, correlations with the price),
feature engineering (month and year from the sale date; id, zipcode and date dropped), a 70/30
train/test split, MinMax scaling, a network of four Dense(19, relu) layers and one output neuron
trained with adam on the mean squared error, batch size 128, 400 epochs with the test set as
validation data, then the loss plot, MAE, RMSE, explained variance and one house's prediction.

The model code is Keras's: replace `glassnet` by `tensorflow.keras` in the imports and it runs on
Keras.  Preprocessing uses scikit-learn (train_test_split, MinMaxScaler) as the course does; it
is a test dependency of glassnet, not a library dependency.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from glassnet.datasets import kc_house
from glassnet.evaluation import explained_variance_score, mean_absolute_error, mean_squared_error
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.utils import set_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data, find_file  # noqa: E402

FILE_NAMES = ("kc_house_data.csv", "kc_house_data.csv.gz")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="kc_house_data.csv(.gz) or its folder (default: $GLASSNET_DATA or ../shared/datasets, else the public copy, fetched once)")
    parser.add_argument("--epochs", type=int, default=400, help="training epochs (default 400, the course's)")
    parser.add_argument("--quick", action="store_true", help="a small slice (2000 houses, 10 epochs) for tests")
    parser.add_argument("--out", default=None, metavar="DIR", help="folder for the plots")
    parser.add_argument("--seed", type=int, default=101, help="seed of the split and the starting weights")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)

    df = kc_house(find_file(args.data, FILE_NAMES, parser))       # the date column comes parsed
    epochs = args.epochs
    if args.quick:
        df, epochs = df.iloc[:2000].copy(), min(epochs, 10)

    # ---- Exploratory data analysis
    print(f"{len(df)} house sales, {df.shape[1]} columns")
    missing = df.isnull().sum()
    print("missing values:", {k: int(v) for k, v in missing[missing > 0].items()} or "none")
    print(df.describe().transpose()[["mean", "std", "min", "max"]].loc[["price", "bedrooms", "sqft_living"]])
    print("correlation with the price (highest):")
    print(df.corr(numeric_only=True)["price"].sort_values(ascending=False).iloc[1:8].round(3).to_string())
    print(f"mean price {df['price'].mean():,.0f}, median {df['price'].median():,.0f}, "
          f"most expensive {df['price'].max():,.0f}")

    # This copy of the data misses sqft_above in 2 rows (the course's file has no gaps); in every
    # other row sqft_above = sqft_living - sqft_basement, so that is how the gaps are filled.
    df["sqft_above"] = df["sqft_above"].fillna(df["sqft_living"] - df["sqft_basement"])

    # ---- Feature engineering: drop the id, turn the sale date into month and year.
    df = df.drop("id", axis=1)
    df["month"] = df["date"].apply(lambda date: date.month)
    df["year"] = df["date"].apply(lambda date: date.year)
    print("mean price per year of sale:", df.groupby("year")["price"].mean().round(0).to_dict())
    df = df.drop("date", axis=1)
    # zipcode is a number but not a quantity (98105 is not "more" than 98103): drop it.
    df = df.drop("zipcode", axis=1)

    # ---- Features and label, train/test split, scaling (fit on the training set only).
    X = df.drop("price", axis=1).values
    y = df["price"].values
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=args.seed)
    scaler = MinMaxScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    print(f"training set {X_train.shape}, test set {X_test.shape}")

    # ---- Creating a model: as many neurons per layer as there are features (19).
    n_features = X_train.shape[1]
    model = Sequential()
    model.add(Dense(n_features, activation="relu"))
    model.add(Dense(n_features, activation="relu"))
    model.add(Dense(n_features, activation="relu"))
    model.add(Dense(n_features, activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer="adam", loss="mse")

    # ---- Training, with the test set as validation data to watch for overfitting.
    model.fit(x=X_train, y=y_train, validation_data=(X_test, y_test),
              batch_size=128, epochs=epochs, verbose=args.verbose)
    losses = model.history.history
    print(f"epoch {len(losses['loss'])}: loss {losses['loss'][-1]:.4g}, val_loss {losses['val_loss'][-1]:.4g}")

    # ---- Evaluation on the test data
    predictions = model.predict(X_test, verbose=0)
    mae = mean_absolute_error(y_test, predictions)
    rmse = float(np.sqrt(mean_squared_error(y_test, predictions)))
    evs = explained_variance_score(y_test, predictions)
    print(f"test MAE {mae:,.0f}  (mean price {df['price'].mean():,.0f}: about "
          f"{100 * mae / df['price'].mean():.0f} % of it)")
    print(f"test RMSE {rmse:,.0f}")
    print(f"explained variance score {evs:.4f}")

    # ---- Predicting on a brand new house: the first row, scaled as the training data.
    single_house = df.drop("price", axis=1).iloc[0]
    single_house = scaler.transform(single_house.values.reshape(-1, n_features))
    predicted = float(model.predict(single_house, verbose=0)[0, 0])
    print(f"house 0: predicted {predicted:,.0f}, sold for {df.iloc[0]['price']:,.0f}")

    if args.out:
        plot(model, y_test, predictions, Path(args.out))
    return {"mae": mae, "rmse": rmse, "explained_variance": evs, "epochs": len(losses["loss"]),
            "n_features": n_features}


def plot(model, y_test, predictions, out: Path) -> None:
    """The loss plot (training against validation), and predictions against the true prices."""
    import matplotlib.pyplot as plt

    from glassnet import plot as gplot

    out.mkdir(parents=True, exist_ok=True)
    gplot.history(model.history, path=str(out / "loss.png"))
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.scatter(y_test, predictions, s=4, alpha=0.5)
    ax.plot(y_test, y_test, "r")                     # perfect predictions
    ax.set(xlabel="true price", ylabel="predicted price", title="test set")
    fig.tight_layout()
    fig.savefig(out / "predictions.png", dpi=100)
    plt.close(fig)
    print(f"plots: {out / 'loss.png'}, {out / 'predictions.png'}")


if __name__ == "__main__":
    main()
