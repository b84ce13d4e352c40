"""PyTorch's OpInfo database as an oracle for every tinyprop op that PyTorch also has.

The op table (``OPS``: OpInfo name -> tinyprop spellings ``tp.x``, ``F.x``, ``Tensor.x``)
is in ``opinfo_table.py``; every variant of each OpInfo runs, once per distinct function.
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

The modules: ``opinfo_table`` (the op table and PyTorch's database), ``opinfo_samples``
(converting samples, the PyTorch reference), ``opinfo_compare`` (comparing, classifying),
this one (records and running) and ``opinfo_render`` (counts and the docs page).
"""

from __future__ import annotations

import functools
import warnings
import zlib
from dataclasses import asdict, dataclass

import numpy as np
import torch

import tinyprop as tp
from tinyprop.nn import functional as F

from .opinfo_compare import _first_line, _is_meta, _run_form
from .opinfo_samples import _reference, _template, _unordered_unique, describe
from .opinfo_table import OPS, Form, forms, op_db, opinfos, sample_dtype

STATUSES = ("pass", "mismatch", "not-supported", "error", "skipped")
FAILING = ("mismatch", "error")


def _label(name: str, variant: str) -> str:
    return f"{name}.{variant}" if variant else name


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
        return _label(self.op, self.variant)

    def call(self) -> str:
        """The sample as a call, e.g. ``tp.max(f64[5,5,5], 1, keepdim=True)``."""
        return f"{self.form}({self.sample})"

    def as_dict(self) -> dict:
        return asdict(self)


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
        label = _label(o.name, o.variant_test_name)
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

