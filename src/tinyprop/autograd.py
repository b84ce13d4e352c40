"""Reverse-mode differentiation: the iterative backward pass, ``backward`` and ``grad``.

The graph is walked without recursion (a chain of 100,000 ops is fine): one pass with
an explicit stack counts, for each node, the uses of its output (:func:`dependencies`),
and the backward pass then runs a node once all of its consumers have sent their
gradients (Kahn's order). :func:`topological_order` gives the same kind of order as a
list, for code that wants one. Gradients of intermediate nodes live in a dict and
are never modified in place; leaf gradients are gathered and written to ``.grad`` at
the end, accumulating into an existing ``.grad``.

Each op's ``backward`` is written once, in NumPy. An ordinary pass runs it on arrays.
With ``create_graph=True`` the same code runs on Tensors: the incoming gradient is a
Tensor and the node's saved arrays are replaced by the tensors they belong to (the
op's inputs and its output), so NumPy hands every call to tinyprop's ops
(:mod:`tinyprop.ops._numpy`) and the backward pass is itself recorded, ready to be
differentiated again.

This module binds ``Tensor.backward``; ``tensor.py`` does not import it.
"""

from __future__ import annotations

import numpy as np

from . import anomaly
from .grad_mode import enable_grad
from .kernels import sum_to_shape  # its home is kernels; importable from here as before
from .tensor import Tensor, to_array


def topological_order(roots: list):
    """Graph nodes reachable from the nodes ``roots`` (Contexts), outputs before inputs."""
    order = []
    seen = set()
    stack = [(r, False) for r in roots]
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


class _Pass:
    """One backward pass: the gradients flowing into each node and the leaves reached."""

    def __init__(self, roots, create_graph: bool, wanted=()) -> None:
        self.create_graph = create_graph
        self.grads = {}  # node -> gradient of its output
        self.outputs = {}  # node -> its output tensor (create_graph lifts saved arrays)
        self.leaves = {}  # id(tensor) -> (tensor, gradient)
        self.wanted = {t.grad_fn: t for t in wanted if t.grad_fn is not None} if wanted else {}
        self.captured = {}  # id(tensor) -> gradient of a wanted non-leaf tensor
        self.nodes = []
        for t, g in roots:
            self.send(t, g)
            if t.grad_fn is not None:
                self.nodes.append(t.grad_fn)

    def send(self, p, pg) -> None:
        """Add ``pg`` to the gradient of tensor ``p``."""
        data = p._data
        if pg.shape != data.shape:
            pg = sum_to_shape(pg, data.shape)
        if pg.dtype != data.dtype:
            pg = pg.astype(data.dtype)
        node = p.grad_fn
        if node is None:
            prev = self.leaves.get(id(p))
            self.leaves[id(p)] = (p, pg) if prev is None else (p, prev[1] + pg)
            return
        prev = self.grads.get(node)
        self.grads[node] = pg if prev is None else prev + pg
        if self.create_graph and node not in self.outputs:
            self.outputs[node] = p

    def run(self, retain_graph: bool) -> None:
        """Walk the graph from the roots, each node once all its consumers are done
        (Kahn's order over edge counts: no recursion, and no separate sorting pass)."""
        deps = dependencies(self.nodes)
        ready = [node for node in dict.fromkeys(self.nodes) if not deps[node]]
        _walk(ready, self.grads, deps, self.leaves, retain_graph,
              create=self if self.create_graph else None, check=anomaly._local.on,
              wanted=self.wanted, captured=self.captured)


def _walk(ready, grads, deps, leaves, retain_graph: bool, *, create=None, check=False,
          wanted=None, captured=None) -> None:
    """The backward walk, the one loop of every backward pass: pop a node whose consumers
    are all done, run its backward on the gradient of its output, pass each input's
    gradient on (summed over uses, reduced to the input's shape and dtype), release the
    node. ``create`` (the ``_Pass`` of a ``create_graph`` backward) records the backward
    itself; ``check`` is anomaly mode; ``wanted``/``captured``: ``autograd.grad``'s
    non-leaf inputs and their gradients."""
    pop, push = ready.pop, ready.append
    while ready:
        node = pop()
        parents = node.parents
        g = grads.pop(node, None)
        if g is None:  # no gradient reached this node: only release its inputs
            for p in parents:
                if p is not None and p.grad_fn is not None:
                    f = p.grad_fn
                    deps[f] -= 1
                    if not deps[f]:
                        push(f)
            continue
        if node.freed:
            raise _freed_error(node)
        if wanted and node in wanted:
            captured[id(wanted[node])] = g
        if node.retained is not None:
            _retain(node.retained(), g, create is not None)
        if create is not None:
            with enable_grad():
                in_grads = node.fn.backward(node.lifted(create.outputs.get(node)), g)
        else:
            in_grads = node.fn.backward(node, g)
        if type(in_grads) is not tuple:
            in_grads = in_grads if isinstance(in_grads, tuple) else (in_grads,)
        if len(in_grads) < len(parents):
            in_grads = in_grads + (None,) * (len(parents) - len(in_grads))
        if check:
            anomaly.check_backward(node, in_grads)
        for p, pg in zip(parents, in_grads):
            if p is None:
                continue
            f = p.grad_fn
            if pg is not None and p.requires_grad:
                if create is not None:
                    create.send(p, pg if isinstance(pg, Tensor) else Tensor._wrap(np.asarray(pg)))
                else:  # _Pass.send(), inlined: this loop is the hot path of training
                    data = p._data
                    if pg.shape != data.shape:
                        pg = sum_to_shape(pg, data.shape)
                    if pg.dtype != data.dtype:
                        pg = pg.astype(data.dtype)
                    if f is None:
                        prev = leaves.get(id(p))
                        leaves[id(p)] = (p, pg) if prev is None else (p, prev[1] + pg)
                    else:
                        prev = grads.get(f)
                        grads[f] = pg if prev is None else prev + pg
            if f is not None:
                n = deps[f] - 1
                deps[f] = n
                if not n:
                    push(f)
        if not retain_graph:  # node.release(), inlined
            node.saved = None
            node.freed = True
            node.__dict__.clear()


def _run_plain(root, g, retain_graph: bool) -> dict:
    """``_Pass.run`` for the training loop's ``loss.backward()``: one root node, nothing
    recorded (no ``create_graph``), no ``inputs=``, anomaly mode off. The same walk
    (:func:`_walk`) without building a ``_Pass``; returns the leaves reached,
    ``id(tensor) -> (tensor, gradient)``."""
    deps = {root: 0}  # dependencies([root]), inlined
    stack = [root]
    pop, push = stack.pop, stack.append
    get = deps.get
    while stack:
        for p in pop().parents:
            if p is not None:
                f = p.grad_fn
                if f is not None:
                    n = get(f)
                    if n is None:
                        deps[f] = 1
                        push(f)
                    else:
                        deps[f] = n + 1
    leaves = {}
    _walk([root], {root: g}, deps, leaves, retain_graph)  # a single root has no consumer
    return leaves


def dependencies(roots) -> dict:
    """For each graph node reachable from the nodes ``roots`` (Contexts), how many edges
    of the reachable graph lead into it (how many uses of its output the backward pass
    must wait for); roots count only the edges from other reachable nodes."""
    deps = dict.fromkeys(roots, 0)
    stack = list(deps)
    pop, push = stack.pop, stack.append
    get = deps.get
    while stack:
        for p in pop().parents:
            if p is not None:
                f = p.grad_fn
                if f is not None:
                    n = get(f)
                    if n is None:
                        deps[f] = 1
                        push(f)
                    else:
                        deps[f] = n + 1
    return deps


def _retain(t, g, create: bool) -> None:
    """Add ``g`` to the ``.grad`` of a non-leaf tensor that called ``retain_grad()``."""
    if t is None:
        return
    if create:
        t.grad = g if t.grad is None else t.grad + g
    else:
        t.grad = (Tensor._wrap(g.copy()) if t.grad is None else Tensor._wrap(t.grad._data + g))


def run_backward(tensor, grad, retain_graph: bool = False, create_graph: bool = False) -> None:
    """Backpropagate ``grad`` (an array shaped like ``tensor``; a Tensor with
    ``create_graph``) through the graph into the leaves' ``.grad``."""
    run = _Pass([(tensor, grad)], create_graph)
    run.run(retain_graph)
    accumulate(run.leaves.values())


_new = object.__new__


def accumulate(leaves) -> None:
    """Write gathered gradients, ``(tensor, gradient)`` pairs, into the tensors' ``.grad``,
    copying arrays where they are shared; Tensor gradients (``create_graph``) are added
    out of place, so the sum is recorded too."""
    given = set()
    for t, g in leaves:
        if isinstance(g, Tensor):
            t.grad = g if t.grad is None else t.grad + g
        elif t.grad is None:
            if g.base is not None or not g.flags.writeable or id(g) in given:
                # np.array also makes a NumPy scalar a 0-d array; the method is cheaper
                g = g.copy(order="K") if type(g) is np.ndarray else np.array(g, copy=True)
            given.add(id(g))
            grad = _new(Tensor)  # Tensor._wrap(g), inlined
            grad._data = g
            grad.grad = grad.grad_fn = None
            grad.requires_grad = False
            t.grad = grad
        else:
            t.grad._data += g


def _as_tuple(x, what: str) -> tuple:
    items = (x,) if isinstance(x, Tensor) else tuple(x)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what} must be Tensors, got {type(t).__name__}; pass tensors "
                            "(tp.tensor(...)) or a sequence of them")
    return items


def _seed(output, grad, create_graph: bool):
    """The gradient that starts a pass at ``output``: ones for a one-element output."""
    if not output.requires_grad:
        raise RuntimeError(
            "element 0 of the outputs does not require grad and has no grad_fn: no input of "
            "the computation had requires_grad=True (or it ran under no_grad())"
        )
    if grad is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for one-element outputs, got shape "
                f"{tuple(output.shape)}; call .sum() first or pass a gradient of that shape"
            )
        g = np.array(1, dtype=output._data.dtype)  # np.ones, at a quarter of the cost
        if output._data.ndim:
            g = g.reshape(output._data.shape)
    elif isinstance(grad, Tensor) and create_graph:
        g = grad if grad.dtype == output.dtype else grad.to(output.dtype)
    else:
        g = to_array(grad, dtype=output._data.dtype, copy=True)
    if g.shape != output._data.shape:
        raise ValueError(
            f"gradient shape {tuple(g.shape)} does not match the output's shape "
            f"{tuple(output.shape)}; pass a gradient of the same shape"
        )
    return Tensor._wrap(g) if create_graph and not isinstance(g, Tensor) else g


def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Backpropagate from this tensor, accumulating into the leaves' ``.grad``
    (``Tensor.backward``, PyTorch's signature).

    ``gradient`` is d(objective)/d(self); it may be left out for a one-element tensor.
    The arrays saved for backward are freed unless ``retain_graph=True`` (the default
    is ``create_graph``). ``create_graph=True`` records the backward pass itself, so the
    ``.grad`` it writes can be differentiated again. ``inputs`` limits the tensors whose
    ``.grad`` is written (by default every leaf that requires grad).

    >>> import tinyprop as tp
    >>> x = tp.tensor(3.0, requires_grad=True)
    >>> (x ** 3).backward(create_graph=True)
    >>> x.grad                      # 3 x**2
    tensor(27., grad_fn=<MulBackward>)
    >>> g = x.grad
    >>> x.grad = None
    >>> g.backward()                # d(3 x**2)/dx = 6 x
    >>> x.grad
    tensor(18.)
    """
    if not self.requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of the "
            "computation had requires_grad=True (or it ran under no_grad())"
        )
    node = self.grad_fn
    if (gradient is None and inputs is None and create_graph is False and node is not None
            and not anomaly._local.on and self._data.size == 1):
        # the training loop's loss.backward(): _seed's ones and run_backward, inlined
        data = self._data
        g = np.array(1, dtype=data.dtype)
        if data.ndim:
            g = g.reshape(data.shape)
        accumulate(_run_plain(node, g, bool(retain_graph)).values())
        return
    g = _seed(self, gradient, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(self, g, retain, create_graph)
        return
    inputs = _as_tuple(inputs, "backward(inputs=...)")
    run = _Pass([(self, g)], create_graph, wanted=inputs)
    run.run(retain)
    accumulate([(t, _found(run, t)) for t in inputs if _found(run, t) is not None])


def _found(run, t):
    """The gradient a pass computed for tensor ``t`` (leaf or not), or None."""
    if t.grad_fn is None:
        pair = run.leaves.get(id(t))
        return None if pair is None else pair[1]
    return run.captured.get(id(t))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of
    accumulated into ``.grad`` (``torch.autograd.grad``).

    ``grad_outputs`` holds d(objective)/d(output) per output (None: ones, for one-element
    outputs). With ``create_graph=True`` the returned gradients are recorded and can be
    differentiated again (Hessian-vector products, gradient penalties). An input the
    outputs do not depend on raises unless ``allow_unused=True`` (its gradient is then
    None).

    >>> import tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> (g,) = tp.autograd.grad((x ** 3).sum(), x, create_graph=True)
    >>> g                                        # 3 x**2
    tensor([ 3., 12.], grad_fn=<MulBackward>)
    >>> tp.autograd.grad(g.sum(), x)             # 6 x
    (tensor([ 6., 12.]),)
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(
            grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad_outputs has {len(grad_outputs)} entries for {len(outputs)} "
                         "outputs; pass one gradient (or None) per output")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("one of the differentiated tensors does not require grad; "
                               "set requires_grad=True on it (or leave it out of inputs)")
    roots = [(o, _seed(o, g, create_graph)) for o, g in zip(outputs, grad_outputs)]
    run = _Pass(roots, create_graph, wanted=inputs)
    run.run(create_graph if retain_graph is None else retain_graph)
    result = []
    for t in inputs:
        g = _found(run, t)
        if g is None and not allow_unused:
            raise RuntimeError(
                "one of the differentiated tensors appears not to have been used in the "
                "graph; pass allow_unused=True if that is expected (its gradient is None)")
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        result.append(g)
    return tuple(result)


Tensor.backward = backward


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
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
        if volatile:
            raise NotImplementedError(
                "Variable(volatile=True) was removed in PyTorch 0.4; use `with tp.no_grad():`"
            )
        if not isinstance(data, Tensor):
            return Tensor._wrap(to_array(data)).requires_grad_(requires_grad)
        if not requires_grad:
            return data
        return Tensor._wrap(data._data).requires_grad_(True)
