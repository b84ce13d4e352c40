"""Adam and AdamW (Adam with decoupled weight decay), optionally AMSGrad."""

from __future__ import annotations

import numpy as np

from .._validate import type_error
from ._steps import _buffer, _div_sqrt, _mul_add_sq_, _sub_scaled_, lerp_
from ._validate import check_bool, check_real
from .optimizer import Optimizer


def _check_betas(betas) -> tuple:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise type_error("betas", "a pair (beta1, beta2)", betas, "pass e.g. betas=(0.9, 0.999)")
    return tuple(
        check_real(
            f"betas[{i}]", b, low=0.0, high=1.0, high_open=True, hint="each beta is in [0, 1)"
        )
        for i, b in enumerate(betas)
    )


class Adam(Optimizer):
    r"""Adam (PyTorch's update, step for step).

    For each parameter :math:`\theta` with gradient :math:`g`, at step :math:`t`:

    .. code-block:: text

        g = -g                          if maximize
        θ = θ (1 - lr * weight_decay)   if decoupled_weight_decay (AdamW)
        g = g + weight_decay * θ        otherwise, if weight_decay != 0
        m = β1 m + (1 - β1) g
        v = β2 v + (1 - β2) g²
        v̂ = max(v̂, v) if amsgrad else v
        θ = θ - lr / (1 - β1ᵗ) * m / (sqrt(v̂) / sqrt(1 - β2ᵗ) + eps)

    State per parameter: ``step`` (int), ``exp_avg``, ``exp_avg_sq`` and, with
    ``amsgrad``, ``max_exp_avg_sq`` (arrays of the parameter's dtype).

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> w = tp.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    _state_arrays = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _counts_steps = True

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> dict:
        group = super()._validate_group(group)
        group["betas"] = _check_betas(group["betas"])
        group["eps"] = check_real("eps", group["eps"], low=0.0, hint="pass eps >= 0 (e.g. 1e-8)")
        for name in ("amsgrad", "maximize", "decoupled_weight_decay"):
            group[name] = check_bool(name, group[name])
        return group

    def _required_state(self, group: dict) -> tuple:
        names = ("step", "exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if group["amsgrad"] else names

    def _update(self, p, g, state: dict, group: dict) -> None:
        lr, eps, step = float(group["lr"]), float(group["eps"]), state["step"]
        beta1, beta2 = map(float, group["betas"])
        decay, tmp = float(group["weight_decay"]), self._tmp(p)
        if group["decoupled_weight_decay"] and decay != 0:
            p *= 1.0 - lr * decay  # AdamW: θ = θ (1 - lr * weight_decay)
        m, v = _buffer(state, "exp_avg", p), _buffer(state, "exp_avg_sq", p)
        lerp_(m, g, 1.0 - beta1, tmp)  # m = β1 m + (1 - β1) g
        _mul_add_sq_(v, beta2, g, 1.0 - beta2, tmp)  # v = β2 v + (1 - β2) g²
        if group["amsgrad"]:
            vmax = _buffer(state, "max_exp_avg_sq", p)
            v = np.maximum(vmax, v, out=vmax)  # v̂ = max(v̂, v)
        # θ = θ - lr / (1 - β1ᵗ) * m / (sqrt(v̂) / sqrt(1 - β2ᵗ) + eps)
        _div_sqrt(m, v, eps, tmp, scale=(1.0 - beta2**step) ** 0.5)
        _sub_scaled_(p, tmp, lr / (1.0 - beta1**step), tmp)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the parameter shrinks by
    ``lr * weight_decay`` each step, outside the adaptive update. Default decay 1e-2.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> w = tp.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.AdamW([w], lr=0.1)  # shrinks by 0.1 * 1e-2, then Adam's step
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.8990, -1.8980], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
