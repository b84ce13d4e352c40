"""Comparing tinyprop's result, in-place updates and gradients with PyTorch's reference, and
classifying what tinyprop raised (see ``opinfo.py`` for the whole harness)."""

from __future__ import annotations

import numbers
import re

import numpy as np
import torch

import tinyprop as tp

from .opinfo_samples import _fill, _np_of, _outputs, _Reference, _sort_unique, _tp_np
from .opinfo_table import _NP_DTYPES, META_ONLY, Form

RTOL = 1e-7
ATOL = 1e-7
_NOT_SUPPORTED = re.compile(r"not (yet )?supported|unsupported|not implemented", re.IGNORECASE)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= 200 else line[:197] + "..."


def classify(exc: BaseException, stage: str = "") -> tuple[str, str]:
    """(status, reason) for an exception tinyprop raised: not-supported or error."""
    message = _first_line(exc)
    reason = f"{stage}{type(exc).__name__}: {message}"
    if isinstance(exc, NotImplementedError) or "NotSupported" in type(exc).__name__:
        return "not-supported", reason
    if isinstance(exc, (TypeError, ValueError)) and _NOT_SUPPORTED.search(message):
        return "not-supported", reason
    return "error", reason


def _diff(expected: np.ndarray, got: np.ndarray) -> str | None:
    """None when equal (floats: to tolerance, NaN equal to NaN), else what differs."""
    if expected.dtype.kind in "fc":
        got = got.astype(expected.dtype, copy=False)
        if np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            return None
        if not np.array_equal(np.isnan(got), np.isnan(expected)):
            return "NaN pattern differs"
        with np.errstate(all="ignore"):
            err = np.abs(got - expected)
        return f"max abs err {np.nanmax(np.where(np.isfinite(err), err, np.inf)):.2g}"
    if np.array_equal(got, expected):
        return None
    n = int(np.sum(got != expected)) if got.shape == expected.shape else expected.size
    return f"{n} of {expected.size} elements differ"


def _compare(t, p, where: str, meta: bool) -> str | None:
    """Why tinyprop's result ``p`` differs from torch's ``t``, or None."""
    if isinstance(t, torch.Tensor):
        if not isinstance(p, tp.Tensor):
            return f"{where}: returns {type(p).__name__}, torch returns a Tensor"
        if tuple(p.shape) != tuple(t.shape):
            return f"{where}: shape differs (tinyprop {tuple(p.shape)}, torch {tuple(t.shape)})"
        got = _tp_np(p)
        if got.dtype != _NP_DTYPES.get(t.dtype):
            return f"{where}: dtype differs (tinyprop {got.dtype}, torch {t.dtype})"
        if bool(p.requires_grad) != t.requires_grad:
            return (f"{where}: requires_grad differs (tinyprop {bool(p.requires_grad)}, "
                    f"torch {t.requires_grad})")
        if meta:
            return None
        diff = _diff(_np_of(t), got)
        return None if diff is None else f"{where}: values differ ({diff})"
    if isinstance(t, (tuple, list)):
        if not isinstance(p, (tuple, list)):
            return f"{where}: returns {type(p).__name__}, torch returns a tuple of {len(t)}"
        if len(p) != len(t):
            return f"{where}: returns {len(p)} results, torch returns {len(t)}"
        for field in getattr(type(t), "__match_args__", ()):
            if not hasattr(p, field):
                return f"{where}: result has no .{field} (torch returns a named tuple)"
        for i, (ti, pi) in enumerate(zip(t, p)):
            reason = _compare(ti, pi, f"{where}[{i}]", meta)
            if reason:
                return reason
        return None
    if isinstance(t, numbers.Number):
        kinds = ((bool, (bool, np.bool_)), (numbers.Integral, numbers.Integral),
                 (numbers.Real, numbers.Real))
        want = next(ok for kind, ok in kinds if isinstance(t, kind))
        if not isinstance(p, want) or (want is numbers.Integral and isinstance(p, bool)):
            return f"{where}: returns {type(p).__name__}, torch returns {type(t).__name__}"
        diff = None if meta else _diff(np.asarray(t), np.asarray(p))
        return None if diff is None else f"{where}: value differs ({p!r}, torch {t!r})"
    same = type(p) is type(t) and bool(t == p)
    return None if same else f"{where}: returns {p!r}, torch returns {t!r}"


def _compare_inputs(ref: _Reference, leaves: list, paths: list) -> str | None:
    for k, leaf in enumerate(leaves):
        diff = _diff(ref.after[k], _tp_np(leaf))
        if diff is None:
            continue
        if _diff(ref.after[k], ref.before[k]) is None:
            return f"{paths[k]}: changed in place, torch leaves it unchanged ({diff})"
        return f"{paths[k]}: in-place update differs from torch's ({diff})"
    return None


def _compare_grads(ref: _Reference, out, leaves: list, paths: list) -> tuple[str, str] | None:
    outs = _outputs(out)
    live = [(outs[j], c) for j, c in ref.cotangents.items()
            if isinstance(outs[j], tp.Tensor) and outs[j].requires_grad]
    try:
        for o, c in live:
            o.backward(tp.tensor(c), retain_graph=True)
    except Exception as exc:  # noqa: BLE001 - every failure is reported
        return classify(exc, "backward: ")
    for k, expected in enumerate(ref.grads):
        if expected is None:
            continue
        grad = leaves[k].grad
        if grad is None:
            if np.any(expected != 0):
                return "mismatch", f"grad[{paths[k]}]: none, torch's is nonzero"
            continue
        got = _tp_np(grad)
        if got.shape != expected.shape:
            return "mismatch", (f"grad[{paths[k]}]: shape differs (tinyprop {got.shape}, "
                                f"torch {expected.shape})")
        diff = _diff(expected, got)
        if diff:
            return "mismatch", f"grad[{paths[k]}]: values differ ({diff})"
    return None


def _is_meta(name: str, sample) -> bool:
    if name in META_ONLY:
        return True
    if name == "nn.functional.dropout":  # random unless p is 0 or 1, or not training
        p, training = sample.kwargs.get("p", 0.5), sample.kwargs.get("training", True)
        return bool(training) and p not in (0, 1)
    return False


def _run_form(form: Form, template, ref: _Reference, tensors, paths, meta,
              unordered: bool = False) -> tuple[str, str]:
    leaves = [tp.tensor(ref.before[k].copy(), requires_grad=bool(t.requires_grad))
              for k, t in enumerate(tensors)]
    inp, args, kwargs = _fill(template, leaves, for_tinyprop=True)
    try:
        with tp.enable_grad():
            out = form.call(inp, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported
        return classify(exc)
    try:
        if unordered and isinstance(out, (tp.Tensor, tuple, list)):
            out = _sort_unique(out, kwargs)
        reason = _compare(ref.out, out, "output", meta)
        if reason is None and not meta:
            reason = _compare_inputs(ref, leaves, paths)
        if reason is not None:
            return "mismatch", reason
        if not meta:
            return _compare_grads(ref, out, leaves, paths) or ("pass", "")
    except Exception as exc:  # noqa: BLE001
        return "error", classify(exc, "reading the result: ")[1]
    return "pass", ""

