"""Models, as ``keras.models``: ``Sequential`` (``load_model`` arrives with persistence)."""
from .sequential import Sequential

__all__ = ["Sequential"]
