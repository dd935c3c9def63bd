"""Symbolic tensors and nodes: how the functional API records a graph before any data flows.

``Input(shape=(4,))`` returns a :class:`KerasTensor`: a shape (batch axis first, ``None``), a dtype
and the place it came from.  Calling a layer on symbolic tensors computes nothing; it records a
:class:`Node` (this layer, these input tensors, these output tensors) and returns new symbolic
tensors.  ``Model(inputs, outputs)`` later walks the nodes from the outputs back to the inputs::

    x = Input((4,))            KerasTensor(shape=(None, 4))   made by an InputLayer's node
    h = Dense(8)(x)            Node(dense, [x], [h])
    y = Dense(1)(h)            Node(dense_1, [h], [y])
    Model(x, y)                nodes in topological order: input_layer, dense, dense_1

A layer called twice has two nodes and one set of weights (weight sharing).
"""
from __future__ import annotations

import numpy as np


class KerasTensor:
    """A placeholder for the data that will flow along one edge of the graph.

    Attributes:
        shape: tuple with the batch axis first (``None`` when unknown), as Keras's ``KerasTensor.shape``.
        dtype: a dtype name ('float32').
        name: a readable name (the layer that made it).
        node: the :class:`Node` that produced it; ``index``: which of that node's outputs it is.
    """

    __array_priority__ = 100     # so that ``array + tensor`` reaches our error, not NumPy's

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = "string" if dtype == "string" else str(np.dtype(dtype))
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def layer(self):
        """The layer whose call produced this tensor (an ``InputLayer`` for ``Input``)."""
        return None if self.node is None else self.node.layer

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"KerasTensor {self.name!r} is symbolic (it holds no data): it only records a graph for "
            f"Model(inputs, outputs). Call layers on it, or use glassnet.ops functions; to compute "
            f"values, build the Model and call model.predict(x) or model(x)"
        )

    def __len__(self):
        raise TypeError(f"KerasTensor {self.name!r} is symbolic and has no length; its shape is {self.shape}")

    def __bool__(self):
        raise TypeError(f"KerasTensor {self.name!r} is symbolic and has no truth value")

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # Operators on symbolic tensors are glassnet.ops calls, each recorded as a graph node (an OpLayer).
    def __add__(self, other): return _ops().add(self, other)
    def __radd__(self, other): return _ops().add(other, self)
    def __sub__(self, other): return _ops().subtract(self, other)
    def __rsub__(self, other): return _ops().subtract(other, self)
    def __mul__(self, other): return _ops().multiply(self, other)
    def __rmul__(self, other): return _ops().multiply(other, self)
    def __truediv__(self, other): return _ops().divide(self, other)
    def __rtruediv__(self, other): return _ops().divide(other, self)
    def __pow__(self, other): return _ops().power(self, other)
    def __matmul__(self, other): return _ops().matmul(self, other)
    def __neg__(self): return _ops().negative(self)
    def __abs__(self): return _ops().absolute(self)
    def __getitem__(self, key): return _ops().getitem(self, key)


def _ops():
    from . import ops

    return ops


class Node:
    """One call of a layer inside a graph: ``outputs = layer(inputs)``.

    ``inputs`` is the flat list of input tensors; ``structure`` says how the layer received them
    ('single' for one tensor, 'list' for a list, as merging layers take).  ``outputs`` is the flat
    list of the tensors the call produced.
    """

    def __init__(self, layer, inputs, outputs, structure="single", kwargs=None):
        self.layer = layer
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.structure = structure
        self.kwargs = dict(kwargs or {})

    @property
    def parents(self) -> list:
        """The nodes that produced this node's inputs."""
        return [t.node for t in self.inputs if t.node is not None]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}: {[t.name for t in self.inputs]} -> {[t.name for t in self.outputs]}>"


def flatten(structure) -> list:
    """The leaves of a tensor, a list/tuple of tensors or a dict of tensors (dict in key order)."""
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def is_symbolic(structure) -> bool:
    """Does ``structure`` contain a KerasTensor?"""
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(structure))
