"""Bad-input catalog (issue 15, classes 5 and 6): state loading that is all-or-nothing,
and sizes that are integers and fit in memory.

Each case asserts the exception type, that the message says what was expected AND what
was received, and (through its guards) that nothing was modified; the machinery is in
``test_rb_support.py``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinyprop as tp
from robustness.test_rb_support import Bad, Cli, Registry, make_env, mlp, trained
from tinyprop import manual, nn, optim
from tinyprop.backend import default_generator, set_generator_state
from tinyprop.data import DataLoader
from tinyprop.errors import AllocationError, CheckpointError

cases = Registry()


def _rng_state():
    return default_generator().bit_generator.state


# ---- Module.load_state_dict ------------------------------------------------------------


@cases.case("state-module-float64-overflows-float32")
def _(env):
    m = mlp()
    sd = {k: v.numpy().astype(np.float64) for k, v in m.state_dict().items()}
    sd["2.bias"][1] = 1e300  # finite in float64, inf in float32
    return Bad(lambda: m.load_state_dict(sd), CheckpointError,
               ("overflows float32", "finite"), ("1e+300", "2.bias"), (m,))


@cases.case("state-module-bad-shape-midway")
def _(env):
    m = mlp()
    sd = {k: v.numpy() + 1 for k, v in m.state_dict().items()}  # every entry differs
    sd["2.weight"] = np.zeros((5, 5), np.float32)  # the first entries are fine
    return Bad(lambda: m.load_state_dict(sd), CheckpointError,
               ("expected (3, 8)",), ("got (5, 5)",), (m,))


@cases.case("state-module-strings-midway")
def _(env):
    m = mlp()
    sd = {k: v.numpy() + 1 for k, v in m.state_dict().items()}
    sd["2.bias"] = np.array(["a", "b", "c"])
    return Bad(lambda: m.load_state_dict(sd), CheckpointError, ("expected numbers",), ("<U1",),
               (m,))


# ---- Optimizer.load_state_dict -------------------------------------------------------


def _opt_case(edit):
    m = mlp()
    opt = trained(m)
    sd = copy.deepcopy(opt.state_dict())
    edit(sd)
    return m, opt, sd


@cases.case("state-optim-wrong-shape-in-last-entry")
def _(env):
    m, opt, sd = _opt_case(lambda sd: sd["state"][3].__setitem__("exp_avg", np.zeros(7)))
    return Bad(lambda: opt.load_state_dict(sd), CheckpointError,
               ("the parameter has shape (3,)",), ("shape (7,)",), (m, opt))


@cases.case("state-optim-negative-step")
def _(env):
    m, opt, sd = _opt_case(lambda sd: sd["state"][2].__setitem__("step", -5))
    return Bad(lambda: opt.load_state_dict(sd), CheckpointError,
               ("integer >= 0",), ("got -5",), (m, opt))


@cases.case("state-optim-non-finite-buffer")
def _(env):
    m, opt, sd = _opt_case(lambda sd: sd["state"][1]["exp_avg"].__setitem__(0, np.nan))
    return Bad(lambda: opt.load_state_dict(sd), CheckpointError,
               ("must be finite",), ("1 NaN or infinite",), (m, opt))


@cases.case("state-optim-negative-second-moment")
def _(env):
    m, opt, sd = _opt_case(lambda sd: sd["state"][0]["exp_avg_sq"].__setitem__((0, 0), -1.0))
    return Bad(lambda: opt.load_state_dict(sd), CheckpointError,
               (">= 0",), ("-1.0",), (m, opt))


@cases.case("state-optim-buffer-overflows-float32")
def _(env):
    def edit(sd):
        sd["state"][1]["exp_avg"] = sd["state"][1]["exp_avg"].astype(np.float64)
        sd["state"][1]["exp_avg"][2] = -1e300

    m, opt, sd = _opt_case(edit)
    return Bad(lambda: opt.load_state_dict(sd), CheckpointError,
               ("overflows float32",), ("-1e+300",), (m, opt))


# ---- schedulers --------------------------------------------------------------------------


@cases.case("state-scheduler-string-epoch")
def _(env):
    m = mlp()
    opt = trained(m)
    sched = optim.lr_scheduler.StepLR(opt, 2)
    sd = {**sched.state_dict(), "last_epoch": "3"}
    return Bad(lambda: sched.load_state_dict(sd), CheckpointError,
               ("an integer >= -1",), ("'3' (str)",), (sched, opt))


@cases.case("state-plateau-nan-best")
def _(env):
    m = mlp()
    opt = trained(m)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt)
    sd = {**sched.state_dict(), "best": "nan", "num_bad_epochs": 3}
    return Bad(lambda: sched.load_state_dict(sd), CheckpointError,
               ("a real number",), ("'nan'",), (sched, opt))


# ---- DataLoader and the generator state ------------------------------------------------


def _loader():
    loader = DataLoader(np.zeros((6, 1), np.float32), batch_size=2, seed=0)
    next(iter(loader))  # mid-epoch
    return loader


@cases.case("state-loader-position-out-of-range")
def _(env):
    loader = _loader()
    sd = {**loader.state_dict(), "position": 3}
    return Bad(lambda: loader.load_state_dict(sd), CheckpointError,
               ("must be < 3",), ("got 3",), (loader,))


@cases.case("state-loader-rng-negative-uinteger")
def _(env):
    loader = _loader()
    sd = copy.deepcopy(loader.state_dict())
    sd["rng_state"]["uinteger"] = -1  # NumPy: OverflowError
    return Bad(lambda: loader.load_state_dict(sd), CheckpointError,
               ("[0, 4294967295]",), ("got -1",), (loader,))


@cases.case("state-loader-rng-has-uint32-out-of-range")
def _(env):
    loader = _loader()
    sd = copy.deepcopy(loader.state_dict())
    sd["rng_state"]["has_uint32"] = 7  # NumPy accepts it silently
    return Bad(lambda: loader.load_state_dict(sd), CheckpointError,
               ("[0, 1]",), ("got 7",), (loader,))


@cases.case("state-rng-wrong-name")
def _(env):
    state = {**_rng_state(), "bit_generator": "PCG65"}
    return Bad(lambda: set_generator_state(default_generator(), state), CheckpointError,
               ("one of PCG64",), ("PCG65",), (_rng_state,))


@cases.case("state-io-set-rng-state-has-uint32")
def _(env):
    from tinyprop.io._checkpoint import set_rng_state

    state = {**_rng_state(), "has_uint32": 7}  # NumPy accepted it and kept it
    return Bad(lambda: set_rng_state(state), CheckpointError, ("[0, 1]",), ("got 7",),
               (_rng_state,))


@cases.case("state-rng-state-too-large")
def _(env):
    state = copy.deepcopy(_rng_state())
    state["state"]["state"] = 2**200  # NumPy: OverflowError
    return Bad(lambda: set_generator_state(default_generator(), state), CheckpointError,
               ("integer in [0,",), (str(2**200)[:20],), (_rng_state,))


@cases.case("state-rng-mt19937-short-key")
def _(env):
    g = np.random.Generator(np.random.MT19937(0))
    state = copy.deepcopy(g.bit_generator.state)
    state["state"]["key"] = state["state"]["key"][:10]
    return Bad(lambda: set_generator_state(g, state), CheckpointError,
               ("624 integers",), ("shape (10,)",), (lambda: g.bit_generator.state,))


# ---- sizes ------------------------------------------------------------------------------


@cases.case("size-ones-float")
def _(env):
    return Bad(lambda: tp.ones(2.9), TypeError, ("must be an integer",), ("2.9 (float)",))


@cases.case("size-rand-float")
def _(env):
    return Bad(lambda: tp.rand(0.5), TypeError, ("must be an integer",), ("0.5 (float)",),
               (_rng_state,))


@cases.case("size-reshape-float")
def _(env):
    x = tp.ones(4, requires_grad=True)
    return Bad(lambda: x.reshape(2.5, -1), TypeError, ("must be an integer",),
               ("2.5 (float)",), (x,))


@cases.case("size-linear-float")
def _(env):
    return Bad(lambda: nn.Linear(2.5, 3), TypeError, ("positive integer",), ("2.5 (float)",),
               (_rng_state,))


@cases.case("size-tensor-legacy-float")
def _(env):
    return Bad(lambda: tp.Tensor(2.5), TypeError, ("an integer",), ("2.5 (float)",))


@cases.case("size-zeros-too-large")
def _(env):
    return Bad(lambda: tp.zeros(10**13), AllocationError,
               ("memory available",), ("36.4 TiB",))


@cases.case("size-linear-too-large")
def _(env):
    return Bad(lambda: nn.Linear(10**7, 10**7), MemoryError,
               ("memory available",), ("(10000000, 10000000)",), (_rng_state,))


@cases.case("size-manual-linear-too-large")
def _(env):
    return Bad(lambda: manual.Linear(10**7, 10**7), ValueError,
               ("memory available",), ("(10000000, 10000000)",), (_rng_state,))


@cases.case("cli-train-huge-hidden")
def _(env):
    return Cli(["train", "--data", "circles", "--hidden", "1000000000000", "--out", "X"],
               ("memory available", "--hidden"), ("1000000000000",))


@cases.case("cli-graph-huge-hidden")
def _(env):
    return Cli(["graph", "--data", "circles", "--hidden", "1000000000000", "--out", "g.svg"],
               ("memory available",), ("1000000000000",))


# ---- the test ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(cases.params()))
def test_bad_input(name, tmp_path, monkeypatch, capsys):
    cases.run(name, make_env(tmp_path, monkeypatch), capsys)


def test_a_valid_state_still_loads():
    """The checks refuse only bad states: a saved state round-trips everywhere."""
    m = mlp()
    opt = trained(m)
    m2 = mlp(seed=5)
    m2.load_state_dict({k: v.numpy().astype(np.float64) for k, v in m.state_dict().items()})
    opt2 = optim.Adam(m2.parameters())
    opt2.load_state_dict(opt.state_dict())
    loader = DataLoader(np.arange(6.0), batch_size=2, seed=0)
    other = DataLoader(np.arange(6.0), batch_size=2, seed=1)
    other.load_state_dict(loader.state_dict())
    assert [b.tolist() for b in loader] == [b.tolist() for b in other]
    set_generator_state(default_generator(), _rng_state())
