"""Thread-local grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each thread has its own switch, so two threads can train (or evaluate) two models at
once without one turning recording off for the other.
"""

from __future__ import annotations

import functools
import threading


class _Mode(threading.local):
    """Per-thread switch; the class attribute is every new thread's default, so reading
    it is a plain attribute access (the hot path of every op)."""

    enabled = True


_local = _Mode()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded (this thread).

    >>> import tinyprop as tp
    >>> tp.is_grad_enabled()
    True
    >>> with tp.no_grad():
    ...     print(tp.is_grad_enabled())
    False
    """
    return _local.enabled


def _set(mode: bool) -> None:
    _local.enabled = mode


def _inside(make_mode, fn):
    """``fn`` wrapped so that each call runs inside a fresh ``make_mode()`` context."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_mode():
            return fn(*args, **kwargs)

    return wrapper


class set_grad_enabled:
    """Turn recording on or off; works as a call, a context manager and a decorator.

    >>> with set_grad_enabled(False):
    ...     pass
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = is_grad_enabled()
        _set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        _set(self.prev)

    def __call__(self, fn):
        _set(self.prev)  # as a decorator, the switch made by __init__ is undone
        return _inside(lambda: self.__class__(self.mode), fn)


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set(self.mode)
        return self

    def __exit__(self, *exc) -> None:
        _set(self.prev)

    def __call__(self, fn):
        return _inside(self.__class__, fn)


class no_grad(_GradModeContext):
    """Record nothing inside the block (or the decorated function).

    >>> import tinyprop as tp
    >>> w = tp.ones(3, requires_grad=True)
    >>> with tp.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Record operations again inside a ``no_grad`` block.

    >>> import tinyprop as tp
    >>> w = tp.ones(2, requires_grad=True)
    >>> with tp.no_grad(), tp.enable_grad():
    ...     y = w * 2
    >>> y.requires_grad
    True
    """

    mode = True
