"""Finite-difference gradient checks in float64.

``gradcheck(fn, inputs)`` compares, for every input that requires grad, the analytic
gradient of ``sum(u * fn(*inputs))`` (``u`` a fixed random cotangent, so every output
element counts) with central differences. It returns True or raises
:class:`GradcheckError` naming the input, the worst element and both values.
"""

from __future__ import annotations

import numpy as np

from .errors import TinypropError
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(TinypropError, ValueError):
    """An analytic gradient disagrees with central differences.

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0], requires_grad=True)
    >>> try:
    ...     tp.gradcheck(lambda t: t.detach() * t, x)  # detach drops half the grad
    ... except tp.GradcheckError:
    ...     print("caught")
    caught
    """


def _outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _objective(outs, us) -> float:
    return float(sum(np.sum(o._data.astype(np.float64) * u) for o, u in zip(outs, us)))


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` per element.

    ``x`` is perturbed **in place** (and restored), so ``f`` must read the live array;
    the result is float64 with ``x``'s shape.

    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda: float(np.sum(x ** 2)), x).round(6).tolist()
    [2.0, 4.0]
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        f_plus = f()
        x[idx] = saved - eps
        f_minus = f()
        x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0) -> bool:
    """Check ``fn``'s gradients against central differences, in float64.

    ``inputs`` is a Tensor or a sequence of Tensors/other arguments; float tensors are
    copied to float64 and those with ``requires_grad=True`` are checked.

    >>> import tinyprop as tp
    >>> x = tp.tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> tp.gradcheck(lambda t: (t * t).tanh(), x)
    True
    """
    if not eps > 0 or not atol >= 0 or not rtol >= 0:
        raise ValueError(
            f"gradcheck needs eps > 0, atol >= 0, rtol >= 0; got {eps}, {atol}, {rtol}"
        )
    args = _float64_args(inputs)
    checked = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    us = _backward_once(fn, args, np.random.default_rng(seed))
    for i in checked:
        _check_input(fn, args, i, us, eps, atol, rtol)
    return True


def _float64_args(inputs) -> list:
    """``inputs`` as a list, float Tensors copied to float64 keeping requires_grad."""
    single = isinstance(inputs, Tensor)
    items = [inputs] if single else list(inputs)
    args = []
    for x in items:
        if isinstance(x, Tensor) and x._data.dtype.kind == "f":
            t = Tensor._wrap(x._data.astype(np.float64))
            if x.requires_grad:
                t.requires_grad_(True)
            args.append(t)
        else:
            args.append(x)
    return args


def _backward_once(fn, args, rng) -> list:
    """Backpropagate ``sum(u * fn(*args))`` for random cotangents ``u``; return them."""
    with enable_grad():
        outs = _outputs(fn(*args))
        if not outs:
            raise ValueError("gradcheck: fn returned no floating-point Tensor")
        us = [rng.standard_normal(o.shape) for o in outs]
        total = None
        for o, u in zip(outs, us):
            if not o.requires_grad:
                continue
            term = (o * Tensor._wrap(u.astype(o.dtype))).sum()
            total = term if total is None else total + term
        if total is not None:
            total.backward()
    return us


def _check_input(fn, args, i, us, eps, atol, rtol) -> None:
    """Compare input ``i``'s analytic gradient with central differences, or raise."""
    x = args[i]
    analytic = np.zeros(x.shape) if x.grad is None else x.grad._data.astype(np.float64)
    with no_grad():
        numeric = numerical_gradient(
            lambda: _objective(_outputs(fn(*args)), us), x._data, eps)
    err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    bad = ~(err <= 0)  # NaN counts as a failure
    if bad.any():
        worst = np.unravel_index(int(np.nanargmax(np.where(bad, np.abs(analytic - numeric),
                                                           -np.inf))), x.shape)
        worst = tuple(int(i) for i in worst)
        where = worst if x.ndim else "()"
        raise GradcheckError(
            f"gradcheck: gradient of input {i} (shape {tuple(x.shape)}) is wrong at element "
            f"{where}: analytic {analytic[worst]:.10g}, numeric {numeric[worst]:.10g} "
            f"(|diff| {abs(analytic[worst] - numeric[worst]):.3g}, allowed "
            f"{atol:g} + {rtol:g}*|numeric|); {int(bad.sum())} of {x._data.size} elements fail"
        )


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check ``fn``'s second derivatives against central differences, in float64
    (``torch.autograd.gradgradcheck``).

    The first derivative, ``grad(fn(*inputs), inputs, grad_outputs, create_graph=True)``,
    is itself checked with :func:`gradcheck`, with respect to the inputs and to
    ``grad_outputs`` (random ones, seeded by ``seed``, when None): this tests that the
    backward pass records the right graph.

    >>> import tinyprop as tp
    >>> x = tp.tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> tp.gradgradcheck(lambda t: (t * t).tanh(), x)
    True
    """
    from .autograd import grad

    args = _float64_args(inputs)
    diff = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input has requires_grad=True; nothing to check")
    with enable_grad():
        outs = [o for o in _outputs(fn(*args)) if o.requires_grad]
    if not outs:
        raise ValueError("gradgradcheck: fn returned no floating-point Tensor that requires "
                         "grad")
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor._wrap(rng.standard_normal(o.shape)) for o in outs]
    gos = _float64_args([grad_outputs] if isinstance(grad_outputs, Tensor) else grad_outputs)
    if len(gos) != len(outs):
        raise ValueError(f"gradgradcheck: {len(gos)} grad_outputs for {len(outs)} outputs that "
                         "require grad; pass one per output")
    for g in gos:
        g.requires_grad_(True)
    n = len(args)

    def first_derivative(*xs):
        with enable_grad():
            o = [t for t in _outputs(fn(*xs[:n])) if t.requires_grad]
            grads = grad(o, [xs[i] for i in diff], xs[n:], create_graph=True,
                         allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, [*args, *gos], eps, atol, rtol, seed)
