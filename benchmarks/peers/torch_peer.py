"""PyTorch eager on the CPU build: torch.nn, a hand-written loop with index slicing per batch, Adam.

Kernels get Glorot-uniform (xavier_uniform_) and biases zeros, as Keras's defaults; the
output layer gives logits and the loss fuses the softmax / sigmoid (CrossEntropyLoss,
BCEWithLogitsLoss), which is what glassnet and Keras do too.  The loop reads loss.item()
every step, as a training loop that reports its loss must.
"""
from __future__ import annotations

import time


class Peer:
    name = "torch"

    def __init__(self, threads: int):
        import torch

        self.torch = torch
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # pragma: no cover - only if parallel work already started
            pass
        torch.manual_seed(0)
        self.gen = torch.Generator().manual_seed(0)
        parallel = torch.__config__.parallel_info().splitlines()
        self.info = {
            "version": torch.__version__,
            "num_threads": torch.get_num_threads(),
            "num_interop_threads": torch.get_num_interop_threads(),
            "parallel_backend": next((l.split(":", 1)[1].strip() for l in parallel
                                      if l.startswith("ATen parallel backend")), None),
            "mkldnn": bool(torch.backends.mkldnn.is_available()),
            "mkl": bool(torch.backends.mkl.is_available()),
        }

    def build(self, w):
        nn = self.torch.nn
        if w.image is not None:
            return self.build_convnet(w)
        mods, d = [], w.features
        for units, rate in w.hidden:
            mods += [nn.Linear(d, units), nn.ReLU(), nn.Dropout(rate)]
            d = units
        mods.append(nn.Linear(d, w.outputs))
        model = nn.Sequential(*mods)
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        opt = self.torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = nn.CrossEntropyLoss() if w.outputs > 1 else nn.BCEWithLogitsLoss()
        return {"model": model, "opt": opt, "loss_fn": loss_fn, "multiclass": w.outputs > 1}

    def build_convnet(self, w):
        """keras.io's MNIST convnet; PyTorch's own layout (channels first), Glorot kernels, zero biases."""
        nn = self.torch.nn
        h, wd, c = w.image
        flat = 64 * (((h - 2) // 2 - 2) // 2) * (((wd - 2) // 2 - 2) // 2)
        model = nn.Sequential(nn.Conv2d(c, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(flat, w.outputs))
        for m in model:
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        opt = self.torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        return {"model": model, "opt": opt, "loss_fn": nn.CrossEntropyLoss(), "multiclass": True}

    def prepare(self, w, x, y):
        if w.image is not None:     # NHWC -> NCHW, contiguous (not timed), as a PyTorch user's data would be
            x = x.transpose(0, 3, 1, 2).copy()
        X = self.torch.from_numpy(x)
        Y = self.torch.from_numpy(y)
        if w.outputs == 1:
            Y = Y.reshape(-1, 1)
        return X, Y

    def fit(self, m, X, Y, batch, epochs, epoch_times):
        torch = self.torch
        model, opt, loss_fn = m["model"], m["opt"], m["loss_fn"]
        model.train()
        n = X.shape[0]
        for _ in range(epochs):
            t0 = time.perf_counter()
            perm = torch.randperm(n, generator=self.gen)
            total = 0.0
            for lo in range(0, n, batch):
                idx = perm[lo:lo + batch]
                xb, yb = X[idx], Y[idx]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * xb.shape[0]
            epoch_times.append(time.perf_counter() - t0)

    def predict(self, m, X, batch):
        torch = self.torch
        model = m["model"]
        model.eval()
        n = X.shape[0]
        out = None
        with torch.inference_mode():
            for lo in range(0, n, batch):
                z = model(X[lo:lo + batch])
                p = torch.softmax(z, dim=1) if m["multiclass"] else torch.sigmoid(z)
                if out is None:
                    out = torch.empty((n, p.shape[1]), dtype=p.dtype)
                out[lo:lo + batch] = p
        return out.numpy()
