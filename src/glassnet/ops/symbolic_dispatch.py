"""Symbolic tensors reach ``glassnet.ops``: the hook a model engine registers.

The functional API's symbolic tensors (Keras's ``x = ops.expand_dims(inputs, -1)`` on an
``Input``) are not arrays: a model engine registers their type and a handler that records the call
as a graph node, with :func:`register_symbolic`.  Every public ``glassnet.ops`` function is wrapped
by :func:`symbolic_aware` (at the bottom of its module), so that a call with a symbolic argument
(anywhere in lists / tuples / dicts) goes to the handler.
"""
from __future__ import annotations

import functools

_SYMBOLIC_TYPES: tuple = ()
_SYMBOLIC_HANDLER = None


def register_symbolic(types, handler) -> None:
    """Send calls of ``glassnet.ops`` functions that receive an instance of ``types`` to
    ``handler(fn, args, kwargs)``, whose result the call returns (``fn`` is the ops function,
    to apply later to real arrays).  ``types=()`` removes the hook."""
    global _SYMBOLIC_TYPES, _SYMBOLIC_HANDLER
    _SYMBOLIC_TYPES = tuple(types) if isinstance(types, (list, tuple)) else (types,)
    _SYMBOLIC_HANDLER = handler if _SYMBOLIC_TYPES else None


def _has_symbolic(x) -> bool:
    if isinstance(x, _SYMBOLIC_TYPES):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_has_symbolic(v) for v in x.values())
    return False


def symbolic_aware(fn):
    """``fn`` wrapped so that a call with a symbolic argument goes to the registered handler."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _SYMBOLIC_TYPES and (_has_symbolic(args) or _has_symbolic(kwargs)):
            return _SYMBOLIC_HANDLER(call, args, kwargs)
        return fn(*args, **kwargs)
    return call
