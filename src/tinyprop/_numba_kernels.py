"""numba-compiled element-wise passes behind ``tinyprop.kernels`` (the ``fast`` extra).

Imported only by :mod:`tinyprop._jit`, on the first kernel call that can use it; nothing
else imports this module (it imports numba). The callers in ``tinyprop.kernels`` pass
C-contiguous float32 or float64 arrays.

The element-wise kernels (the backward of ReLU and tanh, the bias add, the optimizers'
update) compute the same numbers as their NumPy routes bit for bit: the same IEEE
operations in the same order, in the arrays' own dtype (constants are cast to it first,
as NumPy casts a Python scalar), with no fast-math and no fused multiply-add. The
softmax family's row sums are taken in order, where NumPy's routes use BLAS, and the
exponential is libm's rather than NumPy's SIMD one: those results can differ from the
NumPy routes' in the last bits (as two BLAS libraries do), and agree with each other
exactly. What a compiled kernel saves is NumPy's
temporaries, its extra passes over memory and, on small arrays, its per-call cost.
"""

from __future__ import annotations

import numba as nb
import numpy as np


def _jit(fn):
    # compiled on first call per dtype (tinyprop._jit compiles the float32 kernels when it
    # loads this module), cached on disk; IEEE arithmetic, errors as NumPy's
    return nb.njit(cache=True, nogil=True, error_model="numpy")(fn)


@_jit
def relu_backward(out, g):
    """``g`` where ``out > 0`` (or NaN), +0 elsewhere (ReLU's backward)."""
    r = np.empty_like(g)
    o, gf, rf = out.reshape(-1), g.reshape(-1), r.reshape(-1)
    zero = r.dtype.type(0)
    for i in range(rf.size):
        rf[i] = zero if o[i] <= 0 else gf[i]
    return r


@_jit
def tanh_backward(out, g):
    """``g * (1 - out * out)`` (tanh's backward from its output)."""
    r = np.empty_like(g)
    o, gf, rf = out.reshape(-1), g.reshape(-1), r.reshape(-1)
    one = r.dtype.type(1)
    for i in range(rf.size):
        rf[i] = gf[i] * (one - o[i] * o[i])
    return r


@_jit
def sub_scaled_(p, x, lr):
    """``p -= lr * x`` in place, ``lr`` already in ``p``'s dtype."""
    pf, xf = p.reshape(-1), x.reshape(-1)
    for i in range(pf.size):
        pf[i] -= lr * xf[i]


@_jit
def add_rows_(out, b):
    """``out += b`` for each row of ``out`` (a bias added to a batch), in place."""
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            out[i, j] += b[j]


# The softmax family, row by row along the last axis of a 2-D array. Each row: its max
# (NaN if any element is NaN, as NumPy's), the shifted values s = z - max, e = exp(s) and
# their sum in order. softmax is e / sum, log_softmax is s - log(sum), and the
# cross-entropy takes s - log(sum) at the labels: the three give each other's numbers
# bit for bit, as the NumPy routes do.


@_jit
def _row_max(z, i):
    m = z[i, 0]
    for j in range(1, z.shape[1]):
        v = z[i, j]
        if v > m or v != v:
            m = v
    return m


@_jit
def _softmax_row(z, i, p):
    """Row ``i`` of softmax(z) into ``p``; returns the row's max and its sum of
    exponentials."""
    m = _row_max(z, i)
    total = z.dtype.type(0)
    for j in range(z.shape[1]):
        e = np.exp(z[i, j] - m)
        p[i, j] = e
        total += e
    for j in range(z.shape[1]):
        p[i, j] /= total
    return m, total


@_jit
def softmax(z):
    p = np.empty_like(z)
    for i in range(z.shape[0]):
        _softmax_row(z, i, p)
    return p


@_jit
def log_softmax(z):
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        m = _row_max(z, i)
        total = z.dtype.type(0)
        for j in range(z.shape[1]):
            s = z[i, j] - m
            out[i, j] = s
            total += np.exp(s)
        log_total = np.log(total)
        for j in range(z.shape[1]):
            out[i, j] -= log_total
    return out


@_jit
def softmax_cross_entropy(z, labels):
    """Each row's log-softmax at its label (indexed as NumPy does: negative from the end,
    IndexError out of range) and the softmax; the caller sums the first."""
    p = np.empty_like(z)
    picked = np.empty(z.shape[0], z.dtype)
    c = z.shape[1]
    for i in range(z.shape[0]):
        y = labels[i] + c if labels[i] < 0 else labels[i]
        if y < 0 or y >= c:
            raise IndexError("label out of range for the number of classes")
        m, total = _softmax_row(z, i, p)
        picked[i] = (z[i, y] - m) - np.log(total)
    return picked, p


@_jit
def softmax_xent_grad(p, labels):
    """``p - onehot(labels)`` as a new array; a label outside ``[0, C)`` has no one
    (as NumPy's comparison with ``arange(C)`` gives)."""
    d = p.copy()
    one = p.dtype.type(1)
    for i in range(p.shape[0]):
        y = labels[i]
        if 0 <= y < p.shape[1]:
            d[i, y] -= one
    return d


def compile_float32() -> None:
    """Compile (or load from the cache) every kernel for float32, tinyprop's default
    dtype, so that a failure shows when the module loads rather than mid-training."""
    v, m, labels = np.zeros(2, np.float32), np.zeros((2, 2), np.float32), np.zeros(2, np.int64)
    for a in (v, m):
        relu_backward(a, a)
        tanh_backward(a, a)
        sub_scaled_(a, a, np.float32(0))
    add_rows_(m, v)
    softmax(m)
    log_softmax(m)
    softmax_xent_grad(softmax_cross_entropy(m, labels)[1], labels)
