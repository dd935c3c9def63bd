"""Name lookups shared by every module: ``get(None | str | dict | instance)``.

Each public module (activations, losses, optimizers, ...) owns one
:class:`Registry`.  A miss names the module and lists the valid names::

    ValueError: unknown optimizer 'adamm'; expected one of adadelta, adagrad, adam, ...

Serialized objects use Keras 3's layout, so configs read and write the same
JSON as Keras: ``{"module": "keras.optimizers", "class_name": "Adam",
"config": {...}, "registered_name": null}``.
"""
from __future__ import annotations

import re


def keras_snake_case(name: str) -> str:
    """Keras's ``to_snake_case`` for automatic layer names and file keys: digits stay glued to the
    next capital (``'Conv2D'`` -> ``'conv2d'``, ``'GlobalAveragePooling1D'`` -> ``'global_average_pooling1d'``)."""
    name = re.sub(r"\W+", "", name)
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def snake_case(name: str) -> str:
    """``'GlorotUniform'`` -> ``'glorot_uniform'`` (Keras's rule)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Configurable:
    """Keras's convention for a configurable object: ``get_config()`` returns the constructor's
    arguments, so ``from_config(config) = cls(**config)``, and the repr shows them
    (``MaxNorm(max_value=2, axis=0)``).  Base of constraints, initializers, regularizers,
    activations and learning-rate schedules."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild the object from :meth:`get_config`'s output: ``cls(**config)``."""
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config: config must be a dict, got {config!r}")
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


def from_config_with_fn(cls, config: dict, deserialize_fn):
    """``cls(**config)`` with the serialized function ``config['fn']`` rebuilt by ``deserialize_fn``:
    ``from_config`` of Keras's function wrappers (LossFunctionWrapper, MeanMetricWrapper)."""
    config = dict(config)
    if "fn" in config:
        config["fn"] = deserialize_fn(config["fn"])
    return cls(**config)


class Registry:
    """A table of names -> classes or functions for one kind of object.

    kind: what the objects are called in messages ('optimizer', 'loss', ...).
    keras_module: the module name Keras writes in configs ('keras.optimizers').
    """

    def __init__(self, kind: str, keras_module: str):
        self.kind = kind
        self.keras_module = keras_module
        self._by_name: dict[str, object] = {}
        self._canonical: list[str] = []

    def register(self, *names: str):
        """Decorator: register an object under its class name and the given aliases."""

        def deco(obj):
            keys = list(names) or [getattr(obj, "__name__")]
            cls_name = getattr(obj, "__name__", None)
            if cls_name and cls_name not in keys:
                keys.append(cls_name)
            for key in keys:
                self._by_name[key] = obj
            self._canonical.append(keys[0])
            return obj

        return deco

    def add(self, name: str, obj) -> None:
        self._by_name[name] = obj

    def names(self) -> list[str]:
        return sorted(set(k for k in self._by_name if not k[:1].isupper()) or self._by_name)

    def lookup(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a string, got {type(name).__name__}")
        obj = self._by_name.get(name)
        if obj is None:
            obj = self._by_name.get(name.lower()) if name.lower() in self._by_name else None
        if obj is None:
            raise ValueError(
                f"unknown {self.kind} {name!r}; expected one of {', '.join(self.names())}"
            )
        return obj

    def __contains__(self, name) -> bool:
        return name in self._by_name

    # ---------------------------------------------------------------- (de)serialize
    def deserialize(self, config: dict):
        """Build an object from Keras's dict form (``class_name`` + ``config``)."""
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(
                f"a {self.kind} config must be a dict with 'class_name' and 'config', got {config!r}"
            )
        cls = self.lookup(config["class_name"])
        inner = config.get("config") or {}
        if not isinstance(inner, dict):
            raise ValueError(f"{self.kind} config['config'] must be a dict, got {inner!r}")
        if hasattr(cls, "from_config"):
            return cls.from_config(inner)
        if inner:
            raise ValueError(f"{self.kind} {config['class_name']!r} takes no config, got {inner!r}")
        return cls

    def serialize(self, obj) -> dict:
        """Keras's dict form of an object that has ``get_config``."""
        registered = getattr(type(obj), "_registered_name", None)     # register_keras_serializable
        return {
            "module": type(obj).__module__ if registered else self.keras_module,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": registered if registered and type(obj).__dict__.get("_registered_name") else None,
        }

    def serialize_instance(self, obj, base: type, argument: str) -> dict:
        """A module's public ``serialize(argument)``: Keras's dict form of ``obj``, which must be a
        ``base`` (a TypeError naming the argument otherwise)."""
        if not isinstance(obj, base):
            article = "an" if base.__name__[:1] in "AEIOU" else "a"
            raise TypeError(f"{self.keras_module.rsplit('.', 1)[-1]}.serialize: {argument} must be "
                            f"{article} {base.__name__}, got {type(obj).__name__}")
        return self.serialize(obj)

    def get(self, identifier, **kwargs):
        """Resolve ``None | str | dict | instance`` as Keras's ``get`` does.

        Strings name a registered class or function; a class is instantiated
        with ``kwargs``; dicts are deserialized; anything else that is an
        instance (or callable) is returned as it is.
        """
        if identifier is None:
            return None
        if isinstance(identifier, str):
            obj = self.lookup(identifier)
            return obj(**kwargs) if isinstance(obj, type) else obj
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, type):
            return identifier(**kwargs)
        return identifier


# ---------------------------------------------------------------- default names
_NAME_UIDS: dict[str, int] = {}


def unique_name(prefix: str) -> str:
    """``prefix``, then ``prefix_1``, ``prefix_2``, ...: Keras's names for unnamed layers, metrics
    and optimizers (one table of counts per name prefix, as Keras keeps one)."""
    n = _NAME_UIDS.get(prefix, 0)
    _NAME_UIDS[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset_unique_names() -> None:
    """Start every name's numbering afresh (what ``keras.backend.clear_session`` does)."""
    _NAME_UIDS.clear()
