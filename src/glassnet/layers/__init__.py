"""Layers, named and configured as ``keras.layers``."""
from .activation import Activation
from .base import LAYERS, Layer
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .input import Input, InputLayer
from .op_layer import OpLayer  # noqa: F401  (registered for files; made by glassnet.ops on symbolic tensors)
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer", "get", "serialize",
           "deserialize"]
__all__ += ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
            "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]

# Activation, normalization, noise, shape and embedding layers (issue 12)
from .activity_regularization import ActivityRegularization  # noqa: E402
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: E402
from .batch_normalization import BatchNormalization  # noqa: E402
from .embedding import Embedding  # noqa: E402
from .global_pooling1d import GlobalAveragePooling1D, GlobalMaxPooling1D  # noqa: E402
from .layer_normalization import LayerNormalization  # noqa: E402
from .noise import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: E402
from .rescaling import Rescaling  # noqa: E402
from .reshaping import Permute, RepeatVector, Reshape  # noqa: E402
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D  # noqa: E402
from .unit_normalization import UnitNormalization  # noqa: E402

GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
__all__ += ["ActivityRegularization", "AlphaDropout", "BatchNormalization", "ELU", "Embedding",
            "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAvgPool1D",
            "GlobalMaxPool1D", "GlobalMaxPooling1D", "LayerNormalization", "LeakyReLU", "PReLU",
            "Permute", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Softmax", "SpatialDropout1D",
            "SpatialDropout2D", "UnitNormalization"]
from .preprocessing import (CategoryEncoding, Discretization, Hashing, IntegerLookup, Normalization,  # noqa: E402
                            StringLookup)

__all__ += ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization", "StringLookup"]

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
