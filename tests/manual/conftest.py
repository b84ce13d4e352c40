"""Shared fixtures for the manual-engine tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def tight() -> dict:
    """Central-difference tolerances for float64 checks: far tighter than any real bug."""
    return {"eps": 1e-6, "atol": 1e-8, "rtol": 1e-6}


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
