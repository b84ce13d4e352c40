"""The computational graph of one batch through a run's model, one node per elementary op.

:func:`elementary_loss` recomputes a model's forward pass and its cross-entropy loss from
elementary ops (``MatMul``, ``Add``, ``Tanh``, ``Exp``, ``Sum``, ``Log``, ...) instead of the
fused ``Linear`` and ``CrossEntropy`` kernels training uses, so the drawing reads like
micrograd's: every step of the arithmetic is visible and, after ``backward``, every
intermediate tensor carries its gradient. :func:`graph_of_run` does this for a
:class:`~tinyprop.train.Run` (fresh or trained) or a run directory.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ConfigError
from ..tensor import Tensor
from ._checks import check_positive_int
from .graph import Graph, draw_graph

_ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu")


def retain_grads(tensor) -> int:
    """Make every intermediate tensor behind ``tensor`` keep its ``.grad`` after backward.

    Call it before ``backward``; :func:`draw_graph` with ``show_grads=True`` then shows a
    gradient on every node instead of "grad None". Walks the graph without recursion.
    Returns how many tensors now retain their gradient.

    >>> import tinyprop as tp
    >>> w = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> h = w * 3.0
    >>> loss = h.tanh().sum()
    >>> retain_grads(loss), loss.backward(), h.grad is not None
    (3, None, True)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"retain_grads needs a tinyprop Tensor, got {type(tensor).__name__}")
    seen = {id(tensor)}
    stack = [tensor]
    count = 0
    while stack:
        t = stack.pop()
        ctx = t.grad_fn
        if ctx is None:
            continue
        t.retain_grad()
        count += 1
        for parent in ctx.parents or ():
            if isinstance(parent, Tensor) and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return count


def _layer_steps(model) -> list[tuple]:
    """``[("linear", W (out, in), b, prefix) | ("act", name or module, None, None)]``."""
    if hasattr(model, "layers"):  # the manual engine's Network
        return [_manual_step(i, layer) for i, layer in enumerate(model.layers)]
    modules = list(model) if hasattr(model, "__iter__") else [model]
    steps = []
    for i, m in enumerate(modules):
        if type(m).__name__ == "Linear" and hasattr(m, "weight"):
            steps.append(("linear", m.weight, getattr(m, "bias", None), str(i)))
        else:
            steps.append(("act", m, None, None))
    return steps


def _manual_step(i: int, layer) -> tuple:
    """One manual-engine layer as a step; its arrays become leaf tensors needing grad."""
    import tinyprop as tp

    if hasattr(layer, "w"):
        w = np.asarray(layer.w)
        if w.shape != (layer.n_out, layer.n_in):
            w = w.T
        b = None if getattr(layer, "b", None) is None else np.asarray(layer.b).reshape(-1)
        weight = tp.tensor(np.array(w), requires_grad=True)
        bias = None if b is None else tp.tensor(np.array(b), requires_grad=True)
        return ("linear", weight, bias, str(i))
    name = type(layer).__name__.lower().replace("leakyrelu", "leaky_relu")
    if name not in _ACTIVATIONS:
        raise ConfigError(f"cannot draw the manual layer {type(layer).__name__}; expected "
                          f"Linear or one of {', '.join(_ACTIVATIONS)}")
    return ("act", name, None, None)


def elementary_loss(model, x, y, names: dict | None = None) -> Tensor:
    """Mean cross-entropy of ``model`` on ``(x, y)``, computed from elementary ops.

    ``model``: an ``nn.Sequential`` of ``Linear`` layers and activation modules, a single
    module, or the manual engine's ``Network``. ``x``: (N, D) inputs; ``y``: (N,) class
    indices. Each ``Linear`` becomes ``x @ W.T + b``; the loss is
    ``-mean(sum(onehot * (s - log(sum(exp(s))))))`` with ``s = z - max(z)`` (the max is a
    constant). ``names`` (optional dict) receives ``{tensor: name}`` for weights, biases,
    inputs and the loss. The value equals ``nn.functional.cross_entropy``.

    >>> import tinyprop as tp
    >>> model = tp.nn.Sequential(tp.nn.Linear(3, 4), tp.nn.Tanh(), tp.nn.Linear(4, 2))
    >>> x, y = np.ones((2, 3), np.float32), np.array([0, 1])
    >>> loss = elementary_loss(model, x, y)
    >>> ref = tp.nn.functional.cross_entropy(model(tp.tensor(x)), tp.tensor(y))
    >>> bool(abs(loss.item() - ref.item()) < 1e-5)
    True
    """
    import tinyprop as tp

    names = {} if names is None else names
    h = tp.tensor(np.asarray(x, dtype=np.float32))
    names[h] = "x (batch)"
    for kind, a, b, prefix in _layer_steps(model):
        if kind == "linear":
            names.setdefault(a, f"{prefix}.weight")
            h = h @ a.T
            if b is not None:
                names.setdefault(b, f"{prefix}.bias")
                h = h + b
        elif isinstance(a, str):
            h = getattr(tp.nn.functional, a)(h)
        else:
            h = a(h)
    names[h] = "logits"
    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    onehot = np.zeros(h.shape, dtype=np.float32)
    onehot[np.arange(len(labels)), labels] = 1.0
    shift = tp.tensor(h.detach().numpy().max(axis=1, keepdims=True))
    names[shift] = "row max"
    s = h - shift
    log_probs = s - s.exp().sum(dim=1, keepdim=True).log()
    target = tp.tensor(onehot)
    names[target] = "one-hot y"
    loss = -(log_probs * target).sum() / float(len(labels))
    names[loss] = "loss"
    return loss


def graph_of_run(
    run,
    *,
    batch_size: int = 4,
    split: str = "test",
    show_values: bool = False,
    max_nodes: int = 500,
    rankdir: str = "TB",
    size=(7.5, 10),
) -> Graph:
    """Draw one batch through a run's model: one node per op, shapes and gradients.

    ``run``: a :class:`~tinyprop.train.Run` (fresh or trained) or a run directory written
    by ``tinyprop train`` (loaded with its trained weights through
    :func:`tinyprop.train.load_run`). The first ``batch_size`` rows of ``split``
    ("train", "val" or "test") go through :func:`elementary_loss`; every intermediate
    tensor retains its gradient and ``backward`` runs, so each tensor node shows its
    shape and gradient (mean/min/max, or the values for tiny tensors). The model's
    weights are not changed. ``size``: the page in inches the drawing is scaled down to
    fit (``None``: natural size). Returns the :class:`Graph` (``graph.loss`` is the batch
    loss); ``graph.render("graph.svg")`` draws it.

    >>> import tinyprop as tp
    >>> from tinyprop.train import Run, TrainConfig
    >>> g = graph_of_run(Run(TrainConfig(data="circles"), verbose=False), batch_size=2)
    >>> "rankdir=TB" in g.dot, "MatMul" in g.dot, "grad None" in g.dot
    (True, True, False)
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(run, (str, os.PathLike)):
        from ..train import load_run

        run = load_run(run)
    if not hasattr(run, "data") or not hasattr(run, "model"):
        raise TypeError(
            f"graph_of_run needs a tinyprop.train.Run or a run directory, got "
            f"{type(run).__name__}; e.g. graph_of_run('runs/20240101-000000-digits-mlp')"
        )
    d = run.data
    if split == "val" and not d.has_val:
        split = "test"
    xb, yb = next(iter(d.loader(split, batch_size=batch_size, shuffle=False)))
    xb = np.asarray(xb).reshape(len(xb), -1)
    names: dict = {}
    if hasattr(run.model, "named_parameters"):
        names.update({p: n for n, p in run.model.named_parameters()})
    saved = _param_grads(run.model)
    try:
        loss = elementary_loss(run.model, xb, yb, names=names)
        retain_grads(loss)
        loss.backward()
        graph = draw_graph(loss, show_values=show_values, show_grads=True,
                           max_nodes=max_nodes, names=names, rankdir=rankdir, size=size)
    finally:
        for p, g in saved:  # leave the model as found: no gradients from the drawing
            p.grad = g
    graph.loss = float(loss.item())
    return graph


def _param_grads(model) -> list[tuple]:
    """``[(parameter, its .grad)]`` of an autograd model (empty for the manual engine)."""
    params = model.parameters() if hasattr(model, "named_parameters") else ()
    return [(p, p.grad) for p in params if isinstance(p, Tensor)]
