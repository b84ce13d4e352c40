"""Seeded 2-D toy sets in NumPy: circles, moons, xor and spirals.

Each returns a ``DataSplits`` (``return_X_y=True``: a tuple, see ``DataSplits.as_tuple``)
with float samples, int64 labels, ``Y_*`` one-hot targets and ``grid()`` for
decision-boundary plots. Classes are balanced; train and test come from the same
distribution; ``val_size`` (a count or a fraction) is carved out of the training part.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_float
from ..backend import get_default_dtype
from ._validate import check_generator, check_positive_int
from .splits import split_indices, splits_from_indices


def _start(seed, noise, n_train, n_test, n_classes: int):
    """What every generator starts with: the checked generator and ``noise``, then
    ``n_train + n_test`` balanced labels in an order shuffled by that generator."""
    rng = check_generator(seed)
    noise = check_float(noise, "noise", low=0, fix="pass e.g. noise=0.1")
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test", 0)
    y = np.arange(n_train + n_test, dtype=np.int64) % n_classes
    rng.shuffle(y)
    return rng, noise, y


def _finish(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    n_test: int,
    val_size,
    bounds: tuple[float, float, float, float],
    dtype,
    return_X_y: bool,
    n_classes: int,
):
    X = X.astype(dtype or get_default_dtype())
    splits = splits_from_indices(
        X,
        y,
        split_indices(len(y), n_test, val_size, rng=None),
        n_classes=n_classes,
        name=name,
        input_shape=(2,),
        source="generated (NumPy)",
        bounds=bounds,
    )
    return splits.as_tuple() if return_X_y else splits


def make_circles(
    n_train: int = 200,
    n_test: int = 200,
    *,
    noise: float = 0.1,
    seed=0,
    val_size=0,
    dtype=None,
    return_X_y: bool = False,
):
    """Two classes in the plane: an inner disc (class 0, radius 0.6) inside a ring
    (class 1, radii 1.0 to 1.5), plus Gaussian ``noise``; seed 001's ``CirclesData``.

    ``grid()`` defaults to the seed's 40 x 40 grid over [-2, 2).

    >>> d = make_circles(seed=0)
    >>> d.X_train.shape, d.X_test.shape, d.Y_train.shape, d.grid().points.shape
    ((200, 2), (200, 2), (200, 2), (1600, 2))
    """
    rng, noise, y = _start(seed, noise, n_train, n_test, 2)
    u = rng.random(len(y))
    radius = np.where(y == 0, 0.6 * np.sqrt(u), np.sqrt(1.0 + u * (1.5**2 - 1.0)))
    angle = rng.uniform(0.0, 2 * np.pi, len(y))
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    X += noise * rng.standard_normal(X.shape)
    return _finish("circles", X, y, n_test, val_size, (-2.0, 2.0, -2.0, 2.0), dtype, return_X_y, 2)


def make_moons(
    n_train: int = 200,
    n_test: int = 200,
    *,
    noise: float = 0.1,
    seed=0,
    val_size=0,
    dtype=None,
    return_X_y: bool = False,
):
    """Two interleaving half circles (scikit-learn's moons, in NumPy) plus Gaussian ``noise``.

    >>> d = make_moons(seed=0)
    >>> d.X_train.shape, sorted(set(d.y_train.tolist()))
    ((200, 2), [0, 1])
    """
    rng, noise, y = _start(seed, noise, n_train, n_test, 2)
    t = rng.uniform(0.0, np.pi, len(y))
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.where((y == 0)[:, None], upper, lower)
    X += noise * rng.standard_normal(X.shape)
    return _finish("moons", X, y, n_test, val_size, (-1.5, 2.5, -1.0, 1.5), dtype, return_X_y, 2)


def make_xor(
    n_train: int = 200,
    n_test: int = 200,
    *,
    noise: float = 0.35,
    seed=0,
    val_size=0,
    dtype=None,
    return_X_y: bool = False,
):
    """XOR: four Gaussian blobs at (+-1, +-1) with std ``noise``; class 1 where the two
    coordinates' signs differ (the blob centers', so noise can cross the axes).

    >>> d = make_xor(seed=0)
    >>> d.X_train.shape, d.n_classes
    ((200, 2), 2)
    """
    rng, noise, y = _start(seed, noise, n_train, n_test, 2)
    sx = rng.choice([-1.0, 1.0], len(y))
    sy = np.where(y == 1, -sx, sx)
    X = np.stack([sx, sy], axis=1) + noise * rng.standard_normal((len(y), 2))
    return _finish("xor", X, y, n_test, val_size, (-2.5, 2.5, -2.5, 2.5), dtype, return_X_y, 2)


def make_spiral(
    n_train: int = 300,
    n_test: int = 300,
    *,
    n_classes: int = 3,
    noise: float = 0.2,
    seed=0,
    val_size=0,
    dtype=None,
    return_X_y: bool = False,
):
    """``n_classes`` interleaved spiral arms (CS231n's spiral): radius r in [0, 1), angle
    ``2 pi k / n_classes + 4 r`` plus Gaussian ``noise`` on the angle.

    >>> d = make_spiral(n_classes=3, seed=0)
    >>> d.X_train.shape, d.n_classes
    ((300, 2), 3)
    """
    n_classes = check_positive_int(n_classes, "n_classes", 2)
    rng, noise, y = _start(seed, noise, n_train, n_test, n_classes)
    r = rng.random(len(y))
    theta = 2 * np.pi * y / n_classes + 4.0 * r + noise * rng.standard_normal(len(y))
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _finish(
        "spiral", X, y, n_test, val_size, (-1.25, 1.25, -1.25, 1.25), dtype, return_X_y, n_classes
    )
