"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

import numpy as np

from ._steps import _buffer, _div_sqrt, _mul_add_, _mul_add_sq_, _sub_scaled_, lerp_
from ._validate import check_bool, check_real
from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop (PyTorch's update, step for step).

    .. code-block:: text

        g = -g                          if maximize
        g = g + weight_decay * θ        if weight_decay != 0
        v = α v + (1 - α) g²
        if centered:  ḡ = α ḡ + (1 - α) g;  s = sqrt(v - ḡ²) + eps
        else:         s = sqrt(v) + eps
        if momentum > 0:  b = momentum * b + g / s;  θ = θ - lr * b
        else:             θ = θ - lr * g / s

    State per parameter: ``step``, ``square_avg``, and ``momentum_buffer`` (momentum > 0)
    and ``grad_avg`` (centered).

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> w = tp.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01)  # first step: lr / sqrt(1 - alpha) = 0.1
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _state_arrays = ("square_avg", "momentum_buffer", "grad_avg")
    _counts_steps = True

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> dict:
        group = super()._validate_group(group)
        group["alpha"] = check_real(
            "alpha", group["alpha"], low=0.0, high=1.0, hint="pass a smoothing 0 <= alpha <= 1"
        )
        group["eps"] = check_real("eps", group["eps"], low=0.0, hint="pass eps >= 0 (e.g. 1e-8)")
        group["momentum"] = check_real(
            "momentum", group["momentum"], low=0.0, hint="pass a momentum >= 0"
        )
        group["centered"] = check_bool("centered", group["centered"])
        group["maximize"] = check_bool("maximize", group["maximize"])
        return group

    def _required_state(self, group: dict) -> tuple:
        names = ("step", "square_avg")
        if group["momentum"] > 0:
            names += ("momentum_buffer",)
        if group["centered"]:
            names += ("grad_avg",)
        return names

    def _update(self, p, g, state: dict, group: dict) -> None:
        alpha, momentum, tmp = float(group["alpha"]), float(group["momentum"]), self._tmp(p)
        v = _buffer(state, "square_avg", p)
        _mul_add_sq_(v, alpha, g, 1.0 - alpha, tmp)  # v = α v + (1 - α) g²
        if group["centered"]:
            g_avg = _buffer(state, "grad_avg", p)
            lerp_(g_avg, g, 1.0 - alpha, tmp)  # ḡ = α ḡ + (1 - α) g
            v = np.subtract(v, np.square(g_avg, out=tmp), out=tmp)  # v - ḡ²
        scaled = _div_sqrt(g, v, float(group["eps"]), tmp)  # g / (sqrt(v) + eps)
        if momentum > 0:  # b = momentum * b + g / (sqrt(v) + eps)
            scaled = _mul_add_(_buffer(state, "momentum_buffer", p), momentum, scaled, 1.0, tmp)
        _sub_scaled_(p, scaled, float(group["lr"]), tmp)  # θ = θ - lr * (b or the above)
