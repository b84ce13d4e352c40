"""Every optimizer follows torch's trajectory over 100 steps, option by option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinyprop as tp
from tinyprop import optim
from tinyprop.optim import lr_scheduler

TOL = 1e-6


@pytest.mark.oracle
def test_trajectory_matches_torch(case, helpers):
    torch = pytest.importorskip("torch")
    name, kwargs, groups, sign = case
    params, opt, problem = helpers.make_tinyprop(helpers.tp_class(name), kwargs, groups)
    helpers.drive(params, opt, problem, sign=sign)
    expected = helpers.run_torch(torch, getattr(torch.optim, name), kwargs, groups, sign=sign)
    for p, e in zip(params, expected):
        assert p.data.dtype == np.float64
        assert np.max(np.abs(p.data - e)) < TOL
    # the run moved the parameters (the comparison is not vacuous)
    assert max(np.max(np.abs(p.data - a)) for p, a in zip(params, problem.init)) > 0.05


def _mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 5))
    y = rng.integers(0, 3, size=64)
    init = [rng.normal(size=(5, 8)) * 0.5, np.zeros(8), rng.normal(size=(8, 3)) * 0.5, np.zeros(3)]
    return X, y, init


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
        ("RMSprop", {"lr": 0.001, "centered": True, "momentum": 0.9}),
        ("Adagrad", {"lr": 0.05, "lr_decay": 0.01}),
    ],
)
def test_autograd_training_matches_torch(name, kwargs):
    """End to end: tinyprop's autograd fills .grad, zero_grad/step as in a training loop."""
    torch = pytest.importorskip("torch")
    X, y, init = _mlp_data()

    ps = [tp.tensor(a, dtype=np.float64, requires_grad=True) for a in init]
    opt = getattr(optim, name)(ps, **kwargs)
    Xt, yt = tp.tensor(X, dtype=np.float64), tp.tensor(y)

    qs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(qs, foreach=False, **kwargs)
    Xq, yq = torch.from_numpy(X), torch.from_numpy(y)

    for _ in range(100):
        opt.zero_grad()
        loss = tp.cross_entropy(tp.tanh(Xt @ ps[0] + ps[1]) @ ps[2] + ps[3], yt)
        loss.backward()
        opt.step()

        topt.zero_grad()
        tloss = torch.nn.functional.cross_entropy(
            torch.tanh(Xq @ qs[0] + qs[1]) @ qs[2] + qs[3], yq
        )
        tloss.backward()
        topt.step()
        assert abs(loss.item() - tloss.item()) < TOL
    for p, q in zip(ps, qs):
        assert np.max(np.abs(p.data - q.detach().numpy())) < TOL


@pytest.mark.oracle
@pytest.mark.parametrize(
    "name, kwargs, sched_kwargs",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}, {}),
        ("SGD", {"lr": 0.1}, {"three_phase": True, "anneal_strategy": "linear"}),
        ("Adam", {"lr": 0.01}, {}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5}, {"base_momentum": 0.5, "max_momentum": 0.9}),
    ],
)
def test_one_cycle_drives_the_optimizer_like_torch(name, kwargs, sched_kwargs, helpers):
    """Momentum / beta1 cycling changes the updates the same way on both sides."""
    torch = pytest.importorskip("torch")
    groups = [{"idx": [0]}, {"idx": [1, 2]}]
    params, opt, problem = helpers.make_tinyprop(getattr(optim, name), kwargs, groups)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=[0.05, 0.02], total_steps=100, **sched_kwargs)

    qs = [torch.tensor(a, requires_grad=True) for a in problem.init]
    topt = getattr(torch.optim, name)(helpers.split_groups(qs, groups), foreach=False, **kwargs)
    tsched = torch.optim.lr_scheduler.OneCycleLR(
        topt, max_lr=[0.05, 0.02], total_steps=100, **sched_kwargs
    )
    for k in range(100):
        helpers.drive(params, opt, problem, first=k, steps=1)
        sched.step()
        grads = problem.grads([q.detach().numpy().copy() for q in qs], k)
        for q, g in zip(qs, grads):
            q.grad = torch.from_numpy(g)
        topt.step()
        tsched.step()
    for p, q in zip(params, qs):
        assert np.max(np.abs(p.data - q.detach().numpy())) < TOL


@pytest.mark.oracle
@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]),
    lr=st.floats(1e-4, 0.1),
    beta=st.floats(0.0, 0.99),
    decay=st.floats(0.0, 0.2),
    flag=st.booleans(),
)
def test_random_hyperparameters_match_torch(name, lr, beta, decay, flag):
    """Property: for random hyperparameters, 30 steps stay on torch's trajectory."""
    torch = pytest.importorskip("torch")
    kwargs = {
        "SGD": {"lr": lr, "momentum": beta, "weight_decay": decay, "nesterov": flag and beta > 0},
        "Adam": {"lr": lr, "betas": (beta, 0.999), "weight_decay": decay, "amsgrad": flag},
        "AdamW": {"lr": lr, "betas": (0.9, max(beta, 0.5)), "weight_decay": decay},
        "RMSprop": {"lr": lr, "alpha": max(beta, 0.5), "momentum": decay, "centered": flag},
        "Adagrad": {"lr": lr, "lr_decay": decay, "initial_accumulator_value": beta},
    }[name]
    rng = np.random.default_rng(0)
    init = rng.normal(size=(3, 4))
    p = tp.tensor(init, dtype=np.float64, requires_grad=True)
    q = torch.tensor(init, requires_grad=True)
    opt = getattr(optim, name)([p], **kwargs)
    topt = getattr(torch.optim, name)([q], foreach=False, **kwargs)
    for k in range(30):
        # one gradient for both, from torch's point: a gradient of each side's own point
        # would feed rounding differences back through sin(p * k) and amplify them
        x = q.detach().numpy()
        g = np.sin(x * (k + 1)) + 0.1 * x
        p.grad = tp.tensor(g)
        q.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    assert np.max(np.abs(p.data - q.detach().numpy())) < TOL
