"""Every layer against PyTorch in float64: outputs, input gradients, parameter gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinyprop as tp
from tinyprop import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

pytestmark = pytest.mark.oracle


def _x(shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 5)])
def test_linear_parity(torch_parity, bias, shape):
    m = nn.Linear(5, 4, bias=bias, generator=1).double()
    torch_parity(m, tnn.Linear(5, 4, bias=bias).double(), _x(shape))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Tanh(),
        lambda nn: nn.Sigmoid(),
        lambda nn: nn.ReLU(),
        lambda nn: nn.LeakyReLU(0.2),
        lambda nn: nn.LeakyReLU(),
        lambda nn: nn.ELU(),
        lambda nn: nn.ELU(alpha=0.5),
        lambda nn: nn.GELU(),
        lambda nn: nn.GELU(approximate="tanh"),
        lambda nn: nn.Softplus(),
        lambda nn: nn.Softplus(beta=2.0, threshold=3.0),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.Softmax(dim=0),
        lambda nn: nn.LogSoftmax(dim=1),
        lambda nn: nn.Identity(),
        lambda nn: nn.Flatten(),
        lambda nn: nn.Flatten(0, 1),
    ],
)
def test_parameterless_layer_parity(torch_parity, make):
    x = _x((4, 3, 5), scale=3.0)
    x[0, 0, :3] = [0.5, -0.25, 1.5]  # keep away from kinks at exactly 0
    out, ref = torch_parity(make(nn), make(tnn), x)
    assert repr(make(nn)) == repr(make(tnn))


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 4)])
def test_batchnorm_train_parity(torch_parity, affine, shape):
    m = nn.BatchNorm1d(3, affine=affine).double()
    t = tnn.BatchNorm1d(3, affine=affine).double()
    if affine:
        with tp.no_grad():
            m.weight.data[...] = [0.5, 2.0, -1.0]
            m.bias.data[...] = [0.1, -0.3, 0.0]
    x = _x(shape, scale=2.0) + 1.5
    if not affine:
        # no parameters: compare output and input gradient only
        xt, xo = tp.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        u = _x(shape, seed=5)
        (m(xt) * tp.tensor(u)).sum().backward()
        (t(xo) * torch.tensor(u)).sum().backward()
        np.testing.assert_allclose(xt.grad.data, xo.grad.numpy(), rtol=1e-9, atol=1e-12)
    else:
        torch_parity(m, t, x, rtol=1e-9, atol=1e-12)
    for k, v in m.state_dict().items():
        np.testing.assert_allclose(v, t.state_dict()[k].numpy(), rtol=1e-12, err_msg=k)


def test_batchnorm_eval_parity(torch_parity):
    m = nn.BatchNorm1d(4).double()
    t = tnn.BatchNorm1d(4).double()
    for step in range(3):  # gather some running statistics first, identically
        x = _x((10, 4), seed=step) * (step + 1) + step
        m(tp.tensor(x))
        t(torch.tensor(x))
    with tp.no_grad():
        m.weight.data[...] = [1.0, 0.5, -2.0, 3.0]
    m.eval()
    t.eval()
    torch_parity(m, t, _x((5, 4), seed=9), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape,norm", [((6, 5), 5), ((2, 3, 4), (3, 4)), ((3, 4), [4])])
@pytest.mark.parametrize("affine", [True, False])
def test_layernorm_parity(torch_parity, shape, norm, affine):
    m = nn.LayerNorm(norm, elementwise_affine=affine).double()
    t = tnn.LayerNorm(norm, elementwise_affine=affine).double()
    if affine:
        g = np.random.default_rng(3)
        with tp.no_grad():
            m.weight.data[...] = g.standard_normal(m.weight.shape)
            m.bias.data[...] = g.standard_normal(m.bias.shape)
    torch_parity(m, t, _x(shape, scale=3.0) + 2.0, rtol=1e-9, atol=1e-12)
    assert repr(m) == repr(t)


def test_layernorm_without_bias_parity(torch_parity):
    m = nn.LayerNorm(4, bias=False).double()
    t = tnn.LayerNorm(4, bias=False).double()
    torch_parity(m, t, _x((3, 4)), rtol=1e-9, atol=1e-12)
    assert repr(m) == repr(t)


def test_mlp_parity_and_repr(torch_parity):
    def build(nn, **kw):
        return nn.Sequential(
            nn.Linear(6, 8, **kw),
            nn.BatchNorm1d(8),
            nn.Tanh(),
            nn.Linear(8, 8, **kw),
            nn.LayerNorm(8),
            nn.GELU(),
            nn.Linear(8, 3, **kw),
            nn.LogSoftmax(dim=1),
        )

    m = build(nn, generator=4).double()
    t = build(tnn).double()
    assert repr(m) == repr(t)
    torch_parity(m, t, _x((9, 6)), rtol=1e-9, atol=1e-12)


def test_dropout_eval_and_repr_match_torch():
    assert repr(nn.Dropout(0.3)) == repr(tnn.Dropout(0.3))
    assert repr(nn.Dropout()) == repr(tnn.Dropout())
    assert repr(nn.ReLU(inplace=True)) == repr(tnn.ReLU(inplace=True))
    assert repr(nn.BatchNorm1d(5, momentum=None, affine=False)) == repr(
        tnn.BatchNorm1d(5, momentum=None, affine=False)
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # a pure helper
@given(
    n=st.integers(1, 6),
    fin=st.integers(1, 7),
    fout=st.integers(1, 7),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_linear_parity_property(torch_parity, n, fin, fout, bias, seed):
    m = nn.Linear(fin, fout, bias=bias, generator=seed).double()
    t = tnn.Linear(fin, fout, bias=bias).double()
    torch_parity(m, t, _x((n, fin), seed=seed))
