"""scikit-learn's bundled 8 x 8 handwritten digits (1,797 images, 10 classes)."""

from __future__ import annotations

import numpy as np

from .._optional import require
from .._validate import check_bool
from ..backend import get_default_dtype
from ._validate import check_generator
from .splits import split_indices, splits_from_indices


def load_digits(
    *,
    flatten: bool = True,
    dtype=None,
    test_size=0.2,
    val_size=0,
    seed=0,
    scale: bool = True,
    return_X_y: bool = False,
):
    """scikit-learn's digits, pixels scaled to [0, 1] (divided by 16), as ``DataSplits``.

    ``flatten``: samples ``(64,)`` or ``(8, 8)``. ``test_size`` / ``val_size``: counts or
    fractions (test of all samples, validation of the rest); the shuffle is seeded by
    ``seed``: an int or a ``Generator``, or a legacy ``numpy.random.RandomState``, whose
    shuffle is scikit-learn's ``train_test_split(..., random_state=...)`` split (test
    first). ``scale=False`` keeps the raw 0-16 pixel values. Labels are int64. Needs
    scikit-learn (imported here only).

    >>> d = load_digits(seed=0)
    >>> d.X_train.shape, d.X_test.shape, float(d.X_train.max())
    ((1438, 64), (359, 64), 1.0)
    """
    datasets = require("sklearn.datasets", "load_digits", "scikit-learn")
    legacy = isinstance(seed, np.random.RandomState)
    rng = seed if legacy else check_generator(seed)
    bunch = datasets.load_digits()
    X = (np.asarray(bunch.data) / (16.0 if check_bool(scale, "scale") else 1.0)).astype(
        dtype or get_default_dtype())
    y = np.asarray(bunch.target, dtype=np.int64)
    if not flatten:
        X = X.reshape(-1, 8, 8)
    splits = splits_from_indices(
        X,
        y,
        split_indices(len(y), test_size, val_size, rng),
        n_classes=10,
        name="digits",
        input_shape=tuple(X.shape[1:]),
        source="scikit-learn (sklearn.datasets.load_digits)",
    )
    return splits.as_tuple() if return_X_y else splits
