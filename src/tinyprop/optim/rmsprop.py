"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from ..backend import xp
from ._validate import check_bool, check_real
from .optimizer import Optimizer, lerp_


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

    def _update_group(self, group: dict) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = group["centered"]
        maximize = group["maximize"]
        for p in group["params"]:
            g = self._grad_of(p)
            if g is None:
                continue
            d = p._data
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = xp.zeros_like(d)
            state["step"] += 1
            t, t2 = self._scratch(d, 2)
            e = g
            if weight_decay != 0:
                xp.multiply(d, weight_decay, out=t)
                (xp.subtract if maximize else xp.add)(t, g, out=t)
                e = t
            elif maximize:
                xp.negative(g, out=t)
                e = t
            v = state["square_avg"]
            v *= alpha
            xp.multiply(e, e, out=t2)
            t2 *= 1.0 - alpha
            v += t2
            if centered:
                ga = state.get("grad_avg")
                if ga is None:
                    ga = state["grad_avg"] = xp.zeros_like(d)
                lerp_(ga, e, 1.0 - alpha, t2)
                xp.multiply(ga, ga, out=t2)
                xp.subtract(v, t2, out=t2)
                xp.sqrt(t2, out=t2)
            else:
                xp.sqrt(v, out=t2)
            t2 += eps
            xp.divide(e, t2, out=t2)
            if momentum > 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = xp.zeros_like(d)
                buf *= momentum
                buf += t2
                xp.multiply(buf, lr, out=t2)
            else:
                t2 *= lr
            d -= t2
