"""The in-place steps optimizers' ``_update`` functions are written with (PyTorch's
``lerp_`` / ``mul_`` / ``add_`` / ``addcdiv_`` shape).

``tmp`` is a scratch array shaped like the operands; a helper may overwrite it (and may
take it as an input, too). Scaling by exactly 1 is skipped: it changes no bit.
"""

from __future__ import annotations

import numpy as np

from .. import _jit
from ..kernels import _compiled, _flat_pair


def lerp_(start, end, weight: float, tmp) -> None:
    """``start += weight * (end - start)`` in place, rounded as PyTorch's ``lerp_``
    (which switches to ``end - (1 - weight) * (end - start)`` for weight >= 0.5)."""
    np.subtract(end, start, out=tmp)
    if weight < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)


def _mul_add_(buf, decay: float, x, weight: float, tmp):
    """``buf = decay * buf + weight * x`` in place (torch: ``buf.mul_(decay).add_(x,
    alpha=weight)``); returns ``buf``."""
    if decay != 1.0:
        buf *= decay
    if weight != 1.0:
        x = np.multiply(x, weight, out=tmp)
    buf += x
    return buf


def _mul_add_sq_(v, decay: float, g, weight: float, tmp):
    """``v = decay * v + weight * g²`` in place (torch: ``v.mul_(decay).addcmul_(g, g,
    value=weight)``); returns ``v``."""
    if decay != 1.0:
        v *= decay
    return _mul_add_(v, 1.0, np.square(g, out=tmp), weight, tmp)


def _add_scaled(x, y, alpha: float, out):
    """``x + alpha * y`` into ``out``, which must not be ``x`` (torch: ``x.add(y,
    alpha=alpha)``); returns ``out``."""
    np.multiply(y, alpha, out=out)
    out += x
    return out


def _sub_scaled_compiled(p, x, lr: float) -> bool:
    """``p -= lr * x`` in one numba pass, the same rounding as NumPy's (``lr`` cast to
    ``p``'s dtype first, as NumPy casts a Python float); False, with ``p`` untouched,
    where that route does not apply (NumPy only, small or mismatched arrays)."""
    k = _jit.state
    if (k is not None and (k := _compiled(k, p.size, least=_jit.MIN_IN_PLACE)) is not None
            and _flat_pair(p, x) and p.flags.writeable):
        k.sub_scaled_(p, x, p.dtype.type(lr))
        return True
    return False


def _sub_scaled_(p, x, lr: float, tmp) -> None:
    """``p -= lr * x`` in place (torch: ``p.add_(x, alpha=-lr)``); ``x`` may be ``tmp``.
    With numba (the ``fast`` extra) it is one compiled pass with no product array
    (:func:`_sub_scaled_compiled`)."""
    if not _sub_scaled_compiled(p, x, lr):
        np.multiply(x, lr, out=tmp)
        p -= tmp


def _div_sqrt(x, sq, eps: float, out, scale: float = 1.0):
    """``x / (sqrt(sq) / scale + eps)`` into ``out``, which may be ``sq`` but not ``x``;
    returns ``out`` (torch: ``denom = (sq.sqrt() / scale).add_(eps)``, then ``x / denom``)."""
    np.sqrt(sq, out=out)
    if scale != 1.0:
        out /= scale
    out += eps
    return np.divide(x, out, out=out)


def _buffer(state: dict, name: str, like, fill: float = 0.0):
    """``state[name]``, created shaped like ``like`` and filled with ``fill`` on first
    use (also when an option that needs it is switched on mid-run)."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.full_like(like, fill)
    return buf
