"""``Layer``: the building block of a network, with an explicit forward and backward pass.

A layer maps its input ``a_prev`` (the previous layer's activations, shape
``(n, ...)``) to an output, keeping what the backward pass needs.  ``backward``
receives dC/d(output) and returns dC/d(input), writing the gradient of every
weight into ``variable.grad`` on the way (the notes' BP1..BP4, see ``Dense``).
"""
from __future__ import annotations

import threading

import numpy as np

from .. import config
from .._registry import Registry, keras_snake_case, unique_name
from .._validation import check_positive_int
from .. import symbolic
from ..variables import Variable

LAYERS = Registry("layer", "keras.layers")

def set_kernel_bias_arguments(layer, activation, use_bias, kernel_initializer, bias_initializer,
                              kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                              bias_constraint) -> None:
    """Resolve and keep the arguments of a layer ``a = f(z)`` with a kernel and a bias (Dense, Conv):
    the activation, the initializers, regularizers and constraints (the inverse of
    :func:`kernel_bias_config`)."""
    from .. import activations, constraints, initializers, regularizers

    layer.activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.activity_regularizer = regularizers.get(activity_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_bias_config(layer) -> dict:
    """The config entries of a layer with a kernel and a bias (Dense, Conv): initializers, regularizers
    (the activity one too) and constraints, serialized as Keras writes them (None when not set)."""
    from .. import constraints, initializers, regularizers

    def ser(module, value):
        return module.serialize(value) if value is not None else None

    return {
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": ser(regularizers, layer.kernel_regularizer),
        "bias_regularizer": ser(regularizers, layer.bias_regularizer),
        "activity_regularizer": ser(regularizers, layer.activity_regularizer),
        "kernel_constraint": ser(constraints, layer.kernel_constraint),
        "bias_constraint": ser(constraints, layer.bias_constraint),
    }


def unique_variables(groups) -> list:
    """The variables of several lists, in order, each once (a shared layer's weights count once)."""
    seen, out = set(), []
    for group in groups:
        for v in group:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def _batch_shape(shape):
    """``(4,)`` -> ``(None, 4)``; a list of shapes -> a list of batch shapes (for messages)."""
    if isinstance(shape, list):
        return [_batch_shape(tuple(s)) for s in shape]
    return (None, *shape)


def normalize_shape(shape, name: str, where: str) -> tuple:
    """``4`` or ``(4,)`` or ``[None, 4]`` -> a tuple of positive ints / None."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{where}: {name} must be a tuple of integers, got {shape!r}") from None
    out = []
    for d in shape:
        if d is None:
            out.append(None)
        else:
            out.append(check_positive_int(d, f"every dimension of {name}", where))
    return tuple(out)


class Layer:
    """Base class of all layers.

    Subclasses implement ``build(input_shape)`` (create weights with
    :meth:`add_weight`), ``forward(x, training)``, ``backward(grad)`` and
    ``compute_output_shape(input_shape)``.  Shapes exclude the batch axis.
    """

    # ------------------------------------------------------- your own layers
    def __init_subclass__(cls, **kwargs):
        """A subclass that defines ``call`` (your own layer, or a built-in one with its call replaced) runs
        that ``call`` on the autodiff tape: forward records every ``glassnet.ops`` operation (and each
        built-in layer it calls, whose explicit backward pass is reused), backward replays them."""
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__ and not getattr(cls, "call_is_forward", False):
            import inspect as _inspect

            params = _inspect.signature(cls.__dict__["call"]).parameters
            cls._call_takes_training = "training" in params or any(
                p.kind is p.VAR_KEYWORD for p in params.values())
            if cls.forward is not _call_forward:
                cls._builtin_forward = cls.forward
                cls._builtin_backward = cls.backward
            cls.forward = _call_forward
            cls.backward = _call_backward
            if "compute_output_shape" not in cls.__dict__:
                cls.compute_output_shape = _inferred_output_shape
            cls.accumulates_gradients = True
            cls.__setattr__ = _tracking_setattr

    #: True for layers whose backward ADDS into ``var.grad`` (those that run ``call`` on the tape)
    accumulates_gradients = False

    @property
    def recorded_call(self):
        """For a layer that defines ``call``: the last training call, recorded on the autodiff tape
        (``.tape.trace()`` lists every operation with its output and, after backward, dC/d(output));
        None for built-in layers."""
        return self.__dict__.get("_recorded")

    def call(self, inputs, training=None):
        """The layer's computation.  A built-in layer's ``call`` is its explicit ``forward`` (so
        ``super().call(x)`` inside your override runs it, and its backward pass is reused)."""
        builtin = getattr(type(self), "_builtin_forward", type(self).forward)
        if builtin is _call_forward or builtin is Layer.forward:
            raise NotImplementedError(f"{type(self).__name__}: define call(self, inputs) for your layer")
        from .. import autodiff

        if training is None:
            training = getattr(_CALL_CONTEXT, "training", False)
        return autodiff.call_layer(_Builtin(self, builtin), inputs, training=bool(training))

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, **kwargs):
        where = type(self).__name__
        if kwargs:
            raise TypeError(f"{where}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string, got {type(name).__name__}")
        self.name = name or unique_name(keras_snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        # 'string': Keras's dtype for text inputs (Input((1,), dtype="string") before a StringLookup)
        self.dtype = "string" if dtype in ("string", str) else str(np.dtype(dtype)) if dtype is not None \
            else config.floatx()
        self._variables: list[Variable] = []
        self._sublayers: list = []
        self._inbound_nodes: list = []
        self.built = False
        self.input_shape = None   # without the batch axis
        self.output_shape = None
        # Keras accepts input_shape / input_dim on the first layer of a Sequential.
        declared = None
        if input_dim is not None:
            declared = (check_positive_int(input_dim, "input_dim", where),)
        if input_shape is not None:
            declared = normalize_shape(input_shape, "input_shape", where)
        if batch_input_shape is not None:
            declared = normalize_shape(batch_input_shape, "batch_input_shape", where)[1:]
        self._declared_input_shape = declared

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None) -> Variable:
        """Create a weight of ``shape`` drawn from ``initializer`` and register it (Keras 3's signature).

        ``initializer``, ``regularizer`` and ``constraint`` take names, configs or objects;
        ``initializer=None`` means 'glorot_uniform' (Keras's default for float weights).
        """
        from .. import initializers, regularizers

        where = f"{type(self).__name__} {self.name!r}: add_weight"
        shape = () if shape is None else shape
        try:
            shape = tuple(int(d) for d in shape)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: shape must be a tuple of integers, got {shape!r}") from None
        if any(d < 0 for d in shape):
            raise ValueError(f"{where}: shape must not have negative dimensions, got {shape}")
        try:
            init = initializers.get("glorot_uniform" if initializer is None else initializer)
            regularizer = regularizers.get(regularizer)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if constraint is not None:
            from .. import constraints

            constraint = constraints.get(constraint)
        dtype = str(np.dtype(dtype)) if dtype is not None else self.dtype
        name = name or f"variable_{len(self._variables)}"
        var = Variable(init(shape, dtype=dtype), name=name, trainable=trainable,
                       regularizer=regularizer, path=f"{self.name}/{name}", dtype=dtype)
        var.constraint = constraint
        self._variables.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        """This layer's variables, then those of the layers it tracks (Keras's order)."""
        if not self._sublayers:
            return list(self._variables)
        return unique_variables([self._variables] + [layer.weights for layer in self._sublayers])

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return unique_variables([[v for v in self._variables if v.trainable]]
                                + [layer.trainable_weights for layer in self._sublayers])

    @property
    def non_trainable_weights(self) -> list[Variable]:
        train = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in train]

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self.non_trainable_weights

    @property
    def losses(self) -> list[float]:
        """The weight regularization penalties of this layer (Keras's ``layer.losses``)."""
        return [float(v.regularizer(v.value)) for v in self._variables
                if v.regularizer is not None and v.trainable and self.trainable]

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights, in Keras's order (Dense: kernel, bias)."""
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays in :meth:`get_weights`'s order and shapes."""
        where = f"{type(self).__name__} {self.name!r}: set_weights"
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"{where}: weights must be a list of arrays, got {type(weights).__name__}")
        if len(weights) != len(self._variables):
            raise ValueError(
                f"{where}: expected {len(self._variables)} arrays "
                f"({', '.join(v.name for v in self._variables) or 'none'}), got {len(weights)}"
            )
        arrays = []
        for var, w in zip(self._variables, weights):
            w = np.asarray(w)
            if w.shape != var.shape:
                raise ValueError(
                    f"{where}: {var.name} must have shape {var.shape}, got {w.shape}"
                )
            arrays.append(w)
        for var, w in zip(self._variables, arrays):
            var.assign(w)

    def count_params(self) -> int:
        return int(sum(v.size for v in self._variables))

    # ------------------------------------------------------------- computation
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (no batch axis; a list of shapes for a layer
        that takes several inputs)."""
        self.input_shape = [tuple(s) for s in input_shape] if isinstance(input_shape, list) else tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """dC/d(output) -> dC/d(input); writes ``v.grad`` for this layer's weights."""
        raise NotImplementedError

    def __call__(self, inputs, training=None, **kwargs):
        """``layer(x)``: on arrays, run the layer (building it on first use), as Keras does eagerly;
        on symbolic tensors (``Input``), record a node of the functional graph and return its
        symbolic outputs."""
        if kwargs:
            raise TypeError(f"{type(self).__name__} {self.name!r}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))} in the call")
        if symbolic.is_symbolic(inputs):
            return self._call_symbolic(inputs)
        from .. import autodiff

        if training is None:                         # inherited from the enclosing call, as in Keras
            training = getattr(_CALL_CONTEXT, "training", False)
        if autodiff.active_tape() is not None:       # inside a custom call being differentiated
            if not self.built:
                self._build_for(self._shapes_of(inputs))
            return autodiff.call_layer(self, inputs, training=bool(training))
        x = self._convert_inputs(inputs)
        if not self.built:
            self._build_for(self._shapes_of(x))
        return autodiff.as_output(self.forward(x, training=bool(training)))

    def _build_for(self, shape) -> None:
        """Build on first use; a custom ``build`` need not call ``super().build`` (as in Keras)."""
        self.build(shape)
        if not self.built:
            self.input_shape = shape
            self.built = True

    def _convert_inputs(self, inputs):
        from .._validation import to_array

        where = f"{type(self).__name__} {self.name!r}"
        if isinstance(inputs, (list, tuple)) and inputs and not isinstance(inputs[0], (int, float)):
            return [to_array(x, f"inputs[{i}]", where, dtype=self.dtype, finite=False, allow_empty=True)
                    for i, x in enumerate(inputs)]
        return to_array(inputs, "inputs", where, dtype=self.dtype, finite=False, allow_empty=True)

    @staticmethod
    def _shapes_of(x):
        """Sample shapes (no batch axis) of an array or a list of arrays / symbolic tensors."""
        if isinstance(x, (list, tuple)):
            return [tuple(t.shape[1:]) for t in x]
        return tuple(x.shape[1:])

    # --------------------------------------------------------- functional graph
    def _call_symbolic(self, inputs):
        """Record ``outputs = self(inputs)`` as a :class:`~glassnet.symbolic.Node`; build on first call."""
        where = f"{type(self).__name__} {self.name!r}"
        leaves = symbolic.flatten(inputs)
        for leaf in leaves:
            if not isinstance(leaf, symbolic.KerasTensor):
                raise TypeError(f"{where}: every input in a functional call must be a symbolic tensor "
                                f"(from Input or another layer), got {type(leaf).__name__}")
        many = isinstance(inputs, (list, tuple))
        shapes = self._shapes_of(list(leaves)) if many else tuple(leaves[0].shape[1:])
        if not self.built:
            self._build_for(shapes)
        else:
            self.check_input_shape(shapes)
        return self._make_node(leaves, many, shapes)

    def _make_node(self, leaves, many, shapes):
        """The node for one call on symbolic tensors, and its symbolic outputs."""
        out_shapes = self.compute_output_shape(shapes)
        batch = leaves[0].shape[0]
        node = symbolic.Node(self, leaves, [], structure="list" if many else "single")
        multi_out = isinstance(out_shapes, list)
        out_list = out_shapes if multi_out else [out_shapes]
        outputs = [symbolic.KerasTensor((batch, *shape), dtype=self.dtype,
                                        name=self.name if len(out_list) == 1 else f"{self.name}_{i}",
                                        node=node, index=i)
                   for i, shape in enumerate(out_list)]
        node.outputs = outputs
        self._inbound_nodes.append(node)
        return outputs if multi_out else outputs[0]

    def check_input_shape(self, input_shape) -> None:
        """A built layer called again (weight sharing) must see the shape it was built for."""
        built_for = self.input_shape
        if built_for is None:
            return

        def same(a, b):
            return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))

        ok = (isinstance(built_for, list) and isinstance(input_shape, list) and len(built_for) == len(input_shape)
              and all(same(tuple(a), tuple(b)) for a, b in zip(built_for, input_shape))) or (
            not isinstance(built_for, list) and not isinstance(input_shape, list) and same(built_for, input_shape))
        if not ok:
            raise ValueError(f"{type(self).__name__} {self.name!r} was built for inputs of shape "
                             f"{_batch_shape(built_for)} and cannot be called on inputs of shape "
                             f"{_batch_shape(input_shape)}")

    @property
    def inbound_nodes(self) -> list:
        """The graph nodes that call this layer (one per call on symbolic tensors)."""
        return list(self._inbound_nodes)

    def _node_tensors(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on symbolic tensors and thus "
                                 f"has no defined {attr}")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name!r} has multiple inbound nodes (it is shared); its {attr} "
                                 f"is ambiguous: use layer.inbound_nodes[i]")
        tensors = getattr(self._inbound_nodes[0], "inputs" if attr == "input" else "outputs")
        return tensors[0] if len(tensors) == 1 else list(tensors)

    @property
    def input(self):
        """The symbolic input tensor(s) of this layer's (single) call in a functional graph."""
        return self._node_tensors("input")

    @property
    def output(self):
        """The symbolic output tensor(s) of this layer's (single) call in a functional graph."""
        return self._node_tensors("output")

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras", "class_name": "DTypePolicy",
                "config": {"name": self.dtype}, "registered_name": None,
            },
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        dtype = config.pop("dtype", None)
        if isinstance(dtype, dict):
            inner = dtype.get("config") or {}
            if not isinstance(inner, dict):
                raise ValueError(f"{cls.__name__}.from_config: dtype must be a dtype name or a DTypePolicy "
                                 f"config, got {dtype!r}")
            dtype = inner.get("name")
        if dtype is not None:
            config["dtype"] = dtype
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ----------------------------------------------------- layers that define call
#: The ``training`` flag of the custom call being run in this thread: layers called inside it without
#: ``training=`` inherit it (Keras's rule).
_CALL_CONTEXT = threading.local()


class _Builtin:
    """A layer seen through its built-in forward/backward (for ``super().call`` in an override)."""

    def __init__(self, layer, forward):
        object.__setattr__(self, "layer", layer)
        object.__setattr__(self, "_forward", forward)

    def forward(self, x, training=False):
        return self._forward(self.layer, x, training=training)

    def backward(self, grad):
        return type(self.layer)._builtin_backward(self.layer, grad)

    @property
    def weights(self):
        return self.layer._variables

    @property
    def name(self):
        return self.layer.name

    def __getattr__(self, item):
        return getattr(self.layer, item)


def _tracking_setattr(self, name, value):
    """Layers assigned as attributes of a layer or model that defines ``call`` (``self.dense = Dense(4)``) are
    tracked: their weights are the owner's too (as Keras tracks them)."""
    if "_sublayers" in self.__dict__ and name != "_owner":
        found = [value] if isinstance(value, Layer) else (
            list(value) if isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value)
            else [])
        for v in found:
            if v is not self and all(v is not l for l in self._sublayers):
                self._sublayers.append(v)
    object.__setattr__(self, name, value)


def _call_forward(self, x, training=False):
    """Run ``self.call`` on the tape when training (kept for backward), plainly in inference."""
    from .. import autodiff

    kwargs = {"training": bool(training)} if type(self)._call_takes_training else {}
    outer = getattr(_CALL_CONTEXT, "training", None)
    _CALL_CONTEXT.training = bool(training)
    try:
        if not training:
            self._recorded = None
            out = self.call(x, **kwargs)
            return autodiff.plain_output(out, f"{type(self).__name__} {self.name!r}")
        rec = autodiff.record_call(lambda inp: self.call(inp, **kwargs), x, variables=self.trainable_weights,
                                   name=f"{type(self).__name__} {self.name!r}.call")
    finally:
        _CALL_CONTEXT.training = outer
    self._recorded = rec
    return rec.output


def _call_backward(self, grad):
    """Replay the recorded call: dC/d(output) -> dC/d(input), adding every weight's gradient."""
    rec = self.__dict__.get("_recorded")
    if rec is None:
        raise RuntimeError(f"{type(self).__name__} {self.name!r}: backward without a forward pass in training")
    return rec.backward(grad)


def _inferred_output_shape(self, input_shape):
    """Run the layer once on zeros (one sample, inference mode) to see the shape of what it returns."""
    if isinstance(input_shape, list):
        x = [np.zeros((1, *(d or 1 for d in s)), dtype=self.dtype) for s in input_shape]
    else:
        x = np.zeros((1, *(d or 1 for d in input_shape)), dtype=self.dtype)
    with np.errstate(all="ignore"):       # zeros may meet log, division...: only the shape matters here
        out = self.forward(x, training=False)
    if isinstance(out, (list, tuple)):
        return [tuple(o.shape[1:]) for o in out]
    return tuple(np.shape(out)[1:])
