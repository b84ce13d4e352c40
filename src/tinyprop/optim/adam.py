"""Adam and AdamW (Adam with decoupled weight decay), optionally AMSGrad."""

from __future__ import annotations

from ..backend import xp
from ._validate import check_bool, check_real
from .optimizer import Optimizer, lerp_


def _check_betas(betas) -> tuple:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}; e.g. (0.9, 0.999)")
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

    def _update_group(self, group: dict) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            g = self._grad_of(p)
            if g is None:
                continue
            d = p._data
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = xp.zeros_like(d)
                state["exp_avg_sq"] = xp.zeros_like(d)
                if amsgrad:
                    state["max_exp_avg_sq"] = xp.zeros_like(d)
            state["step"] += 1
            step = state["step"]
            t, t2 = self._scratch(d, 2)
            e = g
            if weight_decay != 0 and not decoupled:
                xp.multiply(d, weight_decay, out=t)
                (xp.subtract if maximize else xp.add)(t, g, out=t)
                e = t
            elif maximize:
                xp.negative(g, out=t)
                e = t
            if weight_decay != 0 and decoupled:
                d *= 1.0 - lr * weight_decay
            m = state["exp_avg"]
            v = state["exp_avg_sq"]
            lerp_(m, e, 1.0 - beta1, t2)
            # v = beta2 v + (1 - beta2) e²
            v *= beta2
            xp.multiply(e, e, out=t2)
            t2 *= 1.0 - beta2
            v += t2
            step_size = lr / (1.0 - beta1**step)
            bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
            if amsgrad:
                vmax = state.get("max_exp_avg_sq")
                if vmax is None:  # amsgrad switched on after the first step
                    vmax = state["max_exp_avg_sq"] = xp.zeros_like(d)
                xp.maximum(vmax, v, out=vmax)
                v = vmax
            xp.sqrt(v, out=t2)
            t2 /= bias_correction2_sqrt
            t2 += eps
            xp.divide(m, t2, out=t2)
            t2 *= step_size
            d -= t2


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
