"""Losses, each fused so its gradient is written once: cross-entropy from logits,
NLL, MSE, Huber, binary cross-entropy with logits; L1 composed from primitives; and
``one_hot``."""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..backend import xp
from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor_arg

REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _scale(g, reduction, denom):
    """Per-row gradient factor (N, 1) for a loss reduced by ``reduction``."""
    if reduction == "none":
        return g[:, None]
    return g / denom if reduction == "mean" else g


class CrossEntropyIndex(Function):
    """Softmax cross-entropy with class-index targets; ``weight``, ``ignore_index`` and
    ``label_smoothing`` as in PyTorch. Plain case gradient: ``(softmax - onehot) / N``."""

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
            return total / n if reduction == "mean" else total
        logp = kernels.log_softmax(logits, axis=1)
        valid = target != ignore_index
        safe = xp.where(valid, target, 0)
        rows = xp.arange(n)
        picked = logp[rows, safe]
        if weight is None:
            w_row = valid.astype(logits.dtype)
            nll = -picked * w_row
            smooth = -logp.sum(axis=1) / c * w_row if smoothing else None
        else:
            w_row = weight[safe] * valid
            nll = -picked * w_row
            smooth = -(logp * weight).sum(axis=1) / c * valid if smoothing else None
        loss = nll if not smoothing else (1 - smoothing) * nll + smoothing * smooth
        denom = w_row.sum()
        ctx.save_for_backward(logp, safe, valid, w_row)
        ctx.weight, ctx.smoothing, ctx.reduction, ctx.denom = weight, smoothing, reduction, denom
        if reduction == "none":
            return loss
        total = loss.sum()
        return total / denom if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        if ctx.plain:
            p, target = ctx.saved
            grad = kernels.softmax_minus_onehot(p, target)
            grad *= g / ctx.denom if ctx.reduction == "mean" else g
            return grad, None, None, None, None, None, None
        logp, safe, valid, w_row = ctx.saved
        n, c = logp.shape
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
    """Softmax cross-entropy with probability (or one-hot) targets of shape (N, C)."""

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
        return loss.sum() / n if reduction == "mean" else loss.sum()

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
    """Negative log-likelihood of log-probabilities at the target classes."""

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
        if reduction == "none":
            return loss
        return loss.sum() / denom if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, g):
        safe, w_row = ctx.saved
        s = _scale(g, ctx.reduction, ctx.denom)
        grad = xp.zeros(ctx.shape, dtype=w_row.dtype)
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
    ``d = a - b``; its derivative in ``d`` is ``clip(d, -delta, delta)``. One op, so the
    branch is taken inside it (and a compiled trace replays it on new values)."""

    @staticmethod
    def forward(ctx, a, b, delta, reduction):
        d = a - b
        ad = xp.abs(d)
        loss = xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
        ctx.save_for_backward(d)
        ctx.delta, ctx.reduction = delta, reduction
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        if ctx.reduction == "mean":
            g = g / max(d.size, 1)
        gd = g * xp.clip(d, -ctx.delta, ctx.delta)
        return gd, (-gd if ctx.needs_input_grad[1] else None), None, None


class BCEWithLogits(Function):
    """``-[t log sigmoid(x) + (1-t) log(1 - sigmoid(x))]`` computed from logits, stably."""

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        sp = kernels.softplus(-x)  # -log sigmoid(x)
        if pos_weight is None:
            loss = (1 - t) * x + sp
        else:
            loss = (1 - t) * x + (1 + (pos_weight - 1) * t) * sp
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, t, sp)
        ctx.weight, ctx.pos_weight, ctx.reduction, ctx.n = weight, pos_weight, reduction, x.size
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        x, t, sp = ctx.saved
        if ctx.reduction == "mean":
            g = g / max(ctx.n, 1)
        if ctx.weight is not None:
            g = g * ctx.weight
        sig_neg = kernels.sigmoid(-x)
        if ctx.pos_weight is None:
            gx = g * (1 - t - sig_neg)
            gt = -g * x if ctx.needs_input_grad[1] else None
        else:
            pw = ctx.pos_weight
            gx = g * ((1 - t) - (1 + (pw - 1) * t) * sig_neg)
            gt = g * (-x + (pw - 1) * sp) if ctx.needs_input_grad[1] else None
        return gx, gt, None, None, None


# ---- validation and public functions ----------------------------------------------


def _class_targets(t, n: int, c: int, what: str) -> None:
    """Check the static facts of class-index targets (dtype, shape); the values are
    checked by the loss's forward, so a compiled (replayed) loss checks them too."""
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{what}: class-index targets must be integers, got dtype {t.dtype}; "
            "use .long() on labels, or pass (N, C) probabilities as a float tensor"
        )
    if t.shape != (n,):
        raise ValueError(
            f"{what}: expected targets of shape ({n},) for input of shape ({n}, {c}), "
            f"got {t.shape}"
        )


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
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (c,):
        raise ValueError(f"{what}: weight must have shape ({c},) (one per class), got {w.shape}")
    return w


def _logits_2d(x, what):
    x = as_tensor_arg(x)
    if x.ndim == 1:
        return x.reshape(1, -1), True
    if x.ndim != 2:
        raise ValueError(
            f"{what}: expected input of shape (N, C) or (C,), got {x.shape}; flatten "
            "extra dimensions first"
        )
    if x.data.dtype.kind != "f":
        raise TypeError(f"{what}: input must be floating point, got {x.dtype}")
    return x, False


def cross_entropy(input, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from logits, as ``torch.nn.functional.cross_entropy``.

    ``target`` is either class indices (int, shape (N,)) or probabilities / one-hot
    rows (float, shape (N, C)). Reductions: ``'mean'`` (weighted mean for indices),
    ``'sum'``, ``'none'``.

    >>> import tinyprop as tp
    >>> logits = tp.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> round(tp.cross_entropy(logits, tp.tensor([0, 1])).item(), 4)
    0.1269
    """
    what = "cross_entropy"
    reduction = _reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{what}: label_smoothing must be in [0, 1], got {label_smoothing}")
    x, single = _logits_2d(input, what)
    n, c = x.shape
    w = _weight(weight, c, x.dtype, what)
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.dtype.kind == "f":
        if tdata.shape == (n,) and not single:
            raise TypeError(
                f"{what}: class-index targets must be integers, got dtype {tdata.dtype}; "
                "use .long() on labels, or pass (N, C) probabilities"
            )
        if single:
            target = as_tensor_arg(target).reshape(1, -1)
        if tdata.size != n * c or (tdata.ndim != 2 and not single):
            raise ValueError(
                f"{what}: probability targets must have the input's shape ({n}, {c}), "
                f"got {tdata.shape}"
            )
        if not np.isfinite(tdata).all():
            raise ValueError(
                f"{what}: probability targets must be finite, got NaN or infinity; "
                "clean the targets (each row should be a distribution over the classes)"
            )
        out = CrossEntropyProb.apply(x, target if isinstance(target, Tensor)
                                     else tdata.astype(x.dtype), w, float(label_smoothing),
                                     reduction)
    else:
        if single:
            tdata = tdata.reshape(1)
        _class_targets(tdata, n, c, what)
        # a Tensor target stays a Tensor, so a compiled loss reads it as an input
        t = target if isinstance(target, Tensor) and not single else tdata
        out = CrossEntropyIndex.apply(x, t, w, ignore_index, float(label_smoothing), reduction,
                                      what)
    return out.reshape(()) if single and reduction == "none" else out


def nll_loss(input, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood on log-probabilities (pair it with ``log_softmax``).

    >>> import tinyprop as tp
    >>> logp = tp.log_softmax(tp.tensor([[2.0, 0.0], [0.0, 2.0]]))
    >>> round(tp.nll_loss(logp, tp.tensor([0, 1])).item(), 4)
    0.1269
    """
    what = "nll_loss"
    reduction = _reduction(reduction)
    x, single = _logits_2d(input, what)
    n, c = x.shape
    tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
    if single:
        tdata = tdata.reshape(1)
    _class_targets(tdata, n, c, what)
    t = target if isinstance(target, Tensor) and not single else tdata
    out = NLLLoss.apply(x, t, _weight(weight, c, x.dtype, what), ignore_index, reduction, what)
    return out.reshape(()) if single and reduction == "none" else out


def _same_shape(a, b, what):
    if a.shape != b.shape:
        raise ValueError(
            f"{what}: input shape {a.shape} and target shape {b.shape} differ; they must "
            "match (reshape the target, e.g. y.reshape(-1, 1), to avoid silent broadcasting)"
        )


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error ``mean((input - target) ** 2)``; shapes must match.

    >>> import tinyprop as tp
    >>> tp.mse_loss(tp.tensor([0.0, 3.0]), tp.tensor([1.0, 1.0])).item()
    2.5
    """
    reduction = _reduction(reduction)
    a = as_tensor_arg(input)
    b = target if isinstance(target, Tensor) else np.asarray(target, dtype=a.dtype)
    _same_shape(a, b, "mse_loss")
    return MSELoss.apply(a, b, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Sigmoid + binary cross-entropy from logits, finite for any logit magnitude.

    >>> import tinyprop as tp
    >>> x = tp.tensor([0.0, 2.0])
    >>> round(tp.binary_cross_entropy_with_logits(x, tp.tensor([1.0, 1.0])).item(), 4)
    0.41
    """
    reduction = _reduction(reduction)
    x = as_tensor_arg(input)
    t = target if isinstance(target, Tensor) else np.asarray(target, dtype=x.dtype)
    _same_shape(x, t, "binary_cross_entropy_with_logits")
    tarr = t.data if isinstance(t, Tensor) else t
    if tarr.dtype.kind == "f" and not np.isfinite(tarr).all():
        raise ValueError(
            "binary_cross_entropy_with_logits: targets must be finite values in [0, 1], got "
            "NaN or infinity; clean the targets"
        )
    if tarr.dtype.kind != "f":
        t = t.to(x.dtype) if isinstance(t, Tensor) else t.astype(x.dtype)
    def arr(v):
        return None if v is None else np.asarray(v.data if isinstance(v, Tensor) else v, x.dtype)
    return BCEWithLogits.apply(x, t, arr(weight), arr(pos_weight), reduction)


def _reduce(loss, reduction):
    """A loss (array or Tensor) reduced as ``reduction`` says."""
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error; composed from ``abs``.

    >>> import tinyprop as tp
    >>> tp.l1_loss(tp.tensor([0.0, 3.0]), tp.tensor([1.0, 1.0])).item()
    1.5
    """
    reduction = _reduction(reduction)
    a = as_tensor_arg(input)
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=a.dtype)
    _same_shape(a, target, "l1_loss")
    return _reduce((a - target).abs(), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Quadratic within ``delta``, linear beyond (PyTorch's ``huber_loss``).

    >>> import tinyprop as tp
    >>> tp.huber_loss(tp.tensor([0.0, 3.0]), tp.tensor([0.5, 0.0])).item()
    1.3125
    """
    reduction = _reduction(reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss needs delta > 0, got {delta}")
    a = as_tensor_arg(input)
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=a.dtype)
    _same_shape(a, target, "huber_loss")
    return HuberLoss.apply(a, target, float(delta), reduction)


def one_hot(labels, num_classes: int = -1) -> Tensor:
    """Integer labels to one-hot rows (int64), as ``torch.nn.functional.one_hot``.

    >>> import tinyprop as tp
    >>> tp.one_hot(tp.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    t = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer labels, got dtype {t.dtype}; use .long()")
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot needs labels >= 0, got {t.min()}")
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    if t.size and t.max() >= num_classes:
        raise ValueError(
            f"one_hot: label {t.max()} is out of range for num_classes={num_classes} "
            f"(expected 0..{num_classes - 1})"
        )
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)
