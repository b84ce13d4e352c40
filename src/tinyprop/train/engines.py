"""The two engines behind one training interface.

An engine owns a model and knows how to take one optimisation step on a batch and how
to evaluate arrays. ``AutogradEngine`` drives an ``nn.Module`` with an optimizer and a
loss; ``ManualEngine`` drives a ``manual.Network`` (hand-derived backward) whose arrays
are exposed to the same optimizers through Tensors that share their memory.
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


class AutogradEngine:
    """Train an autograd ``nn.Module``: forward, loss, backward, optimizer step.

    >>> from tinyprop import nn, optim
    >>> model = nn.Linear(2, 2)
    >>> engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    >>> _ = engine.train_step(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))
    >>> engine.predict_logits(np.ones((3, 2), np.float32)).shape
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

    def predict_logits(self, X, batch_size: int = 2048) -> np.ndarray:
        """Logits for an array of inputs, in evaluation mode, without recording."""
        was_training = self.model.training
        self.model.eval()
        out = []
        with no_grad():
            for i in range(0, len(X), batch_size):
                xb = _as_batch(X[i:i + batch_size], self.dtype)
                out.append(self.model(Tensor._wrap(xb))._data)
        if was_training:
            self.model.train()
        return np.concatenate(out) if out else np.zeros((0, 0), self.dtype)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])


class ManualEngine:
    """Train a ``manual.Network`` with a manual cost; any ``tinyprop.optim`` optimizer
    updates its arrays in place through Tensors that share their memory.

    >>> from tinyprop import manual, optim
    >>> net = manual.Network([manual.Linear(2, 2, generator=0)])
    >>> engine = ManualEngine(net, manual.SoftmaxCrossEntropy(), lambda ps: optim.SGD(ps, lr=0.1))
    >>> _ = engine.train_step(np.ones((4, 2), np.float32), np.array([0, 1, 0, 1]))
    >>> engine.predict_logits(np.ones((3, 2), np.float32)).shape
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

    def predict_logits(self, X, batch_size: int = 2048) -> np.ndarray:
        out = [self.model.forward(_as_batch(X[i:i + batch_size], self.dtype))
               for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, 0), self.dtype)

    def state_dict(self) -> dict:
        model = {name: arr.copy() for name, arr in self.model.parameters().items()}
        return {"model": model, "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        params = self.model.parameters()
        given = state["model"]
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
        self.optimizer.load_state_dict(state["optimizer"])
        for name, arr in params.items():
            arr[...] = given[name]


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
