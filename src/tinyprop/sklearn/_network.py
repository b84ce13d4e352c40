"""The network behind the estimators: scikit-learn's initialisation, built for either
engine, and access to its live weight arrays."""

from __future__ import annotations

import math

import numpy as np

from .. import manual, nn

_NN_ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid}
_MANUAL_ACT = {"relu": manual.ReLU, "tanh": manual.Tanh, "logistic": manual.Sigmoid}


def init_arrays(sizes, activation: str, rs, dtype, zeros=False) -> list[tuple]:
    """scikit-learn's initialisation, drawn from the RandomState ``rs`` in its order:
    per layer, the weights (fan_in, fan_out) then the biases, uniform in ±a with
    ``a = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for 'logistic'). Returned as
    (weight (out, in), bias) pairs. ``zeros``: all zeros, nothing drawn."""
    arrays = []
    factor = 2.0 if activation == "logistic" else 6.0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if zeros:
            arrays.append((np.zeros((fan_out, fan_in), dtype), np.zeros(fan_out, dtype)))
            continue
        a = math.sqrt(factor / (fan_in + fan_out))
        w = rs.uniform(-a, a, (fan_in, fan_out))
        b = rs.uniform(-a, a, fan_out)
        arrays.append((np.ascontiguousarray(w.T, dtype=dtype), b.astype(dtype)))
    return arrays


def build_network(arrays, activation: str, engine: str, dtype):
    """An ``nn.Sequential`` (autograd) or ``manual.Network`` holding ``arrays``, with
    ``activation`` between the layers ('identity': none) and none after the last."""
    layers = []
    for i, (w, b) in enumerate(arrays):
        n_out, n_in = w.shape
        if engine == "autograd":
            lin = nn.Linear(n_in, n_out, dtype=dtype, generator=0)  # overwritten below
            lin.weight.numpy()[...] = w
            lin.bias.numpy()[...] = b
        else:
            lin = manual.Linear(n_in, n_out, init="zeros", dtype=dtype)
            lin.w[...] = w
            lin.b[...] = b
        layers.append(lin)
        if i < len(arrays) - 1 and activation != "identity":
            layers.append((_NN_ACT if engine == "autograd" else _MANUAL_ACT)[activation]())
    return nn.Sequential(*layers) if engine == "autograd" else manual.Network(layers)


def linear_arrays(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The live (weight (out, in), bias) arrays of the model's linear layers."""
    if isinstance(model, nn.Module):
        return [(m.weight.numpy(), m.bias.numpy()) for m in model if isinstance(m, nn.Linear)]
    return [(m.w, m.b) for m in model if isinstance(m, manual.Linear)]
