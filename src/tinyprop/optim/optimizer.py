"""The ``Optimizer`` base: parameter groups, per-parameter state, ``state_dict``.

An optimizer holds ``param_groups`` (a list of dicts, each with ``'params'`` and that
group's hyperparameters, missing ones filled from the constructor's defaults) and
``state`` (a dict from parameter to that parameter's buffers).

``step()`` does what every algorithm shares, once: it skips parameters without a
gradient, counts steps, and forms the effective gradient (negated if ``maximize``, plus
``weight_decay * p`` unless the decay is decoupled). Then it calls the subclass's
``_update(p, g, state, group)``: a short function of named in-place steps (the helpers
of :mod:`._steps`, PyTorch's ``mul_`` / ``add_`` / ``addcdiv_`` shape) that changes the parameter's
array ``p`` in place, working in reused scratch arrays rather than new temporaries.

``state_dict()`` (written in :mod:`._state_dict`) follows PyTorch's layout and holds only
arrays and plain Python values, so a checkpoint writer can store it (arrays as tensors,
the rest as JSON)::

    {"state": {0: {"step": 3, "exp_avg": ndarray, ...}, ...},
     "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}]}

Parameters are numbered in the order of the groups and of the parameters inside them.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor
from ._state_dict import StateDictMixin
from ._steps import lerp_
from ._validate import check_lr, check_real

__all__ = ["Optimizer", "required", "lerp_"]


class _Required:
    """Marker for a hyperparameter that has no default and must be given."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer(StateDictMixin):
    """Base class of the optimizers: parameter groups, state and (de)serialisation.

    ``params`` is an iterable of Tensors (leaf, floating point), of ``(name, Tensor)``
    pairs (as ``module.named_parameters()`` gives) or of dicts, each a parameter group
    with a ``'params'`` entry and hyperparameters that override ``defaults``.

    >>> import tinyprop as tp
    >>> from tinyprop import optim
    >>> w, b = tp.zeros(2, requires_grad=True), tp.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.01]
    """

    #: names of per-parameter state entries that are arrays shaped like the parameter
    _state_arrays: tuple[str, ...] = ()
    #: whether each parameter's state keeps a ``step`` count (``step()`` advances it)
    _counts_steps: bool = False

    def __init__(self, params, defaults: dict) -> None:
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts (parameter groups), got a "
                f"single {type(params).__name__}; wrap it in a list: [param]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "params must be an ordered iterable, got a set (its order changes from run "
                "to run, which breaks state_dict); pass a list"
            )
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                "params must be an iterable of Tensors or of dicts (parameter groups), got "
                f"{type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(
                "optimizer got an empty parameter list; pass the model's parameters "
                "(e.g. model.parameters()) and check the model has some"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._workspace: dict = {}  # dtype -> flat scratch buffer (see _scratch)
        self._scratch_views: dict = {}  # (id(array), k) -> views of that buffer
        for group in groups:
            self.add_param_group(group)

    # ---- groups -------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. a lower ``lr``)."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"a parameter group must be a dict with a 'params' entry, got "
                f"{type(param_group).__name__}; pass {{'params': [...], 'lr': ...}}"
            )
        if "params" not in param_group:
            raise ValueError("a parameter group needs a 'params' entry, e.g. {'params': [w, b]}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("a group's 'params' must be ordered, got a set; pass a list")
        else:
            params = list(params)
        n = len(self.param_groups)
        if not params:
            raise ValueError(f"parameter group {n} has no parameters; drop it or fill it")
        names = None
        if all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params):
            names = [p[0] for p in params]
            params = [p[1] for p in params]
        for i, p in enumerate(params):
            self._check_param(p, f"parameter {i} of group {n}")
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError(
                f"parameter group {n} lists the same parameter more than once; pass each once"
            )
        for g in self.param_groups:
            if any(id(p) in ids for p in g["params"]):
                raise ValueError(
                    "some parameters appear in more than one parameter group; each parameter "
                    "must belong to exactly one group"
                )
        group = {k: v for k, v in param_group.items() if k not in ("params", "param_names")}
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group {n} does not set {name!r}, which has no default; "
                    f"pass {name}=... to the optimizer or in the group"
                )
            group.setdefault(name, default)
        group = self._validate_group(group)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        self.param_groups.append(group)

    @staticmethod
    def _check_param(p, where: str) -> None:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"an optimizer can only optimize Tensors, but {where} is a {type(p).__name__}"
            )
        if p._data.dtype.kind != "f":
            raise TypeError(
                f"an optimizer can only optimize floating-point tensors, but {where} has "
                f"dtype {p.dtype}; convert it with .float() or .double()"
            )
        if not p.is_leaf:
            raise ValueError(
                f"can't optimize a non-leaf tensor ({where} was made by an operation); "
                "optimize the leaf it came from, or use .detach().requires_grad_()"
            )

    def _validate_group(self, group: dict) -> dict:
        """Check a group's hyperparameters; return the group with normalised values.

        Subclasses check their own hyperparameters; must not mutate the input dict.
        """
        group = dict(group)
        group["lr"] = check_lr(group["lr"])
        if "weight_decay" in group:  # every optimizer here has one
            group["weight_decay"] = check_real(
                "weight_decay", group["weight_decay"], low=0.0, hint="pass weight_decay >= 0"
            )
        return group

    # ---- the step -------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: drop them (default) or fill them with zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient; return ``closure()``'s loss.

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs with
        gradient recording on, before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        """For each parameter with a gradient: count the step, form the effective
        gradient, hand both to ``_update``. A parameter whose state stays empty (SGD
        without momentum) gets no ``state`` entry, as in PyTorch."""
        decay = 0.0
        if not group.get("decoupled_weight_decay", False):  # AdamW decays in _update
            decay = float(group.get("weight_decay", 0.0))
        maximize = group.get("maximize", False)
        states, counts, update = self.state, self._counts_steps, self._update
        for p in group["params"]:
            g = self._grad_of(p)
            if g is None:
                continue
            d = p._data
            state = states.get(p, {})
            if counts:
                state["step"] = state.get("step", 0) + 1
            if decay != 0 or maximize:
                g = self._effective_grad(d, g, decay, maximize)
            update(d, g, state, group)
            if state:
                states[p] = state

    def _effective_grad(self, p, g, decay: float, maximize: bool):
        """``±g + decay * p`` (minus if ``maximize``) in a scratch array; ``g``, the
        parameter's own ``.grad``, is never written to."""
        out = self._scratch(p, 2)[0]
        if decay != 0:
            np.multiply(p, decay, out=out)
            return (np.subtract if maximize else np.add)(out, g, out=out)
        return np.negative(g, out=out)

    def _update(self, p, g, state: dict, group: dict) -> None:  # pragma: no cover - abstract
        """Change the parameter's array ``p`` in place from the effective gradient ``g``
        (read only: it may be ``.grad``'s own array), its ``state`` dict and ``group``'s
        hyperparameters. Scratch: ``self._scratch(p, 2)``; the second (``self._tmp(p)``)
        is free, the first holds ``g`` when ``step()`` formed it (free once ``g`` is
        read for the last time)."""
        raise NotImplementedError

    # ---- helpers for subclasses ---------------------------------------------------
    def _scratch(self, data, k: int) -> list:
        """``k`` scratch arrays shaped and typed like ``data``, reused across steps.

        One flat buffer per dtype, grown to the largest request and viewed per
        parameter, so a step allocates nothing once the buffer is big enough.
        """
        cache, key = self._scratch_views, (id(data), k)
        views = cache.get(key)
        # still valid: same shape, and viewing the current buffer for data's dtype
        valid = views is not None and views[0].shape == data.shape
        if valid and views[0].base is self._workspace.get(data.dtype):
            return views
        n = data.size
        buf = self._workspace.get(data.dtype)
        if buf is None or buf.size < n * k:
            buf = np.empty(n * k, dtype=data.dtype)
            self._workspace[data.dtype] = buf
            cache.clear()
        shape = data.shape
        views = [buf[i * n : (i + 1) * n].reshape(shape) for i in range(k)]
        if len(cache) > 4096:  # parameters rebound every step (p.data = ...): start over
            cache.clear()
        cache[key] = views
        return views

    def _tmp(self, p):
        """The scratch array ``_update`` may use for ``p`` (not the effective gradient's)."""
        return self._scratch(p, 2)[1]

    @staticmethod
    def _grad_of(p):
        """``p``'s gradient array, or None; checks it matches the parameter's shape."""
        g = p.grad
        if g is None:
            return None
        g = g._data
        if g.shape != p._data.shape:
            raise ValueError(
                f"gradient of shape {g.shape} for a parameter of shape {p._data.shape}; "
                "the gradient must have the parameter's shape"
            )
        return g

    # ---- serialisation ------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
