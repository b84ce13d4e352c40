"""The ``Function`` base class: an op's forward and its local derivative side by side.

A subclass writes two static methods on raw arrays::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = np.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved
            return grad * y

and is called with ``Exp.apply(tensor)``. ``apply`` unwraps Tensors, runs ``forward``,
and, when grad mode is on and an input requires grad, links the result to a graph
node (the ``ctx``) that ``Tensor.backward`` walks later. ``backward`` returns one
gradient per input (or a single array for one input); ``None`` means "no gradient".
Gradients may have a broadcast shape: the engine sums them back to each input's shape.
"""

from __future__ import annotations

from numpy import asarray, ndarray

from . import anomaly
from .anomaly import _local as _anomaly_mode
from .grad_mode import _local as _grad_mode
from .tensor import Tensor

_new = object.__new__


class Context:
    """A graph node: the op that made a tensor, its inputs and what backward needs."""

    __slots__ = ("fn", "parents", "saved", "needs_input_grad", "freed", "retained", "trace",
                 "__dict__")

    def __init__(self) -> None:
        self.saved = ()
        self.retained = None
        self.freed = False
        self.trace = None

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for the backward pass (freed after it unless retain_graph=True)."""
        self.saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept (PyTorch's name; here they are arrays, since
        ``forward`` and ``backward`` work on arrays)."""
        if self.freed:
            raise RuntimeError(
                "the values saved for backward were freed by an earlier backward(); pass "
                "retain_graph=True to that backward() to keep them"
            )
        return self.saved

    def name(self) -> str:
        return f"{self.fn.__name__}Backward"

    def lifted(self, output):
        """This node as its backward sees it when the backward pass is recorded
        (``create_graph=True``): the same attributes, but each saved array that is the
        op's output or one of its inputs is replaced by that tensor, so what backward
        computes from it is recorded. Other saved arrays stay constants: an op whose
        second derivative needs an intermediate value recomputes it in backward."""
        ctx = Context.__new__(Context)
        ctx.__dict__ = self.__dict__
        ctx.fn, ctx.parents, ctx.needs_input_grad = self.fn, self.parents, self.needs_input_grad
        ctx.retained, ctx.freed, ctx.trace = None, False, self.trace
        ctx.saved = tuple(self.fn.resave(self, self.parents, output))
        return ctx

    def release(self) -> None:
        """Drop everything saved for backward; a later backward through it raises."""
        self.saved = None
        self.freed = True
        self.__dict__.clear()

    def __repr__(self) -> str:
        return f"<{self.name()}>"


def _tensor_of(a, tensors):
    """The tensor among ``tensors`` whose array is ``a``, else ``a`` itself."""
    if isinstance(a, ndarray):
        for t in tensors:
            if t._data is a:
                return t
    return a


class _NoContext:
    """The ctx of forward passes that are not recorded: it keeps nothing."""

    __slots__ = ()
    needs_input_grad = ()

    def __setattr__(self, name, value) -> None:
        pass

    def save_for_backward(self, *arrays) -> None:
        pass

    saved_tensors = ()


class Function:
    """Base class of every differentiable op (see the module docstring).

    >>> import tinyprop as tp
    >>> class Cube(tp.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved
    ...         return grad * 3 * x ** 2
    >>> x = tp.tensor([1.0, 2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad.tolist()
    [3.0, 12.0]
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def resave(ctx, inputs, output):
        """What ``ctx.saved`` holds when the backward pass is recorded
        (``create_graph=True``), given the op's input tensors (None for other arguments)
        and its output tensor. By default each saved array that is an input's or the
        output's array becomes that tensor; an op that saves an intermediate value
        overrides this to recompute the value from the tensors with tinyprop's ops."""
        tensors = [t for t in (output, *inputs) if t is not None]
        return [_tensor_of(a, tensors) for a in ctx.saved]

    @classmethod
    def call(cls, *args, **kwargs):
        """Run this op inside another op's ``backward``: on arrays, ``forward`` alone
        (an array back, nothing recorded); when the backward pass is recorded and an
        argument is a Tensor, ``apply``, so the call is recorded too."""
        for a in args:
            if isinstance(a, Tensor):
                return cls.apply(*args, **kwargs)
        return cls.forward(_NO_CONTEXT, *args, **kwargs)

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors (or arrays) and record it when a gradient is needed."""
        # The hot path of every op: the grad-mode and anomaly switches read as
        # attributes, the Context and the Tensor filled in directly. One or two Tensor
        # inputs (most calls) are unpacked without a loop; then the inputs tuple is the
        # node's parents as it is.
        n = len(inputs)
        if n == 2 and isinstance(inputs[0], Tensor):
            a, b = inputs
            if isinstance(b, Tensor):
                arrays = (a._data, b._data)
                needs = (a.requires_grad, b.requires_grad)
                record = needs[0] or needs[1]
                parents = inputs
            else:  # a Tensor and a constant (labels, an axis)
                arrays = (a._data, b)
                record = a.requires_grad
                needs = (record, False)
                parents = (a, None)
        elif n == 1 and isinstance(inputs[0], Tensor):
            a = inputs[0]
            arrays = (a._data,)
            needs = (a.requires_grad,)
            record = needs[0]
            parents = inputs
        elif n == 3 and isinstance(inputs[0], Tensor) and (
                isinstance(inputs[1], Tensor) is isinstance(inputs[2], Tensor)):
            a, b, c = inputs
            if isinstance(b, Tensor):  # linear(x, w, b)
                arrays = (a._data, b._data, c._data)
                needs = (a.requires_grad, b.requires_grad, c.requires_grad)
                record = needs[0] or needs[1] or needs[2]
                parents = inputs
            else:  # a Tensor and two constants (a reduction's axes and keepdim)
                arrays = (a._data, b, c)
                record = a.requires_grad
                needs = (record, False, False)
                parents = (a, None, None)
        else:
            arrays = []
            record = False
            for t in inputs:
                if isinstance(t, Tensor):
                    arrays.append(t._data)
                    if t.requires_grad:
                        record = True
                else:
                    arrays.append(t)
            parents = needs = None
        if not record or not _grad_mode.enabled:
            out = cls.forward(_NO_CONTEXT, *arrays, **kwargs)
            if type(out) is not ndarray:
                out = asarray(out)
            if _anomaly_mode.on:
                anomaly.check_forward(cls, out, None)
            t = _new(Tensor)
            t._data = out
            t.grad = t.grad_fn = None
            t.requires_grad = False
            return t
        ctx = _new(Context)
        ctx.saved = ()
        ctx.retained = ctx.trace = None
        ctx.freed = False
        ctx.fn = cls
        if parents is None:
            parents = []
            needs = []
            for t in inputs:
                if isinstance(t, Tensor):
                    parents.append(t)
                    needs.append(t.requires_grad)
                else:
                    parents.append(None)
                    needs.append(False)
            parents = tuple(parents)
            needs = tuple(needs)
        ctx.parents = parents
        ctx.needs_input_grad = needs
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not ndarray:
            out = asarray(out)
        if _anomaly_mode.on:
            ctx.trace = anomaly.creation_site()
            anomaly.check_forward(cls, out, ctx.trace)
        t = _new(Tensor)
        t._data = out
        t.grad = None
        t.grad_fn = ctx
        t.requires_grad = True
        return t


_NO_CONTEXT = _NoContext()
