"""Fuzzing: random arrays into fit / predict / evaluate, random damage to every file format glassnet reads.

The contract under test: a call either works, or raises the library's own clear error, a
``ValueError`` / ``TypeError`` (subclass) whose message starts with the call's name (``fit:``,
``predict: x ...``) or, for files, a ``ModelFileError`` / ``DatasetError`` naming the file.  Never a
bare ``IndexError``, ``KeyError``, ``struct.error``, ``ZeroDivisionError``, ``RecursionError``, an
``OSError`` without the file name, or a NumPy broadcasting error from deep inside.

Hypothesis runs derandomized (the same examples every run, no example database), with modest
``max_examples`` so that the file stays well under the suite's time budget; the bugs these
fuzzers found are pinned as plain cases in test_bad_input.py.
"""
from __future__ import annotations

import copy
import gzip
import io
import json
import os
import signal
import time
import traceback
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet.datasets import DatasetError, _files, mnist
from glassnet.layers import Dense, Dropout, Flatten, Input
from glassnet.models import Sequential, load_model
from glassnet.saving import ModelFileError

h5py = pytest.importorskip("h5py")

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FILE_FUZZ = settings(FUZZ, max_examples=60)


# ============================================================== arrays into the model
DTYPES = ["int8", "int64", "uint8", "bool", "float16", "float32", "float64", "complex64", "complex128",
          "object", "U3", "S2", "datetime64[D]", "timedelta64[s]"]
FLOATS = [0.0, 1.0, -2.5, 0.5, np.nan, np.inf, -np.inf, 1e300, -1e38, 3e38, 65504.0, 1e-45, -0.0]
OBJECTS = [0, 1, 2.5, -3, None, "a", "1.5", b"x", [1], (2, 3), {"k": 1}, float("nan"), True, 1 + 2j]


@st.composite
def shapes(draw):
    """Mostly (n, 4) (what the models take), else any shape of 0..5 dims, zero sizes included."""
    if draw(st.integers(0, 2)) == 0:
        return tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=5)))
    return (draw(st.integers(0, 6)), 4)


@st.composite
def arrays(draw, shape=None):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(shapes()) if shape is None else shape
    n = int(np.prod(shape))
    if dtype.kind in "fc":
        values = np.array(draw(st.lists(st.sampled_from(FLOATS), min_size=n, max_size=n)), dtype=np.float64)
        with np.errstate(all="ignore"):
            a = values.astype(dtype)
            if dtype.kind == "c" and n:
                a = a + 1j * values[::-1]
    elif dtype.kind in "iub":
        a = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=dtype)
    elif dtype.kind == "O":
        a = np.empty(n, dtype=object)
        for i, v in enumerate(draw(st.lists(st.sampled_from(OBJECTS), min_size=n, max_size=n))):
            a[i] = v
    elif dtype.kind in "US":
        a = np.array(draw(st.lists(st.sampled_from(["1", "x", "", "2.5"]), min_size=n, max_size=n)), dtype=dtype)
    else:
        a = np.arange(n).astype(dtype)
    return a.reshape(shape)


@st.composite
def numeric_arrays(draw):
    """Real numbers of a numeric dtype, shape (n, 4) or (n, 2, 2): mostly usable, sometimes NaN / inf / huge."""
    dtype = np.dtype(draw(st.sampled_from(["int64", "uint8", "bool", "float16", "float32", "float64"])))
    shape = (draw(st.sampled_from([1, 2, 3, 5, 6, 0])),) + draw(st.sampled_from([(4,), (4,), (2, 2)]))
    n = int(np.prod(shape))
    elements = st.one_of(st.floats(-3, 3), st.sampled_from(FLOATS)) if draw(st.booleans()) else st.floats(-3, 3)
    values = draw(st.lists(elements, min_size=n, max_size=n))
    with np.errstate(all="ignore"):
        if dtype.kind in "iub":
            return np.nan_to_num(np.array(values), posinf=9, neginf=-9).astype(dtype).reshape(shape)
        return np.array(values).astype(dtype).reshape(shape)


@st.composite
def nested_lists(draw):
    """Python lists, sometimes ragged, sometimes holding strings or None."""
    leaf = st.one_of(st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.none(), st.just("a"))
    return draw(st.lists(st.lists(leaf, min_size=0, max_size=5), min_size=0, max_size=6))


def labels_for(x, kind="built classifier"):
    """Targets that fit the model ``kind`` for as many samples as ``x`` has."""
    n = x.shape[0] if isinstance(x, np.ndarray) and x.ndim else len(x) if isinstance(x, list) else 1
    labels = np.arange(n) % 2
    return np.eye(2)[labels] if kind == "flatten" else labels


MODELS = {
    "built classifier": lambda: _compiled([Input((4,)), Dense(6, activation="relu"), Dropout(0.3),
                                           Dense(2, activation="softmax")], "sparse_categorical_crossentropy"),
    "unbuilt regressor": lambda: _compiled([Dense(3, activation="tanh"), Dense(1)], "mse"),
    "unbuilt binary": lambda: _compiled([Dense(1, activation="sigmoid")], "binary_crossentropy"),
    "flatten": lambda: _compiled([Flatten(), Dense(2, activation="softmax")], "categorical_crossentropy"),
}


def _compiled(layers, loss):
    m = Sequential(layers)
    m.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return m


def assert_clear(exc: BaseException, call: str) -> None:
    """The error is the library's: a ValueError/TypeError that says which call and what was wrong."""
    assert isinstance(exc, (ValueError, TypeError)), f"{type(exc).__name__}: {exc}"
    assert not isinstance(exc, UnicodeError), exc
    message = str(exc)
    assert message.startswith((f"{call}:", f"{call} (validation_data):")), message
    assert len(message) > len(call) + 10


def run_call(call, model, x, y, batch_size, sample_weight=None, validation=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # divergence warnings on huge values are expected
        if call == "fit":
            kwargs = {} if validation is None else {"validation_data": validation}
            return model.fit(x, y, epochs=1, batch_size=batch_size, sample_weight=sample_weight, verbose=0, **kwargs)
        if call == "evaluate":
            return model.evaluate(x, y, batch_size=batch_size, sample_weight=sample_weight, verbose=0)
        return model.predict(x, batch_size=batch_size, verbose=0)


@settings(FUZZ, max_examples=250)
@given(data=st.data(), call=st.sampled_from(["fit", "evaluate", "predict"]), kind=st.sampled_from(list(MODELS)))
def test_fuzz_model_calls_with_random_arrays(data, call, kind):
    x = data.draw(st.one_of(numeric_arrays(), numeric_arrays(), arrays(), nested_lists()), label="x")
    good_y = st.builds(labels_for, st.just(x), st.just(kind))
    y = data.draw(st.one_of(good_y, good_y, arrays(), nested_lists()), label="y")
    batch_size = data.draw(st.one_of(st.none(), st.integers(1, 9)), label="batch_size")
    sample_weight = data.draw(st.one_of(st.none(), st.none(), arrays()), label="sample_weight")
    model = MODELS[kind]()
    try:
        out = run_call(call, model, x, y, batch_size, sample_weight)
    except (ValueError, TypeError, RuntimeError) as exc:
        assert_clear(exc, call)
        event(f"{call}: refused")
        return
    event(f"{call}: worked")
    if call == "predict":
        assert isinstance(out, np.ndarray) and out.dtype == np.float32
        assert out.shape[0] == np.asarray(x).shape[0]
    elif call == "evaluate":
        assert isinstance(out, list) and all(isinstance(v, float) for v in out)
    else:
        assert set(out.history) == {"loss", "accuracy"}


@settings(FUZZ, max_examples=40)
@given(call=st.sampled_from(["fit", "evaluate", "predict"]),
       batch_size=st.one_of(st.integers(-3, 0), st.floats(allow_nan=True), st.text(max_size=2), st.booleans(),
                            st.just(np.float32(2)), st.just([2])))
def test_fuzz_batch_size(call, batch_size):
    x = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError) as info:
        run_call(call, MODELS["built classifier"](), x, labels_for(x), batch_size)
    assert str(info.value).startswith(f"{call}: batch_size must be a positive integer, got ")


@FUZZ
@given(data=st.data())
def test_fuzz_validation_data(data):
    """Good training data, random validation data: errors say they come from the validation data."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4)).astype(np.float32)
    vx = data.draw(st.one_of(numeric_arrays(), arrays(), nested_lists()), label="vx")
    vy = data.draw(st.one_of(st.builds(labels_for, st.just(vx)), arrays()), label="vy")
    model = MODELS["built classifier"]()
    try:
        run_call("fit", model, x, np.arange(8) % 2, 4, validation=(vx, vy))
    except (ValueError, TypeError) as exc:
        assert_clear(exc, "fit")
        assert str(exc).startswith("fit (validation_data):"), exc


def test_extreme_but_valid_values_train_without_crashing():
    """Huge finite inputs make the loss overflow: a warning, not a crash; the model stays usable."""
    x = np.full((6, 4), 3e38, np.float32)
    for kind in MODELS:
        model = MODELS[kind]()
        y = np.eye(2)[np.arange(6) % 2] if kind == "flatten" else np.arange(6) % 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y, epochs=2, batch_size=4, verbose=0)
            assert model.predict(x, verbose=0).shape[0] == 6


# ============================================================== damaged files
def _small_model():
    glassnet.set_random_seed(0)
    m = Sequential([Input((4,)), Dense(5, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    m.fit(x, np.arange(12) % 3, epochs=1, verbose=0)
    return m


def _idx(arr):
    return b"\x00\x00\x08" + bytes([arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape) + arr.tobytes()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A small fixed corpus of valid files, one per format."""
    d = tmp_path_factory.mktemp("corpus")
    m = _small_model()
    m.save(d / "m.keras")
    m.save(d / "m.h5")
    m.save_weights(d / "m.weights.h5")
    imgs = np.random.default_rng(1).integers(0, 256, (2, 28, 28)).astype(np.uint8)
    labels = np.array([3, 9], np.uint8)
    (d / "img.idx.gz").write_bytes(gzip.compress(_idx(imgs), mtime=0))
    (d / "img.idx").write_bytes(_idx(imgs))
    rows = (",".join(map(str, [lab, *img.ravel()])) + "\n" for img, lab in zip(imgs, labels))
    (d / "mnist.csv").write_text("".join(rows))
    np.savez(d / "mnist.npz", x_train=imgs, y_train=labels, x_test=imgs, y_test=labels)
    (d / "fake_reg.csv").write_text("price,feature1,feature2\n461.5,999.8,999.0\n548.1,998.9,1000.5\n")
    return {p.name: p.read_bytes() for p in d.iterdir()}


def _fresh():
    m = Sequential([Input((4,)), Dense(5, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return m


READERS = {
    "m.keras": load_model,
    "m.h5": load_model,
    "m.weights.h5": lambda p: _fresh().load_weights(p),
    "img.idx.gz": lambda p: mnist.parse_idx(_files.read_bytes(p), str(p)),
    "img.idx": lambda p: mnist.parse_idx(_files.read_bytes(p), str(p)),
    "mnist.csv": lambda p: mnist.load_csv(p, p),
    "mnist.npz": mnist.load_data,
    "fake_reg.csv": glassnet.datasets.fake_reg,
}


@st.composite
def damaged(draw, data: bytes):
    """``data`` with random bits flipped, bytes overwritten or inserted, or cut short."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["flip", "overwrite", "truncate", "insert", "zero-run"]))
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        if how == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at:at + len(chunk)] = chunk
        elif how == "truncate":
            del out[at:]
        elif how == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            n = draw(st.integers(1, 64))
            out[at:at + n] = bytes(min(n, len(out) - at))
    return bytes(out)


def assert_file_error(exc: BaseException, path) -> None:
    assert isinstance(exc, (ModelFileError, DatasetError)), f"{type(exc).__name__}: {exc}"
    assert str(path) in str(exc), str(exc)


def _read_back(name, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            READERS[name](path)
        except (ValueError, TypeError) as exc:
            assert_file_error(exc, path)


HDF5_BACKED = ("m.keras", "m.h5", "m.weights.h5")      # the readers that hand bytes to libhdf5 (C code)


def read_back(name, path, timeout=60.0):
    """``_read_back`` in a forked child, so that a reader stuck in C code (libhdf5 once looped forever
    on a damaged global heap) fails the test with the file kept, instead of hanging the suite."""
    if not hasattr(os, "fork") or name not in HDF5_BACKED:
        return _read_back(name, path)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                        # the child: report and leave at once
        os.close(read_end)
        try:
            _read_back(name, path)
            report = "ok"
        except BaseException:                           # noqa: BLE001 - everything goes to the parent
            report = traceback.format_exc()
        os.write(write_end, report.encode()[-60000:])
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            kept = Path(str(path) + ".hang")
            kept.write_bytes(Path(path).read_bytes())
            raise AssertionError(f"reading {name} did not finish in {timeout} s (bytes kept in {kept})")
        time.sleep(0.0005)
    with os.fdopen(read_end, "rb") as fh:
        report = fh.read().decode()
    assert report == "ok", report


@pytest.mark.parametrize("name", list(READERS))
def test_fuzz_file_readers_with_damaged_bytes(corpus, tmp_path, name):
    @FILE_FUZZ
    @given(data=st.data())
    def run(data):
        path = tmp_path / name
        path.write_bytes(data.draw(damaged(corpus[name]), label="bytes"))
        read_back(name, path)

    run()


# Structure-aware damage: the container stays valid, what it holds does not (this is where the
# bytes fuzzer above rarely gets: zip CRCs and HDF5 checksums catch most random flips).
JSON_VALUES = [None, -1, 0, 2 ** 70, 1e308, float("nan"), "x", "relu", [], {}, [1, 2], [None, -3], True,
               {"class_name": "X", "config": {}}, {"config": 3.5}, "../../etc/passwd"]


def _json_paths(obj, path=()):
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _json_paths(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_paths(v, path + (i,))


@st.composite
def json_edits(draw, obj):
    """``obj`` with 1-3 random leaves replaced by odd values or deleted."""
    obj = json.loads(json.dumps(obj))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _json_paths(obj) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(JSON_VALUES)))   # never share the samples
    return obj


def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, v in members.items():
            zf.writestr(n, v)
    return buf.getvalue()


@pytest.mark.parametrize("member", ["config.json", "glassnet_state.json", "model.weights.h5"])
def test_fuzz_keras_members(corpus, tmp_path, member):
    members = _members(corpus["m.keras"])

    @FILE_FUZZ
    @given(data=st.data())
    def run(data):
        edited = dict(members)
        if member.endswith(".json"):
            edited[member] = json.dumps(data.draw(json_edits(json.loads(members[member])))).encode()
        else:
            edited[member] = data.draw(damaged(members[member]))
        path = tmp_path / "m.keras"
        path.write_bytes(_zip(edited))
        read_back("m.keras", path)

    run()


@pytest.mark.parametrize("target", ["m.h5 attrs", "m.h5 tree", "m.weights.h5 tree"])
def test_fuzz_hdf5_structure(corpus, tmp_path, target):
    name = target.split()[0]

    @FILE_FUZZ
    @given(data=st.data())
    def run(data):
        buf = io.BytesIO(corpus[name])
        with h5py.File(buf, "a") as f:
            if target.endswith("attrs"):
                key = data.draw(st.sampled_from(["model_config", "training_config"]))
                f.attrs[key] = json.dumps(data.draw(json_edits(json.loads(f.attrs[key])))).encode()
            else:
                items = []
                f.visit(items.append)
                key = data.draw(st.sampled_from(items))
                how = data.draw(st.sampled_from(["delete", "replace", "attr"]))
                if how == "delete":
                    del f[key]
                elif how == "replace":
                    del f[key]
                    f[key] = data.draw(st.sampled_from([np.zeros((2, 2)), np.zeros(()), np.array(b"s"),
                                                        np.zeros((0,)), np.array([1, 2], np.int8)]))
                else:
                    obj = f[key]
                    attr = data.draw(st.sampled_from(sorted(obj.attrs) or ["name"]))
                    obj.attrs[attr] = data.draw(st.sampled_from([5, b"x", "y", np.arange(3), np.zeros((0,)),
                                                                 np.array([b"a", b"b"])]))
        path = tmp_path / name
        path.write_bytes(buf.getvalue())
        read_back(name, path)

    run()
