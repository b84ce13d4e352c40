"""PyTorch fidelity of the losses, ``pad``, normalisation and ``nn.functional`` (issue 13):
same signatures (positional order included), shapes, reductions and gradients as
``torch.nn.functional``, or a clear error for what is not supported."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn
from tinyprop.nn import functional as F
from tinyprop.nn.loss import SmoothL1Loss
from tinyprop.nn.normalization import BatchNorm2d, BatchNorm3d

RTOL, ATOL = 1e-10, 1e-12


def _torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _close(a, b, rtol=RTOL, atol=ATOL):
    a = a.numpy() if hasattr(a, "numpy") and not isinstance(a, np.ndarray) else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def _both(tp_fn, torch_fn, *arrays, grads=None, seed=3):
    """Run both on float64 copies of ``arrays``; compare outputs and the gradients of the
    inputs listed in ``grads`` (all by default) under a random cotangent."""
    torch = _torch()
    grads = range(len(arrays)) if grads is None else grads
    xs = [tp.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    out, ref = tp_fn(*xs), torch_fn(*ts)
    assert tuple(out.shape) == tuple(ref.shape)
    _close(out, ref)
    u = _rng(seed).standard_normal(tuple(ref.shape))
    (out * tp.tensor(u)).sum().backward()
    (ref * torch.tensor(u)).sum().backward()
    for i in grads:
        _close(xs[i].grad, ts[i].grad)
    return out


# ---- cross_entropy and nll_loss -------------------------------------------------------

SHAPES = [(5, 4), (3, 4, 5), (2, 4, 3, 2), (4,)]


def _index_target(shape, seed=0, ignore=None):
    c = shape[1] if len(shape) > 1 else shape[0]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = _rng(seed).integers(0, c, size=tshape)
    if ignore is not None and t.ndim:
        t.flat[::3] = ignore
    return t


@pytest.mark.oracle
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_index_targets_match_torch(shape, weighted, ignore_index, smoothing,
                                                 reduction):
    torch = _torch()
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _rng(1).standard_normal(shape) * 2
    t = _index_target(shape, ignore=ignore_index)
    w = _rng(2).uniform(0.2, 2.0, c) if weighted else None
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    tw = None if w is None else torch.tensor(w)
    _both(lambda a: tp.cross_entropy(a, t, w, **kw),
          lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), tw, **kw), x)
    _both(lambda a: nn.CrossEntropyLoss(None if w is None else tp.tensor(w), **kw)(
              a, tp.tensor(t)),
          lambda a: torch.nn.CrossEntropyLoss(tw, **kw)(a, torch.tensor(t)), x)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_probability_targets_match_torch(shape, weighted, smoothing, reduction):
    torch = _torch()
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _rng(1).standard_normal(shape)
    p = _rng(4).uniform(0, 1, shape)
    w = torch.tensor(_rng(2).uniform(0.2, 2.0, c)) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    _both(lambda a, b: F.cross_entropy(a, b, None if w is None else w.numpy(), **kw),
          lambda a, b: torch.nn.functional.cross_entropy(a, b, w, **kw), x, p)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch(shape, weighted, reduction):
    torch = _torch()
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _rng(1).standard_normal(shape)
    t = _index_target(shape, ignore=2)
    w = _rng(2).uniform(0.2, 2.0, c) if weighted else None
    tw = None if w is None else torch.tensor(w)
    _both(lambda a: F.nll_loss(a, t, w, ignore_index=2, reduction=reduction),
          lambda a: torch.nn.functional.nll_loss(a, torch.tensor(t), tw, ignore_index=2,
                                                 reduction=reduction), x)
    _both(lambda a: nn.NLLLoss(None if w is None else tp.tensor(w), None, 2)(a, tp.tensor(t)),
          lambda a: torch.nn.NLLLoss(tw, None, 2)(a, torch.tensor(t)), x)


@pytest.mark.oracle
def test_positional_order_and_legacy_reduction_match_torch():
    torch = _torch()
    tf = torch.nn.functional
    x, t = _rng(0).standard_normal((4, 3)), np.array([0, 1, 2, 1])
    w = np.array([1.0, 2.0, 0.5])
    # cross_entropy(input, target, weight, size_average, ignore_index, reduce, reduction)
    _both(lambda a: tp.cross_entropy(a, t, w, None, 1, None, "sum"),
          lambda a: tf.cross_entropy(a, torch.tensor(t), torch.tensor(w), None, 1, None, "sum"),
          x)
    for size_average, reduce in itertools.product([None, True, False], [None, True, False]):
        if size_average is None and reduce is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for ours, theirs, args in (
                (tp.cross_entropy, tf.cross_entropy, (t,)),
                (tp.nll_loss, tf.nll_loss, (t,)),
                (tp.mse_loss, tf.mse_loss, (x * 0.5,)),
                (tp.l1_loss, tf.l1_loss, (x * 0.5,)),
                (tp.binary_cross_entropy_with_logits, tf.binary_cross_entropy_with_logits,
                 (np.abs(np.sin(x)),)),
            ):
                weight = () if ours in (tp.mse_loss, tp.l1_loss) else (None,)
                legacy = dict(size_average=size_average, reduce=reduce)
                targets = [torch.tensor(v) for v in args]
                _both(lambda a, f=ours, t=args, w=weight, k=legacy: f(a, *t, *w, **k),
                      lambda a, f=theirs, t=targets, w=weight, k=legacy: f(a, *t, *w, **k), x)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        tp.mse_loss(tp.tensor(x), x, size_average=False)
    with pytest.warns(UserWarning, match="reduction='none'"):
        loss = nn.MSELoss(None, False)
    assert loss.reduction == "none"


def test_cross_entropy_kdim_keeps_the_fused_2d_path():
    x = tp.randn(8, 5, requires_grad=True, generator=0)
    out = tp.cross_entropy(x, tp.tensor(np.arange(8) % 5))
    assert out.grad_fn.fn.__name__ == "CrossEntropyIndex" and out.grad_fn.plain
    y = tp.cross_entropy(tp.randn(2, 5, 3, requires_grad=True), np.zeros((2, 3), np.int64))
    assert y.grad_fn.fn.__name__ == "CrossEntropyIndex"


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_all_ignored_mean_is_nan_with_zero_gradient(smoothing):
    x = tp.randn(3, 4, dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tp.cross_entropy(x, [-100, -100, -100], label_smoothing=smoothing)
        loss.backward()
    assert np.isnan(loss.item()) and not x.grad.numpy().any()
    z = tp.randn(0, 4, requires_grad=True)
    empty = tp.cross_entropy(z, np.zeros(0, np.int64))
    empty.backward()
    assert np.isnan(empty.item()) and tuple(z.grad.shape) == (0, 4)
    nll = tp.nll_loss(x, [-100, -100, -100])
    assert np.isnan(nll.item())


@pytest.mark.parametrize("call, exc, words", [
    (lambda: tp.cross_entropy(tp.zeros(2, 3, 4), [0, 1]), ValueError, ["(2, 4)", "(2,)"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3, 4), np.zeros((2, 4))), TypeError, ["integers"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3, 4), np.zeros((2, 3, 4), np.int64)), TypeError,
     ["floating point", "(2, 4)"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3), np.zeros((2, 3)), ignore_index=0), ValueError,
     ["ignore_index"]),
    (lambda: tp.cross_entropy(tp.zeros(3), np.array([1])), ValueError, ["()", "(1,)"]),
    (lambda: tp.cross_entropy(tp.zeros(()), np.array(1)), ValueError, ["0-d"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3, 2), np.full((2, 2), 3)), ValueError, ["0..2"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3), [0, 1], ignore_index=1.5), TypeError,
     ["ignore_index"]),
    (lambda: tp.cross_entropy(tp.zeros(2, 3), [0, 1], weight=tp.ones(3, requires_grad=True)),
     RuntimeError, ["detach"]),
    (lambda: tp.nll_loss(tp.zeros(2, 3, 4), np.zeros((2, 3, 4))), ValueError, ["(2, 4)"]),
    (lambda: tp.nll_loss(tp.zeros(2, 3), np.zeros(2)), TypeError, ["integers"]),
])
def test_class_loss_errors_say_what_to_do(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value)


# ---- regression and binary losses ----------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_regression_losses_match_torch(reduction):
    torch = _torch()
    tf = torch.nn.functional
    a, b = _rng(0).standard_normal((3, 4)), _rng(1).standard_normal((3, 4))
    w = _rng(2).uniform(0.1, 2, (3, 4))
    r = dict(reduction=reduction)
    _both(lambda x, y, v: tp.mse_loss(x, y, weight=v, **r),
          lambda x, y, v: tf.mse_loss(x, y, weight=v, **r), a, b, w)
    _both(lambda x, y, v: tp.l1_loss(x, y, weight=v, **r),
          lambda x, y, v: tf.l1_loss(x, y, weight=v, **r), a, b, w)
    _both(lambda x, y, v: tp.huber_loss(x, y, reduction, 0.8, v),
          lambda x, y, v: tf.huber_loss(x, y, reduction, 0.8, v), a, b, w)
    for beta in (0.0, 0.5, 2.0):
        _both(lambda x, y, be=beta: F.smooth_l1_loss(x, y, None, None, reduction, be),
              lambda x, y, be=beta: tf.smooth_l1_loss(x, y, None, None, reduction, be), a, b)
        _both(lambda x, y, be=beta: SmoothL1Loss(reduction=reduction, beta=be)(x, y),
              lambda x, y, be=beta: torch.nn.SmoothL1Loss(reduction=reduction, beta=be)(x, y),
              a, b)


@pytest.mark.oracle
@pytest.mark.parametrize("wshape, pwshape", [((4,), (4,)), ((3, 1), None), (None, (3, 1)),
                                             ((2, 3, 4), ()), ((), (2, 1, 4))])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_bce_with_logits_broadcast_weights_match_torch(wshape, pwshape, reduction):
    torch = _torch()
    x, t = _rng(0).standard_normal((2, 3, 4)) * 3, _rng(1).uniform(0, 1, (2, 3, 4))
    w = None if wshape is None else _rng(2).uniform(0.1, 2, wshape)
    pw = None if pwshape is None else _rng(3).uniform(0.1, 3, pwshape)
    tw, tpw = (None if v is None else torch.tensor(v) for v in (w, pw))
    _both(lambda a, b: tp.binary_cross_entropy_with_logits(a, b, w, None, None, reduction, pw),
          lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(
              a, b, tw, None, None, reduction, tpw), x, t)
    m = nn.BCEWithLogitsLoss(w, None, None, reduction, pw)
    _both(lambda a, b: m(a, b),
          lambda a, b: torch.nn.BCEWithLogitsLoss(tw, None, None, reduction, tpw)(a, b), x, t)


def test_bce_weights_get_the_composed_gradient():
    x, t = tp.randn(3, 4, dtype=np.float64), tp.rand(3, 4, dtype=np.float64)
    w, pw = tp.rand(4, dtype=np.float64) + 0.5, tp.rand(3, 1, dtype=np.float64) + 0.5
    assert tp.gradcheck(lambda w, pw: tp.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw),
                        [w.requires_grad_(), pw.requires_grad_()])
    with pytest.raises(ValueError, match=r"broadcast to the input's shape \(3, 4\)"):
        tp.binary_cross_entropy_with_logits(x, t, tp.ones(3))
    with pytest.raises(ValueError, match="pos_weight"):
        tp.binary_cross_entropy_with_logits(x, t, pos_weight=tp.ones(2, 3, 4))
    with pytest.raises(ValueError, match="weight must have the input's shape"):
        tp.mse_loss(x, t, weight=tp.ones(4))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        F.smooth_l1_loss(x, t, beta=-1.0)


@pytest.mark.oracle
def test_one_hot_matches_torch():
    torch = _torch()
    for labels, n in (([0, 3, 1], -1), ([[1, 0], [2, 2]], 4), ([], 3), (2, 5)):
        ours = F.one_hot(tp.tensor(labels, dtype=np.int64), n)
        ref = torch.nn.functional.one_hot(torch.tensor(labels, dtype=torch.long), n)
        assert ours.dtype == np.int64 and tuple(ours.shape) == tuple(ref.shape)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    with pytest.raises(ValueError, match="empty"):
        F.one_hot(tp.tensor(np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match="-1"):
        F.one_hot(tp.tensor([1, 2]), -2)
    with pytest.raises(ValueError, match="label 2"):
        F.one_hot(tp.tensor([1, 2]), 2)


# ---- pad ------------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(2, 5), (1, 3, 4), (2, 2, 3, 4), (1, 1, 2, 3, 3)], ids=str)
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_torch_wherever_torch_pads(shape, mode):
    torch = _torch()
    rng = _rng(len(shape))
    x = rng.standard_normal(shape)
    compared = 0
    for _ in range(80):
        if mode == "constant":
            k = int(rng.integers(1, len(shape) + 1))
        else:  # PyTorch pads the last 1-3 dims of a 2-D to 5-D input: k in {ndim-2, ndim-1}
            k = int(rng.choice([d for d in (len(shape) - 2, len(shape) - 1) if 1 <= d <= 3]))
        low = 0 if mode == "circular" else -2  # PyTorch's circular crop wraps unreliably
        pads = tuple(int(v) for v in rng.integers(low, 3, size=2 * k))
        try:
            ref = torch.nn.functional.pad(torch.tensor(x), pads, mode=mode)
        except (RuntimeError, NotImplementedError):
            continue
        if ref.numel() == 0:
            continue  # PyTorch's gradient of an empty output is uninitialised memory
        _both(lambda a, p=pads: F.pad(a, p, mode),
              lambda a, p=pads: torch.nn.functional.pad(a, p, mode), x)
        compared += 1
    assert compared >= 8


@pytest.mark.oracle
def test_pad_value_crop_and_dtype_match_torch():
    torch = _torch()
    x = np.arange(12.0).reshape(3, 4)
    _both(lambda a: tp.pad(a, (1, -2, -1, 2), value=7.5),
          lambda a: torch.nn.functional.pad(a, (1, -2, -1, 2), value=7.5), x)
    _both(lambda a: tp.pad(a, [-1, 2], "circular"),
          lambda a: torch.nn.functional.pad(a, [-1, 2], "circular"), x)
    ints = tp.pad(tp.arange(4), (1, 1), value=2.5)
    assert ints.dtype == np.int64 and ints.tolist() == [2, 0, 1, 2, 3, 2]
    assert F.pad is tp.pad
    assert tp.pad(tp.ones(2, 3), (1, 2)).shape == (2, 6)  # the last dimension, 1 left 2 right


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: tp.pad(x, ((1, 0), (2, 3))), TypeError, ["(2, 3, 1, 0)"]),
    (lambda x: tp.pad(x, 1), TypeError, ["tuple of ints"]),
    (lambda x: tp.pad(x, (1,)), ValueError, ["even"]),
    (lambda x: tp.pad(x, (1, 1, 1, 1, 1, 1)), ValueError, ["at most 2 per dimension"]),
    (lambda x: tp.pad(x, (1.0, 1)), TypeError, ["ints"]),
    (lambda x: tp.pad(x, (1, 1), 0.5), TypeError, ["value="]),
    (lambda x: tp.pad(x, (1, 1), "wrap"), ValueError, ["'circular'"]),
    (lambda x: tp.pad(x, (1, 1), "reflect", value=0.0), ValueError, ["takes no value"]),
    (lambda x: tp.pad(x, (4, 0), "reflect"), ValueError, ["smaller than the dimension"]),
    (lambda x: tp.pad(x, (5, 0), "circular"), ValueError, ["at most once"]),
    (lambda x: tp.pad(x, (-5, 2)), ValueError, ["crop more"]),
])
def test_pad_errors_say_what_to_do(call, exc, words):
    with pytest.raises(exc) as info:
        call(tp.ones(2, 4))
    for w in words:
        assert w in str(info.value)


# ---- normalisation --------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 2, 4), (2, 3, 2, 2, 3)], ids=str)
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("momentum", [0.1, 1.0])
def test_functional_batch_norm_matches_torch(shape, affine, momentum):
    torch = _torch()
    rng = _rng(1)
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = np.zeros(3), np.ones(3)
    ours_rm, ours_rv = tp.tensor(rm), tp.tensor(rv)
    ref_rm, ref_rv = torch.tensor(rm), torch.tensor(rv)
    args = (x, w, b) if affine else (x,)

    def ours(a, *p):
        return F.batch_norm(a, ours_rm, ours_rv, *(p or (None, None)), True, momentum, 1e-3)

    def ref(a, *p):
        return torch.nn.functional.batch_norm(a, ref_rm, ref_rv, *(p or (None, None)), True,
                                              momentum, 1e-3)

    _both(ours, ref, *args)
    _close(ours_rm, ref_rm)
    _close(ours_rv, ref_rv)
    _both(lambda a, *p: F.batch_norm(a, ours_rm, ours_rv, *p),
          lambda a, *p: torch.nn.functional.batch_norm(a, ref_rm, ref_rv, *p), *args)
    _both(lambda a: F.batch_norm(a, None, None, training=True),
          lambda a: torch.nn.functional.batch_norm(a, None, None, training=True), x)


@pytest.mark.oracle
@pytest.mark.parametrize("cls, shape", [(BatchNorm2d, (4, 3, 2, 5)), (BatchNorm3d, (2, 3, 2, 2, 3)),
                                        (nn.BatchNorm1d, (4, 3, 5))])
@pytest.mark.parametrize("momentum", [0.3, None])
def test_batchnorm_modules_match_torch_over_steps(cls, shape, momentum):
    torch = _torch()
    ours = cls(3, momentum=momentum).double()
    ref = getattr(torch.nn, cls.__name__)(3, momentum=momentum).double()
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert repr(ours) == repr(ref)
    for step in range(3):
        x = _rng(step).standard_normal(shape) * (step + 1) + step
        _both(ours, ref, x)
        for k, v in ref.state_dict().items():
            _close(ours.state_dict()[k], v)
    ours.eval()
    ref.eval()
    _both(ours, ref, _rng(9).standard_normal(shape))
    with pytest.raises(ValueError, match=r"expected \(N, 3"):
        ours(tp.zeros((2, 3) if cls is not nn.BatchNorm1d else (2, 3, 2, 2)))


@pytest.mark.oracle
@pytest.mark.parametrize("shape, norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                         ((2, 2, 3, 4), (2, 3, 4)), ((3,), [3])], ids=str)
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("eps", [1e-5, 0.3])
def test_layer_norm_matches_torch(shape, norm, affine, eps):
    torch = _torch()
    rng = _rng(2)
    x = rng.standard_normal(shape) * 2 + 1
    p = (rng.standard_normal(tuple(norm)), rng.standard_normal(tuple(norm))) if affine else ()
    _both(lambda a, *q: F.layer_norm(a, norm, *(q or (None, None)), eps),
          lambda a, *q: torch.nn.functional.layer_norm(a, norm, *(q or (None, None)), eps),
          x, *p)
    _both(lambda a: F.layer_norm(a, norm, None, p[1] if p else None, eps=eps),
          lambda a: torch.nn.functional.layer_norm(
              a, norm, None, torch.tensor(p[1]) if p else None, eps=eps), x)


def test_batch_norm_errors_say_what_to_do():
    x = tp.randn(4, 3)
    with pytest.raises(ValueError, match="both be Tensors or both be None"):
        F.batch_norm(x, tp.zeros(3), None, training=True)
    with pytest.raises(NotImplementedError, match=r"\(N, C, \*\)"):
        F.batch_norm(tp.randn(3), None, None, training=True)
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(x, tp.zeros(3), tp.ones(3), training=True, momentum=None)
    with pytest.raises(ValueError, match="eps"):
        F.batch_norm(x, None, None, training=True, eps=0.0)
    F.batch_norm(x, tp.zeros(3), tp.ones(3), eps=0.0)  # eval mode takes eps=0, as PyTorch
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm2d(3)(tp.randn(1, 3, 1, 1))
    with pytest.raises(NotImplementedError, match="CPU"):
        BatchNorm2d(3, device="cuda")


# ---- linear, dropout, activations -----------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("xshape, wshape, bshape", [
    ((5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), None), ((3,), (4, 3), (4,)),
    ((5, 3), (4, 3), ()), ((6, 2, 3), (4, 3), (2, 4)), ((3,), (3,), ()), ((2, 3), (4, 3), (1,)),
], ids=str)
def test_linear_matches_torch(xshape, wshape, bshape):
    torch = _torch()
    rng = _rng(0)
    args = [rng.standard_normal(s) for s in (xshape, wshape, bshape) if s is not None]
    _both(F.linear, torch.nn.functional.linear, *args)


def test_linear_rejects_bad_shapes():
    with pytest.raises(ValueError, match="last dimension to be 3"):
        F.linear(tp.ones(2, 4), tp.ones(5, 3))
    with pytest.raises(ValueError, match="does not broadcast"):
        F.linear(tp.ones(2, 3), tp.ones(5, 3), tp.ones(3))


def test_inplace_flags_follow_torch():
    x = tp.tensor([-1.0, 2.0, -3.0])
    assert F.relu(x, True) is x and x.tolist() == [0.0, 2.0, 0.0]
    y = tp.tensor([-2.0, 4.0])
    assert F.leaky_relu(y, 0.5, True) is y and y.tolist() == [-1.0, 4.0]
    z = tp.tensor([0.0, 1.0])
    assert F.elu(z, 2.0, True) is z
    d = tp.ones(1000)
    assert F.dropout(d, 0.5, True, True, generator=0) is d and set(d.tolist()) == {0.0, 2.0}
    leaf = tp.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(leaf, inplace=True)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        F.dropout(leaf * 2, 0.5, True, True)
    with tp.no_grad():
        assert F.relu(leaf * 2, inplace=True).tolist() == [2.0, 2.0, 2.0]
    assert F.dropout(x, 0.3, False) is x
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.dropout(x, 1.5)


@pytest.mark.oracle
def test_activation_signatures_match_torch():
    torch = _torch()
    tf = torch.nn.functional
    x = _rng(0).standard_normal((3, 4)) * 4
    x[np.abs(x) < 0.1] += 0.3
    _both(lambda a: F.leaky_relu(a, 0.2), lambda a: tf.leaky_relu(a, 0.2), x)
    _both(lambda a: F.elu(a, 0.7), lambda a: tf.elu(a, 0.7), x)
    _both(lambda a: F.gelu(a, approximate="tanh"), lambda a: tf.gelu(a, approximate="tanh"), x)
    for beta, threshold in ((2.0, 3.0), (-1.5, 2.0), (0.5, 20.0)):
        _both(lambda a, b=beta, t=threshold: F.softplus(a, b, t),
              lambda a, b=beta, t=threshold: tf.softplus(a, b, t), x)
    _both(lambda a: F.softmax(a, 0, 3, np.float64), lambda a: tf.softmax(a, 0, 3, torch.float64),
          x)
    x3 = _rng(1).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="implicit dimension"):
        _both(F.log_softmax, tf.log_softmax, x3)  # PyTorch's legacy rule: dim 0 for 3-D
    with pytest.raises(ValueError, match="non-zero"):
        F.softplus(tp.ones(2), 0.0)
