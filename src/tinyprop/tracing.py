"""``tinyprop.compile``: record a model's forward pass once, replay it as one graph node.

Eager autograd pays Python for every op: building a Tensor and a graph node, checking
grad mode, walking the graph in backward. For a small network that overhead is larger
than the arithmetic. ``compile`` runs the function once while recording every
``Function`` it applies (the *tape*); later calls with the same input signature run the
recorded ``forward`` methods straight on arrays, and the whole tape becomes a single
node of the autograd graph whose backward runs the recorded ``backward`` methods in
reverse. The kernels are the same ones eager mode runs, so results are equal.

A tape is only replayed when it is a faithful record of the function. The recording is
dropped, and the function runs eagerly from then on (with one warning), when during the
trace:

- a tensor's value reaches Python (``.item()``, ``float()``, ``bool()``, ``.numpy()``,
  ``.tolist()``): the control flow may depend on data;
- random numbers are drawn (dropout) or a tensor is changed in place;
- an op receives a NumPy array, or a tensor that is neither an input, a result of a
  recorded op, nor a parameter or buffer of the compiled module (a parameter-free
  function: a leaf tensor that requires grad), since that value was computed outside
  the tape and would be frozen;
- the result is not a tensor computed by the recorded ops.

A new trace is made for each input signature: shapes, dtypes and ``requires_grad`` of
the inputs, other arguments, grad mode, and for a module the identity of its
submodules, parameters and buffers and their train/eval flags. At most
``MAX_TRACES`` traces are kept per compiled function; beyond that it runs eagerly.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _trace, anomaly
from .autograd import sum_to_shape
from .function import _NO_CONTEXT, Context, Function
from .grad_mode import is_grad_enabled
from .tensor import Tensor

MAX_TRACES = 8

_EAGER = object()  # a signature whose trace cannot be replayed


class _Step:
    """One recorded op: which slots feed it, its constant arguments, where it writes."""

    __slots__ = ("fn", "args", "fills", "kwargs", "out", "needs", "grad_slots", "shapes")

    def __init__(self, fn, args, fills, kwargs, out, needs, shapes) -> None:
        self.fn = fn
        self.args = args  # positional arguments, slots left as None
        self.fills = fills  # (position, slot) pairs filled from the environment
        self.kwargs = kwargs
        self.out = out
        self.needs = needs  # needs_input_grad; None if the output needs no gradient
        self.grad_slots = tuple((i, k) for i, k in fills if needs and needs[i])
        self.shapes = shapes  # slot -> (shape, dtype) of the inputs that get a gradient


class Program:
    """A replayable tape: ``n_in`` input slots, then the externals, then op results."""

    def __init__(self, steps, n_slots, n_in, externals, output) -> None:
        self.steps = steps
        self.n_slots = n_slots
        self.n_in = n_in
        self.externals = externals
        self.grad_flags = tuple(t.requires_grad for t in externals)
        self.output = output
        self.alive = ()  # objects the signature refers to by id, kept alive with it
        self.backward_steps = [s for s in reversed(steps) if s.needs is not None]
        self.trace_slots = {}  # id of a tensor seen while tracing -> its slot

    def slot_of(self, tensor):
        """The slot of a tensor from the tracing call; ask right after that call, while
        the tensor is alive (ids of dead tensors are reused)."""
        return self.trace_slots.get(id(tensor))

    def replay(self, inputs):
        """Run on new input Tensors; the result is one node of the autograd graph.

        (``_Replay.apply`` would do the same; building the node here skips its generic
        argument handling, which costs as much as a small network's arithmetic.)
        """
        parents = inputs + self.externals
        arrays = [t._data for t in parents]
        if not (self.backward_steps and is_grad_enabled()):
            return Tensor._wrap(self.forward(arrays)[self.output])
        ctx = Context()
        ctx.fn = _Replay
        ctx.parents = parents
        ctx.needs_input_grad = tuple(t.requires_grad for t in parents)
        ctxs = []
        out = self.forward(arrays, ctxs)[self.output]
        ctx.save_for_backward(*ctxs)
        ctx.program = self
        return Tensor._wrap(out, ctx)

    def forward(self, arrays, ctxs=None) -> list:
        """Run the ops on arrays (inputs then externals); returns every slot's value.

        With a list as ``ctxs``, each op that needs a gradient records into a fresh
        context appended to it, for ``backward``.
        """
        env = [None] * self.n_slots
        env[:len(arrays)] = arrays
        for step in self.steps:
            args = list(step.args)
            for i, k in step.fills:
                args[i] = env[k]
            if ctxs is not None and step.needs is not None:
                sub = Context()
                sub.needs_input_grad = step.needs
                ctxs.append(sub)
            else:
                sub = _NO_CONTEXT
            out = step.fn.forward(sub, *args, **step.kwargs)
            env[step.out] = out if type(out) is np.ndarray else np.asarray(out)
        return env

    def backward(self, ctxs, grad, release=False) -> tuple:
        """Gradients of the inputs and externals (None where none), given the output's.

        With ``release``, each op's saved arrays are dropped as soon as its backward has
        run (as eager backward does), so their memory is reused while it is still in
        cache; the contexts cannot be backpropagated through again.
        """
        grads = [None] * self.n_slots
        grads[self.output] = grad
        for step, sub in zip(self.backward_steps, reversed(ctxs)):
            g = grads[step.out]
            if g is None:
                continue
            grads[step.out] = None  # used once: let the memory go back to the allocator
            in_grads = step.fn.backward(sub, g)
            if release:
                sub.release()
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            for i, k in step.grad_slots:
                pg = in_grads[i]
                if pg is None:
                    continue
                shape, dtype = step.shapes[k]
                if pg.shape != shape:
                    pg = sum_to_shape(pg, shape)
                if pg.dtype != dtype:
                    pg = pg.astype(dtype)
                prev = grads[k]
                grads[k] = pg if prev is None else prev + pg
        return tuple(grads[:self.n_in + len(self.externals)])


class _Replay(Function):
    """The autograd node of a whole replayed tape (built by ``Program.replay``, never
    applied, so only backward is defined)."""

    @staticmethod
    def backward(ctx, grad):
        return ctx.program.backward(ctx.saved, grad)


class _Tape:
    __slots__ = ("records", "broken")

    def __init__(self) -> None:
        self.records = []
        self.broken = None


def _has_array(value) -> bool:
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, (tuple, list)):
        return any(_has_array(v) for v in value)
    if isinstance(value, dict):
        return any(_has_array(v) for v in value.values())
    return False


def _build(tape, inputs, result, allowed):
    """Turn a tape into a ``Program``, or say (a string) why it cannot be replayed.

    Slots: the inputs first, then the externals (parameters read by the ops), then one
    per recorded op, in order.
    """
    if tape.broken is not None:
        return tape.broken
    if not isinstance(result, Tensor):
        return f"the function returns a {type(result).__name__}, not a single tensor"
    known = {id(t) for t in inputs}
    externals = []
    for fn, ins, kwargs, out in tape.records:
        if _has_array(kwargs) or any(_has_array(v) for v in ins if not isinstance(v, Tensor)):
            return f"{fn.__name__} gets a NumPy array computed outside the traced ops"
        for v in ins:
            if isinstance(v, Tensor) and id(v) not in known:
                if not allowed(v):
                    return (f"{fn.__name__} reads a tensor made outside the traced ops "
                            "(a random mask, a tensor built from data, a global)")
                externals.append(v)
                known.add(id(v))
        known.add(id(out))
    slot = {id(t): k for k, t in enumerate(inputs + externals)}
    first_op = len(slot)
    steps = []
    for fn, ins, kwargs, out in tape.records:
        args = tuple(None if isinstance(v, Tensor) else v for v in ins)
        fills = tuple((i, slot[id(v)]) for i, v in enumerate(ins) if isinstance(v, Tensor))
        needs = None
        shapes = {}
        if out.grad_fn is not None:
            needs = tuple(isinstance(v, Tensor) and v.requires_grad for v in ins)
            shapes = {slot[id(v)]: (v._data.shape, v._data.dtype)
                      for v in ins if isinstance(v, Tensor) and v.requires_grad}
        slot[id(out)] = first_op + len(steps)
        steps.append(_Step(fn, args, fills, kwargs, slot[id(out)], needs, shapes))
    k = slot.get(id(result))
    if k is None or k < first_op:
        return "the result is not computed by tinyprop ops from the inputs"
    program = Program(steps, len(slot), len(inputs), externals, k)
    program.trace_slots = slot
    return program


class CompiledFunction:
    """What ``tinyprop.compile`` returns: call it like the function (or module) it wraps.

    Attribute access falls through to the wrapped module, so ``compiled.parameters()``,
    ``compiled.eval()`` or ``compiled.state_dict()`` work as on the module itself.

    >>> import tinyprop as tp
    >>> from tinyprop import nn
    >>> model = tp.compile(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))
    >>> x = tp.ones(5, 3)
    >>> model(x).sum().backward()  # first call: traced
    >>> model(x).shape, len(model.traces)  # second call: replayed
    (tinyprop.Size([5, 2]), 1)
    """

    def __init__(self, fn, module=None) -> None:
        from .nn.module import Module, structure_version

        if not callable(fn):
            raise TypeError(
                f"compile() needs a function or an nn.Module, got {type(fn).__name__}"
            )
        self.__dict__["fn"] = fn
        if module is None and isinstance(fn, Module):
            module = fn
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"module must be an nn.Module, got {type(module).__name__}")
        self.__dict__["module"] = module
        self.__dict__["traces"] = {}
        self.__dict__["warned"] = False
        self.__dict__["_version"] = structure_version
        self.__dict__["_seen"] = (None, (), ())  # structure version, fingerprint, objects

    def __getattr__(self, name):
        module = self.__dict__.get("module")
        if module is None:
            raise AttributeError(f"compiled function has no attribute {name!r}")
        return getattr(module, name)

    def __setattr__(self, name, value) -> None:
        if self.module is None or name in self.__dict__:
            self.__dict__[name] = value
        else:
            setattr(self.module, name, value)

    def __repr__(self) -> str:
        return f"compile({self.fn!r})"

    def _fingerprint(self) -> tuple:
        """Identity and mode of every submodule, parameter and buffer (module only),
        recomputed only when some module's structure or mode has changed."""
        version = self._version()
        if version != self._seen[0]:
            objects, modes = [], []
            stack = [self.module]
            while stack:
                m = stack.pop()
                d = m.__dict__
                objects.append(m)
                objects.extend(d["_parameters"].values())
                objects.extend(d["_buffers"].values())
                modes.append(m.training)
                stack.extend(c for c in reversed(d["_modules"].values()) if c is not None)
            key = (tuple(map(id, objects)), tuple(modes))
            self.__dict__["_seen"] = (version, key, tuple(objects))
        return self._seen[1]

    def _allowed(self):
        if self.module is None:
            return lambda t: t.grad_fn is None and t.requires_grad
        owned = {id(p) for p in self.module.parameters()}
        owned.update(id(b) for b in self.module.buffers())
        return lambda t: id(t) in owned

    def __call__(self, *args, **kwargs):
        program, inputs, result = self.lookup(*args, **kwargs)
        return result if program is None or result is not None else program.replay(inputs)

    def lookup(self, *args, **kwargs):
        """Find the trace for these arguments: ``(program, inputs, None)`` when one can be
        replayed; otherwise the function runs now (traced when new) and this returns
        ``(new program or None, inputs, its result)``."""
        if _trace.ACTIVE and _trace.current() is not None or anomaly.enabled():
            # inside another trace (its tape records these ops), or checking every op
            return None, None, self.fn(*args, **kwargs)
        inputs, call, key = [], [], [is_grad_enabled()]
        try:
            for a in args:
                if isinstance(a, np.ndarray):
                    a = Tensor._wrap(a)
                call.append(a)
                if isinstance(a, Tensor):
                    inputs.append(a)
                    key.append((a._data.shape, a._data.dtype.str, a.requires_grad))
                else:
                    hash(a)
                    key.append(("const", type(a), a))
            for name, v in kwargs.items():
                if isinstance(v, (Tensor, np.ndarray)):
                    raise TypeError
                hash(v)
                key.append((name, v))
        except TypeError:  # unhashable constants or tensor keywords: not traceable
            return None, None, self.fn(*args, **kwargs)
        if self.module is not None:
            key.append(self._fingerprint())
        key = tuple(key)
        program = self.traces.get(key)
        if program is not None and program is not _EAGER:
            if all(t.requires_grad is f for t, f in zip(program.externals, program.grad_flags)):
                return program, inputs, None
            program = None  # a parameter was frozen or unfrozen since the trace
        if program is _EAGER or (program is None and len(self.traces) >= MAX_TRACES):
            return None, None, self.fn(*args, **kwargs)
        tape = _Tape()
        _trace.start(tape)
        try:
            result = self.fn(*call, **kwargs)
        finally:
            _trace.stop()
        program = _build(tape, inputs, result, self._allowed())
        if isinstance(program, str):
            self.traces[key] = _EAGER
            if not self.warned:
                self.__dict__["warned"] = True
                warnings.warn(f"tinyprop.compile: {program}; running {self.fn!r} eagerly "
                              "for these inputs", stacklevel=3)
            return None, None, result
        if self.module is not None:
            program.alive = self._seen[2]
        self.traces[key] = program
        return program, inputs, result


def compile(fn):  # noqa: A001 - the PyTorch name
    """Compile a function or ``nn.Module`` by tracing: run once, replay after.

    Use it like ``torch.compile``: ``model = tp.compile(model)``, then train as usual.
    The first call with each input signature runs eagerly and records the ops; later
    calls replay the record as one autograd node (see ``tinyprop.tracing`` for what
    cannot be recorded; such calls keep running eagerly, with a warning).

    >>> import tinyprop as tp
    >>> f = tp.compile(lambda x, w: (x @ w).tanh().sum())
    >>> w = tp.ones(3, 2, requires_grad=True)
    >>> for _ in range(2):
    ...     w.grad = None
    ...     f(tp.ones(4, 3), w).backward()
    >>> w.grad.shape
    tinyprop.Size([3, 2])
    """
    return CompiledFunction(fn)
