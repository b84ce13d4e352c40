"""Seed 001's fully manual network as plain functions on a parameter dict, any depth.

Layout (seed 001's, transposed weights): ``W_i`` has shape ``(n_out, n_in)`` and ``b_i``
shape ``(n_out, 1)``; a layer computes ``X @ W_i.T + b_i.T``. Keys are numbered from 1:
``W1, b1, W2, b2, ..., WL, bL`` (the seed's ``Wh, bh, Wy, by`` for ``L = 2``). Hidden
layers use tanh, the output softmax; the loss is the mean cross-entropy.

>>> params = init_params([2, 10, 2], generator=0)
>>> yhat, outputs = forward(params, np.zeros((5, 2)))
>>> loss, acc = loss_accuracy(yhat, np.eye(2)[[0, 1, 0, 1, 0]])
>>> params = sgd(params, backward(params, outputs, np.eye(2)[[0, 1, 0, 1, 0]]), eta=0.03)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import kernels
from .._validate import check_int
from ..backend import get_default_dtype, resolve_generator
from ._init import check_sigma
from ._validation import as_float_array, check_learning_rate, label_indices
from ._validation import one_hot_targets as _one_hot
from .layers import Array


def init_params(
    sizes: Sequence[int], sigma: float = 0.3, generator=None, dtype=None
) -> dict[str, Array]:
    """Random weights ``randn * sigma`` and zero biases for layer sizes ``[nx, nh..., ny]``.

    >>> {k: v.shape for k, v in init_params([2, 10, 3], generator=0).items()}
    {'W1': (10, 2), 'b1': (10, 1), 'W2': (3, 10), 'b2': (3, 1)}
    """
    sizes = [check_int(n, "each layer size", low=1) for n in sizes]
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least the input and output sizes, got {sizes}; "
            "e.g. init_params([nx, nh, ny])"
        )
    sigma = check_sigma(sigma)
    dtype = np.dtype(dtype or get_default_dtype())
    rng = resolve_generator(generator)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = np.asarray(rng.standard_normal((n_out, n_in)) * sigma, dtype=dtype)
        params[f"b{i}"] = np.zeros((n_out, 1), dtype=dtype)
    return params


def _n_layers(params: dict[str, Array]) -> int:
    n = 0
    while f"W{n + 1}" in params:
        n += 1
    if n == 0 or any(f"b{i}" not in params for i in range(1, n + 1)):
        raise ValueError(
            f"params must hold W1, b1, ..., WL, bL (see init_params), got keys {sorted(params)}"
        )
    return n


def forward(params: dict[str, Array], X: Array) -> tuple[Array, dict[str, Array]]:
    """Return ``(yhat, outputs)``: probabilities and every intermediate value.

    ``outputs`` holds ``"X"``, ``"htilde1", "h1", ...`` for hidden layers (pre- and
    post-tanh), then ``"ytilde"`` (logits) and ``"yhat"`` (softmax).

    >>> yhat, outputs = forward(init_params([2, 3, 2], generator=0), np.zeros((4, 2)))
    >>> yhat.shape, sorted(outputs)
    ((4, 2), ['X', 'h1', 'htilde1', 'yhat', 'ytilde'])
    """
    n = _n_layers(params)
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != params["W1"].shape[1]:
        raise ValueError(
            f"X must have shape (batch, {params['W1'].shape[1]}) to match W1 "
            f"{tuple(params['W1'].shape)}, got {tuple(X.shape)}"
        )
    outputs = {"X": X}
    h = X
    for i in range(1, n):
        outputs[f"htilde{i}"] = h @ params[f"W{i}"].T + params[f"b{i}"].T
        outputs[f"h{i}"] = h = np.tanh(outputs[f"htilde{i}"])
    outputs["ytilde"] = h @ params[f"W{n}"].T + params[f"b{n}"].T
    outputs["yhat"] = kernels.softmax(outputs["ytilde"], axis=-1)
    return outputs["yhat"], outputs


def loss_accuracy(Yhat: Array, Y: Array) -> tuple[float, float]:
    """Mean cross-entropy ``-mean(sum(Y * log(Yhat)))`` and accuracy **in percent**.

    ``Y`` is one-hot (seed 001) or integer labels.

    >>> loss_accuracy(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]]))[1]
    100.0
    """
    Yhat = as_float_array(Yhat, "Yhat", ndim=2)
    Y = _one_hot(Y, Yhat.shape[0], Yhat.shape[1], Yhat.dtype, "Y")
    log_yhat = np.log(np.maximum(Yhat, np.finfo(Yhat.dtype).tiny))  # log(0) guarded
    loss = float(-np.mean(np.sum(Y * log_yhat, axis=1)))
    acc = float(np.mean(np.argmax(Yhat, axis=1) == label_indices(Y)) * 100.0)
    return loss, acc


def backward(params: dict[str, Array], outputs: dict[str, Array], Y: Array) -> dict[str, Array]:
    """Gradients of the mean cross-entropy, keyed like ``params``.

    Output layer: ``d ytilde = (yhat - Y) / batch``; each layer ``dW = d.T @ h_prev``,
    ``db = d.sum(0).T`` (``kernels.affine_backward``); going down:
    ``d htilde = (d @ W) * (1 - h**2)``.

    >>> params = init_params([2, 3, 2], generator=0)
    >>> grads = backward(params, forward(params, np.ones((4, 2)))[1], [0, 1, 1, 0])
    >>> grads["W1"].shape == params["W1"].shape
    True
    """
    n = _n_layers(params)
    yhat = outputs["yhat"]
    Y = _one_hot(Y, yhat.shape[0], yhat.shape[1], yhat.dtype, "Y")
    d = kernels.softmax_xent_grad(yhat, Y) / Y.shape[0]
    grads = {}
    for i in range(n, 0, -1):
        h_prev = outputs[f"h{i - 1}"] if i > 1 else outputs["X"]
        W = params[f"W{i}"] if i > 1 else None
        d_h, grads[f"W{i}"], db = kernels.affine_backward(h_prev, d, W)
        grads[f"b{i}"] = db[:, None]
        if i > 1:
            d = kernels.tanh_backward(h_prev, d_h)  # tanh' from its output h_prev
    return {k: grads[k] for k in params if k in grads}


def sgd(params: dict[str, Array], grads: dict[str, Array], eta: float) -> dict[str, Array]:
    """One gradient step ``p = p - eta * grad`` for every parameter; returns ``params``.

    Everything is checked before the first parameter changes.

    >>> p = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}
    >>> sgd(p, {"W1": np.ones((1, 1)), "b1": np.ones((1, 1))}, eta=0.5)["W1"].tolist()
    [[0.5]]
    """
    eta = check_learning_rate(eta)
    missing = [k for k in params if k not in grads]
    if missing:
        raise ValueError(
            f"grads lack {missing}; pass the dict returned by backward(params, outputs, Y)"
        )
    for k, p in params.items():
        if grads[k].shape != p.shape:
            raise ValueError(f"grads[{k!r}] has shape {grads[k].shape}, expected {p.shape}")
    for k in params:
        params[k] = (params[k] - eta * grads[k]).astype(params[k].dtype, copy=False)
    return params
