"""Data loaders: MNIST from every container, checksums, cache and mirror, toy sets, tabular CSVs."""
import gzip
import hashlib
import os

import numpy as np
import pytest

from glassnet import datasets
from glassnet.datasets import DatasetError, mnist


def test_mnist_from_idx_folder_matches_keras_shapes(shared_datasets):
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=shared_datasets / "mnist")
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert list(y_train[:8]) == [5, 0, 4, 1, 9, 2, 1, 3]       # the famous first labels
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_canonical_md5_of_unpacked_idx(shared_datasets):
    # The shared README gives the canonical MD5s of the unpacked files; our SHA-256 pins must agree.
    data = gzip.decompress((shared_datasets / "mnist" / "train-images-idx3-ubyte.gz").read_bytes())
    assert hashlib.md5(data).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"
    assert hashlib.sha256(data).hexdigest() == mnist.IDX_FILES["train-images-idx3-ubyte.gz"]


def test_mnist_csv_pair_equals_idx(shared_datasets):
    (_, y_idx), (x_test_idx, _) = mnist.load_data(path=shared_datasets / "mnist")
    (_, y_csv), (x_test_csv, _) = mnist.load_csv(shared_datasets / "mnist" / "mnist_train.csv.gz",
                                                 shared_datasets / "mnist" / "mnist_test.csv.gz", verify=True)
    np.testing.assert_array_equal(y_csv, y_idx)
    np.testing.assert_array_equal(x_test_csv, x_test_idx)


def test_mnist_npz_round_trip_and_mirror_and_cache(shared_datasets, tmp_path, monkeypatch):
    data = mnist.load_data(path=shared_datasets / "mnist")
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=data[0][0], y_train=data[0][1], x_test=data[1][0], y_test=data[1][1])
    again = mnist.load_data(path=npz)
    np.testing.assert_array_equal(again[1][1], data[1][1])
    # the mirror variable pointing at a folder of IDX files
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", str(shared_datasets))
    from_mirror = mnist.load_data()
    np.testing.assert_array_equal(from_mirror[0][1], data[0][1])


def test_mnist_corrupt_and_truncated_files_are_named(shared_datasets, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in mnist.IDX_FILES:
        (folder / name).write_bytes((shared_datasets / "mnist" / name).read_bytes())
    # flip one pixel: the unpacked checksum no longer matches
    target = folder / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[5000] ^= 0xFF
    target.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz: checksum mismatch"):
        mnist.load_data(path=folder)
    # truncate the gzip stream
    target.write_bytes((shared_datasets / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()[:1000])
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz: not a complete gzip file"):
        mnist.load_data(path=folder)


def test_idx_parser_errors():
    with pytest.raises(DatasetError, match="not an IDX file"):
        mnist.parse_idx(b"\x01\x02\x08\x01", "x")
    header = b"\x00\x00\x08\x01" + (10).to_bytes(4, "big")
    assert mnist.parse_idx(header + bytes(range(10))).tolist() == list(range(10))
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        mnist.parse_idx(header + bytes(5), "labels")


def test_mnist_csv_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(DatasetError, match="bad.csv: not an MNIST CSV"):
        mnist.load_csv(bad, bad)
    with pytest.raises(DatasetError, match="no such file"):
        mnist.load_csv(tmp_path / "missing.csv", bad)


def test_nothing_available_offline_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", "http://127.0.0.1:9/")   # nothing listens on port 9
    with pytest.raises(DatasetError, match="download failed"):
        mnist.load_data()


def test_toy_sets_shapes_labels_and_seeds():
    x, y = datasets.xor()
    assert x.shape == (4, 2) and y.tolist() == [0, 1, 1, 0]
    for make in (datasets.circles, datasets.spirals, datasets.blobs, datasets.xor_quadrants):
        a, la = make(n_samples=200, noise=0.1, seed=1)
        b, lb = make(n_samples=200, noise=0.1, seed=1)
        assert a.shape == (200, 2) and a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
        assert set(np.unique(la)) == {0, 1}
    x, y = datasets.circles(n_samples=400, noise=0.0, factor=0.5, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.5, rtol=1e-6)
    x, y = datasets.xor_quadrants(n_samples=300, noise=0.0, seed=0)
    assert ((x[:, 0] * x[:, 1] < 0) == (y == 1)).all()
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        datasets.circles(n_samples=0)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0.0"):
        datasets.spirals(noise=-1)


def test_digits_embedded():
    pytest.importorskip("sklearn")
    (x_train, y_train), (x_test, y_test) = datasets.digits.load_data()
    assert x_train.shape[1:] == (8, 8) and len(x_train) + len(x_test) == 1797
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0


def test_tabular_loaders(shared_datasets):
    pytest.importorskip("pandas")
    assert datasets.fake_reg(shared_datasets / "fake_reg.csv").shape == (1000, 3)
    kc = datasets.kc_house(shared_datasets / "kc_house_data.csv.gz")
    assert kc.shape == (21613, 21) and str(kc["date"].dtype).startswith("datetime64")
    cancer = datasets.cancer_classification(shared_datasets / "cancer_classification.csv")
    assert cancer.shape == (569, 31)
    loans = datasets.lending_club(shared_datasets / "lending_club_loan_two_sample.csv")
    assert loans.shape == (2066, 27)
    assert loans["loan_status"].value_counts().to_dict() == {"Fully Paid": 1681, "Charged Off": 385}
    assert loans["issue_d"].dt.year.min() >= 2007 and loans["earliest_cr_line"].dt.year.min() < 2000


def test_bundled_cancer_equals_the_csv(shared_datasets):
    pytest.importorskip("sklearn")
    bundled = datasets.cancer_classification()
    csv = datasets.cancer_classification(shared_datasets / "cancer_classification.csv")
    np.testing.assert_array_equal(bundled["benign_0__mal_1"].to_numpy(), csv["benign_0__mal_1"].to_numpy())


def test_lending_club_accepts_both_date_spellings():
    pd = pytest.importorskip("pandas")
    from glassnet.datasets.tabular import parse_month_year

    parsed = parse_month_year(pd.Series(["Jan-2015", "Jan-15", "Jun-90", "Jun-1990", "Dec-65"]))
    assert [d.strftime("%Y-%m") for d in parsed] == ["2015-01", "2015-01", "1990-06", "1990-06", "1965-12"]
    with pytest.raises(DatasetError, match="'2015-01' at row 0"):
        parse_month_year(pd.Series(["2015-01"]))


def test_tabular_missing_columns_named(tmp_path):
    pytest.importorskip("pandas")
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError, match="missing column\\(s\\) price, feature1, feature2"):
        datasets.fake_reg(path)
