"""The layer graph of a model: nodes in topological order, run forward and backward.

Forward walks the nodes in order; each built-in layer runs ``forward`` and keeps what its backward
pass needs (z, a, masks).  Backward walks the same nodes in reverse (the notes' BP1-BP4, applied
node by node)::

    grad[t]  = dC/dt for every tensor t, starting from the outputs' dC/dy
    node:    outputs -> layer.backward(grad[outputs]) -> dC/d(inputs)
    sum:     a tensor that feeds several nodes gets the sum of their gradients
             (the multivariate chain rule: dC/dt = sum over consumers)

A layer called by several nodes (weight sharing) keeps one set of weights: its forward state is
saved per node, restored before that node's backward, and the weight gradients of its calls are
added up.  Backward stops below the lowest trainable weight (nothing there needs a gradient).
"""
from __future__ import annotations

from .. import symbolic


class _Step:
    """One node in execution order, with the tensor slots it reads and writes."""

    __slots__ = ("node", "layer", "inputs", "outputs", "many", "multi_out", "shared", "run_backward",
                 "backprop_inputs", "saved", "zero_grads", "sets_input_grad")

    def __init__(self, node, slot):
        self.node = node
        self.layer = node.layer
        self.inputs = [slot[id(t)] for t in node.inputs]
        self.outputs = [slot[id(t)] for t in node.outputs]
        self.many = node.structure == "list"
        self.multi_out = len(self.outputs) > 1
        self.shared = False
        self.run_backward = True
        self.backprop_inputs = True
        self.saved = None
        self.zero_grads = False          # a recorded call adds into var.grad: zero them before its backward
        self.sets_input_grad = hasattr(self.layer, "needs_input_grad")


def map_graph(inputs, outputs):
    """Nodes and layers between ``inputs`` and ``outputs``, in Keras's order.

    Nodes are found depth-first from each output; each node's depth is its longest distance to an
    output; layers are listed from the deepest (the inputs) to the outputs, ties broken by the
    order in which the walk first met them (so ``model.layers`` and the weight order are Keras's).
    Raises ValueError naming the tensor when an output needs an input that is not in ``inputs``.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress, ordered, discovered = set(), set(), [], {}

    def visit(tensor):
        node = tensor.node
        if node is None:
            raise ValueError(f"Model: {tensor!r} was not made by a layer call; outputs must come from "
                             f"layers called on the model's inputs")
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Model: the graph has a cycle at layer {node.layer.name!r}")
        discovered.setdefault(id(node.layer), (len(discovered), node.layer))
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            if not node.inputs:          # an Input that was not given to Model(inputs=...)
                raise ValueError(
                    f"Model: output depends on the input tensor {tensor.name!r} (shape {tensor.shape}), which "
                    f"is not among the model's inputs "
                    f"[{', '.join(repr(t.name) for t in inputs)}]: it is not reachable from the inputs; "
                    f"add it to inputs")
            for parent in node.inputs:
                visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for t in outputs:
        visit(t)
    node_depth, layer_depth = {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parents:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:                       # an input that no output uses still belongs to the model
        if id(t.node.layer) not in layer_depth:
            layer_depth[id(t.node.layer)] = 0
            discovered[id(t.node.layer)] = (-1, t.node.layer)
            node_depth[id(t.node)] = 0
            ordered.insert(0, t.node)
    by_id = {id(n): n for n in ordered}
    nodes = sorted(by_id.values(), key=lambda n: -node_depth[id(n)])     # stable: ties keep walk order
    layers = sorted((entry for entry in discovered.values()),
                    key=lambda e: (-layer_depth[id(e[1])], e[0]))
    return nodes, [layer for _, layer in layers]


class Graph:
    """Runs the nodes between ``inputs`` and ``outputs`` (lists of KerasTensors) on arrays."""

    def __init__(self, inputs, outputs):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        nodes, self.layers = map_graph(self.inputs, self.outputs)
        slot = {}
        for t in self.inputs:
            slot.setdefault(id(t), len(slot))
        for node in nodes:
            for t in node.outputs:
                slot.setdefault(id(t), len(slot))
        self.n_slots = len(slot)
        self.input_slots = [slot[id(t)] for t in self.inputs]
        self.output_slots = [slot[id(t)] for t in self.outputs]
        input_ids = {id(t) for t in self.inputs}
        # InputLayer nodes produce the input tensors: nothing to run
        self.steps = [_Step(n, slot) for n in nodes if n.inputs and not all(id(t) in input_ids for t in n.outputs)]
        calls = {}
        for st in self.steps:
            calls[id(st.layer)] = calls.get(id(st.layer), 0) + 1
        for st in self.steps:
            st.shared = calls[id(st.layer)] > 1
        self.consumers = {}
        for k, st in enumerate(self.steps):
            for s in st.inputs:
                self.consumers.setdefault(s, []).append(k)
        self.producer = {s: k for k, st in enumerate(self.steps) for s in st.outputs}
        self.plan_backward(lambda layer: True, need_input_grads=False)

    # ------------------------------------------------------------------ planning
    def plan_backward(self, has_trainable, need_input_grads: bool) -> None:
        """Decide which nodes run backward: those with trainable weights at or below them.

        ``has_trainable(layer)`` says whether a layer's weights are trained; with
        ``need_input_grads`` (a model used as a layer) gradients reach the inputs too.
        """
        requires = [need_input_grads if s in self.input_slots else False for s in range(self.n_slots)]
        for st in self.steps:
            below = any(requires[s] for s in st.inputs)
            own = has_trainable(st.layer)
            st.backprop_inputs = below
            st.run_backward = below or own
            st.zero_grads = st.shared or st.layer.accumulates_gradients
            for s in st.outputs:
                requires[s] = below or own

    # ------------------------------------------------------------------- forward
    def forward(self, inputs, training: bool, logits_steps=(), keep_values: bool = False):
        """Outputs for a list of input arrays; ``logits_steps`` run ``forward_with_logits`` instead
        (their logits z come back in the second result, keyed by step index)."""
        values = [None] * self.n_slots
        for s, x in zip(self.input_slots, inputs):
            values[s] = x
        logits = {}
        for k, st in enumerate(self.steps):
            args = [values[s] for s in st.inputs] if st.many else values[st.inputs[0]]
            if k in logits_steps:
                z, out = st.layer.forward_with_logits(args)
                logits[k] = z
            else:
                out = st.layer.forward(args, training=training)
            if st.multi_out:
                for s, o in zip(st.outputs, out):
                    values[s] = o
            else:
                values[st.outputs[0]] = out
            if training and st.shared:
                st.saved = dict(vars(st.layer))
        outputs = [values[s] for s in self.output_slots]
        if keep_values:
            return outputs, logits, values
        return outputs, logits

    # ------------------------------------------------------------------ backward
    def backward(self, output_grads, delta_steps=(), need_input_grads: bool = False):
        """Walk the nodes in reverse from ``output_grads`` (dC/dy per output, None when an output has no
        loss); ``delta_steps`` are nodes whose gradient is already dC/dz (fused loss).  Writes every
        trained weight's ``grad``; returns dC/d(inputs) when ``need_input_grads``."""
        grads = [None] * self.n_slots
        for s, g in zip(self.output_slots, output_grads):
            if g is not None:
                grads[s] = g if grads[s] is None else grads[s] + g
        shared_acc = {}
        for k in range(len(self.steps) - 1, -1, -1):
            st = self.steps[k]
            if not st.run_backward:
                continue
            if st.multi_out:
                g = [grads[s] for s in st.outputs]
                if all(x is None for x in g):
                    continue
            else:
                g = grads[st.outputs[0]]
                if g is None:
                    continue
            layer = st.layer
            if st.shared:
                vars(layer).update(st.saved)
            if st.zero_grads:
                for v in layer.weights:          # a recorded call adds its gradients: start from zero
                    v.grad[...] = 0.0
            if st.sets_input_grad:               # a recorded call needs every input gradient
                layer.needs_input_grad = st.backprop_inputs or layer.accumulates_gradients
            if k in delta_steps:
                gin = layer.backward(g, grad_is_delta=True)
            else:
                gin = layer.backward(g)
            if st.shared:
                acc = shared_acc.get(id(layer))
                if acc is None:
                    shared_acc[id(layer)] = [v.grad.copy() for v in layer.weights]
                else:
                    for a, v in zip(acc, layer.weights):
                        a += v.grad
            if not st.backprop_inputs or gin is None:
                continue
            gins = gin if st.many else [gin]
            for s, gi in zip(st.inputs, gins):
                if gi is not None:
                    grads[s] = gi if grads[s] is None else grads[s] + gi
        for layer_id, acc in shared_acc.items():
            layer = next(st.layer for st in self.steps if id(st.layer) == layer_id)
            for a, v in zip(acc, layer.weights):
                v.grad[...] = a
        if need_input_grads:
            return [grads[s] for s in self.input_slots]
        return None

    def output_step(self, i: int):
        """Index of the step that produces output ``i``, when only the model output consumes it."""
        s = self.output_slots[i]
        k = self.producer.get(s)
        if k is None or s in self.consumers or self.output_slots.count(s) > 1:
            return None
        return k


def flatten_tensors(structure, what: str):
    """A tensor / list / dict of KerasTensors -> (flat list, names or None for dicts)."""
    leaves = symbolic.flatten(structure)
    for leaf in leaves:
        if not isinstance(leaf, symbolic.KerasTensor):
            raise TypeError(f"Model: {what} must be symbolic tensors (from Input and layer calls), got "
                            f"{type(leaf).__name__}")
    return leaves
