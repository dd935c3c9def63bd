"""Boston housing prices (StatLib, 1970s), as ``keras.datasets.boston_housing``.

``load_data(path="boston_housing.npz", test_split=0.2, seed=113) -> ((x_train, y_train), (x_test, y_test))``:
506 houses, x float64 (n, 13) attributes, y float64 median values in k$.  The rows are shuffled with
``np.random.RandomState(seed)`` and the first ``int(506 * (1 - test_split))`` are the training set,
exactly as Keras does (404 / 102 by default).

As Keras warns, the data set has an ethical problem (its "B" attribute encodes an assumption about
racial self-segregation); use it only to illustrate such issues.  ``california_housing`` replaces it.

Sources: ``path`` (Keras's meaning: a name in the cache; with a folder part, a local copy), the
cache, ``GLASSNET_DATASETS_MIRROR``, Keras's URL.  Integrity: the SHA-256 Keras publishes for the
``.npz`` file (no local copy was at hand to pin the decoded arrays).
"""
from __future__ import annotations

from . import _keras_files
from ._split import check_seed, check_test_split, load_xy_npz, shuffled_split

FILE_NAME = "boston_housing.npz"
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path=FILE_NAME, test_split=0.2, seed=113):
    """``((x_train, y_train), (x_test, y_test))``: float64 arrays, x (n, 13), y (n,)."""
    test_split = check_test_split(test_split, "boston_housing.load_data")
    seed = check_seed(seed, "boston_housing.load_data")
    local = _keras_files.locate(path, FILE_NAME, ORIGIN, FILE_SHA256, "Boston housing (boston_housing.npz)")
    x, y = load_xy_npz(local, "Boston housing", 13)
    return shuffled_split(x, y, test_split, seed)
