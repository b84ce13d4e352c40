"""save_checkpoint / load_checkpoint (all-or-nothing loading) and the RNG state helpers."""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest

import tinyprop as tp
from tinyprop.backend import default_generator, generator_state
from tinyprop.io import (
    CheckpointError,
    get_rng_state,
    load,
    load_checkpoint,
    save,
    save_checkpoint,
    set_rng_state,
)

CALLS: list[tuple[str, int]] = []  # (class name, id of the object) of every load_state_dict


class FakeModel:
    """A stand-in with PyTorch's contract: state_dict() hands out live arrays."""

    def __init__(self, sizes=(3, 2), fill=0.0):
        self.params = {f"layer{i}.weight": np.full(n, fill) for i, n in enumerate(sizes)}

    def state_dict(self):
        return dict(self.params)

    def load_state_dict(self, sd):
        CALLS.append(("model", id(self)))
        if set(sd) != set(self.params):
            raise KeyError(f"keys {sorted(sd)} do not match {sorted(self.params)}")
        for k, v in sd.items():
            if np.shape(v) != self.params[k].shape:
                raise ValueError(f"{k}: shape {np.shape(v)} != {self.params[k].shape}")
        for k, v in sd.items():
            self.params[k][...] = v


class FakeOptimizer:
    def __init__(self, model, lr=0.1):
        self.model = model  # like an optimizer holding the model's parameters
        self.lr = lr
        self.state = {}

    def state_dict(self):
        params = list(range(len(self.model.params)))
        return {"state": self.state, "param_groups": [{"lr": self.lr, "params": params}]}

    def load_state_dict(self, sd):
        CALLS.append(("optimizer", id(self)))
        if len(sd["param_groups"][0]["params"]) != len(self.model.params):
            raise ValueError("parameter count differs")
        self.lr = sd["param_groups"][0]["lr"]
        self.state = copy.deepcopy(sd["state"])


class FakeScheduler:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.last_epoch = 0

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "kind": "step"}

    def load_state_dict(self, sd):
        CALLS.append(("scheduler", id(self)))
        if sd.get("kind") != "step":
            raise ValueError("not a step scheduler state")
        self.last_epoch = sd["last_epoch"]


def trio(sizes=(3, 2), fill=0.0, lr=0.1):
    model = FakeModel(sizes, fill)
    optimizer = FakeOptimizer(model, lr)
    return model, optimizer, FakeScheduler(optimizer)


def snapshot(model, optimizer, scheduler):
    return copy.deepcopy((model.params, optimizer.lr, optimizer.state, scheduler.last_epoch))


def assert_untouched(before, objs) -> None:
    after = snapshot(*objs)
    for k in before[0]:
        np.testing.assert_array_equal(before[0][k], after[0][k])
    assert before[1:] == after[1:]


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


@pytest.fixture
def saved(ckpt):
    model, optimizer, scheduler = trio(fill=1.5, lr=0.01)
    optimizer.state = {0: {"m": np.arange(3.0)}, 1: {"m": np.arange(2.0), "step": 4}}
    scheduler.last_epoch = 7
    save_checkpoint(
        ckpt, model=model, optimizer=optimizer, scheduler=scheduler, epoch=7, best=float("inf")
    )
    return ckpt


def test_round_trip_restores_everything_and_returns_extras(saved):
    model, optimizer, scheduler = trio()
    extras = load_checkpoint(saved, model=model, optimizer=optimizer, scheduler=scheduler)
    assert extras == {"epoch": 7, "best": float("inf")}
    assert all(np.all(v == 1.5) for v in model.params.values())
    assert optimizer.lr == 0.01 and optimizer.state[1]["step"] == 4
    np.testing.assert_array_equal(optimizer.state[0]["m"], np.arange(3.0))
    assert scheduler.last_epoch == 7
    assert set(load(saved)) == {"model", "optimizer", "scheduler", "epoch", "best"}


def test_parts_can_be_skipped(saved):
    model = FakeModel()
    assert load_checkpoint(saved, model=model) == {"epoch": 7, "best": float("inf")}
    assert load_checkpoint(saved) == {"epoch": 7, "best": float("inf")}


@pytest.mark.parametrize(
    "broken, match",
    [
        ("model", "saved model state does not fit the model given"),
        ("optimizer", "saved optimizer state does not fit"),
        ("scheduler", "saved scheduler state does not fit"),
    ],
)
def test_a_misfit_leaves_all_three_untouched(saved, ckpt, broken, match):
    objs = trio()
    if broken == "model":
        objs[0].params["extra.bias"] = np.zeros(1)
    elif broken == "optimizer":
        objs[1].model = FakeModel(sizes=(3,))
    else:
        state = load(saved)
        state["scheduler"]["kind"] = "cosine"
        save(state, ckpt)
    before = snapshot(*objs)
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(saved, model=objs[0], optimizer=objs[1], scheduler=objs[2])
    assert "left as they were" in str(info.value)
    assert_untouched(before, objs)
    real = {id(o) for o in objs}
    assert [c for c in CALLS if c[1] in real] == [], "a real object was loaded before the check"


class Uncopyable(FakeModel):
    """deepcopy fails (a lock), so load_checkpoint must fall back to rolling back."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()


def test_rollback_when_objects_cannot_be_copied(saved):
    model = Uncopyable()
    optimizer = FakeOptimizer(FakeModel(sizes=(3,)))  # will not fit
    optimizer.model.lock = threading.Lock()
    with pytest.raises(CheckpointError, match="optimizer state does not fit.*left as they were"):
        load_checkpoint(saved, model=model, optimizer=optimizer)
    assert all(np.all(v == 0.0) for v in model.params.values())  # restored
    assert CALLS.count(("model", id(model))) == 2  # loaded, then put back
    assert optimizer.lr == 0.1 and optimizer.state == {}


def test_missing_part_and_wrong_root(saved, ckpt, tmp_path):
    other = tmp_path / "model_only.safetensors"
    save_checkpoint(other, model=FakeModel(fill=2.0), epoch=1)
    model, optimizer, _ = trio()
    with pytest.raises(CheckpointError, match="no 'optimizer' entry.*optimizer=None"):
        load_checkpoint(other, model=model, optimizer=optimizer)
    assert all(np.all(v == 0.0) for v in model.params.values())
    save([1, 2], ckpt)
    with pytest.raises(CheckpointError, match="holds a list"):
        load_checkpoint(ckpt, model=model)


def test_rng_state_resumes_bit_exact(ckpt):
    tp.manual_seed(123)
    tp.randn(10)
    save_checkpoint(ckpt, epoch=1, rng=get_rng_state())
    expected = tp.randn(1000).numpy().copy()
    tp.manual_seed(999)  # a fresh process would start elsewhere
    generator = default_generator()
    set_rng_state(load_checkpoint(ckpt)["rng"])
    assert default_generator() is generator, "restored in place"
    np.testing.assert_array_equal(tp.randn(1000).data, expected)


@pytest.mark.parametrize("name", ["MT19937", "Philox", "SFC64", "PCG64DXSM"])
def test_rng_state_of_other_bit_generators(ckpt, name):
    generator_state().rng = np.random.Generator(getattr(np.random, name)(42))
    try:
        default_generator().random(7)
        save({"rng": get_rng_state()}, ckpt)
        expected = default_generator().random(50)
        tp.manual_seed(0)  # PCG64 now: set_rng_state must switch kinds
        set_rng_state(load(ckpt)["rng"])
        assert type(default_generator().bit_generator).__name__ == name
        np.testing.assert_array_equal(default_generator().random(50), expected)
    finally:
        tp.manual_seed(0)


@pytest.mark.parametrize(
    "state, match",
    [
        (None, "get_rng_state"),
        ({"bit_generator": "Evil"}, "one of PCG64"),
        ({"bit_generator": "PCG64", "state": {"state": "x", "inc": 1}}, "must be an integer"),
        ({"bit_generator": "PCG64"}, "lacks 'state/state'"),
    ],
)
def test_bad_rng_state(state, match):
    tp.manual_seed(5)
    before = get_rng_state()
    with pytest.raises(ValueError, match=match):
        set_rng_state(state)
    assert get_rng_state() == before
