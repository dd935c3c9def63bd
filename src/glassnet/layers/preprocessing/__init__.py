"""Keras's preprocessing layers with ``adapt()``: Normalization, Discretization, CategoryEncoding,
StringLookup, IntegerLookup and Hashing (strings handled in NumPy, without TensorFlow)."""
from .category_encoding import CategoryEncoding
from .discretization import Discretization
from .hashing import Hashing
from .lookup import IntegerLookup, StringLookup
from .normalization import Normalization

__all__ = ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization", "StringLookup"]
