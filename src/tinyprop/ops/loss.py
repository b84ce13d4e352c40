"""Classification losses, each fused so its gradient is written once: cross-entropy from
logits and NLL; and ``one_hot``. Signatures, positional order, reductions and target
shapes are ``torch.nn.functional``'s (legacy ``size_average`` / ``reduce`` included).

Cross-entropy and NLL take ``(N, C)`` input, unbatched ``(C,)`` input, or K-dimensional
``(N, C, d1, ..., dK)`` input; the K-dimensional case moves the class axis last and
flattens to ``(N * d1 * ... * dK, C)`` rows, so one 2-D op (and its one derivative)
serves every shape.

The element-wise losses (MSE, L1, Huber / smooth L1, binary cross-entropy with logits)
live in :mod:`.regression`, the reduction helpers in :mod:`._reduction`; their public
names are re-exported here, so ``tinyprop.ops.loss`` still offers every loss.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from .._validate import check_float
from ..function import Function
from ..tensor import Tensor
from ._reduction import REDUCTIONS, legacy_reduction, row_scale, safe_mean
from ._registry import register
from ._targets import (
    check_int,
    check_labels,
    class_input,
    class_weight,
    index_shape,
    index_target,
    rows,
    unrows,
)
from .regression import (
    BCEWithLogits,
    HuberLoss,
    MSELoss,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)

__all__ = ["CrossEntropyIndex", "CrossEntropyProb", "NLLLoss", "cross_entropy", "nll_loss",
           "one_hot", "REDUCTIONS", "legacy_reduction",
           # re-exported from .regression (defined here before the split)
           "BCEWithLogits", "HuberLoss", "MSELoss", "binary_cross_entropy_with_logits",
           "huber_loss", "l1_loss", "mse_loss", "smooth_l1_loss"]


class CrossEntropyIndex(Function):
    """Softmax cross-entropy of (M, C) logits with class-index targets (M,); ``weight``,
    ``ignore_index`` and ``label_smoothing`` as in PyTorch (a weighted mean divides by
    the summed weights of the rows that count). Plain case gradient: ``(softmax -
    onehot) / M``; in general ``softmax * sum(A) - A`` per row for the row's target
    coefficients ``A``. When every row is ignored the mean is NaN and the gradient 0."""

    @staticmethod
    def forward(ctx, logits, target, *, weight, ignore_index, smoothing, reduction, what):
        # the options are keywords: the graph node's inputs are the logits and the target
        n, c = logits.shape
        in_range = check_labels(target, c, ignore_index, what)
        plain = (weight is None and not smoothing and reduction != "none" and in_range
                 and not (0 <= ignore_index < c and (target == ignore_index).any()))
        ctx.plain = plain
        if plain:  # every row counts with weight 1: the seeds' (softmax - onehot) / N
            total, p = kernels.softmax_cross_entropy(logits, target)
            ctx.save_for_backward(p, target)
            ctx.reduction, ctx.denom = reduction, n
            return safe_mean(total, n) if reduction == "mean" else total
        logp = kernels.log_softmax(logits, axis=1)
        valid = target != ignore_index
        safe = np.where(valid, target, 0)
        picked = logp[np.arange(n), safe]
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
        return safe_mean(total, denom) if reduction == "mean" else total

    @staticmethod
    def resave(ctx, inputs, output):
        from .activation import log_softmax, softmax

        saved = list(ctx.saved)
        saved[0] = (softmax if ctx.plain else log_softmax)(inputs[0], 1)
        return saved

    @staticmethod
    def backward(ctx, g):
        if ctx.plain:
            p, target = ctx.saved
            grad = kernels.softmax_xent_grad(p, target)
            scale = safe_mean(g, ctx.denom) if ctx.reduction == "mean" else g
            if isinstance(grad, np.ndarray):
                grad *= scale  # the usual pass: in place, in the new array
                return grad, None
            return grad * scale, None
        logp, safe, valid, w_row = ctx.saved
        n, c = logp.shape
        if ctx.reduction == "mean" and not valid.any():  # nothing counted: PyTorch's zeros
            return np.zeros_like(logp), None
        s = row_scale(g, ctx.reduction, ctx.denom)
        eps = ctx.smoothing
        # loss_i = -sum_c A_ic logp_ic  =>  dloss_i/dlogits = softmax_i * sum_c A_ic - A_i
        coef = np.zeros(logp.shape, dtype=logp.dtype)
        coef[np.arange(n), safe] = (1 - eps) * w_row
        if eps:
            wc = np.ones(c, dtype=logp.dtype) if ctx.weight is None else ctx.weight
            coef += (eps / c) * wc * valid[:, None]
        grad = kernels.softmax_xent_grad(np.exp(logp), coef)
        return grad * s, None


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
        return safe_mean(loss.sum(), n) if reduction == "mean" else loss.sum()

    @staticmethod
    def resave(ctx, inputs, output):
        from .activation import log_softmax

        logits, target = inputs[:2]
        coef = ctx.saved[1]
        if target is not None:
            t = target * (1 - ctx.smoothing) + ctx.smoothing / coef.shape[1]
            coef = t if ctx.weight is None else t * ctx.weight
        return [log_softmax(logits, 1) if logits is not None else ctx.saved[0], coef]

    @staticmethod
    def backward(ctx, g):
        logp, coef = ctx.saved
        s = row_scale(g, ctx.reduction, ctx.n)
        gl = kernels.softmax_xent_grad(np.exp(logp), coef) * s
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
        check_labels(target, logp.shape[1], ignore_index, what)
        valid = target != ignore_index
        safe = np.where(valid, target, 0)
        w_row = valid.astype(logp.dtype) if weight is None else weight[safe] * valid
        loss = -logp[np.arange(n), safe] * w_row
        denom = w_row.sum()
        ctx.save_for_backward(safe, w_row)
        ctx.shape, ctx.reduction, ctx.denom = logp.shape, reduction, denom
        ctx.counted = bool(valid.any())
        if reduction == "none":
            return loss
        return safe_mean(loss.sum(), denom) if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, g):
        safe, w_row = ctx.saved
        grad = np.zeros(ctx.shape, dtype=w_row.dtype)
        if ctx.reduction == "mean" and not ctx.counted:
            return grad, None, None, None, None, None
        s = row_scale(g, ctx.reduction, ctx.denom)
        grad[np.arange(ctx.shape[0]), safe] = -w_row
        return grad * s, None, None, None, None, None


# ---- classification losses ----------------------------------------------------------


@register()
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
    if (type(target) is np.ndarray and isinstance(input, Tensor) and weight is None
            and size_average is None and reduce is None and type(ignore_index) is int
            and ignore_index == -100 and type(label_smoothing) is float
            and reduction == "mean" and label_smoothing == 0.0 and target.ndim == 1
            and input._data.ndim == 2 and target.dtype.kind in "iu"
            and input._data.dtype.kind == "f" and len(target) == len(input._data)
            and type(reduction) is str):
        # the training loop's call, (N, C) logits and (N,) integer labels with every
        # option at its default: the checks below would all pass, so they are skipped
        return CrossEntropyIndex.apply(input, target, weight=None, ignore_index=-100,
                                      smoothing=0.0, reduction="mean", what=what)
    reduction = legacy_reduction(size_average, reduce, reduction, what)
    ignore_index = check_int(ignore_index, "ignore_index", what)
    if type(label_smoothing) is not float or not 0.0 <= label_smoothing <= 1.0:
        label_smoothing = check_float(label_smoothing, f"{what}: label_smoothing", low=0.0,
                                      high=1.0, expected="a number in [0, 1]",
                                      fix="pass e.g. label_smoothing=0.1 (0 turns it off)")
    x = class_input(input, what)
    shape = x._data.shape
    c = shape[1] if len(shape) > 1 else shape[0]
    w = class_weight(weight, c, x.dtype, what)
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.dtype.kind == "f" or tdata.shape == shape:
        out = _probability_ce(x, target, tdata, w, ignore_index, float(label_smoothing),
                              reduction, what)
    else:
        t = index_target(target, tdata, x, what)
        out = CrossEntropyIndex.apply(rows(x), t, weight=w, ignore_index=ignore_index,
                                      smoothing=float(label_smoothing), reduction=reduction,
                                      what=what)
    if x.ndim == 1 and reduction == "none":
        return out.reshape(())
    return unrows(out, x, reduction)


def _probability_ce(x, target, tdata, w, ignore_index, smoothing, reduction, what):
    if tuple(tdata.shape) != tuple(x.shape):
        if tuple(tdata.shape) == index_shape(x):
            raise TypeError(
                f"{what}: class-index targets must be integers, got dtype {tdata.dtype}; "
                f"use .long() on labels, or pass probabilities of the input's shape "
                f"{tuple(x.shape)}"
            )
        raise ValueError(
            f"{what}: probability targets must have the input's shape {tuple(x.shape)}, "
            f"got {tuple(tdata.shape)} (class indices would have shape {index_shape(x)})"
        )
    if tdata.dtype.kind != "f":
        raise TypeError(
            f"{what}: targets of the input's shape {tuple(x.shape)} are probabilities and must "
            f"be floating point, got {tdata.dtype}; class indices have shape {index_shape(x)}"
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
    return CrossEntropyProb.apply(rows(x), rows(t), w, smoothing, reduction)


@register()
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
    ignore_index = check_int(ignore_index, "ignore_index", what)
    x = class_input(input, what)
    shape = x._data.shape
    c = shape[1] if len(shape) > 1 else shape[0]
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    t = index_target(target, tdata, x, what)
    out = NLLLoss.apply(rows(x), t, class_weight(weight, c, x.dtype, what), ignore_index,
                        reduction, what)
    if x.ndim == 1 and reduction == "none":
        return out.reshape(())
    return unrows(out, x, reduction)


@register(differentiable=False)
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
    num_classes = check_int(num_classes, "num_classes", "one_hot")
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
