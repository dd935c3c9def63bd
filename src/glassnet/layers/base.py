"""``Layer``: the building block of a network, with an explicit forward and backward pass.

A layer maps its input ``a_prev`` (the previous layer's activations, shape
``(n, ...)``) to an output, keeping what the backward pass needs.  ``backward``
receives dC/d(output) and returns dC/d(input), writing the gradient of every
weight into ``variable.grad`` on the way (the notes' BP1..BP4, see ``Dense``).
"""
from __future__ import annotations

import numpy as np

from .. import config
from .._registry import Registry, snake_case
from .._validation import check_positive_int
from ..variables import Variable

LAYERS = Registry("layer", "keras.layers")

_NAME_COUNTS: dict[str, int] = {}


def unique_name(prefix: str) -> str:
    """``dense``, ``dense_1``, ``dense_2``, ... as Keras numbers layers of one class."""
    n = _NAME_COUNTS.get(prefix, 0)
    _NAME_COUNTS[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset_uids() -> None:
    """Restart layer numbering (as ``keras.backend.clear_session`` does)."""
    _NAME_COUNTS.clear()


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

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, **kwargs):
        where = type(self).__name__
        if kwargs:
            raise TypeError(f"{where}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string, got {type(name).__name__}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype = str(np.dtype(dtype)) if dtype is not None else config.floatx()
        self._variables: list[Variable] = []
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
    def add_weight(self, shape, initializer, name: str, regularizer=None, trainable=True) -> Variable:
        """Create a weight of ``shape`` drawn from ``initializer`` and register it."""
        value = initializer(tuple(shape), dtype=self.dtype)
        var = Variable(value, name=name, trainable=trainable and self.trainable,
                       regularizer=regularizer, path=f"{self.name}/{name}", dtype=self.dtype)
        self._variables.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        return list(self._variables)

    @property
    def trainable_weights(self) -> list[Variable]:
        return [v for v in self._variables if v.trainable and self.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [v for v in self._variables if not (v.trainable and self.trainable)]

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
        """Create the weights for inputs of ``input_shape`` (no batch axis)."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """dC/d(output) -> dC/d(input); writes ``v.grad`` for this layer's weights."""
        raise NotImplementedError

    def __call__(self, x, training: bool = False):
        """Run the layer on data (builds it on first use), as ``layer(x)`` does in Keras."""
        from .._validation import to_array

        x = to_array(x, "inputs", f"{type(self).__name__} {self.name!r}", dtype=self.dtype,
                     finite=False, allow_empty=True)
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training=training)

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
