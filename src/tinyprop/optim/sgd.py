"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ._steps import _add_scaled, _mul_add_, _sub_scaled_
from ._validate import check_bool, check_real
from .optimizer import Optimizer

_SMALL = 1 << 14  # parameters up to this many elements update through a temporary


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's update, step for step).

    For each parameter :math:`\theta` with gradient :math:`g`:

    .. code-block:: text

        g = -g                      if maximize
        g = g + weight_decay * θ    if weight_decay != 0
        if momentum != 0:
            b = g                                   (first step)
            b = momentum * b + (1 - dampening) * g  (later steps)
            g = g + momentum * b    if nesterov else b
        θ = θ - lr * g

    >>> import tinyprop as tp
    >>> w = tp.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    _state_arrays = ("momentum_buffer",)

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> dict:
        group = super()._validate_group(group)
        group["momentum"] = check_real(
            "momentum", group["momentum"], low=0.0, hint="pass a momentum >= 0 (e.g. 0.9)"
        )
        group["dampening"] = check_real(
            "dampening", group["dampening"], low=0.0, high=1.0, hint="pass 0 <= dampening <= 1"
        )
        group["nesterov"] = check_bool("nesterov", group["nesterov"])
        group["maximize"] = check_bool("maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ConfigError(
                f"nesterov=True needs momentum > 0 and dampening = 0, got momentum="
                f"{group['momentum']} and dampening={group['dampening']}; set momentum "
                "(e.g. 0.9) or turn nesterov off"
            )
        return group

    def _step_group(self, group: dict) -> None:
        # Plain SGD (no momentum, decay or maximize: the seeds' update) skips the general
        # per-parameter machinery; small parameters take a temporary instead of a scratch
        # lookup, which costs more than the arithmetic; a large one's update may be numba's
        # one pass (_sub_scaled_, the fast extra). Same operations, same rounding.
        if group["momentum"] or group["weight_decay"] or group["maximize"]:
            return super()._step_group(group)
        lr = float(group["lr"])
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            g, d = g._data, p._data
            if g.shape != d.shape:
                self._grad_of(p)  # raises the shape error
            if d.size <= _SMALL:
                d -= g * lr  # a Python float keeps g's dtype
            else:
                _sub_scaled_(d, g, lr, self._scratch(d, 2)[1])

    def _update(self, p, g, state: dict, group: dict) -> None:
        # two scratch arrays: ``spare`` may hold the effective gradient, so the last
        # step writes there (memory just used) unless the step is already in ``tmp``
        momentum, (spare, tmp) = float(group["momentum"]), self._scratch(p, 2)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # first step: b = g
                buf = state["momentum_buffer"] = np.array(g, dtype=p.dtype, copy=True)
            else:  # b = momentum * b + (1 - dampening) * g
                _mul_add_(buf, momentum, g, 1.0 - float(group["dampening"]), tmp)
            g = _add_scaled(g, buf, momentum, tmp) if group["nesterov"] else buf
        _sub_scaled_(p, g, float(group["lr"]), g if g is tmp else spare)  # θ = θ - lr * g
