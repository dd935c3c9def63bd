"""The event-file writer (:class:`EventFileWriter`) and TensorFlow 2's histogram buckets."""
from __future__ import annotations

import itertools
import numbers
import os
import socket
import threading
import time
import weakref

import numpy as np

from .._validation import check_path
from .records import encode_event, encode_summary_value, encode_tensor, frame_record

#: Buckets in a histogram when none are asked for (TensorFlow 2's ``tf.summary.histogram``).
DEFAULT_BUCKET_COUNT = 30
FILE_VERSION = "brain.Event:2"
SOURCE_WRITER = "glassnet"

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
