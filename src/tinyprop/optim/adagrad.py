"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

import numpy as np

from ._steps import _buffer, _div_sqrt, _sub_scaled_
from ._validate import check_bool, check_real
from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""Adagrad (PyTorch's update, step for step).

    .. code-block:: text

        g = -g                          if maximize
        g = g + weight_decay * θ        if weight_decay != 0
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g²                      (s starts at initial_accumulator_value)
        θ = θ - lr_t * g / (sqrt(s) + eps)

    State per parameter: ``step`` and ``sum``.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> w = tp.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _state_arrays = ("sum",)
    _counts_steps = True

    def _required_state(self, group: dict) -> tuple:
        return ("step", "sum")

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> dict:
        group = super()._validate_group(group)
        group["lr_decay"] = check_real(
            "lr_decay", group["lr_decay"], low=0.0, hint="pass lr_decay >= 0"
        )
        group["initial_accumulator_value"] = check_real(
            "initial_accumulator_value",
            group["initial_accumulator_value"],
            low=0.0,
            hint="pass initial_accumulator_value >= 0",
        )
        group["eps"] = check_real("eps", group["eps"], low=0.0, hint="pass eps >= 0 (e.g. 1e-10)")
        group["maximize"] = check_bool("maximize", group["maximize"])
        return group

    def _update(self, p, g, state: dict, group: dict) -> None:
        tmp = self._tmp(p)
        s = _buffer(state, "sum", p, fill=group["initial_accumulator_value"])
        s += np.square(g, out=tmp)  # s = s + g²
        lr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))
        _sub_scaled_(p, _div_sqrt(g, s, float(group["eps"]), tmp), lr, tmp)
