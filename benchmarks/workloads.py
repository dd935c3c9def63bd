"""The benchmark workloads: network shapes, data shapes, batch sizes and seeds.

Every peer builds the same network from these specs and trains on the same random data
(float32 features; integer labels for W1, 0/1 labels for W2 and W3), generated in the
worker process from a fixed seed so that no peer pays for another's data.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict

import numpy as np


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    rows: int                   # training rows (full run)
    quick_rows: int             # training rows with --quick
    features: int
    hidden: tuple               # ((units, dropout rate), ...); every hidden layer is relu
    outputs: int                # 10 (softmax) or 1 (sigmoid)
    loss: str                   # Keras loss name
    batch: int
    seed: int
    predict_batch: int | None = None   # W1: predict throughput at this batch size
    full_batch: int | None = None      # W2: also time one step per epoch at this batch size
    notes: str = ""
    image: tuple | None = None          # W4: (height, width, channels) images, channels_last
    peers: tuple | None = None          # the peers that run this workload (None: every peer)

    @property
    def classes(self) -> int:
        return self.outputs if self.outputs > 1 else 2

    @property
    def dims(self) -> list[int]:
        """Layer widths, input first: e.g. [784, 512, 512, 10]."""
        return [self.features] + [u for u, _ in self.hidden] + [self.outputs]

    def to_dict(self) -> dict:
        return asdict(self)


WORKLOADS: dict[str, Workload] = {
    "W1": Workload(
        key="W1", title="MNIST MLP", rows=60000, quick_rows=6000, features=784,
        hidden=((512, 0.2), (512, 0.2)), outputs=10, loss="sparse_categorical_crossentropy",
        batch=128, seed=1, predict_batch=10000,
        notes="Dense 512 relu, Dropout 0.2, Dense 512 relu, Dropout 0.2, Dense 10 softmax; Adam 1e-3",
    ),
    "W2": Workload(
        key="W2", title="breast-cancer net", rows=426, quick_rows=426, features=30,
        hidden=((30, 0.5), (15, 0.5)), outputs=1, loss="binary_crossentropy",
        batch=32, seed=2, full_batch=426,
        notes="Dense 30 relu, Dropout 0.5, Dense 15 relu, Dropout 0.5, Dense 1 sigmoid; Adam 1e-3",
    ),
    "W3": Workload(
        key="W3", title="loan net", rows=316000, quick_rows=31600, features=78,
        hidden=((78, 0.2), (39, 0.2), (19, 0.2)), outputs=1, loss="binary_crossentropy",
        batch=256, seed=3,
        notes="Dense 78/39/19 relu each with Dropout 0.2, Dense 1 sigmoid; Adam 1e-3",
    ),
    "W4": Workload(
        key="W4", title="MNIST convnet (keras.io)", rows=54000, quick_rows=6400, features=784,
        hidden=(), outputs=10, loss="sparse_categorical_crossentropy", batch=128, seed=4,
        notes="Conv2D 32 3x3 relu, MaxPooling2D 2, Conv2D 64 3x3 relu, MaxPooling2D 2, Flatten, Dropout 0.5, "
              "Dense 10 softmax; Adam 1e-3; 54,000 rows = keras.io's 60,000 less its validation_split 0.1",
        image=(28, 28, 1), peers=("glassnet", "torch", "keras"),
    ),
}

# How many epochs each measurement uses (full run, --quick run).
PLAN = {
    "full": {"timed_epochs": 3, "w3_timed_epochs": 3, "w2_epochs": 40, "w2_full_epochs": 200,
             "w2_repeats": 3, "predict_repeats": 3, "rounds": 3},
    "quick": {"timed_epochs": 1, "w3_timed_epochs": 1, "w2_epochs": 10, "w2_full_epochs": 40,
              "w2_repeats": 1, "predict_repeats": 1, "rounds": 1},
}


def make_data(w: Workload, rows: int):
    """Features (rows, features) float32 and labels: int64 classes for W1, float32 0/1 otherwise."""
    rng = np.random.default_rng(w.seed)
    if w.image is not None:
        x = rng.random((rows,) + tuple(w.image), dtype=np.float32)    # images, channels_last
        y = rng.integers(0, w.outputs, size=rows, dtype=np.int64)
    elif w.outputs > 1:
        x = rng.random((rows, w.features), dtype=np.float32)          # like pixels in [0, 1)
        y = rng.integers(0, w.outputs, size=rows, dtype=np.int64)
    else:
        x = rng.standard_normal((rows, w.features), dtype=np.float32)  # like standardised columns
        y = (rng.random(rows) < 0.4).astype(np.float32)
    return x, y


def steps_per_epoch(rows: int, batch: int) -> int:
    return -(-rows // batch)


def batch_sizes(rows: int, batch: int) -> list[int]:
    """The size of every batch of one epoch (the last one may be short)."""
    full, rest = divmod(rows, batch)
    return [batch] * full + ([rest] if rest else [])
