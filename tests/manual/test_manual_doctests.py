"""The examples in the manual engine's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

MODULES = [
    "",
    "._validation",
    "._init",
    ".layers",
    ".network",
    ".costs",
    ".nodes",
    ".models",
    ".functional",
    ".check",
    ".training",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("tinyprop.manual" + name)
    result = doctest.testmod(
        module, extraglobs={"np": np}, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
