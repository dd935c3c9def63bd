"""CSV files in and out of the ``glassnet`` command: bounded reading, spreadsheet-safe writing.

Reading (:func:`read_csv`) makes two passes over the file, streaming:

1. a check, 1 MiB at a time: every line at most ``max_line_bytes`` bytes, every
   header at most ``max_columns`` fields (pandas refuses a row wider than the header), all of it at most ``max_bytes`` bytes of CSV text (after
   decompression for ``.gz``, ``.bz2``, ``.xz``, ``.zip``, ``.zst`` and ``.tar*`` files), and valid
   UTF-8.  A failure is a :class:`CSVError` naming the file, the line (and data row) and the column;
   memory stays about ``max_line_bytes`` + 1 MiB whatever the file holds (a 1 GB line is never read
   whole);
2. pandas reads the (now bounded) file into a DataFrame, as before.

Writing (:func:`write_csv`) neutralises text cells (and column names) that a spreadsheet would run
as a formula: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
single quote in front (``=cmd|' /C calc'!A0`` is written ``'=cmd|' /C calc'!A0``), as spreadsheet-safe
exports do.  Numbers stay numbers: numeric columns are written as they are, and a text cell that is
a plain number (``-5``, ``+1.5e3``) is left alone, since a spreadsheet reads it as that number.
"""
from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import io
import lzma
import os
import re
import tarfile
import zipfile
import zlib
from typing import NamedTuple

from ._optional import import_pandas

MiB = 1 << 20
DEFAULT_MAX_LINE_BYTES = 1 * MiB
DEFAULT_MAX_COLUMNS = 10_000
DEFAULT_MAX_BYTES = 1024 * MiB

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COMPRESSED = (".gz", ".bz2", ".xz", ".lzma", ".zip", ".zst", ".tar", ".tgz")


class CSVError(ValueError):
    """A CSV file that cannot be read: the message names the file (and the line and column)."""


class CSVLimits(NamedTuple):
    """How much one CSV file may cost; each limit is raisable from the command line."""

    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES   # --max-line-bytes
    max_columns: int = DEFAULT_MAX_COLUMNS         # --max-columns
    max_bytes: int = DEFAULT_MAX_BYTES             # --max-csv-bytes (CSV text, after decompression)


# ------------------------------------------------------------------------------------ options
def parse_size(text: str) -> int:
    """``'1048576'``, ``'512K'``, ``'64M'``, ``'2G'`` -> bytes (argparse type)."""
    m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]i?[bB]?)?\s*", str(text))
    if not m or int(m.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive size in bytes such as 1048576, 512K, 64M or 2G, "
                                         f"got {text!r}")
    factor = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[(m.group(2) or " ")[0].strip().lower()]
    return int(m.group(1)) * factor


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def add_limit_arguments(parser) -> None:
    """The ``--max-line-bytes``, ``--max-columns`` and ``--max-csv-bytes`` options of a command that reads CSV."""
    parser.add_argument("--max-line-bytes", type=parse_size, default=DEFAULT_MAX_LINE_BYTES, metavar="SIZE",
                        help=f"longest line a CSV file may have (default {DEFAULT_MAX_LINE_BYTES // MiB}M)")
    parser.add_argument("--max-columns", type=_positive_int, default=DEFAULT_MAX_COLUMNS, metavar="N",
                        help=f"most columns a CSV file may have (default {DEFAULT_MAX_COLUMNS})")
    parser.add_argument("--max-csv-bytes", type=parse_size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help=f"largest CSV text, after decompression for .gz etc. (default "
                             f"{DEFAULT_MAX_BYTES // MiB // 1024}G)")


def limits_from_args(args) -> CSVLimits:
    return CSVLimits(getattr(args, "max_line_bytes", DEFAULT_MAX_LINE_BYTES),
                     getattr(args, "max_columns", DEFAULT_MAX_COLUMNS),
                     getattr(args, "max_csv_bytes", DEFAULT_MAX_BYTES))


# ------------------------------------------------------------------------------------ opening
class _Bounded(io.RawIOBase):
    """A binary stream that refuses to deliver more than ``limit`` bytes (decompressed output counted)."""

    def __init__(self, raw, limit: int, path: str, compressed: bool, container=None):
        self._raw = raw
        self._container = container       # the zip or tar file the member stream comes from
        self._limit = limit
        self._path = path
        self._compressed = compressed
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        want = min(len(buffer), self._limit + 1 - self.count)
        if want <= 0:
            want = 1
        data = self._raw.read(want)
        self.count += len(data)
        if self.count > self._limit:
            what = "decompresses to more than" if self._compressed else "holds more than"
            raise CSVError(f"{self._path!r} {what} {self._limit} bytes of CSV text (the limit; raise it with "
                           f"--max-csv-bytes)")
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        try:
            self._raw.close()
            if self._container is not None:
                self._container.close()
        finally:
            super().close()


def _open_decompressed(path: str):
    """The file's bytes, decompressed by its extension (as pandas infers it): ``(binary stream, container)``."""
    lower = path.lower()
    if lower.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        tar = tarfile.open(path, "r:*")
        members = [m for m in tar.getmembers() if m.isfile()]
        if len(members) != 1:
            tar.close()
            raise CSVError(f"{path!r} must hold exactly one file (the CSV), it holds {len(members)}")
        return tar.extractfile(members[0]), tar
    if lower.endswith(".gz"):
        return gzip.open(path, "rb"), None
    if lower.endswith(".bz2"):
        return bz2.open(path, "rb"), None
    if lower.endswith((".xz", ".lzma")):
        return lzma.open(path, "rb"), None
    if lower.endswith(".zip"):
        zf = zipfile.ZipFile(path)
        names = [i for i in zf.infolist() if not i.is_dir()]
        if len(names) != 1:
            zf.close()
            raise CSVError(f"{path!r} must hold exactly one file (the CSV), it holds {len(names)}")
        return zf.open(names[0]), zf        # decompressed as it is read, whatever the method
    if lower.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise CSVError(f"reading {path!r} needs the zstandard package (pip install zstandard)") from None
        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb")), None
    return open(path, "rb"), None


def _open(path: str, limits: CSVLimits):
    compressed = path.lower().endswith(_COMPRESSED)
    stream, container = _open_decompressed(path)
    return io.BufferedReader(_Bounded(stream, limits.max_bytes, path, compressed, container), 1 << 16)


_READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError)


# ------------------------------------------------------------------------------------ the check
CHUNK = 1 << 20


class _Checker:
    """The streaming check of :func:`check_csv`, one chunk of at most ``max_line_bytes`` at a time.

    Since a chunk is never longer than the line limit, only the line that crosses into a chunk can
    break it: two ``find`` calls per chunk check every line.  The columns are counted (commas outside
    double quotes, + 1) in the header's record, which fixes the width pandas reads: a later row with
    more fields than the header is refused by pandas itself, naming its line; a double quote inside
    an unquoted value (``5'10"``), which pandas reads literally, can only make the count lower.
    Holds the chunk and the unfinished line (each at most ``max_line_bytes``).
    """

    def __init__(self, path: str, limits: CSVLimits):
        import codecs

        self.path = path
        self.limits = limits
        self.line = 1                 # the line the unfinished tail belongs to
        self.tail = bytearray()       # bytes of that line so far
        self.header_fields = 1        # fields of the header record so far
        self.header_done = False
        self.in_quotes = False
        self.quotes_seen = False
        self.header = None
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    # -- messages
    def where(self, line: int) -> str:
        if self.quotes_seen:          # a quoted value may span lines: data rows and lines can differ
            return f"line {line}" + (" (the header)" if line == 1 else "")
        return f"line {line} (the header)" if line == 1 else f"line {line} (data row {line - 1})"

    def column(self, index: int) -> str:
        name = self.header[index - 1] if self.header and 0 < index <= len(self.header) else None
        return f"column {index}" + (f" ({name!r})" if name else "")

    def too_long(self, line: int, cr_only: bool = False):
        hint = ("; its lines seem to end with CR alone (old Mac style): save it with LF or CRLF line ends"
                if cr_only else "")
        raise CSVError(f"{self.path!r}: {self.where(line)} is longer than {self.limits.max_line_bytes} bytes "
                       f"(the limit; raise it with --max-line-bytes){hint}")

    def too_wide(self, n: int, partial: bool = False):
        more = "at least " if partial else ""
        raise CSVError(f"{self.path!r}: the header (line 1) has {more}{n} columns, more than "
                       f"{self.limits.max_columns} (the limit; raise it with --max-columns)")

    # -- the work
    def feed(self, chunk: bytes) -> None:
        limit = self.limits.max_line_bytes + 1               # (+1: a CR before the LF)
        self.quotes_seen = self.quotes_seen or b'"' in chunk
        first = chunk.find(b"\n")
        # 1. line lengths: the chunk is at most the limit, so only the line crossing into it can break it
        if len(self.tail) + (first if first >= 0 else len(chunk)) > limit:
            self.too_long(self.line, cr_only=first < 0 and b"\r" in chunk)
        # 2. UTF-8
        pending = len(self.decoder.getstate()[0])
        try:
            self.decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            self.not_utf8(chunk, max(0, exc.start - pending))
        # 3. the header's columns
        if not self.header_done:
            self.count_header_fields(chunk)
        # 4. the header (the first line), and the unfinished line for the next chunk
        if first >= 0:
            if self.header is None:
                self.set_header(self.tail + chunk[:first])
            self.line += chunk.count(b"\n")
            self.tail = bytearray(chunk[chunk.rfind(b"\n") + 1:])
        else:
            self.tail += chunk

    def count_header_fields(self, chunk: bytes) -> None:
        """Fields of the first record: commas outside double quotes + 1, up to the first newline outside them."""
        import numpy as np

        arr = np.frombuffer(chunk, dtype=np.uint8)
        parity = np.cumsum(arr == 34, dtype=np.int64) & 1      # 1 after an odd number of double quotes
        if self.in_quotes:
            parity ^= 1
        ends = np.flatnonzero((arr == 10) & (parity == 0))
        stop = int(ends[0]) if len(ends) else len(chunk)
        self.header_fields += int(np.count_nonzero((arr[:stop] == 44) & (parity[:stop] == 0)))
        self.in_quotes = bool(parity[-1]) if len(parity) else self.in_quotes
        if len(ends):
            self.header_done = True
        if self.header_fields > self.limits.max_columns:
            self.too_wide(self.header_fields, partial=not self.header_done)

    def set_header(self, raw) -> None:
        text = bytes(raw[:self.limits.max_line_bytes]).decode("utf-8", "replace").lstrip("\ufeff")
        text = text.splitlines()[0] if text else text
        self.header = [c.strip() for c in _fields(text)]

    def not_utf8(self, chunk: bytes, pos: int):
        before = chunk.count(b"\n", 0, pos)                   # newlines in the chunk before the bad byte
        line = self.line + before
        if before:
            prefix = chunk[chunk.rfind(b"\n", 0, pos) + 1:pos]
            if self.header is None:
                self.set_header(self.tail + chunk[:chunk.find(b"\n")])
        else:
            prefix = self.tail + chunk[:pos]
        fields = _fields(bytes(prefix).decode("utf-8", "replace"))
        where = f"{self.where(line)}, {self.column(max(1, len(fields)))}"
        bad = chunk[pos] if pos < len(chunk) else 0
        guess = " (Latin-1 or Windows-1252 text, for instance)" if bad >= 0x80 else ""
        raise CSVError(f"{self.path!r}: {where}: byte 0x{bad:02x} (byte {len(prefix) + 1} of the line) is not "
                       f"UTF-8{guess}; save the file as UTF-8")

    def finish(self) -> None:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise CSVError(f"{self.path!r}: {self.where(self.line)}: the file ends inside a UTF-8 character "
                           f"(it is cut short, or not UTF-8)") from None
        if self.header is None:
            self.set_header(self.tail)


def _fields(text: str) -> list:
    """The fields of one line of CSV text (for messages only: a plain split if the csv module objects)."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return text.split(",")


def check_csv(path: str, limits: CSVLimits = CSVLimits()) -> None:
    """Stream through ``path`` and raise :class:`CSVError` at the first place that breaks a limit or is
    not UTF-8 (naming the file, line and column).  Holds about ``max_line_bytes`` + 1 MiB at a time."""
    checker = _Checker(path, limits)
    try:
        with _open(path, limits) as stream:
            while True:
                chunk = stream.read(min(CHUNK, limits.max_line_bytes))
                if not chunk:
                    break
                checker.feed(chunk)
        checker.finish()
    except _READ_ERRORS as exc:
        raise CSVError(f"cannot read {path!r}: {_one_line(exc) or type(exc).__name__}") from None


def _one_line(text) -> str:
    return re.sub(r"\s*\n\s*", " ", str(text)).strip()


# ------------------------------------------------------------------------------------ reading
def read_csv(path, limits: CSVLimits | None = None):
    """Read a CSV file (``.csv`` or compressed, e.g. ``.csv.gz``) into a DataFrame; :class:`CSVError` if not.

    The file is checked first (:func:`check_csv`: bounded lines, columns, size and UTF-8, streamed),
    then read by pandas.  Column names are stripped of surrounding spaces (``a, b`` headers give
    ``b``, not `` b``).
    """
    pd = import_pandas("reading CSV files")
    limits = limits or CSVLimits()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CSVError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise CSVError(f"{path!r} is a folder, not a CSV file")
    size = os.path.getsize(path)
    if size == 0:
        raise CSVError(f"{path!r} is empty (0 bytes)")
    if size > limits.max_bytes and not path.lower().endswith(_COMPRESSED):
        raise CSVError(f"{path!r} holds {size} bytes, more than {limits.max_bytes} (the limit; raise it with "
                       f"--max-csv-bytes)")
    check_csv(path, limits)
    try:
        with _open(path, limits) as stream:
            frame = pd.read_csv(stream, low_memory=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise CSVError(f"{path!r} is empty: no header and no data") from None
    except pd.errors.ParserError as exc:
        raise CSVError(f"{path!r} is not a well-formed CSV file: {_one_line(exc)}") from None
    except UnicodeDecodeError as exc:       # checked above; kept for a file that changed meanwhile
        raise CSVError(f"{path!r} is not UTF-8 text ({exc.reason})") from None
    except CSVError:
        raise
    except _READ_ERRORS as exc:
        raise CSVError(f"cannot read {path!r}: {_one_line(exc)}") from None
    if frame.shape[1] == 0:
        raise CSVError(f"{path!r} has no columns")
    stripped = [c.strip() if isinstance(c, str) else str(c) for c in frame.columns]
    if len(set(stripped)) == len(stripped):
        frame.columns = stripped
    if len(frame) == 0:
        raise CSVError(f"{path!r} has a header but no data rows")
    return frame


# ------------------------------------------------------------------------------------ writing
def neutralize(value):
    """A text cell a spreadsheet would run as a formula, with a single quote in front; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def spreadsheet_safe(frame):
    """A copy of ``frame`` whose column names and text cells are :func:`neutralize` d (numbers untouched)."""
    import pandas as pd

    out = frame.copy()
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype) or \
                isinstance(column.dtype, pd.CategoricalDtype):
            out.isetitem(j, column.astype(object).map(neutralize))
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def write_csv(frame, fh) -> None:
    """Write ``frame`` (without its index) to the text stream ``fh``, spreadsheet-safe."""
    spreadsheet_safe(frame).to_csv(fh, index=False)
