"""Array-level math shared by the autograd and the manual engines.

Each function takes and returns NumPy arrays; nothing here knows about Tensors.

The rule for what lives here: **only math that both engines call and that is delicate**
-- the softmax family (softmax, log-softmax and softmax's Jacobian-vector product),
logsumexp, sigmoid/softplus, the softmax-cross-entropy gradient, ``sum_to_shape`` (undo
broadcasting) and the affine backward -- plus the fast array routes they are built from
(``amax``, ``row_sum``, ``col_sum``, ``linear_product``, ``relu``'s forward,
``zero_where``, ``row_indices``, ``labels_in_range``). Written once here, both engines
compute exactly the same numbers. A one-line derivative (sigmoid's ``y * (1 - y)``,
LeakyReLU's slope) is not delicate: it sits inline, next to its forward, in each engine;
those of the hot path (the bias add, ReLU's and tanh's backward) live here because they
have a compiled route.

Compiled routes: once numba is loaded (the ``fast`` extra; when, :mod:`tinyprop._jit`
says), ``add_rows_``, ``relu_backward`` and ``tanh_backward`` (and, outside this module,
the optimizers' update) run as one compiled loop each, bit for bit the same
numbers as the NumPy route; so do softmax, log-softmax, ``softmax_cross_entropy`` and
``softmax_xent_grad`` on small batches, whose exponentials and row sums may differ from
NumPy's in the last bits. ``use_jit`` turns them off or on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _jit
from ._jit import use_jit  # noqa: F401  (public as tinyprop.kernels.use_jit)

# NumPy reduces a short last axis one row at a time, so for a (batch, classes) array a
# row max or row sum costs far more than the arithmetic (about 50 us for 1024x10, where
# an exponential takes 10). amax, row_sum and col_sum give NumPy's values through
# faster routes.


def amax(x, axis=-1):
    """``x.max(axis, keepdims=True)``; rows of a 2-D array with at most 32 columns (and
    16 rows or more) are read as columns of a transposed copy (exactly the same maxima,
    NaN included)."""
    if x.ndim == 2 and axis in (1, -1) and x.shape[1] <= 32 and x.shape[0] >= 16:
        return np.ascontiguousarray(x.T).max(axis=0)[:, None]
    return x.max(axis=axis, keepdims=True)


# dtype objects, not scalar types: ``in`` then matches by identity (about 4 x cheaper)
_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@lru_cache(maxsize=32)
def _ones(n: int, dtype):
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def row_sum(x, axis=-1):
    """``x.sum(axis, keepdims=True)``; the rows of a 2-D float32/float64 array are summed
    by a matrix-vector product with ones (BLAS), up to rounding the same sums."""
    if x.ndim == 2 and axis in (1, -1) and x.dtype in _BLAS_FLOATS:
        return (x @ _ones(x.shape[1], x.dtype))[:, None]
    return x.sum(axis=axis, keepdims=True)


def col_sum(x):
    """``x.sum(axis=0)`` of a 2-D array (a bias gradient); float32/float64 go through a
    vector-matrix product with ones, about 3 x faster than NumPy's reduction on a
    (1024, 256) batch."""
    if x.ndim == 2 and x.dtype in _BLAS_FLOATS:
        return _ones(x.shape[0], x.dtype) @ x
    return x.sum(axis=0)


def linear_product(x, w):
    """``x @ w.T``, the affine map's product (``w`` of shape (out, in)). For a small batch
    (2 to 64 rows) and a weight of at least 2**15 elements it is computed as
    ``(w @ x.T).T`` and copied to C order: OpenBLAS runs a product whose first operand has
    few rows and whose second is transposed 1.5-2 x slower than the same product the
    other way round (measured for (32, 784) x (784, 256) on this project's machine), and
    the copy of the (rows, out) result costs a few percent of that. Same values up to
    the rounding of the BLAS kernel."""
    if (x.ndim == 2 and 2 <= x.shape[0] <= 64 and w.ndim == 2 and w.size >= 1 << 15
            and x.dtype == w.dtype):
        return np.ascontiguousarray((w @ x.T).T)
    return x @ w.T


@lru_cache(maxsize=8)
def _zeros(shape, dtype):
    zeros = np.zeros(shape, dtype=dtype)
    zeros.flags.writeable = False
    return zeros


def relu(x):
    """``max(x, 0)`` (NaN stays NaN). NumPy vectorises ``maximum`` only when both operands
    are arrays of the same layout, so the zero is an array of ``x``'s shape: about 2.5 x
    faster than ``maximum(x, 0)`` on a (1024, 256) float32 batch. The zeros are cached per
    shape, for at most 8 shapes of up to 2**19 elements (at most 32 MB in all)."""
    if x.flags.c_contiguous and x.dtype.kind == "f" and x.size <= 1 << 19:
        return np.maximum(x, _zeros(x.shape, x.dtype))
    return np.maximum(x, 0)


_INT_OF = {np.dtype(np.float32): np.dtype(np.int32), np.dtype(np.float64): np.dtype(np.int64)}


def zero_where(cond, g):
    """``np.where(cond, 0, g)``: +0 where ``cond`` holds, ``g`` elsewhere (its exact
    bits: NaN and infinities pass, and an infinite ``g`` under ``cond`` still gives 0).
    NumPy's ``where`` branches per element and runs about 10 x slower on a random mask
    (ReLU's backward) than an element-wise pass, so a float32/float64 array of 2048
    elements or more is masked with an integer AND instead: the bits of ``g`` and a mask
    of all ones (kept) or zeros. Anything else (a Tensor of a recorded backward
    included) goes through ``np.where``."""
    if (type(g) is np.ndarray and type(cond) is np.ndarray and g.size >= 2048
            and g.shape == cond.shape and g.dtype in _INT_OF):
        it = _INT_OF[g.dtype]
        out = np.empty(g.shape, g.dtype)
        bits = out.view(it)
        np.subtract(cond, True, dtype=it, out=bits)  # 0 where dropped, -1 (all ones) kept
        np.bitwise_and(g.view(it), bits, out=bits)
        return out
    return np.where(cond, np.zeros((), g.dtype), g)


# Each compiled route starts ``k = _jit.state``: None once tinyprop computes with NumPy
# (numba missing or turned off), so that route then costs one attribute read.


def _compiled(k, size: int, most: int = 1 << 62, least: int = _jit.MIN_SIZE):
    """numba's kernels for an array of ``size`` elements, given ``k = _jit.state`` (not
    None), or None (NumPy): fewer than ``least`` or more than ``most`` elements, or numba
    not loaded yet (:func:`tinyprop._jit.eligible` counts the pass towards loading it).
    The caller then checks layouts."""
    if not least <= size <= most:
        return None
    return _jit.eligible(size) if k is _jit.UNSET else k


def _flat_pair(a, g) -> bool:
    """Whether ``a`` and ``g`` can go to a compiled element-wise kernel: arrays of one
    shape and one float dtype, C-contiguous."""
    return (type(g) is np.ndarray and type(a) is np.ndarray and g.shape == a.shape
            and g.dtype == a.dtype and g.dtype in _BLAS_FLOATS and g.flags.c_contiguous
            and a.flags.c_contiguous)


def relu_backward(out, g):
    """ReLU's backward from its output: ``g`` where ``out > 0`` (or NaN), +0 where
    ``out <= 0`` (``zero_where(out <= 0, g)``, one compiled pass with numba)."""
    k = _jit.state
    if k is not None and (k := _compiled(k, g.size)) is not None and _flat_pair(out, g):
        return k.relu_backward(out, g)
    return zero_where(out <= 0, g)


def tanh_backward(out, g):
    """tanh's backward from its output: ``g * (1 - out * out)`` (one compiled pass with
    numba instead of three, the same rounding)."""
    k = _jit.state
    if k is not None and (k := _compiled(k, g.size)) is not None and _flat_pair(out, g):
        return k.tanh_backward(out, g)
    return g * (1 - out * out)


def add_rows_(out, b):
    """``out += b`` in place for a (rows, n) batch ``out`` and a bias ``b`` of shape (n,)
    or (1, n) (with numba one compiled pass, without NumPy's broadcasting machinery);
    returns ``out``."""
    k = _jit.state
    if (k is not None and (k := _compiled(k, out.size, least=_jit.MIN_IN_PLACE)) is not None
            and out.ndim == 2 and type(b) is np.ndarray
            and b.shape[-1:] == out.shape[1:] and b.size == out.shape[1]
            and b.dtype == out.dtype and out.dtype in _BLAS_FLOATS
            and out.flags.c_contiguous and out.flags.writeable and b.flags.c_contiguous):
        k.add_rows_(out, b.reshape(-1))
        return out
    out += b
    return out


def logsumexp(x, axis=-1, keepdims=False):
    """Stable ``log(sum(exp(x)))`` along ``axis`` (shifts by the max first)."""
    m = np.max(x, axis=axis, keepdims=True)
    if not np.isfinite(m).all():  # rows of -inf (or inf) would give nan when shifted
        m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _small_rows(k, x, axis):
    """numba's kernels, given ``k = _jit.state`` (not None), when the softmax family
    takes their route for ``x`` along ``axis`` (a C-contiguous float32/float64 matrix,
    the last axis, ``MIN_SIZE`` to ``MAX_SOFTMAX`` elements), else None."""
    k = _compiled(k, x.size, _jit.MAX_SOFTMAX)
    if (k is not None and type(x) is np.ndarray and x.ndim == 2 and axis in (1, -1)
            and x.dtype in _BLAS_FLOATS and x.flags.c_contiguous):
        return k
    return None


def log_softmax(x, axis=-1):
    """Stable log-softmax: ``(x - max) - log(sum(exp(x - max)))`` along ``axis``.

    A row of all ``-inf`` gives NaN, as in PyTorch (there is no distribution to normalise).
    """
    k = _jit.state
    if k is not None and (k := _small_rows(k, x, axis)) is not None:
        return k.log_softmax(x)
    s = x - amax(x, axis)
    e = np.exp(s)
    s -= np.log(row_sum(e, axis))
    return s


def softmax(x, axis=-1):
    """Stable softmax: subtract the row max before exponentiating (seed 000)."""
    k = _jit.state
    if k is not None and (k := _small_rows(k, x, axis)) is not None:
        return k.softmax(x)
    e = np.exp(x - amax(x, axis))
    e /= row_sum(e, axis)
    return e


def softmax_backward(y, grad, axis=-1):
    """Jacobian-vector product of softmax given its output ``y``: ``y * (g - sum(g*y))``."""
    return y * (grad - row_sum(grad * y, axis))


@lru_cache(maxsize=16)
def _arange(n: int):
    out = np.arange(n)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=16)
def row_indices(n: int):
    """``arange(n)`` (read-only, cached): the row half of ``x[rows, labels]``."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


@lru_cache(maxsize=16)
def _unsigned(dtype):
    """The unsigned twin of a signed integer dtype and the dtype's largest value."""
    return np.dtype(dtype.str.replace("i", "u")), int(np.iinfo(dtype).max)


def labels_in_range(labels, n_classes: int) -> bool:
    """Whether every integer label lies in ``0..n_classes-1``, in one pass: read as
    unsigned, a negative label is larger than any class count the dtype can hold."""
    if not labels.size:
        return True
    if labels.dtype.kind == "i":
        unsigned, largest = _unsigned(labels.dtype)
        if n_classes > largest + 1:
            return bool(labels.min() >= 0)  # no label of this dtype reaches n_classes
        labels = labels.view(unsigned)
    return bool(labels.max() < n_classes)


def softmax_cross_entropy(z, labels):
    """Summed cross-entropy of logits ``z`` (N, C) at in-range integer ``labels``, and
    the softmax, from one exponential. The loss terms are ``log_softmax``'s numbers at
    the labels and the softmax is ``softmax``'s, bit for bit."""
    k = _jit.state
    if k is not None and (k := _small_rows(k, z, 1)) is not None:
        picked, p = k.softmax_cross_entropy(z, labels)
        return -picked.sum(), p
    s = z - amax(z, 1)
    p = np.exp(s)
    total = row_sum(p, 1)
    picked = s[row_indices(len(labels)), labels]
    picked -= np.log(total)[:, 0]
    p /= total
    return -picked.sum(), p


def softmax_xent_grad(probs, target):
    """Gradient of the summed cross-entropy ``-sum(target * log_softmax(z))`` with respect
    to the logits ``z``, given ``probs = softmax(z)`` (N, C); unscaled, a new array (the
    caller divides by the batch or multiplies by the incoming gradient).

    ``target`` is integer labels (N,): ``probs - onehot(labels)``; or coefficient rows
    (N, C) -- one-hot, probabilities, or weighted/smoothed targets: ``probs * rowsum(target)
    - target``, which is ``probs - target`` when each row sums to 1.

    >>> p = np.array([[0.25, 0.75]])
    >>> softmax_xent_grad(p, np.array([1])).tolist(), softmax_xent_grad(p, 2 * p).tolist()
    ([[0.25, -0.25]], [[0.0, 0.0]])
    """
    if target.shape != probs.shape:  # integer labels, one per row
        if not isinstance(probs, np.ndarray):  # a recorded backward: out of place
            hot = np.zeros(probs.shape, dtype=probs.dtype)
            hot[row_indices(len(target)), target] = 1
            return probs - hot
        k = _jit.state
        if (k is not None and target.dtype == np.int64
                and (k := _small_rows(k, probs, 1)) is not None):
            return k.softmax_xent_grad(probs, target)
        if probs.size <= 4096:  # small: one broadcast comparison beats two fancy indexings
            return probs - (target[:, None] == _arange(probs.shape[1]))
        d = probs.copy()
        d[row_indices(len(target)), target] -= 1
        return d
    return probs * row_sum(target, 1) - target


def sum_to_shape(g, shape):
    """Sum a broadcast gradient back to ``shape`` (undoing NumPy broadcasting): over the
    leading axes broadcasting added and the axes it stretched from 1.

    >>> sum_to_shape(np.ones((2, 3)), (3,)).tolist()
    [2.0, 2.0, 2.0]
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def affine_backward(x, g, w=None, *, layout="out_in", weight=True, bias=True, weight_out=None):
    """Backward of the affine map ``y = x @ W.T + b`` (``layout="out_in"``: ``W`` of shape
    (out, in), PyTorch's and seeds 001/003's) or ``y = x @ W + b`` (``layout="in_out"``:
    ``W`` (in, out), seeds 000/004), given ``g = dL/dy``.

    Returns ``(dx, dW, db)``: ``dx = g @ W`` (``g @ W.T`` for "in_out") when ``w`` is
    given, else None; ``dW = g.T @ x`` (``x.T @ g``) when ``weight``; ``db = g.sum(0)``
    (:func:`col_sum`) when ``bias``. For ``dW`` and ``db``, ``x`` and ``g`` of other than
    two dimensions are read as matrices of rows (one sample, or leading dimensions
    flattened); ``dx`` keeps ``g``'s shape. ``weight_out``, an array of ``dW``'s shape,
    receives ``dW`` in place (no new array when the dtypes agree).

    >>> dx, dw, db = affine_backward(np.ones((4, 3)), np.ones((4, 2)), np.ones((2, 3)))
    >>> dx.shape, dw.shape, db.tolist()
    ((4, 3), (2, 3), [4.0, 4.0])
    """
    if layout not in ("out_in", "in_out"):
        raise ValueError(f"layout must be 'out_in' or 'in_out', got {layout!r}")
    out_in = layout == "out_in"
    dx = None if w is None else (g @ w if out_in else g @ w.T)
    if g.ndim != 2:  # one sample (1-D) or leading batch dimensions: rows of a matrix
        g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
    dw = db = None
    if weight:
        a, b = (g.T, x) if out_in else (x.T, g)
        if len(g) == 1 and a.dtype == b.dtype:
            # one sample: dW is an outer product, which OpenBLAS runs as a GEMM with an
            # inner dimension of 1 about 20 x slower than the same products broadcast
            # (193 vs 9 us for 256 x 784); each element is one product, so same values
            if weight_out is None:
                dw = a * b
            elif weight_out.dtype == a.dtype:
                dw = np.multiply(a, b, out=weight_out)
            else:
                weight_out[...] = a * b
                dw = weight_out
        elif weight_out is None:
            dw = a @ b
        elif a.dtype == b.dtype == weight_out.dtype:
            dw = np.matmul(a, b, out=weight_out)
        else:
            weight_out[...] = a @ b
            dw = weight_out
    if bias:
        db = col_sum(g)
    return dx, dw, db


def sigmoid(x):
    """Logistic function that never overflows: uses ``exp(-|x|)``."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def softplus(x):
    """``log(1 + exp(x))`` computed without overflow."""
    return relu(x) + np.log1p(np.exp(-np.abs(x)))
