"""Seed 003's layer API: ``forward``/``backward`` by hand, gradients accumulated in place.

Each layer caches in ``forward`` what its ``backward`` needs, and each derivative is
written once, right next to its forward; math the autograd engine shares and that is
delicate (softmax, sigmoid, the affine backward) is called from :mod:`tinyprop.kernels`.
Batch is the first dimension of every array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._validate import check_allocation, check_int
from ..backend import get_default_dtype
from ._init import check_init, check_sigma, init_weight
from ._validation import check_learning_rate

Array = Any  # a NumPy ndarray


class Layer:
    """Base class of every manual layer (seed 003).

    Subclasses write ``forward(x_in) -> x_out`` and ``backward(d_out) -> d_in``; a layer
    with parameters also lists them in ``parameters()`` and their gradient buffers (same
    names and shapes) in ``gradients()``, and then ``zero_gradients`` and
    ``update_parameters`` work without more code.

    >>> class Double(Layer):
    ...     def forward(self, x_in):
    ...         return 2 * x_in
    ...     def backward(self, d_out):
    ...         return 2 * d_out
    >>> Double().backward(np.ones(2))
    array([2., 2.])
    """

    preserves_shape: bool = False
    """True for layers whose output has the input's shape (activations)."""

    def forward(self, x_in: Array) -> Array:
        """Compute and return ``x_out``, caching what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x_in)")

    def backward(self, d_out: Array) -> Array:
        """Given ``d_out = dL/dx_out``, accumulate parameter gradients and return ``dL/dx_in``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward(d_out)")

    def parameters(self) -> dict[str, Array]:
        """The live parameter arrays by name (empty for parameter-free layers)."""
        return {}

    def gradients(self) -> dict[str, Array]:
        """The live gradient buffers, same names and shapes as ``parameters()``."""
        return {}

    def zero_gradients(self) -> None:
        """Set every gradient buffer to zero (in place)."""
        for g in self.gradients().values():
            g[...] = 0

    def overwrite_gradients(self) -> None:
        """Make the next ``backward`` write the gradients instead of adding to them: what
        ``zero_gradients`` then ``backward`` gives. Layers that can skip the pass that
        writes zeros do (``Linear``); until that ``backward`` the buffers hold stale
        values, so call it only right before one, as a training step does."""
        self.zero_gradients()

    def update_parameters(self, learning_rate: float) -> None:
        """One gradient-descent step in place: ``p -= learning_rate * dp`` for every parameter."""
        lr = check_learning_rate(learning_rate)
        grads = self.gradients()
        for name, p in self.parameters().items():
            p -= lr * grads[name]

    def to(self, dtype) -> Layer:
        """Cast every floating array the layer holds (parameters, gradients) to ``dtype``.

        >>> Linear(2, 3).to(np.float64).w.dtype
        dtype('float64')
        """
        cast_floats(self, np.dtype(dtype))
        return self

    def __call__(self, x_in: Array) -> Array:
        return self.forward(x_in)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def cast_floats(obj: Any, dtype, _seen: set[int] | None = None) -> None:
    """Cast, in place on ``obj``'s attributes, every floating ndarray to ``dtype``.

    Walks nested layers, lists/tuples of layers and dicts of arrays, so any user-written
    layer that keeps its arrays as attributes can be moved to float64 for a gradient check.
    """
    seen = set() if _seen is None else _seen
    if id(obj) in seen or not hasattr(obj, "__dict__"):
        return
    seen.add(id(obj))
    for name, value in vars(obj).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            setattr(obj, name, value.astype(dtype))
        elif isinstance(value, dict):  # e.g. self.params = {"w": ..., "b": ...}
            for key, item in value.items():
                if isinstance(item, np.ndarray) and item.dtype.kind == "f":
                    value[key] = item.astype(dtype)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if hasattr(item, "forward"):
                    cast_floats(item, dtype, seen)
        elif hasattr(value, "forward") and hasattr(value, "__dict__"):
            cast_floats(value, dtype, seen)


def _not_run(layer: Layer) -> RuntimeError:
    return RuntimeError(
        f"{type(layer).__name__}.backward was called before forward; "
        "call forward(x_in) first so the layer can cache what backward needs"
    )


def _check_d_out(layer: Layer, d_out: Array, out_shape: tuple) -> None:
    if getattr(d_out, "shape", None) != out_shape:
        raise ValueError(
            f"{type(layer).__name__}.backward expected d_out of shape {out_shape} "
            f"(the shape of its last output), got {getattr(d_out, 'shape', type(d_out))}; "
            "pass the gradient of the cost with respect to this layer's output"
        )


class Linear(Layer):
    """Fully connected layer ``x_out = x_in @ w.T + b`` (seed 003 shapes).

    ``w`` has shape ``(n_out, n_in)`` and ``b`` shape ``(1, n_out)``. ``dw`` and ``db``
    accumulate over ``backward`` calls until ``zero_gradients``. With ``input_grad = False``
    (the first layer, whose input is data) ``backward`` skips ``dL/dx`` and returns None.
    ``init`` is one of ``"normal"`` (the seed: ``initial_sigma * randn``), ``"xavier"``,
    ``"he"``, ``"zeros"``.

    >>> layer = Linear(3, 2, generator=0)
    >>> layer.forward(np.ones((4, 3), dtype=np.float32)).shape
    (4, 2)
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        initial_sigma: float = 0.1,
        init: str = "normal",
        generator=None,
        dtype=None,
    ) -> None:
        self.n_in = check_int(n_in, "n_in", low=1)
        self.n_out = check_int(n_out, "n_out", low=1)
        dtype = np.dtype(dtype or get_default_dtype())
        sigma = check_sigma(initial_sigma)
        # w, dw and the float64 draws, refused before allocating
        check_allocation((self.n_out, self.n_in), dtype, "manual.Linear", count=4)
        self.w = init_weight((n_out, n_in), n_in, n_out, check_init(init), sigma, generator, dtype)
        self.b = np.zeros((1, n_out), dtype=dtype)
        self.dw = np.zeros_like(self.w)
        self.db = np.zeros_like(self.b)
        self.x_in = None
        self.input_grad = True  # set False to skip dL/dx when the input is data
        self._fresh = True  # dw and db hold zeros

    def zero_gradients(self) -> None:
        super().zero_gradients()
        self._fresh = True

    def overwrite_gradients(self) -> None:
        cls = type(self)
        if cls.zero_gradients is Linear.zero_gradients and cls.backward is Linear.backward:
            self._fresh = True  # backward writes dw and db whole: no zeros needed first
        else:  # a subclass with buffers or a backward of its own: zero them as it says
            self.zero_gradients()

    @property
    def in_features(self) -> int:
        return self.n_in

    @property
    def out_features(self) -> int:
        return self.n_out

    def forward(self, x_in: Array) -> Array:
        x_in = np.asarray(x_in)
        if x_in.dtype.kind not in "biuf":
            raise TypeError(
                f"{self!r} expects a numeric input of shape (batch, {self.n_in}), got dtype "
                f"{x_in.dtype}; convert it with np.asarray(x, dtype=np.float32)"
            )
        if x_in.ndim != 2:
            fix = "x.reshape(1, -1)" if x_in.ndim < 2 else "x.reshape(len(x), -1)"
            raise ValueError(
                f"{self!r} expects a 2-D input of shape (batch, {self.n_in}), got "
                f"{tuple(x_in.shape)}; reshape it with {fix}"
            )
        if x_in.shape[1] != self.n_in:
            raise ValueError(
                f"{self!r} expects input of shape (batch, {self.n_in}), got "
                f"{tuple(x_in.shape)}; give it {self.n_in} features per sample or build it "
                f"as Linear({x_in.shape[1]}, {self.n_out})"
            )
        self.x_in = x_in
        return kernels.add_rows_(kernels.linear_product(x_in, self.w), self.b)

    def backward(self, d_out: Array) -> Array:
        x = self.x_in
        if x is None:
            raise _not_run(self)
        _check_d_out(self, d_out, (x.shape[0], self.n_out))
        # dL/dw[j, i] = sum_n d_out[n, j] x[n, i]; b is added to every row; dL/dx = d_out @ w,
        # skipped for a first layer (its input is data). Gradients accumulate; right after
        # zero_gradients (or overwrite_gradients) they are written in place instead.
        w = self.w if self.input_grad else None
        if self._fresh:
            d_in, _, self.db[0] = kernels.affine_backward(x, d_out, w, weight_out=self.dw)
        else:
            d_in, dw, db = kernels.affine_backward(x, d_out, w)
            self.dw += dw
            self.db[0] += db
        self._fresh = False
        return d_in

    def parameters(self) -> dict[str, Array]:
        return {"w": self.w, "b": self.b}

    def gradients(self) -> dict[str, Array]:
        return {"w": self.dw, "b": self.db}

    def __repr__(self) -> str:
        return f"Linear({self.n_in}, {self.n_out})"


class _Activation(Layer):
    """An element-wise (or row-wise) map with no parameters; caches its output ``y``."""

    preserves_shape = True
    x_in = None
    x_out = None

    def __init__(self) -> None:
        self.x_in = None
        self.x_out = None

    def backward(self, d_out: Array) -> Array:
        if self.x_out is None:
            raise _not_run(self)
        _check_d_out(self, d_out, self.x_out.shape)
        return self._backward(d_out)

    def _backward(self, d_out: Array) -> Array:  # pragma: no cover - interface
        raise NotImplementedError


class Sigmoid(_Activation):
    """``1 / (1 + exp(-x))``; derivative ``y * (1 - y)`` from the cached output.

    >>> Sigmoid().forward(np.zeros(2))
    array([0.5, 0.5])
    """

    def forward(self, x_in: Array) -> Array:
        self.x_in = x_in
        self.x_out = kernels.sigmoid(np.asarray(x_in))
        return self.x_out

    def _backward(self, d_out: Array) -> Array:
        y = self.x_out
        return d_out * y * (1 - y)


class Tanh(_Activation):
    """``tanh(x)``; derivative ``1 - y**2`` from the cached output.

    >>> Tanh().forward(np.zeros(2))
    array([0., 0.])
    """

    def forward(self, x_in: Array) -> Array:
        self.x_in = x_in
        self.x_out = np.tanh(x_in)
        return self.x_out

    def _backward(self, d_out: Array) -> Array:
        return kernels.tanh_backward(self.x_out, d_out)


class ReLU(_Activation):
    """``max(x, 0)``; derivative 1 where ``x > 0`` else 0 (0 at ``x == 0``, as PyTorch).

    >>> ReLU().forward(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def forward(self, x_in: Array) -> Array:
        self.x_in = x_in = np.asarray(x_in)
        self.x_out = kernels.relu(x_in)
        return self.x_out

    def _backward(self, d_out: Array) -> Array:
        # the autograd engine's rule: 0 where the output is <= 0 (an infinite gradient
        # too), the gradient elsewhere (a NaN output passes it, as in PyTorch)
        return kernels.relu_backward(self.x_out, d_out)


class LeakyReLU(_Activation):
    """``x`` where ``x > 0`` else ``negative_slope * x``; derivative 1 or ``negative_slope``.

    >>> LeakyReLU(0.1).forward(np.array([-1.0, 2.0]))
    array([-0.1,  2. ])
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x_in: Array) -> Array:
        self.x_in = x_in = np.asarray(x_in)
        self.x_out = np.where(x_in > 0, x_in, self.negative_slope * x_in).astype(
            x_in.dtype, copy=False
        )
        return self.x_out

    def _backward(self, d_out: Array) -> Array:
        return np.where(self.x_in > 0, d_out, self.negative_slope * d_out).astype(
            d_out.dtype, copy=False
        )

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class SoftMax(_Activation):
    """Row-wise softmax over the last axis; backward is the true Jacobian-vector product
    ``y * (d_out - sum(d_out * y))`` (not the cross-entropy shortcut).

    >>> SoftMax().forward(np.zeros((1, 4)))
    array([[0.25, 0.25, 0.25, 0.25]])
    """

    def forward(self, x_in: Array) -> Array:
        self.x_in = x_in
        self.x_out = kernels.softmax(np.asarray(x_in), axis=-1)
        return self.x_out

    def _backward(self, d_out: Array) -> Array:
        return kernels.softmax_backward(self.x_out, d_out, axis=-1)
