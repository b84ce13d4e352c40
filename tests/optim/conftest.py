"""Shared helpers for the optimizer tests: a least-squares problem with NumPy gradients,
runners that drive tinyprop and torch optimizers the same way, and a checkpoint round
trip that stores a state_dict the way tinyprop's writer does (arrays apart, the rest as
strict JSON)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import optim

N_STEPS = 100


class LeastSquares:
    """``0.5 * mean((X W + b - Y)²)`` plus a quartic term on W, so the curvature varies."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.X = rng.normal(size=(32, 4))
        self.Y = rng.normal(size=(32, 2))
        self.init = [rng.normal(size=(4, 2)), rng.normal(size=(2,)), rng.normal(size=(3,))]

    def grads(self, params: list[np.ndarray], step: int) -> list[np.ndarray]:
        W, b, c = params
        R = self.X @ W + b - self.Y
        n = len(self.X)
        gW = self.X.T @ R / n + 0.1 * W**3
        gb = R.mean(axis=0)
        # an oscillating target for c, so second moments rise and fall (amsgrad matters)
        gc = c - np.sin(0.3 * step + np.arange(3))
        return [gW, gb, gc]


def split_groups(params, groups):
    """``groups`` None: a plain list; else a list of dicts with 'idx' (param indices)."""
    if groups is None:
        return list(params)
    out = []
    for g in groups:
        d = {k: v for k, v in g.items() if k != "idx"}
        d["params"] = [params[i] for i in g["idx"]]
        out.append(d)
    return out


def make_tinyprop(cls, kwargs, groups=None, dtype=np.float64, start=None, seed=0):
    """Parameters (from the problem's start, or ``start``), optimizer and problem."""
    problem = LeastSquares(seed)
    init = problem.init if start is None else start
    params = [tp.tensor(a, dtype=dtype, requires_grad=True) for a in init]
    return params, cls(split_groups(params, groups), **kwargs), problem


def drive(params, opt, problem, first=0, steps=N_STEPS, sign=1.0) -> None:
    """Steps ``first .. first + steps - 1``: set each .grad from the problem, step."""
    for k in range(first, first + steps):
        grads = problem.grads([p.data.astype(np.float64) for p in params], k)
        for p, g in zip(params, grads):
            p.grad = tp.tensor(sign * g, dtype=p.dtype)
        opt.step()


def run_torch(torch, cls, kwargs, groups=None, steps=N_STEPS, sign=1.0, seed=0):
    """The same run with a torch optimizer (float64); return the parameter arrays."""
    problem = LeastSquares(seed)
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in problem.init]
    opt = cls(split_groups(params, groups), foreach=False, **kwargs)
    for k in range(steps):
        grads = problem.grads([p.detach().numpy().copy() for p in params], k)
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(sign * g)
        opt.step()
    return [p.detach().numpy().copy() for p in params]


def checkpoint_roundtrip(state_dict: dict) -> dict:
    """Store ``state_dict`` as tinyprop's writer does (arrays apart, the rest as strict
    JSON, so int keys come back as strings) and read it back."""
    arrays: dict[str, np.ndarray] = {}

    def strip(obj, path):
        if isinstance(obj, np.ndarray):
            key = "/".join(path)
            arrays[key] = obj.copy()
            return {"__array__": key}
        if isinstance(obj, dict):
            return {k: strip(v, [*path, str(k)]) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [strip(v, [*path, str(i)]) for i, v in enumerate(obj)]
        assert obj is None or isinstance(obj, (bool, int, float, str)), type(obj)
        return obj

    text = json.dumps(strip(state_dict, []), allow_nan=False)

    def rebuild(obj):
        if isinstance(obj, dict):
            if set(obj) == {"__array__"}:
                return arrays[obj["__array__"]]
            return {k: rebuild(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [rebuild(v) for v in obj]
        return obj

    return rebuild(json.loads(text))


def assert_state_equal(a: dict, b: dict) -> None:
    """Two optimizer state_dicts hold the same values."""
    assert a["param_groups"] == b["param_groups"]
    assert set(a["state"]) == set(b["state"])
    for k in a["state"]:
        sa, sb = a["state"][k], b["state"][k]
        assert set(sa) == set(sb)
        for name in sa:
            if isinstance(sa[name], np.ndarray):
                np.testing.assert_array_equal(sa[name], sb[name])
            else:
                assert sa[name] == sb[name]


# (id, tinyprop class name, kwargs, groups, sign) — one row per option combination;
# the torch class has the same name.
TWO_GROUPS = [{"idx": [0]}, {"idx": [1, 2], "lr": 0.02}]
CASES = [
    ("sgd", "SGD", {"lr": 0.1}, None, 1.0),
    ("sgd-momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None, 1.0),
    ("sgd-dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, None, 1.0),
    ("sgd-nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}, None, 1.0),
    ("sgd-wd", "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}, None, 1.0),
    ("sgd-maximize", "SGD", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}, None, -1.0),
    ("sgd-maximize-mom", "SGD", {"lr": 0.05, "momentum": 0.7, "maximize": True}, None, -1.0),
    (
        "sgd-groups",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        [{"idx": [0], "momentum": 0.5}, {"idx": [1, 2], "lr": 0.02, "nesterov": True}],
        1.0,
    ),
    ("adam", "Adam", {"lr": 0.01}, None, 1.0),
    ("adam-wd", "Adam", {"lr": 0.01, "weight_decay": 0.1}, None, 1.0),
    ("adam-amsgrad", "Adam", {"lr": 0.02, "amsgrad": True, "betas": (0.8, 0.9)}, None, 1.0),
    ("adam-maximize", "Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.05}, None, -1.0),
    (
        "adam-all",
        "Adam",
        {"lr": 0.01, "amsgrad": True, "maximize": True, "weight_decay": 0.1, "eps": 1e-6},
        None,
        -1.0,
    ),
    (
        "adam-groups",
        "Adam",
        {"lr": 0.01},
        [{"idx": [0, 2], "betas": (0.8, 0.95)}, {"idx": [1], "lr": 0.03, "amsgrad": True}],
        1.0,
    ),
    ("adamw", "AdamW", {"lr": 0.01}, None, 1.0),
    ("adamw-amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}, None, 1.0),
    ("adamw-maximize", "AdamW", {"lr": 0.01, "maximize": True}, None, -1.0),
    (
        "adamw-groups",
        "AdamW",
        {"lr": 0.01},
        [{"idx": [0]}, {"idx": [1, 2], "lr": 0.02, "weight_decay": 0.0}],
        1.0,
    ),
    ("rmsprop", "RMSprop", {"lr": 0.01}, None, 1.0),
    ("rmsprop-centered", "RMSprop", {"lr": 0.01, "centered": True}, None, 1.0),
    ("rmsprop-momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9}, None, 1.0),
    (
        "rmsprop-all",
        "RMSprop",
        {
            "lr": 0.005,
            "momentum": 0.5,
            "centered": True,
            "alpha": 0.9,
            "weight_decay": 0.1,
            "eps": 1e-6,
        },
        None,
        1.0,
    ),
    ("rmsprop-maximize", "RMSprop", {"lr": 0.01, "maximize": True}, None, -1.0),
    ("rmsprop-groups", "RMSprop", {"lr": 0.01}, TWO_GROUPS, 1.0),
    ("adagrad", "Adagrad", {"lr": 0.1}, None, 1.0),
    ("adagrad-lr-decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.05}, None, 1.0),
    (
        "adagrad-wd-init",
        "Adagrad",
        {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5},
        None,
        1.0,
    ),
    ("adagrad-maximize", "Adagrad", {"lr": 0.1, "maximize": True, "eps": 1e-6}, None, -1.0),
    ("adagrad-groups", "Adagrad", {"lr": 0.1}, TWO_GROUPS, 1.0),
]


def pytest_generate_tests(metafunc):
    """A test that takes ``case`` runs once per row of CASES (name, kwargs, groups, sign)."""
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", [c[1:] for c in CASES], ids=[c[0] for c in CASES])


@pytest.fixture(scope="session")
def helpers():
    """The helpers above, for the test modules (conftest is not imported by name)."""
    return SimpleNamespace(
        LeastSquares=LeastSquares,
        N_STEPS=N_STEPS,
        split_groups=split_groups,
        make_tinyprop=make_tinyprop,
        drive=drive,
        run_torch=run_torch,
        checkpoint_roundtrip=checkpoint_roundtrip,
        assert_state_equal=assert_state_equal,
        tp_class=lambda name: getattr(optim, name),
    )
