"""``LRScheduler``, the base of the learning-rate schedulers, and shared helpers."""

from __future__ import annotations

from .._validate import type_error
from ..errors import CheckpointError
from ._validate import check_int, check_real
from .optimizer import Optimizer


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"a scheduler needs a tinyprop.optim Optimizer, got {type(optimizer).__name__}"
        )


def _per_group(name: str, optimizer, value, check) -> list:
    """``value`` (one number, or one per group) as a checked list, one per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} has {len(value)} values but the optimizer has {n} parameter "
                f"group(s); pass one value or one per group"
            )
        return [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [check(name, value)] * n


def _nonneg(name, v):
    return check_real(name, v, low=0.0)


def _gamma(v):
    return check_real("gamma", v, low=0.0, low_open=True, hint="pass a positive decay factor")


class LRScheduler:
    """Base class: sets each group's ``lr`` from :meth:`get_lr` at every :meth:`step`.

    ``last_epoch`` counts the steps taken (-1 before the first, which the constructor
    takes); ``base_lrs`` are the groups' ``initial_lr`` values.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> class Halving(optim.lr_scheduler.LRScheduler):
    ...     def get_lr(self):
    ...         return [lr * 0.5**self.last_epoch for lr in self.base_lrs]
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = Halving(opt)
    >>> for _ in range(2):
    ...     opt.step()
    ...     sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    #: attributes saved in every state_dict
    _common: tuple = ("last_epoch", "_step_count", "base_lrs", "_last_lr")
    #: attribute -> checker, saved in state_dict besides the common ones
    _fields: dict = {}

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        last_epoch = check_int("last_epoch", last_epoch, low=-1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"param_groups[{i}] has no 'initial_lr', needed to resume a scheduler "
                        "at last_epoch >= 0; load the optimizer's state_dict first, or use "
                        "last_epoch=-1 for a fresh run"
                    )
        self.optimizer = optimizer
        self.base_lrs = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:  # pragma: no cover - abstract
        """The learning rates for step ``last_epoch`` (called by :meth:`step`)."""
        raise NotImplementedError

    def get_last_lr(self) -> list:
        """The learning rates the last :meth:`step` set, one per parameter group."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one step and write the new learning rates into the optimizer."""
        self.last_epoch += 1
        self._step_count += 1
        try:
            values = self.get_lr()
        except BaseException:
            self.last_epoch -= 1
            self._step_count -= 1
            raise
        groups = self.optimizer.param_groups
        if len(values) != len(groups):  # pragma: no cover - groups added after creation
            raise ValueError(
                f"the scheduler computed {len(values)} learning rates for {len(groups)} "
                "parameter groups; create the scheduler after adding every group"
            )
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in groups]

    # ---- state ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The scheduler's state as plain JSON values (no optimizer)."""
        return {name: self._dump(name) for name in (*self._common, *self._fields)}

    def _dump(self, name):
        value = getattr(self, name)
        return list(value) if isinstance(value, list) else value

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a :meth:`state_dict`: every value is checked first (types, ranges, one
        learning rate per group); on a bad one raise a ``CheckpointError`` (a ValueError;
        a non-dict is a TypeError) and change nothing."""
        new = self._parse_common(state_dict, self._common)
        for name, check in self._fields.items():
            new[name] = self._parse(state_dict, name, check)
        self.__dict__.update(new)

    def _parse_common(self, sd, names) -> dict:
        if not isinstance(sd, dict):
            raise type_error("state_dict", "a dict from the scheduler's state_dict()", sd)
        n = len(self.optimizer.param_groups)
        new = {}
        for name in names:
            if name in ("base_lrs", "_last_lr", "min_lrs"):

                def check(key, v, name=name):
                    if not isinstance(v, (list, tuple)) or len(v) != n:
                        raise ValueError(f"{key} must be a list of {n} numbers, got {v!r}")
                    return [check_real(f"{key}[{i}]", x, low=0.0) for i, x in enumerate(v)]

            else:

                def check(key, v):
                    return check_int(key, v, low=-1)

            new[name] = self._parse(sd, name, check)
        return new

    @staticmethod
    def _parse(sd, name, check):
        if name not in sd:
            raise CheckpointError(
                f"scheduler state_dict lacks {name!r}; was it saved by this class?")
        try:
            return check(name, sd[name])
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"scheduler state_dict: {e}") from None
