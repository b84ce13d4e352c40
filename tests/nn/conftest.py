"""Shared helpers for the ``tinyprop.nn`` tests (PyTorch is imported lazily, only by
the oracle tests that ask for these fixtures)."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp


def _torch():
    return pytest.importorskip("torch")


def copy_to_torch(tp_module, torch_module):
    """Give ``torch_module`` the same parameter and buffer values as ``tp_module``."""
    torch = _torch()
    sd = {k: torch.from_numpy(np.array(v)) for k, v in tp_module.state_dict().items()}
    torch_module.load_state_dict(sd, strict=True)
    return torch_module


def module_parity(
    tp_module, torch_module, x: np.ndarray, rtol=1e-10, atol=1e-12, seed=0, copy=True
):
    """Run both modules on ``x`` (float64), backprop the same random cotangent and compare
    the outputs, the input gradient and every parameter gradient by name."""
    torch = _torch()
    if copy:
        copy_to_torch(tp_module, torch_module)
    xt = tp.tensor(x, requires_grad=True)
    xo = torch.tensor(x, requires_grad=True)
    out = tp_module(xt)
    ref = torch_module(xo)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    u = np.random.default_rng(seed).standard_normal(ref.shape)
    (out * tp.tensor(u)).sum().backward()
    (ref * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(xt.grad.data, xo.grad.numpy(), rtol=rtol, atol=atol)
    tp_params = dict(tp_module.named_parameters())
    torch_params = dict(torch_module.named_parameters())
    assert tp_params.keys() == torch_params.keys()
    for name, p in tp_params.items():
        np.testing.assert_allclose(
            p.grad.data, torch_params[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )
    return out, ref


@pytest.fixture
def torch_parity():
    """``module_parity(tp_module, torch_module, x)`` (see conftest)."""
    return module_parity


@pytest.fixture
def to_torch():
    """``copy_to_torch(tp_module, torch_module)``: copy the state across."""
    return copy_to_torch


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
