"""Keras 3's ``model.summary()`` table, drawn with box characters."""
from __future__ import annotations

import numpy as np

from .._validation import printable


def _format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n:.2f} GB"  # pragma: no cover


def _count(variables) -> tuple[int, int]:
    count = int(sum(v.size for v in variables))
    nbytes = int(sum(v.size * np.dtype(v.dtype).itemsize for v in variables))
    return count, nbytes


def _connections(model, layer) -> list[str]:
    """Keras's "Connected to" cell: ``name[node][tensor]`` of each input of each call in this model."""
    out = []
    own = set(map(id, model.graph_nodes()))
    for node in layer.inbound_nodes:
        if id(node) not in own:
            continue
        for t in node.inputs:
            producer = t.node.layer
            index = [n for n in producer.inbound_nodes if id(n) in own].index(t.node)
            out.append(f"{printable(producer.name)}[{index}][{t.index}]")
    return out or ["-"]


def _shape_text(layer) -> str:
    shape = layer.output_shape
    if shape is None:
        return "?"
    from .model import Model

    if isinstance(layer, Model):
        return str(shape)
    if isinstance(shape, list):
        return ", ".join(str((None, *s)) for s in shape)
    return str((None, *shape))


def summary_lines(model, line_length=None, show_trainable=False) -> list[str]:
    graph = model.is_graph_network()
    if graph:
        widths = [21, 19, 12, 19] if not line_length else [int(line_length * 0.3), int(line_length * 0.25),
                                                           int(line_length * 0.15),
                                                           line_length - int(line_length * 0.3)
                                                           - int(line_length * 0.25) - int(line_length * 0.15) - 5]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    else:
        widths = [31, 22, 13] if not line_length else [int(line_length * 0.45), int(line_length * 0.33),
                                                       line_length - int(line_length * 0.45)
                                                       - int(line_length * 0.33) - 4]
        header = ["Layer (type)", "Output Shape", "Param #"]

    def row(cells, left="│", mid="│", right="│"):
        parts = []
        for i, (cell, w) in enumerate(zip(cells, widths)):
            cell = str(cell)
            parts.append(f" {cell:>{w - 1}}" if i == 2 else f" {cell:<{w - 1}}")
        return left + mid.join(parts) + right

    def wrap(text, width):
        """A cell's lines: words kept whole where they fit (Keras puts a long name's ``(Type)`` below it)."""
        lines, current = [], ""
        for word in str(text).split(" "):
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
        return lines           # a single word longer than the column stays whole (a name is never cut)

    def rows(cells):
        """One table row, on as many lines as its longest cell needs; a list cell (Connected to) holds
        several items, one a line, separated by commas."""
        columns = []
        for cell, w in zip(cells, widths):
            if isinstance(cell, list):
                columns.append([item + ("," if k < len(cell) - 1 else "") for k, item in enumerate(cell)])
            else:
                columns.append(wrap(cell, w - 2))
        height = max(len(c) for c in columns)
        return [row([c[k] if k < len(c) else "" for c in columns]) for k in range(height)]

    def rule(l, m, r, ch):
        return l + m.join(ch * w for w in widths) + r

    lines = [f'Model: "{printable(model.name)}"', rule("┏", "┳", "┓", "━"), row(header, "┃", "┃", "┃"),
             rule("┡", "╇", "┩", "━")]
    layers = model.layers
    for i, layer in enumerate(layers):
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [f"{printable(layer.name)} ({type(layer).__name__})", _shape_text(layer), params]
        lines += rows(cells + [_connections(model, layer)] if graph else cells)
        if i < len(layers) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    total, total_b = _count(model.weights)
    train, train_b = _count(model.trainable_weights)
    frozen, frozen_b = _count(model.non_trainable_weights)
    lines.append(f" Total params: {total:,} ({_format_bytes(total_b)})")
    lines.append(f" Trainable params: {train:,} ({_format_bytes(train_b)})")
    lines.append(f" Non-trainable params: {frozen:,} ({_format_bytes(frozen_b)})")
    opt = model.optimizer
    if opt is not None and getattr(opt, "iterations", 0):
        try:
            opt_vars = opt.variables()
            n = int(sum(np.size(v) for v in opt_vars))
            nb = int(sum(np.asarray(v).nbytes for v in opt_vars))
            lines.append(f" Optimizer params: {n:,} ({_format_bytes(nb)})")
        except Exception:  # pragma: no cover - summary must never fail on optimizer details
            pass
    return lines
