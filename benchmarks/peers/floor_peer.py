"""The floor: the epoch's matrix products alone, in NumPy, with the workload's shapes.

For every batch of an epoch (same batch sizes, the short last batch included) it issues
the forward GEMMs ``z_l = a_{l-1} @ W_l`` and the backward GEMMs ``dW_l = a_{l-1}^T delta_l``
and ``delta_{l-1} = delta_l @ W_l^T`` (none for the input layer), back to back, into
preallocated outputs, on contiguous slices of the same data.  No bias, activation,
dropout, loss, optimizer, shuffling or gather: a training step of any NumPy library that
does these products cannot be faster than this, so ``x floor`` says how close a library
gets to its BLAS.  ``predict`` is the forward GEMMs alone at the predict batch size.
"""
from __future__ import annotations

import time

import numpy as np


class Peer:
    name = "floor"

    def __init__(self, threads: int):
        self.info = {"numpy": np.__version__}

    def build(self, w):
        rng = np.random.default_rng(0)
        dims = w.dims
        weights = [(rng.standard_normal((dims[i], dims[i + 1]), dtype=np.float32)
                    * np.float32(1.0 / np.sqrt(dims[i]))) for i in range(len(dims) - 1)]
        return {"W": weights, "dims": dims, "bufs": {}, "rng": rng}

    def _bufs(self, m, b):
        bufs = m["bufs"].get(b)
        if bufs is None:
            dims, rng = m["dims"], m["rng"]
            z = [np.empty((b, d), dtype=np.float32) for d in dims[1:]]
            delta = [np.empty((b, d), dtype=np.float32) for d in dims[1:]]
            delta[-1][...] = rng.standard_normal(delta[-1].shape, dtype=np.float32) * np.float32(0.01)
            dw = [np.empty_like(W) for W in m["W"]]
            bufs = m["bufs"][b] = (z, delta, dw)
        return bufs

    def prepare(self, w, x, y):
        return x, y

    def fit(self, m, x, y, batch, epochs, epoch_times):
        W = m["W"]
        L = len(W)
        n = x.shape[0]
        matmul = np.matmul
        for _ in range(epochs):
            t0 = time.perf_counter()
            for lo in range(0, n, batch):
                xb = x[lo:lo + batch]
                z, delta, dw = self._bufs(m, xb.shape[0])
                a = xb
                for l in range(L):                       # forward
                    matmul(a, W[l], out=z[l])
                    a = z[l]
                for l in range(L - 1, -1, -1):           # backward
                    a_prev = xb if l == 0 else z[l - 1]
                    matmul(a_prev.T, delta[l], out=dw[l])
                    if l > 0:
                        matmul(delta[l], W[l].T, out=delta[l - 1])
            epoch_times.append(time.perf_counter() - t0)

    def predict(self, m, x, batch):
        W = m["W"]
        n = x.shape[0]
        for lo in range(0, n, batch):
            a = x[lo:lo + batch]
            z, _, _ = self._bufs(m, a.shape[0])
            for l in range(len(W)):
                np.matmul(a, W[l], out=z[l])
                a = z[l]
        return None
