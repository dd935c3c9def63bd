"""Data sets, as ``keras.datasets`` plus the course's own.

Keras's: ``mnist``, ``fashion_mnist``, ``boston_housing``, ``california_housing``, ``imdb``, ``reuters``,
``cifar10``, ``cifar100``; the course's: ``digits``, toy 2-D sets, tabular CSVs.  No file is ever unpickled.
"""
from . import digits, fashion_mnist, mnist
from ._files import DatasetError
from .tabular import cancer_classification, fake_reg, kc_house, lending_club
from .toy import blobs, circles, regression_plane, spirals, xor, xor_quadrants
from . import boston_housing, california_housing, cifar10, cifar100, imdb, reuters  # noqa: E402  Keras's other sets

__all__ = ["DatasetError", "blobs", "cancer_classification", "circles", "digits", "fashion_mnist", "fake_reg", "kc_house",
           "lending_club", "mnist", "regression_plane", "spirals", "xor", "xor_quadrants"]
__all__ += ["boston_housing", "california_housing", "cifar10", "cifar100", "imdb", "reuters"]
