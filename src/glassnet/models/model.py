"""``Model``: the one engine under every model kind (Keras 3's ``keras.Model``).

- ``Model(inputs, outputs)`` builds a :class:`~glassnet.models.functional.Functional` model (a graph of
  layer calls); ``Sequential`` is a Functional model built one ``add`` at a time.
- ``class MyModel(Model)`` with layers as attributes and ``call(self, inputs, training=None)``
  is a subclassed model.

A model is also a layer: it can be called inside another model.  Every weight of a model lives in one
contiguous float32 vector ``model.params`` (trainable ones first; gradients in ``model.grads``); each
layer's kernel and bias are views into it, so the optimizer updates the whole model in one pass.
Which weights train is decided when the model is compiled (Keras's rule for ``trainable``).
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import config
from .. import random as gn_random
from .._registry import snake_case
from .._registry import unique_name
from ..layers.base import LAYERS, Layer, unique_variables
from ..variables import pack
from . import compiled as compiled_module, data as data_utils
from .trainer import Trainer


class Model(Trainer, Layer):
    """Keras's ``Model``: ``Model(inputs, outputs, name=None)`` or a subclass with ``call``.

    Training: :meth:`compile`, :meth:`fit`, :meth:`evaluate`, :meth:`predict` and the batch methods
    (see ``models/trainer.py``, where the training step lives).
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, name=None, trainable=True, dtype=None, **kwargs):
        if args or kwargs:
            raise TypeError(f"Model: unexpected argument(s) {list(args) + sorted(kwargs)}; use "
                            f"Model(inputs, outputs, name=None) or subclass Model")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got {type(name).__name__}")
        Layer.__init__(self, name=name or unique_name(self._default_name()), trainable=trainable, dtype=dtype)
        self.optimizer = None
        self.loss = None
        self.loss_weights = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compiled_loss = None
        self._compiled_metrics = None
        self._loss_tracker = compiled_module.LossTracker()
        self._pack_signature = None
        self._params = self._grads = None
        self._segments = []
        self._train_segments = []
        self._trainable_params = self._trainable_grads = None
        self._regularized = []
        self._activity_regularized = []
        self._generator = gn_random.make_generator()
        self._graph = None

    def _default_name(self) -> str:
        return snake_case(type(self).__name__)

    # ------------------------------------------------------------------ layers
    @property
    def layers(self) -> list:
        """The model's layers in Keras's order (a Functional model lists its InputLayers too; a subclassed
        model, the layers assigned to its attributes)."""
        if self._is_subclassed():
            return list(self._sublayers)
        return [] if self._graph is None else list(self._graph.layers)

    def _is_subclassed(self) -> bool:
        return getattr(type(self), "_call_takes_training", None) is not None

    def _weighted_layers(self) -> list:
        return [layer for layer in self.layers if layer.weights]

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` in :attr:`layers`."""
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index must be an integer in [{-len(layers)}, {len(layers)}), "
                                 f"got {index!r}")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are "
                         f"{', '.join(l.name for l in layers)}")

    @property
    def inputs(self) -> list:
        return [] if self._graph is None else list(self._graph.inputs)

    @property
    def outputs(self) -> list:
        return [] if self._graph is None else list(self._graph.outputs)

    @property
    def output_names(self) -> list:
        return [t.node.layer.name for t in self._graph.outputs] if self._graph is not None else ["output"]

    @property
    def input_names(self) -> list:
        return [t.node.layer.name for t in self._graph.inputs] if self._graph is not None else []

    @property
    def input_shape(self):
        if self._graph is None:
            return None
        shapes = [tuple(t.shape) for t in self._graph.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if self._graph is None or not self.built:
            return None
        shapes = [tuple(t.shape) for t in self._graph.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @input_shape.setter
    def input_shape(self, value):    # Layer.__init__ assigns it; a model's comes from its graph
        pass

    @output_shape.setter
    def output_shape(self, value):
        pass

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A subclassed model from its ``get_config()`` (Keras's default: the constructor's arguments)."""
        config = dict(config or {})
        config.pop("dtype", None)
        return cls(**config)

    def is_graph_network(self) -> bool:
        """Is this a functional graph (its summary shows what each layer is connected to)?"""
        return False

    def graph_nodes(self) -> list:
        """The nodes (layer calls) of the model's graph, inputs included."""
        if self._graph is None:
            return []
        return [t.node for t in self._graph.inputs] + [st.node for st in self._graph.steps]

    def _output_sample_shapes(self) -> list:
        return [tuple(t.shape[1:]) for t in self._graph.outputs]

    def compute_output_shape(self, input_shape):
        shapes = self._output_sample_shapes()
        return shapes[0] if len(shapes) == 1 else shapes

    # -------------------------------------------------------------- trainable
    @property
    def trainable(self) -> bool:
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value) -> None:
        """``model.trainable = False`` freezes every layer (takes effect at the next compile)."""
        self.__dict__["_trainable"] = bool(value)
        try:
            layers = self.layers
        except AttributeError:          # still in __init__: no layers yet
            layers = []
        for layer in layers:
            layer.trainable = bool(value)

    # ----------------------------------------------------------------- weights
    @property
    def weights(self):
        return unique_variables(layer.weights for layer in self.layers)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return unique_variables(layer.trainable_weights for layer in self.layers)

    @property
    def non_trainable_weights(self):
        train = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in train]

    @property
    def variables(self):
        return self.weights

    @property
    def losses(self) -> list:
        """The regularization penalties of every layer (Keras's ``model.losses``)."""
        return [p for layer in self.layers for p in layer.losses]

    def get_weights(self) -> list:
        """Copies of all weights, layer by layer, in Keras's order and shapes."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set all weights from a list in :meth:`get_weights`'s order (errors name the layer)."""
        self._require_built("set_weights")
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights: weights must be a list of arrays, got {type(weights).__name__}")
        owners = [(layer, var) for layer in self._weighted_layers() for var in layer.weights]
        seen, unique = set(), []
        for layer, var in owners:
            if id(var) not in seen:
                seen.add(id(var))
                unique.append((layer, var))
        if len(weights) != len(unique):
            raise ValueError(
                f"set_weights: the model has {len(unique)} weight arrays "
                f"({', '.join(v.path for _, v in unique)}), got {len(weights)}"
            )
        arrays = []
        for i, ((layer, var), w) in enumerate(zip(unique, weights)):   # check every one first
            try:
                w = np.asarray(w)
            except ValueError:
                w = None            # a ragged list
            if w is None or w.dtype.kind not in "biuf":
                raise TypeError(
                    f"set_weights: layer {layer.name!r} {var.name} (weights[{i}]) must be an array of real "
                    f"numbers, got {'a ragged list' if w is None else f'dtype {w.dtype}'}"
                )
            if w.shape != var.shape:
                raise ValueError(
                    f"set_weights: layer {layer.name!r} {var.name} must have shape {var.shape}, got {w.shape}"
                )
            arrays.append(w)
        for (_, var), w in zip(unique, arrays):
            var.assign(w)

    def count_params(self) -> int:
        self._require_built("count_params")
        return int(sum(v.size for v in self.weights))

    def _require_built(self, where: str) -> None:
        if not self.built:
            raise ValueError(
                f"{where}: the model is not built yet; give the first layer input_dim=/input_shape=, "
                f"start with Input(shape=...), call model.build((None, n_features)), or fit it on data first"
            )

    # ----------------------------------------------------------- flat weights
    def _pack(self, dtype=None) -> None:
        """Put every variable into one flat vector (trainable ones first) and note the segments."""
        trainable = self.trainable_weights
        train_ids = {id(v) for v in trainable}
        variables = trainable + [v for v in self.weights if id(v) not in train_ids]
        signature = tuple((id(v), id(v) in train_ids) for v in variables)
        self._regularized = [v for v in trainable if v.regularizer is not None]
        self._activity_regularized = [l for l in self.layers if getattr(l, "activity_regularizer", None) is not None]
        # the variables' own float type (a model built inside floatx_scope('float64') stays float64)
        dtype = np.dtype(dtype or (variables[0].dtype if variables else config.floatx()))
        if signature == self._pack_signature and self._pack_is_current() and self._params.dtype == dtype:
            return
        self._params, self._grads, self._segments = pack(variables, dtype=dtype)
        params = self._params
        self._train_segments = self._segments[:len(trainable)]
        n_trainable_values = sum(v.size for v, _ in self._train_segments)
        self._trainable_params = params[:n_trainable_values]
        self._trainable_grads = self._grads[:n_trainable_values]
        self._pack_signature = signature
        self._plan(train_ids, need_input_grads=False)

    def _plan(self, train_ids, need_input_grads) -> None:
        """Which nodes run backward (those with trained weights at or below them)."""
        if self._graph is None:
            return
        for layer in self.layers:
            if isinstance(layer, Model) and layer._graph is not None:
                layer._plan(train_ids, need_input_grads=True)
        self._graph.plan_backward(lambda layer: any(id(v) in train_ids for v in layer.weights), need_input_grads)
        self._planned_as_layer = need_input_grads

    @property
    def params(self):
        """All weights as one flat vector (trainable ones first); each layer's weights are views of it."""
        self._ensure_packed()
        return self._params

    @property
    def grads(self):
        """The gradients dC/d(params) of the last backward pass, as one flat vector."""
        self._ensure_packed()
        return self._grads

    @contextlib.contextmanager
    def precision(self, dtype):
        """Inside the block every weight of the model is a float ``dtype`` (e.g. 'float64' for a gradient
        check); afterwards the weights are exactly what they were, in floatx again."""
        self._ensure_packed()
        saved = [v.numpy() for v, _ in self._segments]
        own = self._params.dtype
        self._pack(dtype=dtype)
        try:
            yield self
        finally:
            self._pack(dtype=own)
            for (v, _), value in zip(self._segments, saved):
                v.value[...] = value

    def _pack_is_current(self) -> bool:
        """False when another model has since packed these variables into its own vector."""
        return not self._segments or self._segments[0][0].value.base is self._params

    def _ensure_packed(self) -> None:
        if self.built and (self._pack_signature is None or not self._pack_is_current()):
            self._pack()

    def _freeze_trainable(self) -> None:
        """compile(): the trainable flags as they are now decide what trains."""
        if self.built:
            self._pack()

    def trainable_segments_variables(self) -> list:
        """The variables the optimizer updates, in the flat vector's order (fixed at compile)."""
        return [v for v, _ in self._train_segments]

    # ----------------------------------------------------- forward / backward
    def _input_list(self, x) -> list:
        return x if isinstance(x, list) else [x]

    def forward(self, x, training=False):
        """The model's outputs for inputs ``x`` (an array, or a list for several inputs)."""
        outputs, _ = self._graph.forward(self._input_list(x), training=bool(training))
        return outputs if len(outputs) > 1 else outputs[0]

    def backward(self, grad):
        """dC/d(outputs) -> dC/d(inputs) when this model is used as a layer inside another."""
        if not getattr(self, "_planned_as_layer", False):
            self._plan({id(v) for v in self.trainable_weights}, need_input_grads=True)
        grads = grad if isinstance(grad, list) else [grad]
        gin = self._graph.backward(grads, need_input_grads=True)
        return gin if len(gin) > 1 else gin[0]

    def __call__(self, inputs, training=None, **kwargs):
        """``model(x)``: outputs for arrays (inference unless ``training=True``), or a graph node on
        symbolic tensors (a model used as a layer)."""
        from .. import symbolic

        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
        if symbolic.is_symbolic(inputs):
            if not self.built:
                raise ValueError(f"Model {self.name!r} must be built (have an input shape) before it is "
                                 f"called on symbolic tensors")
            return self._call_symbolic(inputs)
        from .. import autodiff

        if autodiff.active_tape() is not None:        # called inside another custom call
            return Layer.__call__(self, inputs, training=training)
        x = self._prepare_inputs(inputs, type(self).__name__)
        return autodiff.as_output(self.forward(x, training=bool(training)))

    def build(self, input_shape=None) -> None:
        """A Functional model is built by construction; a subclassed one is built for ``input_shape``
        (a shape without the batch axis, or a list of them) by running ``call`` once."""
        if self._is_subclassed() and self._graph is None and input_shape is not None:
            from ..layers.input import InputLayer

            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            shapes = [tuple(s)[1:] if len(s) and s[0] is None else tuple(s) for s in shapes]
            tensors = [InputLayer(shape=s).output for s in shapes]
            many = isinstance(input_shape, list)
            out = self._make_node(tensors, many, shapes if many else shapes[0])
            from .graph import Graph

            self._graph = Graph(tensors, out if isinstance(out, list) else [out])
        if self._graph is not None:
            self.built = True
            self._pack()

    def check_input_shape(self, input_shape) -> None:
        expected = [tuple(t.shape[1:]) for t in self._graph.inputs]
        got = input_shape if isinstance(input_shape, list) else [input_shape]
        if len(got) != len(expected) or any(
                len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b))
                for a, b in zip(got, expected)):
            raise ValueError(f"Model {self.name!r} expects inputs of shape "
                             f"{[(None, *e) for e in expected]}, got {[(None, *g) for g in got]}")

    # -------------------------------------------------------------------- data
    def _prepare_inputs(self, x, where):
        """Check and convert the inputs: an array for one input, a list (or dict by input name) for several."""
        if self._graph is None and self._is_subclassed():
            if isinstance(x, (list, tuple)) and x and np.ndim(x[0]) >= 1 and not np.isscalar(x[0]):
                arrays = [data_utils.as_inputs(v, f"x[{i}]", where) for i, v in enumerate(x)]
                self.build([a.shape[1:] for a in arrays])
                return arrays
            x = data_utils.as_inputs(x, "x", where)
            self.build(x.shape[1:])
            return x
        if self._graph is None:
            raise ValueError(f"{where}: the model has no inputs yet")
        inputs = self._graph.inputs
        if len(inputs) == 1:
            if isinstance(x, dict) and list(x) == self.input_names:
                x = x[self.input_names[0]]
            elif isinstance(x, (list, tuple)) and len(x) == 1 and np.ndim(x[0]) >= 1 and not np.isscalar(x[0]):
                x = x[0]
            return _as_input(x, "x", where, tuple(inputs[0].shape[1:]), self._takes_strings(0))
        names = self.input_names
        if isinstance(x, dict):
            unknown = [k for k in x if k not in names]
            missing = [k for k in names if k not in x]
            if unknown or missing:
                raise ValueError(f"{where}: x is a dict whose keys must be the model's input names {names}; "
                                 + (f"unknown {unknown}" if unknown else f"missing {missing}"))
            xs = [x[k] for k in names]
        elif isinstance(x, (list, tuple)) and len(x) == len(inputs):
            xs = list(x)
        else:
            got = f"a list of {len(x)}" if isinstance(x, (list, tuple)) else type(x).__name__
            raise ValueError(f"{where}: the model has {len(inputs)} inputs {names}; x must be a list of "
                             f"{len(inputs)} arrays or a dict keyed by input name, got {got}")
        arrays = [_as_input(xi, f"x[{names[i]!r}]", where, tuple(inputs[i].shape[1:]), self._takes_strings(i))
                  for i, xi in enumerate(xs)]
        n = arrays[0].shape[0]
        for i, a in enumerate(arrays[1:], 1):
            if a.shape[0] != n:
                raise ValueError(f"{where}: every input must have the same number of samples; x[{names[0]!r}] "
                                 f"has {n} and x[{names[i]!r}] has {a.shape[0]}")
        return arrays

    def _takes_strings(self, i: int) -> bool:
        """Does input ``i`` feed only layers that take text (StringLookup, Hashing)? Then strings pass as they are."""
        t = self._graph.inputs[i]
        consumers = [n.layer for n in self.graph_nodes() if any(u is t for u in n.inputs)]
        return bool(consumers) and all(getattr(layer, "accepts_strings", False) for layer in consumers)

    # ------------------------------------------------------------ randomness
    def _random_layers(self) -> list:
        out = []
        for layer in self.layers:
            if isinstance(layer, Model):
                out += layer._random_layers()
            elif getattr(layer, "generator", None) is not None:
                out.append(layer)
        return out

    def get_rng_state(self) -> dict:
        """The state of every random generator the model uses (shuffling, each Dropout), JSON-able.

        Saved in checkpoints so that a resumed run draws the same batches and masks as an
        uninterrupted one.
        """
        state = {"shuffle": self._generator.bit_generator.state}
        for layer in self._random_layers():
            state[f"layer/{layer.name}"] = layer.generator.bit_generator.state
        return state

    def set_rng_state(self, state: dict) -> None:
        """Restore :meth:`get_rng_state`'s result (layers matched by name)."""
        if not isinstance(state, dict):
            raise TypeError(f"set_rng_state: state must be a dict, got {type(state).__name__}")
        pairs = [("shuffle", self._generator)] if "shuffle" in state else []
        pairs += [(f"layer/{l.name}", l.generator) for l in self._random_layers() if f"layer/{l.name}" in state]
        for key, gen in pairs:       # check every entry on a scratch generator first: all or nothing
            try:
                type(gen.bit_generator)().state = state[key]
            except (TypeError, ValueError, KeyError, OverflowError) as exc:
                raise ValueError(f"set_rng_state: state[{key!r}] is not a valid "
                                 f"{type(gen.bit_generator).__name__} state ({type(exc).__name__}: {exc})") from None
        for key, gen in pairs:
            gen.bit_generator.state = state[key]

    # ----------------------------------------------------------------- summary
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: each layer, its output shape and parameter count, then totals."""
        from ._summary import summary_lines

        print_fn = print_fn or print
        for line in summary_lines(self, line_length=line_length, show_trainable=show_trainable):
            print_fn(line)

    # ------------------------------------------------------------- persistence
    def save(self, filepath, overwrite=True, **kwargs):
        """Save the whole model: ``.keras`` (Keras 3's zip) or ``.h5`` (Keras's legacy HDF5), atomically."""
        from .. import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights only, to a ``.weights.h5`` file (Keras 3's layout)."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights saved by :meth:`save_weights` (or a ``.keras`` / ``.h5`` file)."""
        from .. import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras's JSON (``model_from_json`` rebuilds it)."""
        from .. import saving

        return saving.to_json(self, **kwargs)

    def get_compile_config(self):
        """What ``compile`` was given, serialized as Keras writes it (None before compile)."""
        if not self.compiled:
            return None
        from .. import saving

        return saving.compile_config(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, {len(self.layers)} layers, built={self.built}>"


def _as_input(x, name, where, expected, strings=False):
    """One input array; a 1-D array for an input of shape (1,) gets its feature axis (as Keras 3).
    With ``strings`` (the input feeds a StringLookup or Hashing), text arrays are kept as they are."""
    if strings and not isinstance(x, np.memmap):
        arr = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)
        if arr.dtype.kind in "OUS":
            return arr.reshape(-1, 1) if arr.ndim == 1 and expected == (1,) else arr
    if expected == (1,) and not isinstance(x, np.memmap):
        arr = np.asarray(x) if not hasattr(x, "to_numpy") else x.to_numpy()
        if arr.ndim == 1:
            x = arr.reshape(-1, 1)
    return data_utils.as_inputs(x, name, where, expected)


LAYERS.register("Model")(Model)
