"""Global settings: the float type, the fuzz factor epsilon, and BLAS threads.

``floatx()`` is ``'float32'`` by default, as in Keras; gradient checks switch to
``'float64'`` with :func:`floatx_scope`.  ``epsilon()`` is Keras's fuzz factor
``1e-7`` (used to clip probabilities in cross-entropy, and in optimizers).
"""
from __future__ import annotations

import contextlib
import os

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")


def floatx() -> str:
    """The default float type of weights and computations, as a string."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: ``'float16'``, ``'float32'`` or ``'float64'``."""
    global _FLOATX
    if str(value) not in _ALLOWED_FLOATX:
        raise ValueError(
            f"set_floatx: value must be one of {', '.join(_ALLOWED_FLOATX)}, got {value!r}"
        )
    _FLOATX = str(value)


def epsilon() -> float:
    """The fuzz factor used to avoid division by zero and log(0): 1e-7."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    value = float(value)
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"set_epsilon: value must be a positive finite float, got {value!r}")
    _EPSILON = value


@contextlib.contextmanager
def floatx_scope(value: str):
    """Temporarily use another float type (e.g. ``'float64'`` for gradient checks)."""
    old = floatx()
    set_floatx(value)
    try:
        yield
    finally:
        set_floatx(old)


def dtype():
    """``floatx()`` as a NumPy dtype."""
    return np.dtype(_FLOATX)


# --------------------------------------------------------------------- threads
_NUM_THREADS: int | None = None


def set_num_threads(n: int | None) -> None:
    """Limit the BLAS threads NumPy uses (needs the optional ``threadpoolctl``).

    ``None`` lifts the limit.  The environment variable ``GLASSNET_NUM_THREADS``
    sets it at import time.  Two-thread BLAS can be much slower than one when
    another process takes a core, so on a busy two-core machine use ``1``.
    """
    global _NUM_THREADS, _LIMITER
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"set_num_threads: n must be a positive integer or None, got {n!r}")
        n = int(n)
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - depends on the environment
        if n is not None:
            import warnings

            warnings.warn(
                "set_num_threads: threadpoolctl is not installed, so the BLAS thread count "
                "cannot be changed at run time; install glassnet[threads] or set "
                "OMP_NUM_THREADS/OPENBLAS_NUM_THREADS before starting Python",
                stacklevel=2,
            )
        _NUM_THREADS = n
        return
    if _LIMITER is not None:
        _LIMITER.restore_original_limits()
        _LIMITER = None
    if n is not None:
        _LIMITER = threadpoolctl.threadpool_limits(limits=n, user_api="blas")
    _NUM_THREADS = n


def get_num_threads() -> int | None:
    """The thread limit set by :func:`set_num_threads`, or ``None``."""
    return _NUM_THREADS


_LIMITER = None
if os.environ.get("GLASSNET_NUM_THREADS"):
    try:
        set_num_threads(int(os.environ["GLASSNET_NUM_THREADS"]))
    except ValueError as exc:  # pragma: no cover
        raise ValueError(
            f"GLASSNET_NUM_THREADS must be a positive integer, got {os.environ['GLASSNET_NUM_THREADS']!r}"
        ) from exc


# --------------------------------------------------------------------- kernels
def set_kernels(value: str) -> None:
    """Choose the implementation of the elementwise training kernels (optimizer updates,
    bias + activation, dropout, the fused cross-entropy):

    * ``'numba'``: fused, multi-threaded loops compiled by numba (``glassnet[fast]``);
    * ``'numpy'``: the NumPy reference, the formulas as written in the notes;
    * ``'auto'`` (the default): numba when it is installed, else NumPy.

    Overrides the environment variable ``GLASSNET_KERNELS``.  Both give the same
    numbers to float32 rounding (the optimizer updates bit for bit).
    """
    from . import kernels
    kernels.set_kernels(value)


def set_kernel_threads(n: int | None) -> None:
    """Threads for the numba kernels' parallel loops (``None`` or 1: one thread, the default).

    Separate from :func:`set_num_threads` (BLAS) on purpose: measured on a two-core machine,
    a second kernel thread saves ~0.1 ms per Adam step on 670k parameters when the machine is
    idle, but its OpenMP workers compete with BLAS's threads and, when another process holds
    a core, a W1 epoch became ten times slower.  The environment variable
    ``GLASSNET_KERNEL_THREADS`` sets it at the first kernel call.
    """
    from . import kernels
    kernels.set_kernel_threads(n)


def get_kernels() -> str:
    """The implementation in use: ``'numpy'`` or ``'numba'`` (imports numba under ``'auto'``)."""
    from . import kernels
    return kernels.active()
