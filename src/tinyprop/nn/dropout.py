"""``Dropout``: inverted dropout, active in training mode only."""

from __future__ import annotations

from ..backend import resolve_generator
from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` during training and scale the kept ones
    by ``1 / (1 - p)`` (so evaluation needs no rescaling); the identity in eval mode.

    Masks come from ``generator`` (a ``numpy.random.Generator``, or an int seed that
    starts a private generator) or, when it is None, from tinyprop's default generator
    at call time, so ``tp.manual_seed(s)`` makes runs repeatable.

    >>> import tinyprop as tp
    >>> drop = Dropout(0.5, generator=0)
    >>> y = drop(tp.ones(1000))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> drop.eval()(tp.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, generator=None) -> None:
        super().__init__()
        self.p = F._check_p(p)
        self.inplace = bool(inplace)
        self.generator = None if generator is None else resolve_generator(generator)

    def forward(self, x) -> Tensor:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
