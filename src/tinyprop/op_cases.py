"""The op table: every differentiable op with sample inputs (used by the test suite and
``tinyprop gradcheck``).

Each case names the op (a key of ``tinyprop.ops.DIFFERENTIABLE``), how to call it in
tinyprop and in PyTorch, and its inputs: ``F(shape, domain)`` is a float input that
requires grad, ``C(value)`` a constant passed to both libraries (class labels, masks).
It drives the float64 gradient check and the PyTorch parity check of every op.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import tinyprop as tp


@dataclass(frozen=True)
class F:
    shape: tuple
    domain: str = "any"  # any | pos | away (|x| >= 0.2) | prob (rows sum to 1)


@dataclass(frozen=True)
class C:
    value: object


@dataclass
class Case:
    op: str
    fn: object
    torch_fn: object
    inputs: list
    id: str = ""
    tol: dict = field(default_factory=dict)


def make_inputs(case: Case, seed: int = 0):
    """Float64 arrays (and constants) for a case, deterministic per seed."""
    rng = np.random.default_rng(seed)
    out = []
    for spec in case.inputs:
        if isinstance(spec, C):
            out.append(spec.value)
            continue
        x = rng.standard_normal(spec.shape)
        if spec.domain == "pos":
            x = np.abs(x) + 0.5
        elif spec.domain == "away":
            x = np.sign(x) * (np.abs(x) + 0.2)
        elif spec.domain == "prob":
            e = np.exp(x)
            x = e / e.sum(axis=-1, keepdims=True)
        out.append(x)
    return out


def _same(expr):
    return expr, expr


CASES: list[Case] = []


def add(op, fn, torch_fn, *inputs, id="", **tol):
    CASES.append(Case(op, fn, torch_fn if torch_fn is not None else fn, list(inputs),
                      id or op, tol))


M34, V4, B234 = F((3, 4)), F((4,)), F((2, 3, 4))

# arithmetic, with broadcasting and scalars
add("add", lambda a, b: a + b, None, M34, V4, id="add-bcast")
add("add", lambda a, b: a + b, None, F((2, 1, 3)), F((4, 1)), id="add-bcast3")
add("add", lambda a: 2.5 + a, None, M34, id="add-scalar")
add("add", lambda a, b: tp.add(a, b), lambda a, b: a + b, F((1,)), F(()), id="add-size1")
add("sub", lambda a, b: a - b, None, M34, F((3, 1)), id="sub-bcast")
add("sub", lambda a: 1.0 - a, None, V4, id="sub-rscalar")
add("add", lambda a, b: tp.add(a, b, alpha=-2.5), lambda a, b: a.add(b, alpha=-2.5), M34, V4,
    id="add-alpha")
add("sub", lambda a, b: a.sub(b, alpha=3), None, M34, M34, id="sub-alpha")
add("mul", lambda a, b: a * b, None, M34, V4)
add("mul", lambda a: a * 3.0, None, F((0, 4)), id="mul-empty")
add("div", lambda a, b: a / b, None, M34, F((4,), "pos"))
add("div", lambda a: 2.0 / a, None, F((5,), "pos"), id="div-rscalar")
add("neg", lambda a: -a, None, M34)
add("pow", lambda a, b: a**b, None, F((3, 4), "pos"), F((4,)), id="pow-tensor")
add("pow", lambda a: a**3, None, M34, id="pow-int")
add("pow", lambda a: a**0.5, None, F((6,), "pos"), id="pow-frac")
add("pow", lambda a: 2.0**a, None, V4, id="pow-rscalar")
# matrix products
add("matmul", lambda a, b: a @ b, None, M34, F((4, 5)), id="matmul-2d")
add("matmul", lambda a, b: a @ b, None, V4, F((4, 5)), id="matmul-1d-2d")
add("matmul", lambda a, b: a @ b, None, M34, V4, id="matmul-2d-1d")
add("matmul", lambda a, b: a @ b, None, V4, V4, id="matmul-1d-1d")
add("matmul", lambda a, b: a @ b, None, B234, F((4, 5)), id="matmul-batched")
add("matmul", lambda a, b: a @ b, None, F((2, 1, 3, 4)), F((3, 4, 2)), id="matmul-bcast")
add("matmul", lambda a, b: a @ b, None, V4, F((2, 4, 3)), id="matmul-1d-batched")
add("matmul", lambda a, b: a @ b, None, B234, V4, id="matmul-batched-1d")
add("mm", tp.mm, lambda a, b: a.mm(b), M34, F((4, 2)))
add("mv", tp.mv, lambda a, b: a.mv(b), M34, V4)
add("dot", tp.dot, lambda a, b: a.dot(b), V4, V4)
add("outer", tp.outer, lambda a, b: a.outer(b), V4, F((3,)))
# element-wise functions
add("exp", tp.exp, lambda a: a.exp(), M34)
add("log", tp.log, lambda a: a.log(), F((3, 4), "pos"))
add("sqrt", tp.sqrt, lambda a: a.sqrt(), F((3, 4), "pos"))
add("abs", tp.abs, lambda a: a.abs(), F((3, 4), "away"))
add("tanh", tp.tanh, lambda a: a.tanh(), M34)
add("sigmoid", tp.sigmoid, lambda a: a.sigmoid(), M34)
add("relu", tp.relu, lambda a: a.relu(), F((3, 4), "away"))
add("leaky_relu", lambda a: tp.leaky_relu(a, 0.1), "leaky_relu:0.1", F((3, 4), "away"))
add("elu", lambda a: tp.elu(a, 1.5), "elu:1.5", F((3, 4), "away"))
add("gelu", tp.gelu, "gelu", M34)
add("gelu", lambda a: tp.gelu(a, approximate="tanh"), "gelu:tanh", M34, id="gelu-tanh")
add("softplus", lambda a: tp.softplus(a, beta=2.0), "softplus:2", F((3, 4)))
add("clip", lambda a: tp.clip(a, -0.5, 0.7), lambda a: a.clamp(-0.5, 0.7), M34)
add("clip", lambda a: tp.clip(a, min=0.1), lambda a: a.clamp(min=0.1), M34, id="clip-min")
add("clip", lambda a, lo, hi: tp.clamp(a, lo, hi), lambda a, lo, hi: a.clamp(lo, hi),
    M34, F((3, 4)), F((4,)), id="clamp-tensor-bounds")
add("clip", lambda a, lo: tp.clamp(a, max=lo), lambda a, lo: a.clamp(max=lo),
    M34, F((3, 1)), id="clamp-tensor-max")
add("maximum", tp.maximum, lambda a, b: a.maximum(b), M34, V4)
add("minimum", tp.minimum, lambda a, b: a.minimum(b), M34, F((3, 1)))
_MASK = np.array([[True, False, True, False]] * 3)
add("where", lambda a, b: tp.where(_MASK, a, b), "where", M34, V4)
# reductions
add("sum", lambda a: a.sum(), None, M34, id="sum-all")
add("sum", lambda a: a.sum(axis=1), lambda a: a.sum(dim=1), M34, id="sum-axis")
add("sum", lambda a: a.sum(axis=(0, 2), keepdims=True),
    lambda a: a.sum(dim=(0, 2), keepdim=True), B234, id="sum-axes-keep")
add("sum", lambda a: a.sum(axis=1), lambda a: a.sum(dim=1), F((3, 0)), id="sum-empty-axis")
add("sum", lambda a: a.sum(axis=0), lambda a: a.sum(dim=0), F((1, 4)), id="sum-size1")
add("mean", lambda a: a.mean(), None, M34, id="mean-all")
add("mean", lambda a: a.mean(axis=-1, keepdims=True),
    lambda a: a.mean(dim=-1, keepdim=True), B234, id="mean-keep")
add("max", lambda a: a.max(), None, M34, id="max-all")
add("max", lambda a: a.max(1)[0], None, M34, id="max-dim")
add("max", lambda a: tp.max(a, 0, True).values, lambda a: a.max(0, True).values, M34,
    id="max-dim-keep")
add("max", lambda a, b: tp.max(a, b), lambda a, b: a.max(b), M34, V4, id="max-binary")
add("min", lambda a: a.min(dim=-1, keepdim=True)[0], None, B234)
add("min", lambda a, b: a.min(b), None, M34, M34, id="min-binary")
add("amax", lambda a: tp.amax(a, axis=0, keepdims=True),
    lambda a: a.amax(dim=0, keepdim=True), M34)
add("amin", lambda a: tp.amin(a, axis=-1), lambda a: a.amin(dim=-1), M34)
add("var", lambda a: a.var(axis=1), lambda a: a.var(dim=1), M34)
add("var", lambda a: a.var(correction=0), lambda a: a.var(correction=0), M34, id="var-biased")
add("std", lambda a: a.std(axis=0, keepdims=True),
    lambda a: a.std(dim=0, keepdim=True), M34)
add("logsumexp", lambda a: tp.logsumexp(a, axis=1), lambda a: a.logsumexp(dim=1), M34)
add("logsumexp", lambda a: tp.logsumexp(a * 100, axis=(0, 1)),
    lambda a: (a * 100).logsumexp(dim=(0, 1)), M34, id="logsumexp-large")
# shapes
add("reshape", lambda a: a.reshape(4, -1), None, M34)
add("flatten", lambda a: a.flatten(1), lambda a: a.flatten(1), B234)
add("transpose", lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), B234)
add("transpose", lambda a: a.T, lambda a: a.T, M34, id="transpose-T")
add("t", lambda a: a.t(), None, M34)
add("t", lambda a: tp.t(a), lambda a: a.t(), V4, id="t-1d")
add("permute", lambda a: a.permute(2, 0, 1), None, B234)
add("squeeze", lambda a: a.squeeze(), None, F((3, 1, 4, 1)))
add("squeeze", lambda a: a.squeeze(1), None, F((3, 1, 4, 1)), id="squeeze-axis")
add("unsqueeze", lambda a: a.unsqueeze(-1), None, M34)
add("broadcast_to", lambda a: tp.broadcast_to(a, (2, 3, 4)),
    lambda a: a.broadcast_to((2, 3, 4)), F((3, 1)))
add("expand", lambda a: a.expand(2, -1, 4), None, F((3, 1)))
add("getitem", lambda a: a[1:, ::2], None, M34, id="getitem-slice")
add("getitem", lambda a: a[np.array([0, 2, 0, 0])], "getitem:0200", M34,
    id="getitem-repeated")
add("getitem", lambda a: a[a._data > 0], "getitem:mask", M34, id="getitem-mask")
add("getitem", lambda a: a[..., 1], None, B234, id="getitem-ellipsis")
add("concatenate", lambda a, b: tp.cat([a, b], axis=1), "cat:1", M34, F((3, 2)))
add("stack", lambda a, b: tp.stack([a, b], axis=1), "stack:1", M34, M34)
add("pad", lambda a: tp.pad(a, (2, 3, 1, 0)), "pad:2,3,1,0", M34)
add("pad", lambda a: tp.pad(a, (1, 2)), "pad:1,2", M34, id="pad-torch-style")
# softmax family and losses
add("softmax", lambda a: tp.softmax(a, axis=1), "softmax:1", M34)
add("softmax", lambda a: tp.softmax(a, axis=0), "softmax:0", B234, id="softmax-axis0")
add("softmax", lambda a: tp.softmax(a.float(), 1, tp.float64),
    lambda a: a.float().softmax(1, dtype=a.dtype), M34, id="softmax-dtype",
    eps=1e-3, atol=1e-3, rtol=1e-2)
add("log_softmax", lambda a: tp.log_softmax(a, axis=-1), "log_softmax:-1", M34)
_Y = np.array([0, 3, 1, 3, 2])
_W = np.array([0.5, 1.0, 2.0, 1.5])
add("cross_entropy", lambda a: tp.cross_entropy(a, _Y), "ce", F((5, 4)))
add("cross_entropy", lambda a: tp.cross_entropy(a, _Y, weight=_W, label_smoothing=0.2),
    "ce:w,ls", F((5, 4)), id="ce-weight-smoothing")
add("cross_entropy", lambda a: tp.cross_entropy(a, np.array([0, -100, 1, 3, 2]),
                                                reduction="sum"),
    "ce:ignore,sum", F((5, 4)), id="ce-ignore-sum")
add("cross_entropy", lambda a, t: tp.cross_entropy(a, t, reduction="none"), "ce:prob,none",
    F((5, 4)), F((5, 4), "prob"), id="ce-prob")
add("cross_entropy", lambda a, t: tp.cross_entropy(a, t, weight=_W, label_smoothing=0.1),
    "ce:prob,w,ls", F((5, 4)), F((5, 4), "prob"), id="ce-prob-weight")
add("nll_loss", lambda a: tp.nll_loss(a, _Y, weight=_W), "nll:w", F((5, 4)))
add("mse_loss", tp.mse_loss, "mse", M34, M34)
add("binary_cross_entropy_with_logits", tp.binary_cross_entropy_with_logits, "bce",
    M34, F((3, 4), "prob"))
add("binary_cross_entropy_with_logits",
    lambda a, t: tp.binary_cross_entropy_with_logits(a, t, pos_weight=_W, reduction="sum"),
    "bce:pw", M34, F((3, 4), "prob"), id="bce-pos-weight")
add("l1_loss", tp.l1_loss, "l1", F((3, 4), "away"), F((3, 4), "pos"))
add("huber_loss", lambda a, b: tp.huber_loss(a, b, delta=0.5), "huber:0.5",
    F((3, 4)), F((3, 4)))
# casts and copies
add("to", lambda a: a.to(np.float32).to(np.float64), lambda a: a.float().double(), M34,
    eps=1e-3, atol=1e-3, rtol=1e-2)
add("clone", lambda a: a.clone() * 2, None, M34)


# ---- losses over K dimensions, weights, padding modes (PyTorch's semantics) ----------


def _tf():
    import torch.nn.functional as tf

    return tf


def _tt(x):
    import torch

    return torch.as_tensor(x)


_Y3 = np.array([[[0, 3], [1, -100], [2, 2]], [[3, 3], [0, 1], [-100, 2]]])  # (N, d1, d2)
_W3 = np.array([0.5, 1.0, 2.0, 1.5])
add("cross_entropy", lambda a: tp.cross_entropy(a, _Y3, reduction="none"),
    lambda a: _tf().cross_entropy(a, _tt(_Y3), reduction="none"), F((2, 4, 3, 2)),
    id="ce-kdim-none")
add("cross_entropy", lambda a: tp.cross_entropy(a, _Y3, weight=_W3, label_smoothing=0.15),
    lambda a: _tf().cross_entropy(a, _tt(_Y3), weight=_tt(_W3), label_smoothing=0.15),
    F((2, 4, 3, 2)), id="ce-kdim-weight-ignore-smoothing")
_Y2 = np.array([[0, 2, 3], [2, 1, 2]])
add("cross_entropy", lambda a: tp.cross_entropy(a, _Y2, weight=_W3, reduction="sum",
                                                ignore_index=2),
    lambda a: _tf().cross_entropy(a, _tt(_Y2), weight=_tt(_W3), reduction="sum",
                                  ignore_index=2), F((2, 4, 3)), id="ce-kdim-ignore-class")
add("cross_entropy", lambda a, t: tp.cross_entropy(a, t, weight=_W3, label_smoothing=0.1),
    lambda a, t: _tf().cross_entropy(a, t, weight=_tt(_W3), label_smoothing=0.1),
    F((2, 4, 3)), F((2, 4, 3), "pos"), id="ce-kdim-prob")
add("cross_entropy", lambda a: tp.cross_entropy(a, np.array(2), reduction="none"),
    lambda a: _tf().cross_entropy(a, _tt(2), reduction="none"), V4, id="ce-unbatched")
add("cross_entropy", lambda a, t: tp.cross_entropy(a, t, label_smoothing=0.3),
    lambda a, t: _tf().cross_entropy(a, t, label_smoothing=0.3), V4, F((4,), "prob"),
    id="ce-unbatched-prob")
add("nll_loss", lambda a: tp.nll_loss(a, _Y3, weight=_W3, reduction="none"),
    lambda a: _tf().nll_loss(a, _tt(_Y3), weight=_tt(_W3), reduction="none"),
    F((2, 4, 3, 2)), id="nll-kdim-none")
add("nll_loss", lambda a: tp.nll_loss(a, _Y3, weight=_W3),
    lambda a: _tf().nll_loss(a, _tt(_Y3), weight=_tt(_W3)), F((2, 4, 3, 2)),
    id="nll-kdim-weighted-mean")
add("nll_loss", lambda a: tp.nll_loss(a, np.array(1)),
    lambda a: _tf().nll_loss(a, _tt(1)), V4, id="nll-unbatched")
add("mse_loss", lambda a, b, w: tp.mse_loss(a, b, weight=w),
    lambda a, b, w: _tf().mse_loss(a, b, weight=w), M34, M34, F((3, 4), "pos"),
    id="mse-weight")
add("l1_loss", lambda a, w: tp.l1_loss(a, np.zeros((3, 4)), weight=w, reduction="sum"),
    lambda a, w: _tf().l1_loss(a, _tt(np.zeros((3, 4))), weight=w, reduction="sum"),
    F((3, 4), "away"), F((3, 4), "pos"), id="l1-weight")
add("huber_loss", lambda a, b, w: tp.huber_loss(a, b, delta=0.7, weight=w),
    lambda a, b, w: _tf().huber_loss(a, b, delta=0.7, weight=w), M34, M34, F((3, 4), "pos"),
    id="huber-weight")
add("smooth_l1_loss", lambda a, b: tp.nn.functional.smooth_l1_loss(a, b, beta=0.6),
    lambda a, b: _tf().smooth_l1_loss(a, b, beta=0.6), M34, M34, id="smooth-l1")
add("smooth_l1_loss", lambda a, b: tp.nn.functional.smooth_l1_loss(a, b, reduction="none",
                                                               beta=0.0),
    lambda a, b: _tf().smooth_l1_loss(a, b, reduction="none", beta=0.0),
    F((3, 4), "away"), F((3, 4), "pos"), id="smooth-l1-beta0")
_BW, _BPW = np.array([[0.5], [1.0], [2.0]]), np.array([1.0, 3.0, 0.5, 2.0])
add("binary_cross_entropy_with_logits",
    lambda a, t: tp.binary_cross_entropy_with_logits(a, t, _BW, pos_weight=_BPW),
    lambda a, t: _tf().binary_cross_entropy_with_logits(a, t, _tt(_BW), pos_weight=_tt(_BPW)),
    B234, F((2, 3, 4), "prob"), id="bce-weight-bcast")
add("pad", lambda a: tp.pad(a, (2, -1, -1, 1)), "pad:2,-1,-1,1", M34, id="pad-crop")
add("pad", lambda a: tp.pad(a, (2, 1, 1, 2), mode="reflect"),
    lambda a: _tf().pad(a, (2, 1, 1, 2), mode="reflect"), B234, id="pad-reflect")
add("pad", lambda a: tp.pad(a, (-3, 3, 2, 0), mode="reflect"),
    lambda a: _tf().pad(a, (-3, 3, 2, 0), mode="reflect"), B234, id="pad-reflect-crop")
add("pad", lambda a: tp.pad(a, (3, -1, 0, 2), mode="replicate"),
    lambda a: _tf().pad(a, (3, -1, 0, 2), mode="replicate"), B234, id="pad-replicate")
add("pad", lambda a: tp.pad(a, (4, 2, -1, 2), mode="circular"),
    lambda a: _tf().pad(a, (4, 2, -1, 2), mode="circular"), B234, id="pad-circular")
add("pad", lambda a: tp.pad(a, (1, 2, 0, 1, 1, 1), mode="circular"),
    lambda a: _tf().pad(a[None], (1, 2, 0, 1, 1, 1), mode="circular")[0], B234,
    id="pad-circular-3d")


# ---- fused layers: linear (ops/affine.py) and layer_norm (ops/normalization.py) ------
def _linear(*args):
    return _tf().linear(*args)


add("linear", tp.linear, _linear, M34, F((5, 4)), F((5,)))
add("linear", lambda x, w: tp.linear(x, w), _linear, B234, F((5, 4)), id="linear-batched-nobias")
add("linear", tp.linear, _linear, M34, F((5, 4)), F((3, 1)), id="linear-bias-bcast")
add("linear", lambda x, w: tp.linear(x, w), _linear, M34, V4, id="linear-1d-weight")
add("layer_norm", lambda x, w, b: tp.layer_norm(x, 4, w, b),
    lambda x, w, b: _tf().layer_norm(x, (4,), w, b), B234, V4, V4)
add("layer_norm", lambda x: tp.layer_norm(x, (3, 4), eps=1e-3),
    lambda x: _tf().layer_norm(x, (3, 4), eps=1e-3), B234, id="layer_norm-2d-no-affine")
