"""Build the model, optimizer and scheduler a :class:`TrainConfig` describes."""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_allocation, check_choice
from .config import OPTIMIZERS, TrainConfig

# the layer each ``cfg.activation`` names, in ``nn`` and in ``manual`` alike
_ACT = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU"}


def _default_layer(fan_in: int, fan_out: int) -> tuple:
    """A layer's ``(weight (out, in), bias (out,))`` Tensors drawn from the global
    generator as ``nn.Linear`` draws them (PyTorch's default)."""
    from ..backend import get_default_dtype
    from ..nn import init as nn_init
    from ..tensor import Tensor

    dtype = get_default_dtype()
    w = Tensor._wrap(np.empty((fan_out, fan_in), dtype=dtype))
    b = Tensor._wrap(np.empty((fan_out,), dtype=dtype))
    nn_init.kaiming_uniform_(w, a=math.sqrt(5))
    nn_init.uniform_(b, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    return w, b


def check_model_size(sizes) -> int:
    """Refuse, before allocating anything, a model of these layer sizes whose weights,
    gradients and two optimizer buffers (4 copies) would not fit in the memory available;
    returns the number of parameters.

    >>> check_model_size([64, 10, 10])
    760
    """
    from ..backend import get_default_dtype

    n = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    check_allocation((n,), get_default_dtype(), f"a model of layer sizes {list(sizes)} "
                     f"({n} parameters; weights, gradients and optimizer state)", count=4,
                     fix="use smaller hidden layers (--hidden)")
    return n


def initial_weights(cfg: TrainConfig, n_in: int, n_out: int) -> list[tuple]:
    """The starting ``(weight, bias)`` arrays of each layer (``weight`` of shape
    ``(out, in)``, ``bias`` of shape ``(out,)``; no hidden layer for logreg).

    ``init='normal'`` is the seeds' ``init_std * randn`` weights (0.1, or 0.3 for 2-D
    data) with zero biases; ``'default'`` is PyTorch's; ``'xavier'`` Glorot-uniform;
    ``'he'`` Kaiming-normal; ``'zeros'``. Both builders start from the same draws, so the
    two engines start identically for the same seed.

    >>> [w.shape for w, b in initial_weights(TrainConfig(preset="seed001").resolved(), 2, 2)]
    [(10, 2), (2, 10)]
    """
    sizes = [n_in, *cfg.hidden, n_out]
    check_model_size(sizes)
    # the one place the initial weights are drawn: every layer's default, then cfg.init
    layers = [_default_layer(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    for w, b in layers:
        _init_linear(w, b, cfg.init, cfg.activation, cfg.init_std)
    return [(w._data, b._data) for w, b in layers]


def build_model(cfg: TrainConfig, n_in: int, n_out: int):
    """An ``nn.Sequential`` MLP for the autograd engine, built from the config and
    starting from :func:`initial_weights`.

    >>> model = build_model(TrainConfig(preset="seed001").resolved(), 2, 2)
    >>> [type(m).__name__ for m in model]
    ['Linear', 'Tanh', 'Linear']
    """
    from .. import nn

    weights = initial_weights(cfg, n_in, n_out)
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=w.dtype, generator=0)  # set below
        lin.weight._data[...] = w
        lin.bias._data[...] = b
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(getattr(nn, _ACT[cfg.activation])())
    return nn.Sequential(*layers)


def build_manual_model(cfg: TrainConfig, n_in: int, n_out: int, weights=None):
    """A ``manual.Network`` MLP for the hand-derived engine, built directly from the
    config (no ``nn`` model involved), starting from ``weights`` (by default
    :func:`initial_weights`): for the same seed, the same function and the same starting
    point as :func:`build_model`.

    >>> import tinyprop as tp
    >>> cfg = TrainConfig(data="circles").resolved()
    >>> _ = tp.manual_seed(0); net = build_manual_model(cfg, 2, 2)
    >>> _ = tp.manual_seed(0); model = build_model(cfg, 2, 2)
    >>> x = np.ones((3, 2), dtype=np.float32)
    >>> bool(np.array_equal(net.forward(x), model(tp.tensor(x)).numpy()))
    True
    """
    from .. import manual

    weights = initial_weights(cfg, n_in, n_out) if weights is None else weights
    layers = []
    for i, (w, b) in enumerate(weights):
        layers.append(_manual_linear(w, b))
        if i < len(weights) - 1:
            layers.append(getattr(manual, _ACT[cfg.activation])())
    return manual.Network(layers)


def _manual_linear(w, b):
    """A ``manual.Linear`` holding copies of ``w`` ``(out, in)`` and ``b`` ``(out,)``."""
    from .. import manual

    lin = manual.Linear(w.shape[1], w.shape[0], init="zeros", dtype=w.dtype)  # draws nothing
    lin.w[...] = w
    lin.b[...] = b.reshape(1, -1)
    return lin


def _init_linear(weight, bias, init: str, activation: str, std: float = 0.1) -> None:
    from ..nn import init as nn_init

    if init == "default":
        return
    if init == "normal":
        nn_init.normal_(weight, 0.0, std)
    elif init == "xavier":
        nn_init.xavier_uniform_(weight, gain=nn_init.calculate_gain(
            "tanh" if activation == "tanh" else "linear"))
    elif init == "he":
        nn_init.kaiming_normal_(weight, nonlinearity="relu")
    elif init == "zeros":
        nn_init.zeros_(weight)
    nn_init.zeros_(bias)


def to_manual_network(model, convert: dict | None = None):
    """A ``manual.Network`` computing the same function as an existing ``nn.Sequential``
    of ``Linear`` layers and activations, starting from a copy of its weights. Runs build
    theirs from the config with :func:`build_manual_model` (the command line and
    :class:`Run` never convert); this is for a model in hand (the benchmarks and the
    playground use it). ``convert`` maps further module types to a function that builds
    the module's manual layer from it (the playground adds ``Dropout`` and ``Identity``).

    >>> import tinyprop as tp
    >>> model = build_model(TrainConfig(data="circles").resolved(), 2, 2)
    >>> x = np.ones((3, 2), dtype=np.float32)
    >>> bool(np.allclose(to_manual_network(model).forward(x), model(tp.tensor(x)).numpy()))
    True
    """
    from .. import manual, nn

    activations = {nn.Tanh: manual.Tanh, nn.ReLU: manual.ReLU, nn.Sigmoid: manual.Sigmoid,
                   nn.LeakyReLU: manual.LeakyReLU}
    convert = convert or {}
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            layers.append(_manual_linear(m.weight._data, m.bias._data))
        elif type(m) in convert:
            layers.append(convert[type(m)](m))
        elif type(m) in activations:
            kwargs = {"negative_slope": m.negative_slope} if isinstance(m, nn.LeakyReLU) else {}
            layers.append(activations[type(m)](**kwargs))
        else:
            raise TypeError(f"to_manual_network takes Linear layers and Tanh, ReLU, Sigmoid or "
                            f"LeakyReLU activations, got {type(m).__name__}; build the manual "
                            "network with tinyprop.manual.Network directly")
    return manual.Network(layers)


def build_optimizer(cfg: TrainConfig, params):
    """The optimizer named by ``cfg.optimizer`` ('momentum'/'nesterov' are SGD variants).

    >>> from tinyprop import nn
    >>> cfg = TrainConfig(data="circles", optimizer="adam", lr=0.01).resolved()
    >>> opt = build_optimizer(cfg, nn.Linear(2, 2).parameters())
    >>> type(opt).__name__, opt.param_groups[0]["lr"]
    ('Adam', 0.01)
    """
    from .. import optim

    wd = cfg.weight_decay
    if cfg.optimizer == "sgd":
        return optim.SGD(params, lr=cfg.lr, weight_decay=wd)
    if cfg.optimizer in ("momentum", "nesterov"):
        return optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=wd,
                         nesterov=cfg.optimizer == "nesterov")
    if cfg.optimizer == "adam":
        return optim.Adam(params, lr=cfg.lr, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return optim.AdamW(params, lr=cfg.lr, weight_decay=wd or 1e-2)
    if cfg.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=cfg.lr, weight_decay=wd)  # PyTorch's momentum 0
    check_choice(cfg.optimizer, "optimizer", OPTIMIZERS)  # raises: every known one returned
    raise AssertionError(f"optimizer {cfg.optimizer!r} is listed but not built")


def build_scheduler(cfg: TrainConfig, optimizer, steps_per_epoch: int):
    """(scheduler, per_batch) for ``cfg.schedule``; (None, False) for 'none'.

    >>> from tinyprop import nn
    >>> cfg = TrainConfig(data="circles", schedule="onecycle").resolved()
    >>> opt = build_optimizer(cfg, nn.Linear(2, 2).parameters())
    >>> scheduler, per_batch = build_scheduler(cfg, opt, steps_per_epoch=20)
    >>> type(scheduler).__name__, per_batch
    ('OneCycleLR', True)
    """
    from ..optim import lr_scheduler as S

    e = cfg.epochs
    if cfg.schedule == "none":
        return None, False
    if cfg.schedule == "step":
        return S.StepLR(optimizer, step_size=max(1, e // 3), gamma=0.1), False
    if cfg.schedule == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=e), False
    if cfg.schedule == "exponential":
        return S.ExponentialLR(optimizer, gamma=0.9), False
    if cfg.schedule == "plateau":
        return S.ReduceLROnPlateau(optimizer, factor=0.5, patience=2), False
    return S.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=e * steps_per_epoch,
                        cycle_momentum=cfg.optimizer in ("momentum", "nesterov", "adam",
                                                         "adamw")), True


def count_parameters(model) -> int:
    """The number of trainable numbers in an ``nn`` model or a ``manual.Network``."""
    params = model.parameters()
    arrays = params.values() if isinstance(params, dict) else params
    return int(sum(np.prod(p.shape) for p in arrays))
