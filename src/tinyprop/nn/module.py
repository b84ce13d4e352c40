"""``Module``: the base class of layers and models (PyTorch's ``nn.Module`` API).

A Module owns three ordered registries, filled by plain attribute assignment:
``_parameters`` (Parameters), ``_buffers`` (non-learnable Tensors such as batch-norm
running statistics) and ``_modules`` (child Modules). Everything else that walks a
model - ``parameters()``, ``state_dict()``, ``train()``, ``repr`` - reads those.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..tensor import Tensor, to_array
from ._state import IncompatibleKeys, check_state_dict
from .parameter import Parameter


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise ValueError(f"{kind} name must be a non-empty string without '.', got {name!r}")


def _as_buffer(value, name: str):
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float, bool)):
        return Tensor._wrap(to_array(value, copy=False))
    raise TypeError(
        f"cannot assign a {type(value).__name__} as buffer {name!r}; expected a Tensor, "
        "an array or None"
    )


class Module:
    """Base class of every layer and model.

    Subclass it, call ``super().__init__()`` first, assign layers and Parameters as
    attributes and write ``forward``; call the module to run it::

        >>> import tinyprop as tp
        >>> from tinyprop import nn
        >>> class MLP(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(4, 3)
        ...         self.fc2 = nn.Linear(3, 2)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).tanh())
        >>> list(MLP().state_dict())
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()

    # ---- running ----------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"Module [{type(self).__name__}] is missing the required 'forward' method; "
            "define forward(self, ...) in the subclass"
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- registration -------------------------------------------------------------
    def _require_init(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call; call "
                "super().__init__() first in the subclass's __init__"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or None, a declared-but-absent one such as ``bias=False``)."""
        self._require_init("parameters")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign a {type(param).__name__} as parameter {name!r}: expected a "
                "tinyprop.nn.Parameter or None (wrap it: nn.Parameter(tensor))"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a non-learnable Tensor that moves with the model (e.g. running statistics).

        Persistent buffers are part of ``state_dict()``; ``persistent=False`` ones are not.
        """
        self._require_init("buffers")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        self._buffers[name] = _as_buffer(tensor, name)
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (``self.name = module`` does the same)."""
        self._require_init("submodules")
        _check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._discard(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r}: expected "
                    "a tinyprop.nn.Parameter or None (to change values, assign to .data)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._require_init("submodules")
            self._discard(name, keep="_modules")
            d["_modules"][name] = value
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as child module {name!r}: "
                    "expected a Module or None"
                )
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            d["_buffers"][name] = _as_buffer(value, name)
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name: str, keep: str) -> None:
        """Forget ``name`` everywhere but in ``keep`` (so a replacement keeps its place)."""
        d = self.__dict__
        d.pop(name, None)
        for reg in ("_parameters", "_buffers", "_modules"):
            if reg != keep:
                d[reg].pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            r = d.get(reg)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for reg in ("_parameters", "_buffers", "_modules"):
            if name in d.get(reg, ()):
                del d[reg][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(k for k in keys if not k[:1].isdigit()))

    # ---- traversal ------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Yield ``(name, module)`` for this module and every descendant, parents first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        """Every module in the tree, this one first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """Yield ``(name, module)`` for the direct children."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        """The direct child modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry: str, prefix: str, recurse: bool):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, t in getattr(mod, registry).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield mod_prefix + ("." if mod_prefix else "") + name, t

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """Yield ``(dotted_name, Parameter)``; a Parameter shared by two layers comes once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True):
        """The Parameters of this module (and its descendants when ``recurse``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        """Yield ``(dotted_name, Tensor)`` for every buffer."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True):
        """The buffers of this module (and its descendants when ``recurse``)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The descendant named by a dotted path such as ``'encoder.0'``."""
        mod = self
        for part in target.split(".") if target else []:
            child = mod._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} ({target})")
            mod = child
        return mod

    # ---- modes and gradients ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``True``) or evaluation mode on this module and all below."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode must be a bool, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient recording on or off for every Parameter (e.g. to freeze layers)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every Parameter's ``.grad`` (or fill it with zeros when ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad._data[...] = 0

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every child (recursively), then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- dtype -----------------------------------------------------------------------------
    def to(self, dtype=None) -> Module:
        """Convert floating-point Parameters and buffers to ``dtype`` (same objects).

        ``'cpu'`` is accepted and does nothing (tinyprop arrays live on the host).
        """
        if dtype is None or (isinstance(dtype, str) and dtype == "cpu"):
            return self
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"Module.to() converts to a float dtype, got {dt}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f" and t._data.dtype != dt:
                t.data = t._data.astype(dt)
                if t.grad is not None:
                    t.grad.data = t.grad._data.astype(dt)
        return self

    def float(self) -> Module:
        """Parameters and float buffers to float32, in place (the same objects)."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Parameters and float buffers to float64, in place (handy for gradient checks)."""
        return self.to(np.float64)

    def cpu(self) -> Module:
        return self

    # ---- state ---------------------------------------------------------------------------------
    def _state_items(self, prefix: str = ""):
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, b
        for name, m in self._modules.items():
            if m is not None:
                yield from m._state_items(prefix + name + ".")

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict ``dotted_name -> Tensor`` of Parameters and persistent buffers.

        Keys follow PyTorch (``'fc1.weight'``, ``'bn.running_mean'``,
        ``'bn.num_batches_tracked'``) and values are Tensors outside the graph, as in
        PyTorch. Unlike PyTorch's, they are copies: the dict is a snapshot that later
        training does not change. ``keep_vars=True`` gives the live Tensors instead.
        """
        out = OrderedDict() if destination is None else destination
        for name, t in self._state_items(prefix):
            out[name] = t if keep_vars else Tensor._wrap(t._data.copy())
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this model's Parameters and buffers, in place.

        Everything is checked before anything is written: with ``strict=True`` missing and
        unexpected keys are errors; shapes must match and values must be numbers whose
        dtype converts safely: a cast that would make a finite value infinite (``1e300``
        into float32) or wrap an integer is refused, while float64 -> float32 rounding is
        allowed as in PyTorch. On any problem a ``CheckpointError`` (a ValueError) lists
        them all and the model is left untouched. Values may be numpy arrays, tinyprop
        Tensors or anything
        ``numpy.asarray`` accepts (PyTorch CPU tensors included). Existing arrays are
        overwritten (``param.data[...] = value``), so optimizers holding the Parameters
        keep working. Returns ``IncompatibleKeys(missing_keys, unexpected_keys)``.
        """
        targets = OrderedDict(self._state_items())
        values, result = check_state_dict(targets, state_dict, strict, type(self).__name__)
        for key, arr in values.items():
            targets[key]._data[...] = arr
        return result

    # ---- repr ------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
