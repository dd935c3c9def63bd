"""Layers, named and configured as ``keras.layers``."""
from .activation import Activation
from .base import LAYERS, Layer
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "get", "serialize",
           "deserialize"]

from .convolution import Conv1D, Conv2D  # noqa: E402
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling2D,  # noqa: E402
                      GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .reshaping2d import Cropping2D, ZeroPadding2D  # noqa: E402

__all__ += ["Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
            "GlobalAveragePooling2D", "GlobalMaxPooling2D", "ZeroPadding2D", "Cropping2D"]


def serialize(layer) -> dict:
    """Keras's dict form of a layer: module, class_name, config, registered_name."""
    return LAYERS.serialize(layer)


def deserialize(config: dict):
    """Build a layer from Keras's dict form (only registered glassnet layers; nothing is imported)."""
    return LAYERS.deserialize(config)


def get(identifier):
    return LAYERS.get(identifier)
