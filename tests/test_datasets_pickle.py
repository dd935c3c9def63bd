"""The restricted pickle reader: plain data and NumPy arrays come back, anything that would run code is refused."""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from glassnet.datasets import DatasetError
from glassnet.datasets._restricted_pickle import UnsafePickleError, load_npz, loads

PLAIN = {"a": [1, -2, 3 ** 80, -(2 ** 40), 255, 256, 65535, 65536, 2 ** 31, -1], b"k": (1.5, -0.0, None, True, False),
         "nested": [{"x": (b"\x00\xff", "é ü 中")}, [], (), {}], 7: "seven", "empty": b""}


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_plain_values_round_trip(protocol):
    assert loads(pickle.dumps(PLAIN, protocol=protocol)) == PLAIN


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("dtype", ["uint8", "int16", ">i4", "<i8", "float32", ">f8", "bool", "complex64"])
def test_numeric_arrays_round_trip(protocol, dtype):
    rng = np.random.default_rng(1)
    arr = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    for a in (arr, np.asfortranarray(arr), arr[:0]):
        got = loads(pickle.dumps({"x": a, "list": [a, 3]}, protocol=protocol))
        assert got["x"].dtype == np.dtype(dtype).newbyteorder("=") and got["x"].shape == a.shape
        np.testing.assert_array_equal(got["x"], a)
        np.testing.assert_array_equal(got["list"][0], a)


def test_object_array_of_lists_round_trips():
    seqs = np.empty(3, dtype=object)
    seqs[:] = [[1, 2, 3], [4], [5, 6, 7]]
    got = loads(pickle.dumps(seqs, protocol=3))
    assert got.dtype == object and got.shape == (3,) and got.tolist() == [[1, 2, 3], [4], [5, 6, 7]]


def test_python2_cifar_style_pickle():
    """Written opcode by opcode as Python 2's cPickle writes a CIFAR batch (str = BINSTRING, dtype('u1', 0, 1))."""
    raw = bytes(range(6))
    p = (b"\x80\x02}q\x01(U\x06labelsq\x02]q\x03(K\x07K\x02eU\x04dataq\x04"
         b"cnumpy.core.multiarray\n_reconstruct\nq\x05cnumpy\nndarray\nq\x06K\x00\x85U\x01b\x87Rq\x07"
         b"(K\x01K\x02K\x03\x86cnumpy\ndtype\nq\x08U\x02u1K\x00K\x01\x87Rq\t"
         b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbI00\nT\x06\x00\x00\x00" + raw + b"tbu.")
    got = loads(p)
    assert got[b"labels"] == [7, 2]
    assert got[b"data"].dtype == np.uint8 and got[b"data"].tolist() == [[0, 1, 2], [3, 4, 5]]


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickle_that_runs_code_runs_nothing(tmp_path, protocol):
    marker = tmp_path / "ran"
    payload = pickle.dumps({"data": [1, 2], "evil": _RunsCode(marker)}, protocol=protocol)
    with pytest.raises(UnsafePickleError, match=r"batch_1: refusing the global (posix|os|nt)\.system at pickle byte offset \d+"):
        loads(payload, "batch_1")
    assert not marker.exists()
    # the same payload is real: Python's own unpickler would have run it (shown in a child-free way: the opcodes)
    assert b"system" in payload


@pytest.mark.parametrize("obj, what", [
    ({1, 2}, "EMPTY_SET|FROZENSET|the global builtins.set|the global __builtin__.set"),
    (frozenset({1}), "FROZENSET|builtins.frozenset|__builtin__.frozenset"),
    (_RunsCode, "the global"),                       # a class reference
    (np.int64(3), "the global numpy"),                # a NumPy scalar is not in the plain set
    (np.array(["a", "b"]), "dtype"),                  # strings arrays: not numbers
])
def test_other_objects_are_refused(obj, what):
    for protocol in (2, 4, 5):
        with pytest.raises(UnsafePickleError, match=what):
            loads(pickle.dumps(obj, protocol=protocol))


def test_bytearray_is_refused_before_protocol_5_and_read_as_bytes_after():
    for protocol in (2, 4):     # written as a call of bytearray(...)
        with pytest.raises(UnsafePickleError, match="bytearray"):
            loads(pickle.dumps(bytearray(b"x"), protocol=protocol))
    assert loads(pickle.dumps(bytearray(b"xy"), protocol=5)) == b"xy"    # the BYTEARRAY8 opcode: plain bytes


def test_handwritten_hostile_opcodes_are_refused():
    cases = {
        b"cos\nsystem\n(S'echo hi'\ntR.": "the global os.system",
        b"(S'echo hi'\nios\nsystem\n.": "INST",
        b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x051+1\x85R.": "the global builtins.eval",
        b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncos\nsystem\nK\x00\x85U\x01b\x87R.": "the global os.system",
        b"\x80\x02cnumpy\ndtype\n)\x81.": "NEWOBJ",
        b"\x80\x02\x82\x01.": "EXT1",
        b"\x80\x02U\x01xQ.": "BINPERSID",
        b"\x80\x02cnumpy\ndtype\nU\x02u1\x85R}b.": "dtype state",
    }
    for payload, what in cases.items():
        with pytest.raises(DatasetError, match=what):
            loads(payload, "hostile")


def test_truncated_and_garbled_pickles_give_clear_errors():
    payload = pickle.dumps({"x": np.arange(12, dtype=np.int32).reshape(3, 4), "y": [1, 2, 3], "s": "text"}, protocol=2)
    for cut in range(len(payload)):
        with pytest.raises(DatasetError, match="part: "):
            loads(payload[:cut], "part")
    rng = np.random.default_rng(0)
    for _ in range(300):          # random damage: a clean DatasetError or a plain value, never anything else
        bad = bytearray(payload)
        for i in rng.integers(0, len(bad), 3):
            bad[i] = rng.integers(0, 256)
        try:
            value = loads(bytes(bad), "damaged")
        except DatasetError:
            continue
        assert isinstance(value, (dict, list, tuple, int, float, str, bytes, bool, np.ndarray, type(None)))
    # an array whose bytes do not fill its shape
    bad = payload.replace(b"K\x03K\x04\x86", b"K\x05K\x04\x86")
    with pytest.raises(DatasetError, match=r"needs 80 bytes, the file holds 48"):
        loads(bad, "short")


def test_npz_with_object_arrays_and_a_hostile_member(tmp_path):
    seqs = np.empty(2, dtype=object)
    seqs[:] = [[1, 2], [3]]
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=seqs, y_train=np.array([0, 1]))
    got = load_npz(path)
    assert got["x_train"].tolist() == [[1, 2], [3]] and got["y_train"].tolist() == [0, 1]
    # a member whose pickle calls os.system
    marker = tmp_path / "ran"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("x.npy", header.getvalue() + pickle.dumps(_RunsCode(marker), protocol=3))
    with pytest.raises(UnsafePickleError, match=r"evil.npz\[x.npy\]: refusing the global"):
        load_npz(evil)
    assert not marker.exists()
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError, match="cut.npz: not a complete .npz"):
        load_npz(tmp_path / "cut.npz")
    with pytest.raises(DatasetError, match="no such file"):
        load_npz(tmp_path / "none.npz")


def test_deep_nesting_is_bounded():
    deep = b"\x80\x02)" + b"\x85" * 50_000            # a tuple nested 50,000 deep: fine as a value
    value = loads(deep + b".")
    assert isinstance(value, tuple)
    as_key = b"\x80\x02}" + b")" + b"\x85" * 100_000 + b"K\x01s."     # ... but refused as a dict key (hashing recurses)
    with pytest.raises(DatasetError, match="dict key nested deeper than 64 tuples"):
        loads(as_key, "deep")
    huge_args = b"\x80\x02c_codecs\nencode\n](" + b"K\x01" * 5000 + b"e\x8c\x01x\x86R."   # encode([1]*5000, 'x')
    with pytest.raises(UnsafePickleError, match=r"big: refusing _codecs.encode\(\[1, 1, 1, 1, 1, 1, \.\.\.\], 'x'\)") as err:
        loads(huge_args, "big")
    assert len(str(err.value)) < 400                     # messages stay short whatever the payload holds


def test_npz_member_claiming_more_than_it_holds(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 12,)})
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as z:
        z.writestr("x.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(DatasetError, match=r"big.npz\[x.npy\]: the header promises \(1000000000000,\) float64 "
                                           r"\(8000000000000 bytes\), the member holds 64"):
        load_npz(tmp_path / "big.npz")
