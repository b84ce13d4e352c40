"""Seed 004's computational-graph nodes: each ``forward`` caches, each ``backward`` returns
the gradient of every input. Start a backward pass with ``backward(1.0)`` at the terminal
(scalar) node and feed each node's input gradients to the node that produced them.

>>> x = np.arange(1, 5, dtype=np.float32); y = np.arange(-1, 3, dtype=np.float32)
>>> mult, total = Multiply(), Sum()
>>> z = total.forward(mult.forward(x, y))
>>> d_x, d_y = mult.backward(total.backward(1.0))
>>> float(z), d_x.tolist(), d_y.tolist()
(10.0, [-1.0, 0.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0])
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from .layers import Array


class Node:
    """Base node: ``forward(*inputs)`` caches, ``backward(d_out)`` returns input gradients.

    >>> node = Sum()
    >>> node, isinstance(node, Node)
    (Sum(), True)
    """

    cache: tuple | None = None

    def _cached(self) -> tuple:
        if self.cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward; call "
                "forward(...) first so the node can cache its inputs"
            )
        return self.cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _to_shape(grad: Array, shape: tuple) -> Array:
    """``grad`` summed back to an input's ``shape`` (``kernels.sum_to_shape``). A smaller
    ``grad``, such as seed 004's ``d_out = 1.0`` for a non-scalar output, is first
    stretched as broadcasting would."""
    grad, shape = np.asarray(grad), tuple(shape)
    if grad.shape == shape:
        return grad
    full = np.broadcast_shapes(grad.shape, shape)
    if full == shape:
        return np.broadcast_to(grad, shape).copy()
    return kernels.sum_to_shape(np.broadcast_to(grad, full), shape)


class Add(Node):
    """``x + y`` (broadcasting); ``d_x = d_y = d_out`` (summed back to each shape).

    >>> Add().forward(np.ones(2), np.ones(2)).tolist()
    [2.0, 2.0]
    """

    def forward(self, x: Array, y: Array) -> Array:
        x, y = np.asarray(x), np.asarray(y)
        self.cache = (x.shape, y.shape)
        return x + y

    def backward(self, d_out: Array) -> tuple[Array, Array]:
        x_shape, y_shape = self._cached()
        return _to_shape(d_out, x_shape), _to_shape(d_out, y_shape)


class Multiply(Node):
    """Element-wise ``x * y``; ``d_x = d_out * y``, ``d_y = d_out * x``.

    >>> Multiply().forward(np.array([2.0]), np.array([3.0])).tolist()
    [6.0]
    """

    def forward(self, x: Array, y: Array) -> Array:
        x, y = np.asarray(x), np.asarray(y)
        self.cache = (x, y)
        return x * y

    def backward(self, d_out: Array) -> tuple[Array, Array]:
        x, y = self._cached()
        return _to_shape(d_out * y, x.shape), _to_shape(d_out * x, y.shape)


class Sum(Node):
    """Sum of all elements; ``d_x = d_out * ones_like(x)``.

    >>> float(Sum().forward(np.arange(4.0)))
    6.0
    """

    def forward(self, x: Array) -> Array:
        x = np.asarray(x)
        self.cache = (x,)
        return np.sum(x)

    def backward(self, d_out: Array = 1.0) -> Array:
        (x,) = self._cached()
        return d_out * np.ones_like(x)


class DotProduct(Node):
    """Dot product of two vectors; ``d_x = d_out * y``, ``d_y = d_out * x``.

    >>> float(DotProduct().forward(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """

    def forward(self, x: Array, y: Array) -> Array:
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 1 or x.shape != y.shape:
            raise ValueError(
                f"DotProduct expects two vectors of the same length, got shapes "
                f"{tuple(x.shape)} and {tuple(y.shape)}; use Affine for matrices"
            )
        self.cache = (x, y)
        return np.dot(x, y)

    def backward(self, d_out: Array = 1.0) -> tuple[Array, Array]:
        x, y = self._cached()
        return d_out * y, d_out * x


class Affine(Node):
    """``X @ W + b`` with ``X (N, D)``, ``W (D, K)``, ``b (K,)`` (seed 004);
    backward returns ``(d_X, d_W, d_b) = (d @ W.T, X.T @ d, d.sum(0))``.

    >>> Affine().forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)).shape
    (2, 4)
    """

    def forward(self, X: Array, W: Array, b: Array) -> Array:
        X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
        if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
            raise ValueError(
                f"Affine expects X (N, D), W (D, K), b (K,), got X {tuple(X.shape)}, "
                f"W {tuple(W.shape)}, b {tuple(b.shape)}; make W's first dimension equal X's "
                "feature count and b's length equal W's second dimension"
            )
        self.cache = (X, W)
        return X @ W + b

    def backward(self, d_out: Array) -> tuple[Array, Array, Array]:
        X, W = self._cached()
        return kernels.affine_backward(X, np.asarray(d_out), W, layout="in_out")


class CategoricalCrossEntropy(Node):
    """Mean negative log-likelihood of softmax(logits): ``-sum(Y * log_softmax(logits)) / N``.

    ``backward(d_out=1.0)`` returns ``(d_logits, d_Y)``: ``d_logits = d_out * (softmax - Y) / N``
    for one-hot or probability rows (in general ``(softmax * rowsum(Y) - Y) / N``), and
    ``d_Y = -d_out * log_softmax(logits) / N``, the true derivative with respect to the
    targets (the seed ignores it; it matters only for learned soft targets).

    >>> node = CategoricalCrossEntropy()
    >>> round(float(node.forward(np.zeros((1, 2)), np.array([[1.0, 0.0]]))), 4)
    0.6931
    """

    def forward(self, logits: Array, Y: Array) -> Array:
        logits, Y = np.asarray(logits), np.asarray(Y)
        if logits.ndim != 2 or Y.shape != logits.shape:
            raise ValueError(
                f"CategoricalCrossEntropy expects logits (N, K) and one-hot Y of the same shape, "
                f"got logits {tuple(logits.shape)} and Y {tuple(Y.shape)}; one-hot encode the "
                "labels with K columns"
            )
        log_p = kernels.log_softmax(logits, axis=1)
        self.cache = (log_p, Y)
        return -np.sum(Y * log_p) / logits.shape[0]

    def backward(self, d_out: Array = 1.0) -> tuple[Array, Array]:
        log_p, Y = self._cached()
        n = log_p.shape[0]
        d_logits = d_out * kernels.softmax_xent_grad(np.exp(log_p), Y) / n
        return d_logits, -d_out * log_p / n
