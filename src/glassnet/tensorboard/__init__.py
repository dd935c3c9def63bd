"""TensorBoard event files written from first principles: TFRecord framing, CRC32C, protobuf.

Layout: :mod:`.records` encodes (CRC32C, framing, protobuf messages), :mod:`.writer` writes
event files (:class:`EventFileWriter`, histograms), :mod:`.graph` describes a model as a GraphDef.

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

from .graph import sequential_graph_def
from .records import (DT_DOUBLE, DT_FLOAT, DT_STRING, crc32c, encode_event, encode_summary_value, encode_tensor,  # noqa: F401
                      frame_record, masked_crc32c)
from .writer import DEFAULT_BUCKET_COUNT, FILE_VERSION, SOURCE_WRITER, EventFileWriter, histogram_buckets

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
