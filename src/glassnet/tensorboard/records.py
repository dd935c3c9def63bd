"""TensorBoard's bytes: CRC32C, TFRecord framing and the protobuf wire format (the subset used).

Everything :mod:`glassnet.tensorboard` writes is encoded here; the package docstring gives the
formats field by field.
"""
from __future__ import annotations

import numbers
import struct

import numpy as np

# ---------------------------------------------------------------------------------- CRC32C
_CRC32C_POLY = 0x82F63B78  # Castagnoli polynomial 0x1EDC6F41, bit-reversed
_MASK_DELTA = 0xA282EAD8


def _crc32c_tables() -> tuple:
    """Eight 256-entry tables: ``T[k][b]`` is the CRC register after byte ``b`` and ``k`` zeros."""
    t0 = []
    for byte in range(256):
        c = byte
        for _ in range(8):
            c = (c >> 1) ^ _CRC32C_POLY if c & 1 else c >> 1
        t0.append(c)
    tables = [t0]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(p >> 8) ^ t0[p & 0xFF] for p in prev])
    return tuple(tuple(t) for t in tables)


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _crc32c_tables()


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C (Castagnoli) of ``data`` as an unsigned 32-bit int.

    Table-driven, 8 bytes per step ("slicing by 8"): the register ``r`` starts at
    ``crc ^ 0xFFFFFFFF``; for each byte ``b`` it becomes ``T0[(r ^ b) & 0xFF] ^ (r >> 8)``,
    where ``T0`` holds the CRC of every single byte under the reflected polynomial
    0x82F63B78; the result is ``r ^ 0xFFFFFFFF``.  Passing a previous result as ``crc``
    continues it: ``crc32c(b, crc32c(a)) == crc32c(a + b)``.
    """
    if isinstance(data, str) or not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"crc32c: data must be bytes, bytearray or memoryview, got {type(data).__name__}")
    if isinstance(crc, bool) or not isinstance(crc, numbers.Integral) or not 0 <= crc <= 0xFFFFFFFF:
        raise ValueError(f"crc32c: crc must be an integer in [0, 2**32), got {crc!r}")
    data = bytes(data)
    r = int(crc) ^ 0xFFFFFFFF
    n8 = len(data) - len(data) % 8
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    for (word,) in struct.iter_unpack("<Q", data[:n8]):
        lo = (word & 0xFFFFFFFF) ^ r
        hi = word >> 32
        r = (t7[lo & 0xFF] ^ t6[(lo >> 8) & 0xFF] ^ t5[(lo >> 16) & 0xFF] ^ t4[lo >> 24]
             ^ t3[hi & 0xFF] ^ t2[(hi >> 8) & 0xFF] ^ t1[(hi >> 16) & 0xFF] ^ t0[hi >> 24])
    for b in data[n8:]:
        r = t0[(r ^ b) & 0xFF] ^ (r >> 8)
    return r ^ 0xFFFFFFFF


def masked_crc32c(data) -> int:
    """TFRecord's masked CRC: ``((c >> 15) | (c << 17)) + 0xA282EAD8`` mod 2**32, c = crc32c(data)."""
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One TFRecord: ``uint64 len | uint32 masked_crc(len bytes) | data | uint32 masked_crc(data)``."""
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + bytes(data)
            + struct.pack("<I", masked_crc32c(data)))


# ------------------------------------------------------------------------ protobuf encoding
VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def varint(value: int) -> bytes:
    """Base-128 varint; a negative value is encoded as its 64-bit two's complement."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_key(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def field_varint(field: int, value: int) -> bytes:
    """A varint field, left out when 0 (proto3 default)."""
    return field_key(field, VARINT) + varint(int(value)) if value else b""


def field_bytes(field: int, data: bytes, keep_empty: bool = False) -> bytes:
    """A length-delimited field; empty strings are left out unless ``keep_empty``."""
    if not data and not keep_empty:
        return b""
    return field_key(field, LEN) + varint(len(data)) + data


def field_str(field: int, text: str) -> bytes:
    return field_bytes(field, text.encode("utf-8"))


# TensorFlow's DataType enum (types.proto) for the NumPy dtypes we write.
DTYPE_ENUM = {
    np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3,
    np.dtype(np.uint8): 4, np.dtype(np.int16): 5, np.dtype(np.int8): 6,
    np.dtype(np.int64): 9, np.dtype(np.bool_): 10, np.dtype(np.uint16): 17,
    np.dtype(np.float16): 19, np.dtype(np.uint32): 22, np.dtype(np.uint64): 23,
}
DT_FLOAT, DT_DOUBLE, DT_STRING = 1, 2, 7


def shape_proto(shape) -> bytes:
    """TensorShapeProto: one ``dim`` (field 2) per axis, each ``{size: n}``; -1 = unknown."""
    if shape is None:
        return field_varint(3, 1)  # unknown_rank: true
    return b"".join(field_bytes(2, field_varint(1, -1 if d is None else int(d)), keep_empty=True)
                    for d in shape)


def encode_tensor(value) -> bytes:
    """A TensorProto for ``value`` (NumPy array, number, str or bytes, or nested lists of them).

    Numbers go into ``tensor_content`` as raw little-endian values of their dtype (float32 ->
    DT_FLOAT, float64 -> DT_DOUBLE, int64 -> DT_INT64, ...); strings become DT_STRING with
    one ``string_val`` entry per element (UTF-8), in C order.
    """
    arr = np.asarray(value)
    if arr.dtype.kind in "USO":
        items = []
        for item in arr.reshape(-1).tolist():
            if isinstance(item, str):
                items.append(item.encode("utf-8"))
            elif isinstance(item, (bytes, bytearray)):
                items.append(bytes(item))
            else:
                raise TypeError(f"encode_tensor: a string tensor may hold only str or bytes, "
                                f"got {type(item).__name__} {item!r}")
        return (field_varint(1, DT_STRING) + field_bytes(2, shape_proto(arr.shape), keep_empty=True)
                + b"".join(field_bytes(8, s, keep_empty=True) for s in items))
    enum = DTYPE_ENUM.get(arr.dtype)
    if enum is None:
        raise TypeError(f"encode_tensor: value must have a numeric or string dtype, got dtype {arr.dtype}")
    content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return (field_varint(1, enum) + field_bytes(2, shape_proto(arr.shape), keep_empty=True)
            + field_bytes(4, content))


def encode_summary_value(tag: str, tensor: bytes, plugin_name: str, plugin_content: bytes = b"",
                         display_name: str = "", description: str = "") -> bytes:
    """A ``Summary.Value``: tag (1), the serialized TensorProto (8) and SummaryMetadata (9)."""
    plugin_data = field_str(1, plugin_name) + field_bytes(2, plugin_content)
    metadata = (field_bytes(1, plugin_data, keep_empty=True) + field_str(2, display_name)
                + field_str(3, description))
    return field_str(1, tag) + field_bytes(8, tensor, keep_empty=True) + field_bytes(9, metadata, keep_empty=True)


def encode_event(wall_time: float, step: int = 0, *, file_version: str | None = None,
                 graph_def: bytes | None = None, summary_values=(), source_writer: str | None = None) -> bytes:
    """A serialized Event: wall_time (1, double), step (2, int64), then file_version (3),
    graph_def (4), a Summary (5) holding ``summary_values`` (already-encoded Summary.Value
    messages), and source_metadata (10, ``{writer}``)."""
    out = field_key(1, FIXED64) + struct.pack("<d", float(wall_time)) + field_varint(2, step)
    if file_version is not None:
        out += field_str(3, file_version)
    if graph_def is not None:
        out += field_bytes(4, bytes(graph_def), keep_empty=True)
    if summary_values:
        out += field_bytes(5, b"".join(field_bytes(1, v, keep_empty=True) for v in summary_values),
                        keep_empty=True)
    if source_writer is not None:
        out += field_bytes(10, field_str(1, source_writer), keep_empty=True)
    return out
