"""Every docstring example in the library runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import tinyprop

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(tinyprop.__path__, "tinyprop.")
    if m.name != "tinyprop.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"np": np, "tp": tinyprop}):
        if test.examples:
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
