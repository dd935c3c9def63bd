"""``glassnet train`` keeps the doctor's records; ``glassnet doctor RUN`` reads them.

The data is scikit-learn's bundled breast cancer table (always available), written to a CSV file.
"""
import json

import numpy as np
import pytest

pytest.importorskip("pandas")
pytest.importorskip("h5py")

from glassnet import datasets  # noqa: E402
from glassnet.callbacks.diagnostics import COLUMNS  # noqa: E402
from glassnet.cli import main  # noqa: E402
from glassnet.doctor import read_diagnostics_csv  # noqa: E402

TARGET = datasets.tabular.CANCER_LABEL


@pytest.fixture(scope="module")
def cancer_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "cancer.csv"
    datasets.cancer_classification().to_csv(path, index=False)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_diagnostics_and_doctor_finds_overfitting(cancer_csv, tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "train", cancer_csv, "--target", TARGET, "--dropout", 0, "--epochs", 150,
                            "--diagnostics", 5, "--out", out, "--verbose", 0)
    assert code == 0, err
    records = read_diagnostics_csv(out / "diagnostics.csv")
    assert list(records) == list(COLUMNS)
    assert records["layer"][:3] == ["hidden_1", "hidden_2", "output"]
    assert sorted(set(records["epoch"])) == list(range(0, 150, 5))
    assert (out / "diagnostics.png").stat().st_size > 10_000
    code, stdout, err = run(capsys, "doctor", out)
    assert code == 1, err
    assert "Overfitting" in stdout and "per-layer records of 30 epochs" in stdout
    table = stdout[stdout.index("Epoch 146, per layer:"):].splitlines()
    assert [line.split()[0] for line in table[2:]] == ["hidden_1", "hidden_2", "output"]
    code, stdout, _ = run(capsys, "doctor", out, "--json")
    found = json.loads(stdout)
    assert [f["kind"] for f in found] == ["overfitting"]
    history = np.genfromtxt(out / "history.csv", delimiter=",", names=True)
    assert found[0]["numbers"]["best_epoch"] == int(np.argmin(history["val_loss"]))


def test_doctor_without_records_and_healthy_run(cancer_csv, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", cancer_csv, "--target", TARGET, "--epochs", 12, "--diagnostics", 0,
                       "--out", out, "--verbose", 0)
    assert code == 0, err
    code, stdout, err = run(capsys, "train", cancer_csv, "--target", TARGET, "--epochs", 12, "--out",
                            tmp_path / "with", "--verbose", 2)
    assert code == 0, err
    assert "The training doctor: no finding" in stdout
    assert not (out / "diagnostics.csv").exists()
    code, stdout, err = run(capsys, "doctor", out)
    assert code == 0, stdout
    assert "no diagnostics.csv" in stdout and "No finding" in stdout


def test_doctor_errors(tmp_path, capsys):
    code, _, err = run(capsys, "doctor", tmp_path / "missing")
    assert code == 2 and "is not a folder" in err
    code, _, err = run(capsys, "doctor", tmp_path)
    assert code == 2 and "has no history.csv" in err
    (tmp_path / "history.csv").write_text("epoch,accuracy\n0,0.5\n")
    code, _, err = run(capsys, "doctor", tmp_path)
    assert code == 2 and "no 'loss' column" in err
    code, _, err = run(capsys, "train", tmp_path / "x.csv", "--target", "y", "--diagnostics", -1)
    assert code == 2 and "--diagnostics must be >= 0" in err
