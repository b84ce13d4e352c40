"""``ReduceLROnPlateau``: lower the learning rate when a monitored metric stalls."""

from __future__ import annotations

import math

from ._lr_base import LRScheduler, _check_optimizer, _nonneg, _per_group
from ._validate import check_choice, check_int, check_real


def _encode_float(x: float):
    return x if math.isfinite(x) else str(x)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by ``factor`` when a metric stops improving for more
    than ``patience`` steps; ``step(metric)`` takes the monitored value.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> opt = optim.SGD([tp.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for val_loss in [1.0, 1.0, 1.0]:  # no improvement after the first
    ...     sched.step(val_loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    _common = (*LRScheduler._common, "min_lrs")
    _fields = {
        "factor": lambda k, v: check_real(k, v, low=0.0, high=1.0, high_open=True),
        "patience": lambda k, v: check_int(k, v, low=0),
        "cooldown": lambda k, v: check_int(k, v, low=0),
        "threshold": _nonneg,
        "eps": _nonneg,
        "mode": lambda k, v: check_choice(k, v, ("min", "max")),
        "threshold_mode": lambda k, v: check_choice(k, v, ("rel", "abs")),
        "default_min_lr": lambda k, v: None if v is None else _nonneg(k, v),
        "best": lambda k, v: float(v) if v in ("inf", "-inf") else check_real(k, v),
        "num_bad_epochs": lambda k, v: check_int(k, v, low=0),
        "cooldown_counter": lambda k, v: check_int(k, v, low=0),
    }

    def __init__(
        self,
        optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr=0.0,
        eps: float = 1e-8,
    ) -> None:
        _check_optimizer(optimizer)
        f = self._fields
        self.factor = check_real(
            "factor",
            factor,
            low=0.0,
            high=1.0,
            high_open=True,
            hint="pass a factor below 1 (e.g. 0.1): the lr is multiplied by it",
        )
        self.mode = f["mode"]("mode", mode)
        self.threshold_mode = f["threshold_mode"]("threshold_mode", threshold_mode)
        self.patience = f["patience"]("patience", patience)
        self.cooldown = f["cooldown"]("cooldown", cooldown)
        self.threshold = f["threshold"]("threshold", threshold)
        self.eps = f["eps"]("eps", eps)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
        else:
            self.default_min_lr = _nonneg("min_lr", min_lr)
        self.min_lrs = _per_group("min_lr", optimizer, min_lr, _nonneg)
        self.last_epoch = 0
        self._step_count = 0
        self.base_lrs = [float(g["lr"]) for g in optimizer.param_groups]
        self._last_lr = [g["lr"] for g in optimizer.param_groups]
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def mode_worse(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            limit = (
                best * (1.0 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
            return a < limit
        limit = (
            best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold
        )
        return a > limit

    def step(self, metrics) -> None:  # type: ignore[override]
        """Record this step's metric (e.g. the validation loss) and reduce lr if stuck."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step needs the monitored metric as a number, got "
                f"{type(metrics).__name__}"
            ) from None
        self.last_epoch += 1
        self._step_count += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(
                    f"the optimizer now has {len(groups)} parameter groups but min_lr lists "
                    f"{len(self.min_lrs)}; set scheduler.min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def _dump(self, name):
        return _encode_float(self.best) if name == "best" else super()._dump(name)
