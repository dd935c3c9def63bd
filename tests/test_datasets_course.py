"""The course's data for a person who cloned only the repository (examples/_data.py, the bundled cancer data)."""
import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _shared_datasets():
    """../shared/datasets beside this checkout, or beside the main checkout when this is a git worktree."""
    candidates = [ROOT.parent / "shared" / "datasets"]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        if common:
            candidates.append(Path(common).parent.parent / "shared" / "datasets")
    except (OSError, subprocess.SubprocessError):
        pass
    return next((c for c in candidates if c.is_dir()), None)


SHARED = _shared_datasets()


def _load_example(name):
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundled_cancer_equals_the_course_csv():
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    if SHARED is None or not (SHARED / "cancer_classification.csv").is_file():
        pytest.skip("the course's cancer_classification.csv is not in ../shared/datasets")
    from glassnet.datasets import cancer_classification

    header = (SHARED / "cancer_classification.csv").read_text().splitlines()[0].split(",")
    values = np.loadtxt(SHARED / "cancer_classification.csv", delimiter=",", skiprows=1)   # correctly rounded parsing
    bundled = cancer_classification()
    assert list(bundled.columns) == header and bundled.shape == values.shape == (569, 31)
    # the course's CSV was written from floats with artefacts (0.056670000000000005 where scikit-learn's file says
    # 0.05667): the same numbers to within one unit in the last place, same rows in the same order
    np.testing.assert_array_max_ulp(bundled.to_numpy(), values, maxulp=1)
    assert (bundled["benign_0__mal_1"].to_numpy() == values[:, -1]).all()


def _semicolon_fake_reg(path, rows=1000):
    rng = np.random.default_rng(5)
    f1, f2 = rng.normal(1000, 1, rows), rng.normal(1000, 1, rows)
    price = 500 + 30 * (f2 - 1000) + 5 * (f1 - 1000) + rng.normal(0, 10, rows)
    lines = ["price;feature1;feature2"] + [f"{float(p)!r};{float(a)!r};{float(b)!r}" for p, a, b in zip(price, f1, f2)]
    path.write_text("\n".join(lines) + "\n")
    return np.stack([price, f1, f2], axis=1)


def test_fake_reg_comes_from_its_public_copy_through_the_cache(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    _data = _load_example("_data") if "_data" not in sys.modules else sys.modules["_data"]
    from glassnet.datasets import fake_reg

    source = tmp_path / "published_fake_reg.csv"
    values = _semicolon_fake_reg(source)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    monkeypatch.setitem(_data.PUBLIC_COPIES, "fake_reg.csv", ("fake_reg.csv", source.as_uri(), sha, "a test copy"))
    path = _data.find_file(None, ("fake_reg.csv",), parser=None)
    assert path.parent.name == "course" and path.read_bytes() == source.read_bytes()
    assert "fake_reg.csv: a test copy (cached at" in capsys.readouterr().err
    frame = fake_reg(path)                        # the semicolons are recognised
    assert list(frame.columns) == ["price", "feature1", "feature2"]
    np.testing.assert_array_max_ulp(frame.to_numpy(), values, maxulp=1)   # pandas' fast parser: within one ulp
    # a source whose bytes changed is refused: one line, exit status 2, nothing cached under that name
    monkeypatch.setitem(_data.PUBLIC_COPIES, "fake_reg.csv", ("fake_reg.csv", source.as_uri(), "0" * 64, "a test copy"))
    path.unlink()
    with pytest.raises(SystemExit) as stop:
        _data.find_file(None, ("fake_reg.csv",), parser=None)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no fake_reg.csv: fetching a test copy failed" in err and not path.exists()


@pytest.mark.parametrize("name, where", [
    ("kc_house_data.csv", "https://www.kaggle.com/datasets/harlfoxem/housesalesprediction"),
    ("lending_club_loan_two.csv", "the course's DATA folder"),
    ("fake_reg.csv", "the course's DATA folder")])
def test_without_network_each_file_says_where_to_get_it(name, where, tmp_path, monkeypatch, capsys):
    _data = _load_example("_data") if "_data" not in sys.modules else sys.modules["_data"]
    fname, _, sha, what = _data.PUBLIC_COPIES[name]
    monkeypatch.setitem(_data.PUBLIC_COPIES, name, (fname, (tmp_path / "offline").as_uri(), sha, what))
    with pytest.raises(SystemExit) as stop:
        _data.find_file(None, (name,), parser=None)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no {name}: fetching" in err and where in err and "--data" in err


def test_lending_club_sample_and_kc_house_through_the_cache(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    if SHARED is None or not (SHARED / "lending_club_loan_two_sample.csv").is_file():
        pytest.skip("the course's LendingClub sample is not in ../shared/datasets")
    import gzip

    from glassnet.datasets import kc_house, lending_club

    _data = _load_example("_data") if "_data" not in sys.modules else sys.modules["_data"]
    sample = SHARED / "lending_club_loan_two_sample.csv"
    # the pinned hash of the public copy is the course sample's own: served from here, it passes unchanged
    monkeypatch.setitem(_data.PUBLIC_COPIES, "lending_club_loan_two.csv",
                        _data.PUBLIC_COPIES["lending_club_loan_two.csv"][:1] + (sample.as_uri(),)
                        + _data.PUBLIC_COPIES["lending_club_loan_two.csv"][2:])
    path = _data.find_file(None, ("lending_club_loan_two.csv", "lending_club_loan_two_sample.csv"), parser=None)
    assert path.name == "lending_club_loan_two_sample.csv" and len(lending_club(path)) == 2066
    csv = tmp_path / "kc_house_data.csv"
    csv.write_bytes(gzip.decompress((SHARED / "kc_house_data.csv.gz").read_bytes()))
    monkeypatch.setitem(_data.PUBLIC_COPIES, "kc_house_data.csv",
                        ("kc_house_data.csv", csv.as_uri(), hashlib.sha256(csv.read_bytes()).hexdigest(), "test"))
    assert kc_house(_data.find_file(None, ("kc_house_data.csv",), parser=None)).shape == (21613, 21)


def test_the_fake_reg_example_runs_from_a_fresh_clone(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    example = _load_example("keras_syntax_fake_reg")
    source = tmp_path / "published_fake_reg.csv"
    _semicolon_fake_reg(source)
    monkeypatch.setitem(sys.modules["_data"].PUBLIC_COPIES, "fake_reg.csv",
                        ("fake_reg.csv", source.as_uri(), hashlib.sha256(source.read_bytes()).hexdigest(), "a test copy"))
    monkeypatch.setattr(example, "default_data", lambda: None)     # no --data, no GLASSNET_DATA, no shared copies
    result = example.main(["--quick", "--epochs", "2", "--verbose", "0"])
    assert result["epochs"] == 2


def test_mnist_example_without_data_uses_the_loader(monkeypatch, capsys):
    if SHARED is None or not (SHARED / "mnist").is_dir():
        pytest.skip("the MNIST copies are not in ../shared/datasets")
    example = _load_example("mnist_dropout")
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", str(SHARED / "mnist"))    # stands in for the download
    (x_train, y_train), (x_test, y_test) = example.load(None, "auto", parser=None)
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert "MNIST through glassnet.datasets.mnist.load_data()" in capsys.readouterr().out


def test_data_helper_prints_a_path_for_the_cli(tmp_path, monkeypatch, capsys):
    """``python examples/_data.py fake_reg.csv`` prints only the path (for ``glassnet train "$(...)"``)."""
    _data = _load_example("_data") if "_data" not in sys.modules else sys.modules["_data"]
    source = tmp_path / "published_fake_reg.csv"
    _semicolon_fake_reg(source, rows=10)
    monkeypatch.setitem(_data.PUBLIC_COPIES, "fake_reg.csv",
                        ("fake_reg.csv", source.as_uri(), hashlib.sha256(source.read_bytes()).hexdigest(), "test"))
    monkeypatch.setattr(_data, "default_data", lambda: None)
    assert _data.main(["fake_reg.csv"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and Path(out.strip()).read_bytes() == source.read_bytes()
    assert _data.main(["other.csv"]) == 2 and "usage:" in capsys.readouterr().err
