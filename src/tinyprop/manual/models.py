"""Seed 000's models with hand-derived gradients: ``LogisticRegression`` and ``MLP``.

Both use seed 000's layout, ``x @ w + b`` with ``w`` of shape ``(inputs, outputs)`` and
``b`` of shape ``(outputs,)``, a softmax output and the mean cross-entropy loss, whose
gradient with respect to the logits is the shortcut ``(probs - targets) / batch``.
Targets are integer labels ``(N,)`` (seed 000) or one-hot rows ``(N, classes)``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from .. import kernels
from .._validate import check_choice, check_int
from ..backend import get_default_dtype, resolve_generator
from ._init import check_init, check_sigma, init_weight
from ._validation import (
    as_float_array,
    check_learning_rate,
    label_indices,
    one_hot_targets,
)
from .layers import Array, LeakyReLU, ReLU, Sigmoid, Tanh

ACTIVATIONS = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU, "leaky_relu": LeakyReLU}


class _SoftmaxClassifier:
    """Shared plumbing: input/target checks, loss, ``fit``, ``accuracy`` and the SGD step."""

    def __init__(self, input_size: int, nb_classes: int, learning_rate: float, dtype) -> None:
        self.input_size = check_int(input_size, "input_size", low=1)
        self.nb_classes = check_int(nb_classes, "nb_classes", low=2)
        self.learning_rate = check_learning_rate(learning_rate)
        self.dtype = np.dtype(dtype or get_default_dtype())
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._cache: tuple | None = None

    # ----- checks at the public entry points -------------------------------------------
    def _inputs(self, inputs: Array) -> Array:
        X = as_float_array(inputs, "inputs", ndim=2, dtype=self.dtype)
        if X.shape[1] != self.input_size:
            raise ValueError(
                f"inputs must have shape (batch, {self.input_size}), got {tuple(X.shape)}; "
                f"flatten each sample to {self.input_size} features or build the model with "
                f"input_size={X.shape[1]}"
            )
        return X

    def _targets(self, targets: Array, n_samples: int) -> Array:
        return one_hot_targets(targets, n_samples, self.nb_classes, self.dtype)

    # ----- the seed's methods ----------------------------------------------------------
    def forward(self, x: Array) -> Array:
        """Class probabilities ``(batch, nb_classes)``; caches what ``backward`` needs."""
        return self._forward(self._inputs(x))

    def fit(self, inputs: Array, targets: Array, train: bool = True) -> float:
        """Mean cross-entropy on the batch; with ``train=True`` also backward and one SGD step.

        Inputs and targets are checked before anything runs, so a bad call changes nothing.
        """
        X = self._inputs(inputs)
        Y = self._targets(targets, X.shape[0])
        lr = check_learning_rate(self.learning_rate) if train else None
        probs = self._forward(X)
        loss = float(-np.sum(Y * self._cache[-1]) / X.shape[0])
        if train:
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"the loss is {loss}: training diverged; parameters were left unchanged. "
                    "Lower the learning rate or normalise the inputs"
                )
            self._backward(X, probs, Y)
            self.update_parameters(lr)
        return loss

    def update_parameters(self, learning_rate: float | None = None) -> None:
        """SGD step in place with the gradients of the last ``backward``: ``p -= lr * grad``."""
        lr = check_learning_rate(self.learning_rate if learning_rate is None else learning_rate)
        if not self.grads:
            raise RuntimeError("update_parameters was called before backward; call fit first")
        for name, p in self.params.items():
            p -= lr * self.grads[name]

    def predict(self, inputs: Array) -> Array:
        """Most probable class per sample, shape ``(batch,)``."""
        return np.argmax(self.forward(inputs), axis=1)

    def accuracy(self, inputs: Array, targets: Array) -> float:
        """Fraction in ``[0, 1]`` of samples whose most probable class is the target's."""
        X = self._inputs(inputs)
        Y = self._targets(targets, X.shape[0])
        return float(np.mean(np.argmax(self._forward(X), axis=1) == label_indices(Y)))

    def _d_logits(self, probs: Array, Y: Array) -> Array:
        """Gradient of the mean cross-entropy w.r.t. the logits: ``(probs - Y) / batch``
        (``kernels.softmax_xent_grad``: exact for rows not summing to 1 too)."""
        return kernels.softmax_xent_grad(probs, Y) / Y.shape[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.nb_classes})"


class LogisticRegression(_SoftmaxClassifier):
    """``softmax(x @ w + b)`` trained with mean cross-entropy (seed 000).

    ``params = {"w": (input_size, nb_classes), "b": (nb_classes,)}``; after ``backward``,
    ``grads`` holds the same names. ``init`` is ``"zeros"`` (default, like seed 004),
    ``"normal"``/``"seed"`` (``sigma * randn``), ``"xavier"`` or ``"he"``.

    >>> model = LogisticRegression(4, 3)
    >>> model.accuracy(np.ones((2, 4)), [0, 1])  # untrained: every class ties, argmax is 0
    0.5
    >>> loss = model.fit(np.ones((2, 4)), [0, 1])
    """

    def __init__(
        self,
        input_size: int,
        nb_classes: int,
        learning_rate: float = 0.5,
        init: str = "zeros",
        sigma: float = 0.1,
        generator=None,
        dtype=None,
    ) -> None:
        super().__init__(input_size, nb_classes, learning_rate, dtype)
        shape = (self.input_size, self.nb_classes)
        w = init_weight(shape, *shape, check_init(init), check_sigma(sigma), generator, self.dtype)
        self.params = {"w": w, "b": np.zeros(self.nb_classes, dtype=self.dtype)}

    @property
    def w(self) -> Array:
        return self.params["w"]

    @property
    def b(self) -> Array:
        return self.params["b"]

    def _forward(self, X: Array) -> Array:
        log_p = kernels.log_softmax(X @ self.params["w"] + self.params["b"], axis=1)
        self._cache = (X, log_p)
        return np.exp(log_p)

    def backward(self, inputs: Array, probs: Array, targets: Array) -> dict[str, Array]:
        """Gradients of the mean cross-entropy, stored in ``self.grads`` and returned.

        ``d_logits = (probs - Y) / batch``, ``d_w = inputs.T @ d_logits``, ``d_b = sum(d_logits)``.
        """
        X = self._inputs(inputs)
        return self._backward(X, np.asarray(probs), self._targets(targets, X.shape[0]))

    def _backward(self, X: Array, probs: Array, Y: Array) -> dict[str, Array]:
        _, d_w, d_b = kernels.affine_backward(X, self._d_logits(probs, Y), layout="in_out")
        self.grads = {"w": d_w, "b": d_b}
        return self.grads


class MLP(_SoftmaxClassifier):
    """Multi-layer perceptron of any depth with hand-written backprop (seed 000 and beyond).

    ``hidden_sizes`` is an int (one hidden layer, as in the seed) or a sequence (``[]``
    gives a logistic regression). Parameters are ``params["w1"], params["b1"], ...,
    params["wL"], params["bL"]``, ``w_i`` of shape ``(fan_in, fan_out)``; ``grads`` mirrors
    them after ``backward``. ``activation`` is ``"tanh"``, ``"sigmoid"``, ``"relu"`` or
    ``"leaky_relu"``. ``init``: ``"seed"`` (``sigma * randn``, default sigma 0.1),
    ``"xavier"`` (Glorot uniform), ``"he"`` (Kaiming normal) or ``"zeros"`` — the latter
    makes every hidden unit identical forever (they get identical gradients), so it
    warns when there are hidden layers; biases always start at zero.

    >>> model = MLP(64, 50, 10, generator=0)
    >>> model.forward(np.zeros((3, 64))).shape
    (3, 10)
    """

    def __init__(
        self,
        input_size: int,
        hidden_sizes: int | Sequence[int],
        nb_classes: int,
        learning_rate: float = 0.5,
        activation: str = "tanh",
        init: str = "seed",
        sigma: float = 0.1,
        generator=None,
        dtype=None,
    ) -> None:
        super().__init__(input_size, nb_classes, learning_rate, dtype)
        hidden = [hidden_sizes] if isinstance(hidden_sizes, (int, np.integer)) else hidden_sizes
        hidden = [check_int(h, "each hidden size", low=1) for h in hidden]
        check_choice(activation, "activation", sorted(ACTIVATIONS))
        check_init(init)
        sigma = check_sigma(sigma)
        if init == "zeros" and hidden:
            warnings.warn(
                "init='zeros' gives every hidden unit the same weights and the same gradient, "
                "so they never become different (no symmetry breaking); use 'xavier' or 'seed'",
                UserWarning,
                stacklevel=2,
            )
        self.activation = activation
        self.sizes = [self.input_size, *hidden, self.nb_classes]
        self.activations = [ACTIVATIONS[activation]() for _ in hidden]
        rng = resolve_generator(generator) if init != "zeros" else None
        pairs = zip(self.sizes[:-1], self.sizes[1:], strict=True)
        for i, (n_in, n_out) in enumerate(pairs, start=1):
            w = init_weight((n_in, n_out), n_in, n_out, init, sigma, rng, self.dtype)
            self.params[f"w{i}"] = w
            self.params[f"b{i}"] = np.zeros(n_out, dtype=self.dtype)

    @property
    def n_layers(self) -> int:
        """Number of affine layers (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    # seed 000's names for the one-hidden-layer case
    @property
    def w_output(self) -> Array:
        return self.params[f"w{self.n_layers}"]

    @property
    def b_output(self) -> Array:
        return self.params[f"b{self.n_layers}"]

    @property
    def w_hidden(self) -> Array:
        return self.params["w1"] if self.n_layers == 2 else self._no_hidden()

    @property
    def b_hidden(self) -> Array:
        return self.params["b1"] if self.n_layers == 2 else self._no_hidden()

    def _no_hidden(self):
        raise AttributeError(
            f"w_hidden/b_hidden exist for exactly one hidden layer; this MLP has "
            f"{self.n_layers - 1}: use params['w1'], params['b1'], ..."
        )

    def _forward(self, X: Array) -> Array:
        h = X
        hs = [X]  # input of each affine layer
        for i, act in enumerate(self.activations, start=1):
            h = act.forward(h @ self.params[f"w{i}"] + self.params[f"b{i}"])
            hs.append(h)
        L = self.n_layers
        log_p = kernels.log_softmax(h @ self.params[f"w{L}"] + self.params[f"b{L}"], axis=1)
        self._cache = (hs, log_p)
        return np.exp(log_p)

    def backward(self, inputs: Array, targets: Array) -> dict[str, Array]:
        """Gradients of the mean cross-entropy for the batch of the last ``forward``.

        Stored in ``self.grads`` (same names as ``params``) and returned. Layer by layer:
        ``d_w = h_prev.T @ d``, ``d_b = sum(d)``, then ``d = act'(.) * (d @ w.T)``.
        """
        if self._cache is None:
            raise RuntimeError(
                "MLP.backward was called before forward; call forward(inputs) (or fit) first"
            )
        X = self._inputs(inputs)
        if X.shape[0] != self._cache[0][0].shape[0]:
            raise ValueError(
                f"backward got {X.shape[0]} inputs but the last forward saw "
                f"{self._cache[0][0].shape[0]}; call forward on the same batch first"
            )
        probs = np.exp(self._cache[1])
        return self._backward(X, probs, self._targets(targets, X.shape[0]))

    def _backward(self, X: Array, probs: Array, Y: Array) -> dict[str, Array]:
        hs = self._cache[0]
        d = self._d_logits(probs, Y)
        grads: dict[str, Array] = {}
        for i in range(self.n_layers, 0, -1):
            w = self.params[f"w{i}"] if i > 1 else None
            d_h, grads[f"w{i}"], grads[f"b{i}"] = kernels.affine_backward(
                hs[i - 1], d, w, layout="in_out"
            )
            if i > 1:
                d = self.activations[i - 2].backward(d_h)
        self.grads = {name: grads[name] for name in self.params}
        return self.grads

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes}, activation={self.activation!r})"
