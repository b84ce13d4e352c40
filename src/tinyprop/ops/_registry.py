"""The op registry: each public op declares itself once, where it is written.

``@register(...)`` on an op's public function records its name, whether it is
differentiable, the Tensor methods it becomes and its aliases. ``ops/__init__.py`` turns
the registry into everything else: the public exports (``tp.exp``, ``tp.cat``), the
Tensor methods (``x.exp()``, ``x.clamp()``), and ``DIFFERENTIABLE``, the list the test
suite iterates (every differentiable op needs a case in ``op_cases.py``).

>>> from tinyprop.ops._registry import OPS
>>> OPS["clip"].methods, OPS["clip"].aliases, OPS["argmax"].differentiable
(('clip', 'clamp'), ('clamp',), False)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpEntry:
    """One public op: its function, whether it has a gradient, its Tensor methods and its
    other public names."""

    name: str
    fn: object
    differentiable: bool
    methods: tuple
    aliases: tuple


OPS: dict[str, OpEntry] = {}


def register(name: str | None = None, *, method=False, aliases: tuple = (),
             differentiable: bool = True):
    """Declare the decorated public function as an op.

    ``method``: False (a function only), True (also the Tensor method of the same name,
    and of each alias), or a tuple of method names. ``aliases``: other public names of
    the same function (``cat`` for ``concatenate``).
    """

    def decorate(fn):
        op = name or fn.__name__
        if op in OPS:
            raise RuntimeError(f"op {op!r} is registered twice")
        methods = (op, *aliases) if method is True else tuple(method or ())
        OPS[op] = OpEntry(op, fn, differentiable, methods, tuple(aliases))
        return fn

    return decorate
