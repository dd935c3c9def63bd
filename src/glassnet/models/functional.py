"""``Functional``: the model that ``Model(inputs, outputs)`` builds from a graph of layer calls.

::

    wide = Input((8,), name="wide");  deep = Input((4,), name="deep")
    h = Dense(16, activation="relu")(deep)
    y = Dense(1)(Concatenate()([wide, h]))
    model = Model([wide, deep], y)

Training runs the graph's nodes forward in topological order and backward in reverse (see
``models/graph.py``); everything else (compile, fit, ...) is the shared engine of ``Model``.
The config is Keras 3's: each layer with its ``inbound_nodes`` (the symbolic tensors it was called
on, as ``[layer name, node index, tensor index]``), plus ``input_layers`` and ``output_layers``.
"""
from __future__ import annotations

from ..layers.base import LAYERS
from .graph import Graph, flatten_tensors
from .model import Model


@LAYERS.register("Functional")
class Functional(Model):
    """A model defined by its input and output tensors (one or several, as a tensor, list or dict)."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=True, **kwargs)
        self._init_graph(inputs, outputs)
        if not trainable:
            self.trainable = False

    def _default_name(self) -> str:
        return "functional"

    def _init_graph(self, inputs, outputs) -> None:
        self._input_struct = inputs
        self._output_struct = outputs
        ins = flatten_tensors(inputs, "inputs")
        outs = flatten_tensors(outputs, "outputs")
        if not ins or not outs:
            raise ValueError(f"Model: inputs and outputs must each hold at least one tensor, got "
                             f"{len(ins)} inputs and {len(outs)} outputs")
        self._graph = Graph(ins, outs)
        names = {}
        for layer in self._graph.layers:
            if layer.name in names and names[layer.name] is not layer:
                raise ValueError(f"Model: two layers are named {layer.name!r}; layer names must be unique in a "
                                 f"model (pass name=... to one of them)")
            names[layer.name] = layer
        self.built = True
        self._pack()

    def is_graph_network(self) -> bool:
        return True

    @property
    def output_names(self) -> list:
        if isinstance(self._output_struct, dict):
            return list(self._output_struct)
        return super().output_names

    @property
    def input_names(self) -> list:
        if isinstance(self._input_struct, dict):
            return list(self._input_struct)
        return super().input_names

    def forward(self, x, training=False):
        outputs, _ = self._graph.forward(self._input_list(x), training=bool(training))
        if isinstance(self._output_struct, dict):
            return dict(zip(self._output_struct, outputs))
        return outputs if len(outputs) > 1 else outputs[0]

    # ------------------------------------------------------------------ config
    def _node_index(self, node) -> int:
        """The index of ``node`` among its layer's calls inside this model (Keras's node index)."""
        own = [n for n in node.layer.inbound_nodes if id(n) in self._node_ids]
        return own.index(node)

    def get_config(self) -> dict:
        self._node_ids = {id(st.node) for st in self._graph.steps} | {id(t.node) for t in self._graph.inputs}

        def tensor_ref(t):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(t.shape), "dtype": t.dtype,
                               "keras_history": [t.node.layer.name, self._node_index(t.node), t.index]}}

        layers = []
        for layer in self._graph.layers:
            entry = LAYERS.serialize(layer)
            if layer.built and type(layer).__name__ != "InputLayer" and not isinstance(layer, Model):
                shape = layer.input_shape
                entry["build_config"] = {"input_shape": [[None, *s] for s in shape] if isinstance(shape, list)
                                         else [None, *shape]}
            if type(layer).__name__ == "Functional":     # where Keras 3 looks for a nested functional model
                entry["module"], entry["registered_name"] = "keras.src.models.functional", "Functional"
            entry["name"] = layer.name
            nodes = []
            for node in layer.inbound_nodes:
                if id(node) not in self._node_ids or not node.inputs:
                    continue
                refs = [tensor_ref(t) for t in node.inputs]
                nodes.append({"args": [refs] if node.structure == "list" else refs, "kwargs": {}})
            entry["inbound_nodes"] = nodes
            layers.append(entry)

        def ref(t):
            return [t.node.layer.name, self._node_index(t.node), t.index]

        def struct(s):
            if isinstance(s, dict):
                return {k: ref(v) for k, v in s.items()}
            if isinstance(s, (list, tuple)):
                return [ref(t) for t in s]
            return ref(s)

        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": struct(self._input_struct), "output_layers": struct(self._output_struct)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild the graph: create each layer, then replay its calls in the file's order."""
        return functional_from_config(config, cls, custom_objects)


def functional_from_config(config, cls=Functional, custom_objects=None, deserialize=None):
    """Keras 3's functional config -> a model.  ``deserialize(entry, index)`` builds one layer (the saving
    module passes its whitelisting deserializer); by default the layer registry is used."""
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError("Functional.from_config: expected a dict with a 'layers' list")
    deserialize = deserialize or (lambda entry, i: LAYERS.deserialize(
        {k: entry[k] for k in ("module", "class_name", "config", "registered_name") if k in entry}))
    created, pending = {}, []
    for i, entry in enumerate(config["layers"]):
        if not isinstance(entry, dict):
            raise ValueError(f"layer #{i} of the config is not an object")
        layer = deserialize(entry, i)
        name = entry.get("name") or layer.name
        if name in created:
            raise ValueError(f"two layers are named {name!r} in the config")
        created[name] = layer
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f"layer {name!r}: inbound_nodes must be a list")
        pending.append((name, layer, nodes))
    outputs_of = {name: [] for name in created}      # layer name -> list of its nodes' output tensors
    for name, layer in created.items():
        if type(layer).__name__ == "InputLayer":
            outputs_of[name].append([layer.output])
    # Replay the calls; a call waits until the tensors it needs exist (bounded: one pass per layer).
    remaining = [(name, layer, n) for name, layer, nodes in pending for n in nodes]
    for _ in range(len(remaining) + 1):
        if not remaining:
            break
        progress = []
        for item in remaining:
            name, layer, node = item
            args = _resolve_args(node, outputs_of)
            if args is None:
                progress.append(item)
                continue
            out = layer(args)
            outputs_of[name].append(out if isinstance(out, list) else [out])
        if len(progress) == len(remaining):
            raise ValueError(f"cannot rebuild the graph: layer {remaining[0][0]!r} is called on tensors that no "
                             f"layer produces")
        remaining = progress

    def lookup(ref):
        if not (isinstance(ref, (list, tuple)) and len(ref) == 3):
            raise ValueError(f"bad tensor reference {ref!r}")
        lname, node_index, tensor_index = ref
        try:
            return outputs_of[lname][node_index][tensor_index]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"the config refers to tensor {ref!r}, which the layers do not produce") from None

    def struct(s):
        if isinstance(s, dict):
            return {k: lookup(v) for k, v in s.items()}
        if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple)):
            return [lookup(v) for v in s]
        return lookup(s)

    inputs = struct(config.get("input_layers"))
    outputs = struct(config.get("output_layers"))
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _resolve_args(node, outputs_of):
    """A node's arguments with each ``__keras_tensor__`` reference replaced by the tensor (None while missing)."""
    if not isinstance(node, dict):
        raise ValueError(f"an inbound node must be an object with 'args', got {str(node)[:100]}")
    args = node.get("args") or []
    if not isinstance(args, list) or len(args) != 1:
        raise ValueError(f"an inbound node must have exactly one positional argument, got {str(args)[:100]}")

    def resolve(item):
        if isinstance(item, list):
            got = [resolve(i) for i in item]
            return None if any(g is None for g in got) else got
        if isinstance(item, dict) and item.get("class_name") == "__keras_tensor__":
            hist = (item.get("config") or {}).get("keras_history")
            if not (isinstance(hist, list) and len(hist) == 3):
                raise ValueError(f"bad keras_history {hist!r}")
            lname, node_index, tensor_index = hist
            made = outputs_of.get(lname)
            if made is None:
                raise ValueError(f"the config refers to layer {lname!r}, which it does not define")
            if not isinstance(node_index, int) or not isinstance(tensor_index, int):
                raise ValueError(f"bad keras_history {hist!r}")
            if node_index >= len(made):
                return None
            return made[node_index][tensor_index]
        raise ValueError(f"unsupported call argument in the config: {str(item)[:100]}")

    return resolve(args[0])

