"""The playground's network: layers, initial weights, penalty and the record of a step.

:func:`initial_model` builds the MLP the settings describe: ``Linear`` layers, each
hidden one followed by its activation and a dropout layer, as an ``nn.Sequential``;
:func:`manual_network` copies it into a ``manual.Network`` (hand-derived backward).
Both start from the same weights (drawn once, from ``tp.manual_seed(seed)``) and draw
the same dropout masks (one generator per network, seeded alike); the engines
(``engines.py``) step the same ``tinyprop.optim`` optimizer, so for the same settings
they compute the same numbers.

Regularisation applies to the weights, not the biases (:class:`Penalty`): L1 adds
``rate * sum|w|`` to the loss (gradient ``rate * sign(w)``), L2 adds
``rate / 2 * sum w**2`` (gradient ``rate * w``). The autograd engine puts the term into
the loss it differentiates; the manual engine adds its hand-written gradient to ``dw``.
A :class:`Trace` holds every number of one recorded training step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import manual
from .settings import Settings

_NN_ACT = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "linear": "Identity"}


class Penalty:
    """The weights' L1 or L2 penalty (mutable: the page changes it between batches)."""

    def __init__(self, kind: str = "none", rate: float = 0.0) -> None:
        self.kind, self.rate = kind, float(rate)

    @property
    def active(self) -> bool:
        return self.kind != "none" and self.rate > 0

    def value(self, weights) -> float:
        """The penalty of a list of weight arrays."""
        if not self.active:
            return 0.0
        if self.kind == "l1":
            return self.rate * float(sum(np.abs(w).sum() for w in weights))
        return 0.5 * self.rate * float(sum((w * w).sum() for w in weights))

    def tensor(self, weights):
        """The penalty as a Tensor of the autograd weights (None when inactive)."""
        if not self.active:
            return None
        if self.kind == "l1":
            terms = [w.abs().sum() for w in weights]
        else:
            terms = [(w * w).sum() for w in weights]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total * (self.rate if self.kind == "l1" else 0.5 * self.rate)

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """``d penalty / d w`` (what the manual engine adds to ``dw``)."""
        if not self.active:
            return np.zeros_like(w)
        if self.kind == "l1":
            return (self.rate * np.sign(w)).astype(w.dtype)
        return (self.rate * w).astype(w.dtype)


@dataclass
class Trace:
    """Every number of one traced training step (arrays per ``Linear`` layer, in order).

    ``inputs[k]`` is layer k's input ``a`` (batch, n_in) and ``z[k]`` its output; ``delta[k]``
    is ``dL/dz``; ``input_grad[k]`` is ``dL/da`` for k >= 1 (None for the data);
    ``weight``/``bias`` are the values before the step, ``weight_after``/``bias_after``
    after it; ``weight_grad``/``bias_grad`` the gradients the optimizer used (data term
    plus penalty); ``hidden[k]`` the activation output of hidden layer k before dropout.
    """

    X: np.ndarray
    y: np.ndarray
    loss: float
    penalty: float
    inputs: list = field(default_factory=list)
    z: list = field(default_factory=list)
    delta: list = field(default_factory=list)
    input_grad: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    weight: list = field(default_factory=list)
    bias: list = field(default_factory=list)
    weight_grad: list = field(default_factory=list)
    bias_grad: list = field(default_factory=list)
    weight_after: list = field(default_factory=list)
    bias_after: list = field(default_factory=list)
    output: np.ndarray | None = None


# ---- manual layers the playground needs ----------------------------------------------------


class Identity(manual.Layer):
    """The ``linear`` activation: ``x_out = x_in``, ``d_in = d_out``."""

    preserves_shape = True

    def forward(self, x_in):
        return x_in

    def backward(self, d_out):
        return d_out


class Dropout(manual.Layer):
    """Inverted dropout by hand: ``x_out = x_in * mask`` with ``mask`` 0 (probability
    ``p``) or ``1 / (1 - p)``, drawn as ``tinyprop.nn.functional.dropout`` draws it
    (``generator.random(shape) >= p``); ``d_in = d_out * mask``. The identity when
    ``training`` is False or ``p`` is 0."""

    preserves_shape = True

    def __init__(self, p: float, generator: np.random.Generator) -> None:
        self.p, self.generator, self.training, self.mask = float(p), generator, True, None

    def forward(self, x_in):
        if not self.training or self.p == 0.0:
            self.mask = None
            return x_in
        keep = self.generator.random(x_in.shape) >= self.p
        self.mask = keep.astype(x_in.dtype) * x_in.dtype.type(1.0 / (1.0 - self.p))
        return x_in * self.mask

    def backward(self, d_out):
        return d_out if self.mask is None else d_out * self.mask


# ---- building -------------------------------------------------------------------------------


def layer_sizes(s: Settings, n_out: int) -> list[int]:
    return [s.n_features, *s.hidden, n_out]


def initial_model(s: Settings, n_out: int):
    """The ``nn.Sequential`` the settings describe, with its initial weights: seeded by
    ``tp.manual_seed(s.seed)``, each ``Linear``'s weight re-drawn by ``s.init`` (the
    seeds' ``sigma * randn``, Xavier-uniform with the gain of the layer's activation, or
    He-normal) and its bias zero. The exported script repeats exactly these calls."""
    import tinyprop as tp
    from tinyprop import nn

    tp.manual_seed(s.seed)
    sizes = layer_sizes(s, n_out)
    acts = [*s.activations, "linear"]
    drop_rng = np.random.default_rng(s.seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b)
        if s.init == "normal":
            nn.init.normal_(lin.weight, 0.0, s.sigma)
        elif s.init == "xavier":
            gain = nn.init.calculate_gain(acts[i] if acts[i] != "linear" else "linear")
            nn.init.xavier_uniform_(lin.weight, gain=gain)
        else:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(getattr(nn, _NN_ACT[acts[i]])())
            layers.append(nn.Dropout(s.dropout, generator=drop_rng))
    return nn.Sequential(*layers)


def manual_network(model, s: Settings) -> manual.Network:
    """A ``manual.Network`` with a copy of ``model``'s weights
    (:func:`tinyprop.train.to_manual_network`), plus the playground's :class:`Identity`
    and :class:`Dropout` layers, the dropout layers sharing one generator seeded alike."""
    from tinyprop import nn
    from tinyprop.train import to_manual_network

    drop_rng = np.random.default_rng(s.seed)
    return to_manual_network(model, convert={
        nn.Identity: lambda m: Identity(),
        nn.Dropout: lambda m: Dropout(m.p, drop_rng)})


def build_optimizer(s: Settings, params):
    from tinyprop import optim

    if s.optimizer == "sgd":
        return optim.SGD(params, lr=s.lr)
    if s.optimizer == "momentum":
        return optim.SGD(params, lr=s.lr, momentum=0.9)
    if s.optimizer == "adam":
        return optim.Adam(params, lr=s.lr)
    return optim.RMSprop(params, lr=s.lr)
