"""California housing (1990 U.S. census, StatLib), as ``keras.datasets.california_housing``.

``load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113)``
``-> ((x_train, y_train), (x_test, y_test))``: 20,640 block groups (``version="small"``: the first
600, a stand-in for Boston housing), x float (n, 8): MedInc, HouseAge, AveRooms, AveBedrms,
Population, AveOccup, Latitude, Longitude; y the median house value in dollars.  Shuffled with
``np.random.RandomState(seed)``, the first ``int(n * (1 - test_split))`` rows train, as in Keras.

Sources as for ``boston_housing``; integrity: the SHA-256 Keras publishes for the ``.npz``.
"""
from __future__ import annotations

from . import _keras_files
from ._split import check_seed, check_test_split, load_xy_npz, shuffled_split

FILE_NAME = "california_housing.npz"
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
FILE_SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
FEATURE_NAMES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")


def load_data(version="large", path=FILE_NAME, test_split=0.2, seed=113):
    """``((x_train, y_train), (x_test, y_test))``; ``version`` is "large" (20,640 rows) or "small" (600)."""
    where = "california_housing.load_data"
    test_split = check_test_split(test_split, where)
    seed = check_seed(seed, where)
    if version not in ("small", "large"):
        raise ValueError(f"{where}: version must be one of 'small', 'large'; got {version!r}")
    local = _keras_files.locate(path, FILE_NAME, ORIGIN, FILE_SHA256, "California housing (california_housing.npz)")
    x, y = load_xy_npz(local, "California housing", 8)
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed)
