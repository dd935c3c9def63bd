"""The simple thing: a short, readable NumPy MLP with flat Adam and dropout.

What someone writes in an afternoon from the course notes, with the two tricks any NumPy
programmer knows: every weight lives in one flat float32 vector (so Adam is a handful of
whole-vector NumPy calls, with Keras's epsilon-hat form and epsilon 1e-7) and the batch
gather is one fancy index.  ReLU hidden layers with inverted dropout, a softmax (sparse
cross-entropy) or sigmoid (binary cross-entropy) output computed from the logits, Glorot
uniform kernels and zero biases.  No validation, no callbacks, no metrics: the table's
"how far is the library from the simple thing" row.
"""
from __future__ import annotations

import time

import numpy as np


class MLP:
    def __init__(self, dims, rates, seed=0, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        rng = np.random.default_rng(seed)
        shapes = [s for i in range(len(dims) - 1) for s in ((dims[i], dims[i + 1]), (dims[i + 1],))]
        sizes = [int(np.prod(s)) for s in shapes]
        self.theta = np.zeros(sum(sizes), dtype=np.float32)        # every weight, one vector
        self.grad = np.zeros_like(self.theta)
        self.m, self.v = np.zeros_like(self.theta), np.zeros_like(self.theta)
        views, grads, off = [], [], 0
        for s, n in zip(shapes, sizes):
            views.append(self.theta[off:off + n].reshape(s))
            grads.append(self.grad[off:off + n].reshape(s))
            off += n
        self.W, self.b = views[0::2], views[1::2]
        self.dW, self.db = grads[0::2], grads[1::2]
        for W in self.W:                                            # Glorot uniform
            limit = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
            W[...] = rng.uniform(-limit, limit, W.shape)
        self.rates, self.rng, self.t = rates, rng, 0
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def forward(self, x, train):
        acts, masks = [x], []
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = acts[-1] @ W + b
            if l == len(self.W) - 1:
                return z, acts, masks
            a = np.maximum(z, 0)
            if train and self.rates[l]:
                mask = (self.rng.random(a.shape, dtype=np.float32) >= self.rates[l]) / np.float32(1 - self.rates[l])
                a *= mask
                masks.append(mask)
            else:
                masks.append(None)
            acts.append(a)

    def step(self, x, y):
        z, acts, masks = self.forward(x, True)
        n = len(x)
        if z.shape[1] > 1:                                          # softmax + sparse CE
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), y] + 1e-7).mean()
            p[np.arange(n), y] -= 1
        else:                                                       # sigmoid + binary CE
            p = 1 / (1 + np.exp(-z))
            loss = (np.maximum(z, 0) - z * y[:, None] + np.log1p(np.exp(-np.abs(z)))).mean()
            p -= y[:, None]
        delta = p / np.float32(n)                                   # dC/dz at the output
        for l in range(len(self.W) - 1, -1, -1):
            self.dW[l][...] = acts[l].T @ delta
            self.db[l][...] = delta.sum(axis=0)
            if l:
                delta = (delta @ self.W[l].T) * (acts[l] > 0)
                if masks[l - 1] is not None:
                    delta *= masks[l - 1]
        self.t += 1                                                 # Adam on the flat vector
        g, m, v = self.grad, self.m, self.v
        m += (g - m) * np.float32(1 - self.b1)
        v += (g * g - v) * np.float32(1 - self.b2)
        alpha = self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        self.theta -= np.float32(alpha) * m / (np.sqrt(v) + np.float32(self.eps))
        return loss

    def predict(self, x):
        z = self.forward(x, False)[0]
        if z.shape[1] > 1:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return 1 / (1 + np.exp(-z))


class Peer:
    name = "numpy_mlp"

    def __init__(self, threads: int):
        self.info = {"numpy": np.__version__}

    def build(self, w):
        return MLP(w.dims, [r for _, r in w.hidden])

    def prepare(self, w, x, y):
        return x, y

    def fit(self, model, x, y, batch, epochs, epoch_times):
        n = len(x)
        for _ in range(epochs):
            t0 = time.perf_counter()
            order = model.rng.permutation(n)
            for lo in range(0, n, batch):
                idx = order[lo:lo + batch]
                float(model.step(x[idx], y[idx]))                   # the loss, as a fit loop reports it
            epoch_times.append(time.perf_counter() - t0)

    def predict(self, model, x, batch):
        return np.concatenate([model.predict(x[lo:lo + batch]) for lo in range(0, len(x), batch)])
