"""Loss modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)``.

Each wraps a fused loss op of :mod:`tinyprop.ops.loss`. As in PyTorch, ``weight`` and
``pos_weight`` are registered as buffers (so they appear in ``state_dict()``).
"""

from __future__ import annotations

import numbers

from ..ops import loss as L
from ..tensor import Tensor
from .module import Module


def _reduction(reduction, name: str) -> str:
    if reduction not in L.REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of {L.REDUCTIONS}, got {reduction!r} "
            "('mean' averages over the batch, 'sum' adds up, 'none' keeps one value per sample)"
        )
    return reduction


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _reduction(reduction, type(self).__name__)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits: targets are class indices (N,) or
    probabilities (N, C). ``weight`` per class, ``ignore_index`` for index targets,
    ``label_smoothing`` in [0, 1], as ``torch.nn.CrossEntropyLoss``.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> loss = nn.CrossEntropyLoss()(tp.tensor([[2.0, 0.0]]), tp.tensor([0]))
    >>> round(loss.item(), 4)  # log(1 + exp(-2))
    0.1269
    """

    def __init__(
        self,
        weight=None,
        *,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
            raise TypeError(f"CrossEntropyLoss: ignore_index must be an int, got {ignore_index!r}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target) -> Tensor:
        return L.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (after ``LogSoftmax``).

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> logp = tp.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> round(nn.NLLLoss()(logp, tp.tensor([0, 1])).item(), 4)
    0.3
    """

    def __init__(self, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
            raise TypeError(f"NLLLoss: ignore_index must be an int, got {ignore_index!r}")
        self.ignore_index = int(ignore_index)

    def forward(self, input, target) -> Tensor:
        return L.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Mean squared error; input and target shapes must match.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.MSELoss()(tp.tensor([1.0, 2.0]), tp.tensor([0.0, 0.0])).item()
    2.5
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input, target) -> Tensor:
        return L.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error; input and target shapes must match.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.L1Loss()(tp.tensor([1.0, -2.0]), tp.tensor([0.0, 0.0])).item()
    1.5
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input, target) -> Tensor:
        return L.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Squared error within ``delta``, absolute error (shifted) beyond it.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> loss_fn = nn.HuberLoss(reduction="none")
    >>> loss_fn(tp.tensor([0.5, 3.0]), tp.tensor([0.0, 0.0])).tolist()
    [0.125, 2.5]
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or not delta > 0:
            raise ValueError(f"HuberLoss: delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, input, target) -> Tensor:
        return L.huber_loss(input, target, self.reduction, self.delta)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy from logits, stable for any logit size.

    ``weight`` rescales each element's loss (broadcast to the input); ``pos_weight``
    weights the positive term per class.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> loss = nn.BCEWithLogitsLoss()(tp.tensor([0.0, 0.0]), tp.tensor([1.0, 0.0]))
    >>> round(loss.item(), 4)  # log(2)
    0.6931
    """

    def __init__(self, weight=None, *, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target) -> Tensor:
        return L.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )
