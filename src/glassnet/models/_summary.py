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


def summary_lines(model, line_length=None, show_trainable=False) -> list[str]:
    widths = [31, 22, 13] if not line_length else [int(line_length * 0.45), int(line_length * 0.33),
                                                   line_length - int(line_length * 0.45) - int(line_length * 0.33) - 4]
    header = ["Layer (type)", "Output Shape", "Param #"]

    def row(cells, left="│", mid="│", right="│"):
        parts = []
        for i, (cell, w) in enumerate(zip(cells, widths)):
            cell = str(cell)
            parts.append(f" {cell:>{w - 1}}" if i == 2 else f" {cell:<{w - 1}}")
        return left + mid.join(parts) + right

    def rule(l, m, r, ch):
        return l + m.join(ch * w for w in widths) + r

    lines = [f'Model: "{printable(model.name)}"', rule("┏", "┳", "┓", "━"), row(header, "┃", "┃", "┃"),
             rule("┡", "╇", "┩", "━")]
    layers = model.layers
    for i, layer in enumerate(layers):
        shape = "?" if layer.output_shape is None else str((None, *layer.output_shape))
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        lines.append(row([f"{printable(layer.name)} ({type(layer).__name__})", shape, params]))
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
