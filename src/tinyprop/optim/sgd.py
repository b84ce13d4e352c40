"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from ..backend import xp
from ._validate import check_bool, check_real
from .optimizer import Optimizer


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
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0, got momentum="
                f"{group['momentum']} and dampening={group['dampening']}; set momentum "
                "(e.g. 0.9) or turn nesterov off"
            )
        return group

    def _update_group(self, group: dict) -> None:
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        if momentum == 0 and weight_decay == 0 and not maximize:  # plain SGD
            for p in group["params"]:
                g = self._grad_of(p)
                if g is not None:
                    d = p._data
                    d -= lr * g
            return
        for p in group["params"]:
            g = self._grad_of(p)
            if g is None:
                continue
            d = p._data
            t, t2 = self._scratch(d, 2)
            # e: the effective gradient (g itself is never written to)
            if weight_decay != 0:
                xp.multiply(d, weight_decay, out=t)
                (xp.subtract if maximize else xp.add)(t, g, out=t)
                e = t
            elif maximize:
                xp.negative(g, out=t)
                e = t
            else:
                e = g
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = xp.array(e, dtype=d.dtype, copy=True)
                    state["momentum_buffer"] = buf
                else:
                    buf *= momentum
                    if dampening != 0:
                        xp.multiply(e, 1.0 - dampening, out=t2)
                        buf += t2
                    else:
                        buf += e
                if nesterov:
                    xp.multiply(buf, momentum, out=t2)
                    t2 += e
                    e = t2
                else:
                    e = buf
            out = e if (e is t or e is t2) else t
            xp.multiply(e, lr, out=out)
            d -= out
