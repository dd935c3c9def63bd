"""``Hashing``: map strings or integers to ``num_bins`` buckets with a fixed hash (no vocabulary).

Every value is first written as a string (floats are truncated to int64 first, integers in decimal,
strings as UTF-8), then (as Keras does through TensorFlow)::

    bin = FarmHash Fingerprint64(string) mod num_bins             (no salt)
    bin = SipHash-2-4(string, key = salt) mod num_bins            (salt = int k -> key (k, k))

With ``mask_value`` the bin 0 is kept for it: ``bin = 0`` if x == mask_value else
``1 + hash mod (num_bins - 1)``. ``output_mode`` one_hot / multi_hot / count encode the bins as
``CategoryEncoding`` does. The hashes are vectorised: strings of equal byte length are hashed
together, one NumPy operation per step of the algorithm (see ``_hash``).
"""
from __future__ import annotations

import numbers

import numpy as np

from ... import config
from ..base import LAYERS
from ._common import PreprocessingLayer, check_int_arg, encode, encoded_shape
from ._hash import hash_matrix, utf8_matrix

_MODES = ("int", "one_hot", "multi_hot", "count")


def _as_bytes(v) -> bytes:
    """One value as the UTF-8 bytes TensorFlow hashes (see the module docstring)."""
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bool, np.bool_)):
        return b"true" if v else b"false"
    if isinstance(v, numbers.Integral):
        return str(int(v)).encode()
    if isinstance(v, numbers.Real):
        return str(int(v)).encode()            # floats are truncated to int64 first
    raise TypeError(f"cannot hash a value of type {type(v).__name__} ({v!r}); expected str, bytes or a number")


def hash_to_bins(x: np.ndarray, num_bins: int, salt=None) -> np.ndarray:
    """int64 bins of every element of ``x`` (no mask handling), hashed in vectorised NumPy."""
    if x.dtype.kind == "f":
        x = x.astype(np.int64)
    if x.dtype.kind == "b":
        x = np.where(x, "true", "false")
    elif x.dtype.kind in "iu":
        x = x.astype(str)
    elif x.dtype.kind == "O":                   # Python objects (a pandas column): to bytes one by one
        x = np.array([_as_bytes(v) for v in x.reshape(-1).tolist()], dtype="S").reshape(x.shape)
    elif x.dtype.kind not in "US":
        raise TypeError(f"cannot hash values of dtype {x.dtype}; expected strings or numbers")
    mat, lengths = utf8_matrix(x)
    codes = hash_matrix(mat, lengths, salt) % np.uint64(num_bins)
    return codes.astype(np.int64).reshape(x.shape)


def _equals(x: np.ndarray, value) -> np.ndarray:
    """Elementwise x == value, False where the types cannot match (a number against a string)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if x.dtype.kind in "US":
        x = np.char.decode(x, "utf-8") if x.dtype.kind == "S" else x
        return x == value if isinstance(value, str) else np.zeros(x.shape, dtype=bool)
    if x.dtype.kind == "O":
        return np.frompyfunc(lambda v: (v.decode("utf-8") if isinstance(v, bytes) else v) == value, 1, 1)(x
                                                                                                        ).astype(bool)
    if isinstance(value, str) or isinstance(value, bool):
        return np.zeros(x.shape, dtype=bool)
    return x == value


@LAYERS.register("Hashing")
class Hashing(PreprocessingLayer):
    """Hash strings or integers into ``num_bins`` bins (Keras's ``Hashing``).

    Args:
        num_bins: number of bins (including the mask bin when ``mask_value`` is set).
        mask_value: a value that goes to bin 0 (the others to 1..num_bins-1).
        salt: None (FarmHash Fingerprint64), an int k (SipHash with key (k, k)) or two ints.
        output_mode: ``'int'`` (int64 bins), ``'one_hot'``, ``'multi_hot'`` or ``'count'``.
        sparse: must be False.
    """

    accepts_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        where = f"Hashing {self.name!r}"
        if num_bins is None:
            raise ValueError(f"{where}: num_bins must be a positive integer, got None")
        self.num_bins = check_int_arg(num_bins, "num_bins", where, low=1)
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {', '.join(_MODES)}, got {output_mode!r}")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"{where}: with output_mode='int', dtype must be 'int32' or 'int64', got {self.dtype!r}")
        if sparse:
            raise ValueError(f"{where}: sparse=True is not supported by glassnet (no sparse tensors); use False")
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = False
        self.strong_hash = salt is not None
        if salt is None:
            self.salt = None
        elif isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in salt):
            self.salt = [int(salt[0]), int(salt[1])]
        elif isinstance(salt, numbers.Integral) and not isinstance(salt, bool):
            self.salt = [int(salt), int(salt)]
        else:
            raise ValueError(f"{where}: salt must be an integer or a pair of integers, got {salt!r}")

    def compute_output_shape(self, input_shape):
        return encoded_shape(tuple(input_shape), self.output_mode, self.num_bins)

    def call(self, x):
        where = f"Hashing {self.name!r}"
        if self.output_mode == "one_hot" and x.ndim >= 1 and x.shape[-1] == 1:
            x = x[..., 0]
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = _equals(x, self.mask_value)
        try:
            out = hash_to_bins(x, bins, self.salt)
        except TypeError as exc:
            raise TypeError(f"{where}: {exc}") from None
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        if self.output_mode == "int":
            return out.astype(self.dtype)
        return encode(out, self.output_mode, self.num_bins, self.dtype, where=where)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                        "output_mode": self.output_mode, "sparse": self.sparse})
        return config_
