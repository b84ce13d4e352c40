"""Shared helpers for the checkpoint tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinyprop as tp


def same(a, b, where="obj") -> None:
    """Assert ``b`` is ``a`` after a round trip: same types, key types, dtypes and bits."""
    if isinstance(a, tp.Tensor):  # Tensors come back as their arrays
        a = np.asarray(a.data)
    if isinstance(a, dict):
        assert type(b) is dict, where
        assert list(a) == list(b), where
        for (ka, va), kb in zip(a.items(), b):
            assert type(ka) is type(kb), f"{where}: key {ka!r} came back as {kb!r}"
            same(va, b[kb], f"{where}[{ka!r}]")
        return
    if isinstance(a, (list, tuple)):
        assert type(b) is type(a) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
        return
    assert type(b) is type(a), f"{where}: {type(a).__name__} came back as {type(b).__name__}"
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype.name == b.dtype.name and a.shape == b.shape, where
        assert np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes(), where
    elif isinstance(a, float):
        if math.isnan(a):
            assert math.isnan(b), where
        else:
            assert a == b and math.copysign(1, a) == math.copysign(1, b), where
    else:
        assert a == b, where


@pytest.fixture(scope="session")
def assert_same():
    return same


@pytest.fixture
def ckpt(tmp_path):
    return tmp_path / "ckpt.safetensors"


@pytest.fixture
def sample():
    """A checkpoint-shaped structure touching every kind of value."""
    rng = np.random.default_rng(0)
    return {
        "model": {
            "fc1.weight": rng.standard_normal((4, 3)).astype(np.float32),
            "fc1.bias": tp.tensor([0.5, -1.0, 2.0, 0.0]),
            "bn.num_batches_tracked": np.array(7, dtype=np.int64),
        },
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.ones((4, 3))}, 1: {"step": np.float32(3)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}],
        },
        "scheduler": {"last_epoch": 4, "_last_lr": [0.001], "gamma": 0.5},
        "epoch": 5,
        "best_loss": float("inf"),
        "worst": -math.inf,
        "nan": math.nan,
        "note": "día 5 / ~tilde",
        "flags": [True, False, None],
        "empty": np.zeros((0, 3), dtype=np.float16),
    }
