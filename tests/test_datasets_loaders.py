"""Keras's other data sets, offline: small inputs in Keras's formats, compared with Keras's own outputs.

The golden outputs come from Keras 3's loaders run on the same small files
(tests/reference/make_datasets_golden.py).  The small files are not the published ones, so each test
pins the loader to the small file's hash (computed here with hashlib); the published hash refuses it.
"""
import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import (DatasetError, boston_housing, california_housing, cifar10, cifar100, imdb,
                               reuters)
from glassnet.datasets._restricted_pickle import UnsafePickleError

REF = Path(__file__).resolve().parent / "reference" / "keras_datasets"
GOLDEN = json.loads((REF / "keras_datasets.json").read_text())


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def local(tmp_path, monkeypatch):
    """Copies of the small inputs, and each loader pinned to its copy's hash."""
    for module, name in ((imdb, "imdb.npz"), (reuters, "reuters.npz"), (boston_housing, "boston_housing.npz"),
                         (california_housing, "california_housing.npz")):
        shutil.copy(REF / name, tmp_path / name)
        monkeypatch.setattr(module, "FILE_SHA256", _sha256(tmp_path / name))
    return tmp_path


@pytest.mark.parametrize("case", range(len(GOLDEN["imdb"])))
def test_imdb_equals_keras(local, case):
    gold = GOLDEN["imdb"][case]
    (x_train, y_train), (x_test, y_test) = imdb.load_data(path=local / "imdb.npz", **gold["kwargs"])
    assert [list(s) for s in x_train] == gold["x_train"] and [list(s) for s in x_test] == gold["x_test"]
    assert y_train.tolist() == gold["y_train"] and y_test.tolist() == gold["y_test"]
    assert str(x_train.dtype) == gold["x_dtype"] and str(y_train.dtype) == gold["y_dtype"]
    assert all(type(w) is int for s in x_train for w in s)


@pytest.mark.parametrize("case", range(len(GOLDEN["reuters"])))
def test_reuters_equals_keras(local, case):
    gold = GOLDEN["reuters"][case]
    (x_train, y_train), (x_test, y_test) = reuters.load_data(path=local / "reuters.npz", **gold["kwargs"])
    assert [list(s) for s in x_train] == gold["x_train"] and [list(s) for s in x_test] == gold["x_test"]
    assert y_train.tolist() == gold["y_train"] and y_test.tolist() == gold["y_test"]
    assert str(x_train.dtype) == gold["x_dtype"] and str(y_train.dtype) == gold["y_dtype"]


def test_regression_sets_equal_keras(local):
    gold = np.load(REF / "regression_outputs.npz")
    calls = {"boston_default": lambda: boston_housing.load_data(path=local / "boston_housing.npz"),
             "boston_split": lambda: boston_housing.load_data(path=local / "boston_housing.npz", test_split=0.35, seed=5),
             "california_small": lambda: california_housing.load_data(version="small", path=local, seed=9),
             "california_large": lambda: california_housing.load_data(path=local / "california_housing.npz",
                                                                      test_split=0.1)}
    for tag, call in calls.items():
        (x_train, y_train), (x_test, y_test) = call()
        for key, got in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
            want = gold[f"{tag}_{key}"]
            assert got.dtype == want.dtype and got.shape == want.shape, (tag, key)
            np.testing.assert_array_equal(got, want)      # a permutation of stored values: exact
    assert calls["boston_default"]()[0][0].shape == (24, 13)       # int(31 * 0.8) rows train


def test_published_hash_refuses_another_file(tmp_path):
    shutil.copy(REF / "imdb.npz", tmp_path / "imdb.npz")
    with pytest.raises(DatasetError, match=r"imdb.npz: its sha256 is [0-9a-f]{64}, but the published IMDB \(imdb.npz\) "
                                           r"has 69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"):
        imdb.load_data(path=tmp_path / "imdb.npz")
    with pytest.raises(DatasetError, match="no such file"):
        boston_housing.load_data(path=tmp_path / "none.npz")


def test_mirror_cache_and_download(local, tmp_path, monkeypatch):
    home = Path(os.environ["GLASSNET_HOME"])
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.move(local / "reuters.npz", mirror / "reuters.npz")
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", str(mirror))
    first = reuters.load_data()
    assert (home / "datasets" / "reuters.npz").is_file()                 # copied into the cache
    monkeypatch.delenv("GLASSNET_DATASETS_MIRROR")
    (mirror / "reuters.npz").unlink()
    second = reuters.load_data()                                        # from the cache
    assert [list(s) for s in second[0][0]] == [list(s) for s in first[0][0]]
    # nothing local: downloaded from the origin (a file:// URL here) through get_file, hash checked
    monkeypatch.setattr(boston_housing, "ORIGIN", (local / "boston_housing.npz").as_uri())
    boston_housing.load_data()
    assert _sha256(home / "datasets" / "boston_housing.npz") == boston_housing.FILE_SHA256
    monkeypatch.setattr(california_housing, "ORIGIN", (tmp_path / "gone.npz").as_uri())
    with pytest.raises(DatasetError, match=r"California housing \(california_housing.npz\): not in the cache"):
        california_housing.load_data()
    # a damaged cached copy is fetched again
    (home / "datasets" / "boston_housing.npz").write_bytes(b"junk")
    boston_housing.load_data()
    assert _sha256(home / "datasets" / "boston_housing.npz") == boston_housing.FILE_SHA256


def test_argument_errors(local, monkeypatch):
    with pytest.raises(ValueError, match=r"invalid test_split 1: .*\(exclusive of 1\)"):
        boston_housing.load_data(path=local / "boston_housing.npz", test_split=1)
    with pytest.raises(ValueError, match="version must be one of 'small', 'large'; got 'medium'"):
        california_housing.load_data(version="medium", path=local)
    with pytest.raises(TypeError, match="num_words must be an int or None"):
        imdb.load_data(path=local / "imdb.npz", num_words="10")
    with pytest.raises(ValueError, match="no sequence was kept. Increase maxlen"):
        imdb.load_data(path=local / "imdb.npz", maxlen=1)
    with pytest.warns(UserWarning, match="ignoring unknown argument"):
        imdb.load_data(path=local / "imdb.npz", nb_words=5)
    with pytest.raises(ValueError, match='label_mode must be one of "fine", "coarse"'):
        cifar100.load_data(label_mode="medium")
    np.savez(local / "wrong.npz", a=np.zeros(3))
    monkeypatch.setattr(boston_housing, "FILE_SHA256", _sha256(local / "wrong.npz"))
    with pytest.raises(DatasetError, match="wrong.npz: not the Boston housing .npz"):
        boston_housing.load_data(path=local / "wrong.npz")


def test_word_index_and_label_names(tmp_path, monkeypatch):
    (tmp_path / "imdb_word_index.json").write_text(json.dumps({"the": 1, "film": 2}))
    monkeypatch.setattr(imdb, "WORD_INDEX_MD5", hashlib.md5((tmp_path / "imdb_word_index.json").read_bytes()).hexdigest())
    assert imdb.get_word_index(path=tmp_path / "imdb_word_index.json") == {"the": 1, "film": 2}
    (tmp_path / "reuters_word_index.json").write_text("[1, 2]")
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", hashlib.md5(b"[1, 2]").hexdigest())
    with pytest.raises(DatasetError, match="must map words"):
        reuters.get_word_index(path=tmp_path)
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[-1] == "lead"


# -- CIFAR ----------------------------------------------------------------------------------------

def _batch(rng, n, label_keys):
    data = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
    batch = {b"batch_label": b"testing batch", b"data": data, b"filenames": [b"f%d.png" % i for i in range(n)]}
    for key, classes in label_keys.items():
        batch[key.encode()] = rng.integers(0, classes, n).tolist()
    return batch


def _tar(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def _image(data_row):
    """Pixel (r, c, channel) of a CIFAR row is data[channel * 1024 + r * 32 + c] (the data set's layout)."""
    r, c, ch = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), indexing="ij")
    return data_row[ch * 1024 + r * 32 + c]


def test_cifar10_from_archive_and_folder(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {n: _batch(rng, 4 if n != "test_batch" else 3, {"labels": 10}) for n in names}
    files = {f"cifar-10-batches-py/{n}": pickle.dumps(b, protocol=2) for n, b in batches.items()}
    archive = _tar(tmp_path / "cifar-10-python.tar.gz", files)
    with pytest.raises(DatasetError, match="its sha256 is .* but the published CIFAR-10"):
        cifar10.load_data(path=archive)
    monkeypatch.setattr(cifar10, "FILE_SHA256", _sha256(archive))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(path=archive)
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (3, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8 and y_test.shape == (3, 1) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train[5], _image(batches["data_batch_2"][b"data"][1]))
    np.testing.assert_array_equal(x_test[2], _image(batches["test_batch"][b"data"][2]))
    assert y_train[:, 0].tolist() == sum((batches[n][b"labels"] for n in names[:5]), [])
    # the unpacked folder (or the folder above it) loads the same
    folder = tmp_path / "unpacked" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for n, raw in files.items():
        (tmp_path / "unpacked" / n).write_bytes(raw)
    for p in (folder, tmp_path / "unpacked"):
        np.testing.assert_array_equal(cifar10.load_data(path=p)[0][0], x_train)
    # from the mirror into the cache
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", str(tmp_path))
    np.testing.assert_array_equal(cifar10.load_data()[1][0], x_test)
    assert (Path(os.environ["GLASSNET_HOME"]) / "datasets" / "cifar-10-python.tar.gz").is_file()


def test_cifar100_labels_and_a_hostile_batch(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    batches = {n: _batch(rng, k, {"fine_labels": 100, "coarse_labels": 20}) for n, k in (("train", 5), ("test", 2))}
    archive = _tar(tmp_path / "cifar-100-python.tar.gz",
                   {f"cifar-100-python/{n}": pickle.dumps(b, protocol=2) for n, b in batches.items()})
    monkeypatch.setattr(cifar100, "FILE_SHA256", _sha256(archive))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(path=archive)
    assert x_train.shape == (5, 32, 32, 3) and y_train.shape == (5, 1) and y_train.dtype == np.int64
    assert y_train[:, 0].tolist() == batches["train"][b"fine_labels"]
    (_, y_coarse), _ = cifar100.load_data("coarse", path=archive)
    assert y_coarse[:, 0].tolist() == batches["train"][b"coarse_labels"]
    np.testing.assert_array_equal(x_test[1], _image(batches["test"][b"data"][1]))

    class RunsCode:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'ran'}",)

    (tmp_path / "evil").mkdir()
    evil = _tar(tmp_path / "evil" / "cifar-100-python.tar.gz",
                {"cifar-100-python/train": pickle.dumps({b"data": RunsCode()}, protocol=2),
                 "cifar-100-python/test": pickle.dumps(batches["test"], protocol=2)})
    monkeypatch.setattr(cifar100, "FILE_SHA256", _sha256(evil))
    with pytest.raises(UnsafePickleError, match=r"cifar-100-python/train\]: refusing the global (posix|os)\.system"):
        cifar100.load_data(path=evil)
    assert not (tmp_path / "ran").exists()
    # a batch with the wrong layout is named
    bad = {**batches["test"], b"data": np.zeros((2, 100), np.uint8)}
    (tmp_path / "folder" / "cifar-100-python").mkdir(parents=True)
    (tmp_path / "folder" / "cifar-100-python" / "train").write_bytes(pickle.dumps(bad, protocol=2))
    (tmp_path / "folder" / "cifar-100-python" / "test").write_bytes(pickle.dumps(batches["test"], protocol=2))
    with pytest.raises(DatasetError, match=r"cifar-100-python/train: 'data' must be uint8 rows of 3072 values"):
        cifar100.load_data(path=tmp_path / "folder")
    cut = archive.read_bytes()
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "cifar-100-python.tar.gz").write_bytes(gzip.compress(gzip.decompress(cut)[:3000]))
    monkeypatch.setattr(cifar100, "FILE_SHA256", _sha256(tmp_path / "cut" / "cifar-100-python.tar.gz"))
    with pytest.raises(DatasetError, match="cifar-100-python.tar.gz: (not a complete tar archive|missing)"):
        cifar100.load_data(path=tmp_path / "cut" / "cifar-100-python.tar.gz")


def test_imdb_refuses_a_hostile_npz_and_runs_nothing(tmp_path, monkeypatch):
    class RunsCode:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'ran'}",)

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    import zipfile
    with zipfile.ZipFile(tmp_path / "imdb.npz", "w") as z:
        z.writestr("x_train.npy", header.getvalue() + pickle.dumps(RunsCode(), protocol=3))
    monkeypatch.setattr(imdb, "FILE_SHA256", _sha256(tmp_path / "imdb.npz"))
    with pytest.raises(UnsafePickleError, match=r"imdb.npz\[x_train.npy\]: refusing the global"):
        imdb.load_data(path=tmp_path / "imdb.npz")
    assert not (tmp_path / "ran").exists()
    (tmp_path / "cut.npz").write_bytes((REF / "imdb.npz").read_bytes()[:1500])
    monkeypatch.setattr(imdb, "FILE_SHA256", _sha256(tmp_path / "cut.npz"))
    with pytest.raises(DatasetError, match="cut.npz: not a complete .npz"):
        imdb.load_data(path=tmp_path / "cut.npz")


def test_seed_errors_name_the_loader(local):
    for call in (lambda: boston_housing.load_data(path=local / "boston_housing.npz", seed=-1),
                 lambda: california_housing.load_data(path=local, seed=1.5),
                 lambda: imdb.load_data(path=local / "imdb.npz", seed="x"),
                 lambda: reuters.load_data(path=local / "reuters.npz", seed=2 ** 40)):
        with pytest.raises(ValueError, match=r"\w+\.load_data: seed must be None or an int in \[0, 2\*\*32\)"):
            call()
    assert boston_housing.load_data(path=local / "boston_housing.npz", seed=None)[0][0].shape == (24, 13)
