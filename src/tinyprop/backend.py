"""The dtype and random-generator policy. Float data defaults to float32.

tinyprop computes with NumPy directly: there is no array-module indirection, since a
switch that nothing exercises would only pretend to support another backend.
"""

from __future__ import annotations

import threading

import numpy as np

from ._validate import check_int

_state = threading.local()
_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype that float data gets when none is asked for (float32 unless changed).

    >>> import tinyprop as tp
    >>> tp.get_default_dtype()
    dtype('float32')
    """
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default float dtype: ``float32`` or ``float64``.

    >>> import tinyprop as tp
    >>> tp.set_default_dtype(tp.float64)
    >>> tp.tensor([1.0]).dtype
    dtype('float64')
    >>> tp.set_default_dtype(tp.float32)  # restore
    """
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
    """Seed tinyprop's default random generator (this thread) and return it.

    >>> import tinyprop as tp
    >>> _ = tp.manual_seed(0); a = tp.rand(3)
    >>> _ = tp.manual_seed(0); b = tp.rand(3)
    >>> (a == b).all().item()
    True
    """
    seed = check_int(seed, "seed", low=0, expected="a non-negative integer",
                     fix="pass e.g. tp.manual_seed(0)")
    g = np.random.default_rng(seed)
    generator_state().rng = g
    return g


def resolve_generator(generator=None) -> np.random.Generator:
    """Return ``generator`` if given (a Generator or an int seed), else the default one.

    >>> from tinyprop.backend import resolve_generator
    >>> type(resolve_generator(0)).__name__
    'Generator'
    """
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"generator must be a numpy.random.Generator or an int seed, got {type(generator).__name__}"
    )
