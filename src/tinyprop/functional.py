"""User-facing neural-network functions (the ``torch.nn.functional`` subset that lives
below ``nn``): activations, softmax family, losses and ``one_hot``.

>>> import tinyprop as tp
>>> from tinyprop import functional as F
>>> F.softmax(tp.tensor([[1.0, 1.0]]), axis=1).tolist()
[[0.5, 0.5]]
"""

from __future__ import annotations

from .ops.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from .ops.loss import cross_entropy, nll_loss, one_hot
from .ops.padding import pad
from .ops.regression import (
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    smooth_l1_loss,
)

__all__ = [
    "elu", "gelu", "leaky_relu", "log_softmax", "relu", "sigmoid", "softmax", "softplus",
    "tanh", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "l1_loss",
    "mse_loss", "nll_loss", "one_hot", "smooth_l1_loss", "pad",
]
