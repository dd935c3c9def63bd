"""Layers, named and configured as ``keras.layers``."""
from .activation import Activation
from .base import LAYERS, Layer
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer
from .preprocessing import (CategoryEncoding, Discretization, Hashing, IntegerLookup, Normalization,
                            StringLookup)

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "get", "serialize",
           "deserialize"]
__all__ += ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization", "StringLookup"]


def serialize(layer) -> dict:
    """Keras's dict form of a layer: module, class_name, config, registered_name."""
    return LAYERS.serialize(layer)


def deserialize(config: dict):
    """Build a layer from Keras's dict form (only registered glassnet layers; nothing is imported)."""
    return LAYERS.deserialize(config)


def get(identifier):
    return LAYERS.get(identifier)
