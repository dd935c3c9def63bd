"""Activation functions: Keras 3's functions, plus the derivatives backpropagation needs.

Every activation exists in two forms:

* a module-level function with Keras 3's exact signature and defaults, for example
  ``relu(x, negative_slope=0.0, max_value=None, threshold=0.0)`` or
  ``softmax(x, axis=-1)``, returning ``f(x)``;
* an :class:`ActivationFunction` instance (``ReLU()``, ``Softmax(axis=-1)``, ...) that layers use:
  ``act(z)`` in the forward pass and ``act.backward(grad_a, z, a)`` in the backward pass.

``get(identifier)`` turns ``None`` (linear), a name (``'relu'``, ``'swish'``), a config dict, one of
the module-level functions, or an :class:`ActivationFunction` into an :class:`ActivationFunction`.

Numbers follow Keras 3 on its TensorFlow backend, including the derivative TensorFlow's autodiff
returns at a kink (``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``, ``elu'(0) = alpha``,
``hard_tanh'(+-1) = 1``, ``celu'(0) = 2``).  A float32 input gives a float32 output, and no
activation evaluates ``exp`` of a large positive number, so extreme inputs raise no overflow
warning (``exponential`` returns ``inf`` where ``e**x`` exceeds the float range, as TensorFlow does).

Layout: :mod:`.base` (:class:`ActivationFunction`, input checks, shared kernels), then
:mod:`.classic` (linear, step, sigmoid, tanh, the ReLU family), :mod:`.modern` (softplus, GELU,
SiLU, mish, the shrinks, ...) and :mod:`.axis` (softmax, log-softmax, GLU).

Keras's ``sparsemax`` is not provided: Keras 3.15's TensorFlow implementation sums the cumulative
sums over the support when it computes the threshold, so it does not give the sparsemax of
Martins & Astudillo (2016); glassnet neither copies that result nor silently disagrees with it.
"""
from __future__ import annotations

from .axis import GLU, LogSoftmax, Softmax, glu, log_softmax, softmax
from .base import REG, FUNCTION_CLASSES, ActivationFunction, stable_sigmoid
from .base import erf as _erf, erfc as _erfc  # noqa: F401  (the tests check these kernels)
from .classic import (ELU, SELU, HardSigmoid, LeakyReLU, Linear, ReLU, ReLU6, Sigmoid, Step, Tanh, elu,
                      hard_sigmoid, leaky_relu, linear, relu, relu6, selu, sigmoid, step, tanh)
from .modern import (CELU, GELU, Exponential, HardShrink, HardSiLU, HardTanh, LogSigmoid, Mish, SiLU,
                     SoftShrink, Softplus, Softsign, SparsePlus, SparseSigmoid, Squareplus, TanhShrink,
                     Threshold, celu, exponential, gelu, hard_shrink, hard_silu, hard_swish, hard_tanh,
                     log_sigmoid, mish, silu, soft_shrink, softplus, softsign, sparse_plus, sparse_sigmoid,
                     squareplus, swish, tanh_shrink, threshold)

__all__ = [
    "ActivationFunction", "get", "serialize", "deserialize",
    # module-level functions (Keras 3 names), plus glassnet's ``step``
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "squareplus", "step", "swish", "tanh", "tanh_shrink",
    "threshold",
    # classes
    "CELU", "ELU", "Exponential", "GELU", "GLU", "HardShrink", "HardSigmoid", "HardSiLU",
    "HardTanh", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "Mish", "ReLU", "ReLU6", "SELU",
    "Sigmoid", "SiLU", "SoftShrink", "Softmax", "Softplus", "Softsign", "SparsePlus",
    "SparseSigmoid", "Squareplus", "Step", "Tanh", "TanhShrink", "Threshold",
]


# =============================================================================== registry
_DEFAULT_CONFIGS: dict = {}


def _default_config(cls):
    """The config of ``cls()`` (None when ``cls`` has required arguments)."""
    if cls not in _DEFAULT_CONFIGS:
        try:
            _DEFAULT_CONFIGS[cls] = cls().get_config()
        except (TypeError, ValueError):
            _DEFAULT_CONFIGS[cls] = None
    return _DEFAULT_CONFIGS[cls]


def _check_differentiable(act):
    cls = type(act)
    if cls.derivative is ActivationFunction.derivative and cls.backward is ActivationFunction.backward:
        raise TypeError(
            f"activation {cls.__name__} defines neither derivative(z, a) nor backward(grad_a, z, a); "
            f"a custom activation must subclass glassnet.activations.ActivationFunction and "
            f"define derivative (or backward) so that it can be trained"
        )
    return act


def get(identifier) -> ActivationFunction:
    """Resolve an activation identifier to an :class:`ActivationFunction`.

    ``None`` -> ``Linear()``; a name (``'relu'``, ``'swish'``; unknown names raise ``ValueError``
    listing the valid ones); a config dict (see :func:`deserialize`); a glassnet module-level
    function such as ``glassnet.activations.relu`` -> ``ReLU()``; an :class:`ActivationFunction`
    instance -> itself (a subclass -> an instance).  A plain Python callable raises
    ``TypeError``: training needs its derivative.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, ActivationFunction):
        return _check_differentiable(identifier)
    if isinstance(identifier, str):
        return REG.get(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, ActivationFunction):
        return _check_differentiable(identifier())
    if callable(identifier):
        cls = FUNCTION_CLASSES.get(identifier)
        if cls is not None:
            return cls()
        name = getattr(identifier, "__name__", type(identifier).__name__)
        raise TypeError(
            f"activation {name!r} is a plain Python callable, so glassnet does not know its "
            f"derivative; a custom activation must subclass glassnet.activations.ActivationFunction "
            f"and define derivative(z, a) (or backward(grad_a, z, a) if it is not elementwise)"
        )
    raise ValueError(
        f"Could not interpret activation function identifier: expected None, a name such as "
        f"'relu', a config dict or an ActivationFunction, got {type(identifier).__name__} "
        f"{identifier!r}"
    )


def serialize(activation):
    """The activation's name (``'relu'``), as Keras writes it in a layer config.

    An activation with non-default hyper-parameters (``ReLU(max_value=6.0)``) or an unregistered
    custom class serializes to Keras's dict form ``{"module", "class_name", "config",
    "registered_name"}`` instead, so nothing is lost.
    """
    act = get(activation)
    cls = type(act)
    if act.name in REG and REG.lookup(act.name) is cls and act.get_config() == _default_config(cls):
        return act.name
    return REG.serialize(act)


def deserialize(config, custom_objects=None) -> ActivationFunction:
    """Inverse of :func:`serialize`: a name string or a dict.

    Accepted dicts: glassnet's/Keras's class form ``{"class_name": "ReLU", "config": {...}}``
    and Keras's form for a built-in function ``{"class_name": "function", "config": "relu"}``.
    ``custom_objects`` maps extra names to :class:`ActivationFunction` classes or instances.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            return get(custom_objects[config])
        return REG.get(config)
    if isinstance(config, dict):
        class_name = config.get("class_name")
        if class_name == "function":
            return deserialize(config.get("config"), custom_objects)
        if class_name in custom_objects:
            obj = custom_objects[class_name]
            inner = config.get("config") or {}
            if isinstance(obj, type):
                return _check_differentiable(obj.from_config(inner))
            return get(obj)
        return _check_differentiable(REG.deserialize(config))
    raise ValueError(
        f"activations.deserialize: config must be a name string or a dict, got "
        f"{type(config).__name__} {config!r}"
    )
