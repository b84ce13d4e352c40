"""Converting an OpInfo ``SampleInput`` for PyTorch and for tinyprop, and PyTorch's reference
result and gradients for it (see ``opinfo.py`` for the whole harness)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import tinyprop as tp

from .opinfo_table import _NP_DTYPES, _SHORT

# ---------------------------------------------------------------- converting samples


class _Slot:
    """Stands for the k-th distinct tensor of a sample inside its argument structure."""

    __slots__ = ("k",)

    def __init__(self, k: int):
        self.k = k


def _rebuild(obj, items):
    return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)


def _template(obj, tensors: list, paths: list, path: str):
    """``obj`` with each distinct tensor replaced by a slot (``tensors[k]``, named ``paths[k]``)."""
    if isinstance(obj, torch.Tensor):
        for k, t in enumerate(tensors):
            if t is obj:
                return _Slot(k)
        tensors.append(obj)
        paths.append(path)
        return _Slot(len(tensors) - 1)
    if isinstance(obj, (list, tuple)) and not isinstance(obj, torch.Size):
        return _rebuild(obj, [_template(v, tensors, paths, f"{path}[{i}]")
                              for i, v in enumerate(obj)])
    if isinstance(obj, dict):
        return {k: _template(v, tensors, paths, f"{path}[{k!r}]") for k, v in obj.items()}
    return obj


def _fill(obj, values: list, for_tinyprop: bool):
    """The template with its slots filled; for tinyprop ``torch.Size`` becomes a tuple and
    a ``torch.dtype`` a NumPy dtype."""
    if isinstance(obj, _Slot):
        return values[obj.k]
    if isinstance(obj, torch.Size):
        return tuple(obj) if for_tinyprop else obj
    if isinstance(obj, torch.dtype):
        return _NP_DTYPES.get(obj, obj) if for_tinyprop else obj
    if isinstance(obj, (list, tuple)):
        return _rebuild(obj, [_fill(v, values, for_tinyprop) for v in obj])
    if isinstance(obj, dict):
        return {k: _fill(v, values, for_tinyprop) for k, v in obj.items()}
    return obj


def _short(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"{_SHORT.get(x.dtype, str(x.dtype))}[{','.join(map(str, x.shape))}]"
    if isinstance(x, torch.Size):
        x = tuple(x)
    if isinstance(x, list):
        return "[" + ", ".join(_short(v) for v in x) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(_short(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, float):
        text = f"{x:.4g}"
        return text if any(c in text for c in ".ein") else text + ".0"
    if isinstance(x, slice):
        parts = ["" if v is None else str(v) for v in (x.start, x.stop, x.step)]
        return ":".join(parts[:2] if x.step is None else parts)
    if x is Ellipsis:
        return "..."
    return str(x) if isinstance(x, torch.dtype) else repr(x)


def describe(sample) -> str:
    """A short, deterministic text of a sample's arguments (shapes, not values)."""
    parts = [_short(sample.input), *(_short(a) for a in sample.args)]
    parts += [f"{k}={_short(v)}" for k, v in sample.kwargs.items()]
    return ", ".join(parts)


def _np_of(t: torch.Tensor) -> np.ndarray:
    return t.detach().resolve_conj().resolve_neg().numpy().copy()


def _tp_np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


# ---------------------------------------------------------------- the PyTorch reference


@dataclass
class _Reference:
    before: list  # each input tensor's value before the call
    after: list  # ... and after it (in-place updates such as running statistics)
    out: object
    cotangents: dict  # output position -> upstream gradient
    grads: list  # per input tensor: torch's gradient, None where not differentiable


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _unordered_unique(name: str, sample) -> bool:
    """unique(sorted=False) over all elements leaves the order of the result open."""
    kwargs = sample.kwargs
    return name == "unique" and not kwargs.get("sorted", True) and kwargs.get("dim") is None


def _sort_unique(out, kwargs: dict):
    """tinyprop's unique(sorted=False) result in ascending order, for comparing."""
    parts = _outputs(out)
    if len(parts) != 1 + bool(kwargs.get("return_inverse")) + bool(kwargs.get("return_counts")):
        return out  # the structure check reports it
    values = _tp_np(parts[0])
    order = np.argsort(values, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    fixed = [values[order]]
    if kwargs.get("return_inverse"):
        inverse = _tp_np(parts[1])
        fixed.append(rank[inverse].astype(inverse.dtype))
    if kwargs.get("return_counts"):
        fixed.append(_tp_np(parts[-1])[order])
    fixed = [tp.tensor(a) for a in fixed]
    return fixed[0] if len(fixed) == 1 else tuple(fixed)


def _reference(opinfo, sample, template, tensors: list, seed: int) -> _Reference:
    """PyTorch's result and gradients, on fresh leaf copies of the sample's tensors (so
    views and layouts in the sample cannot change what autograd reports)."""
    before = [_np_of(t) for t in tensors]
    fresh = [torch.from_numpy(b.copy()).requires_grad_(t.requires_grad)
             for b, t in zip(before, tensors)]
    inp, args, kwargs = _fill(template, fresh, for_tinyprop=False)
    if _unordered_unique(opinfo.name, sample):
        kwargs["sorted"] = True  # compared with tinyprop's result put in ascending order
    out = opinfo.op(inp, *args, **kwargs)
    if out is NotImplemented:  # torch's reflected operators refuse some operands this way
        raise TypeError("torch returned NotImplemented")
    outs = _outputs(out)
    rng = np.random.default_rng(seed)
    live = [j for j, o in enumerate(outs) if isinstance(o, torch.Tensor) and o.requires_grad]
    cotangents = {j: rng.standard_normal(tuple(outs[j].shape)).astype(_NP_DTYPES[outs[j].dtype])
                  for j in live}
    wrt = [k for k, t in enumerate(fresh) if t.requires_grad]
    grads = [None] * len(tensors)
    if live and wrt:
        got = torch.autograd.grad([outs[j] for j in live], [fresh[k] for k in wrt],
                                  [torch.from_numpy(cotangents[j]) for j in live],
                                  allow_unused=True)
        for k, g in zip(wrt, got):
            grads[k] = np.zeros(before[k].shape) if g is None else _np_of(g)
    return _Reference(before, [_np_of(t) for t in fresh], out, cotangents, grads)

