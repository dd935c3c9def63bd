"""Pictures of training and of the network itself (extra ``plot``: matplotlib).

Every function returns a matplotlib ``Figure`` and, given ``path``, also saves it as a PNG.
matplotlib is imported only when a function is called, with the non-interactive Agg
backend unless a backend was already chosen, so plotting works on a machine with no screen.

- :func:`history` -- loss and metrics per epoch, train against validation
- :func:`confusion_matrix` -- counts of (true class, predicted class)
- :func:`decision_boundary` -- a 2-D input plane coloured by the model's output (the playground view)
- :func:`network` -- the layer diagram: neurons, links coloured by weight, activations
- :func:`weights` -- a histogram of each layer's weights
"""
from __future__ import annotations

import numpy as np

__all__ = ["history", "confusion_matrix", "confusion_counts", "decision_boundary", "network", "weights", "model_graph"]


def _plt():
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("glassnet.plot needs matplotlib: pip install 'glassnet[plot]'") from None
    if "matplotlib.pyplot" not in __import__("sys").modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        from ._io import atomic_open

        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=110)
    return fig


def history(hist, metrics=None, path=None):
    """Loss and metrics per epoch; each panel shows the training curve and, if present, ``val_``.

    Args:
        hist: a ``History`` (what ``fit`` returns), or its ``.history`` dict.
        metrics: names to plot (default: every key without the ``val_`` prefix).
    """
    logs = getattr(hist, "history", hist)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot.history: expected a History or a non-empty dict of lists, got {type(hist).__name__}")
    names = metrics or [k for k in logs if not k.startswith("val_")]
    missing = [n for n in names if n not in logs]
    if missing:
        raise ValueError(f"plot.history: no {', '.join(missing)} in the history; it has {', '.join(logs)}")
    plt = _plt()
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label=f"train {name}", color="#1f77b4")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label=f"validation {name}", color="#ff7f0e")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    return _finish(fig, path)


def confusion_counts(y_true, y_pred, num_classes=None) -> np.ndarray:
    """The confusion matrix C[i, j] = number of samples of true class i predicted as class j."""
    from .evaluation import confusion_matrix as counts

    return counts(y_true, y_pred, num_classes)


def confusion_matrix(y_true, y_pred, labels=None, normalize=False, path=None):
    """Heat map of :func:`confusion_counts` with the count (or row fraction) written in each cell."""
    counts = confusion_counts(y_true, y_pred, None if labels is None else len(labels))
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    k = counts.shape[0]
    labels = [str(i) for i in range(k)] if labels is None else [str(l) for l in labels]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * k, 0.8 + 0.5 * k))
    im = ax.imshow(shown, cmap="Blues")
    fig.colorbar(im, ax=ax)
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = shown.max() / 2 if shown.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(counts[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if shown[i, j] > threshold else "black")
    return _finish(fig, path)


def _grid(x, resolution):
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * (hi - lo + 1e-9)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def decision_boundary(model, x, y=None, resolution=200, features=None, path=None, ax=None):
    """Colour the input plane by the model's output, with the data points on top.

    Args:
        model: anything with ``predict`` taking (n, d) inputs: a glassnet model or a perceptron.
        x: (n, 2) points (the plane's axes).
        y: labels for colouring the points.
        features: optional function mapping the (m, 2) grid to the model's (m, d) inputs
            (e.g. adding x1*x2 or sin x1, as the playground's extra features do).
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision_boundary: x must have shape (n, 2), got {x.shape}")
    xx, yy, grid = _grid(x, int(resolution))
    inputs = grid if features is None else np.asarray(features(grid), dtype=np.float32)
    try:
        out = model.predict(inputs, verbose=0)
    except TypeError:
        out = model.predict(inputs)
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 2 and out.shape[1] > 1:
        surface = out.argmax(axis=1).astype(np.float64)
        cmap, levels = "tab10", None
    else:
        surface = out.reshape(-1)
        cmap, levels = "RdBu", 20
    plt = _plt()
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 4.2))
    ax.contourf(xx, yy, surface.reshape(xx.shape), levels=levels, cmap=cmap, alpha=0.55)
    if y is not None:
        y = np.asarray(y).reshape(len(x), -1)
        colour = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
        ax.scatter(x[:, 0], x[:, 1], c=colour, cmap=cmap if out.ndim == 2 and out.shape[1] > 1 else "RdBu",
                   edgecolors="k", linewidths=0.4, s=14)
    else:
        ax.scatter(x[:, 0], x[:, 1], c="k", s=8)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return _finish(fig if fig is not None else ax.figure, path)


def network(model, max_neurons=16, path=None):
    """The layer diagram: a column of neurons per layer (count and activation), links coloured by weight."""
    layers = [l for l in model.layers if getattr(l, "weights", None)]
    if not layers:
        raise ValueError("plot.network: the model has no layers with weights (is it built?)")
    sizes = [layers[0].weights[0].shape[0]] + [l.weights[0].shape[-1] for l in layers]
    shown = [min(s, max_neurons) for s in sizes]
    names = ["input"] + [f"{l.name}\n{getattr(getattr(l, 'activation', None), 'name', '')}" for l in layers]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(2.2 * len(sizes), 0.35 * max(shown) + 2))
    ys = [np.linspace(0, 1, n) if n > 1 else np.array([0.5]) for n in shown]
    for i, layer in enumerate(layers):
        kernel = layer.get_weights()[0]
        w = kernel[: shown[i], : shown[i + 1]]
        scale = float(np.abs(w).max()) or 1.0
        for a in range(w.shape[0]):
            for b in range(w.shape[1]):   # a drawing: one line per link is the point
                share = min(1.0, abs(float(w[a, b])) / scale)   # float32 rounding could give alpha 1.0000001
                ax.plot([i, i + 1], [ys[i][a], ys[i + 1][b]], color="#d62728" if w[a, b] < 0 else "#1f77b4",
                        alpha=0.15 + 0.85 * share, linewidth=0.3 + 2.2 * share)
    for i, (n, y) in enumerate(zip(sizes, ys)):
        ax.scatter(np.full(len(y), i), y, s=90, c="white", edgecolors="k", zorder=3)
        label = f"{names[i]}\n{n} neurons" + (f" ({len(y)} shown)" if n > len(y) else "")
        ax.text(i, -0.12, label, ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-0.45, 1.08)
    ax.axis("off")
    return _finish(fig, path)


def weights(model, bins=30, path=None):
    """A histogram of each variable's values (kernels and biases), one panel per variable."""
    variables = [v for l in model.layers for v in l.weights]
    if not variables:
        raise ValueError("plot.weights: the model has no weights (is it built?)")
    plt = _plt()
    cols = min(4, len(variables))
    rows = -(-len(variables) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.6 * rows), squeeze=False)
    for ax, v in zip(axes.ravel(), variables):
        ax.hist(np.asarray(v.value).ravel(), bins=bins, color="#1f77b4")
        ax.set_title(v.path, fontsize=9)
    for ax in axes.ravel()[len(variables):]:
        ax.axis("off")
    return _finish(fig, path)


def model_graph(model, path=None, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                show_layer_activations=False, show_trainable=False, dpi=110):
    """The layer graph as boxes and arrows (what ``keras.utils.plot_model`` draws, without graphviz).

    Each layer is a box on the row of its depth in the graph (inputs first); an arrow joins a layer
    to each layer it feeds.  ``rankdir='LR'`` lays the rows out left to right.
    """
    plt = _plt()
    layers = list(model.layers)
    if not layers:
        raise ValueError("plot_model: the model has no layers")
    index = {id(l): i for i, l in enumerate(layers)}
    edges = set()
    own = {id(n) for n in model.graph_nodes()} if hasattr(model, "graph_nodes") else set()
    for layer in layers:
        for node in layer.inbound_nodes:
            if own and id(node) not in own:
                continue
            for t in node.inputs:
                src = t.node.layer
                if id(src) in index:
                    edges.add((index[id(src)], index[id(layer)]))
    if not edges and len(layers) > 1:          # a stack with no recorded graph: chain it
        edges = {(i, i + 1) for i in range(len(layers) - 1)}
    depth = [0] * len(layers)
    for _ in range(len(layers)):               # longest path from an input (the graph is a DAG)
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    rows: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    pos = {}
    for d, members in rows.items():
        for k, i in enumerate(members):
            across = k - (len(members) - 1) / 2
            pos[i] = (across * 3.2, -d * 1.4) if rankdir == "TB" else (d * 3.6, -across * 1.4)

    def label(layer):
        parts = [f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__]
        act = getattr(getattr(layer, "activation", None), "name", None)
        if show_layer_activations and act:
            parts.append(f"activation: {act}")
        if show_shapes:
            shape = getattr(layer, "output_shape", None)
            parts.append(f"output: {shape if shape is None or (shape and shape[0] is None) else (None, *shape)}")
        if show_dtype:
            parts.append(f"dtype: {layer.dtype}")
        if show_trainable:
            parts.append(f"trainable: {layer.trainable}")
        return "\n".join(parts)

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig, ax = plt.subplots(figsize=(max(4.0, (max(xs) - min(xs)) * 1.1 + 4), max(2.5, (max(ys) - min(ys)) * 1.1 + 2)))
    for a, b in sorted(edges):
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops={"arrowstyle": "->", "color": "#555", "shrinkA": 18, "shrinkB": 18})
    for i, layer in enumerate(layers):
        ax.text(*pos[i], label(layer), ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#eef3fb", "ec": "#3b6db3"})
    ax.set_xlim(min(xs) - 2.5, max(xs) + 2.5)
    ax.set_ylim(min(ys) - 1, max(ys) + 1)
    ax.axis("off")
    fig.tight_layout()
    if path is not None:
        from ._io import atomic_open

        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=dpi)
    return fig


# ---------------------------------------------------------------- the training doctor's pictures
__all__ += ["diagnostics", "lr_finder"]


def diagnostics(records, path=None):
    """The Diagnostics callback's records per layer and epoch: gradient norm, update-to-weight ratio
    (both on a log axis), dead ReLU and saturated shares, and the spread of the activations.

    Args:
        records: ``history.diagnostics`` (a dict of lists), a DataFrame of it, a History, or the
            ``Diagnostics`` callback.
    """
    records = getattr(records, "diagnostics", records)
    if hasattr(records, "columns"):
        records = {c: list(records[c]) for c in records.columns}
    if not isinstance(records, dict) or not records.get("layer"):
        raise ValueError("plot.diagnostics: expected the Diagnostics records (a non-empty dict of lists with "
                         "'epoch', 'layer', ...), e.g. history.diagnostics")
    plt = _plt()
    layers = list(dict.fromkeys(records["layer"]))
    panels = [("grad_norm", "gradient norm ||dC/dW||", True), ("update_ratio", "update / weight per step", True),
              ("dead_relu", "share of units: dead ReLU (solid), saturated (dashed)", False), ("act_std", "activation spread (std)", False)]
    fig, grid = plt.subplots(2, 2, figsize=(11, 6.4))
    axes = grid.ravel()
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(layers), 1)))
    for ax, (key, title, log) in zip(axes, panels):
        for color, name in zip(colors, layers):
            rows = [i for i, l in enumerate(records["layer"]) if l == name]
            epochs = np.asarray([records["epoch"][i] for i in rows]) + 1
            keys = ("dead_relu", "saturated") if key == "dead_relu" else (key,)
            for k, style in zip(keys, ("-", "--")):
                values = np.asarray([records[k][i] for i in rows], dtype=np.float64)
                if log:
                    values = np.where(values > 0, values, np.nan)
                if np.isfinite(values).any():
                    ax.plot(epochs, values, style, color=color, label=name)
        if log:
            ax.set_yscale("log")
        if key == "dead_relu":
            ax.set_ylim(-0.05, 1.05)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    if labels:                                   # a diverged run may have no finite value to draw
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8)
    fig.tight_layout(rect=(0, 0.04 * ((len(labels) + 4) // 5), 1, 1))
    if path is not None:
        from ._io import atomic_open

        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=110)
    return fig


def lr_finder(finder, path=None):
    """The learning-rate range test: loss (raw and smoothed) against the learning rate, log axis,
    with the suggested rate (steepest descent) marked.  ``finder``: a ``LearningRateFinder`` after ``fit``."""
    lrs = np.asarray(getattr(finder, "learning_rates", []), dtype=np.float64)
    if len(lrs) < 2:
        raise ValueError("plot.lr_finder: the finder has no record yet; run fit(..., callbacks=[finder]) first")
    plt = _plt()
    losses = np.asarray(finder.losses, dtype=np.float64)
    smooth = np.asarray(finder.smoothed_losses, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(lrs, losses, color="#bbbbbb", lw=0.8, label="batch loss")
    ax.plot(lrs, smooth, color="#1f77b4", lw=2, label="smoothed loss")
    suggestion = finder.suggestion
    if suggestion is not None:
        ax.axvline(suggestion, color="#d62728", ls="--", label=f"suggested {suggestion:.2g} (steepest descent)")
    finite = smooth[np.isfinite(smooth)]
    if len(finite):
        low, high = finite.min(), finite[: max(2, len(finite) // 10)].max()
        ax.set_ylim(low - 0.1 * (high - low + 1e-12), high + 0.6 * (high - low + 1e-12))
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title("Learning-rate range test")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _finish(fig, path)
