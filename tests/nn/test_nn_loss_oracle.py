"""Loss modules against PyTorch in float64: values and gradients for every option."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(42)
LOGITS = RNG.standard_normal((7, 4)) * 2
LABELS = np.array([0, 3, 1, 2, 3, 0, 1])
PROBS = RNG.dirichlet(np.ones(4), size=7)
W = np.array([0.5, 2.0, 1.0, 1.5])


def _compare(tp_loss, torch_loss, x, target, target_grad=False):
    xt = tp.tensor(x, requires_grad=True)
    xo = torch.tensor(x, requires_grad=True)
    tt = tp.tensor(target, requires_grad=target_grad)
    to = torch.tensor(target, requires_grad=target_grad)
    out = tp_loss(xt, tt)
    ref = torch_loss(xo, to)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    u = np.random.default_rng(1).standard_normal(ref.shape)
    (out * tp.tensor(u)).sum().backward()
    (ref * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(xt.grad.data, xo.grad.numpy(), rtol=1e-10, atol=1e-12)
    if target_grad:
        np.testing.assert_allclose(tt.grad.data, to.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(tp_loss) == repr(torch_loss)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"weight": W},
        {"ignore_index": 3},
        {"label_smoothing": 0.2},
        {"weight": W, "ignore_index": 0, "label_smoothing": 0.1},
    ],
)
def test_cross_entropy_index_targets(reduction, kwargs):
    tp_kw = dict(kwargs)
    t_kw = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    _compare(
        nn.CrossEntropyLoss(reduction=reduction, **tp_kw),
        tnn.CrossEntropyLoss(reduction=reduction, **t_kw),
        LOGITS,
        LABELS,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.3}])
def test_cross_entropy_probability_targets(reduction, kwargs):
    _compare(
        nn.CrossEntropyLoss(reduction=reduction, **kwargs),
        tnn.CrossEntropyLoss(reduction=reduction, **kwargs),
        LOGITS,
        PROBS,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kwargs", [{}, {"weight": W}, {"ignore_index": 1}])
def test_nll_loss(reduction, kwargs):
    t_kw = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    logp = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    _compare(
        nn.NLLLoss(reduction=reduction, **kwargs),
        tnn.NLLLoss(reduction=reduction, **t_kw),
        logp,
        LABELS,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "make",
    [
        lambda m, r: m.MSELoss(reduction=r),
        lambda m, r: m.L1Loss(reduction=r),
        lambda m, r: m.HuberLoss(reduction=r),
        lambda m, r: m.HuberLoss(r, delta=0.5),
    ],
)
def test_regression_losses(reduction, make):
    x = RNG.standard_normal((6, 3))
    y = x + RNG.standard_normal((6, 3)) * 1.5
    _compare(make(nn, reduction), make(tnn, reduction), x, y, target_grad=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits(reduction, weighted, pos):
    x = RNG.standard_normal((5, 3)) * 3
    y = (RNG.random((5, 3)) > 0.5).astype(np.float64)
    w = np.array([1.0, 0.5, 2.0]) if weighted else None
    pw = np.array([3.0, 1.0, 0.25]) if pos else None
    _compare(
        nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw),
        tnn.BCEWithLogitsLoss(
            weight=None if w is None else torch.tensor(w),
            reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw),
        ),
        x,
        y,
        target_grad=True,
    )


def test_weights_are_buffers_in_state_dict_like_torch():
    w = torch.tensor(W)
    assert list(nn.CrossEntropyLoss(weight=W).state_dict()) == list(
        tnn.CrossEntropyLoss(weight=w).state_dict()
    )
    assert list(nn.CrossEntropyLoss().state_dict()) == list(tnn.CrossEntropyLoss().state_dict())
    assert list(nn.BCEWithLogitsLoss(pos_weight=W).state_dict()) == list(
        tnn.BCEWithLogitsLoss(pos_weight=w).state_dict()
    )
