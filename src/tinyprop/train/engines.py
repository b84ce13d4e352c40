"""The two engines behind one training interface.

An engine owns a model and offers two things: ``train_step(X, y)``, one optimisation
step on a batch that returns (summed loss, number correct), and ``forward(X)``, the
logits of a batch (array in, array out, evaluation mode, nothing recorded);
``predict_logits(X)`` runs ``forward`` over any number of rows in chunks.
``AutogradEngine`` drives an ``nn.Module`` with an optimizer and a loss;
``ManualEngine`` drives a ``manual.Network`` (hand-derived backward) whose arrays are
exposed to the same optimizers through Tensors that share their memory; ``LayerEngine``
drives a seed-003 network that updates itself (``update_parameters(learning_rate)``).
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..errors import CheckpointError, DataError
from ..grad_mode import no_grad
from ..tensor import Tensor


def _as_batch(X, dtype):
    if X.dtype == np.uint8:
        return np.true_divide(X, 255, dtype=dtype)
    return X if X.dtype == dtype else X.astype(dtype)


def _n_correct(logits, y) -> int:
    """Correct argmax predictions for class labels; 0 for other targets (regression)."""
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu" or logits.ndim != 2:
        return 0
    return int(np.count_nonzero(logits.argmax(axis=1) == y))


class _Engine:
    """What every engine shares: ``predict_logits`` over ``forward``."""

    dtype = np.float32

    def forward(self, X) -> np.ndarray:  # pragma: no cover - each engine has its own
        raise NotImplementedError

    def predict_logits(self, X, batch_size: int = 2048) -> np.ndarray:
        """Logits for an array of inputs, ``batch_size`` rows at a time (see ``forward``)."""
        out = [self.forward(_as_batch(X[i:i + batch_size], self.dtype))
               for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, 0), self.dtype)


class AutogradEngine(_Engine):
    """Train an autograd ``nn.Module``: forward, loss, backward, optimizer step.

    >>> from tinyprop import nn, optim
    >>> model = nn.Linear(2, 2)
    >>> engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    >>> _ = engine.train_step(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))
    >>> engine.forward(np.ones((3, 2), np.float32)).shape
    (3, 2)
    """

    name = "autograd"

    def __init__(self, model, optimizer, loss_fn=None) -> None:
        from ..ops.loss import cross_entropy

        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn or cross_entropy
        p = next(iter(model.parameters()), None)
        self.dtype = p.dtype if p is not None else np.float32

    def train_step(self, X, y):
        """One step on a batch; returns (summed loss, number correct) for the batch."""
        if not self.model.training:
            self.model.train()
        self.optimizer.zero_grad()
        logits = self.model(Tensor._wrap(X))
        return self._finish(self.loss_fn(logits, y), logits, y)

    def _finish(self, loss, logits, y):
        """Backward through an eager graph, step, and the (summed loss, correct) pair."""
        loss.backward()
        self.optimizer.step()
        return float(loss._data) * len(y), _n_correct(logits._data, y)

    def forward(self, X) -> np.ndarray:
        """Logits of a batch, in evaluation mode, without recording a graph."""
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                return self.model(Tensor._wrap(X))._data
        finally:
            if was_training:
                self.model.train()

    def model_state_dict(self) -> dict:
        """A snapshot of the model's weights (copies; no optimizer state)."""
        return self.model.state_dict()

    def load_model_state_dict(self, weights: dict) -> None:
        self.model.load_state_dict(weights)

    def state_dict(self) -> dict:
        return {"model": self.model_state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])


class ManualEngine(_Engine):
    """Train a ``manual.Network`` with a manual cost; any ``tinyprop.optim`` optimizer
    updates its arrays in place through Tensors that share their memory.

    >>> from tinyprop import manual, optim
    >>> net = manual.Network([manual.Linear(2, 2, generator=0)])
    >>> engine = ManualEngine(net, manual.SoftmaxCrossEntropy(), lambda ps: optim.SGD(ps, lr=0.1))
    >>> _ = engine.train_step(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))
    >>> engine.forward(np.ones((3, 2), np.float32)).shape
    (3, 2)
    """

    name = "manual"

    def __init__(self, network, cost, optimizer_factory) -> None:
        self.model = network
        self.cost = cost
        params = network.parameters()
        grads = network.gradients()
        self.tensors = {}
        for name, arr in params.items():
            t = Tensor._wrap(arr)
            t.requires_grad = True
            t.grad = Tensor._wrap(grads[name])
            self.tensors[name] = t
        self.optimizer = optimizer_factory(list(self.tensors.values()))
        first = network.layers[0] if len(network.layers) else None
        if hasattr(first, "input_grad"):
            first.input_grad = False  # the input is data: skip its gradient
        first = next(iter(params.values()), None)
        self.dtype = first.dtype if first is not None else np.float32

    def train_step(self, X, y):
        # The layers are chained here rather than through Network.forward, whose per-call
        # input check (finite values) the DataLoader already did once for the whole set.
        layers = self.model.layers
        getattr(self.model, "overwrite_gradients", self.model.zero_gradients)()
        x = X
        for layer in layers:
            x = layer.forward(x)
        loss = self.cost.estimate(y, x)
        d = self.cost.gradient()
        for layer in reversed(layers):
            d = layer.backward(d)
        self.optimizer.step()
        return float(loss) * len(y), _n_correct(x, y)

    def forward(self, X) -> np.ndarray:
        """The network's outputs for a batch (a manual network records nothing)."""
        return self.model.forward(X)

    def model_state_dict(self) -> dict:
        """A snapshot of the network's weights (copies; no optimizer state)."""
        return {name: arr.copy() for name, arr in self.model.parameters().items()}

    def load_model_state_dict(self, weights: dict) -> None:
        self._check_weights(weights)
        for name, arr in self.model.parameters().items():
            arr[...] = weights[name]

    def state_dict(self) -> dict:
        return {"model": self.model_state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self._check_weights(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.load_model_state_dict(state["model"])

    def _check_weights(self, given: dict) -> None:
        params = self.model.parameters()
        if set(given) != set(params):
            raise CheckpointError(
                f"checkpoint has parameters {sorted(given)}, this network has {sorted(params)}; "
                "resume with the same model configuration"
            )
        for name, arr in params.items():
            if np.shape(given[name]) != arr.shape:
                raise CheckpointError(
                    f"checkpoint parameter {name!r} has shape {np.shape(given[name])}, "
                    f"the network's has {tuple(arr.shape)}"
                )


class LayerEngine(_Engine):
    """Train a seed-003 network with its own update: per batch ``zero_gradients``,
    ``forward``, ``cost.estimate``, ``backward(cost.gradient(loss))`` and
    ``update_parameters(learning_rate)``. Any object with those methods works (a
    ``manual.Network``, a single layer, a user-written network); targets are integer
    labels or one-hot rows. What :func:`tinyprop.manual.train` drives.

    >>> from tinyprop import manual
    >>> net = manual.Network([manual.Linear(2, 2, generator=0)])
    >>> engine = LayerEngine(net, manual.SoftmaxCrossEntropy(), learning_rate=0.1)
    >>> _ = engine.train_step(np.ones((4, 2)), np.array([0, 1, 0, 1]))
    >>> engine.forward(np.ones((3, 2))).shape
    (3, 2)
    """

    name = "layer"
    optimizer = None  # the network updates itself

    def __init__(self, network, cost, learning_rate: float) -> None:
        self.model = network
        self.cost = cost
        self.learning_rate = learning_rate
        self.dtype = np.float64
        self.last_cost = float("nan")

    def train_step(self, X, y):
        net = self.model
        net.zero_gradients()
        prediction = net.forward(X)
        loss = self.cost.estimate(y, prediction)
        net.backward(self.cost.gradient(loss))
        net.update_parameters(self.learning_rate)
        self.last_cost = float(np.mean(loss))  # the seed's batch cost, as it reports it
        truth = np.asarray(y)
        if truth.ndim == 2 and prediction.ndim == 2:  # one-hot rows
            return self.last_cost * len(y), int(np.count_nonzero(
                prediction.argmax(axis=1) == truth.argmax(axis=1)))
        return self.last_cost * len(y), _n_correct(prediction, truth)

    def forward(self, X) -> np.ndarray:
        return self.model.forward(X)


def evaluate(engine, X, y, batch_size: int = 2048) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``engine``'s model on (X, y).

    >>> from tinyprop import nn, optim
    >>> model = nn.Linear(2, 2)
    >>> _ = [nn.init.zeros_(p) for p in model.parameters()]  # equal logits: loss log(2)
    >>> engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    >>> loss, acc = evaluate(engine, np.ones((4, 2), np.float32), np.array([0, 0, 1, 1]))
    >>> round(loss, 4), acc
    (0.6931, 0.5)
    """
    if len(X) == 0:
        raise DataError("cannot evaluate on an empty dataset; pass at least one sample")
    logits = engine.predict_logits(X, batch_size).astype(np.float64, copy=False)
    logp = kernels.log_softmax(logits, axis=1)
    loss = float(-logp[np.arange(len(y)), y].mean())
    acc = float((logits.argmax(axis=1) == y).mean())
    return loss, acc
