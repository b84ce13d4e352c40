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


PUBLIC = ["tinyprop", "tinyprop.functional", "tinyprop.nn", "tinyprop.nn.functional",
          "tinyprop.nn.init", "tinyprop.nn.utils", "tinyprop.optim", "tinyprop.optim.lr_scheduler",
          "tinyprop.data", "tinyprop.manual", "tinyprop.manual.functional", "tinyprop.train",
          "tinyprop.viz", "tinyprop.io", "tinyprop.sklearn"]


def test_every_public_name_has_an_example():
    import inspect

    missing = set()
    for modname in PUBLIC:
        mod = importlib.import_module(modname)
        names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        for n in names:
            obj = getattr(mod, n, None)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not (getattr(obj, "__module__", "") or "").startswith("tinyprop"):
                continue
            if ">>>" not in (obj.__doc__ or ""):
                missing.add(f"{obj.__module__}.{obj.__qualname__}")
    assert not missing, f"public names without a docstring example: {sorted(missing)}"
