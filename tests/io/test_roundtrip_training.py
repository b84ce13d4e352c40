"""Resume training from a checkpoint: k + m steps equal k steps, save, load fresh, m steps."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinyprop as tp
from tinyprop.backend import default_generator
from tinyprop.io import (
    CheckpointError,
    get_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_rng_state,
)

nn = pytest.importorskip("tinyprop.nn")
optim = pytest.importorskip("tinyprop.optim")
datasets = pytest.importorskip("sklearn.datasets")

K, M, BATCH = 12, 9, 32


@pytest.fixture(scope="module")
def digits():
    X, y = datasets.load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y.astype(np.int64)


def build(kind: str, seed: int, hidden: int = 32):
    tp.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 10))
    if kind == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    return model, optimizer, scheduler


def train(digits, model, optimizer, scheduler, steps: int) -> None:
    X, y = digits
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(steps):
        idx = default_generator().choice(len(X), BATCH, replace=False)  # RNG drives batches
        optimizer.zero_grad()
        loss = loss_fn(model(tp.tensor(X[idx])), tp.tensor(y[idx]))  # and dropout
        loss.backward()
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_resume_is_bit_exact(digits, ckpt, kind):
    straight = build(kind, seed=0)
    train(digits, *straight, K + M)

    first = build(kind, seed=0)
    train(digits, *first, K)
    save_checkpoint(
        ckpt, model=first[0], optimizer=first[1], scheduler=first[2], step=K, rng=get_rng_state()
    )

    resumed = build(kind, seed=1)  # a fresh process: other weights, other RNG position
    tp.manual_seed(12345)
    extras = load_checkpoint(ckpt, model=resumed[0], optimizer=resumed[1], scheduler=resumed[2])
    assert extras["step"] == K
    set_rng_state(extras["rng"])
    train(digits, *resumed, M)

    expected = straight[0].state_dict()
    got = resumed[0].state_dict()
    assert list(expected) == list(got)
    for name in expected:
        assert np.array_equal(expected[name], got[name]), name
    assert resumed[1].param_groups[0]["lr"] == straight[1].param_groups[0]["lr"]
    assert resumed[2].state_dict() == straight[2].state_dict()


def states(model, optimizer, scheduler):
    return copy.deepcopy((model.state_dict(), optimizer.state_dict(), scheduler.state_dict()))


def assert_same_states(a, b) -> None:
    (ma, oa, sa), (mb, ob, sb) = a, b
    assert list(ma) == list(mb) and all(np.array_equal(ma[k], mb[k]) for k in ma)
    assert oa["param_groups"] == ob["param_groups"] and oa["state"].keys() == ob["state"].keys()
    for i in oa["state"]:
        for k, v in oa["state"][i].items():
            assert np.array_equal(v, ob["state"][i][k]), (i, k)
    assert sa == sb


@pytest.mark.parametrize("misfit", ["architecture", "optimizer groups", "scheduler kind"])
def test_a_checkpoint_that_does_not_fit_changes_nothing(digits, ckpt, misfit):
    source = build("sgd", seed=0)
    train(digits, *source, 3)
    save_checkpoint(ckpt, model=source[0], optimizer=source[1], scheduler=source[2], step=3)

    model, optimizer, scheduler = build(
        "sgd", seed=5, hidden=16 if misfit == "architecture" else 32
    )
    if misfit == "optimizer groups":
        params = list(model.parameters())
        optimizer = optim.SGD(
            [{"params": params[:2]}, {"params": params[2:]}], lr=0.1, momentum=0.9
        )
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    elif misfit == "scheduler kind":
        scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    train(digits, model, optimizer, scheduler, 2)  # give the optimizer some state to lose
    before = states(model, optimizer, scheduler)

    part = {"architecture": "model", "optimizer groups": "optimizer"}.get(misfit, "scheduler")
    with pytest.raises(CheckpointError, match=f"saved {part} state does not fit"):
        load_checkpoint(ckpt, model=model, optimizer=optimizer, scheduler=scheduler)
    assert_same_states(before, states(model, optimizer, scheduler))
