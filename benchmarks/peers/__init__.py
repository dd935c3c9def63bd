"""The peers: one module per library, each a class with the same small interface.

``Peer(threads)`` imports its library and sets its thread count; then
``build(w)`` makes and compiles the network of workload ``w``;
``prepare(w, x, y)`` turns the NumPy data into the library's form (not timed);
``fit(model, x, y, batch, epochs, epoch_times)`` trains ``epochs`` epochs in one call and
appends each epoch's wall time to ``epoch_times``;
``predict(model, x, batch)`` returns the outputs.
"""
from __future__ import annotations

import importlib

# name -> (module, human label, modules that must be importable for the peer to run)
PEERS = {
    "glassnet": ("glassnet_peer", "glassnet", ("glassnet", "numpy")),
    "torch": ("torch_peer", "PyTorch eager (CPU)", ("torch",)),
    "keras": ("keras_peer", "Keras 3 / TensorFlow", ("keras", "tensorflow")),
    "sklearn": ("sklearn_peer", "scikit-learn MLPClassifier", ("sklearn",)),
    "floor": ("floor_peer", "floor: NumPy GEMMs alone", ("numpy",)),
    "glassnet_numpy": ("glassnet_numpy_peer", "glassnet, NumPy reference kernels", ("glassnet", "numpy")),
    "numpy_mlp": ("numpy_mlp_peer", "plain NumPy MLP (flat Adam, dropout)", ("numpy",)),
}


def get_peer(name: str, threads: int):
    module_name, _, _ = PEERS[name]
    module = importlib.import_module(f"peers.{module_name}")
    return module.Peer(threads)
