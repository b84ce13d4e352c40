"""Draw a tensor's computation graph (in the spirit of micrograd's pictures).

:func:`draw_graph` walks ``grad_fn`` links from a tensor back to the leaves with an
explicit queue (no recursion, so graphs thousands of ops deep work) and returns a
:class:`Graph` holding Graphviz DOT text. ``Graph.render`` turns it into SVG/PNG/PDF
with Graphviz's ``dot`` program; ``Graph.dot`` needs nothing installed.

Picture (micrograd's ``draw_dot`` view): one record node per tensor (name, shape and
dtype, optionally values and gradients) and one ellipse per op (``MatMul``, ``Add``,
``Tanh``, ...), with edges input -> op -> output, laid out top-down by default so a
deep graph fits a page. Parameters (leaves that require grad) are blue, constants (no
``requires_grad``) grey and dashed, the tensor drawn from green.

Intermediate tensors keep no ``.grad`` after ``backward`` unless asked; call
:func:`retain_grads` on the output *before* ``backward`` to see every tensor's gradient.
:func:`tinyprop.viz.graph_of_run` draws one batch through a (trained) run's model.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._atomic import atomic_write_path
from ..errors import TinypropError
from ..tensor import Tensor
from ._checks import check_positive_int

RENDER_FORMATS = ("svg", "png", "pdf", "dot", "gv")
_MISSING_DOT = (
    "Graphviz's `dot` was not found; install it (Debian: apt-get install graphviz) "
    "or use .dot to get the DOT text"
)
_SMALL = 6  # tensors with at most this many elements show their values in full

_STYLE_PARAM = 'style=filled, fillcolor="#cfe2ff"'
_STYLE_CONST = 'style="filled,dashed", fillcolor="#eeeeee", fontcolor="#555555"'
_STYLE_INTER = "style=solid"
_STYLE_ROOT = 'style="filled,bold", fillcolor="#d1e7dd"'
_STYLE_OP = 'shape=ellipse, style=filled, fillcolor="#fff3cd"'


class GraphvizError(TinypropError, RuntimeError):
    """Graphviz's ``dot`` could not draw the graph (it failed or took too long)."""


class GraphvizNotFoundError(GraphvizError):
    """Raised by :meth:`Graph.render` when Graphviz's ``dot`` is not on PATH.

    >>> try:
    ...     raise GraphvizNotFoundError(_MISSING_DOT)
    ... except RuntimeError as e:
    ...     print(type(e).__name__, str(e)[:30])
    GraphvizNotFoundError Graphviz's `dot` was not found
    """


def escape_record(text) -> str:
    """Escape text for one field of a DOT record label inside a double-quoted string."""
    out = []
    for ch in str(text):
        if ch in '\\{}|<>"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch in "\r\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def escape_string(text) -> str:
    """Escape text for a plain double-quoted DOT string (non-record labels)."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fmt_array(arr) -> str:
    a = np.asarray(arr)
    if a.size == 0:
        return "[]"
    if a.size == 1:
        v = a.reshape(()).item()
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    if a.size <= _SMALL:
        return np.array2string(a, precision=4, separator=", ", max_line_width=1000)
    if a.dtype.kind in "biuf":
        a = a.astype(np.float64)
        return f"mean {a.mean():.4g}, min {a.min():.4g}, max {a.max():.4g}"
    return f"{a.size} values"  # pragma: no cover - non-numeric tensors


def _normalize_names(names) -> dict[int, str]:
    """{id(tensor): name} from {tensor or id: name} or {name: tensor} (named_parameters)."""
    if names is None:
        return {}
    items = names.items() if isinstance(names, Mapping) else names
    out = {}
    try:
        for key, value in items:
            if isinstance(key, str) and isinstance(value, Tensor):
                key, value = value, key
            if isinstance(key, Tensor):
                out[id(key)] = str(value)
            elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
                out[int(key)] = str(value)
            else:
                raise TypeError(f"cannot use {type(key).__name__} as a name key")
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"names must map tensors (or their id()) to names, e.g. {{w1: 'w1'}}, or names to "
            f"tensors as dict(model.named_parameters()) does; {exc}"
        ) from None
    return out


class Graph:
    """A drawn computation graph: DOT text plus rendering through Graphviz.

    ``dot``: the DOT source. ``n_tensors``/``n_ops``: nodes drawn. ``total_nodes``:
    nodes in the whole graph; ``truncated``: whether ``max_nodes`` cut it.

    >>> import os, tempfile, tinyprop as tp
    >>> x = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> g = draw_graph((x * x).sum())
    >>> g, g.truncated, g.render(os.path.join(tempfile.mkdtemp(), "graph.dot")).name
    (<Graph: 3 tensors, 2 ops>, False, 'graph.dot')
    """

    def __init__(self, dot: str, n_tensors: int, n_ops: int, total_nodes: int) -> None:
        self.dot = dot
        self.n_tensors = n_tensors
        self.n_ops = n_ops
        self.total_nodes = total_nodes
        self.loss: float | None = None  # set by graph_of_run: the drawn batch's loss

    @property
    def truncated(self) -> bool:
        return self.total_nodes > self.n_tensors + self.n_ops

    def __str__(self) -> str:
        return self.dot

    def __repr__(self) -> str:
        cut = f", truncated from {self.total_nodes} nodes" if self.truncated else ""
        return f"<Graph: {self.n_tensors} tensors, {self.n_ops} ops{cut}>"

    def pipe(self, format: str = "svg", timeout: float = 60.0) -> bytes:
        """The graph rendered by ``dot`` as bytes (``format``: svg, png or pdf)."""
        fmt = _check_format(format)
        if fmt in ("dot", "gv"):
            return self.dot.encode("utf-8")
        exe = shutil.which("dot")
        if exe is None:
            raise GraphvizNotFoundError(_MISSING_DOT)
        try:
            proc = subprocess.run(
                [exe, f"-T{fmt}"],
                input=self.dot.encode("utf-8"),
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GraphvizError(
                f"Graphviz's dot did not finish within {timeout:g} s on a graph of "
                f"{self.n_tensors + self.n_ops} nodes; draw fewer nodes (max_nodes=) or "
                "pass a larger timeout"
            ) from None
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise GraphvizError(f"Graphviz's dot failed (exit {proc.returncode}): {err}")
        return proc.stdout

    def render(self, path, format=None, timeout: float = 60.0) -> Path:
        """Write the graph to ``path`` atomically and return it as a Path.

        ``format`` (svg, png, pdf, or dot/gv for the DOT text) defaults to the
        path's suffix. SVG/PNG/PDF need Graphviz's ``dot`` program.
        """
        p = Path(path)
        fmt = _check_format(format if format is not None else p.suffix.lstrip("."), path=p)
        data = self.pipe(fmt, timeout=timeout)

        def write(tmp):
            with open(tmp, "wb") as fh:
                fh.write(data)

        p.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_path(p, write)

    def _repr_svg_(self):
        """SVG for Jupyter when Graphviz is installed (None lets Jupyter fall back)."""
        if shutil.which("dot") is None:
            return None
        try:
            return self.pipe("svg").decode("utf-8")
        except RuntimeError:
            return None


def _check_format(fmt, path=None) -> str:
    f = str(fmt).lower().lstrip(".") if fmt is not None else ""
    if f not in RENDER_FORMATS:
        where = f" (from the path {str(path)!r})" if path is not None else ""
        raise ValueError(
            f"unknown graph format {fmt!r}{where}; expected one of {', '.join(RENDER_FORMATS)}; "
            "fix: pass format='svg' or a path ending in .svg/.png"
        )
    return f


def _walk(root: Tensor, limit: int):
    """Breadth-first walk from ``root``: kept tensors, kept ops and the total count.

    Nodes are numbered in discovery order and the first ``limit`` are kept, so a
    truncated picture shows the part of the graph nearest the output.
    """
    tensor_ids: dict[int, int] = {id(root): 0}
    tensors: list[Tensor] = [root]
    ops: list[tuple] = []  # (ctx, out tensor index, [parent tensor index or None])
    op_seen: dict[int, int] = {}
    count = 1
    queue = deque([root])
    while queue:
        t = queue.popleft()
        ctx = t.grad_fn
        if ctx is None:
            continue
        out_idx = tensor_ids[id(t)]
        if id(ctx) in op_seen:  # one op feeding several tensors (not made by apply today)
            if op_seen[id(ctx)] >= 0 and out_idx >= 0:
                ops[op_seen[id(ctx)]][3].append(out_idx)
            continue
        op_kept = count < limit
        count += 1
        parent_idx = []
        for parent in ctx.parents or ():
            if not isinstance(parent, Tensor):
                continue
            key = id(parent)
            if key not in tensor_ids:
                tensor_ids[key] = len(tensors) if count < limit else -1
                if tensor_ids[key] >= 0:
                    tensors.append(parent)
                count += 1
                queue.append(parent)
            parent_idx.append(tensor_ids[key])
        if op_kept:
            op_seen[id(ctx)] = len(ops)
            ops.append((ctx, out_idx, parent_idx, [out_idx]))
        else:
            op_seen[id(ctx)] = -1
    return tensors, tensor_ids, ops, count


def draw_graph(
    tensor,
    show_values=False,
    show_grads=False,
    max_nodes=500,
    names=None,
    rankdir="TB",
    size=None,
) -> Graph:
    """Draw the computation graph that produced ``tensor`` (see the module docstring).

    ``show_values``/``show_grads``: print values and ``.grad`` in each tensor node
    (in full for tensors of at most 6 elements, else mean/min/max). ``max_nodes``:
    tensors plus ops drawn; past it the picture keeps the part nearest ``tensor`` and
    says so. ``names``: ``{tensor or id(tensor): "w1"}`` or ``{"w1": tensor}`` (such
    as ``dict(model.named_parameters())``). ``rankdir``: "TB" (top-down, the default:
    fits a page) or "LR" (left to right); "BT" and "RL" also work. For gradients of
    intermediate tensors, call :func:`retain_grads` before ``backward``. ``size``:
    ``(width, height)`` in inches; a larger drawing is scaled down to fit (``(7.5, 10)``
    fits a printed page).

    >>> import tinyprop as tp
    >>> w = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> g = draw_graph((w * 3.0).tanh().sum(), names={"w": w})
    >>> g.n_tensors, g.n_ops, "{w | (2,) float32}" in g.dot  # sum, tanh, mul; w is named
    (4, 3, True)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"draw_graph needs a tinyprop Tensor, got {type(tensor).__name__}; "
            "pass the output of a computation, e.g. loss"
        )
    limit = check_positive_int(max_nodes, "max_nodes")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    labels = _normalize_names(names)
    tensors, _ids, ops, total = _walk(tensor, limit)
    hidden = _hidden_inputs(tensors, ops)
    lines = [
        "digraph tinyprop {",
        f"  graph [rankdir={rankdir}, fontname=Helvetica, fontsize=11{_size_attr(size)}];",
        "  node [shape=record, fontname=Helvetica, fontsize=10, height=0.3];",
        "  edge [arrowsize=0.7];",
    ]
    for i, t in enumerate(tensors):
        fields = _tensor_fields(t, labels, show_values, show_grads, i in hidden)
        lines.append(_tensor_node_line(i, t, fields, rankdir))
    for j, (ctx, _out, parents, outs) in enumerate(ops):
        lines.extend(_op_lines(j, ctx, parents, outs))
    lines.extend(_truncation_lines(len(tensors) + len(ops), total))
    lines.append("}")
    text = "\n".join(lines) + "\n"
    return Graph(text, n_tensors=len(tensors), n_ops=len(ops), total_nodes=total)


def _size_attr(size) -> str:
    """``, size="W,H"`` for the graph attributes (empty for None)."""
    if size is None:
        return ""
    try:
        w, h = (float(v) for v in size)
    except (TypeError, ValueError):
        raise TypeError(f"size must be (width, height) in inches, got {size!r}") from None
    if not (w > 0 and h > 0):
        raise ValueError(f"size must be positive inches, got {size!r}")
    return f', size="{w:g},{h:g}"'


def _hidden_inputs(tensors, ops) -> set[int]:
    """Tensors drawn without their op, or whose op lost some inputs to max_nodes."""
    drawn_outputs = {out for op in ops for out in op[3]}
    hidden = {i for i, t in enumerate(tensors) if t.grad_fn is not None and i not in drawn_outputs}
    for _ctx, _out, parents, outs in ops:
        if any(p < 0 for p in parents):
            hidden.update(outs)
    return hidden


def _tensor_fields(t, labels, show_values, show_grads, inputs_hidden) -> list[str]:
    """The escaped record fields of one tensor node: name, shape/dtype, values, grad."""
    fields = []
    if id(t) in labels:
        fields.append(escape_record(labels[id(t)]))
    shape = "scalar" if t._data.ndim == 0 else str(tuple(t._data.shape))
    fields.append(escape_record(f"{shape} {t._data.dtype}"))
    if show_values:
        fields.append(escape_record("data " + _fmt_array(t._data)))
    if show_grads and not t.requires_grad:
        fields.append(escape_record("constant (no grad)"))
    elif show_grads:
        g = t.grad
        g = None if g is None else (g._data if isinstance(g, Tensor) else g)
        fields.append(escape_record("grad " + ("None" if g is None else _fmt_array(g))))
    if inputs_hidden:
        fields.append(escape_record("(inputs not drawn)"))
    return fields


def _tensor_style(i, t) -> str:
    """Root green, intermediates plain, parameters blue, constants grey and dashed."""
    if i == 0:
        return _STYLE_ROOT
    if t.grad_fn is not None:
        return _STYLE_INTER
    if t.requires_grad:
        return _STYLE_PARAM
    return _STYLE_CONST


def _tensor_node_line(i, t, fields, rankdir) -> str:
    """The DOT line for tensor node ``t{i}``."""
    # Braces: fields stacked top to bottom in TB/BT (narrow nodes), side by side in LR/RL.
    label = "{" + " | ".join(fields) + "}"
    return f'  t{i} [label="{label}", {_tensor_style(i, t)}];'


def _op_lines(j, ctx, parents, outs) -> list[str]:
    """The DOT lines for op node ``op{j}`` and its input/output edges."""
    name = ctx.fn.__name__ if getattr(ctx, "fn", None) is not None else "op"
    if name.endswith("Backward"):
        name = name[: -len("Backward")]
    lines = [f'  op{j} [label="{escape_string(name)}", {_STYLE_OP}];']
    for p in parents:
        if p >= 0:
            lines.append(f"  t{p} -> op{j};")
    for out in outs:
        lines.append(f"  op{j} -> t{out};")
    return lines


def _truncation_lines(shown, total) -> list[str]:
    """A graph label saying what ``max_nodes`` cut (nothing when all is drawn)."""
    if total <= shown:
        return []
    note = (
        f"graph truncated: showing {shown} of {total} nodes nearest the output; "
        f"pass max_nodes={total} to draw all"
    )
    return [f'  label="{escape_string(note)}";', "  labelloc=t;"]
