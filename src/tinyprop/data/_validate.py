"""Checks run at the data package's public entry points, on :mod:`tinyprop._validate`.

Every error says what was expected, what was got and how to fix it. Arguments follow the
one policy (wrong type: ``TinypropTypeError``, wrong value: ``ConfigError``); array
contents that do not fit (NaN, labels out of range) are ``DataError``; a wrong dtype is a
``TinypropTypeError``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .._atomic import atomic_write as _atomic_write
from .._validate import check_finite, check_float, check_int, type_error
from ..backend import resolve_generator
from ..errors import DataError, TinypropTypeError


def check_generator(seed, name: str = "seed") -> np.random.Generator:
    """Return a Generator from an int seed (>= 0) or a Generator; ``None`` means the default.

    >>> int(check_generator(0).integers(10)) == int(check_generator(0).integers(10))
    True
    """
    if seed is not None and not isinstance(seed, np.random.Generator):
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
            raise type_error(name, "an int >= 0, a numpy.random.Generator or None", seed,
                             f"pass e.g. {name}=0")
        check_int(seed, name, low=0, fix="pass a non-negative int")
    return resolve_generator(seed)


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    >>> check_positive_int(3, "batch_size")
    3
    """
    return check_int(value, name, low=minimum, fix=f"pass e.g. {name}={max(minimum, 1)}")


def check_count(value, name: str, n: int) -> int:
    """Turn a size given as a count (int) or a fraction (float in [0, 1)) of ``n`` into a count.

    >>> check_count(0.25, "test_size", 100), check_count(10, "val_size", 100)
    (25, 10)
    """
    if value is None:
        return 0
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise type_error(name, "an int count or a float fraction", value,
                         f"pass e.g. {name}=0.2")
    if isinstance(value, numbers.Integral):
        return check_int(
            value, name, low=0, high=n,
            expected=f"a count between 0 and {n} (the samples available)",
            fix="pass a smaller count or a fraction such as 0.2",
        )
    fraction = check_float(value, f"{name} as a fraction", low=0.0, high=1.0, closed="left",
                           expected="in [0, 1)", fix=f"pass e.g. {name}=0.2")
    return int(round(fraction * n))


def check_numeric(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a non-empty numeric array without NaN or infinity.

    The finiteness check is one float64 sum; the exact scan runs only when it is not finite.

    >>> check_numeric([[0.0, 1.0]]).shape
    (1, 2)
    """
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TinypropTypeError(
            f"{name} must be a numeric array (bool, int, uint or float), got dtype {arr.dtype}; "
            f"convert it with np.asarray({name}, dtype=np.float32)"
        )
    if arr.ndim == 0:
        raise DataError(f"{name} must have a sample axis, got a 0-d array; pass X.reshape(1, -1)")
    if arr.shape[0] == 0:
        raise DataError(f"{name} must hold at least one sample, got shape {tuple(arr.shape)}")
    if arr.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(arr.sum(dtype=np.float64))
    if arr.dtype.kind == "f" and not math.isfinite(total):
        check_finite(arr, name)  # the exact scan, only when the sum is not finite
    return arr


def check_labels(y, name: str = "y", n_classes: int | None = None) -> np.ndarray:
    """Return ``y`` as a 1-D int64 array of class indices (in ``0..n_classes-1`` if given).

    >>> check_labels([0, 2, 1], n_classes=3).dtype
    dtype('int64')
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise DataError(
            f"{name} must be 1-D class indices, got shape {tuple(arr.shape)}; "
            "for one-hot targets use y.argmax(axis=1)"
        )
    if arr.dtype.kind == "f":
        if arr.size and not np.array_equal(arr, np.round(arr)):
            raise DataError(f"{name} must hold whole class indices, got non-integer floats")
    elif arr.dtype.kind not in "iu":
        raise TinypropTypeError(f"{name} must hold integer class indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and n_classes is not None:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n_classes:
            raise DataError(
                f"{name} must hold class indices in 0..{n_classes - 1}, got values in {lo}..{hi}; "
                "check the labels file or pass the right n_classes"
            )
    elif arr.size and int(arr.min()) < 0:
        raise DataError(f"{name} must hold class indices >= 0, got {int(arr.min())}")
    return arr


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file atomically: ``write(f)`` into a temp file beside it, fsync, ``os.replace``.

    Nothing is left half-written: on any error the temp file is removed.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write(p, lambda f: f.write(b"hi")).read_bytes()
    b'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _atomic_write(path, write)
