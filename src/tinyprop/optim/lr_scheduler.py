"""Learning-rate schedulers (PyTorch's formulas, so trajectories match step for step).

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per batch for
``OneCycleLR``); ``ReduceLROnPlateau.step(metric)`` takes the monitored value.
``state_dict()`` holds plain JSON values only.

>>> import tinyprop as tp
>>> from tinyprop.optim import SGD
>>> opt = SGD([tp.zeros(2, requires_grad=True)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for _ in range(5):
...     opt.step()
...     sched.step()
...     lrs.append(sched.get_last_lr()[0])
>>> lrs
[1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
from collections import Counter

from ._lr_base import LRScheduler, _check_optimizer, _gamma, _nonneg, _per_group
from ._plateau import ReduceLROnPlateau
from ._validate import check_bool, check_int, check_real

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> for _ in range(4):
    ...     opt.step()
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 4)
    0.25
    """

    _fields = {
        "step_size": lambda k, v: check_int(k, v, low=1),
        "gamma": lambda k, v: _gamma(v),
    }

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size = check_int(
            "step_size", step_size, low=1, hint="pass a whole number of steps"
        )
        self.gamma = _gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


def _milestones(key, v) -> Counter:
    if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
        raise TypeError(f"{key} must be a list of step numbers, got {v!r}")
    return Counter(check_int(f"{key} entry", m, low=0) for m in v)


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each step listed in ``milestones``.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
    >>> for _ in range(4):
    ...     opt.step()
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 4)
    0.01
    """

    _fields = {"milestones": _milestones, "gamma": lambda k, v: _gamma(v)}

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = _milestones("milestones", milestones)
        self.gamma = _gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def _dump(self, name):
        return sorted(self.milestones.elements()) if name == "milestones" else super()._dump(name)

    def get_lr(self) -> list:
        if self.last_epoch not in self.milestones:
            return [g["lr"] for g in self.optimizer.param_groups]
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [g["lr"] * factor for g in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every step.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> for _ in range(3):
    ...     opt.step()
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 4)
    0.125
    """

    _fields = {"gamma": lambda k, v: _gamma(v)}

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        if self._is_initial:
            return [g["lr"] for g in self.optimizer.param_groups]
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the base lr to ``eta_min`` over ``T_max`` steps (and back up,
    periodically, past ``T_max``), in PyTorch's recursive form.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> for _ in range(2):
    ...     opt.step()
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 4)
    0.5
    """

    _fields = {"T_max": lambda k, v: check_int(k, v, low=1), "eta_min": _nonneg}

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max = check_int(
            "T_max", T_max, low=1, hint="pass the number of steps to anneal over"
        )
        self.eta_min = check_real("eta_min", eta_min, low=0.0, hint="pass a final lr >= 0")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        groups = self.optimizer.param_groups
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [g["lr"] for g in groups]
        if self._step_count == 1 and e > 0:
            return [lo + (b - lo) * (1 + math.cos(e * math.pi / T)) / 2 for b in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [
                g["lr"] + (b - lo) * (1 - math.cos(math.pi / T)) / 2
                for b, g in zip(self.base_lrs, groups)
            ]
        return [
            (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (g["lr"] - lo)
            + lo
            for g in groups
        ]


def _phases(key, v) -> list:
    ok = isinstance(v, (list, tuple)) and all(
        isinstance(p, dict) and {"end_step", "start_lr", "end_lr"} <= set(p) for p in v
    )
    if not ok or not v:
        raise ValueError(f"{key} must be a list of phase dicts, got {v!r}")
    return [dict(p) for p in v]


def _strategy(key, v) -> str:
    if v not in ("cos", "linear"):
        raise ValueError(f"{key} must be 'cos' or 'linear', got {v!r}")
    return v


def _one_cycle_total(total_steps, epochs, steps_per_epoch) -> int:
    """OneCycleLR's total step count, from total_steps or epochs * steps_per_epoch."""
    if total_steps is not None:
        return check_int("total_steps", total_steps, low=1)
    if epochs is not None and steps_per_epoch is not None:
        return check_int("epochs", epochs, low=1) * check_int(
            "steps_per_epoch", steps_per_epoch, low=1
        )
    raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")


def _one_cycle_phases(pct, pct_start, total, three_phase) -> list:
    """OneCycleLR's phase dicts; raise ValueError if a phase would be zero steps long."""
    m = ("max_momentum", "base_momentum")
    if three_phase:
        ends = [pct * total - 1, 2 * pct * total - 2, total - 1]
        names = [
            ("initial_lr", "max_lr") + m,
            ("max_lr", "initial_lr") + m[::-1],
            ("initial_lr", "min_lr", m[0], m[0]),
        ]
    else:
        ends = [pct * total - 1, total - 1]
        names = [("initial_lr", "max_lr") + m, ("max_lr", "min_lr") + m[::-1]]
    keys = ("start_lr", "end_lr", "start_momentum", "end_momentum")
    phases = [{"end_step": float(end), **dict(zip(keys, n))} for end, n in zip(ends, names)]
    start = 0.0
    for i, end in enumerate(ends):
        if float(end) == start:
            raise ValueError(
                f"pct_start={pct_start} with total_steps={total} makes phase {i} of the "
                "schedule zero steps long; change pct_start or total_steps"
            )
        start = float(end)
    return phases


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start, while
    cycling the momentum (SGD's ``momentum`` or Adam's beta1) the opposite way.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> for _ in range(2):
    ...     opt.step()
    ...     sched.step()
    >>> [round(opt.param_groups[0][k], 4) for k in ("lr", "momentum")]  # the peak
    [1.0, 0.85]
    """

    _fields = {
        "total_steps": lambda k, v: check_int(k, v, low=1),
        "_schedule_phases": _phases,
        "anneal_strategy": _strategy,
        "cycle_momentum": check_bool,
        "use_beta1": check_bool,
    }

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        total = _one_cycle_total(total_steps, epochs, steps_per_epoch)
        pct = check_real("pct_start", pct_start, low=0.0, high=1.0)
        self.anneal_strategy = _strategy("anneal_strategy", anneal_strategy)
        div = check_real("div_factor", div_factor, low=0.0, low_open=True)
        final_div = check_real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        three_phase = check_bool("three_phase", three_phase)
        self.cycle_momentum = check_bool("cycle_momentum", cycle_momentum)
        self.total_steps = total
        self._schedule_phases = _one_cycle_phases(pct, pct_start, total, three_phase)
        max_lrs = _per_group("max_lr", optimizer, max_lr, _nonneg)
        self.use_beta1 = "betas" in optimizer.defaults
        max_ms = base_ms = None
        if self.cycle_momentum:
            max_ms, base_ms = self._momenta(optimizer, max_momentum, base_momentum)
        if last_epoch == -1:
            self._init_groups(optimizer, max_lrs, div, final_div, max_ms, base_ms)
        super().__init__(optimizer, last_epoch)

    def _momenta(self, optimizer, max_momentum, base_momentum) -> tuple:
        """Check the optimizer can cycle momentum; return per-group (max, base) momenta."""
        if "momentum" not in optimizer.defaults and not self.use_beta1:
            raise ValueError(
                f"cycle_momentum=True needs an optimizer with momentum or betas, and "
                f"{type(optimizer).__name__} has neither; pass cycle_momentum=False"
            )
        high = 1.0 if self.use_beta1 else None
        chk = lambda k, v: check_real(k, v, low=0.0, high=high, high_open=True)  # noqa: E731
        max_ms = _per_group("max_momentum", optimizer, max_momentum, chk)
        base_ms = _per_group("base_momentum", optimizer, base_momentum, chk)
        return max_ms, base_ms

    def _init_groups(self, optimizer, max_lrs, div, final_div, max_ms, base_ms) -> None:
        """Seed each param group's lr bounds (and momenta) for a fresh schedule."""
        for i, group in enumerate(optimizer.param_groups):
            group["initial_lr"] = max_lrs[i] / div
            group["max_lr"] = max_lrs[i]
            group["min_lr"] = group["initial_lr"] / final_div
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (max_ms[i], *group["betas"][1:])
                else:
                    group["momentum"] = max_ms[i]
                group["max_momentum"] = max_ms[i]
                group["base_momentum"] = base_ms[i]

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"OneCycleLR stepped {step_num} times but total_steps is {self.total_steps}; "
                "create it with the number of optimizer steps the run will take"
            )
        lrs, moms = [], []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == last:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        moms.append(
                            self._anneal(
                                group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                            )
                        )
                    break
                start_step = end_step
        if self.cycle_momentum:
            for group, mom in zip(self.optimizer.param_groups, moms):
                if self.use_beta1:
                    group["betas"] = (mom, *group["betas"][1:])
                else:
                    group["momentum"] = mom
        return lrs
