"""Optional dependencies: imported when first used, with one message when missing."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, needed_by: str, package: str) -> ModuleType:
    """Import and return ``module``; if it is missing, an ``ImportError`` saying that
    ``needed_by`` needs ``package`` and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{needed_by} needs {package}, which is not installed; install it with "
            f"`pip install {package}` (or `pip install tinyprop[train]`)"
        ) from err
