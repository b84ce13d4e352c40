"""scikit-learn's bundled 8 x 8 handwritten digits (1,797 images, 10 classes)."""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype
from ._validate import check_generator
from .splits import DataSplits, split_indices


def load_digits(
    *,
    flatten: bool = True,
    dtype=None,
    test_size=0.2,
    val_size=0,
    seed=0,
    return_X_y: bool = False,
):
    """scikit-learn's digits, pixels scaled to [0, 1] (divided by 16), as ``DataSplits``.

    ``flatten``: samples ``(64,)`` or ``(8, 8)``. ``test_size`` / ``val_size``: counts or
    fractions (test of all samples, validation of the rest); the shuffle is seeded by
    ``seed``. Labels are int64. Needs scikit-learn (imported here only).

    >>> d = load_digits(seed=0)
    >>> d.X_train.shape, d.X_test.shape, float(d.X_train.max())
    ((1438, 64), (359, 64), 1.0)
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_digits needs scikit-learn, which is not installed; "
            "install it with `pip install scikit-learn` (or `pip install tinyprop[train]`)"
        ) from err
    rng = check_generator(seed)
    bunch = _sk_load_digits()
    X = (np.asarray(bunch.data) / 16.0).astype(dtype or get_default_dtype())
    y = np.asarray(bunch.target, dtype=np.int64)
    if not flatten:
        X = X.reshape(-1, 8, 8)
    train, val, test = split_indices(len(y), test_size, val_size, rng)
    splits = DataSplits(
        X_train=X[train],
        y_train=y[train],
        X_test=X[test],
        y_test=y[test],
        X_val=X[val] if len(val) else None,
        y_val=y[val] if len(val) else None,
        n_classes=10,
        name="digits",
        input_shape=tuple(X.shape[1:]),
        source="scikit-learn (sklearn.datasets.load_digits)",
    )
    return splits.as_tuple() if return_X_y else splits
