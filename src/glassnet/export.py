"""Export a ``Sequential`` model to ONNX, for inference anywhere ONNX Runtime runs.

``to_onnx(model, 'model.onnx')`` writes one ONNX graph that computes what ``model.predict``
computes (float32 in, float32 out, any batch size)::

    input  "input"   float32 [batch, *model.input_shape[1:]]
    Dense            Gemm(x, W, b)          (2-D inputs)   or   MatMul(x, W) + b   (rank > 2)
    Flatten          Flatten(axis=1)
    Dropout          nothing: inference mode keeps every unit (inverted dropout needs no rescaling)
    Activation       the activation's own ONNX operator, or its formula in ONNX operators
    ReLU, LeakyReLU, ELU, Softmax, PReLU (PRelu), BatchNormalization (moving statistics),
    LayerNormalization, UnitNormalization, Reshape, Permute (Transpose), RepeatVector (Expand),
    Rescaling, Embedding (Gather), GlobalAverage/MaxPooling1D (ReduceMean/Max); the noise layers
    and ActivityRegularization vanish (inference)
    Conv1D / Conv2D  Conv (explicit pads for "same" / "causal"), then the activation
    Max/AveragePooling1D/2D   MaxPool / AveragePool(count_include_pad=0)
    GlobalAverage/MaxPooling2D   GlobalAveragePool / GlobalMaxPool (+ Flatten unless keepdims)
    ZeroPadding2D / Cropping2D   Pad / Slice
                     (channels_last layers sit between Transpose nodes: ONNX's Conv is channels-first)
    output "output"  float32 [batch, ...]

Every built-in glassnet activation is expressed exactly (``relu`` in all of Keras's forms
through ``Where``/``Clip``/``Relu``, ``hard_sigmoid`` as ``HardSigmoid(alpha=1/6, beta=1/2)``,
Keras's ``relu6(x + 3) / 6``; ``gelu`` as the ``Gelu`` operator from opset 20, and as
``0.5 x (1 + erf(x / sqrt 2))`` (or its tanh form) before; ``silu`` as ``x * Sigmoid(x)``; ...;
see ``supported_activations()``).  Softmax-like activations over the batch axis (``axis=0``
or ``axis=None``) depend on how the data is split into batches and are refused, as are custom
``ActivationFunction`` subclasses: ONNX cannot run their Python code.

Needs the ``onnx`` package (``pip install 'glassnet[onnx]'``); ``import glassnet`` does not.
"""
from __future__ import annotations

import math
import os

import numpy as np

from . import activations as A

__all__ = ["to_onnx", "supported_activations", "MIN_OPSET"]

#: The oldest opset supported: from 13 on, Softmax/LogSoftmax work along one axis (Keras's
#: semantics) and ReduceSum / Split take their axes and sizes as inputs.
MIN_OPSET = 13


def _import_onnx(where: str):
    try:
        import onnx  # noqa: F401  (imported here only: the core library needs NumPy alone)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            f"{where} needs the onnx package; install it with pip install 'glassnet[onnx]'"
        ) from exc
    return onnx


# ============================================================================ graph builder
class _Graph:
    """Collects nodes and initializers, hands out unique tensor names, shares constants."""

    def __init__(self, onnx, opset: int):
        self.onnx = onnx
        self.helper = onnx.helper
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._names: set[str] = {"input", "output"}
        self._constants: dict = {}
        self._producer: dict = {}   # tensor name -> the node that writes it

    def fresh(self, base: str) -> str:
        """A tensor name not used yet: ``base``, ``base_1``, ``base_2``, ..."""
        name, i = base, 0
        while name in self._names:
            i += 1
            name = f"{base}_{i}"
        self._names.add(name)
        return name

    def weight(self, base: str, value: np.ndarray) -> str:
        """A float32 initializer holding ``value`` (a layer's kernel or bias)."""
        name = self.fresh(base)
        arr = np.ascontiguousarray(value, dtype=np.float32)
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name=name))
        return name

    def const(self, value, dtype=np.float32) -> str:
        """A constant (scalar or 1-D) initializer, shared by every node that uses the same value."""
        arr = np.asarray(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self._constants:
            label = "_".join(repr(v) for v in arr.reshape(-1).tolist()) if arr.size <= 4 else "values"
            name = self.fresh(f"const/{arr.dtype.name}/{label}")
            self.initializers.append(self.onnx.numpy_helper.from_array(arr, name=name))
            self._constants[key] = name
        return self._constants[key]

    def op(self, op_type: str, inputs, base: str, n_outputs: int = 1, **attrs):
        """Add one node; returns its output name (or the list of names when ``n_outputs > 1``)."""
        outputs = [self.fresh(f"{base}/{op_type}" + (f":{i}" if n_outputs > 1 else ""))
                   for i in range(n_outputs)]
        node = self.helper.make_node(op_type, list(inputs), outputs, name=outputs[0], **attrs)
        self.nodes.append(node)
        for out in outputs:
            self._producer[out] = node
        return outputs[0] if n_outputs == 1 else outputs

    def rename_output(self, tensor: str, new_name: str) -> str:
        """Make the node that writes ``tensor`` write ``new_name`` instead (used for ``output``)."""
        node = self._producer.get(tensor)
        if node is None:    # the graph input itself, or a constant: copy it through Identity
            out = new_name
            self.nodes.append(self.helper.make_node("Identity", [tensor], [out], name="output/Identity"))
            return out
        for i, name in enumerate(node.output):
            if name == tensor:
                node.output[i] = new_name
        return new_name

    # ------------------------------------------------------------------ small helpers
    def reduce(self, op_type: str, x: str, axes, base: str) -> str:
        """``op_type`` (ReduceMax / ReduceSum) over ``axes`` with keepdims, in the opset's spelling."""
        axes = [int(a) for a in axes]
        axes_as_input = op_type == "ReduceSum" or self.opset >= 18
        if axes_as_input:
            return self.op(op_type, [x, self.const(axes, np.int64)], base, keepdims=1)
        return self.op(op_type, [x], base, keepdims=1, axes=axes)


# ============================================================================ activations
# Each converter: (graph, activation, x, base, sample_shape) -> (output name, sample_shape).
# ``sample_shape`` excludes the batch axis; dimensions may be None (dynamic).
def _same_shape(fn):
    def converter(g, act, x, base, shape):
        return fn(g, act, x, base), shape

    converter.__doc__ = fn.__doc__
    return converter


def _mul_const(g, x, c, base):
    return g.op("Mul", [x, g.const(c)], base)


def _add_const(g, x, c, base):
    return g.op("Add", [x, g.const(c)], base)


def _clip(g, x, low, high, base):
    return g.op("Clip", [x, g.const(low), g.const(high)], base)


@_same_shape
def _linear(g, act, x, base):
    """identity: no node."""
    return x


@_same_shape
def _step(g, act, x, base):
    """Cast(GreaterOrEqual(x, 0), float)."""
    ge = g.op("GreaterOrEqual", [x, g.const(0.0)], base)
    return g.op("Cast", [ge], base, to=g.onnx.TensorProto.FLOAT)


def _unary(op_type, **attrs_of):
    """A converter for an activation that is one ONNX operator (attributes from the activation)."""

    def fn(g, act, x, base):
        attrs = {k: (v(act) if callable(v) else v) for k, v in attrs_of.items()}
        return g.op(op_type, [x], base, **attrs)

    fn.__doc__ = f"{op_type}({', '.join(attrs_of)})"
    return _same_shape(fn)


@_same_shape
def _relu(g, act, x, base):
    """Keras 3's relu: ``clip(x if x > t else 0, 0, m) - s * max(t - x, 0)`` (Relu/LeakyRelu when plain)."""
    s, m, t = act.negative_slope, act.max_value, act.threshold
    if s == 0 and m is None and t == 0:
        return g.op("Relu", [x], base)
    if s != 0 and m is None and t == 0:
        return g.op("LeakyRelu", [x], base, alpha=float(s))
    if t != 0:
        y = g.op("Where", [g.op("Greater", [x, g.const(t)], base), x, g.const(0.0)], base)
    elif m == 6:
        y = _clip(g, x, 0.0, 6.0, base)
        m = None                                  # already clipped, as Keras's relu6 branch
    else:
        y = g.op("Relu", [x], base)
    if m is not None:
        y = _clip(g, y, 0.0, m, base)
    if s != 0:
        below = g.op("Relu", [g.op("Sub", [g.const(t), x], base)], base)
        y = g.op("Sub", [y, _mul_const(g, below, s, base)], base)
    return y


@_same_shape
def _silu(g, act, x, base):
    """x * Sigmoid(x)."""
    return g.op("Mul", [x, g.op("Sigmoid", [x], base)], base)


@_same_shape
def _hard_silu(g, act, x, base):
    """HardSwish (opset >= 14), else x * HardSigmoid(x; 1/6, 1/2)."""
    if g.opset >= 14:
        return g.op("HardSwish", [x], base)
    return g.op("Mul", [x, g.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)], base)


@_same_shape
def _gelu(g, act, x, base):
    """Gelu (opset >= 20), else 0.5 x (1 + Erf(x / sqrt 2)) or 0.5 x (1 + Tanh(c (x + 0.044715 x^3)))."""
    if g.opset >= 20:
        return g.op("Gelu", [x], base, approximate="tanh" if act.approximate else "none")
    if act.approximate:
        cube = g.op("Mul", [g.op("Mul", [x, x], base), x], base)
        inner = g.op("Add", [x, _mul_const(g, cube, 0.044715, base)], base)
        t = g.op("Tanh", [_mul_const(g, inner, math.sqrt(2.0 / math.pi), base)], base)
    else:
        t = g.op("Erf", [_mul_const(g, x, 1.0 / math.sqrt(2.0), base)], base)
    half_x = _mul_const(g, x, 0.5, base)
    return g.op("Mul", [half_x, _add_const(g, t, 1.0, base)], base)


@_same_shape
def _mish(g, act, x, base):
    """Mish (opset >= 18), else x * Tanh(Softplus(x))."""
    if g.opset >= 18:
        return g.op("Mish", [x], base)
    return g.op("Mul", [x, g.op("Tanh", [g.op("Softplus", [x], base)], base)], base)


@_same_shape
def _log_sigmoid(g, act, x, base):
    """-Softplus(-x)."""
    return g.op("Neg", [g.op("Softplus", [g.op("Neg", [x], base)], base)], base)


@_same_shape
def _tanh_shrink(g, act, x, base):
    """x - Tanh(x)."""
    return g.op("Sub", [x, g.op("Tanh", [x], base)], base)


@_same_shape
def _squareplus(g, act, x, base):
    """0.5 x + 0.5 Sqrt(x^2 + b)  (x^2 overflows float32 beyond |x| ~ 1.8e19)."""
    root = g.op("Sqrt", [_add_const(g, g.op("Mul", [x, x], base), act.b, base)], base)
    return g.op("Add", [_mul_const(g, x, 0.5, base), _mul_const(g, root, 0.5, base)], base)


@_same_shape
def _sparse_plus(g, act, x, base):
    """Where(x <= -1, 0, Where(x < 1, (Clip(x, -1, 1) + 1)^2 / 4, x))."""
    u = _add_const(g, _clip(g, x, -1.0, 1.0, base), 1.0, base)
    square = _mul_const(g, g.op("Mul", [u, u], base), 0.25, base)
    inner = g.op("Where", [g.op("Less", [x, g.const(1.0)], base), square, x], base)
    low = g.op("LessOrEqual", [x, g.const(-1.0)], base)
    return g.op("Where", [low, g.const(0.0), inner], base)


@_same_shape
def _threshold(g, act, x, base):
    """Where(x > threshold, x, default_value)."""
    above = g.op("Greater", [x, g.const(act.threshold)], base)
    return g.op("Where", [above, x, g.const(act.default_value)], base)


def _softmax_axes(act, rank: int, base: str):
    """The activation's axes as non-negative ints, refusing the batch axis."""
    if act.axis is None:
        raise ValueError(
            f"to_onnx: layer {base!r} uses {act.name}(axis=None), which normalises over every element of "
            f"the batch, so its result depends on how the data is split into batches; use axis=-1"
        )
    axes = act.axis if isinstance(act.axis, tuple) else (act.axis,)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"to_onnx: layer {base!r} uses {act.name}(axis={act.axis}), out of range for "
                             f"its {rank}-D input (batch axis included)")
        out.append(a % rank)
    if 0 in out:
        raise ValueError(
            f"to_onnx: layer {base!r} uses {act.name}(axis={act.axis}), which runs along the batch axis, so "
            f"its result depends on how the data is split into batches; use axis=-1"
        )
    return sorted(set(out))


def _softmax_like(log: bool):
    def converter(g, act, x, base, shape):
        axes = _softmax_axes(act, len(shape) + 1, base)
        if len(axes) == 1:
            return g.op("LogSoftmax" if log else "Softmax", [x], base, axis=axes[0]), shape
        shifted = g.op("Sub", [x, g.reduce("ReduceMax", x, axes, base)], base)
        e = g.op("Exp", [shifted], base)
        total = g.reduce("ReduceSum", e, axes, base)
        if log:
            return g.op("Sub", [shifted, g.op("Log", [total], base)], base), shape
        return g.op("Div", [e, total], base), shape

    converter.__doc__ = ("LogSoftmax(axis)" if log else "Softmax(axis)") + \
        "; over several axes, the stable formula with ReduceMax / ReduceSum"
    return converter


def _glu(g, act, x, base, shape):
    """Split into halves (u, v) along axis; u * Sigmoid(v)."""
    rank = len(shape) + 1
    if not -rank <= act.axis < rank:
        raise ValueError(f"to_onnx: layer {base!r} uses glu(axis={act.axis}), out of range for its {rank}-D input")
    axis = act.axis % rank
    if axis == 0:
        raise ValueError(f"to_onnx: layer {base!r} uses glu(axis=0), which splits the batch axis; use axis=-1")
    size = shape[axis - 1]
    if size is not None and size % 2:
        raise ValueError(f"to_onnx: layer {base!r} uses glu(axis={act.axis}) on an axis of odd size {size}; "
                         f"glu needs an even size to split it into two halves")
    if size is not None:
        u, v = g.op("Split", [x, g.const([size // 2, size // 2], np.int64)], base, n_outputs=2, axis=axis)
    elif g.opset >= 18:
        u, v = g.op("Split", [x], base, n_outputs=2, axis=axis, num_outputs=2)
    else:
        raise ValueError(f"to_onnx: layer {base!r} uses glu along an axis of unknown size; export with opset >= 18")
    new_shape = list(shape)
    new_shape[axis - 1] = None if size is None else size // 2
    return g.op("Mul", [u, g.op("Sigmoid", [v], base)], base), tuple(new_shape)


_CONVERTERS = {
    A.Linear: _linear,
    A.Step: _step,
    A.Sigmoid: _unary("Sigmoid"),
    A.HardSigmoid: _unary("HardSigmoid", alpha=1.0 / 6.0, beta=0.5),
    A.Tanh: _unary("Tanh"),
    A.ReLU: _relu,
    A.ReLU6: _same_shape(lambda g, act, x, base: _clip(g, x, 0.0, 6.0, base)),
    A.LeakyReLU: _unary("LeakyRelu", alpha=lambda act: float(act.negative_slope)),
    A.ELU: _unary("Elu", alpha=lambda act: float(act.alpha)),
    A.SELU: _unary("Selu", alpha=A.SELU.alpha, gamma=A.SELU.scale),
    A.Softplus: _unary("Softplus"),
    A.Softsign: _unary("Softsign"),
    A.SiLU: _silu,
    A.HardSiLU: _hard_silu,
    A.GELU: _gelu,
    A.Exponential: _unary("Exp"),
    A.Mish: _mish,
    A.LogSigmoid: _log_sigmoid,
    A.CELU: _unary("Celu", alpha=lambda act: float(act.alpha)),
    A.HardTanh: _same_shape(lambda g, act, x, base: _clip(g, x, -1.0, 1.0, base)),
    A.TanhShrink: _tanh_shrink,
    A.Squareplus: _squareplus,
    A.HardShrink: _unary("Shrink", lambd=lambda act: float(act.threshold), bias=0.0),
    A.SoftShrink: _unary("Shrink", lambd=lambda act: float(act.threshold),
                         bias=lambda act: float(act.threshold)),
    A.SparsePlus: _sparse_plus,
    # clip(x/2 + 1/2, 0, 1): halving is exact in floating point, so this rounds as glassnet's (x + 1) / 2
    A.SparseSigmoid: _unary("HardSigmoid", alpha=0.5, beta=0.5),
    A.Threshold: _threshold,
    A.Softmax: _softmax_like(log=False),
    A.LogSoftmax: _softmax_like(log=True),
    A.GLU: _glu,
}


def supported_activations() -> list[str]:
    """Names of the activations :func:`to_onnx` can export (every built-in one)."""
    return sorted(cls.name for cls in _CONVERTERS)


def _activation(g, layer, x, shape):
    """Add the nodes of ``layer.activation`` (node names start with the layer's name)."""
    act = layer.activation
    converter = _CONVERTERS.get(type(act))
    if converter is None:
        name = getattr(act, "name", type(act).__name__)
        raise ValueError(
            f"to_onnx: layer {layer.name!r} uses the activation {name!r} ({type(act).__name__}), which "
            f"ONNX export cannot express (its Python code cannot run in ONNX Runtime); the exportable "
            f"activations are {', '.join(supported_activations())}"
        )
    return converter(g, act, x, layer.name, shape)


# ============================================================================ layers
def _build_graph_onnx(onnx, model, opset, version):
    """A functional model: every node of its graph in order, tensors named after the layer calls that make
    them; inputs and outputs named after their layers (``input`` / ``output`` when there is one)."""
    if not model.is_graph_network() or not model.built:
        raise ValueError(f"to_onnx: {type(model).__name__} models are exported when they are functional graphs "
                         f"of built-in layers (Sequential or Model(inputs, outputs)); a subclassed model's call "
                         f"cannot be exported")
    helper, TensorProto = onnx.helper, onnx.TensorProto
    g = _Graph(onnx, opset)
    names, shapes = {}, {}
    inputs = model.inputs
    in_names = ["input"] if len(inputs) == 1 else [t.node.layer.name for t in inputs]
    for t, name in zip(inputs, in_names):
        names[id(t)], shapes[id(t)] = name, tuple(t.shape[1:])
    _graph_nodes(g, model, names, shapes)
    outputs = model.outputs
    out_names = ["output"] if len(outputs) == 1 else [t.node.layer.name for t in outputs]
    final = [g.rename_output(names[id(t)], name) for t, name in zip(outputs, out_names)]
    graph = helper.make_graph(
        g.nodes, model.name,
        inputs=[helper.make_tensor_value_info(n, TensorProto.FLOAT, _dims(shapes[id(t)], n))
                for t, n in zip(inputs, in_names)],
        outputs=[helper.make_tensor_value_info(n, TensorProto.FLOAT, _dims(shapes[id(t)], n))
                 for t, n in zip(outputs, final)],
        initializer=g.initializers,
        doc_string=f"glassnet functional model {model.name!r}: " + ", ".join(
            f"{type(l).__name__}({l.name})" for l in model.layers),
    )
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="glassnet", producer_version=version,
                              ir_version=helper.find_min_ir_version_for(opsets),
                              doc_string="Exported by glassnet.export.to_onnx")
    helper.set_model_props(proto, {"glassnet_version": version, "model_name": model.name,
                                   "framework": "glassnet (Keras 3 API on NumPy)"})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _graph_nodes(g, model, names, shapes):
    """Add the nodes of ``model``'s graph; ``names`` / ``shapes`` map each symbolic tensor (by id) to its ONNX
    name and sample shape, and are filled in for every tensor the graph makes (nested models inlined)."""
    from .models.model import Model

    for node in model.graph_nodes():
        if not node.inputs:                  # an InputLayer: its tensor is already named
            continue
        layer = node.layer
        xs = [names[id(t)] for t in node.inputs]
        ins = [shapes[id(t)] for t in node.inputs]
        if isinstance(layer, Model):
            inner_names = {id(t): x for t, x in zip(layer.inputs, xs)}
            inner_shapes = {id(t): s for t, s in zip(layer.inputs, ins)}
            _graph_nodes(g, layer, inner_names, inner_shapes)
            outs = [(inner_names[id(t)], inner_shapes[id(t)]) for t in layer.outputs]
        elif node.structure == "list":
            outs = [_merge_nodes(g, layer, xs, ins)]
        else:
            outs = [_layer_nodes(g, layer, xs[0], ins[0])]
        for t, (x, shape) in zip(node.outputs, outs):
            names[id(t)], shapes[id(t)] = x, tuple(shape)


def _merge_nodes(g, layer, xs, shapes):
    """Merging layers: Concat, Add, Sub, Mul, Mean, Max, Min, and Dot as a product summed over features."""
    from .layers import merging

    kind, out_shape = type(layer), tuple(layer.compute_output_shape([list(s) for s in shapes]))
    simple = {merging.Add: "Sum", merging.Subtract: "Sub", merging.Multiply: "Mul", merging.Average: "Mean",
              merging.Maximum: "Max", merging.Minimum: "Min"}
    if kind in simple:
        return g.op(simple[kind], xs, layer.name), out_shape
    if kind is merging.Concatenate:
        return g.op("Concat", xs, layer.name, axis=layer.axis), out_shape
    if kind is merging.Dot:
        a, b = xs
        if layer.normalize:
            a, b = (g.op("LpNormalization", [v], layer.name, axis=-1, p=2) for v in (a, b))
        prod = g.op("Mul", [a, b], layer.name)
        return g.reduce("ReduceSum", prod, [1], layer.name), out_shape
    raise ValueError(f"to_onnx: merging layer {layer.name!r} ({kind.__name__}) has no ONNX export")


def _layer_nodes(g, layer, x, shape):
    """Add ``layer``'s nodes after tensor ``x``; returns (output name, output sample shape)."""
    from .layers import Activation, Dense, Dropout, Flatten
    from .layers.input import InputLayer

    kind = type(layer)
    if kind is Dense:
        kernel = g.weight(f"{layer.name}/kernel", layer.kernel.value)
        bias = g.weight(f"{layer.name}/bias", layer.bias.value) if layer.use_bias else None
        if len(shape) == 1:
            z = g.op("Gemm", [x, kernel] + ([bias] if bias else []), layer.name)
        else:
            z = g.op("MatMul", [x, kernel], layer.name)
            if bias:
                z = g.op("Add", [z, bias], layer.name)
        shape = tuple(shape[:-1]) + (layer.units,)
        return _activation(g, layer, z, shape)
    if kind is Activation:
        return _activation(g, layer, x, shape)
    if kind is Flatten:
        flat = None if any(d is None for d in shape) else int(math.prod(shape))
        if len(shape) == 1:
            return x, shape
        return g.op("Flatten", [x], layer.name, axis=1), (flat,)
    if kind in (Dropout, InputLayer):
        return x, shape      # inference: Dropout passes its input through unchanged
    more = _more_layer_nodes(g, layer, x, shape)
    if more is not None:
        return more
    from .layers.preprocessing import onnx_nodes as preprocessing_onnx
    if preprocessing_onnx.supports(layer):   # Normalization, Discretization, CategoryEncoding, IntegerLookup
        return preprocessing_onnx.nodes(g, layer, x, shape)
    converted = _image_layer_nodes(g, layer, x, shape)
    if converted is not None:
        return converted
    raise ValueError(
        f"to_onnx: layer {layer.name!r} is a {kind.__name__}, which ONNX export does not support; "
        f"the exportable layers are Dense, Dropout, Flatten, Activation and those listed in "
        f"glassnet.export's docstring"
    )


# ------------------------------------------------ activation, normalization, shape, embedding layers
def _axes_of(axis, rank):
    """A layer's ``axis`` (int or list, counted with the batch axis) as sorted positive axes."""
    return sorted(int(a) % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis]))


def _per_feature(g, axis, value, ndim, base):
    """A per-feature vector shaped to broadcast along ``axis`` of a rank-``ndim`` tensor."""
    shape = [1] * (ndim - axis)
    shape[0] = value.shape[0]
    return g.weight(base, np.asarray(value).reshape(shape))


def _more_layer_nodes(g, layer, x, shape):
    """ONNX nodes for the layers of glassnet.layers beyond Dense/Dropout/Flatten/Activation, in
    inference mode (noise layers vanish; BatchNormalization uses its moving statistics);
    ``None`` for a layer not handled here."""
    from . import layers as L

    kind, name, rank = type(layer), layer.name, len(shape) + 1
    if kind in (L.GaussianNoise, L.GaussianDropout, L.AlphaDropout, L.SpatialDropout1D, L.SpatialDropout2D,
                L.ActivityRegularization):
        return x, shape                                   # the identity in inference
    if kind is L.ReLU:
        act = A.ReLU(negative_slope=layer.negative_slope, max_value=layer.max_value, threshold=layer.threshold)
        return _CONVERTERS[A.ReLU](g, act, x, name, shape)
    if kind is L.LeakyReLU:
        return _CONVERTERS[A.LeakyReLU](g, A.LeakyReLU(layer.negative_slope), x, name, shape)
    if kind is L.ELU:
        return _CONVERTERS[A.ELU](g, A.ELU(layer.alpha), x, name, shape)
    if kind is L.Softmax:
        axis = tuple(layer.axis) if isinstance(layer.axis, list) else layer.axis
        return _CONVERTERS[A.Softmax](g, A.Softmax(axis), x, name, shape)
    if kind is L.PReLU:                                   # max(x, 0) - alpha max(-x, 0)
        return g.op("PRelu", [x, g.weight(f"{name}/alpha", layer.alpha.value)], name), shape
    if kind is L.BatchNormalization:                      # (x - mean) / sqrt(var + eps) * gamma + beta
        ax = _axes_of(layer.axis, rank)[0]
        inv = 1.0 / np.sqrt(layer.moving_variance.value + np.float32(layer.epsilon))
        y = g.op("Sub", [x, _per_feature(g, ax, layer.moving_mean.value, rank, f"{name}/moving_mean")], name)
        y = g.op("Mul", [y, _per_feature(g, ax, inv, rank, f"{name}/inv_std")], name)
        if layer.scale:
            y = g.op("Mul", [y, _per_feature(g, ax, layer.gamma.value, rank, f"{name}/gamma")], name)
        if layer.center:
            y = g.op("Add", [y, _per_feature(g, ax, layer.beta.value, rank, f"{name}/beta")], name)
        return y, shape
    if kind is L.LayerNormalization:                      # per-sample statistics over its axes
        axes = _axes_of(layer.axis, rank)
        param_shape = [shape[a - 1] if a in axes else 1 for a in range(1, rank)]
        centered = g.op("Sub", [x, g.reduce("ReduceMean", x, axes, name)], name)
        var = g.reduce("ReduceMean", g.op("Mul", [centered, centered], name), axes, name)
        inv = g.op("Reciprocal", [g.op("Sqrt", [_add_const(g, var, layer.epsilon, name)], name)], name)
        y = g.op("Mul", [centered, inv], name)
        if layer.scale:
            y = g.op("Mul", [y, g.weight(f"{name}/gamma", layer.gamma.value.reshape(param_shape))], name)
        if layer.center:
            y = g.op("Add", [y, g.weight(f"{name}/beta", layer.beta.value.reshape(param_shape))], name)
        return y, shape
    if kind is L.UnitNormalization:                       # x * min(1 / sqrt(sum x^2), 1e12)
        sq = g.reduce("ReduceSum", g.op("Mul", [x, x], name), _axes_of(layer.axis, rank), name)
        inv = g.op("Min", [g.op("Reciprocal", [g.op("Sqrt", [sq], name)], name), g.const(1e12)], name)
        return g.op("Mul", [x, inv], name), shape
    if kind is L.Reshape:
        out = tuple(layer.compute_output_shape(shape))
        target = [0] + [-1 if d is None else int(d) for d in out]
        return g.op("Reshape", [x, g.const(target, np.int64)], name), out
    if kind is L.Permute:
        return g.op("Transpose", [x], name, perm=[0] + list(layer.dims)), layer.compute_output_shape(shape)
    if kind is L.RepeatVector:
        y = g.op("Unsqueeze", [x, g.const([1], np.int64)], name)
        y = g.op("Expand", [y, g.const([1, layer.n, 1], np.int64)], name)
        return y, (layer.n,) + tuple(shape)
    if kind is L.Rescaling:
        def value(v, what):
            v = np.asarray(v, dtype=np.float32)
            return g.const(float(v)) if v.ndim == 0 else g.weight(f"{name}/{what}", v)
        y = g.op("Mul", [x, value(layer.scale, "scale")], name)
        return g.op("Add", [y, value(layer.offset, "offset")], name), shape
    if kind is L.Embedding:                               # Gather(E, int64(x))
        idx = g.op("Cast", [x], name, to=g.onnx.TensorProto.INT64)
        table = g.weight(f"{name}/embeddings", layer.embeddings.value)
        return g.op("Gather", [table, idx], name, axis=0), tuple(shape) + (layer.output_dim,)
    if kind in (L.GlobalAveragePooling1D, L.GlobalMaxPooling1D):
        op = "ReduceMean" if kind is L.GlobalAveragePooling1D else "ReduceMax"
        ax = 1 if layer.data_format == "channels_last" else 2
        y = g.reduce(op, x, [ax], name)
        if not layer.keepdims:
            y = g.op("Squeeze", [y, g.const([ax], np.int64)], name)
        return y, layer.compute_output_shape(shape)
    return None


# ============================================================================ image layers
# ONNX's Conv / MaxPool / AveragePool / Global*Pool work on (N, C, spatial...); a channels_last
# layer is wrapped in Transpose nodes (ONNX Runtime cancels adjacent inverse pairs).  Keras's
# "same" padding becomes explicit pads (extra at the end), as the layer computes them.
def _image_layer_nodes(g, layer, x, shape):
    """Nodes of a convolution / pooling / 2-D border layer, or None when ``layer`` is not one."""
    from .layers.convolution import Conv1D, Conv2D
    from .layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling2D,
                                 GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
    from .layers.reshaping2d import Cropping2D, ZeroPadding2D

    kind = type(layer)
    if kind not in (Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
                    GlobalAveragePooling2D, GlobalMaxPooling2D, ZeroPadding2D, Cropping2D):
        return None
    out_shape = tuple(layer.compute_output_shape(shape))
    last = layer.data_format == "channels_last"
    rank = len(shape) - 1
    to_first = [0, rank + 1] + list(range(1, rank + 1))          # NHWC -> NCHW (or NLC -> NCL)
    to_last = [0] + list(range(2, rank + 2)) + [1]
    if kind in (ZeroPadding2D, Cropping2D):
        (t, b), (l, r) = layer.amounts
        h_ax, w_ax = (1, 2) if last else (2, 3)
        if kind is ZeroPadding2D:
            begin, end = [0, 0, 0, 0], [0, 0, 0, 0]
            begin[h_ax], begin[w_ax], end[h_ax], end[w_ax] = t, l, b, r
            return g.op("Pad", [x, g.const(begin + end, np.int64)], layer.name, mode="constant"), out_shape
        big = np.iinfo(np.int64).max
        starts, ends = [t, l], [-b if b else big, -r if r else big]     # from the end: any image size
        return g.op("Slice", [x, g.const(starts, np.int64), g.const(ends, np.int64),
                              g.const([h_ax, w_ax], np.int64)], layer.name), out_shape
    y = g.op("Transpose", [x], layer.name, perm=to_first) if last else x
    if kind in (GlobalAveragePooling2D, GlobalMaxPooling2D):
        op = "GlobalAveragePool" if kind is GlobalAveragePooling2D else "GlobalMaxPool"
        y = g.op(op, [y], layer.name)                               # (N, C, 1, 1)
        if not layer.keepdims:
            return g.op("Flatten", [y], layer.name, axis=1), out_shape
        return (g.op("Transpose", [y], layer.name, perm=to_last) if last else y), out_shape
    spatial = tuple(shape[:-1]) if last else tuple(shape[1:])
    spatial2 = (1,) + spatial if rank == 1 else spatial
    _, pads = layer._geometry_for(spatial2)
    pads = pads[2 - rank:]
    onnx_pads = [p[0] for p in pads] + [p[1] for p in pads]
    if kind in (Conv1D, Conv2D):
        kernel = layer.kernel.value
        w = np.transpose(kernel, (rank + 1, rank) + tuple(range(rank)))   # (k..., C, F) -> (F, C, k...)
        inputs = [y, g.weight(f"{layer.name}/kernel", w)]
        if layer.use_bias:
            inputs.append(g.weight(f"{layer.name}/bias", layer.bias.value))
        y = g.op("Conv", inputs, layer.name, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
                 dilations=list(layer.dilation_rate), pads=onnx_pads, group=1)
    else:
        op = "MaxPool" if kind in (MaxPooling1D, MaxPooling2D) else "AveragePool"
        attrs = {} if op == "MaxPool" else {"count_include_pad": 0}   # the padding is not counted (TF)
        y = g.op(op, [y], layer.name, kernel_shape=list(layer.pool_size), strides=list(layer.strides),
                 pads=onnx_pads, **attrs)
    if last:
        y = g.op("Transpose", [y], layer.name, perm=to_last)
    if kind in (Conv1D, Conv2D):
        return _activation(g, layer, y, out_shape)
    return y, out_shape


# ============================================================================ entry point
def _check_opset(opset, onnx) -> int:
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise TypeError(f"to_onnx: opset must be an integer, got {type(opset).__name__} {opset!r}")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= int(opset) <= newest:
        raise ValueError(f"to_onnx: opset must be between {MIN_OPSET} and {newest} (the newest this onnx "
                         f"package knows), got {opset}")
    return int(opset)


def _dims(shape, prefix: str):
    """ONNX dims: the symbolic batch axis, then ints or named dynamic dims."""
    return ["batch"] + [d if d is not None else f"{prefix}_dim{i + 1}" for i, d in enumerate(shape)]


def _build_onnx(model, opset: int = 17):
    """The ``onnx.ModelProto`` for ``model`` (what :func:`to_onnx` writes), checked with
    ``onnx.checker.check_model(..., full_check=True)``."""
    onnx = _import_onnx("to_onnx")
    from . import __version__
    from .models.model import Model
    from .models.sequential import Sequential

    if not isinstance(model, Model):
        raise TypeError(f"to_onnx: model must be a glassnet model, got {type(model).__name__}")
    if not isinstance(model, Sequential):
        return _build_graph_onnx(onnx, model, _check_opset(opset, onnx), __version__)
    opset = _check_opset(opset, onnx)
    if not model.layers:
        raise ValueError("to_onnx: the model has no layers; add some with model.add(...)")
    if not model.built:
        raise ValueError("to_onnx: the model is not built yet; give it an Input(shape=...), call "
                         "model.build((None, n_features)) or fit it on data first")
    helper, TensorProto = onnx.helper, onnx.TensorProto

    g = _Graph(onnx, opset)
    in_shape = tuple(model.input_shape[1:])
    x, shape = "input", in_shape
    for layer in model.layers:
        x, shape = _layer_nodes(g, layer, x, shape)
    out = g.rename_output(x, "output")

    graph = helper.make_graph(
        g.nodes, model.name,
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, _dims(in_shape, "input"))],
        outputs=[helper.make_tensor_value_info(out, TensorProto.FLOAT, _dims(shape, "output"))],
        initializer=g.initializers,
        doc_string=f"glassnet Sequential model {model.name!r}: "
                   + " -> ".join(f"{type(l).__name__}({l.name})" for l in model.layers),
    )
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph, opset_imports=opsets, producer_name="glassnet", producer_version=__version__,
        ir_version=helper.find_min_ir_version_for(opsets), doc_string="Exported by glassnet.export.to_onnx",
    )
    helper.set_model_props(proto, {"glassnet_version": __version__, "model_name": model.name,
                                   "framework": "glassnet (Keras 3 API on NumPy)"})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def to_onnx(model, path, opset: int = 17):
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the ``onnx.ModelProto``.

    Args:
        model: a built glassnet ``Sequential`` (Dense, Dropout, Flatten and Activation layers).
        path: the file to write (str or path-like), replaced atomically; ``None`` only returns
            the model proto.
        opset: the ONNX operator set, from 13 (:data:`MIN_OPSET`) to the newest the installed
            ``onnx`` knows.  Newer opsets use single operators where older ones need formulas
            (``HardSwish`` 14, ``Mish`` 18, ``Gelu`` 20).

    The graph takes ``input`` (float32, shape ``[batch, ...]`` with a dynamic batch axis) and
    gives ``output``, equal to ``model.predict(input)`` to float32 rounding.  Dropout is left out
    (inference).  Activations ONNX cannot express raise ``ValueError`` naming the layer.

    Example::

        glassnet.export.to_onnx(model, 'model.onnx')
        session = onnxruntime.InferenceSession('model.onnx')
        probs = session.run(['output'], {'input': x.astype('float32')})[0]
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"to_onnx: path must be a file path (str or os.PathLike) or None, got "
                        f"{type(path).__name__} {path!r}")
    proto = _build_onnx(model, opset)
    if path is not None:
        from ._io import atomic_write_bytes

        atomic_write_bytes(path, proto.SerializeToString())
    return proto
