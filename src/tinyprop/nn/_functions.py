"""Fused differentiable ops for the layers: affine map and normalisation.

Each could be composed from tinyprop ops, and the tests check that both ways agree;
fusing them keeps the training hot path to a few array operations and one graph node.
"""

from __future__ import annotations

from .. import kernels
from ..backend import xp
from ..function import Function


class LinearFunction(Function):
    """``y = x @ W.T + b`` for ``x`` of shape (..., in), ``W`` (out, in), ``b`` (out,).

    Backward: ``dx = g @ W``, ``dW = g.T @ x`` (leading dims flattened), ``db = sum(g)``;
    each only when that input needs a gradient.
    """

    @staticmethod
    def forward(ctx, x, w, b):
        out = x @ w.T
        if b is not None:
            out += b
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        nx, nw, nb = ctx.needs_input_grad
        gx = g @ w if nx else None
        gw = gb = None
        if g.ndim == 2:
            if nw:
                gw = g.T @ x
            if nb:
                gb = kernels.col_sum(g)
        else:
            g2 = g.reshape(-1, w.shape[0])
            if nw:
                gw = g2.T @ x.reshape(-1, w.shape[1])
            if nb:
                gb = kernels.col_sum(g2)
        return gx, gw, gb


class Normalize(Function):
    """``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the statistics taken
    over ``axes`` (batch norm: batch and length axes; layer norm: the last axes).

    ``mean`` and ``var`` (biased, keepdims) are computed by the caller and passed in, so
    batch norm can reuse them for its running statistics. With ``n`` elements reduced
    and ``h = g * weight``, the input gradient is
    ``inv_std * (h - mean(h) - xhat * mean(h * xhat))``; ``dweight = g * xhat`` and
    ``dbias = g`` are summed back to the parameters' shapes by the engine. With
    ``batch_stats=False`` (batch norm in eval mode) the statistics are constants and the
    input gradient is just ``inv_std * h``.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, axes, eps, mean, var, batch_stats=True):
        inv_std = 1.0 / xp.sqrt(var + eps)
        xhat = (x - mean) * inv_std
        out = xhat
        if weight is not None:
            out = out * weight
        if bias is not None:
            out = out + bias
        ctx.save_for_backward(xhat, inv_std, weight)
        ctx.axes, ctx.batch_stats = axes, batch_stats
        return out

    @staticmethod
    def backward(ctx, g):
        xhat, inv_std, weight = ctx.saved
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if nx:
            h = g if weight is None else g * weight
            axes = ctx.axes
            if ctx.batch_stats:
                gx = inv_std * (
                    h
                    - xp.mean(h, axis=axes, keepdims=True)
                    - xhat * xp.mean(h * xhat, axis=axes, keepdims=True)
                )
            else:
                gx = inv_std * h
        if nw:
            gw = g * xhat
        if nb:
            gb = g
        return gx, gw, gb, None, None, None, None, None
