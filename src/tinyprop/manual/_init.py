"""Weight initialisation schemes shared by the manual layers and models."""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_default_dtype, resolve_generator

INIT_SCHEMES = ("normal", "seed", "zeros", "xavier", "he")


def check_init(init: str) -> str:
    """Validate an ``init`` name early (at construction) with a helpful message."""
    if init not in INIT_SCHEMES:
        raise ValueError(
            f"init must be one of {INIT_SCHEMES}, got {init!r}; "
            "'xavier' suits tanh/sigmoid, 'he' suits relu"
        )
    return init


def check_sigma(sigma) -> float:
    """Validate the standard deviation of the ``"normal"``/``"seed"`` scheme.

    >>> check_sigma(1)
    1.0
    """
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma >= 0:
        raise ValueError(f"sigma must be a number >= 0, got {sigma!r}; e.g. sigma=0.1")
    if not math.isfinite(sigma):
        raise ValueError(f"sigma must be finite, got {sigma!r}")
    return float(sigma)


def init_weight(shape, fan_in: int, fan_out: int, init: str, sigma: float, generator, dtype):
    """Draw a weight array of ``shape`` with scheme ``init``.

    - ``"normal"`` / ``"seed"``: ``sigma * randn`` (the seeds' scheme);
    - ``"zeros"``: all zeros;
    - ``"xavier"``: Glorot uniform, ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``;
    - ``"he"``: Kaiming normal, ``N(0, 2 / fan_in)``.

    >>> init_weight((2, 3), 3, 2, "zeros", 0.1, None, None).shape
    (2, 3)
    """
    dtype = dtype or get_default_dtype()
    check_init(init)
    if init == "zeros":
        return np.zeros(shape, dtype=dtype)
    rng = resolve_generator(generator)
    if init in ("normal", "seed"):
        w = sigma * rng.standard_normal(shape)
    elif init == "xavier":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-a, a, size=shape)
    else:  # "he"
        w = math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)
    return np.asarray(w, dtype=dtype)
