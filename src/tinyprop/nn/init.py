"""Weight initialisers (``torch.nn.init``): each fills a Tensor in place and returns it.

Random ones draw from ``generator`` (a ``numpy.random.Generator`` or an int seed),
else from tinyprop's default generator (``tp.manual_seed``). The distributions are
PyTorch's; the random streams are NumPy's, so values differ from PyTorch's while the
statistics agree.

>>> import tinyprop as tp
>>> from tinyprop.nn import init
>>> w = init.xavier_uniform_(tp.empty(3, 5), generator=0)
>>> bool((w.abs() <= (6 / 8) ** 0.5).all())
True
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._validate import check_float
from ..backend import resolve_generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "ones_",
    "zeros_",
    "uniform_",
    "normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "_calculate_fan_in_and_fan_out",
    "calculate_fan_in_and_fan_out",
]

_LINEAR = (
    "linear",
    "identity",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def _array(tensor, what: str):
    if isinstance(tensor, Tensor):
        return tensor._data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"{what} fills a Tensor (or numpy array) in place, got {type(tensor).__name__}")


def _fill(tensor, values) -> Tensor:
    arr = _array(tensor, "init")
    arr[...] = values
    return tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope**2))
    with ``param`` the negative slope (default 0.01); selu: 3/4.

    >>> from tinyprop.nn import init
    >>> round(init.calculate_gain("relu"), 4), round(init.calculate_gain("leaky_relu", 0.2), 4)
    (1.4142, 1.3868)
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_float(param, "negative_slope")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR + ('tanh', 'relu', 'leaky_relu', 'selu'))}"
    )


def _calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: (out, in, *kernel) -> (in * k, out * k).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> init.calculate_fan_in_and_fan_out(tp.empty(3, 5))
    (5, 3)
    >>> init.calculate_fan_in_and_fan_out(tp.empty(4, 2, 3))
    (6, 12)
    """
    shape = _array(tensor, "fan computation").shape
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}; "
            "use uniform_/normal_/zeros_ for biases"
        )
    receptive = int(np.prod(shape[2:], dtype=np.int64)) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


calculate_fan_in_and_fan_out = _calculate_fan_in_and_fan_out


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _empty(tensor) -> bool:
    if _array(tensor, "init").size == 0:
        warnings.warn("initializing a zero-element tensor is a no-op", stacklevel=3)
        return True
    return False


def constant_(tensor, val: float) -> Tensor:
    """Fill with ``val``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> init.constant_(tp.empty(2, 2), 0.5).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    return _fill(tensor, val)


def zeros_(tensor) -> Tensor:
    """Fill with 0.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> init.zeros_(tp.ones(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    return _fill(tensor, 0)


def ones_(tensor) -> Tensor:
    """Fill with 1.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> init.ones_(tp.empty(2, 2)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    return _fill(tensor, 1)


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from U(a, b).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.uniform_(tp.empty(1000), -2.0, 2.0, generator=0)
    >>> bool((w.abs() <= 2.0).all()), w.shape
    (True, tinyprop.Size([1000]))
    """
    if not a <= b:
        raise ValueError(f"uniform_ needs a <= b, got a={a}, b={b}")
    arr = _array(tensor, "uniform_")
    return _fill(tensor, resolve_generator(generator).uniform(a, b, arr.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from N(mean, std**2).

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.normal_(tp.empty(10000), mean=1.0, std=2.0, generator=0)
    >>> round(w.mean().item(), 1), round(w.std().item(), 1)
    (1.0, 2.0)
    """
    if not std >= 0:
        raise ValueError(f"normal_ needs std >= 0, got {std}")
    arr = _array(tensor, "normal_")
    return _fill(tensor, resolve_generator(generator).normal(mean, std, arr.shape))


def xavier_uniform_(tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.xavier_uniform_(tp.empty(100, 300), generator=0)
    >>> bool((w.abs() <= (6 / (300 + 100)) ** 0.5).all())
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.xavier_normal_(tp.empty(100, 300), generator=0)
    >>> round(w.std().item(), 2)  # sqrt(2 / 400) = 0.0707
    0.07
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    ``a`` is the negative slope for ``leaky_relu``. ``nn.Linear``'s default
    (``a=sqrt(5)``) gives ``bound = 1 / sqrt(fan_in)``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.kaiming_uniform_(tp.empty(100, 200), nonlinearity="relu", generator=0)
    >>> bool((w.abs() <= (6 / 200) ** 0.5).all())  # bound = sqrt(2) * sqrt(3 / fan_in)
    True
    """
    if _empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``.

    >>> import tinyprop as tp
    >>> from tinyprop.nn import init
    >>> w = init.kaiming_normal_(tp.empty(100, 200), nonlinearity="relu", generator=0)
    >>> round(w.std().item(), 2)  # sqrt(2 / fan_in) = 0.1
    0.1
    """
    if _empty(tensor):
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
