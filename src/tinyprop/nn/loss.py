"""Loss modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)``.

Each wraps a fused loss op of :mod:`tinyprop.ops.loss`, with PyTorch's constructor
signature (positional order and the deprecated ``size_average`` / ``reduce`` included). As
in PyTorch, ``weight`` and ``pos_weight`` are registered as buffers (so they appear in
``state_dict()``).
"""

from __future__ import annotations

from .._validate import check_choice, check_float, check_int
from ..ops import loss as L
from ..tensor import Tensor
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        name = type(self).__name__
        if size_average is not None or reduce is not None:
            reduction = L.legacy_reduction(size_average, reduce, reduction, name)
        self.reduction = check_choice(
            reduction, f"{name}: reduction", L.REDUCTIONS,
            fix="'mean' averages over the batch, 'sum' adds up, 'none' keeps one value per "
            "sample",
        )


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits (N, C), (C,) or (N, C, d1, ..., dK): targets are
    class indices (N,), () or (N, d1, ..., dK), or probabilities of the input's shape.
    ``weight`` per class, ``ignore_index`` for index targets, ``label_smoothing`` in
    [0, 1], as ``torch.nn.CrossEntropyLoss`` (same positional order).

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> loss = nn.CrossEntropyLoss()(tp.tensor([[2.0, 0.0]]), tp.tensor([0]))
    >>> round(loss.item(), 4)  # log(1 + exp(-2))
    0.1269
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = check_int(ignore_index, "CrossEntropyLoss: ignore_index")
        self.label_smoothing = check_float(
            label_smoothing, "CrossEntropyLoss: label_smoothing", low=0, high=1
        )

    def forward(self, input, target) -> Tensor:
        return L.cross_entropy(
            input, target, self.weight, ignore_index=self.ignore_index,
            reduction=self.reduction, label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (after ``LogSoftmax``): input (N, C),
    (C,) or (N, C, d1, ..., dK), class-index targets (N,), () or (N, d1, ..., dK).

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> logp = tp.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> round(nn.NLLLoss()(logp, tp.tensor([0, 1])).item(), 4)
    0.3
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = check_int(ignore_index, "NLLLoss: ignore_index")

    def forward(self, input, target) -> Tensor:
        return L.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error; input and target shapes must match.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.MSELoss()(tp.tensor([1.0, 2.0]), tp.tensor([0.0, 0.0])).item()
    2.5
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input, target) -> Tensor:
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error; input and target shapes must match.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.L1Loss()(tp.tensor([1.0, -2.0]), tp.tensor([0.0, 0.0])).item()
    1.5
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input, target) -> Tensor:
        return L.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Squared error within ``delta``, absolute error (shifted) beyond it.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> loss_fn = nn.HuberLoss(reduction="none")
    >>> loss_fn(tp.tensor([0.5, 3.0]), tp.tensor([0.0, 0.0])).tolist()
    [0.125, 2.5]
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = check_float(delta, "HuberLoss: delta", low=0, closed="neither",
                                 finite=False)

    def forward(self, input, target) -> Tensor:
        return L.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by ``beta``: ``0.5 d**2 / beta`` within ``beta``, ``|d| - beta/2``
    beyond; ``beta=0`` is the L1 loss.

    >>> import tinyprop as tp
    >>> from tinyprop.nn.loss import SmoothL1Loss
    >>> SmoothL1Loss(reduction="none", beta=2.0)(tp.tensor([1.0, 3.0]), tp.zeros(2)).tolist()
    [0.25, 2.0]
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = check_float(beta, "SmoothL1Loss: beta", low=0, finite=False)

    def forward(self, input, target) -> Tensor:
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


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

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target) -> Tensor:
        return L.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
