"""Losses, each fused so its gradient is written once: cross-entropy from logits, NLL,
MSE, Huber / smooth L1, binary cross-entropy with logits; L1 composed from primitives;
and ``one_hot``. Signatures, positional order, reductions and target shapes are
``torch.nn.functional``'s (legacy ``size_average`` / ``reduce`` included).

Cross-entropy and NLL take ``(N, C)`` input, unbatched ``(C,)`` input, or K-dimensional
``(N, C, d1, ..., dK)`` input; the K-dimensional case moves the class axis last and
flattens to ``(N * d1 * ... * dK, C)`` rows, so one 2-D op (and its one derivative)
serves every shape.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import kernels
from ..backend import xp
from ..function import Function
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._util import as_tensor_arg

REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def legacy_reduction(size_average, reduce, reduction: str, what: str) -> str:
    """PyTorch's deprecated ``size_average`` / ``reduce`` pair as a ``reduction`` name
    (with PyTorch's deprecation warning); ``reduction`` itself when both are None."""
    if size_average is None and reduce is None:
        return _reduction(reduction)
    size_average = True if size_average is None else bool(size_average)
    reduce = True if reduce is None else bool(reduce)
    new = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"{what}: size_average and reduce are deprecated (as in PyTorch); use "
        f"reduction={new!r} instead",
        UserWarning,
        stacklevel=3,
    )
    return new


def _scale(g, reduction, denom):
    """Per-row gradient factor (N, 1) for a loss reduced by ``reduction``."""
    if reduction == "none":
        return g[:, None]
    return g / denom if reduction == "mean" else g


def _mean(total, denom):
    """``total / denom``; 0 / 0 is NaN without a warning (PyTorch's mean of nothing)."""
    if denom:
        return total / denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / denom


class CrossEntropyIndex(Function):
    """Softmax cross-entropy of (M, C) logits with class-index targets (M,); ``weight``,
    ``ignore_index`` and ``label_smoothing`` as in PyTorch (a weighted mean divides by
    the summed weights of the rows that count). Plain case gradient: ``(softmax -
    onehot) / M``; in general ``softmax * sum(A) - A`` per row for the row's target
    coefficients ``A``. When every row is ignored the mean is NaN and the gradient 0."""

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, smoothing, reduction, what):
        n, c = logits.shape
        in_range = _check_labels(target, c, ignore_index, what)
        plain = (weight is None and not smoothing and reduction != "none" and in_range
                 and not (0 <= ignore_index < c and (target == ignore_index).any()))
        ctx.plain = plain
        if plain:  # every row counts with weight 1: the seeds' (softmax - onehot) / N
            total, p = kernels.softmax_cross_entropy(logits, target)
            ctx.save_for_backward(p, target)
            ctx.reduction, ctx.denom = reduction, n
            return _mean(total, n) if reduction == "mean" else total
        logp = kernels.log_softmax(logits, axis=1)
        valid = target != ignore_index
        safe = xp.where(valid, target, 0)
        picked = logp[xp.arange(n), safe]
        if weight is None:
            w_row = valid.astype(logits.dtype)
            smooth = -logp.sum(axis=1) / c * w_row if smoothing else None
        else:
            w_row = weight[safe] * valid
            smooth = -(logp * weight).sum(axis=1) / c * valid if smoothing else None
        nll = -picked * w_row
        loss = nll if not smoothing else (1 - smoothing) * nll + smoothing * smooth
        denom = w_row.sum()
        ctx.save_for_backward(logp, safe, valid, w_row)
        ctx.weight, ctx.smoothing, ctx.reduction, ctx.denom = weight, smoothing, reduction, denom
        if reduction == "none":
            return loss
        total = loss.sum()
        return _mean(total, denom) if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        if ctx.plain:
            p, target = ctx.saved
            grad = kernels.softmax_minus_onehot(p, target)
            grad *= _mean(g, ctx.denom) if ctx.reduction == "mean" else g
            return grad, None, None, None, None, None, None
        logp, safe, valid, w_row = ctx.saved
        n, c = logp.shape
        if ctx.reduction == "mean" and not valid.any():  # nothing counted: PyTorch's zeros
            return xp.zeros_like(logp), None, None, None, None, None, None
        s = _scale(g, ctx.reduction, ctx.denom)
        eps = ctx.smoothing
        # loss_i = -sum_c A_ic logp_ic  =>  dloss_i/dlogits = softmax_i * sum_c A_ic - A_i
        coef = xp.zeros_like(logp)
        coef[xp.arange(n), safe] = (1 - eps) * w_row
        if eps:
            wc = xp.ones(c, dtype=logp.dtype) if ctx.weight is None else ctx.weight
            coef += (eps / c) * wc * valid[:, None]
        grad = xp.exp(logp) * coef.sum(axis=1, keepdims=True) - coef
        return grad * s, None, None, None, None, None, None


class CrossEntropyProb(Function):
    """Softmax cross-entropy with probability (or one-hot) targets of shape (M, C); the
    mean divides by M whatever the weights (PyTorch's rule for probability targets)."""

    @staticmethod
    def forward(ctx, logits, target, weight, smoothing, reduction):
        n, c = logits.shape
        logp = kernels.log_softmax(logits, axis=1)
        t = target * (1 - smoothing) + smoothing / c if smoothing else target
        coef = t if weight is None else t * weight
        loss = -(coef * logp).sum(axis=1)
        ctx.save_for_backward(logp, coef)
        ctx.weight, ctx.smoothing, ctx.reduction, ctx.n = weight, smoothing, reduction, n
        if reduction == "none":
            return loss
        return _mean(loss.sum(), n) if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, g):
        logp, coef = ctx.saved
        s = _scale(g, ctx.reduction, ctx.n)
        gl = (xp.exp(logp) * coef.sum(axis=1, keepdims=True) - coef) * s
        gt = None
        if ctx.needs_input_grad[1]:
            w = 1 if ctx.weight is None else ctx.weight
            gt = -(1 - ctx.smoothing) * w * logp * s
        return gl, gt, None, None, None


class NLLLoss(Function):
    """Negative log-likelihood of (M, C) log-probabilities at the target classes (M,)."""

    @staticmethod
    def forward(ctx, logp, target, weight, ignore_index, reduction, what):
        n = logp.shape[0]
        _check_labels(target, logp.shape[1], ignore_index, what)
        valid = target != ignore_index
        safe = xp.where(valid, target, 0)
        w_row = valid.astype(logp.dtype) if weight is None else weight[safe] * valid
        loss = -logp[xp.arange(n), safe] * w_row
        denom = w_row.sum()
        ctx.save_for_backward(safe, w_row)
        ctx.shape, ctx.reduction, ctx.denom = logp.shape, reduction, denom
        ctx.counted = bool(valid.any())
        if reduction == "none":
            return loss
        return _mean(loss.sum(), denom) if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, g):
        safe, w_row = ctx.saved
        grad = xp.zeros(ctx.shape, dtype=w_row.dtype)
        if ctx.reduction == "mean" and not ctx.counted:
            return grad, None, None, None, None, None
        s = _scale(g, ctx.reduction, ctx.denom)
        grad[xp.arange(ctx.shape[0]), safe] = -w_row
        return grad * s, None, None, None, None, None


class MSELoss(Function):
    @staticmethod
    def forward(ctx, a, b, reduction):
        d = a - b
        ctx.save_for_backward(d)
        ctx.reduction = reduction
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
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
        ad = xp.abs(d)
        loss = xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
        if scale != 1.0:
            loss = loss / scale
        ctx.save_for_backward(d)
        ctx.delta, ctx.reduction, ctx.scale = delta, reduction, scale
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        if ctx.reduction == "mean":
            g = g / max(d.size, 1)
        if ctx.scale != 1.0:
            g = g / ctx.scale
        gd = g * xp.clip(d, -ctx.delta, ctx.delta)
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
        return _reduce(loss, reduction)

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


# ---- validation ---------------------------------------------------------------------


def _check_labels(t, c: int, ignore_index: int, what: str) -> bool:
    """Raise if a label (other than ``ignore_index``) is outside 0..c-1; return whether
    every label is in range (then no row can be ignored)."""
    in_range = kernels.labels_in_range(t, c)
    if not in_range:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bad.any():
            v = t[bad][0]
            raise ValueError(
                f"{what}: target label {v} is out of range for {c} classes (expected 0..{c - 1}); "
                "check the labels or the model's number of outputs"
            )
    return bool(in_range)


def _weight(weight, c: int, dtype, what: str):
    if weight is None:
        return None
    if isinstance(weight, Tensor) and weight.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{what}: the class weight cannot require grad (PyTorch does not differentiate "
            "it either); pass weight.detach()"
        )
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (c,):
        raise ValueError(
            f"{what}: weight must have shape ({c},) (one per class), got {tuple(w.shape)}"
        )
    return w


def _check_int(value, name: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: {name} must be an int, got {value!r}")
    return int(value)


_SHAPES = "(C,), (N, C) or (N, C, d1, ..., dK)"


def _class_input(input, what: str) -> Tensor:
    """Scores of shape (C,), (N, C) or (N, C, d1, ..., dK), floating point."""
    x = as_tensor_arg(input)
    if x.ndim == 0:
        raise ValueError(f"{what}: expected input of shape {_SHAPES}, got a 0-d tensor")
    if x._data.dtype.kind != "f":
        raise TypeError(
            f"{what}: input must be floating point, got {x.dtype}; convert it with .float()"
        )
    return x


def _index_shape(x) -> tuple:
    """Shape of class-index targets for input ``x``: (), (N,) or (N, d1, ..., dK)."""
    shape = x._data.shape
    return () if len(shape) == 1 else (shape[0],) + shape[2:]


def _index_target(target, tdata, x, what: str):
    """Class-index targets checked (integer dtype, shape) and flattened to (M,); a Tensor
    stays a Tensor, so a compiled loss reads it as an input."""
    expected = _index_shape(x)
    if tdata.shape != expected:
        raise ValueError(
            f"{what}: expected class-index targets of shape {expected} for input of shape "
            f"{tuple(x.shape)} (input (N, C) takes (N,) targets, (N, C, d1, ..., dK) takes "
            f"(N, d1, ..., dK), (C,) a 0-d target), got {tuple(tdata.shape)}"
        )
    if tdata.dtype.kind not in "iu":
        hint = ("use .long() on labels" if tdata.dtype.kind in "fb" else "pass integer labels")
        raise TypeError(
            f"{what}: class-index targets must be integers, got dtype {tdata.dtype}; {hint}"
            + (f", or pass probabilities of the input's shape {tuple(x.shape)}"
               if what == "cross_entropy" else "")
        )
    if x.ndim == 2 and isinstance(target, Tensor):
        return target
    if isinstance(target, Tensor):
        return target.reshape(-1)
    return tdata.reshape(-1)


def _rows(x):
    """(N, C, d1, ..., dK) scores (Tensor or array) as (N * d1 * ... * dK, C) rows."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim)) + (1,)
    if isinstance(x, Tensor):
        return x.permute(*axes).reshape(-1, c)
    return xp.transpose(x, axes).reshape(-1, c)


def _unrows(out, x, reduction):
    """A per-row ('none') loss back in the shape of the targets."""
    if reduction != "none" or x.ndim == 2:
        return out
    return out.reshape(_index_shape(x))


# ---- classification losses ----------------------------------------------------------


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits, as ``torch.nn.functional.cross_entropy``.

    ``input`` is (N, C), unbatched (C,) or (N, C, d1, ..., dK). ``target`` is class
    indices (integers of shape (N,), () or (N, d1, ..., dK); ``ignore_index`` skips
    some) or probabilities of the input's shape. ``weight`` (C,) weights the classes;
    with index targets ``'mean'`` divides by the summed weights of the counted
    targets. ``'none'`` returns one loss per target position.

    >>> import tinyprop as tp
    >>> logits = tp.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> round(tp.cross_entropy(logits, tp.tensor([0, 1])).item(), 4)
    0.1269
    >>> tp.cross_entropy(tp.zeros(2, 3, 4), tp.zeros(2, 4).long(), reduction="none").shape
    tinyprop.Size([2, 4])
    """
    what = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    ignore_index = _check_int(ignore_index, "ignore_index", what)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"{what}: label_smoothing must be a number, got {label_smoothing!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{what}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _class_input(input, what)
    shape = x._data.shape
    c = shape[1] if len(shape) > 1 else shape[0]
    w = _weight(weight, c, x.dtype, what)
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.dtype.kind == "f" or tdata.shape == shape:
        out = _probability_ce(x, target, tdata, w, ignore_index, float(label_smoothing),
                              reduction, what)
    else:
        t = _index_target(target, tdata, x, what)
        out = CrossEntropyIndex.apply(_rows(x), t, w, ignore_index, float(label_smoothing),
                                      reduction, what)
    if x.ndim == 1 and reduction == "none":
        return out.reshape(())
    return _unrows(out, x, reduction)


def _probability_ce(x, target, tdata, w, ignore_index, smoothing, reduction, what):
    if tuple(tdata.shape) != tuple(x.shape):
        if tuple(tdata.shape) == _index_shape(x):
            raise TypeError(
                f"{what}: class-index targets must be integers, got dtype {tdata.dtype}; "
                f"use .long() on labels, or pass probabilities of the input's shape "
                f"{tuple(x.shape)}"
            )
        raise ValueError(
            f"{what}: probability targets must have the input's shape {tuple(x.shape)}, "
            f"got {tuple(tdata.shape)} (class indices would have shape {_index_shape(x)})"
        )
    if tdata.dtype.kind != "f":
        raise TypeError(
            f"{what}: targets of the input's shape {tuple(x.shape)} are probabilities and must "
            f"be floating point, got {tdata.dtype}; class indices have shape {_index_shape(x)}"
        )
    if ignore_index >= 0:
        raise ValueError(
            f"{what}: ignore_index is not supported with probability targets, got "
            f"ignore_index={ignore_index}; give ignored positions zero probability instead"
        )
    if not np.isfinite(tdata).all():
        raise ValueError(
            f"{what}: probability targets must be finite, got NaN or infinity; "
            "clean the targets (each row should be a distribution over the classes)"
        )
    if isinstance(target, Tensor):
        t = target if target.dtype == x.dtype else target.to(x.dtype)
    else:
        t = tdata.astype(x.dtype)
    return CrossEntropyProb.apply(_rows(x), _rows(t), w, smoothing, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood on log-probabilities (pair it with ``log_softmax``), as
    ``torch.nn.functional.nll_loss``: input (N, C), (C,) or (N, C, d1, ..., dK), class
    index targets (N,), () or (N, d1, ..., dK).

    >>> import tinyprop as tp
    >>> logp = tp.log_softmax(tp.tensor([[2.0, 0.0], [0.0, 2.0]]))
    >>> round(tp.nll_loss(logp, tp.tensor([0, 1])).item(), 4)
    0.1269
    """
    what = "nll_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    ignore_index = _check_int(ignore_index, "ignore_index", what)
    x = _class_input(input, what)
    shape = x._data.shape
    c = shape[1] if len(shape) > 1 else shape[0]
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    t = _index_target(target, tdata, x, what)
    out = NLLLoss.apply(_rows(x), t, _weight(weight, c, x.dtype, what), ignore_index,
                        reduction, what)
    if x.ndim == 1 and reduction == "none":
        return out.reshape(())
    return _unrows(out, x, reduction)


# ---- regression and binary losses ---------------------------------------------------


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
    a, b = _operands(input, target, what)
    w = _elementwise_weight(weight, a, what)
    if w is None:
        return MSELoss.apply(a, b, reduction)
    return _weighted(MSELoss.apply(a, b, "none"), w, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean absolute error; composed from ``abs``. ``weight`` as in ``mse_loss``.

    >>> import tinyprop as tp
    >>> tp.l1_loss(tp.tensor([0.0, 3.0]), tp.tensor([1.0, 1.0])).item()
    1.5
    """
    what = "l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    a, b = _operands(input, target, what)
    w = _elementwise_weight(weight, a, what)
    if w is None:
        return _reduce((a - b).abs(), reduction)
    return _weighted((a - b).abs(), w, reduction, True)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """Quadratic within ``delta``, linear beyond (PyTorch's ``huber_loss``); ``weight``
    (input's shape) scales each element before the reduction.

    >>> import tinyprop as tp
    >>> tp.huber_loss(tp.tensor([0.0, 3.0]), tp.tensor([0.5, 0.0])).item()
    1.3125
    """
    what = "huber_loss"
    reduction = _reduction(reduction)
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
        raise TypeError(f"{what}: delta must be a number, got {delta!r}")
    if not delta > 0:
        raise ValueError(f"huber_loss needs delta > 0, got {delta}")
    a, b = _operands(input, target, what)
    w = _elementwise_weight(weight, a, what)
    if w is None:
        return HuberLoss.apply(a, b, float(delta), reduction)
    return _weighted(HuberLoss.apply(a, b, float(delta), "none"), w, reduction, False)


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
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"{what}: beta must be a number, got {beta!r}")
    if beta < 0:
        raise ValueError(f"{what} needs beta >= 0 (0 gives the L1 loss), got {beta}")
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


def _reduce(loss, reduction):
    """A loss (array or Tensor) reduced as ``reduction`` says."""
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Integer labels to one-hot rows (int64), as ``torch.nn.functional.one_hot``;
    ``num_classes=-1`` infers ``max + 1`` (not possible for an empty tensor).

    >>> import tinyprop as tp
    >>> tp.one_hot(tp.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    t = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer labels, got dtype {t.dtype}; use .long()")
    num_classes = _check_int(num_classes, "num_classes", "one_hot")
    if num_classes < -1:
        raise ValueError(
            f"one_hot: num_classes must be -1 (infer) or a non-negative int, got {num_classes}"
        )
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot needs labels >= 0, got {t.min()}")
    if num_classes == -1:
        if not t.size:
            raise ValueError(
                "one_hot: cannot infer num_classes from an empty tensor; pass num_classes"
            )
        num_classes = int(t.max()) + 1
    if t.size and t.max() >= num_classes:
        raise ValueError(
            f"one_hot: label {t.max()} is out of range for num_classes={num_classes} "
            f"(expected 0..{num_classes - 1})"
        )
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)
