"""Seed 003's training helpers for a manual ``Network`` and ``Cost``, on any ``(X, Y)`` arrays.

``train`` and ``train_epoch`` run on the library's one epoch loop,
:class:`tinyprop.train.Trainer`, with a :class:`~tinyprop.train.LayerEngine` taking the
seed's steps (see :mod:`tinyprop.train.layer_loop`); ``validate_epoch`` measures accuracy.

>>> from tinyprop.manual import Linear, Network, SoftmaxCrossEntropy
>>> X = np.random.default_rng(0).normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
>>> net = Network([Linear(2, 2, generator=0)])
>>> history = train(net, SoftmaxCrossEntropy(), 5, 8, 0.5, X, y, progress=False)
>>> len(history["cost"]), history["accuracy"][-1] > 0.8
(5, True)
"""

from __future__ import annotations

import numpy as np

from .._validate import check_finite, check_int
from ..backend import resolve_generator
from ..errors import DataError, TinypropTypeError
from ._validation import (
    _labels,
    as_float_array,
    check_learning_rate,
    label_indices,
)
from .layers import Array


def _batches(n: int, batch_size: int, desc: str, progress: bool):
    starts = range(0, n, batch_size)
    if not progress:
        return starts
    from tqdm.auto import tqdm  # lazy: only when a bar is asked for

    return tqdm(starts, desc=desc, leave=False)


def _check_data(X: Array, Y: Array, name: str) -> tuple[Array, Array]:
    X = as_float_array(X, f"X_{name}")
    Y = np.asarray(Y)
    if Y.ndim not in (1, 2):
        raise DataError(
            f"Y_{name} must be integer labels (N,) or one-hot rows (N, classes), got shape "
            f"{tuple(Y.shape)}"
        )
    if len(X) != len(Y):
        raise DataError(
            f"X_{name} has {len(X)} samples but Y_{name} has {len(Y)}; pass one target per sample"
        )
    if len(X) == 0:
        raise DataError(f"X_{name} is empty; pass at least one sample")
    return X, Y


def _check_targets(net, Y: Array, name: str) -> None:
    """Check every target before the first update, so a bad one deep in the data cannot
    leave the network half-trained: numbers, finite, and (when the network declares its
    outputs) labels in range or one-hot rows of the right width."""
    if Y.dtype.kind not in "biuf":
        raise TinypropTypeError(
            f"Y_{name} must be numeric (integer labels or one-hot rows), got dtype {Y.dtype}"
        )
    if Y.dtype.kind == "f":
        check_finite(Y, f"Y_{name}")
    n_out = getattr(net, "out_features", None)
    if not isinstance(n_out, int):
        return
    if Y.ndim == 1 and Y.dtype.kind in "iu":
        _labels(Y, n_out, f"Y_{name}")
    elif Y.ndim == 2 and Y.shape[1] != n_out:
        raise DataError(
            f"Y_{name} has shape {tuple(Y.shape)} but the network predicts {n_out} outputs; "
            f"expected one-hot rows of shape ({len(Y)}, {n_out}) or integer labels (N,)"
        )


def train_epoch(
    e: int,
    net,
    images: Array,
    labels: Array,
    cost_function,
    batch_size: int,
    learning_rate: float,
    progress: bool = True,
) -> float:
    """One pass over the data in order: per batch ``zero_gradients``, ``forward``, ``estimate``,
    ``backward(cost.gradient())``, ``update_parameters``. Returns the mean batch cost.

    (The seed returned the *sum* of batch costs; the mean does not grow with the data size.)

    >>> from tinyprop.manual import Linear, MeanSquareError, Network
    >>> net = Network([Linear(2, 1, generator=0)])
    >>> cost = train_epoch(0, net, np.ones((8, 2)), np.ones((8, 1)), MeanSquareError(), 4, 0.1,
    ...                    progress=False)
    """
    if len(images) == 0:
        return 0.0
    from ..train.layer_loop import fit_layers  # manual is below train: imported when used

    history = fit_layers(net, cost_function, 1, batch_size, learning_rate, images, labels,
                         progress=progress, first_epoch=e)
    return history["cost"][0]


def validate_epoch(
    e: int, net, images: Array, labels: Array, batch_size: int, progress: bool = True
) -> float:
    """Accuracy (fraction in ``[0, 1]``) of ``argmax(net.forward(x))`` against the targets.

    >>> from tinyprop.manual import SoftMax
    >>> validate_epoch(0, SoftMax(), np.eye(3), [0, 1, 1], 2, progress=False)
    0.6666666666666666
    """
    n_correct = n_total = 0
    for i in _batches(len(images), batch_size, f"validation, e={e}", progress):
        predictions = net.forward(images[i : i + batch_size])
        truth = label_indices(labels[i : i + batch_size])
        n_correct += int(np.sum(np.argmax(predictions, axis=1) == truth))
        n_total += len(truth)
    return n_correct / max(n_total, 1)


def train(
    net,
    cost,
    number_epochs: int,
    batch_size: int,
    learning_rate: float,
    X_train: Array,
    Y_train: Array,
    X_val: Array | None = None,
    Y_val: Array | None = None,
    progress: bool = True,
    shuffle: bool = False,
    generator=None,
) -> dict[str, list[float]]:
    """Train ``net`` with ``cost`` by minibatch SGD; return the per-epoch history.

    ``history["cost"]`` is the mean training batch cost of each epoch and
    ``history["accuracy"]`` the accuracy after it — on ``(X_val, Y_val)`` when given, else
    on the training data. Targets are one-hot rows or integer labels. Batches are taken in
    order unless ``shuffle=True`` (a new permutation each epoch from ``generator``).
    With ``progress=True`` tqdm bars are shown and a summary line is written per epoch.

    >>> from tinyprop.manual import Linear, MeanSquareError, Network
    >>> net = Network([Linear(2, 1, generator=0)])
    >>> history = train(net, MeanSquareError(), 2, 4, 0.1, np.ones((8, 2)), np.ones((8, 1)),
    ...                 progress=False)
    >>> sorted(history), len(history["cost"])
    (['accuracy', 'cost'], 2)
    """
    number_epochs = check_int(number_epochs, "number_epochs", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    learning_rate = check_learning_rate(learning_rate)
    X_train, Y_train = _check_data(X_train, Y_train, "train")
    _check_targets(net, Y_train, "train")
    if (X_val is None) != (Y_val is None):
        raise ValueError("pass both X_val and Y_val, or neither")
    if X_val is not None:
        X_val, Y_val = _check_data(X_val, Y_val, "val")
    X_eval, Y_eval = (X_val, Y_val) if X_val is not None else (X_train, Y_train)
    if number_epochs == 0:
        return {"cost": [], "accuracy": []}
    order = None
    if shuffle:
        rng = resolve_generator(generator)

        def order():  # each epoch's order of the rows
            return rng.permutation(len(X_train))

    from ..train.layer_loop import fit_layers  # manual is below train: imported when used

    return fit_layers(net, cost, number_epochs, batch_size, learning_rate, X_train, Y_train,
                      evaluation=(X_eval, Y_eval), progress=progress, order=order)
