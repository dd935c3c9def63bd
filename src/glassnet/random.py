"""Seeded random numbers: one NumPy ``Generator`` per purpose, no global RandomState.

``set_random_seed(s)`` (also ``glassnet.utils.set_random_seed``) resets the
global seed; every object that needs randomness without a seed of its own
(initializers, Dropout, shuffling in ``fit``) draws a child ``Generator`` from
:func:`make_generator`, so one seed makes a whole run repeatable.
"""
from __future__ import annotations

import numpy as np

_ROOT = np.random.SeedSequence()
_COUNTER = 0


def set_random_seed(seed: int) -> None:
    """Make everything that follows repeatable: same seed, same weights, same run."""
    global _ROOT, _COUNTER
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative integer, got {seed!r}")
    _ROOT = np.random.SeedSequence(int(seed))
    _COUNTER = 0


def make_generator(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """A ``Generator`` from an explicit seed, or the next child of the global seed."""
    global _COUNTER
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        return np.random.default_rng(int(seed))
    child = np.random.SeedSequence(entropy=_ROOT.entropy, spawn_key=(*_ROOT.spawn_key, _COUNTER))
    _COUNTER += 1
    return np.random.default_rng(child)


def get_state() -> tuple:
    """The global seed's state (to put back later with :func:`set_state`)."""
    return (_ROOT, _COUNTER)


def set_state(state: tuple) -> None:
    """Restore a state returned by :func:`get_state`."""
    global _ROOT, _COUNTER
    root, counter = state
    if not isinstance(root, np.random.SeedSequence) or not isinstance(counter, int):
        raise TypeError("set_state: state must come from glassnet.random.get_state()")
    _ROOT, _COUNTER = root, counter


class seed_scope:
    """``with seed_scope(42): ...`` runs the block under ``set_random_seed(42)``, then puts the
    previous global seed state back (``seed_scope(None)`` changes nothing)."""

    def __init__(self, seed):
        self.seed = seed
        self._saved = None

    def __enter__(self):
        if self.seed is not None:
            self._saved = get_state()
            set_random_seed(self.seed)
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            set_state(self._saved)
        return False
