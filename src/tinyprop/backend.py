"""Array-module dispatch and dtype policy.

Kernels reach NumPy only through ``xp`` so that a GPU array module with the
NumPy API (CuPy) can be plugged in later. Float data defaults to float32.
"""

from __future__ import annotations

import threading

import numpy as np

xp = np
"""The array module every kernel uses."""

_state = threading.local()
_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype that float data gets when none is asked for (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default float dtype: ``float32`` or ``float64``."""
    global _default_dtype
    d = np.dtype(dtype)
    if d not in (np.float32, np.float64):
        raise TypeError(
            f"default dtype must be float32 or float64, got {d}; "
            "pass np.float32 or np.float64"
        )
    _default_dtype = d


def generator_state():
    """Thread-local holder of the default random generator."""
    if not hasattr(_state, "rng"):
        _state.rng = np.random.default_rng()
    return _state


def default_generator() -> np.random.Generator:
    """The current thread's default ``numpy.random.Generator`` (see ``manual_seed``)."""
    return generator_state().rng


def manual_seed(seed: int) -> np.random.Generator:
    """Seed tinyprop's default random generator (this thread) and return it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    g = np.random.default_rng(int(seed))
    generator_state().rng = g
    return g


def resolve_generator(generator=None) -> np.random.Generator:
    """Return ``generator`` if given (a Generator or an int seed), else the default one."""
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"generator must be a numpy.random.Generator or an int seed, got {type(generator).__name__}"
    )
