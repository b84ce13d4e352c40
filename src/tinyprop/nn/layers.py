"""Basic layers: ``Linear``, ``Identity``, ``Flatten``."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_allocation, check_int
from ..backend import get_default_dtype, resolve_generator
from ..ops.affine import LinearFunction
from ..tensor import Tensor, as_tensor_data
from . import init
from .module import Module
from .parameter import Parameter


def float_dtype(dtype, layer: str) -> np.dtype:
    """``dtype`` (default: tinyprop's default float dtype), which must be a float dtype."""
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{layer}: dtype must be float32 or float64, got {dt}")
    return dt


def dtype_error(layer: str, x: Tensor, param: Tensor) -> TypeError:
    return TypeError(
        f"{layer} got input of dtype {x.dtype} but its parameters are {param.dtype}; convert "
        f"the input (x.float() for float32, x.double() for float64) or the model "
        f"(model.double() / model.float())"
    )


class Linear(Module):
    """Affine layer ``y = x @ W.T + b`` with ``W`` of shape (out_features, in_features).

    Default initialisation is PyTorch's: ``kaiming_uniform_(W, a=sqrt(5))``, which is
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and the bias from the same
    U(-1/sqrt(in_features), 1/sqrt(in_features)). ``generator`` (a
    ``numpy.random.Generator`` or int seed) makes the initial weights reproducible;
    without it tinyprop's default generator (``tp.manual_seed``) is used.

    >>> import tinyprop as tp
    >>> layer = Linear(64, 50, generator=0)
    >>> layer(tp.zeros(32, 64)).shape
    tinyprop.Size([32, 50])
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype=None, generator=None
    ) -> None:
        super().__init__()
        size = "a positive integer"
        self.in_features = check_int(in_features, "Linear: in_features", low=1, expected=size)
        self.out_features = check_int(out_features, "Linear: out_features", low=1, expected=size)
        dt = float_dtype(dtype, "Linear")
        # the weight and the float64 draws that initialise it, refused before allocating
        check_allocation((self.out_features, self.in_features), dt, "nn.Linear", count=3)
        self.weight = Parameter(Tensor._wrap(np.empty((out_features, in_features), dtype=dt)))
        if bias:
            self.bias = Parameter(Tensor._wrap(np.empty((out_features,), dtype=dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw the weights with PyTorch's default distribution (see the class doc)."""
        g = resolve_generator(generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=g)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=g)

    def forward(self, x) -> Tensor:
        params = self._parameters
        w = params["weight"]
        if not isinstance(x, Tensor):
            x = as_tensor_data(x)
        shape = x._data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}) got input of shape {tuple(shape)}: "
                f"expected last dimension {self.in_features}; reshape or flatten the input, "
                f"or build the layer as Linear({shape[-1] if shape else '?'}, "
                f"{self.out_features})"
            )
        if x._data.dtype != w._data.dtype:
            raise dtype_error("Linear", x, w)
        return LinearFunction.apply(x, w, params["bias"])

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer).

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> nn.Identity(54, unused=True)(tp.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one; by default keep the batch dim.

    >>> import tinyprop as tp
    >>> Flatten()(tp.zeros(32, 8, 8)).shape
    tinyprop.Size([32, 64])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_int(start_dim, "Flatten: start_dim")
        self.end_dim = check_int(end_dim, "Flatten: end_dim")

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_tensor_data(x)
        nd = x.ndim
        if nd and not (-nd <= self.start_dim < nd and -nd <= self.end_dim < nd):
            raise ValueError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) got input of "
                f"shape {x._data.shape} with {nd} dimensions; the dims must lie in "
                f"[{-nd}, {nd - 1}]"
            )
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
