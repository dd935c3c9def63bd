"""The graph description of a model for TensorBoard's Graphs dashboard: a serialized GraphDef."""
from __future__ import annotations

import numbers
import struct

import numpy as np

from .records import (DT_FLOAT, DTYPE_ENUM, FIXED32, VARINT, field_bytes, field_key, field_str, field_varint,
                      shape_proto, varint)


# ------------------------------------------------------------------------------ GraphDef
def _attr_entry(key: str, attr_value: bytes) -> bytes:
    """One ``map<string, AttrValue>`` entry of NodeDef.attr: ``{1: key, 2: value}``."""
    return field_bytes(5, field_str(1, key) + field_bytes(2, attr_value, keep_empty=True), keep_empty=True)


def _attr_type(dtype_enum: int) -> bytes:
    return field_key(6, VARINT) + varint(dtype_enum)


def _attr_shape(shape) -> bytes:
    return field_bytes(7, shape_proto(shape), keep_empty=True)


def _attr_bool(flag: bool) -> bytes:
    return field_key(5, VARINT) + varint(int(bool(flag)))


def _attr_float(value: float) -> bytes:
    return field_key(4, FIXED32) + struct.pack("<f", value)


def _attr_str(text: str) -> bytes:
    return field_bytes(2, text.encode("utf-8"), keep_empty=True)


def _attr_shapes(shapes) -> bytes:
    """AttrValue.list (1) of shapes (7): what ``_output_shapes`` holds."""
    return field_bytes(1, b"".join(field_bytes(7, shape_proto(s), keep_empty=True) for s in shapes),
                    keep_empty=True)


def _node_def(name: str, op: str, inputs=(), attrs=None) -> bytes:
    """NodeDef: name (1), op (2), input (3, repeated), attr (5, map sorted by key)."""
    out = field_str(1, name) + field_str(2, op) + b"".join(field_bytes(3, i.encode("utf-8")) for i in inputs)
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
                "dtype": _attr_type(DTYPE_ENUM.get(np.dtype(var.dtype), float_enum)),
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
    versions = field_varint(1, 1)  # VersionDef {producer: 1}
    return b"".join(field_bytes(1, n, keep_empty=True) for n in nodes) + field_bytes(4, versions, keep_empty=True)
