"""PyTorch's OpInfo database as an oracle for every tinyprop op that PyTorch also has.

``OPS`` maps an OpInfo name to the tinyprop spellings of that op (``tp.x``, ``F.x`` for
``tinyprop.nn.functional``, ``Tensor.x`` for a method); every variant of the OpInfo runs.
Spellings that tinyprop does not have are left out, and spellings that are the same
function object (``tp.clamp``/``Tensor.clamp``/``tp.clip``) run once.

Each float64 ``SampleInput`` (``requires_grad=True`` where the op is differentiable) runs
once through PyTorch and once through each spelling: tensors become tinyprop tensors (same
values and dtype, ``requires_grad`` where torch's requires it, shared tensors stay
shared), ``torch.Size`` becomes a tuple and a ``torch.dtype`` a NumPy dtype. The forward
result is compared (type and tuple structure, named fields, shape, dtype,
``requires_grad``, values to ``RTOL``/``ATOL`` for floats and exactly otherwise), then any
in-place change of the inputs, then the gradient of every differentiable input for one
fixed random upstream gradient per float output.

Each sample gets one status: ``pass``; ``mismatch`` (it ran, and a result differs);
``not-supported`` (tinyprop raised ``NotImplementedError``, an exception whose class name
says ``NotSupported``, or a ``TypeError``/``ValueError`` whose message says "not
supported", "unsupported" or "not implemented"); ``error`` (any other exception); or
``skipped`` (PyTorch itself raised, so there is nothing to compare with).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import re
import warnings
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch

import tinyprop as tp
from tinyprop.nn import functional as F

RTOL = 1e-7
ATOL = 1e-7
STATUSES = ("pass", "mismatch", "not-supported", "error", "skipped")
FAILING = ("mismatch", "error")
REGENERATE = "python tools/opinfo_report.py --write"


def _fn(name: str) -> tuple[str, ...]:
    return (f"tp.{name}", f"Tensor.{name}")


def _nn(name: str) -> tuple[str, ...]:
    return (f"F.{name}", f"tp.{name}", f"Tensor.{name}")


_FUNCTIONS = (
    # elementwise, comparisons and predicates
    "abs", "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "tanh", "sigmoid",
    "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite",
    # reductions
    "sum", "mean", "max", "min", "amax", "amin", "var", "std", "logsumexp", "argmax", "argmin",
    "all", "any", "unique",
    # linear algebra
    "matmul", "mm", "mv", "dot", "outer",
    # shape and conversion
    "reshape", "view", "flatten", "transpose", "permute", "squeeze", "unsqueeze",
    "broadcast_to", "expand", "clone", "to", "t",
)
_METHODS = (
    "T", "mT", "float", "double", "half", "short", "int", "long", "bool", "item", "zero_",
    "__getitem__",
    "__radd__", "__rsub__", "__rmul__", "__rpow__", "__rmatmul__",
)
_FUNCTIONAL = (
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy_with_logits", "one_hot", "linear", "layer_norm", "batch_norm",
    "dropout", "pad",
)
_CREATION = (
    "zeros", "ones", "full", "eye", "arange", "linspace", "zeros_like", "ones_like",
    "full_like", "empty", "empty_like", "randn", "randn_like", "rand_like", "randint",
)

OPS: dict[str, tuple[str, ...]] = {
    **{n: _fn(n) for n in _FUNCTIONS},
    "clamp": (*_fn("clamp"), *_fn("clip")),
    "where": ("tp.where", "Tensor.where"),
    "cat": ("tp.cat", "tp.concatenate"),
    "stack": ("tp.stack",),
    **{n: (f"Tensor.{n}",) for n in _METHODS},
    "__rdiv__": ("Tensor.__rtruediv__",),
    "softmax": _nn("softmax"),
    "log_softmax": _nn("log_softmax"),
    **{f"nn.functional.{n}": _nn(n) for n in ("relu", "elu", "gelu", "leaky_relu", "softplus")},
    **{f"nn.functional.{n}": (f"F.{n}", f"tp.{n}") for n in _FUNCTIONAL},
    **{n: (f"tp.{n}",) for n in _CREATION},
}
"""OpInfo name -> tinyprop spellings of the op, the PyTorch spelling first."""

META_ONLY = frozenset({"empty", "empty_like", "randn", "randn_like", "rand_like", "randint"})
"""Ops whose values are arbitrary: only type, shape, dtype and requires_grad are compared."""

_CALLS: dict[str, Callable] = {
    "Tensor.T": lambda x: x.T,
    "Tensor.mT": lambda x: x.mT,
    "Tensor.zero_": lambda x: x.clone().zero_(),  # OpInfo: torch.zero_(x.clone())
    "Tensor.__getitem__": lambda x, index: x[index],
    # OpInfo's where takes (self, condition, other) and calls torch.where(condition, self, other)
    "tp.where": lambda x, condition, other, **kw: tp.where(condition, x, other, **kw),
    "Tensor.where": lambda x, condition, other, **kw: x.where(condition, other, **kw),
}

_NP_DTYPES = {
    torch.float64: np.dtype(np.float64), torch.float32: np.dtype(np.float32),
    torch.float16: np.dtype(np.float16), torch.int64: np.dtype(np.int64),
    torch.int32: np.dtype(np.int32), torch.int16: np.dtype(np.int16),
    torch.int8: np.dtype(np.int8), torch.uint8: np.dtype(np.uint8),
    torch.bool: np.dtype(np.bool_),
}
_SHORT = {torch.float64: "f64", torch.float32: "f32", torch.float16: "f16", torch.int64: "i64",
          torch.int32: "i32", torch.int16: "i16", torch.int8: "i8", torch.uint8: "u8",
          torch.bool: "bool"}
_NOT_SUPPORTED = re.compile(r"not (yet )?supported|unsupported|not implemented", re.IGNORECASE)


@dataclass(frozen=True)
class Record:
    """The outcome of one OpInfo sample through one tinyprop spelling."""

    op: str
    variant: str
    form: str
    index: int
    sample: str
    status: str
    reason: str = ""

    @property
    def label(self) -> str:
        return f"{self.op}.{self.variant}" if self.variant else self.op

    def call(self) -> str:
        """The sample as a call, e.g. ``tp.max(f64[5,5,5], 1, keepdim=True)``."""
        return f"{self.form}({self.sample})"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Form:
    spelling: str
    call: Callable


# ---------------------------------------------------------------- op table and database


@functools.cache
def op_db() -> tuple:
    """PyTorch's OpInfo list (imported once per process: it takes a few seconds)."""
    from torch.testing._internal.common_methods_invocations import op_db as db

    return tuple(db)


def forms(name: str) -> list[Form]:
    """The tinyprop spellings of OpInfo ``name`` that exist, one per distinct function."""
    out, seen = [], []
    for spelling in OPS[name]:
        space, attr = spelling.split(".", 1)
        if space == "Tensor":
            target = inspect.getattr_static(tp.Tensor, attr, None)
            call = _CALLS.get(spelling) or _method(attr)
        else:
            target = getattr(tp if space == "tp" else F, attr, None)
            call = _CALLS.get(spelling, target)
        if target is None or any(target is t for t in seen):
            continue
        seen.append(target)
        out.append(Form(spelling, call))
    return out


def _method(attr: str) -> Callable:
    # called through the class, as OpInfo calls torch.Tensor.<name>(input, ...): the input
    # of a reflected operator's sample may be a Python number
    return lambda x, *args, **kwargs: getattr(tp.Tensor, attr)(x, *args, **kwargs)


def opinfos(names=None) -> list:
    """The OpInfo entries (every variant) of ``names`` (default: all of ``OPS``), sorted."""
    wanted = set(OPS if names is None else names)
    found = [o for o in op_db() if o.name in wanted]
    return sorted(found, key=lambda o: (o.name, o.variant_test_name))


def sample_dtype(opinfo):
    """float64 when the op supports it on CPU, else int64 or bool; None when none is."""
    supported = opinfo.supported_dtypes("cpu")
    return next((d for d in (torch.float64, torch.int64, torch.bool) if d in supported), None)


# ---------------------------------------------------------------- converting samples


class _Slot:
    """Stands for the k-th distinct tensor of a sample inside its argument structure."""

    __slots__ = ("k",)

    def __init__(self, k: int):
        self.k = k


def _rebuild(obj, items):
    return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)


def _template(obj, tensors: list, paths: list, path: str):
    """``obj`` with each distinct tensor replaced by a slot (``tensors[k]``, named ``paths[k]``)."""
    if isinstance(obj, torch.Tensor):
        for k, t in enumerate(tensors):
            if t is obj:
                return _Slot(k)
        tensors.append(obj)
        paths.append(path)
        return _Slot(len(tensors) - 1)
    if isinstance(obj, (list, tuple)) and not isinstance(obj, torch.Size):
        return _rebuild(obj, [_template(v, tensors, paths, f"{path}[{i}]")
                              for i, v in enumerate(obj)])
    if isinstance(obj, dict):
        return {k: _template(v, tensors, paths, f"{path}[{k!r}]") for k, v in obj.items()}
    return obj


def _fill(obj, values: list, for_tinyprop: bool):
    """The template with its slots filled; for tinyprop ``torch.Size`` becomes a tuple and
    a ``torch.dtype`` a NumPy dtype."""
    if isinstance(obj, _Slot):
        return values[obj.k]
    if isinstance(obj, torch.Size):
        return tuple(obj) if for_tinyprop else obj
    if isinstance(obj, torch.dtype):
        return _NP_DTYPES.get(obj, obj) if for_tinyprop else obj
    if isinstance(obj, (list, tuple)):
        return _rebuild(obj, [_fill(v, values, for_tinyprop) for v in obj])
    if isinstance(obj, dict):
        return {k: _fill(v, values, for_tinyprop) for k, v in obj.items()}
    return obj


def _short(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"{_SHORT.get(x.dtype, str(x.dtype))}[{','.join(map(str, x.shape))}]"
    if isinstance(x, torch.Size):
        x = tuple(x)
    if isinstance(x, list):
        return "[" + ", ".join(_short(v) for v in x) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(_short(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, float):
        text = f"{x:.4g}"
        return text if any(c in text for c in ".ein") else text + ".0"
    if isinstance(x, slice):
        parts = ["" if v is None else str(v) for v in (x.start, x.stop, x.step)]
        return ":".join(parts[:2] if x.step is None else parts)
    if x is Ellipsis:
        return "..."
    return str(x) if isinstance(x, torch.dtype) else repr(x)


def describe(sample) -> str:
    """A short, deterministic text of a sample's arguments (shapes, not values)."""
    parts = [_short(sample.input), *(_short(a) for a in sample.args)]
    parts += [f"{k}={_short(v)}" for k, v in sample.kwargs.items()]
    return ", ".join(parts)


def _np_of(t: torch.Tensor) -> np.ndarray:
    return t.detach().resolve_conj().resolve_neg().numpy().copy()


def _tp_np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


# ---------------------------------------------------------------- the PyTorch reference


@dataclass
class _Reference:
    before: list  # each input tensor's value before the call
    after: list  # ... and after it (in-place updates such as running statistics)
    out: object
    cotangents: dict  # output position -> upstream gradient
    grads: list  # per input tensor: torch's gradient, None where not differentiable


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _unordered_unique(name: str, sample) -> bool:
    """unique(sorted=False) over all elements leaves the order of the result open."""
    kwargs = sample.kwargs
    return name == "unique" and not kwargs.get("sorted", True) and kwargs.get("dim") is None


def _sort_unique(out, kwargs: dict):
    """tinyprop's unique(sorted=False) result in ascending order, for comparing."""
    parts = _outputs(out)
    if len(parts) != 1 + bool(kwargs.get("return_inverse")) + bool(kwargs.get("return_counts")):
        return out  # the structure check reports it
    values = _tp_np(parts[0])
    order = np.argsort(values, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    fixed = [values[order]]
    if kwargs.get("return_inverse"):
        inverse = _tp_np(parts[1])
        fixed.append(rank[inverse].astype(inverse.dtype))
    if kwargs.get("return_counts"):
        fixed.append(_tp_np(parts[-1])[order])
    fixed = [tp.tensor(a) for a in fixed]
    return fixed[0] if len(fixed) == 1 else tuple(fixed)


def _reference(opinfo, sample, template, tensors: list, seed: int) -> _Reference:
    """PyTorch's result and gradients, on fresh leaf copies of the sample's tensors (so
    views and layouts in the sample cannot change what autograd reports)."""
    before = [_np_of(t) for t in tensors]
    fresh = [torch.from_numpy(b.copy()).requires_grad_(t.requires_grad)
             for b, t in zip(before, tensors)]
    inp, args, kwargs = _fill(template, fresh, for_tinyprop=False)
    if _unordered_unique(opinfo.name, sample):
        kwargs["sorted"] = True  # compared with tinyprop's result put in ascending order
    out = opinfo.op(inp, *args, **kwargs)
    if out is NotImplemented:  # torch's reflected operators refuse some operands this way
        raise TypeError("torch returned NotImplemented")
    outs = _outputs(out)
    rng = np.random.default_rng(seed)
    live = [j for j, o in enumerate(outs) if isinstance(o, torch.Tensor) and o.requires_grad]
    cotangents = {j: rng.standard_normal(tuple(outs[j].shape)).astype(_NP_DTYPES[outs[j].dtype])
                  for j in live}
    wrt = [k for k, t in enumerate(fresh) if t.requires_grad]
    grads = [None] * len(tensors)
    if live and wrt:
        got = torch.autograd.grad([outs[j] for j in live], [fresh[k] for k in wrt],
                                  [torch.from_numpy(cotangents[j]) for j in live],
                                  allow_unused=True)
        for k, g in zip(wrt, got):
            grads[k] = np.zeros(before[k].shape) if g is None else _np_of(g)
    return _Reference(before, [_np_of(t) for t in fresh], out, cotangents, grads)


# ---------------------------------------------------------------- comparing


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= 200 else line[:197] + "..."


def classify(exc: BaseException, stage: str = "") -> tuple[str, str]:
    """(status, reason) for an exception tinyprop raised: not-supported or error."""
    message = _first_line(exc)
    reason = f"{stage}{type(exc).__name__}: {message}"
    if isinstance(exc, NotImplementedError) or "NotSupported" in type(exc).__name__:
        return "not-supported", reason
    if isinstance(exc, (TypeError, ValueError)) and _NOT_SUPPORTED.search(message):
        return "not-supported", reason
    return "error", reason


def _diff(expected: np.ndarray, got: np.ndarray) -> str | None:
    """None when equal (floats: to tolerance, NaN equal to NaN), else what differs."""
    if expected.dtype.kind in "fc":
        got = got.astype(expected.dtype, copy=False)
        if np.allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True):
            return None
        if not np.array_equal(np.isnan(got), np.isnan(expected)):
            return "NaN pattern differs"
        with np.errstate(all="ignore"):
            err = np.abs(got - expected)
        return f"max abs err {np.nanmax(np.where(np.isfinite(err), err, np.inf)):.2g}"
    if np.array_equal(got, expected):
        return None
    n = int(np.sum(got != expected)) if got.shape == expected.shape else expected.size
    return f"{n} of {expected.size} elements differ"


def _compare(t, p, where: str, meta: bool) -> str | None:
    """Why tinyprop's result ``p`` differs from torch's ``t``, or None."""
    if isinstance(t, torch.Tensor):
        if not isinstance(p, tp.Tensor):
            return f"{where}: returns {type(p).__name__}, torch returns a Tensor"
        if tuple(p.shape) != tuple(t.shape):
            return f"{where}: shape differs (tinyprop {tuple(p.shape)}, torch {tuple(t.shape)})"
        got = _tp_np(p)
        if got.dtype != _NP_DTYPES.get(t.dtype):
            return f"{where}: dtype differs (tinyprop {got.dtype}, torch {t.dtype})"
        if bool(p.requires_grad) != t.requires_grad:
            return (f"{where}: requires_grad differs (tinyprop {bool(p.requires_grad)}, "
                    f"torch {t.requires_grad})")
        if meta:
            return None
        diff = _diff(_np_of(t), got)
        return None if diff is None else f"{where}: values differ ({diff})"
    if isinstance(t, (tuple, list)):
        if not isinstance(p, (tuple, list)):
            return f"{where}: returns {type(p).__name__}, torch returns a tuple of {len(t)}"
        if len(p) != len(t):
            return f"{where}: returns {len(p)} results, torch returns {len(t)}"
        for field in getattr(type(t), "__match_args__", ()):
            if not hasattr(p, field):
                return f"{where}: result has no .{field} (torch returns a named tuple)"
        for i, (ti, pi) in enumerate(zip(t, p)):
            reason = _compare(ti, pi, f"{where}[{i}]", meta)
            if reason:
                return reason
        return None
    if isinstance(t, numbers.Number):
        kinds = ((bool, (bool, np.bool_)), (numbers.Integral, numbers.Integral),
                 (numbers.Real, numbers.Real))
        want = next(ok for kind, ok in kinds if isinstance(t, kind))
        if not isinstance(p, want) or (want is numbers.Integral and isinstance(p, bool)):
            return f"{where}: returns {type(p).__name__}, torch returns {type(t).__name__}"
        diff = None if meta else _diff(np.asarray(t), np.asarray(p))
        return None if diff is None else f"{where}: value differs ({p!r}, torch {t!r})"
    same = type(p) is type(t) and bool(t == p)
    return None if same else f"{where}: returns {p!r}, torch returns {t!r}"


def _compare_inputs(ref: _Reference, leaves: list, paths: list) -> str | None:
    for k, leaf in enumerate(leaves):
        diff = _diff(ref.after[k], _tp_np(leaf))
        if diff is None:
            continue
        if _diff(ref.after[k], ref.before[k]) is None:
            return f"{paths[k]}: changed in place, torch leaves it unchanged ({diff})"
        return f"{paths[k]}: in-place update differs from torch's ({diff})"
    return None


def _compare_grads(ref: _Reference, out, leaves: list, paths: list) -> tuple[str, str] | None:
    outs = _outputs(out)
    live = [(outs[j], c) for j, c in ref.cotangents.items()
            if isinstance(outs[j], tp.Tensor) and outs[j].requires_grad]
    try:
        for o, c in live:
            o.backward(tp.tensor(c), retain_graph=True)
    except Exception as exc:  # noqa: BLE001 - every failure is reported
        return classify(exc, "backward: ")
    for k, expected in enumerate(ref.grads):
        if expected is None:
            continue
        grad = leaves[k].grad
        if grad is None:
            if np.any(expected != 0):
                return "mismatch", f"grad[{paths[k]}]: none, torch's is nonzero"
            continue
        got = _tp_np(grad)
        if got.shape != expected.shape:
            return "mismatch", (f"grad[{paths[k]}]: shape differs (tinyprop {got.shape}, "
                                f"torch {expected.shape})")
        diff = _diff(expected, got)
        if diff:
            return "mismatch", f"grad[{paths[k]}]: values differ ({diff})"
    return None


def _is_meta(name: str, sample) -> bool:
    if name in META_ONLY:
        return True
    if name == "nn.functional.dropout":  # random unless p is 0 or 1, or not training
        p, training = sample.kwargs.get("p", 0.5), sample.kwargs.get("training", True)
        return bool(training) and p not in (0, 1)
    return False


def _run_form(form: Form, template, ref: _Reference, tensors, paths, meta,
              unordered: bool = False) -> tuple[str, str]:
    leaves = [tp.tensor(ref.before[k].copy(), requires_grad=bool(t.requires_grad))
              for k, t in enumerate(tensors)]
    inp, args, kwargs = _fill(template, leaves, for_tinyprop=True)
    try:
        with tp.enable_grad():
            out = form.call(inp, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure is reported
        return classify(exc)
    try:
        if unordered and isinstance(out, (tp.Tensor, tuple, list)):
            out = _sort_unique(out, kwargs)
        reason = _compare(ref.out, out, "output", meta)
        if reason is None and not meta:
            reason = _compare_inputs(ref, leaves, paths)
        if reason is not None:
            return "mismatch", reason
        if not meta:
            return _compare_grads(ref, out, leaves, paths) or ("pass", "")
    except Exception as exc:  # noqa: BLE001
        return "error", classify(exc, "reading the result: ")[1]
    return "pass", ""


# ---------------------------------------------------------------- running


def _samples(opinfo, dtype, grad: bool, inputs: str) -> list:
    if inputs == "reference":  # OpInfo's larger set: extremal values, big and odd shapes
        try:
            return list(opinfo.reference_inputs("cpu", dtype, requires_grad=grad))
        except Exception:  # noqa: BLE001 - a few generators cannot make grad tensors
            pass
    return list(opinfo.sample_inputs("cpu", dtype, requires_grad=grad))


def run_opinfo(opinfo, spellings: list[Form] | None = None, inputs: str = "sample"):
    """Records of every sample of one OpInfo entry through every tinyprop spelling of it
    (or through ``spellings``, which the harness's own tests use to feed it wrong ops).
    ``inputs="reference"`` uses OpInfo's reference inputs instead of its sample inputs."""
    name, variant = opinfo.name, opinfo.variant_test_name
    dtype = sample_dtype(opinfo)
    spellings = forms(name) if spellings is None else spellings
    if dtype is None or not spellings:
        return []
    seed = zlib.crc32(f"{name}|{variant}".encode())
    torch.manual_seed(seed)
    grad = bool(opinfo.supports_autograd and dtype.is_floating_point)
    records = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        samples = _samples(opinfo, dtype, grad, inputs)
        for i, sample in enumerate(samples):
            tensors, paths = [], []
            template = (
                _template(sample.input, tensors, paths, "input"),
                tuple(_template(a, tensors, paths, f"args[{j}]")
                      for j, a in enumerate(sample.args)),
                {k: _template(v, tensors, paths, k) for k, v in sample.kwargs.items()},
            )
            text, meta = describe(sample), _is_meta(name, sample)
            try:
                ref = _reference(opinfo, sample, template, tensors, seed + i)
            except Exception as exc:  # noqa: BLE001 - torch refusing a sample is a skip
                outcome = ("skipped", f"torch raised {type(exc).__name__}: {_first_line(exc)}")
                records += [Record(name, variant, f.spelling, i, text, *outcome)
                            for f in spellings]
                continue
            for f in spellings:
                status, reason = _run_form(f, template, ref, tensors, paths, meta,
                                           _unordered_unique(name, sample))
                records.append(Record(name, variant, f.spelling, i, text, status, reason))
    return records


def run(names=None, inputs: str = "sample") -> list[Record]:
    """Records for every sample of every OpInfo in ``names`` (default: all of ``OPS``)."""
    return [r for o in opinfos(names) for r in run_opinfo(o, inputs=inputs)]


@functools.cache
def run_cached() -> tuple[Record, ...]:
    """``run()`` once per process (the tests and the docs check share it)."""
    return tuple(run())


def not_run() -> list[tuple[str, str]]:
    """(OpInfo label, why) for each mapped OpInfo that produced no samples."""
    out = []
    for o in opinfos():
        label = f"{o.name}.{o.variant_test_name}" if o.variant_test_name else o.name
        if sample_dtype(o) is None:
            out.append((label, "OpInfo lists no CPU dtype for it"))
        elif not forms(o.name):
            out.append((label, f"tinyprop has none of {', '.join(OPS[o.name])}"))
    return out


def unmapped() -> list[str]:
    """OpInfo names that match a public tinyprop name but are missing from ``OPS``."""
    public = {n for n in dir(tp) if not n.startswith("_")}
    methods = {n for n in dir(tp.Tensor) if not n.startswith("_") or n.startswith("__r")}
    functional = set(getattr(F, "__all__", ()))
    names = set()
    for o in op_db():
        for name in (o.name, *(a.name for a in o.aliases)):
            if name.startswith("nn.functional."):
                hit = name.removeprefix("nn.functional.") in functional
            else:
                hit = "." not in name and (name in public or name in methods)
            if hit:
                names.add(o.name)
    return sorted(names - set(OPS))


# ---------------------------------------------------------------- summaries and the docs page


def counts(records) -> dict[tuple[str, str], Counter]:
    """(OpInfo label, tinyprop spelling) -> Counter of statuses, in a stable order."""
    table: dict[tuple[str, str], Counter] = {}
    for r in records:
        table.setdefault((r.label, r.form), Counter())[r.status] += 1
    return dict(sorted(table.items()))


def _sci(x: float) -> str:
    return f"{x:g}".replace("e-0", "e-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(records, skipped_ops=()) -> str:
    """The docs page ``docs/pytorch-opinfo.md`` for ``records`` (deterministic)."""
    total = Counter(r.status for r in records)
    ran = len(records) - total["skipped"]
    lines = [
        "# PyTorch OpInfo oracle",
        "",
        "*Generated by `tools/opinfo_report.py`: do not edit this page by hand.*",
        "",
        "PyTorch's own OpInfo database is the oracle for every tinyprop op that PyTorch also",
        "has. Each float64 sample input runs through PyTorch and through each tinyprop",
        "spelling of the op (`tp.x`, `F.x`, `Tensor.x`); forward results (type, tuple",
        "structure, shape, dtype, `requires_grad`, values to rtol "
        f"{_sci(RTOL)} / atol {_sci(ATOL)}),",
        "in-place updates and the gradients of every differentiable input are compared. A",
        "sample *passes*, is a *mismatch*, is *not supported* (tinyprop raises a clear",
        "not-supported error), is an *error* (any other exception) or is *skipped* (PyTorch",
        "itself refuses it). Regenerate with:",
        "",
        "```bash",
        REGENERATE,
        "```",
        "",
        "## Summary",
        "",
        "| OpInfo entries | samples | pass | mismatch | not supported | error | skipped |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len({(r.op, r.variant) for r in records})} | {len(records)} | {total['pass']} "
        f"| {total['mismatch']} | {total['not-supported']} | {total['error']} "
        f"| {total['skipped']} |",
        "",
        f"Pass rate over the samples PyTorch accepts: {total['pass']} of {ran}"
        + (f" ({100 * total['pass'] / ran:.1f} %)." if ran else "."),
        "",
        "## Per op",
        "",
        "| OpInfo | tinyprop | samples | pass | mismatch | not supported | error | skipped |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (label, form), c in counts(records).items():
        lines.append(f"| `{label}` | `{form}` | {sum(c.values())} | "
                     + " | ".join(str(c[s]) for s in STATUSES) + " |")
    if skipped_ops:
        lines += ["", "OpInfo entries that produce no samples here:", ""]
        lines += [f"- `{label}`: {why}" for label, why in skipped_ops]
    lines += ["", "## Not supported", ""]
    unsupported = sorted((r for r in records if r.status == "not-supported"),
                         key=lambda r: (r.label, r.form, r.index))
    if unsupported:
        lines += ["| OpInfo | # | call | reason |", "|---|---:|---|---|"]
        lines += [f"| `{r.label}` | {r.index} | `{_cell(r.call())}` | {_cell(r.reason)} |"
                  for r in unsupported]
    else:
        lines.append("Every sample that ran is supported.")
    return "\n".join(lines) + "\n"
