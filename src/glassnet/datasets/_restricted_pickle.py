"""Read Python pickles of plain data *without unpickling*: a small interpreter of the pickle opcodes.

Keras's CIFAR batches and its imdb / reuters ``.npz`` files (object arrays) are pickles.  Python's
``pickle.load`` runs whatever callable a file names (``os.system`` included), so glassnet never calls
it.  :func:`loads` walks the opcodes itself and builds only these values:

- ``dict``, ``list``, ``tuple``, ``bytes``, ``str``, ``int``, ``float``, ``bool``, ``None`` (protocol 5's
  in-band ``bytearray`` is read as ``bytes``; Python 2's ``str`` as ``bytes``, like ``encoding="bytes"``);
- NumPy arrays of numbers (dtype kinds bool, int, uint, float, complex), and object arrays whose
  items are themselves allowed values (imdb's arrays of word-index lists).

A NumPy array is pickled as calls to ``numpy.core.multiarray._reconstruct``, ``numpy.dtype`` (or
``numpy.core.numeric._frombuffer``) and ``_codecs.encode``; the reader recognises those names and
builds the array with its *own* code (``np.frombuffer`` of the raw bytes, after checking their length
against the shape).  Any other global, instance creation, extension code, persistent id, set or
out-of-band buffer is refused with :class:`UnsafePickleError` naming the file, the opcode, its byte
offset and the global; nothing in the file is ever called.  Memory is bounded by the input: every
opcode consumes input bytes and creates at most one value, and array sizes are checked before
allocation.
"""
from __future__ import annotations

import io
import math
import reprlib
import struct
import zipfile
import zlib

import numpy as np

from ._files import DatasetError


class UnsafePickleError(DatasetError):
    """A pickle asks for something other than plain data (a callable, a class, an extension...)."""


_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_FROMBUFFER = {("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}
_NUMERIC_KINDS = "biufc"


class _Global:
    """A name the reader knows; calling it (REDUCE) runs the reader's own code, never the named one."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __repr__(self):
        return f"{self.module}.{self.name}"


class _ArrayStub:
    """``_reconstruct(ndarray, ...)``: an array waiting for its state (BUILD); memo references follow it."""

    __slots__ = ("array",)

    def __init__(self):
        self.array = None


class _DtypeStub:
    """``numpy.dtype(name, align, copy)``: a dtype waiting for its state (byte order)."""

    __slots__ = ("code", "dtype")

    def __init__(self, code):
        self.code = code
        self.dtype = None


_MARK = object()
_EMPTY_BYTES = {("__builtin__", "bytes"), ("builtins", "bytes")}      # protocols 0-2 write b"" as bytes()
_ALLOWED_GLOBALS = _RECONSTRUCT | _FROMBUFFER | _EMPTY_BYTES | {("numpy", "ndarray"), ("numpy", "dtype"),
                                                                ("_codecs", "encode")}
_REFUSED = {
    ord("i"): "INST", ord("o"): "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", ord("P"): "PERSID",
    ord("Q"): "BINPERSID", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS",
    0x91: "FROZENSET", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
}


def _text(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


class _Reader:
    def __init__(self, data: bytes, name: str):
        self.data = data
        self.name = name
        self.pos = 0

    def fail(self, what, at=None):
        at = self.pos if at is None else at
        raise DatasetError(f"{self.name}: {what} (pickle byte offset {at}); the file is corrupt or not plain data")

    def refuse(self, what, at):
        raise UnsafePickleError(f"{self.name}: refusing {what} at pickle byte offset {at}: only plain data "
                                f"(dict, list, tuple, bytes, str, int, float, bool, None, NumPy arrays of numbers) "
                                f"is read; nothing in the file was run")

    def take(self, n):
        end = self.pos + n
        if n < 0 or end > len(self.data):
            self.fail(f"truncated: {n} bytes wanted, {len(self.data) - self.pos} left")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            self.fail("truncated: a text argument has no end of line")
        out = self.data[self.pos:end]
        self.pos = end + 1
        return out

    # -- calls the reader knows ------------------------------------------------------------------
    def call(self, func, args, at):
        if not isinstance(func, _Global) or not isinstance(args, tuple):
            self.refuse(f"a call of {_short(func)}", at)
        key = (func.module, func.name)
        if key in _RECONSTRUCT:
            cls = args[0] if args else None
            if len(args) != 3 or not (isinstance(cls, _Global) and (cls.module, cls.name) == ("numpy", "ndarray")):
                self.refuse(f"{_short(func)}{_short(args)} (only ndarray is reconstructed)", at)
            return _ArrayStub()
        if key == ("numpy", "dtype"):
            if not args or not isinstance(args[0], (str, bytes)):
                self.fail(f"numpy.dtype called with {_short(args)}", at)
            return _DtypeStub(_text(args[0]))
        if key == ("_codecs", "encode"):
            if len(args) != 2 or not isinstance(args[0], str) or args[1] not in ("latin1", "latin-1"):
                self.refuse(f"_codecs.encode{_short(args)}", at)
            return args[0].encode("latin1")
        if key in _EMPTY_BYTES:
            if args:
                self.refuse(f"{_short(func)}{_short(args)} (only bytes() of nothing)", at)
            return b""
        if key in _FROMBUFFER:
            if len(args) != 4:
                self.fail(f"{_short(func)} expects (buffer, dtype, shape, order), got {len(args)} arguments", at)
            buf, dtype, shape, order = args
            return self.array_from_bytes(buf, self.resolve_dtype(dtype, at), shape, order == "F", at)
        self.refuse(f"a call of {_short(func)}", at)

    def resolve_dtype(self, dt, at):
        if isinstance(dt, _DtypeStub):
            if dt.dtype is None:
                dt.dtype = self.make_dtype(dt.code, "=", at)
            return dt.dtype
        self.fail(f"expected a NumPy dtype, got {type(dt).__name__}", at)

    def make_dtype(self, code, order, at):
        try:
            dtype = np.dtype(code)
        except TypeError as exc:
            self.fail(f"unknown NumPy dtype {code!r} ({exc})", at)
        if dtype.kind not in _NUMERIC_KINDS + "O" or dtype.fields is not None or dtype.subdtype is not None:
            self.refuse(f"a NumPy array of dtype {code!r} (only numbers, or objects that are plain data)", at)
        if order in ("<", ">") and dtype.itemsize > 1:
            dtype = dtype.newbyteorder(order)
        return dtype

    def array_from_bytes(self, raw, dtype, shape, fortran, at):
        if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
            self.fail(f"array shape {_short(shape)} is not a tuple of non-negative ints", at)
        if dtype.kind == "O":
            self.refuse("an object array given as raw bytes", at)
        if isinstance(raw, bytearray):
            raw = bytes(raw)
        if not isinstance(raw, bytes):
            self.fail(f"array data must be bytes, got {type(raw).__name__}", at)
        expected = math.prod(shape) * dtype.itemsize
        if len(raw) != expected:
            self.fail(f"array of shape {shape} and dtype {dtype} needs {expected} bytes, the file holds {len(raw)}", at)
        flat = np.frombuffer(raw, dtype=dtype).copy()
        out = flat.reshape(shape, order="F" if fortran else "C")
        return out.astype(dtype.newbyteorder("="), copy=False) if dtype.byteorder not in ("=", "|") else out

    def build(self, obj, state, at):
        if isinstance(obj, _DtypeStub):
            if not isinstance(state, tuple) or len(state) < 8:
                self.fail(f"dtype state {_short(state)} is not NumPy's", at)
            order = _text(state[1])
            if state[2] is not None or state[3] is not None or state[4] is not None:
                self.refuse("a structured or sub-array NumPy dtype", at)
            obj.dtype = self.make_dtype(obj.code, order, at)
            return obj
        if isinstance(obj, _ArrayStub):
            if not isinstance(state, tuple) or len(state) != 5:
                self.fail("array state is not (version, shape, dtype, fortran, data)", at)
            _, shape, dtype, fortran, raw = state
            if obj.array is not None:
                self.fail("an array's state is set twice", at)
            obj.array = self.array_state(shape, self.resolve_dtype(dtype, at), fortran, raw, at)
            return obj.array
        self.refuse(f"setting the state of a {type(obj).__name__}", at)

    def array_state(self, shape, dtype, fortran, raw, at):
        if dtype.kind == "O":
            if not isinstance(raw, list):
                self.fail("object array data is not a list", at)
            if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape) \
                    or math.prod(shape) != len(raw):
                self.fail(f"object array shape {_short(shape)} does not match its {len(raw)} items", at)
            return _as_items(raw).reshape(shape, order="F" if fortran else "C")
        return self.array_from_bytes(raw, dtype, shape, bool(fortran), at)

    # -- the opcode loop --------------------------------------------------------------------------
    def run(self):
        data = self.data
        stack: list = []
        marks: list = []
        memo: dict = {}
        unpack_from = struct.unpack_from
        n = len(data)
        while True:
            if self.pos >= n:
                self.fail("truncated: no STOP opcode")
            at = self.pos
            op = data[at]
            self.pos = at + 1
            if op == 0x4B or op == 0x4D or op == 0x4A:       # K BININT1, M BININT2, J BININT: a run at once
                pos, append = at, stack.append
                try:
                    while pos < n:
                        op = data[pos]
                        if op == 0x4B:
                            append(data[pos + 1])
                            pos += 2
                        elif op == 0x4D:
                            append(data[pos + 1] | data[pos + 2] << 8)
                            pos += 3
                        elif op == 0x4A:
                            append(int.from_bytes(data[pos + 1:pos + 5], "little", signed=True))
                            pos += 5
                        else:
                            break
                except IndexError:
                    pos = n + 1
                if pos > n:
                    self.fail("truncated inside an integer", at)
                self.pos = pos
            elif op == 0x28:                                 # ( MARK
                marks.append(len(stack))
            elif op == 0x65:                                 # e APPENDS
                items = self.pop_mark(stack, marks)
                target = stack[-1] if stack else None
                if not isinstance(target, list):
                    self.fail("APPENDS to something that is not a list", at)
                target.extend(items)
            elif op == 0x61:                                 # a APPEND
                value = self.pop(stack)
                target = stack[-1] if stack else None
                if not isinstance(target, list):
                    self.fail("APPEND to something that is not a list", at)
                target.append(value)
            elif op == 0x71:                                 # q BINPUT
                memo[self.take(1)[0]] = self.top(stack)
            elif op == 0x72:                                 # r LONG_BINPUT
                memo[unpack_from("<I", self.take(4))[0]] = self.top(stack)
            elif op == 0x94:                                 # MEMOIZE
                memo[len(memo)] = self.top(stack)
            elif op == 0x70:                                 # p PUT
                memo[self.int_line()] = self.top(stack)
            elif op == 0x68:                                 # h BINGET
                stack.append(self.memo_get(memo, self.take(1)[0]))
            elif op == 0x6A:                                 # j LONG_BINGET
                stack.append(self.memo_get(memo, unpack_from("<I", self.take(4))[0]))
            elif op == 0x67:                                 # g GET
                stack.append(self.memo_get(memo, self.int_line()))
            elif op == 0x5D:                                 # ] EMPTY_LIST
                stack.append([])
            elif op == 0x6C:                                 # l LIST
                stack.append(self.pop_mark(stack, marks))
            elif op == 0x29:                                 # ) EMPTY_TUPLE
                stack.append(())
            elif op == 0x74:                                 # t TUPLE
                stack.append(tuple(self.pop_mark(stack, marks)))
            elif op in (0x85, 0x86, 0x87):                   # TUPLE1..3
                k = op - 0x84
                if len(stack) - (marks[-1] if marks else 0) < k:
                    self.fail("TUPLE with too few items on the stack", at)
                items = tuple(stack[-k:])
                del stack[-k:]
                stack.append(items)
            elif op == 0x7D:                                 # } EMPTY_DICT
                stack.append({})
            elif op == 0x64:                                 # d DICT
                items = self.pop_mark(stack, marks)
                stack.append(self.to_dict({}, items, at))
            elif op == 0x73:                                 # s SETITEM
                value, key = self.pop(stack), self.pop(stack)
                target = stack[-1] if stack else None
                if not isinstance(target, dict):
                    self.fail("SETITEM on something that is not a dict", at)
                self.to_dict(target, [key, value], at)
            elif op == 0x75:                                 # u SETITEMS
                items = self.pop_mark(stack, marks)
                target = stack[-1] if stack else None
                if not isinstance(target, dict):
                    self.fail("SETITEMS on something that is not a dict", at)
                self.to_dict(target, items, at)
            elif op == 0x4E:                                 # N NONE
                stack.append(None)
            elif op == 0x88:                                 # NEWTRUE
                stack.append(True)
            elif op == 0x89:                                 # NEWFALSE
                stack.append(False)
            elif op == 0x8C:                                 # SHORT_BINUNICODE
                stack.append(self.unicode(self.take(self.take(1)[0]), at))
            elif op == 0x58:                                 # X BINUNICODE
                stack.append(self.unicode(self.take(unpack_from("<I", self.take(4))[0]), at))
            elif op == 0x8D:                                 # BINUNICODE8
                stack.append(self.unicode(self.take(unpack_from("<Q", self.take(8))[0]), at))
            elif op in (0x43, 0x55):                         # C SHORT_BINBYTES, U SHORT_BINSTRING (py2 str: bytes)
                stack.append(bytes(self.take(self.take(1)[0])))
            elif op in (0x42, 0x54):                         # B BINBYTES, T BINSTRING
                size = unpack_from("<i" if op == 0x54 else "<I", self.take(4))[0]
                stack.append(bytes(self.take(size)))
            elif op in (0x8E, 0x96):                         # BINBYTES8, BYTEARRAY8 (read as bytes)
                stack.append(bytes(self.take(unpack_from("<Q", self.take(8))[0])))
            elif op == 0x47:                                 # G BINFLOAT
                stack.append(unpack_from(">d", self.take(8))[0])
            elif op == 0x8A:                                 # LONG1
                stack.append(int.from_bytes(self.take(self.take(1)[0]), "little", signed=True))
            elif op == 0x8B:                                 # LONG4
                size = unpack_from("<i", self.take(4))[0]
                stack.append(int.from_bytes(self.take(size), "little", signed=True))
            elif op == 0x49:                                 # I INT (text; 00/01 are False/True)
                text = self.line()
                stack.append({b"00": False, b"01": True}.get(text) if text in (b"00", b"01")
                             else self.parse_number(int, text, at))
            elif op == 0x4C:                                 # L LONG (text)
                stack.append(self.parse_number(int, self.line().rstrip(b"L"), at))
            elif op == 0x46:                                 # F FLOAT (text)
                stack.append(self.parse_number(float, self.line(), at))
            elif op == 0x53:                                 # S STRING (text, quoted; py2 str: bytes)
                stack.append(self.quoted(self.line(), at))
            elif op == 0x56:                                 # V UNICODE (text)
                try:
                    stack.append(self.line().decode("raw-unicode-escape"))
                except UnicodeDecodeError as exc:
                    self.fail(f"bad UNICODE text ({exc})", at)
            elif op == 0x63:                                 # c GLOBAL
                module, name = self.line(), self.line()
                stack.append(self.lookup(module.decode("ascii", "replace"), name.decode("ascii", "replace"), at))
            elif op == 0x93:                                 # STACK_GLOBAL
                name, module = self.pop(stack), self.pop(stack)
                if not isinstance(module, str) or not isinstance(name, str):
                    self.fail("STACK_GLOBAL needs two strings", at)
                stack.append(self.lookup(module, name, at))
            elif op == 0x52:                                 # R REDUCE
                args, func = self.pop(stack), self.pop(stack)
                stack.append(self.call(func, args, at))
            elif op == 0x62:                                 # b BUILD
                state = self.pop(stack)
                obj = self.pop(stack)
                stack.append(self.build(obj, state, at))
            elif op == 0x30:                                 # 0 POP
                if stack and marks and marks[-1] == len(stack):
                    marks.pop()
                else:
                    self.pop(stack)
            elif op == 0x31:                                 # 1 POP_MARK
                self.pop_mark(stack, marks)
            elif op == 0x32:                                 # 2 DUP
                stack.append(self.top(stack))
            elif op == 0x80:                                 # PROTO
                proto = self.take(1)[0]
                if proto > 5:
                    self.fail(f"unsupported pickle protocol {proto}", at)
            elif op == 0x95:                                 # FRAME (a length hint only)
                self.take(8)
            elif op == 0x2E:                                 # . STOP
                if len(stack) != 1 or marks:
                    self.fail("STOP with a malformed stack", at)
                return _check_result(stack[0], self, at)
            elif op in _REFUSED:
                self.refuse(f"the {_REFUSED[op]} opcode", at)
            else:
                self.fail(f"unknown pickle opcode {op:#04x}", at)

    # -- helpers -----------------------------------------------------------------------------------
    def pop(self, stack):
        if not stack:
            self.fail("stack underflow")
        return stack.pop()

    def top(self, stack):
        if not stack:
            self.fail("stack underflow")
        return stack[-1]

    def pop_mark(self, stack, marks):
        if not marks:
            self.fail("no MARK on the stack")
        start = marks.pop()
        items = stack[start:]
        del stack[start:]
        return items

    def memo_get(self, memo, key):
        try:
            value = memo[key]
        except KeyError:
            self.fail(f"memo key {key} was never stored")
        return value.array if isinstance(value, _ArrayStub) and value.array is not None else value

    def int_line(self):
        return self.parse_number(int, self.line(), self.pos)

    def parse_number(self, kind, text, at):
        try:
            return kind(text.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as exc:
            self.fail(f"bad number {text[:40]!r} ({exc})", at)

    def quoted(self, text, at):
        if len(text) >= 2 and text[:1] == text[-1:] and text[:1] in (b"'", b'"'):
            try:
                return _unescape(text[1:-1])
            except ValueError as exc:
                self.fail(f"bad STRING escape ({exc})", at)
        self.fail("STRING argument is not quoted", at)

    def unicode(self, raw, at):
        try:
            return raw.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            self.fail(f"bad UTF-8 text ({exc})", at)

    def lookup(self, module, name, at):
        if (module, name) not in _ALLOWED_GLOBALS:
            self.refuse(f"the global {module}.{name}", at)
        return _Global(module, name)

    def to_dict(self, target, items, at):
        if len(items) % 2:
            self.fail("a dict built from an odd number of items", at)
        try:
            for i in range(0, len(items), 2):
                if isinstance(items[i], tuple) and not _depth_ok(items[i]):
                    self.fail(f"a dict key nested deeper than {MAX_KEY_DEPTH} tuples", at)
                target[items[i]] = items[i + 1]
        except TypeError as exc:
            self.fail(f"an unhashable dict key ({exc})", at)
        return target


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60
#: the deepest tuple allowed as a dict key (hashing nests in C without a recursion guard)
MAX_KEY_DEPTH = 64


def _short(value) -> str:
    """A bounded repr for messages (a hostile value may be huge or deeply nested)."""
    return _REPR.repr(value)


def _depth_ok(key) -> bool:
    todo = [(key, 1)]
    while todo:
        value, depth = todo.pop()
        if depth > MAX_KEY_DEPTH:
            return False
        todo.extend((v, depth + 1) for v in value if isinstance(v, tuple))
    return True


def _unescape(raw: bytes) -> bytes:
    return raw.decode("ascii").encode("latin1").decode("unicode_escape").encode("latin1")


def _as_items(raw):
    out = np.empty(len(raw), dtype=object)
    for i, v in enumerate(raw):      # keep each item whole (np.array would try to stack equal-length lists)
        out[i] = v
    return out


_SCALARS = frozenset({int, float, str, bytes, bool, type(None)})


def _check_result(value, reader, at):
    """Everything reachable must be plain data: no stubs or globals may leak out."""
    todo = [value]
    seen = set()
    while todo:
        v = todo.pop()
        if isinstance(v, (bool, int, float, str, bytes)) or v is None:
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        if isinstance(v, (list, tuple)):
            todo.extend([x for x in v if type(x) not in _SCALARS])
        elif isinstance(v, dict):
            todo.extend(v.keys())
            todo.extend(v.values())
        elif isinstance(v, np.ndarray):
            if v.dtype.kind == "O":
                todo.extend(v.ravel().tolist())
            elif v.dtype.kind not in _NUMERIC_KINDS:
                reader.refuse(f"an array of dtype {v.dtype}", at)
        else:
            reader.refuse(f"a {type(v).__name__} left unfinished ({_short(v)})", at)
    return value


def loads(data: bytes, name: str = "pickle") -> object:
    """The plain-data value a pickle describes, built without running anything from it.

    ``name`` (usually the file) starts every error message.  Raises :class:`UnsafePickleError`
    for anything but plain data, :class:`DatasetError` for a truncated or malformed pickle.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name}: loads expects bytes, got {type(data).__name__}")
    return _Reader(bytes(data), name).run()


#: the most bytes one ``.npz`` member may unpack to
MAX_MEMBER_BYTES = 1 << 32


def load_npz(path, name: str | None = None) -> dict:
    """The arrays of an ``.npz`` file (a path or its bytes) as a dict; object arrays through :func:`loads`.

    Numeric members are read by NumPy with pickles disabled; a member holding objects is read by
    the restricted reader, never by ``pickle``.
    """
    name = str(path) if name is None else name
    source = io.BytesIO(path) if isinstance(path, (bytes, bytearray)) else path
    out = {}
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise DatasetError(f"{name}: member {info.filename} claims {info.file_size} bytes, more than "
                                       f"the {MAX_MEMBER_BYTES} allowed")
                with archive.open(info) as member:
                    raw = member.read(info.file_size + 1)
                out[info.filename[:-4]] = _read_npy(raw, f"{name}[{info.filename}]")
    except FileNotFoundError:
        raise DatasetError(f"{name}: no such file") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DatasetError(f"{name}: not a complete .npz (zip) file ({exc}); it may be truncated") from None
    return out


def _read_npy(raw: bytes, name: str):
    fp = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except ValueError as exc:
        raise DatasetError(f"{name}: not a .npy array ({exc})") from None
    if not dtype.hasobject:
        need, have = math.prod(shape) * dtype.itemsize, len(raw) - fp.tell()
        if need != have:           # checked before NumPy allocates what the header claims
            raise DatasetError(f"{name}: the header promises {shape} {dtype} ({need} bytes), the member holds {have}")
        fp.seek(0)
        try:
            return np.lib.format.read_array(fp, allow_pickle=False)
        except ValueError as exc:
            raise DatasetError(f"{name}: {exc}") from None
    value = loads(raw[fp.tell():], name)
    if not isinstance(value, np.ndarray) or value.shape != tuple(shape):
        raise DatasetError(f"{name}: the pickled object array does not match its header (shape {shape})")
    return value
