"""Activation modules: thin wrappers over the engine's activation ops.

``inplace`` is accepted where PyTorch has it, for drop-in compatibility; tinyprop
always returns a new tensor (the values are the same).
"""

from __future__ import annotations

import warnings

from .._validate import check_choice, check_float
from ..ops import activation as A
from ..tensor import Tensor
from .module import Module


class _Activation(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """Hyperbolic tangent, element-wise.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> [round(v, 4) for v in nn.Tanh()(tp.tensor([-1.0, 0.0, 2.0])).tolist()]
    [-0.7616, 0.0, 0.964]
    """

    def forward(self, x) -> Tensor:
        return A.tanh(x)


class Sigmoid(Module):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, element-wise.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> [round(v, 4) for v in nn.Sigmoid()(tp.tensor([-1.0, 0.0, 2.0])).tolist()]
    [0.2689, 0.5, 0.8808]
    """

    def forward(self, x) -> Tensor:
        return A.sigmoid(x)


class ReLU(_Activation):
    """``max(x, 0)``, element-wise.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.ReLU()(tp.tensor([-1.0, 0.0, 2.0])).tolist()
    [0.0, 0.0, 2.0]
    """

    def forward(self, x) -> Tensor:
        return A.relu(x)


class LeakyReLU(_Activation):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> y = nn.LeakyReLU(0.1)(tp.tensor([-1.0, 0.0, 2.0]))
    >>> [round(v, 4) for v in y.tolist()]
    [-0.1, 0.0, 2.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = check_float(negative_slope, "LeakyReLU: negative_slope")

    def forward(self, x) -> Tensor:
        return A.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_Activation):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> [round(v, 4) for v in nn.ELU()(tp.tensor([-1.0, 0.0, 2.0])).tolist()]
    [-0.6321, 0.0, 2.0]
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = check_float(alpha, "ELU: alpha")

    def forward(self, x) -> Tensor:
        return A.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit; ``approximate='tanh'`` for the tanh formula.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> x = tp.tensor([-1.0, 0.0, 2.0])
    >>> [round(v, 4) for v in nn.GELU()(x).tolist()]
    [-0.1587, 0.0, 1.9545]
    >>> [round(v, 4) for v in nn.GELU(approximate='tanh')(x).tolist()]
    [-0.1588, 0.0, 1.9546]
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check_choice(approximate, "GELU: approximate", ("none", "tanh"))

    def forward(self, x) -> Tensor:
        return A.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> [round(v, 4) for v in nn.Softplus()(tp.tensor([-1.0, 0.0, 2.0])).tolist()]
    [0.3133, 0.6931, 2.1269]
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = check_float(beta, "Softplus: beta", low=0, closed="neither")
        self.threshold = check_float(threshold, "Softplus: threshold", finite=False)

    def forward(self, x) -> Tensor:
        return A.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _softmax_dim(dim, x, name: str) -> int:
    if dim is not None:
        return dim
    nd = x.ndim if isinstance(x, Tensor) else len(getattr(x, "shape", ()))
    warnings.warn(
        f"implicit dimension choice for {name} is deprecated (as in PyTorch); pass dim= "
        "explicitly, e.g. dim=1 for (N, C) logits",
        UserWarning,
        stacklevel=3,
    )
    return 0 if nd in (0, 1, 3) else 1


class Softmax(Module):
    """Softmax along ``dim`` (give it: ``Softmax(dim=1)`` for (N, C) scores).

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.Softmax(dim=1)(tp.tensor([[1.0, 1.0, 1.0, 1.0]])).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x) -> Tensor:
        return A.softmax(x, _softmax_dim(self.dim, x, "Softmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> y = nn.LogSoftmax(dim=1)(tp.tensor([[0.0, 0.0]]))
    >>> [round(v, 4) for v in y.tolist()[0]]
    [-0.6931, -0.6931]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x) -> Tensor:
        return A.log_softmax(x, _softmax_dim(self.dim, x, "LogSoftmax"))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
