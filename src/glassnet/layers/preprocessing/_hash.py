"""The two 64-bit string hashes Keras's hashing layers use (through TensorFlow), in pure Python.

* ``fingerprint64(data)``: FarmHash's Fingerprint64 (the "na" variant of Hash64), what
  ``tf.strings.to_hash_bucket_fast`` computes; bucket = fingerprint64(utf-8 bytes) mod num_bins.
* ``siphash64(data, key0, key1)``: SipHash-2-4 with the 128-bit key (key0, key1), what
  ``tf.strings.to_hash_bucket_strong`` computes when Keras is given a ``salt``.

Both work on unsigned 64-bit words read little-endian; arithmetic is modulo 2**64. Written from
the published algorithm descriptions; checked against TensorFlow's buckets in the golden tests.
"""
from __future__ import annotations

import struct

import numpy as np

_M = (1 << 64) - 1
K0 = 0xC3A5C85C97CB3127
K1 = 0xB492B66FBE98F273
K2 = 0x9AE16A3B2F90404F


def _rot(v: int, r: int) -> int:
    """Rotate a 64-bit word right by r bits (FarmHash's Rotate; r = 0 leaves it)."""
    return v if r == 0 else ((v >> r) | (v << (64 - r))) & _M


def _u64(s: bytes, i: int) -> int:
    return struct.unpack_from("<Q", s, i)[0]


def _u32(s: bytes, i: int) -> int:
    return struct.unpack_from("<I", s, i)[0]


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _hash16(u: int, v: int, mul: int) -> int:
    """Murmur-style mix of two words: a = (u^v) mul, a ^= a>>47; b = (v^a) mul, b ^= b>>47; b mul."""
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len_0_to_16(s: bytes, n: int) -> int:
    if n >= 8:
        mul = (K2 + n * 2) & _M
        a = (_u64(s, 0) + K2) & _M
        b = _u64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M
        d = ((_rot(a, 25) + b) * mul) & _M
        return _hash16(c, d, mul)
    if n >= 4:
        mul = (K2 + n * 2) & _M
        a = _u32(s, 0)
        return _hash16((n + (a << 3)) & _M, _u32(s, n - 4), mul)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * K2) & _M) ^ ((z * K0) & _M)) * K2) & _M
    return K2


def _mix_ends(s: bytes, n: int, mul: int, k: int) -> tuple[int, int, int]:
    """The mix of the first and last 16 bytes that the 17..32 (``k = K1``) and 33..64-byte
    (``k = K2``) cases share: the two words for :func:`_hash16`, and ``a``."""
    a = (_u64(s, 0) * k) & _M
    b = _u64(s, 8)
    c = (_u64(s, n - 8) * mul) & _M
    d = (_u64(s, n - 16) * K2) & _M
    return (_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M, (a + _rot((b + K2) & _M, 18) + c) & _M, a


def _len_17_to_32(s: bytes, n: int) -> int:
    mul = (K2 + n * 2) & _M
    u, v, _ = _mix_ends(s, n, mul, K1)
    return _hash16(u, v, mul)


def _weak32(w: int, x: int, y: int, z: int, a: int, b: int) -> tuple[int, int]:
    a = (a + w) & _M
    b = _rot((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rot(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def _weak32_at(s: bytes, i: int, a: int, b: int) -> tuple[int, int]:
    return _weak32(_u64(s, i), _u64(s, i + 8), _u64(s, i + 16), _u64(s, i + 24), a, b)


def _len_33_to_64(s: bytes, n: int) -> int:
    mul = (K2 + n * 2) & _M
    y, v, a = _mix_ends(s, n, mul, K2)
    z = _hash16(y, v, mul)
    e = (_u64(s, 16) * mul) & _M
    f = _u64(s, 24)
    g = ((y + _u64(s, n - 32)) * mul) & _M
    h = ((z + _u64(s, n - 24)) * mul) & _M
    return _hash16((_rot((e + f) & _M, 43) + _rot(g, 30) + h) & _M,
                   (e + _rot((f + a) & _M, 18) + g) & _M, mul)


def fingerprint64(s: bytes) -> int:
    """FarmHash Fingerprint64 of ``s`` (an unsigned 64-bit int)."""
    n = len(s)
    if n <= 16:
        return _len_0_to_16(s, n)
    if n <= 32:
        return _len_17_to_32(s, n)
    if n <= 64:
        return _len_33_to_64(s, n)
    seed = 81
    x = seed
    y = (seed * K1 + 113) & _M
    z = (_shift_mix((y * K2 + 113) & _M) * K2) & _M
    v = (0, 0)
    w = (0, 0)
    x = (x * K2 + _u64(s, 0)) & _M
    end = ((n - 1) // 64) * 64           # whole 64-byte blocks, leaving 1..64 bytes
    last64 = n - 64
    i = 0
    while True:
        x = (_rot((x + y + v[0] + _u64(s, i + 8)) & _M, 37) * K1) & _M
        y = (_rot((y + v[1] + _u64(s, i + 48)) & _M, 42) * K1) & _M
        x ^= w[1]
        y = (y + v[0] + _u64(s, i + 40)) & _M
        z = (_rot((z + w[0]) & _M, 33) * K1) & _M
        v = _weak32_at(s, i, (v[1] * K1) & _M, (x + w[0]) & _M)
        w = _weak32_at(s, i + 32, (z + w[1]) & _M, (y + _u64(s, i + 16)) & _M)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = (K1 + ((z & 0xFF) << 1)) & _M
    i = last64
    w0 = (w[0] + ((n - 1) & 63)) & _M
    v0 = (v[0] + w0) & _M
    w0 = (w0 + v0) & _M
    v = (v0, v[1])
    w = (w0, w[1])
    x = (_rot((x + y + v[0] + _u64(s, i + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _u64(s, i + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M
    y = (y + v[0] * 9 + _u64(s, i + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32_at(s, i, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32_at(s, i + 32, (z + w[1]) & _M, (y + _u64(s, i + 16)) & _M)
    z, x = x, z
    return _hash16((_hash16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & _M,
                   (_hash16(v[1], w[1], mul) + x) & _M, mul)


def _rotl(v: int, r: int) -> int:
    return ((v << r) | (v >> (64 - r))) & _M


def siphash64(s: bytes, key0: int, key1: int) -> int:
    """SipHash-2-4 of ``s`` with the key (key0, key1) (each an unsigned 64-bit int)."""
    k0, k1 = key0 & _M, key1 & _M
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, count):
        for _ in range(count):
            v0 = (v0 + v1) & _M
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3

    n = len(s)
    full = n - n % 8
    for i in range(0, full, 8):
        m = _u64(s, i)
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    last = ((n & 0xFF) << 56) | int.from_bytes(s[full:], "little")
    v3 ^= last
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
    v0 ^= last
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


# ============================================================================ vectorised versions
# The same two hashes over many strings at once: the strings are rows of a uint8 matrix (NUL-padded)
# grouped by byte length, and every step above becomes one NumPy operation on a column of uint64
# words (NumPy's uint64 arithmetic wraps modulo 2**64, as the algorithms require).
_K0, _K1, _K2 = np.uint64(K0), np.uint64(K1), np.uint64(K2)


def _col64(mat, i):
    """Little-endian 64-bit words at byte offset i of every row."""
    return np.ascontiguousarray(mat[:, i:i + 8]).view("<u8")[:, 0].astype(np.uint64)


def _col32(mat, i):
    return np.ascontiguousarray(mat[:, i:i + 4]).view("<u4")[:, 0].astype(np.uint64)


def _vrot(v, r):
    return v if r == 0 else (v >> np.uint64(r)) | (v << np.uint64(64 - r))


def _vrotl(v, r):
    return (v << np.uint64(r)) | (v >> np.uint64(64 - r))


def _vmix(v):
    return v ^ (v >> np.uint64(47))


def _vhash16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> np.uint64(47)
    b = (v ^ a) * mul
    b ^= b >> np.uint64(47)
    return b * mul


def _vweak32(w, x, y, z, a, b):
    a = a + w
    b = _vrot(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _vrot(a, 44)
    return a + z, b + c


def _vweak32_at(mat, i, a, b):
    return _vweak32(_col64(mat, i), _col64(mat, i + 8), _col64(mat, i + 16), _col64(mat, i + 24), a, b)


def _fingerprint_rows(mat: np.ndarray, n: int) -> np.ndarray:
    """fingerprint64 of every row of ``mat`` (uint8, rows of exactly n meaningful bytes)."""
    rows = mat.shape[0]
    N = np.uint64(n)
    if n == 0:
        return np.full(rows, _K2, dtype=np.uint64)
    if n < 4:
        y = mat[:, 0].astype(np.uint64) + (mat[:, n >> 1].astype(np.uint64) << np.uint64(8))
        z = N + (mat[:, n - 1].astype(np.uint64) << np.uint64(2))
        return _vmix((y * _K2) ^ (z * _K0)) * _K2
    mul = np.uint64((K2 + 2 * n) & _M)
    if n < 8:
        a = _col32(mat, 0)
        return _vhash16(N + (a << np.uint64(3)), _col32(mat, n - 4), mul)
    if n <= 16:
        a = _col64(mat, 0) + _K2
        b = _col64(mat, n - 8)
        c = _vrot(b, 37) * mul + a
        d = (_vrot(a, 25) + b) * mul
        return _vhash16(c, d, mul)
    if n <= 32:
        a = _col64(mat, 0) * _K1
        b = _col64(mat, 8)
        c = _col64(mat, n - 8) * mul
        d = _col64(mat, n - 16) * _K2
        return _vhash16(_vrot(a + b, 43) + _vrot(c, 30) + d, a + _vrot(b + _K2, 18) + c, mul)
    if n <= 64:
        a = _col64(mat, 0) * _K2
        b = _col64(mat, 8)
        c = _col64(mat, n - 8) * mul
        d = _col64(mat, n - 16) * _K2
        y = _vrot(a + b, 43) + _vrot(c, 30) + d
        z = _vhash16(y, a + _vrot(b + _K2, 18) + c, mul)
        e = _col64(mat, 16) * mul
        f = _col64(mat, 24)
        g = (y + _col64(mat, n - 32)) * mul
        h = (z + _col64(mat, n - 24)) * mul
        return _vhash16(_vrot(e + f, 43) + _vrot(g, 30) + h, e + _vrot(f + a, 18) + g, mul)
    zeros = np.zeros(rows, dtype=np.uint64)
    x = np.full(rows, 81, dtype=np.uint64)
    y = x * _K1 + np.uint64(113)
    z = _vmix(y * _K2 + np.uint64(113)) * _K2
    v0, v1, w0, w1 = zeros, zeros, zeros, zeros
    x = x * _K2 + _col64(mat, 0)
    end = ((n - 1) // 64) * 64
    for i in range(0, end, 64):          # over 64-byte blocks (the same count for every row)
        x = _vrot(x + y + v0 + _col64(mat, i + 8), 37) * _K1
        y = _vrot(y + v1 + _col64(mat, i + 48), 42) * _K1
        x = x ^ w1
        y = y + v0 + _col64(mat, i + 40)
        z = _vrot(z + w0, 33) * _K1
        v0, v1 = _vweak32_at(mat, i, v1 * _K1, x + w0)
        w0, w1 = _vweak32_at(mat, i + 32, z + w1, y + _col64(mat, i + 16))
        z, x = x, z
    mul = _K1 + ((z & np.uint64(0xFF)) << np.uint64(1))
    i = n - 64
    w0 = w0 + np.uint64((n - 1) & 63)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _vrot(x + y + v0 + _col64(mat, i + 8), 37) * mul
    y = _vrot(y + v1 + _col64(mat, i + 48), 42) * mul
    x = x ^ (w1 * np.uint64(9))
    y = y + v0 * np.uint64(9) + _col64(mat, i + 40)
    z = _vrot(z + w0, 33) * mul
    v0, v1 = _vweak32_at(mat, i, v1 * mul, x + w0)
    w0, w1 = _vweak32_at(mat, i + 32, z + w1, y + _col64(mat, i + 16))
    z, x = x, z
    return _vhash16(_vhash16(v0, w0, mul) + _vmix(y) * _K0 + z, _vhash16(v1, w1, mul) + x, mul)


def _siphash_rows(mat: np.ndarray, n: int, key0: int, key1: int) -> np.ndarray:
    """siphash64 of every row of ``mat`` (rows of exactly n meaningful bytes)."""
    rows = mat.shape[0]
    k0, k1 = np.uint64(key0 & _M), np.uint64(key1 & _M)
    v0 = np.full(rows, k0 ^ np.uint64(0x736F6D6570736575), dtype=np.uint64)
    v1 = np.full(rows, k1 ^ np.uint64(0x646F72616E646F6D), dtype=np.uint64)
    v2 = np.full(rows, k0 ^ np.uint64(0x6C7967656E657261), dtype=np.uint64)
    v3 = np.full(rows, k1 ^ np.uint64(0x7465646279746573), dtype=np.uint64)

    def sipround(v0, v1, v2, v3):
        v0 = v0 + v1
        v1 = _vrotl(v1, 13) ^ v0
        v0 = _vrotl(v0, 32)
        v2 = v2 + v3
        v3 = _vrotl(v3, 16) ^ v2
        v0 = v0 + v3
        v3 = _vrotl(v3, 21) ^ v0
        v2 = v2 + v1
        v1 = _vrotl(v1, 17) ^ v2
        v2 = _vrotl(v2, 32)
        return v0, v1, v2, v3

    full = n - n % 8
    for i in range(0, full, 8):          # over 8-byte words (the same count for every row)
        m = _col64(mat, i)
        v3 = v3 ^ m
        v0, v1, v2, v3 = sipround(*sipround(v0, v1, v2, v3))
        v0 = v0 ^ m
    last = np.full(rows, (n & 0xFF) << 56, dtype=np.uint64)
    for j in range(n - full):
        last = last | (mat[:, full + j].astype(np.uint64) << np.uint64(8 * j))
    v3 = v3 ^ last
    v0, v1, v2, v3 = sipround(*sipround(v0, v1, v2, v3))
    v0 = v0 ^ last
    v2 = v2 ^ np.uint64(0xFF)
    for _ in range(4):
        v0, v1, v2, v3 = sipround(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def hash_matrix(mat: np.ndarray, lengths: np.ndarray, salt=None) -> np.ndarray:
    """64-bit hashes (uint64) of the byte strings ``mat[r, :lengths[r]]`` (Fingerprint64, or SipHash
    with the key ``salt = (key0, key1)``), computed one group of equal lengths at a time."""
    out = np.empty(mat.shape[0], dtype=np.uint64)
    width = max(mat.shape[1], 8)
    if mat.shape[1] < width:
        mat = np.pad(mat, ((0, 0), (0, width - mat.shape[1])))
    for n in np.unique(lengths).tolist():
        rows = np.nonzero(lengths == n)[0]
        sub = mat[rows]
        out[rows] = _fingerprint_rows(sub, n) if salt is None else _siphash_rows(sub, n, salt[0], salt[1])
    return out


def utf8_matrix(x: np.ndarray):
    """A str / bytes array -> (uint8 matrix of the UTF-8 bytes, NUL-padded; byte lengths).

    ASCII text is read straight from NumPy's UCS-4 storage; other text is encoded first.
    (A string that ends in NUL characters loses them, as NumPy's fixed-width strings do.)
    """
    flat = x.reshape(-1)
    if flat.dtype.kind == "U":
        width = flat.dtype.itemsize // 4
        codes = flat.view(np.uint32).reshape(flat.size, width) if width else np.zeros((flat.size, 0), np.uint32)
        if codes.size == 0 or int(codes.max()) < 128:
            lengths = np.char.str_len(flat).astype(np.int64)
            used = int(lengths.max()) if lengths.size else 0          # drop the all-NUL padding columns
            return codes[:, :used].astype(np.uint8), lengths
        flat = np.char.encode(flat, "utf-8")
    if flat.dtype.kind != "S":
        raise TypeError(f"expected a str or bytes array, got dtype {flat.dtype}")
    width = flat.dtype.itemsize
    mat = flat.view(np.uint8).reshape(flat.size, width) if width else np.zeros((flat.size, 0), np.uint8)
    return mat, np.char.str_len(flat).astype(np.int64)
