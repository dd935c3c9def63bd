"""TensorBoard event files written from first principles: TFRecord framing, CRC32C, protobuf.

No TensorFlow, TensorBoard or protobuf package is imported: every byte is produced here, so
the files below are what ``tf.summary`` (TensorFlow 2) writes, field for field.

File name
    ``events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`` inside ``logdir``, where ``<seconds>``
    is the integer wall-clock time when the writer opened, ``<host>`` the machine name,
    ``<pid>`` the process id and ``<n>`` a counter shared by every writer of the process
    (0, 1, 2, ...), as TensorFlow names them.

TFRecord framing (every record, little-endian)::

    uint64  length                   number of bytes in data
    uint32  masked_crc32c(length)    CRC of the 8 length bytes
    bytes   data                     one serialized Event message
    uint32  masked_crc32c(data)

    masked_crc32c(b) = ((c >> 15) | (c << 17)) + 0xA282EAD8   (mod 2**32),  c = crc32c(b)

CRC32C is the Castagnoli CRC (reflected polynomial 0x82F63B78, initial value and final XOR
0xFFFFFFFF), e.g. ``crc32c(b'123456789') == 0xE3069283``.

Protobuf wire format (the subset used)
    A field is a key ``varint(field_number << 3 | wire_type)`` then its value: wire type 0 a
    varint (7 bits per byte, least significant group first, high bit = "more follows";
    negative int64 as its 64-bit two's complement, 10 bytes), 1 a little-endian 8-byte
    double, 2 a varint length then that many bytes (strings, bytes, sub-messages,
    packed arrays), 5 a little-endian 4-byte float.  Fields are written in field-number
    order and proto3 default values (0, empty) are left out, as protobuf's own serializer does.

Messages (field number: name)::

    Event            1: wall_time (double)  2: step (int64)  3: file_version (string)
                     4: graph_def (bytes, a serialized GraphDef)  5: summary (Summary)
                     10: source_metadata (SourceMetadata: 1: writer)
    Summary          1: value (repeated Summary.Value)
    Summary.Value    1: tag  8: tensor (TensorProto)  9: metadata (SummaryMetadata)
    SummaryMetadata  1: plugin_data (1: plugin_name, 2: content)  2: display_name
                     3: summary_description
    TensorProto      1: dtype (enum)  2: tensor_shape (TensorShapeProto: 2: dim (1: size))
                     4: tensor_content (raw little-endian values)  8: string_val (repeated)

The first record of a file is an Event with ``file_version = "brain.Event:2"``.  A scalar is
a float32 0-d tensor with plugin ``"scalars"``; a histogram a float64 ``[k, 3]`` tensor of
``(left edge, right edge, count)`` rows with plugin ``"histograms"``; text a string tensor with
plugin ``"text"``: the TensorFlow 2 summary formats, so TensorBoard's dashboards and
``EventAccumulator.Tensors`` read them as they read TensorFlow's own files.

Records are appended (never rewritten), because TensorBoard reads event files while they
grow; a torn last record after a crash is detected by its CRC and ignored by readers.
"""
from __future__ import annotations

import itertools
import numbers
import os
import socket
import struct
import threading
import time
import weakref

import numpy as np

from ._validation import check_path

__all__ = [
    "EventFileWriter",
    "crc32c",
    "masked_crc32c",
    "frame_record",
    "histogram_buckets",
    "encode_event",
    "encode_tensor",
    "encode_summary_value",
    "sequential_graph_def",
    "DEFAULT_BUCKET_COUNT",
]

#: Buckets in a histogram when none are asked for (TensorFlow 2's ``tf.summary.histogram``).
DEFAULT_BUCKET_COUNT = 30
FILE_VERSION = "brain.Event:2"
SOURCE_WRITER = "glassnet"

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
_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    """Base-128 varint; a negative value is encoded as its 64-bit two's complement."""
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _f_varint(field: int, value: int) -> bytes:
    """A varint field, left out when 0 (proto3 default)."""
    return _key(field, _VARINT) + _varint(int(value)) if value else b""


def _f_bytes(field: int, data: bytes, keep_empty: bool = False) -> bytes:
    """A length-delimited field; empty strings are left out unless ``keep_empty``."""
    if not data and not keep_empty:
        return b""
    return _key(field, _LEN) + _varint(len(data)) + data


def _f_str(field: int, text: str) -> bytes:
    return _f_bytes(field, text.encode("utf-8"))


def _f_double(field: int, value: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", value) if value else b""


def _f_float(field: int, value: float) -> bytes:
    return _key(field, _FIXED32) + struct.pack("<f", value) if value else b""


# TensorFlow's DataType enum (types.proto) for the NumPy dtypes we write.
_DTYPE_ENUM = {
    np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3,
    np.dtype(np.uint8): 4, np.dtype(np.int16): 5, np.dtype(np.int8): 6,
    np.dtype(np.int64): 9, np.dtype(np.bool_): 10, np.dtype(np.uint16): 17,
    np.dtype(np.float16): 19, np.dtype(np.uint32): 22, np.dtype(np.uint64): 23,
}
DT_FLOAT, DT_DOUBLE, DT_STRING = 1, 2, 7


def _shape_proto(shape) -> bytes:
    """TensorShapeProto: one ``dim`` (field 2) per axis, each ``{size: n}``; -1 = unknown."""
    if shape is None:
        return _f_varint(3, 1)  # unknown_rank: true
    return b"".join(_f_bytes(2, _f_varint(1, -1 if d is None else int(d)), keep_empty=True)
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
        return (_f_varint(1, DT_STRING) + _f_bytes(2, _shape_proto(arr.shape), keep_empty=True)
                + b"".join(_f_bytes(8, s, keep_empty=True) for s in items))
    enum = _DTYPE_ENUM.get(arr.dtype)
    if enum is None:
        raise TypeError(f"encode_tensor: value must have a numeric or string dtype, got dtype {arr.dtype}")
    content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return (_f_varint(1, enum) + _f_bytes(2, _shape_proto(arr.shape), keep_empty=True)
            + _f_bytes(4, content))


def encode_summary_value(tag: str, tensor: bytes, plugin_name: str, plugin_content: bytes = b"",
                         display_name: str = "", description: str = "") -> bytes:
    """A ``Summary.Value``: tag (1), the serialized TensorProto (8) and SummaryMetadata (9)."""
    plugin_data = _f_str(1, plugin_name) + _f_bytes(2, plugin_content)
    metadata = (_f_bytes(1, plugin_data, keep_empty=True) + _f_str(2, display_name)
                + _f_str(3, description))
    return _f_str(1, tag) + _f_bytes(8, tensor, keep_empty=True) + _f_bytes(9, metadata, keep_empty=True)


def encode_event(wall_time: float, step: int = 0, *, file_version: str | None = None,
                 graph_def: bytes | None = None, summary_values=(), source_writer: str | None = None) -> bytes:
    """A serialized Event: wall_time (1, double), step (2, int64), then file_version (3),
    graph_def (4), a Summary (5) holding ``summary_values`` (already-encoded Summary.Value
    messages), and source_metadata (10, ``{writer}``)."""
    out = _key(1, _FIXED64) + struct.pack("<d", float(wall_time)) + _f_varint(2, step)
    if file_version is not None:
        out += _f_str(3, file_version)
    if graph_def is not None:
        out += _f_bytes(4, bytes(graph_def), keep_empty=True)
    if summary_values:
        out += _f_bytes(5, b"".join(_f_bytes(1, v, keep_empty=True) for v in summary_values),
                        keep_empty=True)
    if source_writer is not None:
        out += _f_bytes(10, _f_str(1, source_writer), keep_empty=True)
    return out


# ------------------------------------------------------------------------------ histograms
def histogram_buckets(values, buckets: int = DEFAULT_BUCKET_COUNT) -> np.ndarray:
    """The ``[buckets, 3]`` float64 array of ``(left, right, count)`` rows TensorFlow 2 writes.

    With the values flattened and cast to float64, ``lo = min``, ``hi = max``:

    * no values: all zeros;
    * ``hi == lo``: every edge is ``hi`` and the last bucket counts every value;
    * otherwise ``width = (hi - lo) / buckets``; value ``x`` falls in bucket
      ``min(floor((x - lo) / width), buckets - 1)`` (so the last bucket is closed on the
      right); edges are ``lo + i * width`` for ``i = 0 .. buckets - 1`` and the final right
      edge is exactly ``hi``.

    The counts always sum to the number of values.
    """
    buckets = _check_buckets(buckets, "histogram_buckets")
    data = _histogram_data(values, "histogram_buckets")
    return _buckets(data, buckets)


def _buckets(data: np.ndarray, buckets: int) -> np.ndarray:
    out = np.zeros((buckets, 3), dtype=np.float64)
    if data.size == 0:
        return out
    lo, hi = data.min(), data.max()
    rng = hi - lo
    if rng == 0:
        out[:, :2] = hi
        out[-1, 2] = data.size
        return out
    width = rng / buckets
    index = np.minimum(np.floor((data - lo) / width).astype(np.int64), buckets - 1)
    out[:, 2] = np.bincount(index, minlength=buckets)
    edges = lo + np.arange(buckets + 1, dtype=np.float64) * width
    edges[-1] = hi
    out[:, 0], out[:, 1] = edges[:-1], edges[1:]
    return out


# ---------------------------------------------------------------------- argument checking
def _check_tag(tag, where: str) -> str:
    if not isinstance(tag, str):
        raise TypeError(f"{where}: tag must be a str, got {type(tag).__name__} {tag!r}")
    if not tag:
        raise ValueError(f"{where}: tag must be a non-empty string, got ''")
    return tag


def _check_step(step, where: str) -> int:
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, numbers.Integral):
        raise TypeError(f"{where}: step must be an integer, got {type(step).__name__} {step!r}")
    step = int(step)
    if not -(1 << 63) <= step < (1 << 63):
        raise ValueError(f"{where}: step must fit in a signed 64-bit integer, got {step}")
    return step


def _check_walltime(walltime, where: str) -> float:
    if walltime is None:
        return time.time()
    if isinstance(walltime, (bool, np.bool_)) or not isinstance(walltime, numbers.Real):
        raise TypeError(f"{where}: walltime must be None or a number of seconds, got "
                        f"{type(walltime).__name__} {walltime!r}")
    if not np.isfinite(walltime):
        raise ValueError(f"{where}: walltime must be a finite number of seconds, got {walltime!r}")
    return float(walltime)


def _check_scalar(value, where: str) -> float:
    """A number (Python, NumPy scalar or one-element array) as float; NaN and inf allowed."""
    if isinstance(value, np.ndarray):
        if value.size != 1 or value.dtype.kind not in "iuf":
            raise ValueError(f"{where}: value must be a single number, got an array of shape "
                             f"{value.shape} and dtype {value.dtype}")
        value = value.reshape(()).item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: value must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def _check_buckets(buckets, where: str) -> int:
    if isinstance(buckets, (bool, np.bool_)) or not isinstance(buckets, numbers.Integral) or buckets < 1:
        raise ValueError(f"{where}: buckets must be a positive integer, got {buckets!r}")
    return int(buckets)


def _histogram_data(values, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except ValueError:
        raise ValueError(f"{where}: values must be a rectangular array of numbers (it looks ragged)") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: values must be numbers, got dtype {arr.dtype}")
    data = arr.astype(np.float64).reshape(-1)
    bad = ~np.isfinite(data)
    if bad.any():
        raise ValueError(f"{where}: values must be finite; found {int(bad.sum())} NaN/inf of {data.size} "
                         f"(first at flat index {int(np.argmax(bad))})")
    return data


# ---------------------------------------------------------------------------------- writer
_FILE_COUNTER = itertools.count()
_COUNTER_LOCK = threading.Lock()


class _Sink:
    """The open file and the queue of framed records; closed by the writer or at exit."""

    def __init__(self, fh):
        self.fh = fh
        self.queue: list[bytes] = []
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()

    def flush(self) -> None:
        with self.lock:
            if self.fh is None:
                return
            if self.queue:
                self.fh.write(b"".join(self.queue))
                self.queue.clear()
            self.fh.flush()
            self.last_flush = time.monotonic()

    def close(self) -> None:
        self.flush()
        with self.lock:
            if self.fh is not None:
                self.fh.close()
                self.fh = None


class EventFileWriter:
    """Write TensorBoard event files (TensorFlow 2's format) into ``logdir``.

    Args:
        logdir: folder of the run (str or ``os.PathLike``); created if missing.
        max_queue: records held in memory before they are written out (TensorFlow's 10).
        flush_secs: at most this many seconds between writes to disk (TensorFlow's 120).
        filename_suffix: appended to the file name (``'.v2'``, as TensorFlow 2).

    Opening the writer creates ``events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`` with its
    first record, ``file_version = "brain.Event:2"``, already on disk.  :meth:`close` writes
    what is queued; closing twice is harmless, adding after closing is a ``RuntimeError``.
    Usable as a context manager.  Records still queued when the program exits are flushed.
    """

    def __init__(self, logdir, max_queue: int = 10, flush_secs: float = 120.0, filename_suffix: str = ".v2"):
        where = "EventFileWriter"
        logdir = check_path(logdir, "logdir", where)
        if os.path.exists(logdir) and not os.path.isdir(logdir):
            raise ValueError(f"{where}: logdir must be a directory, got {logdir!r}, which is an existing file")
        if isinstance(max_queue, bool) or not isinstance(max_queue, numbers.Integral) or max_queue < 0:
            raise ValueError(f"{where}: max_queue must be a non-negative integer, got {max_queue!r}")
        if (isinstance(flush_secs, bool) or not isinstance(flush_secs, numbers.Real)
                or not flush_secs >= 0 or not np.isfinite(flush_secs)):
            raise ValueError(f"{where}: flush_secs must be a finite number >= 0, got {flush_secs!r}")
        if not isinstance(filename_suffix, str) or os.sep in filename_suffix or "/" in filename_suffix:
            raise ValueError(f"{where}: filename_suffix must be a string without path separators, "
                             f"got {filename_suffix!r}")
        os.makedirs(logdir, exist_ok=True)
        self.logdir = logdir
        self.max_queue = int(max_queue)
        self.flush_secs = float(flush_secs)
        seconds = int(time.time())
        host = socket.gethostname() or "localhost"
        while True:
            with _COUNTER_LOCK:
                n = next(_FILE_COUNTER)
            name = f"events.out.tfevents.{seconds}.{host}.{os.getpid()}.{n}{filename_suffix}"
            path = os.path.join(logdir, name)
            try:
                fh = open(path, "xb")
                break
            except FileExistsError:  # another process with our pid in the same second: next n
                continue
        self.path = path
        self._sink = _Sink(fh)
        self._finalizer = weakref.finalize(self, self._sink.close)
        self._write(encode_event(seconds, file_version=FILE_VERSION, source_writer=SOURCE_WRITER))
        self.flush()

    # ----------------------------------------------------------------------- plumbing
    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._sink.fh is None

    def _write(self, event: bytes) -> None:
        sink = self._sink
        with sink.lock:
            if sink.fh is None:
                raise RuntimeError(f"EventFileWriter: the writer for {self.path!r} is closed; "
                                   f"open a new EventFileWriter to write more")
            sink.queue.append(frame_record(event))
            due = (len(sink.queue) >= self.max_queue
                   or time.monotonic() - sink.last_flush >= self.flush_secs)
        if due:
            sink.flush()

    def add_event(self, event: bytes) -> None:
        """Append one already-serialized Event message (framed here as a TFRecord)."""
        if not isinstance(event, (bytes, bytearray, memoryview)):
            raise TypeError(f"EventFileWriter.add_event: event must be bytes, got {type(event).__name__}")
        self._write(bytes(event))

    def add_tensor(self, tag: str, tensor, step: int, plugin_name: str, plugin_content: bytes = b"",
                   walltime: float | None = None, description: str = "") -> None:
        """Write ``tensor`` under ``tag`` for the TensorBoard plugin ``plugin_name`` at ``step``."""
        where = "EventFileWriter.add_tensor"
        tag, step = _check_tag(tag, where), _check_step(step, where)
        if not isinstance(plugin_name, str) or not plugin_name:
            raise ValueError(f"{where}: plugin_name must be a non-empty string, got {plugin_name!r}")
        if not isinstance(plugin_content, (bytes, bytearray)):
            raise TypeError(f"{where}: plugin_content must be bytes, got {type(plugin_content).__name__}")
        if not isinstance(description, str):
            raise TypeError(f"{where}: description must be a str, got {type(description).__name__}")
        self._add_value(tag, encode_tensor(tensor), step, plugin_name, bytes(plugin_content),
                        _check_walltime(walltime, where), description)

    def _add_value(self, tag, tensor_bytes, step, plugin_name, plugin_content, walltime, description=""):
        value = encode_summary_value(tag, tensor_bytes, plugin_name, plugin_content, description=description)
        self._write(encode_event(walltime, step, summary_values=[value]))

    # ---------------------------------------------------------------------- summaries
    def add_scalar(self, tag: str, value, step: int, walltime: float | None = None,
                   description: str = "") -> None:
        """Write one scalar as ``tf.summary.scalar`` does: a float32 0-d tensor, plugin ``'scalars'``.

        ``value`` is any real number (NaN and inf are kept: a diverging loss is worth seeing);
        ``step`` an integer (the x axis); ``walltime`` seconds since the epoch (default now).
        """
        where = "EventFileWriter.add_scalar"
        tag, step = _check_tag(tag, where), _check_step(step, where)
        value = _check_scalar(value, where)
        with np.errstate(over="ignore"):  # beyond float32's range -> inf, as a float32 cast does
            tensor = encode_tensor(np.float32(value))
        self._add_value(tag, tensor, step, "scalars", b"", _check_walltime(walltime, where), description)

    def add_histogram(self, tag: str, values, step: int, buckets: int = DEFAULT_BUCKET_COUNT,
                      walltime: float | None = None, description: str = "") -> None:
        """Write the histogram of ``values`` (any shape, flattened) with plugin ``'histograms'``.

        The tensor is :func:`histogram_buckets` ``(values, buckets)``: ``buckets`` rows of
        ``(left, right, count)`` in float64, TensorFlow 2's format (30 buckets by default).
        Values must be finite.
        """
        where = "EventFileWriter.add_histogram"
        tag, step = _check_tag(tag, where), _check_step(step, where)
        table = _buckets(_histogram_data(values, where), _check_buckets(buckets, where))
        self._add_value(tag, encode_tensor(table), step, "histograms", b"",
                        _check_walltime(walltime, where), description)

    def add_text(self, tag: str, text, step: int, walltime: float | None = None,
                 description: str = "") -> None:
        """Write ``text`` (a str, rendered as Markdown; or a 1-D/2-D array of str, shown as a
        table) as a string tensor with plugin ``'text'``."""
        where = "EventFileWriter.add_text"
        tag, step = _check_tag(tag, where), _check_step(step, where)
        if not isinstance(text, str):
            arr = np.asarray(text, dtype=object) if isinstance(text, (list, tuple, np.ndarray)) else None
            if arr is None or arr.size == 0 or not all(isinstance(t, str) for t in arr.reshape(-1)):
                raise TypeError(f"{where}: text must be a str or a non-empty array of str, got "
                                f"{type(text).__name__} {text!r}"[:300])
            text = arr
        self._add_value(tag, encode_tensor(text), step, "text", b"", _check_walltime(walltime, where),
                        description)

    def add_graph(self, graph_def, walltime: float | None = None) -> None:
        """Write a graph for the Graphs dashboard: an Event whose ``graph_def`` (field 4) holds
        a serialized GraphDef (``bytes``, e.g. from :func:`sequential_graph_def`, or any
        object with ``SerializeToString``)."""
        where = "EventFileWriter.add_graph"
        if hasattr(graph_def, "SerializeToString") and not isinstance(graph_def, (bytes, bytearray)):
            graph_def = graph_def.SerializeToString()
        if not isinstance(graph_def, (bytes, bytearray, memoryview)):
            raise TypeError(f"{where}: graph_def must be the bytes of a serialized GraphDef, got "
                            f"{type(graph_def).__name__}")
        self._write(encode_event(_check_walltime(walltime, where), graph_def=bytes(graph_def)))

    def add_keras_model(self, model_json: str, step: int = 0, tag: str = "keras",
                        walltime: float | None = None) -> None:
        """Write a model's JSON config as Keras does for the Graphs dashboard's conceptual graph:
        a string tensor under ``tag`` with plugin ``'graph_keras_model'`` and content ``b'1'``."""
        where = "EventFileWriter.add_keras_model"
        if not isinstance(model_json, str):
            raise TypeError(f"{where}: model_json must be a str (the model's JSON), got "
                            f"{type(model_json).__name__}")
        tag, step = _check_tag(tag, where), _check_step(step, where)
        self._add_value(tag, encode_tensor(model_json), step, "graph_keras_model", b"1",
                        _check_walltime(walltime, where))

    # ------------------------------------------------------------------------ closing
    def flush(self) -> None:
        """Write every queued record to the file (and the OS)."""
        self._sink.flush()

    def close(self) -> None:
        """Flush and close the file; calling it again does nothing."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self) -> str:
        return f"<EventFileWriter {self.path!r}{' (closed)' if self.closed else ''}>"


# ------------------------------------------------------------------------------ GraphDef
def _attr_entry(key: str, attr_value: bytes) -> bytes:
    """One ``map<string, AttrValue>`` entry of NodeDef.attr: ``{1: key, 2: value}``."""
    return _f_bytes(5, _f_str(1, key) + _f_bytes(2, attr_value, keep_empty=True), keep_empty=True)


def _attr_type(dtype_enum: int) -> bytes:
    return _key(6, _VARINT) + _varint(dtype_enum)


def _attr_shape(shape) -> bytes:
    return _f_bytes(7, _shape_proto(shape), keep_empty=True)


def _attr_bool(flag: bool) -> bytes:
    return _key(5, _VARINT) + _varint(int(bool(flag)))


def _attr_float(value: float) -> bytes:
    return _key(4, _FIXED32) + struct.pack("<f", value)


def _attr_str(text: str) -> bytes:
    return _f_bytes(2, text.encode("utf-8"), keep_empty=True)


def _attr_shapes(shapes) -> bytes:
    """AttrValue.list (1) of shapes (7): what ``_output_shapes`` holds."""
    return _f_bytes(1, b"".join(_f_bytes(7, _shape_proto(s), keep_empty=True) for s in shapes),
                    keep_empty=True)


def _node_def(name: str, op: str, inputs=(), attrs=None) -> bytes:
    """NodeDef: name (1), op (2), input (3, repeated), attr (5, map sorted by key)."""
    out = _f_str(1, name) + _f_str(2, op) + b"".join(_f_bytes(3, i.encode("utf-8")) for i in inputs)
    for key in sorted(attrs or {}):
        out += _attr_entry(key, attrs[key])
    return out


# Keras activation names -> the TensorFlow op that computes them.
_ACTIVATION_OPS = {
    "relu": "Relu", "relu6": "Relu6", "sigmoid": "Sigmoid", "softmax": "Softmax", "tanh": "Tanh",
    "elu": "Elu", "selu": "Selu", "softplus": "Softplus", "softsign": "Softsign", "exponential": "Exp",
    "leaky_relu": "LeakyRelu", "gelu": "Gelu", "silu": "Silu", "swish": "Silu", "mish": "Mish",
    "log_softmax": "LogSoftmax", "hard_sigmoid": "HardSigmoid", "hard_silu": "HardSilu",
}


def _activation_name(activation):
    name = getattr(activation, "name", None) or getattr(activation, "__name__", None)
    return name if isinstance(name, str) else None


def _op_name(name: str) -> str:
    return _ACTIVATION_OPS.get(name) or "".join(part.capitalize() for part in name.split("_")) or "Identity"


def sequential_graph_def(model) -> bytes:
    """A serialized GraphDef of a Sequential model's forward pass, for the Graphs dashboard.

    Nodes are scoped by layer name, so TensorBoard draws one box per layer in model order::

        input_layer              Placeholder  (shape [-1, features])
        dense/kernel, dense/bias VariableV2   (one per weight, named by its path)
        dense/MatMul             MatMul(previous output, dense/kernel)
        dense/BiasAdd            BiasAdd(dense/MatMul, dense/bias)
        dense/Relu               the activation's op (none for 'linear')
        dropout/Dropout, flatten/Reshape, activation/<Op>, <layer>/<ClassName> for others

    Every op node carries ``T`` (float type) and ``_output_shapes`` (batch axis -1) so edges
    are labelled with tensor shapes.  The model's layers are read through ``model.layers``,
    ``model.input_shape``, each layer's ``name``, ``weights``, ``output_shape`` and, for Dense,
    ``kernel``/``bias``/``use_bias``/``activation``.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"sequential_graph_def: model must be a Sequential model with .layers, "
                        f"got {type(model).__name__}")
    float_enum = DT_FLOAT
    input_name = "input_layer"
    get_config = getattr(model, "get_config", None)
    if callable(get_config):
        try:
            entries = get_config().get("layers", [])
        except Exception:  # an unbuilt or unusual model: keep the default name
            entries = []
        if entries and isinstance(entries[0], dict) and entries[0].get("class_name") == "InputLayer":
            input_name = entries[0].get("config", {}).get("name") or input_name
    input_shape = getattr(model, "input_shape", None)
    shape = None if input_shape is None else [-1 if d is None else d for d in input_shape]
    nodes = [_node_def(input_name, "Placeholder", attrs={
        "dtype": _attr_type(float_enum), "shape": _attr_shape(shape),
        "_output_shapes": _attr_shapes([shape])})]
    prev = input_name
    for layer in layers:
        name = layer.name
        out = getattr(layer, "output_shape", None)
        out_shape = None if out is None else [-1, *(-1 if d is None else d for d in out)]
        common = {"T": _attr_type(float_enum), "_output_shapes": _attr_shapes([out_shape])}
        for var in getattr(layer, "weights", []):
            nodes.append(_node_def(var.path, "VariableV2", attrs={
                "dtype": _attr_type(_DTYPE_ENUM.get(np.dtype(var.dtype), float_enum)),
                "shape": _attr_shape(list(var.shape)),
                "_output_shapes": _attr_shapes([list(var.shape)])}))
        kind = type(layer).__name__
        kernel = getattr(layer, "kernel", None)
        if kernel is not None and hasattr(kernel, "path"):  # Dense: MatMul, BiasAdd, activation
            nodes.append(_node_def(f"{name}/MatMul", "MatMul", [prev, kernel.path], {
                **common, "transpose_a": _attr_bool(False), "transpose_b": _attr_bool(False)}))
            prev = f"{name}/MatMul"
            bias = getattr(layer, "bias", None)
            if getattr(layer, "use_bias", False) and bias is not None:
                nodes.append(_node_def(f"{name}/BiasAdd", "BiasAdd", [prev, bias.path], {
                    **common, "data_format": _attr_str("NHWC")}))
                prev = f"{name}/BiasAdd"
            act = _activation_name(getattr(layer, "activation", None))
            if act and act != "linear":
                nodes.append(_node_def(f"{name}/{_op_name(act)}", _op_name(act), [prev], common))
                prev = f"{name}/{_op_name(act)}"
        elif kind == "Dropout":
            attrs = dict(common)
            rate = getattr(layer, "rate", None)
            if isinstance(rate, numbers.Real):
                attrs["rate"] = _attr_float(float(rate))
            nodes.append(_node_def(f"{name}/Dropout", "Dropout", [prev], attrs))
            prev = f"{name}/Dropout"
        elif kind == "Flatten":
            nodes.append(_node_def(f"{name}/Reshape", "Reshape", [prev], common))
            prev = f"{name}/Reshape"
        elif kind == "Activation" and _activation_name(getattr(layer, "activation", None)):
            op = _op_name(_activation_name(layer.activation))
            nodes.append(_node_def(f"{name}/{op}", op, [prev], common))
            prev = f"{name}/{op}"
        else:
            nodes.append(_node_def(f"{name}/{kind}", kind, [prev] + [v.path for v in getattr(layer, "weights", [])],
                                   common))
            prev = f"{name}/{kind}"
    versions = _f_varint(1, 1)  # VersionDef {producer: 1}
    return b"".join(_f_bytes(1, n, keep_empty=True) for n in nodes) + _f_bytes(4, versions, keep_empty=True)
