"""The kernel layer: the elementwise passes of training, in one of two implementations.

Callers write ``from ..kernels import K`` and call ``K.adam(...)``, ``K.bias_relu(...)``;
they never ask which implementation runs.  Two exist, with the same functions and
the same arguments:

* ``numpy_kernels`` -- the reference: the formulas as readable NumPy calls, in the
  float32 order Keras uses.  Always available.
* ``numba_kernels`` -- the same formulas fused into one loop per kernel and compiled
  with numba (multi-threaded over large arrays, compiled code cached on disk).
  Used when numba is importable (``pip install glassnet[fast]``).

Which one runs:

* ``GLASSNET_KERNELS=numpy|numba|auto`` in the environment (read once, at the
  first use), or
* :func:`glassnet.config.set_kernels` (``"numpy"``, ``"numba"`` or ``"auto"``),
  which wins over the environment.

``"auto"`` (the default) takes numba when it imports, else NumPy.  numba is
imported lazily, at the first kernel call (in practice the first ``fit``), so
``import glassnet`` does not pay for it.  Asking for ``"numba"`` explicitly
when it is not installed raises ``ImportError`` at that first call.

Threads: the numba kernels run serial (vectorized) loops unless
:func:`glassnet.config.set_kernel_threads` (or ``GLASSNET_KERNEL_THREADS``) asks for more; BLAS's
threads are set apart, by :func:`glassnet.config.set_num_threads`.

Both implementations draw no random numbers: dropout's uniforms come from the
layer's NumPy ``Generator`` on both paths, so a seed gives the same masks.
"""
from __future__ import annotations

import os
import threading

_CHOICES = ("auto", "numpy", "numba")
_requested: str | None = None          # set by config.set_kernels; None: the environment decides
_lock = threading.Lock()


def _check_choice(value, where: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in _CHOICES:
        raise ValueError(f"{where}: kernels must be one of {', '.join(repr(c) for c in _CHOICES)}, "
                         f"got {value!r}")
    return value.strip().lower()


def requested() -> str:
    """The choice in force: the last :func:`glassnet.config.set_kernels`, else the
    environment's ``GLASSNET_KERNELS``, else ``'auto'``."""
    if _requested is not None:
        return _requested
    env = os.environ.get("GLASSNET_KERNELS", "").strip()
    return _check_choice(env, "GLASSNET_KERNELS") if env else "auto"


def _load(choice: str):
    if choice == "numpy":
        from . import numpy_kernels
        return numpy_kernels
    if choice == "numba":
        from . import numba_kernels           # raises ImportError when numba is missing
        return numba_kernels
    try:
        from . import numba_kernels
    except ImportError:
        from . import numpy_kernels
        return numpy_kernels
    return numba_kernels


class _Kernels:
    """The active implementation's functions as attributes (resolved at the first use).

    Attribute lookups after the first are plain instance-dict lookups: the functions
    of the chosen module are copied onto this object when it is resolved.
    """

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        module = self._resolve()
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"glassnet kernels ({module.NAME}) have no kernel {name!r}") from None

    def _resolve(self):
        with _lock:
            module = self.__dict__.get("_module")
            if module is None:
                module = _load(requested())
                for name in module.__all__:
                    self.__dict__[name] = getattr(module, name)
                self.__dict__["_module"] = module
                if hasattr(module, "set_num_threads"):
                    module.set_num_threads(kernel_threads())
            return module

    def _reset(self):
        with _lock:
            self.__dict__.clear()

    @property
    def name(self) -> str:
        """``'numpy'`` or ``'numba'``: the implementation in use (resolving it if needed)."""
        return self._resolve().NAME


K = _Kernels()


def set_kernels(value: str) -> None:
    """Choose the implementation: ``'numpy'`` (the reference), ``'numba'`` or ``'auto'``."""
    global _requested
    value = _check_choice(value, "set_kernels")
    _requested = value
    K._reset()


def active() -> str:
    """The name of the implementation in use, ``'numpy'`` or ``'numba'`` (imports it if needed)."""
    return K.name


def numba_available() -> bool:
    """True when numba can be imported (this imports it)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


_kernel_threads: int | None = None       # set by config.set_kernel_threads


def kernel_threads() -> int:
    """Threads the parallel kernels may use: :func:`glassnet.config.set_kernel_threads`, else
    ``GLASSNET_KERNEL_THREADS``, else 1."""
    if _kernel_threads is not None:
        return _kernel_threads
    env = os.environ.get("GLASSNET_KERNEL_THREADS", "").strip()
    if not env:
        return 1
    try:
        n = int(env)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"GLASSNET_KERNEL_THREADS must be a positive integer, got {env!r}")
    return n


def set_kernel_threads(n) -> None:
    """Threads for the parallel kernels (None or 1: serial loops, the default)."""
    global _kernel_threads
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"set_kernel_threads: n must be a positive integer or None, got {n!r}")
    _kernel_threads = n
    module = K.__dict__.get("_module")
    if module is not None and hasattr(module, "set_num_threads"):
        module.set_num_threads(kernel_threads())


__all__ = ["K", "set_kernels", "active", "requested", "numba_available", "set_kernel_threads",
           "kernel_threads"]
