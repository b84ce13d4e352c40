"""``pad``: PyTorch's ``F.pad`` (flat widths from the last dimension, negative widths
crop) in the four modes constant, reflect, replicate and circular, with gradients."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_choice, check_int, describe
from ..function import Function
from ..tensor import Tensor
from ._registry import register
from ._util import as_tensor_arg
from .shape import IndexAdd


class Pad(Function):
    """PyTorch's ``pad`` with per-axis ``(before, after)`` widths (negative crops).

    ``constant`` and ``circular`` crop first, then pad (circular wraps the cropped
    values); ``reflect`` and ``replicate`` pad from the whole input, then crop, as
    PyTorch. Constant backward slices the gradient out; the other modes gather with an
    index per axis (``_source_index``), so backward scatter-adds along each axis in
    reverse order.
    """

    @staticmethod
    def forward(ctx, a, widths, mode, value):
        ctx.in_shape, ctx.widths, ctx.mode = a.shape, widths, mode
        if mode == "constant":
            crop = tuple(slice(max(-lo, 0), n - max(-hi, 0))
                         for (lo, hi), n in zip(widths, a.shape))
            grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
            return np.pad(a[crop], grow, mode="constant", constant_values=value)
        ctx.index = index = [None if w == (0, 0) else _source_index(n, *w, mode)
                             for w, n in zip(widths, a.shape)]
        out = a
        for axis, idx in enumerate(index):
            if idx is not None:
                out = np.take(out, idx, axis=axis)
        return out

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "constant":  # input i sits at output i + before, where it survives
            src, dst = [], []
            for (lo, _), n, m in zip(ctx.widths, ctx.in_shape, g.shape):
                start, stop = max(0, -lo), min(n, m - lo)
                if stop <= start:
                    return np.zeros(ctx.in_shape, dtype=g.dtype), None, None, None
                dst.append(slice(start, stop))
                src.append(slice(start + lo, stop + lo))
            return IndexAdd.call(g[tuple(src)], ctx.in_shape, tuple(dst)), None, None, None
        for axis in reversed(range(len(ctx.in_shape))):
            idx = ctx.index[axis]
            if idx is None:
                continue
            shape = list(g.shape)
            shape[axis] = ctx.in_shape[axis]
            g = IndexAdd.call(g, tuple(shape), (slice(None),) * axis + (idx,))
        return g, None, None, None


def _source_index(n: int, lo: int, hi: int, mode: str):
    """For each output position along one axis, the input position it copies."""
    if mode == "circular":  # crop, then wrap around the kept part
        start, length = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        j = np.arange(length + max(lo, 0) + max(hi, 0))
        return start + (j - max(lo, 0)) % length if length else j
    p = np.arange(n + lo + hi) - lo  # position in the input's coordinates
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    p = np.abs(p)  # reflect about the first element, then about the last
    return np.where(p > n - 1, 2 * (n - 1) - p, p)


# ---- public functions -----------------------------------------------------------


PAD_MODES = ("constant", "reflect", "replicate", "circular")


@register(method=True)
def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad (or, with negative widths, crop) as ``torch.nn.functional.pad``.

    ``pad`` is a flat ``(left, right, top, bottom, front, back, ...)`` sequence: pairs
    of widths starting from the **last** dimension. ``mode`` is ``'constant'`` (fill
    with ``value``, default 0), ``'reflect'`` (mirror without repeating the edge),
    ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around). Every mode works
    on any dimensions (PyTorch's non-constant modes take only the last 1-3 dimensions
    of a 2-D to 5-D input); the gradient flows back through all of them.

    >>> import tinyprop as tp
    >>> x = tp.tensor([[1.0, 2.0, 3.0]])
    >>> tp.pad(x, (1, 2)).tolist()
    [[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]
    >>> tp.pad(x, (2, 1), mode="reflect").tolist(), tp.pad(x, (-1, 0)).tolist()
    ([[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]], [[2.0, 3.0]])
    """
    a = as_tensor_arg(input)
    widths = _pad_widths(pad, a.ndim)
    if type(mode) is not str or mode != "constant":
        fix = None if isinstance(mode, str) else (
            "the third argument is the mode, as in PyTorch: pass the fill value by keyword, "
            "pad(x, p, value=...)")
        check_choice(mode, "pad: mode", PAD_MODES, fix=fix)
    if mode != "constant" and value is not None:
        raise ValueError(
            f"pad: mode {mode!r} takes no value (only 'constant' fills with one); drop value="
        )
    for axis, ((lo, hi), n) in enumerate(zip(widths, a.shape)):
        _check_pad_axis(axis, n, lo, hi, mode)
    return Pad.apply(a, tuple(widths), mode, 0 if value is None else value)


def _pad_widths(pad, ndim: int) -> list:
    """PyTorch's flat pad sequence as NumPy-style (before, after) pairs for every axis."""
    if isinstance(pad, (Tensor, numbers.Number)) or not hasattr(pad, "__len__"):
        raise TypeError(
            f"pad: pad must be a tuple of ints (left, right, top, bottom, ...) starting from "
            f"the last dimension, got {pad!r}; e.g. pad(x, (1, 1)) pads the last dimension"
        )
    items = list(pad)
    if items and all(isinstance(p, (tuple, list)) and len(p) == 2 for p in items):
        flat = tuple(int(v) for p in reversed(items) for v in p)
        raise TypeError(
            f"pad: pad is PyTorch's flat tuple starting from the last dimension, not NumPy's "
            f"(before, after) pairs per axis; for {pad!r} use pad(x, {flat})"
        )
    for i, p in enumerate(items):
        if type(p) is not int:  # the common case skips the check
            check_int(p, f"pad: pad[{i}]",
                      fix=f"pad holds ints, such as (1, 1); pad was {describe(pad)}")
    if len(items) % 2 or len(items) // 2 > ndim:
        raise ValueError(
            f"pad: pad needs an even number of widths, at most 2 per dimension ({2 * ndim} "
            f"for this {ndim}-d input), got {len(items)}: {tuple(items)}"
        )
    widths = [(0, 0)] * ndim
    for k in range(len(items) // 2):
        widths[ndim - 1 - k] = (int(items[2 * k]), int(items[2 * k + 1]))
    return widths


def _check_pad_axis(axis: int, n: int, lo: int, hi: int, mode: str) -> None:
    where = f"pad: dimension {axis} of size {n} with widths ({lo}, {hi})"
    if n + lo + hi < 0 or (mode in ("constant", "circular") and n + min(lo, 0) + min(hi, 0) < 0):
        raise ValueError(f"{where}: negative widths crop more than the dimension holds")
    if mode == "reflect" and ((lo > 0 and lo >= n) or (hi > 0 and hi >= n)):
        raise ValueError(
            f"{where}: mode 'reflect' needs each width smaller than the dimension ({n}); "
            "use mode='replicate' or 'constant' for wider padding"
        )
    if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
        raise ValueError(f"{where}: mode 'replicate' cannot pad an empty dimension")
    kept = n - max(-lo, 0) - max(-hi, 0)
    if mode == "circular" and (lo > kept or hi > kept):
        raise ValueError(
            f"{where}: mode 'circular' wraps around at most once, so each width must be "
            f"at most the size left after cropping ({kept})"
        )
