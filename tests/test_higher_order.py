"""Second derivatives: ``create_graph``, ``tp.autograd.grad``, ``tp.gradgradcheck``, and
the NumPy dispatch that lets each op's one ``backward`` be recorded."""

from __future__ import annotations

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn
from tinyprop.op_cases import CASES, C, make_inputs

IDS = [c.id for c in CASES]


def _tp_args(case, arrays):
    return [x if isinstance(s, C) else tp.tensor(x, requires_grad=True)
            for s, x in zip(case.inputs, arrays)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradgradcheck_every_op(case):
    """Every op in the table has a second derivative that matches central differences
    (none is first-order only)."""
    args = _tp_args(case, make_inputs(case))
    tol = {k: case.tol[k] for k in ("eps", "atol", "rtol") if k in case.tol}
    assert tp.gradgradcheck(case.fn, args, **tol)


def test_gradgradcheck_catches_a_backward_that_is_not_recorded():
    class Square(tp.Function):  # backward reads a constant copy of x: wrong 2nd derivative
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x.copy())
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved
            return 2 * g * x

    x = tp.tensor([0.5, -1.5], requires_grad=True)
    assert tp.gradcheck(Square.apply, x)
    with pytest.raises(tp.GradcheckError):
        tp.gradgradcheck(Square.apply, x)


def test_backward_create_graph_then_differentiate_grad():
    x = tp.tensor([1.0, -2.0, 0.5], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())


def test_grad_returns_without_touching_dot_grad_and_checks_its_arguments():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    y = tp.tensor([3.0], requires_grad=True)
    out = (x * x).sum()
    (gx,) = tp.autograd.grad(out, x, retain_graph=True)
    assert x.grad is None and gx.grad_fn is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        tp.autograd.grad(out, [x, y], retain_graph=True)
    gx, gy = tp.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)
    assert gy is None
    with pytest.raises(RuntimeError, match="one-element"):
        tp.autograd.grad(x * 2, x)
    (gv,) = tp.autograd.grad(x * 2, x, grad_outputs=tp.tensor([1.0, 10.0]))
    np.testing.assert_allclose(gv.numpy(), [2.0, 20.0])
    with pytest.raises(RuntimeError, match="second time"):  # retain_graph defaults off
        z = (x * x).sum()
        tp.autograd.grad(z, x)
        tp.autograd.grad(z, x)


def test_grad_of_a_non_leaf_input_and_backward_inputs():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = (h * h).sum()
    (gh,) = tp.autograd.grad(out, h, retain_graph=True)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())
    w = tp.tensor([1.0, 1.0], requires_grad=True)
    (out + (w * x).sum()).backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), x.numpy())


def _mlp_params(rng):
    return [rng.standard_normal((5, 4)), rng.standard_normal(5), rng.standard_normal((3, 5)),
            rng.standard_normal(3)]


def _tp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = tp.tanh(x @ w1.T + b1)
    return tp.nn.functional.cross_entropy(h @ w2.T + b2, y)


@pytest.mark.oracle
def test_hessian_vector_product_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = _mlp_params(rng)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    x, y = rng.standard_normal((6, 4)), np.array([0, 2, 1, 1, 0, 2])

    params = [tp.tensor(a, requires_grad=True) for a in arrays]
    grads = tp.autograd.grad(_tp_loss(params, tp.tensor(x), y), params, create_graph=True)
    dot = sum((g * tp.tensor(v)).sum() for g, v in zip(grads, vs))
    hvp = tp.autograd.grad(dot, params)

    tparams = [torch.tensor(a, requires_grad=True) for a in arrays]
    w1, b1, w2, b2 = tparams
    logits = torch.tanh(torch.tensor(x) @ w1.T + b1) @ w2.T + b2
    tloss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    tgrads = torch.autograd.grad(tloss, tparams, create_graph=True)
    tdot = sum((g * torch.tensor(v)).sum() for g, v in zip(tgrads, vs))
    thvp = torch.autograd.grad(tdot, tparams)
    for ours, ref in zip(hvp, thvp):
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
def test_gradient_penalty_training_step_matches_pytorch():
    """WGAN-GP's penalty ``(|d critic / d x| - 1)**2`` on a small critic: the gradients
    of the penalised loss with respect to the critic's weights, as PyTorch computes them."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3))
    critic = nn.Sequential(nn.Linear(3, 6), nn.Softplus(), nn.Linear(6, 1)).double()
    tcritic = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Softplus(),
                                  torch.nn.Linear(6, 1)).double()
    with torch.no_grad():
        for p, tparam in zip(critic.parameters(), tcritic.parameters()):
            tparam.copy_(torch.tensor(p.numpy()))

    xt = tp.tensor(x, requires_grad=True)
    (gx,) = tp.autograd.grad(critic(xt).sum(), xt, create_graph=True)
    norm = ((gx * gx).sum(dim=1) + 1e-12).sqrt()
    loss = critic(xt).mean() + 10 * ((norm - 1) ** 2).mean()
    loss.backward()

    xr = torch.tensor(x, requires_grad=True)
    (tgx,) = torch.autograd.grad(tcritic(xr).sum(), xr, create_graph=True)
    tnorm = ((tgx * tgx).sum(dim=1) + 1e-12).sqrt()
    tloss = tcritic(xr).mean() + 10 * ((tnorm - 1) ** 2).mean()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for p, tparam in zip(critic.parameters(), tcritic.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tparam.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_first_order_backward_stays_on_arrays():
    """Without create_graph, backward records nothing: the gradients have no grad_fn."""
    x = tp.tensor([0.3, -0.7], requires_grad=True)
    (tp.tanh(x) * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_numpy_functions_on_tensors():
    x = tp.tensor([0.5, 2.0], requires_grad=True)
    y = np.exp(x)  # a ufunc tinyprop has: recorded
    assert isinstance(y, tp.Tensor) and y.grad_fn is not None
    assert isinstance(np.arange(2.0) + x, tp.Tensor)
    assert np.sign(x).grad_fn is None  # piecewise constant: values only
    with pytest.raises(TypeError, match="cut the gradient"):
        np.sin(x)
    with pytest.raises(TypeError, match="cut the gradient"):
        np.cumsum(x)
    plain = tp.tensor([1.0, 4.0])
    assert np.sum(plain) == 5.0 and isinstance(np.cumsum(plain), np.ndarray)
    np.testing.assert_allclose(np.sin(plain).numpy(), np.sin([1.0, 4.0]))


def test_tensor_module_does_not_import_the_engine():
    """tensor.py and autograd.py do not import each other both ways (no cycle)."""
    import ast
    import pathlib

    src = pathlib.Path(tp.__file__).parent / "tensor.py"
    names = set()
    for node in ast.walk(ast.parse(src.read_text())):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(a.name for a in node.names)
    assert "autograd" not in names and "function" not in names
