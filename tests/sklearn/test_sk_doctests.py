"""The examples in the estimators' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

import tinyprop.sklearn
from tinyprop.sklearn import _estimators


@pytest.mark.parametrize("module", [tinyprop.sklearn, _estimators], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
