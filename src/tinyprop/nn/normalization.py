"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d`` and ``LayerNorm``."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_float, check_int
from ..ops.normalization import batch_norm, layer_norm
from ..tensor import Tensor, as_tensor_data
from . import init
from .layers import dtype_error, float_dtype
from .module import Module
from .parameter import Parameter


def _check_device(device, layer: str) -> None:
    if device is not None and str(device) != "cpu":
        raise NotImplementedError(
            f"{layer}: tinyprop runs on the CPU only, got device={device!r}; drop device="
        )


def _affine_parameters(module: Module, shape, learned: bool, bias: bool, dtype) -> None:
    """``weight`` (ones) and ``bias`` (zeros) of ``shape`` as parameters of ``module``, or
    registered as ``None`` where not learned, as PyTorch's normalisation layers."""
    if learned:
        module.weight = Parameter(Tensor._wrap(np.ones(shape, dtype=dtype)))
    else:
        module.register_parameter("weight", None)
    if learned and bias:
        module.bias = Parameter(Tensor._wrap(np.zeros(shape, dtype=dtype)))
    else:
        module.register_parameter("bias", None)


def _reset_affine(module: Module) -> None:
    """``module``'s weight to 1 and bias to 0, those it has."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


def _weight(module: Module, x: Tensor, name: str):
    """``module``'s weight (or ``None``), after checking that ``x`` has its dtype."""
    w = module._parameters["weight"]
    if w is not None and x._data.dtype != w._data.dtype:
        raise dtype_error(name, x, w)
    return w


class _BatchNorm(Module):
    """Batch normalisation, one mean/variance per channel (axis 1); the subclasses say
    which input shapes they take (``_shapes``, ``_ndims``)."""

    _ndims: tuple = ()
    _shapes = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _check_device(device, name)
        self.num_features = check_int(
            num_features, f"{name}: num_features", low=1, expected="a positive integer"
        )
        self.eps = check_float(eps, f"{name}: eps", low=0, closed="neither", fix="e.g. eps=1e-5")
        self.momentum = check_float(
            momentum, f"{name}: momentum", low=0, high=1, allow_none=True,
            expected="a number in [0, 1] or None",
            fix="it weighs the new batch in the running statistics (e.g. 0.1); "
            "None gives a cumulative average",
        )
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = float_dtype(dtype, name)
        c = self.num_features
        _affine_parameters(self, c, self.affine, bias, dt)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor._wrap(np.zeros(c, dtype=dt)))
            self.register_buffer("running_var", Tensor._wrap(np.ones(c, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight to 1 and bias to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_tensor_data(x)
        c, name = self.num_features, type(self).__name__
        if x.ndim not in self._ndims or x.shape[1] != c:
            raise ValueError(
                f"{name}({c}) got input of shape {tuple(x.shape)}: expected "
                f"{self._shapes.format(c=c)} - the channels on axis 1"
            )
        w = _weight(self, x, name)
        if self.training and x._data.size // c <= 1:
            raise ValueError(  # checked before num_batches_tracked moves
                f"{name}({c}): expected more than 1 value per channel when training, got "
                f"input of shape {tuple(x.shape)}; use a batch larger than 1 or call .eval()"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            w,
            self._parameters["bias"],
            use_batch,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, one mean/variance per channel.

    Training mode normalises with the batch mean and biased variance and updates the
    running statistics with ``momentum``: ``running = (1 - momentum) * running +
    momentum * batch``, using the *unbiased* batch variance, exactly as PyTorch;
    ``momentum=None`` gives a cumulative average over the batches seen
    (``num_batches_tracked``). Evaluation mode normalises with the running statistics.
    With ``track_running_stats=False`` the batch statistics are used in both modes.

    State (as PyTorch): parameters ``weight`` (ones), ``bias`` (zeros); buffers
    ``running_mean`` (zeros), ``running_var`` (ones), ``num_batches_tracked`` (int64 0).

    >>> import tinyprop as tp
    >>> bn = BatchNorm1d(3)
    >>> y = bn(tp.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]))
    >>> bn.running_mean.tolist()
    [0.20000000298023224, 0.20000000298023224, 0.20000000298023224]
    """

    _ndims = (2, 3)
    _shapes = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, one mean/variance per channel over
    the batch and both spatial axes; everything else as :class:`BatchNorm1d`.

    >>> import tinyprop as tp
    >>> bn = BatchNorm2d(2)
    >>> bn(tp.randn(4, 2, 3, 3, generator=0)).shape, bn.running_var.shape
    (tinyprop.Size([4, 2, 3, 3]), tinyprop.Size([2]))
    """

    _ndims = (4,)
    _shapes = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes; as :class:`BatchNorm1d`.

    >>> import tinyprop as tp
    >>> y = BatchNorm3d(2)(tp.randn(3, 2, 2, 2, 2, generator=0))
    >>> abs(round(float(y.mean()), 6)), tuple(y.shape)
    (0.0, (3, 2, 2, 2, 2))
    """

    _ndims = (5,)
    _shapes = "(N, {c}, D, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dimensions (biased
    variance), then scale by ``weight`` (ones) and shift by ``bias`` (zeros) of that shape.
    Same in training and evaluation; no running statistics.

    >>> import tinyprop as tp
    >>> y = LayerNorm(4)(tp.tensor([[1.0, 2.0, 3.0, 4.0]]))
    >>> [round(v, 3) for v in y.tolist()[0]]
    [-1.342, -0.447, 0.447, 1.342]
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        _check_device(device, "LayerNorm")
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        shape = tuple(normalized_shape)
        if not shape:
            raise ValueError("LayerNorm: normalized_shape must name at least one dimension")
        self.normalized_shape = tuple(
            check_int(s, "LayerNorm: normalized_shape entries", low=1,
                      expected="a positive integer") for s in shape
        )
        self.eps = check_float(eps, "LayerNorm: eps", low=0, closed="neither", fix="e.g. eps=1e-5")
        self.elementwise_affine = bool(elementwise_affine)
        dt = float_dtype(dtype, "LayerNorm")
        _affine_parameters(self, self.normalized_shape, self.elementwise_affine, bias, dt)

    def reset_parameters(self) -> None:
        """Weight to 1, bias to 0."""
        _reset_affine(self)

    def forward(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            x = as_tensor_data(x)
        shape = self.normalized_shape
        k = len(shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
            raise ValueError(
                f"LayerNorm({shape}) got input of shape {tuple(x.shape)}: expected the trailing "
                f"dimensions to be {shape}, i.e. input of shape (*, {', '.join(map(str, shape))})"
            )
        w = _weight(self, x, "LayerNorm")
        return layer_norm(x, shape, w, self._parameters["bias"], self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
