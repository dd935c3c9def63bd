"""The glassnet command end to end: train / evaluate / predict / summary / gradcheck on the shared CSVs.

Runs go through ``glassnet.cli.main([...])`` (plus one real ``python -m glassnet`` subprocess per
outcome); trainings use a few epochs and are shared between tests through a small cache.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("h5py")

from glassnet.cli import main  # noqa: E402

CANCER = "cancer_classification.csv"
CANCER_TARGET = "benign_0__mal_1"
LOANS = "lending_club_loan_two_sample.csv"
LOAN_TEXT = "emp_title,issue_d,title,earliest_cr_line,address"   # free text / dates: dropped

_RUNS = {}


def run(capsys, *argv):
    """``main(argv)`` -> (exit status, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def trained(name, tmp_path_factory, capsys, data, *options):
    """Train once per test session (same name, same run) and return the run folder."""
    if name not in _RUNS:
        out = tmp_path_factory.mktemp(name) / "run"
        code, stdout, stderr = run(capsys, "train", data, "--out", out, *options)
        assert code == 0, stderr
        _RUNS[name] = (out, stdout)
    return _RUNS[name]


@pytest.fixture
def cancer_run(shared_datasets, tmp_path_factory, capsys):
    return trained("cancer", tmp_path_factory, capsys, shared_datasets / CANCER, "--target", CANCER_TARGET,
                   "--epochs", 6, "--early-stopping", 3, "--seed", 1)


@pytest.fixture
def loans_run(shared_datasets, tmp_path_factory, capsys):
    return trained("loans", tmp_path_factory, capsys, shared_datasets / LOANS, "--target", "grade",
                   "--drop", LOAN_TEXT, "--drop", "sub_grade", "--epochs", 3, "--hidden", "32",
                   "--test-split", 0.1)


def one_error_line(err, command):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"glassnet {command}: error: ")
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------------------- train
def test_train_binary_writes_the_run_folder(cancer_run):
    out, stdout = cancer_run
    assert sorted(os.listdir(out)) == ["diagnostics.csv", "diagnostics.png", "history.csv", "history.png",
                                       "metrics.json", "model.keras", "preprocessing.json"]
    assert "Task: binary, target 'benign_0__mal_1'" in stdout
    assert "Total params: 4,097" in stdout                          # Keras's summary table: 30-64-32-1
    assert "Epoch 1/6" in stdout and "val_accuracy" in stdout        # Keras-style progress
    assert "Validation (113 rows): loss" in stdout and "Classification report" in stdout
    history = pd.read_csv(out / "history.csv")
    assert list(history.columns) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rows"] == {"train": 456, "validation": 113, "test": 0}
    assert metrics["epochs_run"] == len(history)
    assert metrics["validation"]["accuracy"] > 0.85
    prep = json.loads((out / "preprocessing.json").read_text())
    assert prep["task"] == "binary" and prep["classes"] == [0, 1] and len(prep["feature_names"]) == 30
    assert prep["n_rows"] == 456                                      # fitted on the training rows only


def test_same_seed_same_run(shared_datasets, tmp_path, capsys):
    argv = ["train", shared_datasets / CANCER, "--target", CANCER_TARGET, "--epochs", 2, "--verbose", 0,
            "--seed", 5, "--hidden", "8"]
    plt = pytest.importorskip("matplotlib.pyplot")
    figures = plt.get_fignums()
    assert run(capsys, *argv, "--out", tmp_path / "a") == (0, "", "")
    assert run(capsys, *argv, "--out", tmp_path / "b")[0] == 0
    assert (tmp_path / "a" / "history.csv").read_text() == (tmp_path / "b" / "history.csv").read_text()
    assert (tmp_path / "a" / "history.png").exists()
    assert plt.get_fignums() == figures          # the figure is closed once saved: no pile-up in a session


def test_train_regression_on_fake_reg(shared_datasets, tmp_path, capsys):
    data = shared_datasets / "fake_reg.csv"
    code, out, _ = run(capsys, "train", data, "--target", "price", "--epochs", 25, "--out", tmp_path,
                       "--verbose", 2, "--scaling", "minmax")
    assert code == 0
    assert "Task: regression" in out and "R²" in out and "on the standardized target" in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())["validation"]
    assert metrics["r2"] > 0.9 and metrics["mae"] < 15                # in dollars, not standardized units
    code, out, _ = run(capsys, "evaluate", tmp_path, data, "--json")
    scores = json.loads(out)
    code, out, _ = run(capsys, "predict", tmp_path, data, "--output", tmp_path / "preds.csv")
    preds = pd.read_csv(tmp_path / "preds.csv")
    truth = pd.read_csv(data)["price"]
    assert list(preds.columns) == ["predicted_price"]
    assert np.mean(np.abs(preds["predicted_price"] - truth)) == pytest.approx(scores["mae"], rel=1e-5)


def test_train_regression_on_kc_house_with_a_test_split(shared_datasets, tmp_path, capsys):
    data = shared_datasets / "kc_house_data.csv.gz"
    code, _, err = run(capsys, "train", data, "--target", "price", "--epochs", 1, "--out", tmp_path / "x")
    line = one_error_line(err, "train")
    assert "'date' (" in line and "--drop date" in line and code == 2
    assert not (tmp_path / "x").exists()                              # no half-made run folder
    code, out, err = run(capsys, "train", data, "--target", "price", "--drop", "date,id", "--categorical",
                         "zipcode", "--epochs", 1, "--test-split", 0.1, "--out", tmp_path / "run", "--verbose", 0,
                         "--batch-size", 128)
    assert code == 0, err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["rows"]["test"] == 2161 and metrics["test"]["r2"] > 0.3
    prep = json.loads((tmp_path / "run" / "preprocessing.json").read_text())
    sqft_above = next(c for c in prep["columns"] if c["name"] == "sqft_above")
    assert sqft_above["kind"] == "numeric" and sqft_above["median"] > 0    # 2 missing values: imputed
    zipcode = next(c for c in prep["columns"] if c["name"] == "zipcode")
    assert zipcode["kind"] == "categorical" and len(zipcode["categories"]) == 70


def test_train_multiclass_text_labels_with_missing_values(loans_run, shared_datasets, capsys, tmp_path):
    out, stdout = loans_run
    assert "Task: multiclass, target 'grade' (classes 'A' -> 0, 'B' -> 1" in stdout
    assert "Test (" in stdout and "Validation (" in stdout
    prep = json.loads((out / "preprocessing.json").read_text())
    emp_length = next(c for c in prep["columns"] if c["name"] == "emp_length")
    assert emp_length["missing"] is True                              # 91 missing values: their own category
    # predict on rows with categories never seen in training and missing numbers
    frame = pd.read_csv(shared_datasets / LOANS).head(20)
    frame.loc[0:4, "purpose"] = "space travel"
    frame.loc[5:9, "mort_acc"] = np.nan
    frame = frame.drop(columns=["grade"])
    frame.to_csv(tmp_path / "new.csv", index=False)
    code, csv_text, err = run(capsys, "predict", out / "model.keras", tmp_path / "new.csv")
    assert code == 0, err
    preds = pd.read_csv(pd.io.common.StringIO(csv_text))
    assert list(preds.columns) == ["predicted_grade"] + [f"proba_{g}" for g in "ABCDEFG"]
    assert set(preds["predicted_grade"]) <= set("ABCDEFG")
    np.testing.assert_allclose(preds.filter(like="proba_").sum(axis=1), 1, rtol=1e-5)


def test_train_multilabel(shared_datasets, tmp_path, capsys):
    frame = pd.read_csv(shared_datasets / CANCER)
    frame["large"] = (frame["mean radius"] > frame["mean radius"].median()).astype(int)
    frame = frame.drop(columns=["mean radius", "worst radius", "mean area", "worst area", "mean perimeter",
                                "worst perimeter"])
    frame.to_csv(tmp_path / "two_labels.csv", index=False)
    code, out, err = run(capsys, "train", tmp_path / "two_labels.csv", "--target", f"{CANCER_TARGET},large",
                         "--epochs", 5, "--out", tmp_path / "run", "--verbose", 2)
    assert code == 0, err
    assert "Task: multilabel" in out and "exact match" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["validation"]
    assert set(metrics["labels"]) == {CANCER_TARGET, "large"} and metrics["accuracy"] > 0.7
    code, csv_text, _ = run(capsys, "predict", tmp_path / "run", tmp_path / "two_labels.csv")
    preds = pd.read_csv(pd.io.common.StringIO(csv_text))
    assert list(preds.columns) == [f"predicted_{CANCER_TARGET}", "predicted_large", f"proba_{CANCER_TARGET}",
                                   "proba_large"]


def test_diverged_training_warns_on_one_line_and_exits_1(shared_datasets, tmp_path, capsys):
    code, _, err = run(capsys, "train", shared_datasets / "fake_reg.csv", "--target", "price", "--optimizer", "sgd",
                       "--lr", 100, "--epochs", 2, "--out", tmp_path, "--hidden", "8")
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("glassnet train: warning: fit: the loss became") and len(lines) == 2
    assert lines[1].startswith("glassnet train: training diverged")
    assert json.loads((tmp_path / "metrics.json").read_text())["validation"]["loss"] is None   # strict JSON


def test_ctrl_c_keeps_the_finished_epochs(shared_datasets, tmp_path, capsys, monkeypatch):
    from glassnet.models import Sequential

    real_fit = Sequential.fit

    def fit_then_ctrl_c(self, *args, **kwargs):
        real_fit(self, *args, **{**kwargs, "epochs": 2})
        raise KeyboardInterrupt("fit: interrupted by Ctrl-C")

    monkeypatch.setattr(Sequential, "fit", fit_then_ctrl_c)
    code, out, err = run(capsys, "train", shared_datasets / CANCER, "--target", CANCER_TARGET, "--out", tmp_path,
                         "--epochs", 50, "--hidden", "8")
    assert code == 130 and "Interrupted after 2 complete epoch(s)" in err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["epochs_run"] == 2
    assert (tmp_path / "model.keras").exists() and "Validation (113 rows)" in out


# --------------------------------------------------------------------- evaluate / predict / summary
def test_predict_applies_the_same_preprocessing_as_evaluate(cancer_run, shared_datasets, tmp_path, capsys):
    out, _ = cancer_run
    data = shared_datasets / CANCER
    code, text, _ = run(capsys, "evaluate", out, data)
    assert code == 0 and "Classification report" in text and "(569 rows)" in text
    code, text, _ = run(capsys, "evaluate", out, data, "--json", "--target", CANCER_TARGET)
    scores = json.loads(text)
    assert scores["rows"] == 569 and np.sum(scores["confusion_matrix"]) == 569
    assert run(capsys, "predict", out, data, "-o", tmp_path / "p.csv")[1].startswith("Wrote 569 predictions")
    preds = pd.read_csv(tmp_path / "p.csv")
    truth = pd.read_csv(data)[CANCER_TARGET]
    assert list(preds.columns) == [f"predicted_{CANCER_TARGET}", "proba_0", "proba_1"]
    assert (preds[f"predicted_{CANCER_TARGET}"] == truth).mean() == pytest.approx(scores["accuracy"], abs=1e-12)
    # the keras evaluate accuracy (threshold 0.5) agrees with the predicted labels
    assert scores["accuracy"] == pytest.approx((preds["proba_1"] > 0.5).eq(truth == 1).mean(), abs=1e-12)
    # MODEL may be the folder or the .keras file; --keep-columns writes the inputs too
    run(capsys, "predict", out / "model.keras", data, "--keep-columns", "-o", tmp_path / "q.csv")
    both = pd.read_csv(tmp_path / "q.csv")
    assert both.shape == (569, 31 + 3)
    pd.testing.assert_frame_equal(both[preds.columns], preds)


def test_summary_shows_the_model_and_the_preprocessing(cancer_run, capsys):
    out, _ = cancer_run
    code, text, _ = run(capsys, "summary", out)
    assert code == 0
    assert 'Model: "glassnet_train"' in text and "hidden_1 (Dense)" in text and "Total params: 4,097" in text
    assert "Preprocessing (preprocessing.json)" in text and "Numeric (30, scaled (x - mean) / std" in text
    assert "Validation at the end of training" in text


def test_gradcheck_on_a_model_and_on_its_data(cancer_run, shared_datasets, capsys):
    out, _ = cancer_run
    code, text, _ = run(capsys, "gradcheck", out, "--max-checks", 10)
    assert code == 0 and "PASSED" in text and "8 random rows" in text
    code, text, _ = run(capsys, "gradcheck", out, shared_datasets / CANCER, "--target", CANCER_TARGET,
                        "--rows", 4, "--max-checks", 10)
    assert code == 0 and "PASSED" in text and "the first 4 rows of cancer_classification.csv" in text
    code, text, _ = run(capsys, "gradcheck")                           # the notes' worked example, as before
    assert code == 0 and "PASSED" in text


# -------------------------------------------------------------------------------------- errors
@pytest.fixture
def small_csvs(tmp_path):
    files = {
        "one_class.csv": "a,b,y\n1,2,3\n4,5,3\n6,7,3\n",
        "nan_target.csv": "a,b,y\n1,2,1\n4,5,\n6,7,0\n",
        "empty.csv": "",
        "header_only.csv": "a,b,y\n",
        "ok.csv": "a,b,y\n1,2,1\n4,5,0\n6,7,0\n3,1,1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "free_text.csv").write_text(
        "note,x,y\n" + "".join(f"text number {i},{i},{i % 2}\n" for i in range(80)))
    return tmp_path


@pytest.mark.parametrize("argv, expected", [
    (["train", "{d}/missing.csv", "--target", "y"], "no such file: '{d}/missing.csv'"),
    (["train", "{d}/ok.csv", "--target", "why"], "ok.csv has no target column 'why'; its columns are: a, b, y"),
    (["train", "{d}/one_class.csv", "--target", "y"], "holds a single class ('3') in all 3 rows"),
    (["train", "{d}/nan_target.csv", "--target", "y"], "target column 'y' has 1 missing value (data rows 2)"),
    (["train", "{d}/empty.csv", "--target", "y"], "'{d}/empty.csv' is empty (0 bytes)"),
    (["train", "{d}/header_only.csv", "--target", "y"], "has a header but no data rows"),
    (["train", "{d}/free_text.csv", "--target", "y"],
     "cannot one-hot encode text column with more than 50 distinct values (free text, identifiers or dates): "
     "'note' (64 distinct values); drop it with --drop note"),
    (["train", "{d}/ok.csv", "--target", "y", "--drop", "c"], "ok.csv has no column 'c'"),
    (["train", "{d}/ok.csv", "--target", "a", "--task", "binary"], "the binary task needs exactly two classes"),
    (["train", "{d}/ok.csv", "--target", "y", "--hidden", "8,x"], "--hidden must be comma-separated"),
    (["train", "{d}/ok.csv", "--target", "y", "--validation-split", "1.5"], "--validation-split must be in"),
    (["train", "{d}/ok.csv", "--target", "y", "--optimizer", "adamm"], "--optimizer: unknown optimizer 'adamm'"),
    (["train", "{d}/ok.csv"], "the following arguments are required: --target"),
    (["predict", "{d}/no_run", "{d}/ok.csv"], "no such model file or run folder"),
    (["summary", "{d}"], "is a folder without model.keras"),
])
def test_errors_are_one_line_with_status_2(small_csvs, capsys, monkeypatch, argv, expected):
    monkeypatch.chdir(small_csvs)                                     # where a default runs/ folder would go
    argv = [a.format(d=small_csvs) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    line = one_error_line(err, argv[0])
    assert expected.format(d=small_csvs) in line
    assert not (small_csvs / "runs").exists()


def test_errors_with_a_trained_model(cancer_run, loans_run, small_csvs, shared_datasets, tmp_path, capsys):
    out, _ = cancer_run
    code, _, err = run(capsys, "predict", out, small_csvs / "ok.csv")
    line = one_error_line(err, "predict")
    assert code == 2 and "ok.csv lacks columns the model was trained on: 'mean radius', 'mean texture'" in line
    code, _, err = run(capsys, "evaluate", out, shared_datasets / CANCER, "--target", "mean radius")
    assert code == 2 and "differs from the target the model was trained on" in one_error_line(err, "evaluate")
    frame = pd.read_csv(shared_datasets / LOANS).head(30)
    frame.loc[3, "grade"] = "Z"
    frame.to_csv(tmp_path / "odd.csv", index=False)
    code, _, err = run(capsys, "evaluate", loans_run[0], tmp_path / "odd.csv")
    assert code == 2 and "label the model was not trained on: 'Z' (data rows 4)" in one_error_line(err, "evaluate")
    (tmp_path / "alone.keras").write_bytes((out / "model.keras").read_bytes())
    code, _, err = run(capsys, "predict", tmp_path / "alone.keras", small_csvs / "ok.csv")
    assert code == 2 and "no preprocessing.json beside" in one_error_line(err, "predict")
    (tmp_path / "broken.keras").write_text("not a model")
    code, _, err = run(capsys, "summary", tmp_path / "broken.keras")
    assert code == 2 and "broken.keras" in one_error_line(err, "summary")


def test_debug_shows_the_traceback(small_csvs):
    with pytest.raises(Exception, match="single class"):
        main(["--debug", "train", str(small_csvs / "one_class.csv"), "--target", "y"])


def test_help_exits_0(capsys):
    assert main(["train", "--help"]) == 0
    assert "--early-stopping PATIENCE" in capsys.readouterr().out


# ---------------------------------------------------------------------------------- subprocess
def test_python_m_glassnet(cancer_run, small_csvs, shared_datasets):
    out, _ = cancer_run
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-m", "glassnet", "train", str(small_csvs / "ok.csv"), "--target", "yy"],
                          capture_output=True, text=True, env=env, cwd=small_csvs, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("glassnet train: error: ok.csv has no target column 'yy' (did you mean 'y'?)")
    done = subprocess.run([sys.executable, "-m", "glassnet", "predict", str(out), str(shared_datasets / CANCER)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines()[0] == f"predicted_{CANCER_TARGET},proba_0,proba_1"
    assert len(done.stdout.splitlines()) == 570


def test_playground_command_reports_a_busy_port(capsys):
    import socket

    from glassnet.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "playground" in err and str(port) in err and len(err.strip().splitlines()) == 1
