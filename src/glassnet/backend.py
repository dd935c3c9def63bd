"""``glassnet.backend``: the few ``keras.backend`` functions tutorials call."""
from __future__ import annotations

from .config import epsilon, floatx, set_epsilon, set_floatx  # noqa: F401


def clear_session(free_memory=True) -> None:
    """Start layer, model, metric and optimizer names afresh (``dense``, ``dense_1``, ... begin again), as Keras does.

    glassnet keeps no global graph, so nothing else needs clearing.
    """
    from ._registry import reset_unique_names

    reset_unique_names()


def image_data_format() -> str:
    """glassnet's images are channels-last (Keras's default)."""
    return "channels_last"


def backend() -> str:
    return "numpy"
