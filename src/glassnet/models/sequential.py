"""``Sequential``: a plain stack of layers, trained the Keras way.

A Sequential model is the functional graph ``Input -> layer_1 -> layer_2 -> ... -> layer_L`` built one
``add`` at a time (as Keras 3's Sequential builds a Functional).  Training is the shared engine of
``Model`` (``models/trainer.py``): one training step on a batch is the notes' backpropagation,
layer by layer::

    forward:   a_0 = x;  a_l = layer_l(a_{l-1})            (each layer keeps z, a)
    cost:      C = loss(y, a_L) + sum of regularization penalties
    output:    delta_L = dC/da_L ⊙ f'(z_L)    or, fused for softmax/sigmoid + cross-entropy,
               delta_L = (a_L - y) / n         (what Keras's TensorFlow backend computes too)
    backward:  each layer writes dC/dW = a_prev^T delta, dC/db = sum(delta) and hands
               delta W^T to the layer below
    update:    the optimizer updates the one flat parameter vector in place

The input shape may come from ``Input``, from ``input_dim=`` / ``input_shape=`` on the first layer,
or from the first data seen.
"""
from __future__ import annotations

from .. import config, symbolic
from ..layers.base import LAYERS, Layer
from ..layers.input import InputLayer
from .graph import Graph
from .model import Model
from .trainer import TrainingDivergedWarning  # noqa: F401  (re-exported: glassnet.models.sequential)


@LAYERS.register("Sequential")
class Sequential(Model):
    """A linear stack of layers with Keras's ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

    ``Sequential([Input((4,)), Dense(8, activation='relu'), Dense(3, activation='softmax')])``
    or build it with :meth:`add`.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        self._layers: list = []
        self._names: set = set()
        self._input_layer = None
        self._graph_cache = None
        self._output_tensor = None
        Model.__init__(self, name=name, trainable=trainable)
        if layers is not None:
            if isinstance(layers, (Layer, symbolic.KerasTensor)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    # The graph is made when first needed, so that adding n layers costs O(n), not O(n^2).
    @property
    def _graph(self):
        if self._graph_cache is None and self._output_tensor is not None:
            self._graph_cache = Graph([self._input_layer.output], [self._output_tensor])
        return self._graph_cache

    @_graph.setter
    def _graph(self, value):
        self._graph_cache = value

    # ------------------------------------------------------------------ layers
    @property
    def layers(self) -> list:
        """The layers of the stack (without the input layer, as in Keras)."""
        return list(self._layers)

    @property
    def output_names(self) -> list:
        return [self._layers[-1].name] if self._layers else ["output"]

    @property
    def input_shape(self):
        return None if self._input_layer is None else (None,) + tuple(self._input_layer.shape)

    @input_shape.setter
    def input_shape(self, value):
        pass

    @property
    def output_shape(self):
        if not self.built:
            return None
        return tuple(self._output_tensor.shape)

    @output_shape.setter
    def output_shape(self, value):
        pass

    def _input_shape(self):
        return None if self._input_layer is None else self._input_layer.shape

    def add(self, layer) -> None:
        """Append a layer.  An ``Input`` first, or ``input_dim=`` on the first layer, builds as you go."""
        if isinstance(layer, symbolic.KerasTensor) and isinstance(layer.layer, InputLayer):
            layer = layer.layer
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("Sequential.add: an Input may only be the first item of the model")
            self._input_layer = layer
            return
        if isinstance(layer, Sequential) and not layer.built:
            for inner in layer.layers:
                self.add(inner)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: expected a glassnet layer (e.g. Dense), got {type(layer).__name__} {layer!r}"
            )
        if layer.name in self._names:
            raise ValueError(f"Sequential.add: a layer named {layer.name!r} is already in the model; "
                             f"layer names must be unique")
        if not self._layers and self._input_layer is None and getattr(layer, "_declared_input_shape", None):
            self._input_layer = InputLayer(shape=layer._declared_input_shape)
        self._layers.append(layer)
        self._names.add(layer.name)
        if self._output_tensor is not None:              # built: extend the chain by one node
            self._call_layer(layer, self._output_tensor)
            self._graph_cache = None
            self._pack_signature = None
        elif self._input_layer is not None:
            self._build_from(self._input_layer.shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise ValueError("Sequential.pop: there are no layers to remove")
        layer = self._layers.pop()
        self._names.discard(layer.name)
        self._output_tensor = None
        self._graph_cache = None
        self._pack_signature = None
        self.built = False
        if self._layers and self._input_layer is not None:
            self._build_from(self._input_layer.shape)
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of ``input_shape`` (with or without the batch axis ``None``)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("Sequential.build: input_shape is required when the model has no Input")
            input_shape = self._input_layer.shape
        else:
            input_shape = tuple(input_shape)
            if input_shape and input_shape[0] is None:
                input_shape = input_shape[1:]
        self._build_from(input_shape)

    def _call_layer(self, layer, tensor):
        try:
            out = layer(tensor)
        except ValueError as exc:
            if layer.built and layer.input_shape is not None and "cannot be called" in str(exc):
                raise ValueError(
                    f"Sequential: layer {layer.name!r} was built for inputs of shape {layer.input_shape}, "
                    f"but receives {tuple(tensor.shape[1:])}"
                ) from None
            raise
        if isinstance(out, list):
            raise ValueError(f"Sequential: layer {layer.name!r} has several outputs; a Sequential model needs "
                             f"layers with one output each (use the functional API)")
        self._output_tensor = out
        return out

    def _build_from(self, sample_shape) -> None:
        if self._input_layer is None:
            self._input_layer = InputLayer(shape=sample_shape)
        elif tuple(self._input_layer.shape) != tuple(sample_shape):
            self._input_layer = InputLayer(shape=sample_shape)
        if not self._layers:
            return
        x = self._input_layer.output
        self._output_tensor = None
        for layer in self._layers:
            x = self._call_layer(layer, x)
        self._graph_cache = None
        self.built = True
        self._pack_signature = None
        self._pack()

    def _ensure_packed(self) -> None:
        if self._output_tensor is not None and not self.built:
            self.built = True
        super()._ensure_packed()

    # -------------------------------------------------------------------- data
    def _prepare_inputs(self, x, where):
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers; add some with model.add(...)")
        if not self.built:
            from .model import _as_input

            expected = None if self._input_layer is None else tuple(self._input_layer.shape)
            x = _as_input(x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x, "x", where, expected,
                          getattr(self._layers[0], "accepts_strings", False))
            self._build_from(x.shape[1:])
            return x
        return super()._prepare_inputs(x, where)

    def _require_built(self, where: str) -> None:
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers; add some with model.add(...)")
        self._ensure_packed()
        super()._require_built(where)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        layers = []
        if self._input_layer is not None:
            layers.append(LAYERS.serialize(self._input_layer))
        for layer in self._layers:
            entry = LAYERS.serialize(layer)
            if layer.built and not isinstance(layer, Model):
                entry["build_config"] = {"input_shape": [None, *layer.input_shape]}
            layers.append(entry)
        cfg = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": config.floatx()},
                      "registered_name": None},
            "layers": layers,
        }
        if self._input_layer is not None:
            cfg["build_input_shape"] = [None, *self._input_layer.shape]
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        if not isinstance(config, dict) or "layers" not in config:
            raise ValueError(f"Sequential.from_config: expected a dict with 'layers', got {config!r}"[:300])
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            model.add(LAYERS.deserialize(entry))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, {len(self._layers)} layers, built={self.built}>"
