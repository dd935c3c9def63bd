"""The course's examples (examples/*.py), end to end.

Each script runs here on a small slice (``--quick``) or on data small enough to be quick; the
runs on the full data sets, with the targets of docs/RESULTS.md, are marked ``slow``
(``make test-slow`` or ``pytest -m slow tests/test_examples.py``).  The data are the local
copies in ../shared/datasets (the ``shared_datasets`` fixture skips when they are absent).
"""
from __future__ import annotations

import gzip
import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str):
    """Import examples/<name>.py as a module (its ``main(argv)`` is what the tests call)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def needs(*modules):
    for m in modules:
        pytest.importorskip(m)


# --------------------------------------------------------------------------- perceptron_xor
def test_perceptron_xor_hidden_layer_learns_xor(tmp_path, capsys):
    needs("matplotlib")
    load_example("perceptron_xor").main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    # the perceptron part is unchanged
    assert "converged after 6 epochs: w = (2, 1), b = -3" in out
    assert "XOR  (eta = 1" in out and "did NOT converge in 20 epochs" in out
    # the multi-layer perceptron: every XOR row right
    assert "2 inputs -> 8 tanh -> 1 sigmoid" in out and "33 weights" in out
    assert "accuracy of the multi-layer perceptron: 1.00" in out
    assert out.count("  ok") >= 4 and "WRONG" not in out.split("Multi-layer perceptron")[1]
    assert (tmp_path / "perceptron_lines.png").stat().st_size > 0
    assert (tmp_path / "xor_boundaries.png").stat().st_size > 0


def test_perceptron_xor_plot_to_a_file_saves_both_pictures(tmp_path, capsys):
    needs("matplotlib")
    load_example("perceptron_xor").main(["--plot", str(tmp_path / "gates.png"), "--epochs", "300"])
    assert (tmp_path / "gates.png").is_file() and (tmp_path / "gates_mlp.png").is_file()


def test_perceptron_xor_mlp_is_repeatable():
    example = load_example("perceptron_xor")
    m1, x, _, acc1 = example.train_xor_mlp(epochs=50, seed=3)
    m2, _, _, acc2 = example.train_xor_mlp(epochs=50, seed=3)
    np.testing.assert_array_equal(m1.predict(x, verbose=0), m2.predict(x, verbose=0))


# --------------------------------------------------------------------------- backprop
def test_backprop_worked_example_prints_the_notes_numbers(tmp_path, capsys):
    example = load_example("backprop_worked_example")
    assert example.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "DIFFERS" not in out and "PASSED" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.split()}
    # the notes' number and glassnet's, side by side (glassnet's printed to 9 decimals)
    for name, notes, ours in [("E_total", "0.298371109", "0.298371109"),
                              ("dE_total/dw5", "0.082167041", "0.082167041"),
                              ("w5+", "0.35891648", "0.358916480"), ("w6+", "0.408666186", "0.408666186"),
                              ("w7+", "0.511301270", "0.511301270"), ("w8+", "0.561370121", "0.561370121"),
                              ("w1+", "0.149780716", "0.149780716")]:
        assert lines[name].split()[1:3] == [notes, ours], lines[name]
    assert "0.291027924  = the notes' number" in out
    assert (tmp_path / "trace.json").stat().st_size > 0


def test_backprop_worked_example_in_float32(capsys):
    assert load_example("backprop_worked_example").main(["--dtype", "float32"]) == 0


# --------------------------------------------------------------------------- fake_reg
def test_keras_syntax_fake_reg_quick(shared_datasets, tmp_path, capsys):
    needs("pandas", "sklearn", "h5py", "matplotlib")
    example = load_example("keras_syntax_fake_reg")
    result = example.main(["--data", str(shared_datasets), "--quick", "--out", str(tmp_path), "--verbose", "0"])
    out = capsys.readouterr().out
    assert "300 gems" in out and "new gem [[998, 1000]]" in out
    assert result["epochs"] == 20 and np.isfinite(result["mae"])
    assert result["mse"] == pytest.approx(result["test_score"], rel=1e-4)   # evaluate's mse = sklearn-style mse
    # model.save('my_model.h5') and load_model give back the same model
    assert result["reloaded_same"] is True
    for name in ("my_model.h5", "loss.png", "predictions.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_keras_syntax_fake_reg_takes_the_csv_path(shared_datasets, capsys):
    needs("pandas", "sklearn", "h5py")
    example = load_example("keras_syntax_fake_reg")
    result = example.main(["--data", str(shared_datasets / "fake_reg.csv"), "--quick", "--epochs", "2",
                           "--verbose", "0"])
    assert result["epochs"] == 2 and result["reloaded_same"] is True


def test_examples_say_where_the_data_is_missing(tmp_path, capsys):
    needs("pandas", "sklearn")
    with pytest.raises(SystemExit):
        load_example("keras_syntax_fake_reg").main(["--data", str(tmp_path), "--quick"])
    assert "no fake_reg.csv there" in capsys.readouterr().err


# --------------------------------------------------------------------------- kc_house
def test_regression_kc_house_quick(shared_datasets, tmp_path, capsys):
    needs("pandas", "sklearn", "matplotlib")
    result = load_example("regression_kc_house").main(
        ["--data", str(shared_datasets), "--quick", "--out", str(tmp_path), "--verbose", "0"])
    out = capsys.readouterr().out
    # month and year in, id, zipcode and date out: 19 features
    assert result["n_features"] == 19 and "training set (1400, 19)" in out
    assert result["epochs"] == 10 and np.isfinite(result["mae"])
    assert "explained variance score" in out and "house 0: predicted" in out
    assert (tmp_path / "loss.png").stat().st_size > 0


# --------------------------------------------------------------------------- breast cancer
def test_classification_cancer_quick(shared_datasets, tmp_path, capsys):
    needs("pandas", "sklearn", "matplotlib")
    result = load_example("classification_cancer").main(
        ["--data", str(shared_datasets), "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "569 tumours, 30 features" in out and "training set (426, 30), test set (143, 30)" in out
    assert "Example One" in out and "Example Two" in out and "Example Three" in out
    assert "precision    recall  f1-score   support" in out
    assert result["confusion_matrix"].sum() == 143
    assert result["accuracy"] >= 0.9
    assert len(list(tmp_path.glob("loss_*.png"))) == 3 and (tmp_path / "confusion_matrix.png").is_file()


# --------------------------------------------------------------------------- LendingClub
def test_loan_default_quick(shared_datasets, capsys):
    needs("pandas", "sklearn")
    result = load_example("loan_default").main(["--data", str(shared_datasets), "--quick", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "lending_club_loan_two_sample.csv: 1000 loans" in out
    assert "correlation of each numeric feature with loan_repaid" in out
    assert "non-numeric columns left: ['loan_status']" in out
    assert f"{result['n_features']} features (the input width" in out
    assert result["epochs"] == 5 and result["confusion_matrix"].sum() == math.ceil(0.2 * result["n_rows"])


def test_loan_default_on_the_whole_sample(shared_datasets, tmp_path, capsys):
    """The shipped 2,066-loan sample, the course's 25 epochs: fewer dummy columns than the full file's 78."""
    needs("pandas", "sklearn", "matplotlib", "h5py")
    result = load_example("loan_default").main(["--data", str(shared_datasets), "--out", str(tmp_path),
                                                "--verbose", "0"])
    out = capsys.readouterr().out
    assert "2066 loans" in out and "dropped 4 rows" in out
    assert result["n_rows"] == 2062 and result["n_features"] == 76
    assert result["epochs"] == 25
    assert result["accuracy"] > result["baseline"]           # better than always saying "repaid"
    for name in ("eda.png", "loss.png", "confusion_matrix.png", "full_data_project_model.h5"):
        assert (tmp_path / name).stat().st_size > 0


def test_loan_default_reads_the_full_files_format(shared_datasets, tmp_path, capsys):
    """The full file writes Jan-2015 and has NONE/ANY home ownership: rebuild the sample that way."""
    pd = pytest.importorskip("pandas")
    needs("sklearn")
    from glassnet.datasets.tabular import parse_month_year

    df = pd.read_csv(shared_datasets / "lending_club_loan_two_sample.csv")
    for column in ("issue_d", "earliest_cr_line"):
        df[column] = parse_month_year(df[column]).dt.strftime("%b-%Y")
    df.loc[:4, "home_ownership"] = ["NONE", "ANY", "NONE", "ANY", "NONE"]
    df.to_csv(tmp_path / "lending_club_loan_two.csv", index=False)
    (tmp_path / "lending_club_loan_two_sample.csv").write_text("not this one")   # the full name wins
    result = load_example("loan_default").main(["--data", str(tmp_path), "--quick", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "lending_club_loan_two.csv: 1000 loans" in out
    assert "'OTHER': 5" in out
    quick_sample = load_example("loan_default").main(
        ["--data", str(shared_datasets / "lending_club_loan_two_sample.csv"), "--quick", "--verbose", "0"])
    assert result["n_features"] == quick_sample["n_features"] + 1      # the OTHER dummy column


# --------------------------------------------------------------------------- MNIST
def test_mnist_dropout_quick_from_the_idx_files(shared_datasets, tmp_path, capsys):
    needs("matplotlib")
    result = load_example("mnist_dropout").main(
        ["--data", str(shared_datasets), "--source", "idx", "--quick", "--out", str(tmp_path), "--verbose", "0"])
    out = capsys.readouterr().out
    assert "training images (3000, 28, 28), test images (1000, 28, 28)" in out
    assert "one-hot: [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]" in out        # the first training label is a 5
    assert "Total params: 669,706" in out                          # 784*512+512 + 512*512+512 + 512*10+10
    assert result["epochs"] == 2 and result["test_accuracy"] > 0.8
    assert result["confusion_matrix"].sum() == 1000
    assert (tmp_path / "history.png").is_file() and (tmp_path / "confusion_matrix.png").is_file()


def test_mnist_dropout_reads_the_labs_csv_pair(shared_datasets, tmp_path, capsys):
    """The lab's mnist_train.csv / mnist_test.csv (here their first lines), found in the --data folder."""
    source = shared_datasets / "mnist"
    for name, lines in (("mnist_train.csv", 600), ("mnist_test.csv", 200)):
        with gzip.open(source / f"{name}.gz", "rt") as fh:
            (tmp_path / name).write_text("".join(itertools.islice(fh, lines)))
    result = load_example("mnist_dropout").main(["--data", str(tmp_path), "--epochs", "1", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "mnist_train.csv and" in out and "training images (600, 28, 28), test images (200, 28, 28)" in out
    assert result["epochs"] == 1 and result["confusion_matrix"].sum() == 200


# --------------------------------------------------------------------------- full data (slow)
@pytest.mark.slow
def test_full_keras_syntax_fake_reg(shared_datasets, capsys):
    result = load_example("keras_syntax_fake_reg").main(["--data", str(shared_datasets), "--verbose", "0"])
    assert result["epochs"] == 250
    assert result["mae"] <= 5.0
    assert result["reloaded_same"] is True


@pytest.mark.slow
def test_full_regression_kc_house(shared_datasets, capsys):
    result = load_example("regression_kc_house").main(["--data", str(shared_datasets), "--verbose", "0"])
    assert result["epochs"] == 400
    assert result["mae"] <= 110_000
    assert result["explained_variance"] >= 0.75


@pytest.mark.slow
def test_full_classification_cancer(shared_datasets, capsys):
    result = load_example("classification_cancer").main(["--data", str(shared_datasets)])
    assert result["dropout"]["epochs"] < 600            # early stopping ended it
    assert result["accuracy"] >= 0.96


@pytest.mark.slow
def test_full_loan_default(shared_datasets, capsys):
    """Only where the full 396,030-loan file has been put next to the sample (it is not shipped)."""
    full = shared_datasets / "lending_club_loan_two.csv"
    if not full.is_file():
        pytest.skip(f"the full LendingClub file is not at {full}")
    result = load_example("loan_default").main(["--data", str(full), "--verbose", "0"])
    assert result["n_rows"] == 395219 and result["n_features"] == 78   # the course's numbers
    assert result["accuracy"] >= 0.88


@pytest.mark.slow
def test_full_mnist_dropout(shared_datasets, capsys):
    result = load_example("mnist_dropout").main(["--data", str(shared_datasets), "--verbose", "0"])
    assert result["epochs"] == 20
    assert result["test_accuracy"] >= 0.982
