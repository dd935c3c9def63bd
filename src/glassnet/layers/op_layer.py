"""``OpLayer``: a ``glassnet.ops`` call (or an operator such as ``+``) on symbolic tensors in a functional graph.

Keras 3 lets a functional model mix layers and ``keras.ops``::

    x = Input((8,));  h = Dense(8)(x)
    y = ops.relu(h) + x              # two operations on symbolic tensors
    model = Model(x, Dense(1)(y))

Each such call becomes one node whose layer is an ``OpLayer``: it keeps the ops function and its
arguments, with the symbolic tensors replaced by the node's inputs.  It defines ``call``, so it runs on
the autodiff tape (``glassnet.autodiff``): forward is the op on arrays, backward its recorded
vector-Jacobian products.  In a file it is stored by the op's name and its constant arguments.
"""
from __future__ import annotations

import numbers

from .. import symbolic
from .._registry import unique_name
from .base import LAYERS, Layer


class _Slot:
    """Where the i-th symbolic input goes in an op's arguments."""

    def __init__(self, index):
        self.index = index


def _template(structure, leaves):
    """The arguments with every KerasTensor replaced by a slot (its place in ``leaves``, appended)."""
    if isinstance(structure, symbolic.KerasTensor):
        leaves.append(structure)
        return _Slot(len(leaves) - 1)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_template(v, leaves) for v in structure)
    if isinstance(structure, dict):
        return {k: _template(v, leaves) for k, v in structure.items()}
    return structure


def _fill(structure, values):
    if isinstance(structure, _Slot):
        return values[structure.index]
    if isinstance(structure, (list, tuple)):
        return type(structure)(_fill(v, values) for v in structure)
    if isinstance(structure, dict):
        return {k: _fill(v, values) for k, v in structure.items()}
    return structure


def _to_json(structure):
    if isinstance(structure, _Slot):
        return {"__slot__": structure.index}
    if isinstance(structure, slice):
        return {"__slice__": [_to_json(structure.start), _to_json(structure.stop), _to_json(structure.step)]}
    if structure is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(structure, tuple):
        return {"__tuple__": [_to_json(v) for v in structure]}
    if isinstance(structure, list):
        return [_to_json(v) for v in structure]
    if isinstance(structure, dict):
        return {str(k): _to_json(v) for k, v in structure.items()}
    if structure is None or isinstance(structure, (bool, str)) or isinstance(structure, numbers.Real):
        return structure
    raise ValueError(f"OpLayer: the argument {structure!r} of an ops call in a functional graph cannot be saved "
                     f"(only tensors, numbers, strings and lists of them can)")


def _from_json(structure):
    if isinstance(structure, dict) and len(structure) == 1:
        (key, value), = structure.items()
        if key == "__slot__":
            return _Slot(int(value))
        if key == "__slice__" and isinstance(value, list) and len(value) == 3:
            return slice(*value)
        if key == "__ellipsis__":
            return Ellipsis
        if key == "__tuple__" and isinstance(value, list):
            return tuple(_from_json(v) for v in value)
    if isinstance(structure, list):
        return [_from_json(v) for v in structure]
    if isinstance(structure, dict):
        return {k: _from_json(v) for k, v in structure.items()}
    return structure


@LAYERS.register("OpLayer")
class OpLayer(Layer):
    """``y = op(*args, **kwargs)`` with the node's input tensors in the places of the symbolic arguments."""

    def __init__(self, op, args=(), kwargs=None, **layer_kwargs):
        from .. import ops

        if isinstance(op, str):
            name = op
            if name not in ops.__all__:
                raise ValueError(f"OpLayer: unknown glassnet.ops function {op!r}")
            op = getattr(ops, name)
        self.op = op
        self.op_name = getattr(op, "__name__", str(op))
        super().__init__(name=layer_kwargs.pop("name", None) or unique_name(self.op_name), **layer_kwargs)
        self.args = tuple(_from_json(args)) if not isinstance(args, tuple) else args
        self.kwargs = _from_json(dict(kwargs or {}))

    def call(self, inputs):
        values = inputs if isinstance(inputs, list) else [inputs]
        return self.op(*_fill(self.args, values), **_fill(self.kwargs, values))

    def get_config(self):
        config = super().get_config()
        config.update({"op": self.op_name, "args": [_to_json(a) for a in self.args], "kwargs": _to_json(self.kwargs)})
        return config


def symbolic_call(fn, args, kwargs):
    """The handler ``glassnet.ops`` calls when an argument is a KerasTensor: record the call as a node."""
    leaves: list = []
    args_t = _template(tuple(args), leaves)
    kwargs_t = _template(dict(kwargs), leaves)
    layer = OpLayer(fn, args_t, kwargs_t, name=None)
    return layer(leaves if len(leaves) > 1 else leaves[0])
