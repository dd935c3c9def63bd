"""Integrity on the decoded data: Fashion-MNIST's pins accept any correct copy, whatever its compression."""
import gzip
import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from glassnet.datasets import DatasetError, _files, fashion_mnist

DEBIAN_DEB = sorted(Path("/var/cache/apt/archives").glob("dataset-fashion-mnist_*_all.deb"))
DEBIAN_INSTALLED = Path("/usr/share/datasets/fashion-mnist")


def _idx_bytes(arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = b"\x00\x00\x08" + bytes([arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def _small_set(folder, level=9, compress=True):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28)).astype(np.uint8),
              "y_train": rng.integers(0, 10, 6).astype(np.uint8),
              "x_test": rng.integers(0, 256, (3, 28, 28)).astype(np.uint8),
              "y_test": rng.integers(0, 10, 3).astype(np.uint8)}
    folder.mkdir(parents=True, exist_ok=True)
    for name, key in fashion_mnist.FILES.items():
        raw = _idx_bytes(arrays[key])
        if compress:
            (folder / name).write_bytes(gzip.compress(raw, compresslevel=level, mtime=level))
        else:
            (folder / name[:-3]).write_bytes(raw)
    return arrays


def _pins_of(arrays):
    # computed here with hashlib on the arrays the test wrote, independently of the loader
    return {k: (a.shape, str(a.dtype), hashlib.sha256(a.tobytes()).hexdigest()) for k, a in arrays.items()}


def test_small_copy_is_refused_naming_the_file_and_what_differs(tmp_path):
    _small_set(tmp_path)
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz: x_train has shape \(6, 28, 28\), "
                                           r"Fashion-MNIST has \(60000, 28, 28\)"):
        fashion_mnist.load_data(path=tmp_path)


def test_any_compression_of_the_same_data_loads_and_a_changed_pixel_is_refused(tmp_path, monkeypatch):
    arrays = _small_set(tmp_path / "fast", level=1)
    _small_set(tmp_path / "best", level=9)
    _small_set(tmp_path / "plain", compress=False)
    name = "train-images-idx3-ubyte.gz"
    assert (tmp_path / "fast" / name).read_bytes() != (tmp_path / "best" / name).read_bytes()
    monkeypatch.setattr(fashion_mnist, "ARRAY_PINS", _pins_of(arrays))
    for sub in ("fast", "best", "plain"):
        (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(path=tmp_path / sub)
        assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28) and y_test.shape == (3,)
        np.testing.assert_array_equal(x_test, arrays["x_test"])
        np.testing.assert_array_equal(y_train, arrays["y_train"])
    # one pixel changed, correctly compressed: the content differs, the error says which file and array
    bad = arrays["x_test"].copy()
    bad[1, 5, 5] ^= 1
    (tmp_path / "best" / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(bad)))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz: x_test \(shape \(3, 28, 28\), uint8\) differs"):
        fashion_mnist.load_data(path=tmp_path / "best")
    # a truncated archive is named too
    raw = (tmp_path / "fast" / name).read_bytes()
    (tmp_path / "fast" / name).write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: not a complete gzip file"):
        fashion_mnist.load_data(path=tmp_path / "fast")
    # the mirror folder is a source as well
    monkeypatch.setenv("GLASSNET_DATASETS_MIRROR", str(tmp_path / "plain"))
    np.testing.assert_array_equal(fashion_mnist.load_data()[0][0], arrays["x_train"])
    with pytest.raises(DatasetError, match="expected a folder with"):
        fashion_mnist.load_data(path=tmp_path / "nothing")


def test_gzip_bomb_stops_at_the_limit(tmp_path, monkeypatch):
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (4 << 20)))
    monkeypatch.setattr(_files, "MAX_UNPACKED_BYTES", 1 << 20)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz: unpacks to more than 1048576 bytes"):
        _files.read_bytes(bomb)


@pytest.fixture(scope="module")
def debian_fashion_mnist(tmp_path_factory):
    """Debian's re-compressed copy (package dataset-fashion-mnist): installed, or unpacked from apt's cache."""
    if DEBIAN_INSTALLED.is_dir():
        return DEBIAN_INSTALLED
    if not DEBIAN_DEB or shutil.which("dpkg-deb") is None:
        pytest.skip("no copy of Debian's dataset-fashion-mnist package (installed or in /var/cache/apt/archives)")
    out = tmp_path_factory.mktemp("debian_fm")
    subprocess.run(["dpkg-deb", "-x", str(DEBIAN_DEB[-1]), str(out)], check=True)
    return out / "usr/share/datasets/fashion-mnist"


def test_debian_recompressed_copy_loads(debian_fashion_mnist):
    folder = debian_fashion_mnist
    published_md5 = "8d4fb7e6c68d591d4c3dfef9ec88bf0d"   # the authors' MD5 of their train-images archive
    assert hashlib.md5((folder / "train-images-idx3-ubyte.gz").read_bytes()).hexdigest() != published_md5
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(path=folder)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8
    # the authors' MD5s of the unpacked IDX files (published with the data set)
    assert hashlib.md5(gzip.decompress((folder / "t10k-labels-idx1-ubyte.gz").read_bytes())).hexdigest() \
        == "15d484375f8d13e6eb1aabb0c3f46965"
    assert np.bincount(y_train).tolist() == [6000] * 10


def test_the_distribution_folder_is_a_source(tmp_path, monkeypatch):
    arrays = _small_set(tmp_path / "usr_share")
    monkeypatch.setattr(fashion_mnist, "ARRAY_PINS", _pins_of(arrays))
    monkeypatch.setattr(fashion_mnist, "DISTRIBUTION_FOLDER", tmp_path / "usr_share")
    np.testing.assert_array_equal(fashion_mnist.load_data()[1][1], arrays["y_test"])
