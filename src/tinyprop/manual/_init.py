"""Weight initialisation schemes shared by the manual layers and models."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_choice, check_float
from ..backend import get_default_dtype, resolve_generator

INIT_SCHEMES = ("normal", "seed", "zeros", "xavier", "he")


def check_init(init: str) -> str:
    """Validate an ``init`` name early (at construction) with a helpful message."""
    return check_choice(init, "init", INIT_SCHEMES,
                        fix="'xavier' suits tanh/sigmoid, 'he' suits relu")


def check_sigma(sigma) -> float:
    """Validate the standard deviation of the ``"normal"``/``"seed"`` scheme.

    >>> check_sigma(1)
    1.0
    """
    return check_float(sigma, "sigma", low=0, fix="e.g. sigma=0.1")


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
