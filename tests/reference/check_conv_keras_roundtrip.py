"""Separate check: convnets saved by glassnet (.keras and .h5) load in real Keras 3 with the same predictions.

Not part of the pytest run (it needs TensorFlow).  From the repository root::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 /work/refenv/bin/python tests/reference/check_conv_keras_roundtrip.py

It runs itself with ``--write DIR`` under ``.venv/bin/python`` (glassnet only: trains a small convnet with
every conv / pooling / border layer and saves it), then loads both files in Keras and checks the weights
are identical and the predictions agree to float32 roundoff (1e-5).  Exit status 0 when all checks pass.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write(folder: Path) -> None:
    import numpy as np
    from glassnet import layers as L
    from glassnet.models import Sequential

    rng = np.random.default_rng(5)
    model = Sequential([
        L.Input((10, 10, 2)), L.ZeroPadding2D(((1, 0), (0, 1))),
        L.Conv2D(4, 3, strides=2, padding="same", activation="relu"), L.MaxPooling2D(2, strides=1),
        L.Cropping2D(1), L.AveragePooling2D(2, padding="same"), L.Conv2D(3, 1, dilation_rate=1),
        L.GlobalMaxPooling2D(keepdims=True), L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = rng.standard_normal((12, 10, 10, 2)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 12)]
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    model.save(folder / "convnet.keras")
    model.save(folder / "convnet.h5")
    c1 = Sequential([L.Input((9, 2)), L.Conv1D(3, 3, padding="causal", dilation_rate=2), L.MaxPooling1D(2, padding="same"),
                     L.AveragePooling1D(2), L.Flatten(), L.Dense(1)])
    c1.save(folder / "conv1d.keras")
    x1 = rng.standard_normal((5, 9, 2)).astype(np.float32)
    np.savez(folder / "glassnet.npz", x=x, y=model.predict(x, verbose=0), x1=x1, y1=c1.predict(x1, verbose=0),
             **{f"w{i}": w for i, w in enumerate(model.get_weights())})


def check(folder: Path) -> int:
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras
    import numpy as np

    ref = np.load(folder / "glassnet.npz")
    failures = 0
    for name in ("convnet.keras", "convnet.h5"):
        model = keras.models.load_model(folder / name)
        same_w = all(np.array_equal(a, ref[f"w{i}"]) for i, a in enumerate(model.get_weights()))
        diff = float(np.abs(model.predict(ref["x"], verbose=0) - ref["y"]).max())
        ok = same_w and diff <= 1e-5
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: weights identical={same_w}, max |prediction diff|={diff:.2e}")
    model = keras.models.load_model(folder / "conv1d.keras")
    diff = float(np.abs(model.predict(ref["x1"], verbose=0) - ref["y1"]).max())
    failures += diff > 1e-5
    print(f"{'ok  ' if diff <= 1e-5 else 'FAIL'} conv1d.keras: max |prediction diff|={diff:.2e}")
    return 1 if failures else 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write(Path(sys.argv[2]))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), __file__, "--write", tmp], check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        return check(Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
