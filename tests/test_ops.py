"""Every op: float64 gradient check and PyTorch parity, driven by ``op_table``."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp
from tinyprop.op_cases import CASES, C, make_inputs
from tinyprop.ops import DIFFERENTIABLE

IDS = [c.id for c in CASES]


def test_table_covers_every_exported_op():
    covered = {c.op for c in CASES}
    missing = sorted(set(DIFFERENTIABLE) - covered)
    unknown = sorted(covered - set(DIFFERENTIABLE))
    assert not missing, f"ops exported without an entry in src/tinyprop/op_cases.py: {missing}"
    assert not unknown, f"op table names ops that are not exported: {unknown}"


def test_every_op_is_public():
    for name in DIFFERENTIABLE:
        assert getattr(tp, name) is DIFFERENTIABLE[name]


def _tp_args(case, arrays):
    args = []
    for spec, x in zip(case.inputs, arrays):
        args.append(x if isinstance(spec, C) else tp.tensor(x, requires_grad=True))
    return args


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    arrays = make_inputs(case)
    args = _tp_args(case, arrays)
    tol = {k: case.tol[k] for k in ("eps", "atol", "rtol") if k in case.tol}
    assert tp.gradcheck(case.fn, args, **tol)


def _torch_fn(spec):
    import torch
    import torch.nn.functional as tf

    if callable(spec):
        return spec
    name, _, arg = spec.partition(":")
    y = torch.tensor([0, 3, 1, 3, 2])
    w = torch.tensor([0.5, 1.0, 2.0, 1.5], dtype=torch.float64)
    table = {
        "leaky_relu": lambda a: tf.leaky_relu(a, float(arg)),
        "elu": lambda a: tf.elu(a, float(arg)),
        "gelu": lambda a: tf.gelu(a, approximate=arg or "none"),
        "softplus": lambda a: tf.softplus(a, beta=float(arg)),
        "where": lambda a, b: torch.where(torch.tensor([[True, False, True, False]] * 3), a, b),
        "getitem": lambda a: (a[torch.tensor([0, 2, 0, 0])] if arg == "0200" else a[a > 0]),
        "cat": lambda a, b: torch.cat([a, b], dim=int(arg)),
        "stack": lambda a, b: torch.stack([a, b], dim=int(arg)),
        "pad": lambda a: tf.pad(a, tuple(int(v) for v in arg.split(","))),
        "softmax": lambda a: torch.softmax(a, dim=int(arg)),
        "log_softmax": lambda a: torch.log_softmax(a, dim=int(arg)),
        "mse": tf.mse_loss,
        "l1": tf.l1_loss,
        "huber": lambda a, b: tf.huber_loss(a, b, delta=float(arg)),
        "bce": tf.binary_cross_entropy_with_logits,
        "nll": lambda a: tf.nll_loss(a, y, weight=w),
    }
    if name == "ce":
        opts = arg.split(",") if arg else []
        kw = {}
        if "w" in opts:
            kw["weight"] = w
        if "ls" in opts:
            kw["label_smoothing"] = 0.2 if "prob" not in opts else 0.1
        if "sum" in opts:
            kw["reduction"] = "sum"
        if "none" in opts:
            kw["reduction"] = "none"
        if "prob" in opts:
            return lambda a, t: tf.cross_entropy(a, t, **kw)
        target = torch.tensor([0, -100, 1, 3, 2]) if "ignore" in opts else y
        return lambda a: tf.cross_entropy(a, target, **kw)
    if name == "bce" and arg == "pw":
        return lambda a, t: tf.binary_cross_entropy_with_logits(a, t, pos_weight=w,
                                                                reduction="sum")
    return table[name]


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    arrays = make_inputs(case, seed=1)
    args = _tp_args(case, arrays)
    targs = [x if isinstance(s, C) else torch.tensor(x, requires_grad=True)
             for s, x in zip(case.inputs, arrays)]
    out = case.fn(*args)
    tout = _torch_fn(case.torch_fn)(*targs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    u = np.random.default_rng(2).standard_normal(out.shape)
    (out * tp.tensor(u)).sum().backward()
    (tout * torch.tensor(u)).sum().backward()
    for spec, a, t in zip(case.inputs, args, targs):
        if isinstance(spec, C):
            continue
        assert a.grad is not None and t.grad is not None
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_the_registry_makes_every_export_and_method():
    from tinyprop.ops._registry import OPS, register

    for name, op in OPS.items():
        assert getattr(tp, name) is op.fn
        for alias in op.aliases:
            assert getattr(tp, alias) is op.fn
        for method in op.methods:
            assert getattr(tp.Tensor, method) is op.fn
        assert (name in DIFFERENTIABLE) == op.differentiable
    with pytest.raises(RuntimeError, match="registered twice"):
        register("exp")(lambda a: a)
