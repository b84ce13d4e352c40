"""Element-wise losses of an input and a target of the same shape, each fused so its
gradient is written once: MSE, Huber / smooth L1 and binary cross-entropy with logits;
L1 composed from primitives. Signatures, positional order and reductions are
``torch.nn.functional``'s (legacy ``size_average`` / ``reduce`` included); ``weight``
(one per element) is accepted by ``mse_loss``, ``l1_loss`` and ``huber_loss``, and
broadcast ``weight`` / ``pos_weight`` by ``binary_cross_entropy_with_logits``.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from .._validate import check_float
from ..function import Function
from ..tensor import Tensor
from ._reduction import check_reduction, legacy_reduction, reduce_loss
from ._registry import register
from ._util import as_tensor_arg


class MSELoss(Function):
    @staticmethod
    def forward(ctx, a, b, reduction):
        d = a - b
        ctx.save_for_backward(a, b)
        ctx.reduction = reduction
        return reduce_loss(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        d = a - b
        k = 2 / max(d.size, 1) if ctx.reduction == "mean" else 2
        gd = (g * k) * d
        return gd, (-gd if ctx.needs_input_grad[1] else None), None


class HuberLoss(Function):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - delta/2)``, with
    ``d = a - b``, all divided by ``scale`` (``scale = delta = beta`` gives smooth L1);
    its derivative in ``d`` is ``clip(d, -delta, delta) / scale``. One op, so the branch
    is taken inside it (and a compiled trace replays it on new values)."""

    @staticmethod
    def forward(ctx, a, b, delta, reduction, scale=1.0):
        d = a - b
        ad = np.abs(d)
        loss = np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
        if scale != 1.0:
            loss = loss / scale
        ctx.save_for_backward(a, b)
        ctx.delta, ctx.reduction, ctx.scale = delta, reduction, scale
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        d = a - b
        if ctx.reduction == "mean":
            g = g / max(d.size, 1)
        if ctx.scale != 1.0:
            g = g / ctx.scale
        gd = g * np.clip(d, -ctx.delta, ctx.delta)
        return gd, (-gd if ctx.needs_input_grad[1] else None), None, None, None


class BCEWithLogits(Function):
    """``-w [p t log sigmoid(x) + (1-t) log(1 - sigmoid(x))]`` from logits, stably, with
    ``p = pos_weight`` and ``w = weight`` broadcast to the input (both optional; both
    get gradients when they require grad, where PyTorch refuses them)."""

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        sp = kernels.softplus(-x)  # -log sigmoid(x)
        if pos_weight is None:
            loss = (1 - t) * x + sp
        else:
            loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * sp
        ctx.save_for_backward(x, t, sp, weight, pos_weight,
                              loss if weight is not None else None)
        if weight is not None:
            loss = loss * weight
        ctx.reduction, ctx.n = reduction, x.size
        return reduce_loss(loss, reduction)

    @staticmethod
    def resave(ctx, inputs, output):
        from .activation import softplus

        x, t, _, weight, pw, _ = ctx.saved
        x, t, weight, pw = (a if a is not None else b
                            for a, b in zip(inputs[:4], (x, t, weight, pw)))
        sp = softplus(-x if isinstance(x, Tensor) else Tensor._wrap(-x))
        loss = (1 - t) * x + (sp if pw is None else (1 + (pw - 1) * t) * sp)
        return [x, t, sp, weight, pw, loss if weight is not None else None]

    @staticmethod
    def backward(ctx, g):
        x, t, sp, weight, pw, unweighted = ctx.saved
        need = ctx.needs_input_grad
        if ctx.reduction == "mean":
            g = g / max(ctx.n, 1)
        gw = g * unweighted if weight is not None and need[2] else None
        if weight is not None:
            g = g * weight
        sig_neg = kernels.sigmoid(-x)
        if pw is None:
            gx = g * (1 - t - sig_neg)
            gt = -g * x if need[1] else None
            gpw = None
        else:
            gx = g * ((1 - t) - (1 + (pw - 1) * t) * sig_neg)
            gt = g * (-x + (pw - 1) * sp) if need[1] else None
            gpw = g * t * sp if need[3] else None
        return gx, gt, gw, gpw, None


def _operands(input, target, what):
    """Input and target as same-shaped operands of one float dtype (an integer side
    takes the other's float dtype); the target stays an array unless it is a Tensor."""
    a = as_tensor_arg(input)
    b = target if isinstance(target, Tensor) else np.asarray(target)
    bkind = b._data.dtype.kind if isinstance(b, Tensor) else b.dtype.kind
    if a._data.dtype.kind != "f":
        if bkind != "f":
            raise TypeError(
                f"{what}: input must be floating point, got {a.dtype}; convert it with .float()"
            )
        a = a.to(b.dtype)
    if isinstance(b, Tensor):
        if b.dtype != a.dtype and bkind != "f":
            b = b.to(a.dtype)
    elif b.dtype != a.dtype:
        b = b.astype(a.dtype)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{what}: input shape {tuple(a.shape)} and target shape {tuple(b.shape)} differ; "
            "they must match (reshape the target, e.g. y.reshape(-1, 1), to avoid silent "
            "broadcasting)"
        )
    return a, b


def _elementwise_weight(weight, a, what):
    if weight is None:
        return None
    w = as_tensor_arg(weight)
    if tuple(w.shape) != tuple(a.shape):
        raise ValueError(
            f"{what}: weight must have the input's shape {tuple(a.shape)} (one weight per "
            f"element, as PyTorch), got {tuple(w.shape)}"
        )
    return w


def _weighted(loss, w, reduction, by_weight: bool):
    """``loss * w`` reduced; PyTorch divides a weighted MSE / L1 mean by ``sum(w)``
    (``by_weight``) but a weighted Huber mean by the element count."""
    loss = loss * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum() if by_weight else loss.mean()


def _elementwise(loss, input, target, weight, reduction, what, by_weight: bool = True):
    """``loss(a, b, reduction)`` of the checked operands; with ``weight``, the unreduced
    loss times ``weight``, reduced as ``_weighted`` says."""
    a, b = _operands(input, target, what)
    w = _elementwise_weight(weight, a, what)
    if w is None:
        return loss(a, b, reduction)
    return _weighted(loss(a, b, "none"), w, reduction, by_weight)


def _abs_error(a, b, reduction):
    """The L1 loss of checked operands, composed from ``abs``."""
    return reduce_loss((a - b).abs(), reduction)


@register()
def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error ``mean((input - target) ** 2)``; shapes must match. ``weight``
    (input's shape) weights each element, and the weighted mean divides by its sum.

    >>> import tinyprop as tp
    >>> tp.mse_loss(tp.tensor([0.0, 3.0]), tp.tensor([1.0, 1.0])).item()
    2.5
    """
    what = "mse_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    return _elementwise(MSELoss.apply, input, target, weight, reduction, what)


@register()
def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean absolute error; composed from ``abs``. ``weight`` as in ``mse_loss``.

    >>> import tinyprop as tp
    >>> tp.l1_loss(tp.tensor([0.0, 3.0]), tp.tensor([1.0, 1.0])).item()
    1.5
    """
    what = "l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    return _elementwise(_abs_error, input, target, weight, reduction, what)


@register()
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """Quadratic within ``delta``, linear beyond (PyTorch's ``huber_loss``); ``weight``
    (input's shape) scales each element before the reduction.

    >>> import tinyprop as tp
    >>> tp.huber_loss(tp.tensor([0.0, 3.0]), tp.tensor([0.5, 0.0])).item()
    1.3125
    """
    what = "huber_loss"
    reduction = check_reduction(reduction)
    delta = check_float(delta, f"{what}: delta", low=0.0, closed="neither", finite=False,
                        fix="pass e.g. delta=1.0")  # inf is PyTorch's valid MSE/2
    return _elementwise(lambda a, b, r: HuberLoss.apply(a, b, delta, r), input, target,
                        weight, reduction, what, by_weight=False)


@register()
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2`` (Huber loss
    divided by ``beta``); ``beta = 0`` is the L1 loss.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import functional as F
    >>> F.smooth_l1_loss(tp.tensor([0.0, 3.0]), tp.tensor([0.25, 0.0]), beta=0.5).item()
    1.40625
    """
    what = "smooth_l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    beta = check_float(beta, f"{what}: beta", low=0.0, finite=False,
                       fix="pass e.g. beta=1.0 (beta=0 gives the L1 loss)")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    a, b = _operands(input, target, what)
    return HuberLoss.apply(a, b, float(beta), reduction, float(beta))


def _broadcast_arg(v, x, name: str, what: str):
    """``weight`` / ``pos_weight``: broadcastable to the input without growing it."""
    if v is None:
        return None
    if isinstance(v, Tensor):
        if v.dtype != x.dtype:
            v = v.to(x.dtype)
        shape = tuple(v.shape)
    else:
        v = np.asarray(v, dtype=x.dtype)
        shape = v.shape
    try:
        ok = np.broadcast_shapes(shape, tuple(x.shape)) == tuple(x.shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{what}: {name} of shape {shape} must broadcast to the input's shape "
            f"{tuple(x.shape)} (e.g. one value per class: shape ({x.shape[-1]},))"
        )
    return v


@register()
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Sigmoid + binary cross-entropy from logits, finite for any logit magnitude.
    ``weight`` and ``pos_weight`` broadcast to the input (``pos_weight`` of shape (C,)
    weights the positive term of each class).

    >>> import tinyprop as tp
    >>> x = tp.tensor([0.0, 2.0])
    >>> round(tp.binary_cross_entropy_with_logits(x, tp.tensor([1.0, 1.0])).item(), 4)
    0.41
    """
    what = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    x = as_tensor_arg(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{what}: input must be floating point, got {x.dtype}")
    t = target if isinstance(target, Tensor) else np.asarray(target)
    tarr = t._data if isinstance(t, Tensor) else t
    if tuple(tarr.shape) != tuple(x.shape):
        raise ValueError(
            f"{what}: target shape {tuple(tarr.shape)} must be the input's shape "
            f"{tuple(x.shape)}; they must match (reshape the target)"
        )
    if tarr.dtype.kind == "f" and not np.isfinite(tarr).all():
        raise ValueError(
            f"{what}: targets must be finite values in [0, 1], got NaN or infinity; "
            "clean the targets"
        )
    if tarr.dtype != x.dtype:
        t = t.to(x.dtype) if isinstance(t, Tensor) else t.astype(x.dtype)
    w = _broadcast_arg(weight, x, "weight", what)
    pw = _broadcast_arg(pos_weight, x, "pos_weight", what)
    return BCEWithLogits.apply(x, t, w, pw, reduction)

