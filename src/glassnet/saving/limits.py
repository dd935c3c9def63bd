"""What loading one model file may cost at most: parameters, bytes, expansion, layers.

A model file is input from outside: ``load_model`` bounds the memory and time
any file can cost before it allocates anything large.  The defaults leave room
for every model a NumPy library trains in practice; a caller who trusts a
bigger file raises the limit it hits (the error message names it)::

    from glassnet.saving import load_limits, set_load_limits

    with load_limits(max_params=500_000_000):        # for this block only
        model = glassnet.models.load_model("big.keras")

    set_load_limits(max_params=500_000_000)         # for the rest of the process

and on the command line (or for a whole process) through the environment::

    GLASSNET_LOAD_LIMITS=max_params=500000000,max_layers=5000 glassnet summary big.keras

==========================  ===================  =================================================
limit                       default              what it bounds
==========================  ===================  =================================================
``max_params``              100,000,000          the parameters the config declares (checked
                                                 against the weights file before any is allocated)
``max_config_bytes``        4 MiB                config.json / metadata.json / model_config text
                                                 (parsed JSON costs ~20x its text in memory)
``max_member_bytes``        4 GiB                any member of a ``.keras`` zip, decompressed
``max_ratio``               20                   decompressed / compressed bytes of a zip member,
                                                 and declared / stored bytes of HDF5 datasets,
                                                 beyond the first ``ratio_floor_bytes``
``ratio_floor_bytes``       1 MiB                bytes any member may expand to whatever its ratio
``max_layers``              256                  layers in the config (see the note below)
``max_members``             64                   members of a ``.keras`` zip
``max_int_digits``          64                   digits of an integer in a JSON config
==========================  ===================  =================================================

``max_layers`` keeps a hostile file's load under a second: the time grows linearly with the layers
(building the model is O(layers); each layer's HDF5 groups and datasets are looked up and checked,
about 2-3 ms a layer here), so 250 layers load in 0.8 s and 1,000 in 2.2 s (measured with
``Sequential`` models of Dense(4) layers saved as ``.keras``).

Decompression runs in bounded chunks and stops as soon as a limit is passed
(whatever the compression method: stored, deflate, bzip2, LZMA), so a zip bomb
costs at most the limit, never what the archive declares.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import numbers
import os

__all__ = ["LoadLimits", "get_load_limits", "set_load_limits", "load_limits"]


@dataclasses.dataclass(frozen=True)
class LoadLimits:
    """The bounds ``load_model`` / ``load_weights`` enforce (see the module docstring)."""

    max_params: int = 100_000_000
    max_config_bytes: int = 4 << 20
    max_member_bytes: int = 4 << 30
    max_ratio: int = 20
    ratio_floor_bytes: int = 1 << 20
    max_layers: int = 256
    max_members: int = 64
    max_int_digits: int = 64

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise ValueError(f"load limits: {field.name} must be a positive integer, got {value!r}")
            object.__setattr__(self, field.name, int(value))


ENVIRONMENT_VARIABLE = "GLASSNET_LOAD_LIMITS"
_DEFAULT = LoadLimits()
_PROCESS: LoadLimits | None = None                                           # set_load_limits
_BLOCK: contextvars.ContextVar = contextvars.ContextVar("glassnet_load_limits", default=None)   # load_limits


def get_load_limits() -> LoadLimits:
    """The limits in force now: those of the innermost ``load_limits`` block (per thread), else those
    set by ``set_load_limits``, else the defaults changed by the environment variable
    ``GLASSNET_LOAD_LIMITS`` (``"max_params=500000000,max_layers=5000"``; this is how the command
    line's limits are raised)."""
    block = _BLOCK.get()
    if block is not None:
        return block
    return _PROCESS if _PROCESS is not None else _from_environment()


def _from_environment() -> LoadLimits:
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not text:
        return _DEFAULT
    changes = {}
    for item in text.split(","):
        name, sep, value = (part.strip() for part in item.partition("="))
        try:
            changes[name] = int(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"{ENVIRONMENT_VARIABLE}: expected name=integer items separated by commas "
                             f"(e.g. max_params=500000000,max_layers=5000), got {item.strip()!r}") from None
    try:
        return _replace(_DEFAULT, changes)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}: {exc}") from None


def set_load_limits(**changes) -> LoadLimits:
    """Change some limits for the rest of the process (``set_load_limits(max_params=10**9)``).

    Returns the previous limits (pass them to :func:`set_load_limits` as
    ``**dataclasses.asdict(old)`` to restore).  Unknown names raise ``TypeError``.
    """
    global _PROCESS
    old = _PROCESS if _PROCESS is not None else _from_environment()
    _PROCESS = _replace(old, changes)
    return old


@contextlib.contextmanager
def load_limits(**changes):
    """Change some limits inside a ``with`` block only (this thread / task only); yields them."""
    limits = _replace(get_load_limits(), changes)
    token = _BLOCK.set(limits)
    try:
        yield limits
    finally:
        _BLOCK.reset(token)


def _replace(limits: LoadLimits, changes: dict) -> LoadLimits:
    known = {f.name for f in dataclasses.fields(LoadLimits)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise TypeError(f"load limits: unknown limit(s) {unknown}; the limits are {sorted(known)}")
    return dataclasses.replace(limits, **changes)


def raise_hint(name: str) -> str:
    """The sentence every limit error ends with."""
    return (f"if you trust this file, raise the limit: with glassnet.saving.load_limits({name}=...): "
            f"load_model(...)")
