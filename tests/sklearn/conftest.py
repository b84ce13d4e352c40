"""What the scikit-learn estimator tests share: ``ConvergenceWarning`` silenced (most fits
stop after a few epochs on purpose; a test that wants the warning asks for it with
``pytest.warns``) and the iris data."""

from __future__ import annotations

import warnings

import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def iris_raw():
    """Iris as scikit-learn loads it: (X, y)."""
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def iris(iris_raw):
    """Iris with standardised features: (X, y)."""
    X, y = iris_raw
    return StandardScaler().fit_transform(X), y
