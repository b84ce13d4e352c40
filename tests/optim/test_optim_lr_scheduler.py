"""Learning-rate schedulers: torch's lr (and momentum) sequences, state_dict, checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim
from tinyprop.optim import lr_scheduler as sch

STEPS = 100
SGD = ("SGD", {"lr": 0.1, "momentum": 0.9})
# (id, scheduler, kwargs, (optimizer, kwargs))
SCHEDULES = [
    ("step", "StepLR", {"step_size": 7, "gamma": 0.5}, SGD),
    ("step-1", "StepLR", {"step_size": 1, "gamma": 0.97}, ("Adam", {"lr": 0.01})),
    ("multistep", "MultiStepLR", {"milestones": [60, 10, 25, 25], "gamma": 0.3}, SGD),
    ("exponential", "ExponentialLR", {"gamma": 0.97}, SGD),
    ("cosine", "CosineAnnealingLR", {"T_max": 30, "eta_min": 0.001}, SGD),
    ("cosine-full", "CosineAnnealingLR", {"T_max": 100}, ("RMSprop", {"lr": 0.01})),
    ("onecycle", "OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": STEPS}, SGD),
    (
        "onecycle-linear-3",
        "OneCycleLR",
        {"max_lr": 0.5, "total_steps": STEPS, "anneal_strategy": "linear", "three_phase": True},
        ("SGD", {"lr": 0.1}),
    ),
    (
        "onecycle-epochs",
        "OneCycleLR",
        {
            "max_lr": 0.3,
            "epochs": 10,
            "steps_per_epoch": 10,
            "pct_start": 0.25,
            "div_factor": 10.0,
            "final_div_factor": 100.0,
        },
        SGD,
    ),
    (
        "onecycle-adam",
        "OneCycleLR",
        {"max_lr": 0.01, "total_steps": STEPS, "base_momentum": [0.8, 0.7], "max_momentum": 0.9},
        ("Adam", {"lr": 0.001}),
    ),
    (
        "onecycle-3-adamw",
        "OneCycleLR",
        {"max_lr": 0.01, "total_steps": STEPS, "three_phase": True, "pct_start": 0.2},
        ("AdamW", {"lr": 0.001}),
    ),
    (
        "onecycle-no-momentum",
        "OneCycleLR",
        {"max_lr": 0.1, "total_steps": STEPS, "cycle_momentum": False},
        ("Adagrad", {"lr": 0.01}),
    ),
]
PLATEAUS = [
    ("min-rel", {"patience": 3, "factor": 0.5}),
    (
        "max-abs-cooldown",
        {
            "mode": "max",
            "threshold_mode": "abs",
            "threshold": 0.01,
            "patience": 2,
            "cooldown": 3,
            "factor": 0.3,
        },
    ),
    (
        "min-abs-min-lr",
        {"threshold_mode": "abs", "patience": 1, "min_lr": [1e-3, 1e-4], "eps": 1e-6},
    ),
    ("max-rel-default", {"mode": "max", "min_lr": 0.002}),
]


def _metric(k: int, mode: str = "min") -> float:
    """Improves quickly, then plateaus with small wiggles, then improves a bit again."""
    m = 1.0 / (1 + k) if k < 20 else 0.05 + 0.001 * math.sin(k)
    if k > 70:
        m -= 0.002 * (k - 70)
    return m if mode == "min" else -m


def _two_groups(lib, name, kwargs):
    if lib is tp:
        a, b = (tp.tensor(np.zeros(2), requires_grad=True) for _ in range(2))
        cls = getattr(optim, name)
        return cls([{"params": [a]}, {"params": [b], "lr": kwargs["lr"] / 2}], **kwargs)
    a, b = (lib.zeros(2, dtype=lib.float64, requires_grad=True) for _ in range(2))
    cls = getattr(lib.optim, name)
    return cls([{"params": [a]}, {"params": [b], "lr": kwargs["lr"] / 2}], **kwargs)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _record(opt, sched, start, stop, metric_mode=None):
    """lrs and momenta after each of steps start..stop-1 (optimizer step first)."""
    out = []
    for k in range(start, stop):
        opt.step()
        if metric_mode is None:
            sched.step()
        else:
            sched.step(_metric(k, metric_mode))
        out.append((list(sched.get_last_lr()), _momenta(opt)))
        assert [g["lr"] for g in opt.param_groups] == out[-1][0]
    return out


def _make(lib, sched_name, kwargs, opt_spec):
    opt = _two_groups(lib, *opt_spec)
    mod = sch if lib is tp else lib.optim.lr_scheduler
    return opt, getattr(mod, sched_name)(opt, **kwargs)


def _assert_momenta_close(mom, tmom, **tol):
    """Momenta agree: None (no momentum in that group) exactly, numbers to ``tol``.

    ``pytest.approx`` refuses None inside a sequence (pytest 9.2 and newer), so the
    None entries are compared here and only the numbers go through approx.
    """
    assert [m is None for m in mom] == [m is None for m in tmom]
    numbers = [(m, t) for m, t in zip(mom, tmom) if m is not None]
    assert [m for m, _ in numbers] == pytest.approx([t for _, t in numbers], **tol)


def _assert_close_sequences(ours, theirs):
    assert len(ours) == len(theirs)
    for (lr, mom), (tlr, tmom) in zip(ours, theirs):
        assert lr == pytest.approx(tlr, rel=1e-12, abs=1e-15)
        _assert_momenta_close(mom, tmom, rel=1e-12, abs=1e-15)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "sched_name, kwargs, opt_spec", [s[1:] for s in SCHEDULES], ids=[s[0] for s in SCHEDULES]
)
def test_schedule_matches_torch(sched_name, kwargs, opt_spec):
    torch = pytest.importorskip("torch")
    opt, sched = _make(tp, sched_name, kwargs, opt_spec)
    topt, tsched = _make(torch, sched_name, kwargs, opt_spec)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
    _assert_momenta_close(_momenta(opt), _momenta(topt), rel=1e-12)
    ours = _record(opt, sched, 0, STEPS)
    theirs = _record(topt, tsched, 0, STEPS)
    _assert_close_sequences(ours, theirs)
    assert len({tuple(lr) for lr, _ in ours}) > 2  # the schedule did change the lr
    assert sched.last_epoch == tsched.last_epoch == STEPS
    assert sched.base_lrs == pytest.approx(tsched.base_lrs)


@pytest.mark.oracle
@pytest.mark.parametrize("kwargs", [p[1] for p in PLATEAUS], ids=[p[0] for p in PLATEAUS])
def test_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    mode = kwargs.get("mode", "min")
    opt, sched = _make(tp, "ReduceLROnPlateau", kwargs, SGD)
    topt, tsched = _make(torch, "ReduceLROnPlateau", kwargs, SGD)
    ours = _record(opt, sched, 0, STEPS, mode)
    theirs = _record(topt, tsched, 0, STEPS, mode)
    _assert_close_sequences(ours, theirs)
    assert len({tuple(lr) for lr, _ in ours}) > 1
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == (
        tsched.best,
        tsched.num_bad_epochs,
        tsched.cooldown_counter,
    )


def _all_configs():
    rows = [pytest.param(s[1], s[2], s[3], None, id=s[0]) for s in SCHEDULES]
    rows += [
        pytest.param("ReduceLROnPlateau", p[1], SGD, p[1].get("mode", "min"), id="plateau-" + p[0])
        for p in PLATEAUS
    ]
    return rows


@pytest.mark.parametrize("sched_name, kwargs, opt_spec, mode", _all_configs())
@pytest.mark.parametrize("k", [1, 37])
def test_state_dict_round_trip(sched_name, kwargs, opt_spec, mode, k, helpers):
    opt, sched = _make(tp, sched_name, kwargs, opt_spec)
    straight = _record(opt, sched, 0, STEPS, mode)

    opt_a, sched_a = _make(tp, sched_name, kwargs, opt_spec)
    first = _record(opt_a, sched_a, 0, k, mode)
    text = json.dumps(sched_a.state_dict(), allow_nan=False)  # strict JSON
    opt_sd = helpers.checkpoint_roundtrip(opt_a.state_dict())

    opt_b, sched_b = _make(tp, sched_name, kwargs, opt_spec)
    opt_b.load_state_dict(opt_sd)
    sched_b.load_state_dict(json.loads(text))
    assert sched_b.get_last_lr() == sched_a.get_last_lr()
    assert sched_b.state_dict() == sched_a.state_dict()
    rest = _record(opt_b, sched_b, k, STEPS, mode)
    assert first + rest == straight


@pytest.mark.parametrize(
    "sched_name, kwargs, error, message",
    [
        ("StepLR", {"step_size": 0}, ValueError, "step_size must be >= 1"),
        ("StepLR", {"step_size": 2.5}, TypeError, "step_size must be an integer"),
        ("StepLR", {"step_size": 3, "gamma": 0.0}, ValueError, "gamma must be > 0"),
        ("StepLR", {"step_size": 3, "gamma": -0.5}, ValueError, "gamma must be > 0"),
        ("StepLR", {"step_size": 3, "last_epoch": -2}, ValueError, "last_epoch must be >= -1"),
        ("StepLR", {"step_size": 3, "last_epoch": 4}, ValueError, "initial_lr"),
        ("MultiStepLR", {"milestones": ["a"]}, TypeError, "milestones entry"),
        ("MultiStepLR", {"milestones": 5}, TypeError, "list of step numbers"),
        ("ExponentialLR", {"gamma": float("nan")}, ValueError, "gamma must be a finite"),
        ("CosineAnnealingLR", {"T_max": 0}, ValueError, "T_max must be >= 1"),
        ("CosineAnnealingLR", {"T_max": 5, "eta_min": -1.0}, ValueError, "eta_min must be >= 0"),
        ("OneCycleLR", {"max_lr": 0.1}, ValueError, "total_steps, or both epochs"),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, ValueError, "total_steps must be >= 1"),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": 0},
            ValueError,
            "steps_per_epoch must be >= 1",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5},
            ValueError,
            "pct_start must be >= 0 and <= 1",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1},
            ValueError,
            "zero steps long",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "cosine"},
            ValueError,
            "'cos' or 'linear'",
        ),
        (
            "OneCycleLR",
            {"max_lr": [0.1, 0.2, 0.3], "total_steps": 10},
            ValueError,
            "max_lr has 3 values but the optimizer has 2",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "div_factor": 0},
            ValueError,
            "div_factor must be > 0",
        ),
        ("ReduceLROnPlateau", {"factor": 1.0}, ValueError, "factor must be >= 0 and < 1"),
        ("ReduceLROnPlateau", {"mode": "avg"}, ValueError, "mode must be one of"),
        ("ReduceLROnPlateau", {"threshold_mode": "pct"}, ValueError, "threshold_mode must be"),
        ("ReduceLROnPlateau", {"patience": -1}, ValueError, "patience must be >= 0"),
        ("ReduceLROnPlateau", {"min_lr": [0.1]}, ValueError, "min_lr has 1 values"),
    ],
)
def test_bad_arguments_are_rejected(sched_name, kwargs, error, message):
    opt = _two_groups(tp, *SGD)
    with pytest.raises(error, match=message):
        getattr(sch, sched_name)(opt, **kwargs)


def test_non_optimizer_is_rejected():
    with pytest.raises(TypeError, match="needs a tinyprop.optim Optimizer"):
        sch.StepLR(object(), step_size=2)
    with pytest.raises(TypeError, match="needs a tinyprop.optim Optimizer"):
        sch.ReduceLROnPlateau([0.1])


def test_one_cycle_needs_momentum_to_cycle():
    with pytest.raises(ValueError, match="momentum or betas"):
        sch.OneCycleLR(_two_groups(tp, "Adagrad", {"lr": 0.1}), max_lr=0.1, total_steps=10)


def test_one_cycle_past_the_end_raises_and_keeps_its_state():
    opt = _two_groups(tp, *SGD)
    sched = sch.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    for _ in range(5):
        sched.step()
    before = (sched.state_dict(), [dict(g) for g in opt.param_groups])
    with pytest.raises(ValueError, match="stepped 6 times but total_steps is 5"):
        sched.step()
    assert (sched.state_dict(), [dict(g) for g in opt.param_groups]) == before


def test_plateau_needs_a_number():
    sched = sch.ReduceLROnPlateau(_two_groups(tp, *SGD))
    with pytest.raises(TypeError, match="metric as a number"):
        sched.step("low")
    sched.step(tp.tensor(0.5))  # a one-element tensor is a number
    assert sched.best == 0.5


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("last_epoch", "3", "last_epoch must be an integer"),
        ("base_lrs", [0.1], "base_lrs must be a list of 2"),
        ("gamma", -1.0, "gamma must be > 0"),
        ("step_size", None, "step_size must be an integer"),
        (None, None, "lacks 'step_size'"),
    ],
)
def test_bad_scheduler_state_dict_raises_and_changes_nothing(key, value, message):
    sched = sch.StepLR(_two_groups(tp, *SGD), step_size=3)
    sched.step()
    good = sched.state_dict()
    bad = dict(good)
    if key is None:
        del bad["step_size"]
    else:
        bad[key] = value
    with pytest.raises(ValueError, match=message):
        sched.load_state_dict(bad)
    assert sched.state_dict() == good


def test_plateau_state_dict_is_strict_json_with_infinite_best():
    sched = sch.ReduceLROnPlateau(_two_groups(tp, *SGD))
    sd = sched.state_dict()
    assert sd["best"] == "inf"
    fresh = sch.ReduceLROnPlateau(_two_groups(tp, *SGD))
    fresh.load_state_dict(json.loads(json.dumps(sd, allow_nan=False)))
    assert fresh.best == math.inf
