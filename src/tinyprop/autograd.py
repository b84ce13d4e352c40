"""Reverse-mode differentiation: the iterative backward pass.

The graph is walked in topological order built with an explicit stack (no recursion,
so a chain of 100,000 ops is fine). Gradients of intermediate nodes live in a dict and
are never modified in place; leaf gradients are gathered and written to ``.grad`` at
the end, accumulating into an existing ``.grad``.
"""

from __future__ import annotations

import numpy as np

from . import anomaly
from .kernels import sum_to_shape  # its home is kernels; importable from here as before


def topological_order(root):
    """Graph nodes reachable from ``root`` (a Context), outputs before inputs."""
    order = []
    seen = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for p in node.parents:
            if p is not None and p.grad_fn is not None and p.grad_fn not in seen:
                stack.append((p.grad_fn, False))
    order.reverse()
    return order


def _freed_error(node):
    return RuntimeError(
        f"trying to backward through the graph a second time ({node.name()}): the arrays "
        "saved for backward were freed by the first backward. Pass retain_graph=True to the "
        "first backward() if you need to call it again, or recompute the forward pass"
    )


def run_backward(tensor, grad, retain_graph: bool = False) -> None:
    """Backpropagate ``grad`` (an array shaped like ``tensor``) through the graph."""
    from .tensor import Tensor

    root = tensor.grad_fn
    if root is None:
        accumulate(((tensor, grad),))
        return
    check = anomaly.enabled()
    grads = {root: grad}
    leaves = {}
    for node in topological_order(root):
        g = grads.pop(node, None)
        if g is None:
            continue
        if node.freed:
            raise _freed_error(node)
        if node.retained is not None:
            t = node.retained()
            if t is not None:
                t.grad = (Tensor._wrap(g.copy()) if t.grad is None
                          else Tensor._wrap(t.grad._data + g))
        in_grads = node.fn.backward(node, g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if check:
            anomaly.check_backward(node, in_grads)
        for p, pg in zip(node.parents, in_grads):
            if pg is None or p is None or not p.requires_grad:
                continue
            data = p._data
            if pg.shape != data.shape:
                pg = sum_to_shape(pg, data.shape)
            if pg.dtype != data.dtype:
                pg = pg.astype(data.dtype)
            if p.grad_fn is None:
                prev = leaves.get(id(p))
                leaves[id(p)] = (p, pg) if prev is None else (p, prev[1] + pg)
            else:
                prev = grads.get(p.grad_fn)
                grads[p.grad_fn] = pg if prev is None else prev + pg
        if not retain_graph:
            node.release()
    accumulate(leaves.values())


def accumulate(leaves) -> None:
    """Write gathered gradients, ``(tensor, array)`` pairs, into the tensors' ``.grad``,
    copying where arrays are shared."""
    from .tensor import Tensor

    given = set()
    for t, g in leaves:
        if t.grad is None:
            if g.base is not None or not g.flags.writeable or id(g) in given:
                g = np.array(g, copy=True)
            given.add(id(g))
            t.grad = Tensor._wrap(g)
        else:
            t.grad._data += g


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        from .tensor import Tensor

        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's legacy ``torch.autograd.Variable``, kept for old course code.

    Since PyTorch 0.4 every tensor records gradients itself, so ``Variable(t)`` is ``t``
    and ``Variable(t, requires_grad=True)`` a leaf sharing ``t``'s values that requires
    grad; ``isinstance(t, Variable)`` holds for every tensor.

    >>> import tinyprop as tp
    >>> from tinyprop.autograd import Variable
    >>> w = Variable(tp.zeros(2), requires_grad=True)
    >>> w.requires_grad, isinstance(w, Variable)
    (True, True)
    """

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        from .tensor import Tensor, to_array

        if volatile:
            raise NotImplementedError(
                "Variable(volatile=True) was removed in PyTorch 0.4; use `with tp.no_grad():`"
            )
        if not isinstance(data, Tensor):
            return Tensor._wrap(to_array(data)).requires_grad_(requires_grad)
        if not requires_grad:
            return data
        return Tensor._wrap(data._data).requires_grad_(True)
