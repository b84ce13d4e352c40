"""tinyprop: backpropagation from scratch on NumPy.

>>> import tinyprop as tp
>>> x = tp.tensor([1.0, 4.0, 2.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 8., 4.])

``import tinyprop`` loads NumPy and the engine only; ``tinyprop.nn``, ``optim``,
``data``, ``manual``, ``train``, ``viz`` and ``sklearn`` load when first used.
"""

from __future__ import annotations

import importlib

import numpy as np

from . import autograd, ops
from .anomaly import AnomalyError, detect_anomaly
from .backend import get_default_dtype, manual_seed, set_default_dtype
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .errors import TinypropError
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F403 - every op is part of the public face
from .tensor import Size, Tensor

__version__ = "0.1.0"

float16 = np.float16
float32 = np.float32
float64 = np.float64
uint8 = np.uint8
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
bool_ = np.bool_
# PyTorch's short dtype names (torch.float, torch.long, ...): NumPy dtypes here
half = np.float16
float = np.float32  # noqa: A001
double = np.float64
short = np.int16
int = np.int32  # noqa: A001
long = np.int64
bool = np.bool_  # noqa: A001

_LAZY = {"nn", "optim", "data", "manual", "train", "viz", "sklearn", "io", "functional", "cli"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".io", __name__), name)
    raise AttributeError(f"module 'tinyprop' has no attribute {name!r}")
