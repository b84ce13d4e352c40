"""``Parameter``: a leaf Tensor that a Module registers as learnable."""

from __future__ import annotations

import numpy as np

from ..backend import get_default_dtype
from ..tensor import Tensor, to_array


class Parameter(Tensor):
    """A Tensor that is a model's learnable weight: a leaf with ``requires_grad=True``.

    Assigning a Parameter as a Module attribute registers it, so it shows up in
    ``module.parameters()`` and ``state_dict()``. Built from a Tensor it shares that
    tensor's array (as PyTorch shares storage); built from other data it copies it.
    Update its values through ``.data`` (or under ``tp.no_grad()``)::

        >>> import tinyprop as tp
        >>> w = Parameter(tp.zeros(2, 3))
        >>> w.requires_grad, w.is_leaf
        (True, True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = to_array(data)
        self.data = arr
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        # copy.deepcopy / copy.copy: rebuild from a copy of the array, keep the flag.
        return (_rebuild, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor._wrap(self.grad._data.copy())
        memo[id(self)] = out
        return out


def _rebuild(data, requires_grad):
    return Parameter(Tensor._wrap(data), requires_grad)
