"""How a Tensor prints: PyTorch's layout, so course output reads the same.

Floats print with 4 decimals, all of a tensor's values to one width; a tensor whose
finite values are all whole numbers prints them as ``1.``; values spanning more than
three orders of magnitude (or above 1e8, or below 1e-4) switch to scientific notation.
Rows wrap at 80 columns and tensors of more than 1000 elements are summarised with
``...`` (3 items at each edge), as ``torch.tensor`` prints.
"""

from __future__ import annotations

import math

import numpy as np

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    """Decides one number format for all the values shown, and pads to one width."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind in "fc"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.ravel()
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            strs = (f"{v:.{PRECISION}e}" if self.sci_mode else f"{v:.0f}." for v in finite.tolist())
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            fmt = "e" if self.sci_mode else "f"
            strs = (f"{v:.{PRECISION}{fmt}}" for v in finite.tolist())
        self.width = max(len(s) for s in strs)

    def format(self, value) -> str:
        if not self.floating:
            s = str(value)
        elif self.sci_mode:
            s = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            s = f"{value:.0f}"
            if math.isfinite(value):
                s += "."
        else:
            s = f"{value:.{PRECISION}f}"
        return " " * (self.width - len(s)) + s


def _summarized(a: np.ndarray) -> np.ndarray:
    """The values a summarised print shows: the edges of every dimension."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    return np.stack([_summarized(x) for x in a]) if a.ndim > 1 else a


def _body(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        items = [fmt.format(v) for v in a.tolist()]
        if summarize and len(items) > 2 * EDGEITEMS:
            items = items[:EDGEITEMS] + [" ..."] + items[-EDGEITEMS:]
        per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = [_body(a[i], fmt, indent + 1, summarize) for i in range(EDGEITEMS)] + ["..."]
        rows += [_body(a[i], fmt, indent + 1, summarize) for i in range(n - EDGEITEMS, n)]
    else:
        rows = [_body(a[i], fmt, indent + 1, summarize) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_repr(a: np.ndarray, suffixes: list[str], prefix: str = "tensor(") -> str:
    """``tensor([...], dtype=..., grad_fn=...)`` for the array ``a``."""
    indent = len(prefix)
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes = [f"size={tuple(a.shape)}"] + suffixes
    else:
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _body(a, fmt, indent, summarize)
    out = prefix + body
    for suffix in suffixes:
        last = out.rsplit("\n", 1)[-1]
        if len(last) + len(suffix) + 2 > LINEWIDTH:
            out += ",\n" + " " * indent + suffix
        else:
            out += ", " + suffix
    return out + ")"
