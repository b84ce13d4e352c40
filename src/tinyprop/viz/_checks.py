"""Input validation shared by the plotting functions (messages say expected/got/fix).

Built on :mod:`tinyprop._validate`: wrong types raise ``TinypropTypeError`` (a
``TypeError``), arrays that do not fit ``DataError`` (a ``ValueError``), bad options
``ConfigError`` (a ``ValueError``).
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_int
from ..errors import ConfigError, DataError, TinypropTypeError


def as_array(x, what: str) -> np.ndarray:
    """Turn array-likes (lists, NumPy arrays, Tensors) into a NumPy array."""
    if x is None:
        raise TinypropTypeError(f"{what} is None; expected an array")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TinypropTypeError(
            f"{what} must be array-like (list, NumPy array or Tensor), "
            f"got {type(x).__name__}: {exc}"
        ) from None
    if arr.dtype == object:
        raise TinypropTypeError(
            f"{what} must be a numeric array, got {type(x).__name__} that NumPy could only "
            "turn into an object array (ragged lists?); pass a rectangular numeric array"
        )
    return arr


def as_float_array(x, what: str) -> np.ndarray:
    arr = as_array(x, what)
    if arr.dtype.kind not in "biuf":
        raise TinypropTypeError(f"{what} must hold numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def as_labels(y, what: str, n: int | None = None) -> np.ndarray:
    """Class labels as a 1-D int64 array; a 2-D (N, K) array is reduced by argmax.

    2-D inputs cover one-hot targets and per-class scores or probabilities.
    """
    arr = as_array(y, what)
    if arr.ndim == 2:
        if arr.shape[1] == 0:
            raise DataError(f"{what} has shape {tuple(arr.shape)}; a 2-D label array needs K >= 1")
        arr = arr.argmax(axis=1)
    elif arr.ndim != 1:
        raise DataError(
            f"{what} must be 1-D class labels (N,) or 2-D one-hot/scores (N, K), "
            f"got shape {tuple(arr.shape)}"
        )
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        if arr.size and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            bad = arr[~(np.isfinite(arr) & (arr == np.round(arr)))][0]
            raise DataError(
                f"{what} must hold integer class labels, got the non-integer value {bad}; "
                "pass predicted classes (e.g. probs.argmax(axis=1)), not probabilities"
            )
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TinypropTypeError(f"{what} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise DataError(
            f"{what} must hold class labels >= 0, got {arr.min()}; "
            "labels are indices 0..n_classes-1"
        )
    if n is not None and len(arr) != n:
        raise DataError(f"{what} has {len(arr)} labels but {n} were expected (one per sample)")
    return arr


def check_positive_int(value, what: str, allow_none: bool = False):
    """``value`` as an int >= 1 (``None`` too when ``allow_none``)."""
    return check_int(value, what, low=1, expected="a positive int", allow_none=allow_none)


def image_shape_for(n_features: int, image_shape, what: str) -> tuple:
    """The (H, W) for flattened images of ``n_features`` pixels: given, or a square."""
    if image_shape is not None:
        try:
            shape = tuple(int(s) for s in image_shape)
        except TypeError:
            raise TinypropTypeError(
                f"image_shape must be a tuple such as (28, 28), got {image_shape!r}"
            ) from None
        if len(shape) not in (2, 3) or math.prod(shape) != n_features:
            raise ConfigError(
                f"image_shape {shape} does not fit {what} with {n_features} values per image; "
                f"expected (H, W) or (H, W, C) with H*W*C == {n_features}"
            )
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise DataError(
            f"cannot infer the image shape of {what}: {n_features} values per image is not a "
            f"square (64 -> 8x8, 784 -> 28x28); pass image_shape=(H, W)"
        )
    return (side, side)


def grid_layout(n: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding ``n`` panels."""
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    return rows, cols
