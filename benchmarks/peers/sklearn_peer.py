"""scikit-learn MLPClassifier: solver 'adam', one partial_fit per epoch, float32 data.

MLPClassifier has no dropout, so its network is the same stack without the Dropout
layers (alpha=0: no L2 penalty).  It keeps float32 when given float32.  predict is
predict_proba over batches of the same size as the other peers.
"""
from __future__ import annotations

import time
import warnings

import numpy as np


class Peer:
    name = "sklearn"

    def __init__(self, threads: int):
        import sklearn
        from sklearn.neural_network import MLPClassifier

        self.MLPClassifier = MLPClassifier
        self.info = {"version": sklearn.__version__, "dropout": "none (not supported by MLPClassifier)"}

    def build(self, w):
        model = self.MLPClassifier(
            hidden_layer_sizes=tuple(u for u, _ in w.hidden), activation="relu", solver="adam",
            alpha=0.0, batch_size=w.batch, learning_rate_init=1e-3, epsilon=1e-7, shuffle=True,
            random_state=0,
        )
        model._gn_classes = np.arange(w.classes)
        return model

    def prepare(self, w, x, y):
        return x, y.astype(np.int64)

    def fit(self, model, x, y, batch, epochs, epoch_times):
        model.set_params(batch_size=batch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                t0 = time.perf_counter()
                model.partial_fit(x, y, classes=model._gn_classes)
                epoch_times.append(time.perf_counter() - t0)
        self.info["coef_dtype"] = str(model.coefs_[0].dtype)

    def predict(self, model, x, batch):
        n = x.shape[0]
        out = None
        for lo in range(0, n, batch):
            p = model.predict_proba(x[lo:lo + batch])
            if out is None:
                out = np.empty((n, p.shape[1]), dtype=p.dtype)
            out[lo:lo + batch] = p
        return out
