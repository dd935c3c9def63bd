"""The Keras project: will a LendingClub borrower pay back the loan?  (lending_club_loan_two.csv)

    python examples/loan_default.py --data /path/to/lending_club_loan_two.csv   # the full 396,030 loans
    python examples/loan_default.py                    # the shipped 2,066-loan sample (../shared/datasets)
    python examples/loan_default.py --out runs/loans   # ... and the EDA plots, the loss plot, the model
    python examples/loan_default.py --quick            # the first 1,000 loans, 5 epochs: for tests

The course's steps, section by section:

1. Exploratory data analysis: how many loans were paid back, loan amount and installment,
   grades and sub-grades, and the new label loan_repaid (1 = Fully Paid, 0 = Charged Off)
   with the correlation of every numeric feature with it.
2. Data preprocessing.  Missing data: emp_title (too many distinct job titles), emp_length
   (charge-off rates barely differ between lengths) and title (a repeat of purpose) are dropped;
   mort_acc is filled with the mean mort_acc of the loans with the same total_acc (its most
   correlated feature); the few rows still missing revol_util or pub_rec_bankruptcies are dropped.
   Categorical data: term to an integer (36 or 60), grade dropped (sub_grade holds it), dummy
   variables for sub_grade, verification_status, application_type, initial_list_status, purpose,
   home_ownership (NONE and ANY merged into OTHER) and the zip code taken from the address;
   issue_d dropped (we would not know it before deciding on the loan: data leakage);
   earliest_cr_line reduced to its year.  Then a 80/20 train/test split and MinMax scaling.
3. The model: Dense(78) relu, Dropout(0.2), Dense(39) relu, Dropout(0.2), Dense(19) relu,
   Dropout(0.2), Dense(1) sigmoid; binary cross-entropy, adam, batch size 256, 25 epochs, the
   test set as validation data.  The first layer has as many neurons as there are features:
   78 on the full file; the sample has fewer categories, so fewer dummy columns (printed).
4. Evaluation: the loss plot, the classification report, the confusion matrix, and one customer.

The model code is Keras's (replace `glassnet` by `tensorflow.keras` in the imports).  The data
work is pandas; the split and the scaling use scikit-learn, as the course does.  The dates are
parsed by glassnet.datasets.lending_club, which reads both spellings (the full file's Jan-2015,
the sample's Jan-15).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from glassnet.datasets import lending_club
from glassnet.evaluation import classification_report, confusion_matrix
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential
from glassnet.utils import set_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the examples' shared helper, _data.py
from _data import default_data, find_file  # noqa: E402

# The full file first, then the public sample shipped with the tests' data.
FILE_NAMES = ("lending_club_loan_two.csv", "lending_club_loan_two_sample.csv")


# ------------------------------------------------------------------ 1. exploratory data analysis
def explore(df: pd.DataFrame) -> None:
    print("\n== Section 1: Exploratory Data Analysis")
    print("loan_status counts:", df["loan_status"].value_counts().to_dict())
    print(f"correlation of installment and loan_amnt: {df['installment'].corr(df['loan_amnt']):.3f} "
          "(the installment is computed from the amount)")
    print("loan_amnt by loan_status:")
    print(df.groupby("loan_status")["loan_amnt"].describe()[["count", "mean", "std", "50%"]].round(1).to_string())
    charged_off = df["loan_status"].eq("Charged Off")
    print("share charged off per grade:",
          charged_off.groupby(df["grade"]).mean().round(3).to_dict())
    print("sub-grades:", " ".join(sorted(df["sub_grade"].unique())))
    fg = df[df["grade"].isin(["F", "G"])]
    print(f"grades F and G: {len(fg)} loans, {charged_off[fg.index].mean():.0%} charged off "
          f"(all loans: {charged_off.mean():.0%})")


def loan_repaid_correlations(df: pd.DataFrame) -> pd.Series:
    corr = df.corr(numeric_only=True)["loan_repaid"].sort_values().drop("loan_repaid")
    print("correlation of each numeric feature with loan_repaid:")
    print(corr.round(3).to_string())
    return corr


# ------------------------------------------------------------------ 2. data preprocessing
def fill_missing(df: pd.DataFrame) -> pd.DataFrame:
    print("\n== Section 2: Data PreProcessing -- missing data")
    print(f"{len(df)} loans; percent missing per column:")
    missing = 100 * df.isnull().sum() / len(df)
    print(missing[missing > 0].round(3).to_string())

    # emp_title: far too many distinct job titles to turn into dummy variables.
    print(f"emp_title: {df['emp_title'].nunique()} distinct titles; the most common:",
          df["emp_title"].value_counts().head(5).to_dict())
    df = df.drop("emp_title", axis=1)

    # emp_length: the share of charged-off loans is nearly the same for every length.
    emp_co = df[df["loan_status"] == "Charged Off"].groupby("emp_length").count()["loan_status"]
    emp_fp = df[df["loan_status"] == "Fully Paid"].groupby("emp_length").count()["loan_status"]
    emp_len = emp_co / emp_fp
    print("emp_length: charged off / fully paid:", emp_len.round(2).to_dict())
    df = df.drop("emp_length", axis=1)

    # title: a sub-category / description of purpose, so a repeat of it.
    print("purpose vs title:", list(zip(df["purpose"].head(3), df["title"].head(3))))
    df = df.drop("title", axis=1)

    # mort_acc: fill a missing value with the mean mort_acc of the loans with the same
    # total_acc, the feature it correlates with most.
    print("correlation with mort_acc:",
          df.corr(numeric_only=True)["mort_acc"].drop("mort_acc").sort_values().tail(3).round(3).to_dict())
    total_acc_avg = df.groupby("total_acc")["mort_acc"].mean()
    # the course's fill_mort_acc(total_acc, mort_acc), row by row with df.apply; the same vectorised:
    df["mort_acc"] = df["mort_acc"].fillna(df["total_acc"].map(total_acc_avg))

    # revol_util and pub_rec_bankruptcies are missing in well under 0.5 % of rows: drop those rows.
    before = len(df)
    df = df.dropna()
    print(f"dropped {before - len(df)} rows with remaining missing values; {len(df)} left; "
          f"missing now: {int(df.isnull().sum().sum())}")
    return df


def dummies(df: pd.DataFrame) -> pd.DataFrame:
    print("\n== Categorical variables and dummy variables")
    print("non-numeric columns:", list(df.select_dtypes(exclude="number").columns))
    # (pandas >= 2 makes bool dummy columns; dtype=int gives the 0/1 integers of the course's pandas)

    # term: ' 36 months' -> 36
    df["term"] = df["term"].apply(lambda term: int(term[:3]))

    # grade is part of sub_grade: drop it, make dummies of sub_grade.
    df = df.drop("grade", axis=1)
    subgrade_dummies = pd.get_dummies(df["sub_grade"], drop_first=True, dtype=int)
    df = pd.concat([df.drop("sub_grade", axis=1), subgrade_dummies], axis=1)

    # verification_status, application_type, initial_list_status, purpose
    columns = ["verification_status", "application_type", "initial_list_status", "purpose"]
    more = pd.get_dummies(df[columns], drop_first=True, dtype=int)
    df = pd.concat([df.drop(columns, axis=1), more], axis=1)

    # home_ownership: NONE and ANY are rare, merge them into OTHER.
    df["home_ownership"] = df["home_ownership"].replace(["NONE", "ANY"], "OTHER")
    print("home_ownership:", df["home_ownership"].value_counts().to_dict())
    more = pd.get_dummies(df["home_ownership"], drop_first=True, dtype=int)
    df = pd.concat([df.drop("home_ownership", axis=1), more], axis=1)

    # address: keep the zip code (its last 5 characters).
    df["zip_code"] = df["address"].apply(lambda address: address[-5:])
    print(f"zip codes: {df['zip_code'].nunique()}")
    more = pd.get_dummies(df["zip_code"], drop_first=True, dtype=int)
    df = pd.concat([df.drop(["zip_code", "address"], axis=1), more], axis=1)

    # issue_d: we would not know whether a loan was issued when deciding to give it: data leakage.
    df = df.drop("issue_d", axis=1)

    # earliest_cr_line -> its year (the course: int(date[-4:]); the loader parsed the dates).
    df["earliest_cr_year"] = df["earliest_cr_line"].dt.year
    df = df.drop("earliest_cr_line", axis=1)
    print("non-numeric columns left:", list(df.select_dtypes(exclude="number").columns))
    return df


def build_model(n_features: int) -> Sequential:
    model = Sequential()
    # input layer: one neuron per feature (78 on the full data)
    model.add(Dense(n_features, activation="relu"))
    model.add(Dropout(0.2))
    # hidden layer
    model.add(Dense(39, activation="relu"))
    model.add(Dropout(0.2))
    # hidden layer
    model.add(Dense(19, activation="relu"))
    model.add(Dropout(0.2))
    # output layer
    model.add(Dense(units=1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default_data(),
                        help="lending_club_loan_two.csv (full) or the sample, or their folder "
                             "(default: $GLASSNET_DATA or ../shared/datasets, the full file preferred; else the public 2,066-loan sample)")
    parser.add_argument("--epochs", type=int, default=25, help="training epochs (default 25, the course's)")
    parser.add_argument("--quick", action="store_true", help="the first 1000 loans, 5 epochs (tests)")
    parser.add_argument("--out", default=None, metavar="DIR", help="folder for the plots and the saved model")
    parser.add_argument("--seed", type=int, default=101, help="seed of the split and the starting weights")
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2), help="fit's verbosity")
    args = parser.parse_args(argv)
    set_random_seed(args.seed)
    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    path = find_file(args.data, FILE_NAMES, parser)
    df = lending_club(path)
    epochs = args.epochs
    if args.quick:
        df, epochs = df.iloc[:1000].copy(), min(epochs, 5)
    print(f"{path}: {len(df)} loans, {df.shape[1]} columns")

    # ---- Section 1
    explore(df)
    df["loan_repaid"] = df["loan_status"].map({"Fully Paid": 1, "Charged Off": 0})
    corr = loan_repaid_correlations(df)
    if out is not None:
        eda_plots(df, corr, out)

    # ---- Section 2
    df = fill_missing(df)
    df = dummies(df)

    # ---- Train test split: loan_status is the label written out; loan_repaid is the 0/1 label.
    df = df.drop("loan_status", axis=1)
    X = df.drop("loan_repaid", axis=1).values
    y = df["loan_repaid"].values
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.20, random_state=args.seed)

    # ---- Normalizing the data (fit on the training set only)
    scaler = MinMaxScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    n_features = X_train.shape[1]
    print(f"\n{len(df)} loans, {n_features} features (the input width; 78 on the full file); "
          f"training set {X_train.shape}, test set {X_test.shape}")

    # ---- Section 3: creating and training the model
    model = build_model(n_features)
    model.fit(x=X_train, y=y_train, epochs=epochs, batch_size=256, validation_data=(X_test, y_test),
              verbose=args.verbose)
    if out is not None:
        model.save(str(out / "full_data_project_model.h5"))

    # ---- Section 4: evaluating model performance
    losses = model.history.history
    print(f"\nepoch {len(losses['loss'])}: loss {losses['loss'][-1]:.4f}, val_loss {losses['val_loss'][-1]:.4f}")
    predictions = (model.predict(X_test, verbose=0) > 0.5).astype("int32")   # Keras 3: no predict_classes
    report = classification_report(y_test, predictions)
    cm = confusion_matrix(y_test, predictions)
    accuracy = float(np.trace(cm) / cm.sum())
    print("\nClassification report (test set; 0 = Charged Off, 1 = Fully Paid)\n" + report)
    print("Confusion matrix (rows: true 0, 1; columns: predicted 0, 1)")
    print(cm)
    share_repaid = float(y_test.mean())
    print(f"test accuracy {accuracy:.4f}; always guessing 'repaid' would score {share_repaid:.4f}: "
          "the recall and f1-score of class 0 tell how well charged-off loans are caught")

    # ---- Given this customer, would you offer them a loan?
    random.seed(101)
    random_ind = random.randint(0, len(df) - 1)
    new_customer = df.drop("loan_repaid", axis=1).iloc[random_ind]
    # (the course passes the raw values; the model was trained on scaled data, so scale them)
    new_customer = scaler.transform(new_customer.values.reshape(1, n_features))
    probability = float(model.predict(new_customer, verbose=0)[0, 0])
    print(f"customer {random_ind}: P(repaid) = {probability:.3f} -> "
          f"{'offer the loan' if probability > 0.5 else 'decline'}; "
          f"did they repay? {'yes' if df.iloc[random_ind]['loan_repaid'] == 1 else 'no'}")

    if out is not None:
        from glassnet import plot as gplot

        gplot.history(model.history, path=str(out / "loss.png"))
        gplot.confusion_matrix(y_test, predictions[:, 0], labels=["charged off", "fully paid"],
                               path=str(out / "confusion_matrix.png"))
        print(f"plots and model in {out}: {', '.join(sorted(p.name for p in out.iterdir()))}")
    return {"n_rows": len(df), "n_features": n_features, "accuracy": accuracy, "confusion_matrix": cm,
            "report": report, "epochs": len(losses["loss"]), "baseline": share_repaid}


def eda_plots(df: pd.DataFrame, corr: pd.Series, out: Path) -> None:
    """The course's EDA pictures, drawn with matplotlib (the course uses seaborn)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    counts = df["loan_status"].value_counts()
    axes[0, 0].bar(counts.index, counts.values, color=["#1f77b4", "#ff7f0e"])
    axes[0, 0].set(title="loan_status", ylabel="count")
    axes[0, 1].hist(df["loan_amnt"], bins=40)
    axes[0, 1].set(title="loan_amnt", xlabel="loan amount")
    axes[0, 2].scatter(df["installment"], df["loan_amnt"], s=2, alpha=0.3)
    axes[0, 2].set(title="installment vs loan_amnt", xlabel="installment", ylabel="loan_amnt")
    numeric = df.select_dtypes("number")
    im = axes[1, 0].imshow(numeric.corr(), cmap="viridis", vmin=-1, vmax=1)
    axes[1, 0].set_xticks(range(numeric.shape[1]), numeric.columns, rotation=90, fontsize=7)
    axes[1, 0].set_yticks(range(numeric.shape[1]), numeric.columns, fontsize=7)
    axes[1, 0].set_title("correlations")
    fig.colorbar(im, ax=axes[1, 0])
    by_sub = pd.crosstab(df["sub_grade"], df["loan_status"]).sort_index()
    by_sub.plot(kind="bar", stacked=True, ax=axes[1, 1], width=0.9, fontsize=7)
    axes[1, 1].set(title="sub_grade by loan_status", ylabel="count")
    corr.plot(kind="bar", ax=axes[1, 2], fontsize=7)
    axes[1, 2].set_title("correlation with loan_repaid")
    fig.tight_layout()
    fig.savefig(out / "eda.png", dpi=90)
    plt.close(fig)
    print(f"EDA plots: {out / 'eda.png'}")


if __name__ == "__main__":
    main()
