"""TensorBoard event files: CRC32C, TFRecord framing, protobuf bytes, and what TensorBoard reads back.

Expected values come from outside our writer: RFC 3720's CRC32C vectors, a bit-by-bit CRC
written here, records that TensorFlow 2.21 itself wrote (``GOLDEN_RECORDS``), hand-worked
histograms, TensorBoard's own readers (``EventAccumulator``, its record loader, its HTTP
server), and the numbers in ``model.fit``'s History.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest

from glassnet import tensorboard as gtb
from glassnet.callbacks.tensorboard import TensorBoard, model_to_json, weight_tag
from glassnet.tensorboard import EventFileWriter
from glassnet.variables import Variable

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402
from tensorboard.backend.event_processing import event_file_loader as efl  # noqa: E402
from tensorboard.compat.proto import event_pb2, graph_pb2  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KEEP_ALL = {ea.TENSORS: 0, ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.GRAPH: 0, ea.COMPRESSED_HISTOGRAMS: 0,
            ea.IMAGES: 0, ea.AUDIO: 0}


# ----------------------------------------------------------------------------- helpers
def event_files(folder) -> list[Path]:
    return sorted(Path(folder).glob("events.out.tfevents.*"))


def accumulate(folder) -> ea.EventAccumulator:
    acc = ea.EventAccumulator(str(folder), size_guidance=KEEP_ALL)
    acc.Reload()
    return acc


def tensor_series(acc, tag) -> list[tuple[int, np.ndarray]]:
    return [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]


def scalar_series(acc, tag) -> list[tuple[int, float]]:
    out = []
    for step, arr in tensor_series(acc, tag):
        assert arr.shape == () and arr.dtype == np.float32
        out.append((step, float(arr)))
    return out


def raw_events(path) -> list[event_pb2.Event]:
    return [event_pb2.Event.FromString(r) for r in efl.RawEventFileLoader(str(path)).Load()]


def bitwise_crc32c(data: bytes) -> int:
    """CRC-32C one bit at a time, straight from the definition (no tables)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


# ---------------------------------------------------------------------------- CRC32C
@pytest.mark.parametrize("data, expected", [
    (b"", 0x00000000),
    (b"123456789", 0xE3069283),
    (bytes(32), 0x8A9136AA),                    # RFC 3720 B.4: 32 bytes of zeros
    (b"\xff" * 32, 0x62A8AB43),                 # 32 bytes of ones
    (bytes(range(32)), 0x46DD794E),             # incrementing 00..1f
    (bytes(range(31, -1, -1)), 0x113FDB5C),     # decrementing 1f..00
])
def test_crc32c_known_vectors(data, expected):
    assert gtb.crc32c(data) == expected


def test_crc32c_agrees_with_bitwise_definition_and_continues():
    rng = np.random.default_rng(7)
    for n in list(range(0, 20)) + [63, 64, 65, 1000]:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert gtb.crc32c(data) == bitwise_crc32c(data), n
        cut = n // 3
        assert gtb.crc32c(data[cut:], gtb.crc32c(data[:cut])) == gtb.crc32c(data)


def test_masked_crc_and_framing_match_tensorflow():
    # TensorFlow's header for a 62-byte record: length, then masked CRC of the 8 length bytes.
    header = struct.pack("<Q", 62)
    assert struct.pack("<I", gtb.masked_crc32c(header)) == bytes.fromhex("d9d240e7")
    c = bitwise_crc32c(b"abc")
    assert gtb.masked_crc32c(b"abc") == ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) % 2**32
    rec = gtb.frame_record(b"xyz")
    assert rec[:8] == struct.pack("<Q", 3) and rec[12:15] == b"xyz" and len(rec) == 19
    assert struct.unpack("<I", rec[15:])[0] == gtb.masked_crc32c(b"xyz")


def test_crc32c_rejects_bad_arguments():
    with pytest.raises(TypeError, match="data must be bytes"):
        gtb.crc32c("text")
    with pytest.raises(ValueError, match="crc must be an integer"):
        gtb.crc32c(b"", crc=-1)


# ------------------------------------------------------- byte-for-byte with TensorFlow
# Whole records (framing included) written by TensorFlow 2.21's tf.summary into one file:
#   create_file_writer(d); scalar("epoch_loss", 0.25, step=3); scalar("neg", -1.5, step=-2)
#   histogram("w/histogram", arange(10, float32), step=1, buckets=5)
#   histogram("sin", float32(sin(arange(50)) * 3), step=0, buckets=7)
#   histogram("single", full(4, 0.5, float32), step=0, buckets=3)
#   histogram("empty", zeros(0, float32), step=0, buckets=2)
#   text("note", "h\u00e9llo **md**", step=2); text("table", [["a","b"],["c","d"]], step=0)
GOLDEN_RECORDS = [
    "3e00000000000000d9d240e709000000c693c0da411a0d627261696e2e4576656e743a3252240a2274656e736f72"
    "666c6f772e636f72652e7574696c2e6576656e74735f777269746572ede586fd",
    "34000000000000005e33175c097f8828c693c0da4110032a270a250a0a65706f63685f6c6f7373420a0801120022"
    "040000803e4a0b0a090a077363616c617273b29b05aa",
    "36000000000000004f578cef091d9428c693c0da4110feffffffffffffffff012a200a1e0a036e6567420a080112"
    "0022040000c0bf4a0b0a090a077363616c617273e11d07eb",
    "b700000000000000e480123e09fd844ac693c0da4110012aa9010aa6010a0b772f686973746f6772616d42860108"
    "021208120208051202080322780000000000000000cdccccccccccfc3f0000000000000040cdccccccccccfc3fcd"
    "cccccccccc0c400000000000000040cdcccccccccc0c409a9999999999154000000000000000409a999999999915"
    "40cdcccccccccc1c400000000000000040cdcccccccccc1c40000000000000224000000000000000404a0e0a0c0a"
    "0a686973746f6772616d73eb9cea02",
    "de00000000000000db98a6d7099b034bc693c0da412ad2010acf010a0373696e42b701080212081202080712020803"
    "22a801000000a0f0ff07c0499224e9982401c00000000000002a40499224e9982401c0254992648292f4bf000000"
    "0000001040254992648292f4bfe0b66ddb4b6fdbbf0000000000001440e0b66ddb4b6fdbbfd8b66ddb716bdb3f00"
    "00000000001840d8b66ddb716bdb3f244992e48b91f43f0000000000001440244992e48b91f43f489224a91d2401"
    "400000000000001040489224a91d2401400000006075ff07400000000000002a404a0e0a0c0a0a686973746f6772"
    "616d7348c647f2",
    "7d0000000000000061558d7e093bfb4bc693c0da412a720a700a0673696e676c6542560802120812020803120208"
    "032248000000000000e03f000000000000e03f0000000000000000000000000000e03f000000000000e03f000000"
    "0000000000000000000000e03f000000000000e03f00000000000010404a0e0a0c0a0a686973746f6772616d733f"
    "50455d",
    "6400000000000000435f1cdf096c094cc693c0da412a590a570a05656d707479423e0802120812020802120208032230"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "004a0e0a0c0a0a686973746f6772616d7355b95821",
    "34000000000000005e33175c09c0934cc693c0da4110022a270a250a046e6f7465421308071200420d68c3a96c6c"
    "6f202a2a6d642a2a4a080a060a04746578743c6c9538",
    "3800000000000000a3797d5709bf9e4cc693c0da412a2d0a2b0a057461626c65421808071208120208021202080242"
    "01614201624201634201644a080a060a0474657874d6633943",
]


def _golden(i: int) -> tuple[bytes, float]:
    rec = bytes.fromhex(GOLDEN_RECORDS[i])
    assert rec[12] == 0x09  # Event field 1 (wall_time), fixed64
    return rec, struct.unpack("<d", rec[13:21])[0]


def _summary_record(i, tag, tensor, step, plugin):
    _, wall = _golden(i)
    value = gtb.encode_summary_value(tag, gtb.encode_tensor(tensor), plugin)
    return gtb.frame_record(gtb.encode_event(wall, step, summary_values=[value]))


def test_records_are_byte_identical_to_tensorflow():
    sin = (np.sin(np.arange(50)) * 3).astype(np.float32)
    _, wall0 = _golden(0)
    mine = [
        gtb.frame_record(gtb.encode_event(wall0, file_version="brain.Event:2",
                                          source_writer="tensorflow.core.util.events_writer")),
        _summary_record(1, "epoch_loss", np.float32(0.25), 3, "scalars"),
        _summary_record(2, "neg", np.float32(-1.5), -2, "scalars"),
        _summary_record(3, "w/histogram", gtb.histogram_buckets(np.arange(10, dtype=np.float32), 5), 1,
                        "histograms"),
        _summary_record(4, "sin", gtb.histogram_buckets(sin, 7), 0, "histograms"),
        _summary_record(5, "single", gtb.histogram_buckets(np.full(4, 0.5, np.float32), 3), 0, "histograms"),
        _summary_record(6, "empty", gtb.histogram_buckets(np.zeros(0, np.float32), 2), 0, "histograms"),
        _summary_record(7, "note", "h\u00e9llo **md**", 2, "text"),
        _summary_record(8, "table", np.array([["a", "b"], ["c", "d"]]), 0, "text"),
    ]
    for i, record in enumerate(mine):
        assert record.hex() == GOLDEN_RECORDS[i], f"record {i} differs from TensorFlow's"


def test_writer_methods_produce_tensorflows_records(tmp_path):
    """The public add_* methods (not just the encoders) give TensorFlow's bytes."""
    with EventFileWriter(tmp_path) as w:
        w.add_scalar("epoch_loss", 0.25, step=3, walltime=_golden(1)[1])
        w.add_histogram("w/histogram", np.arange(10, dtype=np.float32), step=1, buckets=5,
                        walltime=_golden(3)[1])
        w.add_text("note", "h\u00e9llo **md**", step=2, walltime=_golden(7)[1])
    data = event_files(tmp_path)[0].read_bytes()
    first_len = struct.unpack("<Q", data[:8])[0] + 16
    assert data[first_len:].hex() == GOLDEN_RECORDS[1] + GOLDEN_RECORDS[3] + GOLDEN_RECORDS[7]


# ------------------------------------------------------------------------- histograms
def test_histogram_hand_worked():
    # 0..9 in 5 buckets: width 9/5 = 1.8; floor(x / 1.8) = 0,0,1,1,2,2,3,3,4,5 -> 5 clamps to 4.
    h = gtb.histogram_buckets(np.arange(10), buckets=5)
    np.testing.assert_allclose(h[:, 0], [0, 1.8, 3.6, 5.4, 7.2], rtol=1e-15)
    np.testing.assert_allclose(h[:, 1], [1.8, 3.6, 5.4, 7.2, 9.0], rtol=1e-15)
    assert h[-1, 1] == 9.0  # last right edge is exactly the maximum
    assert h[:, 2].tolist() == [2, 2, 2, 2, 2]
    assert h.dtype == np.float64 and h.shape == (5, 3)


def test_histogram_edge_cases():
    single = gtb.histogram_buckets([[0.5, 0.5], [0.5, 0.5]], buckets=3)
    assert single.tolist() == [[0.5, 0.5, 0], [0.5, 0.5, 0], [0.5, 0.5, 4]]
    assert gtb.histogram_buckets([], buckets=2).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert gtb.histogram_buckets(np.ones(3)).shape == (gtb.DEFAULT_BUCKET_COUNT, 3) == (30, 3)


def test_histogram_matches_tensorboards_numpy_reference():
    from tensorboard.plugins.histogram import summary_v2

    rng = np.random.default_rng(3)
    for n, k in [(1000, 30), (37, 4), (2, 30), (5000, 1)]:
        data = rng.normal(size=n).astype(np.float32)
        mine = gtb.histogram_buckets(data, k)
        ref = tensor_util.make_ndarray(summary_v2.histogram_pb("t", data, buckets=k).value[0].tensor)
        np.testing.assert_array_equal(mine, ref)
        assert mine[:, 2].sum() == n


def test_histogram_rejects_bad_input():
    with pytest.raises(ValueError, match="buckets must be a positive integer, got 0"):
        gtb.histogram_buckets([1.0, 2.0], buckets=0)
    with pytest.raises(ValueError, match="values must be finite; found 1 NaN/inf"):
        gtb.histogram_buckets([1.0, np.nan, 2.0])
    with pytest.raises(TypeError, match="values must be numbers"):
        gtb.histogram_buckets(["a", "b"])


# ----------------------------------------------------------------------------- writer
def test_writer_file_name_and_first_event(tmp_path):
    with EventFileWriter(tmp_path / "run") as w:
        path = Path(w.path)
    host = re.escape(socket.gethostname())
    assert re.fullmatch(rf"events\.out\.tfevents\.(\d+)\.{host}\.{os.getpid()}\.\d+\.v2", path.name)
    seconds = int(path.name.split(".")[3])
    assert abs(seconds - time.time()) < 60
    first = raw_events(path)[0]
    assert first.file_version == "brain.Event:2"
    assert first.wall_time == seconds and first.source_metadata.writer == "glassnet"
    # Two writers in one process get different names (the counter).
    with EventFileWriter(tmp_path / "run") as a, EventFileWriter(tmp_path / "run") as b:
        assert a.path != b.path


def test_writer_read_back_with_event_accumulator(tmp_path):
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(8, 5)).astype(np.float32)
    losses = [0.9, 0.5, 0.3125, float("nan")]
    with EventFileWriter(tmp_path) as w:
        for step, loss in enumerate(losses):
            w.add_scalar("epoch_loss", loss, step)
        w.add_scalar("big", 1e39, 7)  # beyond float32: inf, as a float32 cast gives
        w.add_histogram("dense/kernel/histogram", weights, 2)
        w.add_text("notes", "# Title\n*markdown*", 4)
        w.add_graph(gtb.sequential_graph_def(_FakeModel()))
    acc = accumulate(tmp_path)
    tags = acc.Tags()
    assert set(tags["tensors"]) == {"epoch_loss", "big", "dense/kernel/histogram", "notes"}
    assert tags["graph"] is True
    series = scalar_series(acc, "epoch_loss")
    assert [s for s, _ in series] == [0, 1, 2, 3]
    assert [v for _, v in series[:3]] == [float(np.float32(v)) for v in losses[:3]]
    assert np.isnan(series[3][1])
    assert scalar_series(acc, "big") == [(7, float("inf"))]
    ((step, hist),) = tensor_series(acc, "dense/kernel/histogram")
    assert step == 2 and hist.shape == (30, 3) and hist[:, 2].sum() == weights.size
    assert hist[0, 0] == weights.min() and hist[-1, 1] == weights.max()
    ((step, text),) = tensor_series(acc, "notes")
    assert step == 4 and text.item().decode("utf-8") == "# Title\n*markdown*"
    plugins = {tag: acc.SummaryMetadata(tag).plugin_data.plugin_name for tag in tags["tensors"]}
    assert plugins == {"epoch_loss": "scalars", "big": "scalars", "dense/kernel/histogram": "histograms",
                       "notes": "text"}
    graph = acc.Graph()
    assert [n.name for n in graph.node][:2] == ["input_layer", "dense/kernel"]


def test_writer_flush_close_and_queue(tmp_path):
    w = EventFileWriter(tmp_path, max_queue=100, flush_secs=1e9)
    path = Path(w.path)
    assert len(raw_events(path)) == 1  # the version record is on disk at once
    w.add_scalar("a", 1.0, 0)
    w.add_scalar("a", 2.0, 1)
    assert len(raw_events(path)) == 1  # queued
    w.flush()
    assert len(raw_events(path)) == 3
    w.add_scalar("a", 3.0, 2)
    w.close()
    w.close()  # harmless
    assert w.closed and len(raw_events(path)) == 4
    with pytest.raises(RuntimeError, match="is closed"):
        w.add_scalar("a", 4.0, 3)
    with EventFileWriter(tmp_path, max_queue=2) as q:  # auto-flush every 2 records
        q.add_scalar("b", 1.0, 0)
        q.add_scalar("b", 1.0, 1)
        assert len(raw_events(q.path)) == 3


def test_tensorboards_reader_detects_a_corrupted_byte(tmp_path):
    with EventFileWriter(tmp_path) as w:
        for step in range(4):
            w.add_scalar("loss", 1.0 / (step + 1), step)
    path = event_files(tmp_path)[0]
    data = bytearray(path.read_bytes())
    assert len(raw_events(path)) == 5
    # Find record 3 (version record = 0) and flip a bit inside its data.
    offset = 0
    for _ in range(3):
        offset += struct.unpack("<Q", data[offset:offset + 8])[0] + 16
    data[offset + 12 + 5] ^= 0x01
    path.write_bytes(bytes(data))
    assert len(raw_events(path)) == 3  # the reader stops at the record whose CRC fails


@pytest.mark.parametrize("call, exc, message", [
    (lambda w: w.add_scalar(3, 1.0, 0), TypeError, "tag must be a str, got int 3"),
    (lambda w: w.add_scalar("", 1.0, 0), ValueError, "tag must be a non-empty string"),
    (lambda w: w.add_scalar("t", "high", 0), TypeError, "value must be a real number, got str 'high'"),
    (lambda w: w.add_scalar("t", np.ones(2), 0), ValueError, "value must be a single number"),
    (lambda w: w.add_scalar("t", 1.0, 1.5), TypeError, "step must be an integer, got float 1.5"),
    (lambda w: w.add_scalar("t", 1.0, True), TypeError, "step must be an integer, got bool"),
    (lambda w: w.add_scalar("t", 1.0, 2**63), ValueError, "step must fit in a signed 64-bit"),
    (lambda w: w.add_scalar("t", 1.0, 0, walltime="now"), TypeError, "walltime must be None or a number"),
    (lambda w: w.add_histogram("h", [1.0], 0, buckets=-3), ValueError, "buckets must be a positive integer"),
    (lambda w: w.add_text("t", 5, 0), TypeError, "text must be a str"),
    (lambda w: w.add_graph("node {}"), TypeError, "graph_def must be the bytes of a serialized GraphDef"),
    (lambda w: w.add_keras_model({"a": 1}), TypeError, "model_json must be a str"),
])
def test_writer_bad_arguments_name_the_argument(tmp_path, call, exc, message):
    with EventFileWriter(tmp_path) as w:
        with pytest.raises(exc, match=re.escape(message)):
            call(w)


def test_writer_bad_logdir(tmp_path):
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="logdir must be a directory, got .*existing file"):
        EventFileWriter(a_file)
    with pytest.raises(TypeError, match="logdir must be a path"):
        EventFileWriter(3)
    with pytest.raises(ValueError, match="max_queue must be a non-negative integer"):
        EventFileWriter(tmp_path, max_queue=-1)


# ------------------------------------------------------------------ callback on a fake
class _FakeOptimizer:
    def __init__(self):
        self.iterations = 0
        self.learning_rate = 0.0625


class _FakeLayer:
    def __init__(self, name, shapes, rng):
        self.name = name
        self.output_shape = (shapes[-1][-1],) if shapes else (3,)
        self.weights = [Variable(rng.normal(size=s), name=n, path=f"{name}/{n}")
                        for n, s in zip(("kernel", "bias"), shapes)]


class _FakeModel:
    """Just the surface the callback reads: name, layers, optimizer, get_config, input_shape."""

    name = "sequential"
    input_shape = (None, 4)

    def __init__(self):
        rng = np.random.default_rng(1)
        self.layers = [_FakeLayer("dense", [(4, 3), (3,)], rng), _FakeLayer("dropout", [], rng),
                       _FakeLayer("dense_1", [(3, 1), (1,)], rng)]
        self.optimizer = _FakeOptimizer()

    def get_config(self):
        return {"name": self.name, "layers": [{"class_name": "Dense", "config": {"name": layer.name}}
                                              for layer in self.layers]}


def _drive(tb, model, epochs, batches, val=True):
    """Call the hooks as fit does; batch logs are {'loss': e + b / 100}, epoch logs known values."""
    tb.set_model(model)
    tb.on_train_begin()
    expected = []
    for epoch in range(epochs):
        tb.on_epoch_begin(epoch)
        for b in range(batches):
            tb.on_train_batch_begin(b)
            model.optimizer.iterations += 1
            tb.on_train_batch_end(b, {"loss": epoch + b / 100})
        logs = {"accuracy": 0.5 + epoch / 10, "loss": 1.0 / (epoch + 1)}
        if val:
            tb.on_test_begin()
            tb.on_test_batch_begin(0)
            val_part = {"accuracy": 0.25 + epoch / 10, "loss": 2.0 / (epoch + 1)}
            tb.on_test_batch_end(0, val_part)
            tb.on_test_end(val_part)
            logs.update({f"val_{k}": v for k, v in val_part.items()})
        tb.on_epoch_end(epoch, logs)
        expected.append(logs)
    tb.on_train_end(expected[-1] if expected else None)
    return expected


def test_callback_epoch_scalars_runs_and_steps(tmp_path):
    model = _FakeModel()
    tb = TensorBoard(log_dir=tmp_path, write_graph=False)
    expected = _drive(tb, model, epochs=3, batches=2)
    train, val = accumulate(tmp_path / "train"), accumulate(tmp_path / "validation")
    assert set(train.Tags()["tensors"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(val.Tags()["tensors"]) == {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
                                          "evaluation_accuracy_vs_iterations"}
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    for name in ("loss", "accuracy"):
        assert scalar_series(train, f"epoch_{name}") == [(e, f32(logs[name])) for e, logs in enumerate(expected)]
        assert scalar_series(val, f"epoch_{name}") == [(e, f32(logs[f"val_{name}"]))
                                                       for e, logs in enumerate(expected)]
        # evaluations at step = optimizer.iterations: 2 batches per epoch -> 2, 4, 6
        assert scalar_series(val, f"evaluation_{name}_vs_iterations") == [
            (2 * (e + 1), f32(logs[f"val_{name}"])) for e, logs in enumerate(expected)]
    assert scalar_series(train, "epoch_learning_rate") == [(0, 0.0625), (1, 0.0625), (2, 0.0625)]
    assert len(event_files(tmp_path / "train")) == 1 and len(event_files(tmp_path / "validation")) == 1


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8, 9]), (2, [2, 4, 6, 8]),
                                                 (4, [4, 8]), ("epoch", [])])
def test_callback_batch_scalars_follow_update_freq(tmp_path, update_freq, steps):
    tb = TensorBoard(log_dir=tmp_path, update_freq=update_freq, write_graph=False)
    _drive(tb, _FakeModel(), epochs=3, batches=3, val=False)
    acc = accumulate(tmp_path / "train")
    if not steps:
        assert "batch_loss" not in acc.Tags()["tensors"]
        return
    # global batch g (1-based) is batch b = (g - 1) % 3 of epoch e = (g - 1) // 3: loss e + b / 100
    assert scalar_series(acc, "batch_loss") == [
        (g, float(np.float32((g - 1) // 3 + ((g - 1) % 3) / 100))) for g in steps]
    # epoch scalars are written every epoch whatever update_freq is
    assert [s for s, _ in scalar_series(acc, "epoch_loss")] == [0, 1, 2]


def test_callback_histograms_every_histogram_freq_epochs(tmp_path):
    model = _FakeModel()
    tb = TensorBoard(log_dir=tmp_path, histogram_freq=2, write_graph=False)
    _drive(tb, model, epochs=5, batches=1, val=False)
    acc = accumulate(tmp_path / "train")
    hist_tags = sorted(t for t in acc.Tags()["tensors"] if t.endswith("/histogram"))
    assert hist_tags == sorted(["sequential/dense/kernel/histogram", "sequential/dense/bias/histogram",
                                "sequential/dense_1/kernel/histogram", "sequential/dense_1/bias/histogram"])
    sizes = {f"sequential/{v.path}/histogram": v.size for layer in model.layers for v in layer.weights}
    for tag in hist_tags:
        series = tensor_series(acc, tag)
        assert [s for s, _ in series] == [0, 2, 4]
        assert all(h.shape == (30, 3) and h[:, 2].sum() == sizes[tag] for _, h in series)
        assert acc.SummaryMetadata(tag).plugin_data.plugin_name == "histograms"


def test_callback_steps_per_second(tmp_path):
    tb = TensorBoard(log_dir=tmp_path, write_steps_per_second=True, update_freq=1, write_graph=False)
    _drive(tb, _FakeModel(), epochs=2, batches=3, val=False)
    acc = accumulate(tmp_path / "train")
    epoch_sps = scalar_series(acc, "epoch_steps_per_second")
    assert [s for s, _ in epoch_sps] == [0, 1] and all(v > 0 for _, v in epoch_sps)
    assert [s for s, _ in scalar_series(acc, "batch_steps_per_second")] == [1, 2, 3, 4, 5, 6]
    tb_epoch = TensorBoard(log_dir=tmp_path / "e", write_steps_per_second=True, write_graph=False)
    _drive(tb_epoch, _FakeModel(), epochs=1, batches=2, val=False)
    assert "batch_steps_per_second" not in accumulate(tmp_path / "e" / "train").Tags()["tensors"]


def test_callback_warns_once_per_unsupported_argument_and_validates(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tb = TensorBoard(log_dir=tmp_path, profile_batch=2, embeddings_freq=1, write_images=True,
                         histogram_freq=1)
        _drive(tb, _FakeModel(), epochs=2, batches=2)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 3
    assert sum("profile_batch=2" in m for m in messages) == 1
    assert sum("embeddings_freq=1" in m for m in messages) == 1
    assert sum("write_images=True" in m for m in messages) == 1
    assert scalar_series(accumulate(tmp_path / "train"), "epoch_loss")  # training went on
    # Keras's accepted forms of profile_batch, with no warning when profiling is off
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for ok in (0, "0", (0, 0), [0, 0]):
            TensorBoard(log_dir=tmp_path, profile_batch=ok)
    for bad, exc, message in [
        (dict(profile_batch=-1), ValueError, "profile_batch must be a non-negative integer or a pair"),
        (dict(profile_batch=(5, 2)), ValueError, "profile_batch must be"),
        (dict(profile_batch="a,b"), ValueError, "profile_batch must be"),
        (dict(update_freq=0), ValueError,
         "update_freq must be 'epoch', 'batch' or a positive integer (every N batches), got 0"),
        (dict(update_freq="often"), ValueError, "update_freq must be"),
        (dict(histogram_freq=-1), ValueError, "histogram_freq must be a non-negative integer"),
        (dict(histogram_freq=1.5), ValueError, "histogram_freq must be a non-negative integer"),
        (dict(write_graph="yes"), TypeError, "write_graph must be True or False, got str 'yes'"),
        (dict(embeddings_metadata=3), TypeError, "embeddings_metadata must be None"),
        (dict(log_dir=None), TypeError, "log_dir must be a path"),
    ]:
        with pytest.raises(exc, match=re.escape(message)):
            TensorBoard(**({"log_dir": tmp_path} | bad))


def test_callback_signature_matches_keras():
    import inspect

    params = inspect.signature(TensorBoard).parameters
    assert {name: p.default for name, p in params.items()} == {
        "log_dir": "logs", "histogram_freq": 0, "write_graph": True, "write_images": False,
        "write_steps_per_second": False, "update_freq": "epoch", "profile_batch": 0,
        "embeddings_freq": 0, "embeddings_metadata": None}
    assert TensorBoard(update_freq="batch").update_freq == 1


def test_weight_tag_follows_keras_paths():
    model = _FakeModel()
    assert weight_tag(model, Variable(np.zeros(2), path="dense/kernel")) == "sequential/dense/kernel/histogram"
    assert weight_tag(model, Variable(np.zeros(2), path="sequential/dense/bias")) == \
        "sequential/dense/bias/histogram"
    assert weight_tag(model, Variable(np.zeros(2), path="a:0")) == "sequential/a_0/histogram"


# -------------------------------------------------------------- real glassnet training
def _tiny_fit(log_dir, epochs=3, **tb_kwargs):
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential
    from glassnet.random import set_random_seed

    set_random_seed(5)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    model = Sequential([Input((4,)), Dense(6, activation="relu"), Dropout(0.25), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    tb = TensorBoard(log_dir=log_dir, **tb_kwargs)
    history = model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.2, verbose=0, callbacks=[tb])
    return model, history.history


@pytest.fixture(scope="module")
def trained_logs(tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("tb") / "logs"
    model, history = _tiny_fit(log_dir, epochs=3, histogram_freq=1, update_freq="batch")
    return log_dir, model, history


def test_fit_writes_history_values(trained_logs):
    log_dir, model, history = trained_logs
    train, val = accumulate(log_dir / "train"), accumulate(log_dir / "validation")
    for name in ("loss", "accuracy"):
        assert scalar_series(train, f"epoch_{name}") == [
            (e, float(np.float32(v))) for e, v in enumerate(history[name])]
        assert scalar_series(val, f"epoch_{name}") == [
            (e, float(np.float32(v))) for e, v in enumerate(history[f"val_{name}"])]
    lr = float(np.float32(model.optimizer.learning_rate))
    assert scalar_series(train, "epoch_learning_rate") == [(0, lr), (1, lr), (2, lr)]
    # 48 training samples in batches of 16: 3 batches per epoch, global steps 1..9
    assert [s for s, _ in scalar_series(train, "batch_loss")] == list(range(1, 10))
    # the last batch of each epoch logs the epoch's running mean, i.e. the epoch loss
    batch = dict(scalar_series(train, "batch_loss"))
    assert [batch[3], batch[6], batch[9]] == [v for _, v in scalar_series(train, "epoch_loss")]
    iterations = [s for s, _ in scalar_series(val, "evaluation_loss_vs_iterations")]
    assert iterations == [3, 6, 9]


def test_fit_writes_weight_histograms(trained_logs):
    log_dir, model, _ = trained_logs
    acc = accumulate(log_dir / "train")
    for layer in model.layers:
        for var in layer.weights:
            tag = f"{model.name}/{layer.name}/{var.name}/histogram"
            series = tensor_series(acc, tag)
            assert [s for s, _ in series] == [0, 1, 2]
            assert all(h[:, 2].sum() == var.size for _, h in series)
            # the last one was taken after the last epoch: the final weights
            np.testing.assert_array_equal(series[-1][1], gtb.histogram_buckets(var.numpy()))


def test_fit_writes_model_json_and_graph(trained_logs):
    log_dir, model, _ = trained_logs
    acc = accumulate(log_dir / "train")
    ((step, text),) = tensor_series(acc, "keras")
    assert step == 0 and acc.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    assert acc.SummaryMetadata("keras").plugin_data.content == b"1"
    config = json.loads(text.item())
    assert config["class_name"] == "Sequential"
    input_name = model.get_config()["layers"][0]["config"]["name"]  # input_layer, input_layer_1, ...
    assert input_name.startswith("input_layer")
    assert [entry["config"]["name"] for entry in config["config"]["layers"]] == \
        [input_name] + [layer.name for layer in model.layers]
    assert json.loads(model_to_json(model))["config"] == config["config"]
    graph = graph_pb2.GraphDef.FromString(gtb.sequential_graph_def(model))
    assert acc.Graph() == graph
    nodes = {n.name: n for n in graph.node}
    d0, dr, d1 = (layer.name for layer in model.layers)
    assert nodes[input_name].op == "Placeholder"
    assert list(nodes[f"{d0}/MatMul"].input) == [input_name, f"{d0}/kernel"]
    assert list(nodes[f"{d0}/BiasAdd"].input) == [f"{d0}/MatMul", f"{d0}/bias"]
    assert list(nodes[f"{d0}/Relu"].input) == [f"{d0}/BiasAdd"]
    assert list(nodes[f"{dr}/Dropout"].input) == [f"{d0}/Relu"]
    assert list(nodes[f"{d1}/MatMul"].input) == [f"{dr}/Dropout", f"{d1}/kernel"]
    assert nodes[f"{d1}/Sigmoid"].op == "Sigmoid"
    assert [d.size for d in nodes[f"{d0}/kernel"].attr["shape"].shape.dim] == [4, 6]
    assert [d.size for d in nodes[f"{d1}/MatMul"].attr["_output_shapes"].list.shape[0].dim] == [-1, 1]


def test_fit_closes_files_and_evaluate_opens_new_ones(tmp_path):
    model, _ = _tiny_fit(tmp_path, epochs=1)
    before = event_files(tmp_path / "validation")
    assert len(before) == 1
    x = np.zeros((8, 4), np.float32)
    logs = model.evaluate(x, np.zeros(8, np.float32), verbose=0, return_dict=True,
                          callbacks=[TensorBoard(log_dir=tmp_path)])
    after = event_files(tmp_path / "validation")
    assert len(after) == 2
    new = accumulate(tmp_path / "validation")  # reads every file of the run
    step = model.optimizer.iterations
    assert scalar_series(new, "evaluation_loss_vs_iterations")[-1] == (step, float(np.float32(logs["loss"])))


# ------------------------------------------------------------------ live TensorBoard server
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tensorboard_command() -> list[str]:
    exe = Path(sys.executable).with_name("tensorboard")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "tensorboard.main"]


def _stop(proc: subprocess.Popen) -> None:
    """End the server and its data-server child: SIGTERM to the group we started, then SIGKILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM) if hasattr(os, "killpg") else proc.terminate()
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL) if hasattr(os, "killpg") else proc.kill()
        proc.wait(timeout=10)


def test_live_tensorboard_server_shows_the_run(trained_logs, tmp_path):
    log_dir, model, history = trained_logs
    port = _free_port()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    base = f"http://127.0.0.1:{port}"
    err_path = tmp_path / "tensorboard.err"

    def get(route):
        with opener.open(base + route, timeout=5) as response:
            return json.loads(response.read().decode("utf-8"))

    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            _tensorboard_command() + ["--logdir", str(log_dir), "--host", "127.0.0.1", "--port", str(port),
                                      "--reload_interval", "1"],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        tags = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"tensorboard exited with {proc.returncode}:\n{err_path.read_text(errors='replace')}")
            try:
                tags = get("/data/plugin/scalars/tags")
                if "epoch_loss" in tags.get("train", {}) and "epoch_loss" in tags.get("validation", {}):
                    break
            except OSError:  # not listening yet
                pass
            time.sleep(0.25)
        else:
            pytest.fail(f"tensorboard did not serve the scalars within 60 s (last answer {tags!r}):\n"
                        f"{err_path.read_text(errors='replace')}")
        assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(tags["train"])
        for run, key in (("train", "loss"), ("validation", "val_loss")):
            points = get(f"/data/plugin/scalars/scalars?run={run}&tag=epoch_loss")
            assert [p[1] for p in points] == [0, 1, 2]
            assert [p[2] for p in points] == [float(np.float32(v)) for v in history[key]]
        hist_tag = f"{model.name}/{model.layers[0].name}/kernel/histogram"
        hists = get(f"/data/plugin/histograms/histograms?run=train&tag={hist_tag}")
        assert [h[1] for h in hists] == [0, 1, 2]
        assert sum(b[2] for b in hists[-1][2]) == model.layers[0].kernel.size
        graphs = get("/data/plugin/graphs/info")
        assert graphs["train"]["run_graph"] is True
        assert graphs["train"]["tags"]["keras"]["conceptual_graph"] is True
    finally:
        _stop(proc)
    assert proc.poll() is not None


# ----------------------------------------------------------------------------- example
def test_tensorboard_demo_example_runs(tmp_path, capsys):
    pytest.importorskip("sklearn")
    import importlib.util

    spec = importlib.util.spec_from_file_location("tensorboard_demo", ROOT / "examples" / "tensorboard_demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    log_dir = tmp_path / "demo"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert demo.main(["--epochs", "2", "--log-dir", str(log_dir), "--verbose", "0"]) == 0
    assert f"tensorboard --logdir {log_dir}" in capsys.readouterr().out
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for arg in ("profile_batch=2", "embeddings_freq=1", "write_images=True"):
        assert sum(m.startswith(f"TensorBoard: {arg}") for m in messages) == 1, messages
    train = accumulate(log_dir / "train")
    assert [s for s, _ in scalar_series(train, "epoch_loss")] == [0, 1]
    assert [s for s, _ in scalar_series(accumulate(log_dir / "validation"), "epoch_loss")] == [0, 1]
    assert any(t.endswith("/kernel/histogram") for t in train.Tags()["tensors"])
