"""Optimizer state_dict: PyTorch's layout, checkpoint round trips, strict loading."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim

K, REST = 7, 13


def _adam_after_steps(helpers, steps=3, **kwargs):
    params, opt, problem = helpers.make_tinyprop(optim.Adam, {"lr": 0.01, **kwargs})
    helpers.drive(params, opt, problem, steps=steps)
    return params, opt, problem


def test_layout_matches_pytorch(helpers):
    params, opt, _ = _adam_after_steps(helpers, amsgrad=True)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert list(sd["state"]) == [0, 1, 2]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"] == 3 and type(sd["state"][0]["step"]) is int
    assert sd["state"][1]["exp_avg"].shape == params[1].shape
    (group,) = sd["param_groups"]
    assert group["params"] == [0, 1, 2]
    assert group["betas"] == [0.9, 0.999] and group["lr"] == 0.01 and group["amsgrad"] is True
    # only arrays and plain JSON values
    meta = {k: v for k, v in sd.items() if k != "state"}
    json.dumps(meta, allow_nan=False)


@pytest.mark.oracle
def test_layout_keys_match_torch(case, helpers):
    torch = pytest.importorskip("torch")
    name, kwargs, groups, sign = case
    params, opt, problem = helpers.make_tinyprop(helpers.tp_class(name), kwargs, groups)
    helpers.drive(params, opt, problem, steps=2, sign=sign)
    qs = [torch.tensor(a, requires_grad=True) for a in problem.init]
    topt = getattr(torch.optim, name)(helpers.split_groups(qs, groups), **kwargs)
    for q in qs:
        q.grad = torch.ones_like(q)
    topt.step()
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert {k: set(v) for k, v in ours["state"].items()} == {
        k: set(v) for k, v in theirs["state"].items()
    }
    for g, tg in zip(ours["param_groups"], theirs["param_groups"]):
        assert g["params"] == tg["params"]
        assert set(g) <= set(tg)  # torch adds foreach, fused, capturable, ...


def test_state_dict_arrays_are_copies(helpers):
    params, opt, _ = _adam_after_steps(helpers)
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"][...] = 123.0
    sd["param_groups"][0]["lr"] = 5.0
    assert not np.any(opt.state[params[0]]["exp_avg"] == 123.0)
    assert opt.param_groups[0]["lr"] == 0.01


def test_round_trip_continues_identically(case, helpers):
    """k steps, checkpoint, fresh optimizer + load, continue == straight through."""
    name, kwargs, groups, sign = case
    cls = helpers.tp_class(name)
    straight, opt_s, problem = helpers.make_tinyprop(cls, kwargs, groups)
    helpers.drive(straight, opt_s, problem, steps=K + REST, sign=sign)

    first, opt_a, _ = helpers.make_tinyprop(cls, kwargs, groups)
    helpers.drive(first, opt_a, problem, steps=K, sign=sign)
    saved = helpers.checkpoint_roundtrip(opt_a.state_dict())
    values = [p.numpy().copy() for p in first]

    # a fresh optimizer, built with different hyperparameters: the checkpoint's win
    other = dict(kwargs, lr=kwargs["lr"] * 3)
    resumed, opt_b, _ = helpers.make_tinyprop(cls, other, groups, start=values)
    opt_b.load_state_dict(saved)
    helpers.assert_state_equal(opt_b.state_dict(), opt_a.state_dict())
    helpers.drive(resumed, opt_b, problem, first=K, steps=REST, sign=sign)
    for p, q in zip(resumed, straight):
        np.testing.assert_array_equal(p.data, q.data)
    helpers.assert_state_equal(opt_b.state_dict(), opt_s.state_dict())


def test_load_copies_arrays(helpers):
    params, opt, _ = _adam_after_steps(helpers)
    sd = opt.state_dict()
    fresh = optim.Adam([tp.tensor(p.data, requires_grad=True) for p in params], lr=0.01)
    fresh.load_state_dict(sd)
    before = fresh.state_dict()
    sd["state"][0]["exp_avg"][...] = 99.0
    sd["state"][0]["step"] = 1000
    sd["param_groups"][0]["betas"][0] = 0.1
    helpers.assert_state_equal(fresh.state_dict(), before)
    assert fresh.param_groups[0]["betas"] == (0.9, 0.999)


def test_load_casts_to_the_parameter_dtype(helpers):
    params, opt, _ = _adam_after_steps(helpers)
    ps32 = [tp.tensor(p.data, dtype=np.float32, requires_grad=True) for p in params]
    opt32 = optim.Adam(ps32, lr=0.01)
    opt32.load_state_dict(opt.state_dict())
    assert all(opt32.state[p]["exp_avg"].dtype == np.float32 for p in ps32)


def test_load_keeps_named_groups_and_restores_betas_tuple(helpers):
    params, opt, _ = _adam_after_steps(helpers)
    sd = json.loads(json.dumps({"param_groups": opt.state_dict()["param_groups"]}))
    sd["state"] = {}
    fresh = optim.Adam([tp.tensor(p.data, requires_grad=True) for p in params])
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["betas"] == (0.9, 0.999)
    assert fresh.param_groups[0]["lr"] == 0.01


def _corrupt(kind, sd):
    sd = copy.deepcopy(sd)
    if kind == "groups":
        sd["param_groups"].append(dict(sd["param_groups"][0], params=[7]))
    elif kind == "params":
        sd["param_groups"][0]["params"] = sd["param_groups"][0]["params"][:-1]
    elif kind == "shape":
        sd["state"][2]["exp_avg"] = np.zeros((4, 4))
    elif kind == "index":
        sd["state"][9] = sd["state"][0]
    elif kind == "missing":
        del sd["state"][1]["exp_avg_sq"]
    elif kind == "hyper":
        sd["param_groups"][0]["lr"] = -1.0
    elif kind == "betas":
        sd["param_groups"][0]["betas"] = [0.9]
    elif kind == "value":
        sd["state"][0]["exp_avg"] = "oops"
    elif kind == "key":
        sd["state"]["first"] = sd["state"].pop(0)
    elif kind == "not-a-dict":
        sd = [sd]
    elif kind == "no-state":
        del sd["state"]
    return sd


@pytest.mark.parametrize(
    "kind, message",
    [
        ("groups", "2 parameter group"),
        ("params", "has 2 parameters"),
        ("shape", r"has shape \(4, 4\)"),
        ("index", "parameter 9"),
        ("missing", "lacks"),
        ("hyper", "lr must be >= 0"),
        ("betas", "betas"),
        ("value", "expected an array"),
        ("key", "parameter indices"),
        ("not-a-dict", "must be a dict"),
        ("no-state", "must be a dict with 'state'"),
    ],
)
def test_bad_state_dict_raises_and_leaves_the_optimizer_untouched(kind, message, helpers):
    params, opt, _ = _adam_after_steps(helpers)
    good = opt.state_dict()
    groups_before = [dict(g) for g in opt.param_groups]
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(_corrupt(kind, good))
    helpers.assert_state_equal(opt.state_dict(), good)
    assert opt.param_groups == groups_before


def test_state_of_another_optimizer_is_refused(helpers):
    params, sgd, problem = helpers.make_tinyprop(optim.SGD, {"lr": 0.1, "momentum": 0.9})
    helpers.drive(params, sgd, problem, steps=2)
    adam = optim.Adam([tp.tensor(p.data, requires_grad=True) for p in params])
    before = adam.state_dict()
    with pytest.raises(ValueError, match="different optimizer"):
        adam.load_state_dict(sgd.state_dict())
    helpers.assert_state_equal(adam.state_dict(), before)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad])
def test_scalar_parameter_round_trip(cls, helpers):
    kwargs = {"lr": 0.1, "momentum": 0.9} if cls in (optim.SGD, optim.RMSprop) else {"lr": 0.1}
    w = tp.tensor(2.0, dtype=np.float64, requires_grad=True)
    opt = cls([w], **kwargs)
    for _ in range(3):
        w.grad = tp.tensor(2 * w.data)
        opt.step()
    sd = helpers.checkpoint_roundtrip(opt.state_dict())
    v = tp.tensor(w.data, requires_grad=True)
    fresh = cls([v], **kwargs)
    fresh.load_state_dict(sd)
    for _ in range(3):
        w.grad = tp.tensor(2 * w.data)
        v.grad = tp.tensor(2 * v.data)
        opt.step()
        fresh.step()
    assert w.shape == () and float(w.data) == float(v.data) and float(w.data) < 2.0
