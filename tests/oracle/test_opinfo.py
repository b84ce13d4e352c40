"""PyTorch's OpInfo samples against every tinyprop op that PyTorch also has (issue 13).

Every op must have no mismatch and no error; what tinyprop does not support must raise a
clear not-supported error, and is listed in ``docs/pytorch-opinfo.md``, which must be
current. The harness is ``tests/oracle/opinfo.py`` (with its ``opinfo_*.py`` modules);
``python tools/opinfo_report.py`` prints the same results with their causes grouped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")  # torch.testing._internal (OpInfo) imports it

import tinyprop as tp  # noqa: E402
from oracle import opinfo, opinfo_render, opinfo_samples  # noqa: E402 - only once torch is there

pytestmark = pytest.mark.oracle

MIN_PASS_RATE = 0.97
MIN_MESSAGE = 10  # characters a not-supported message needs to say what and why
DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "pytorch-opinfo.md"


@pytest.fixture(scope="session")
def records():
    return opinfo.run_cached()


def _listing(records, limit: int = 25) -> str:
    lines = [f"  {r.status}: #{r.index} {r.call()}  ->  {r.reason}" for r in records[:limit]]
    if len(records) > limit:
        lines.append(f"  ... and {len(records) - limit} more")
    return "\n".join(lines)


def _message(reason: str) -> str:
    """The exception message of a reason such as ``NotImplementedError: ...``."""
    return reason.split(": ", 1)[1] if ": " in reason else ""


@pytest.mark.parametrize("name", sorted(opinfo.OPS))
def test_op_matches_pytorch(records, name):
    mine = [r for r in records if r.op == name]
    if not mine:  # not_run() walks every OpInfo entry: only for the failure message
        why = dict(opinfo.not_run()).get(name, "no OpInfo entry")
        pytest.fail(f"no OpInfo sample ran for {name!r}: {why}", pytrace=False)
    failing = [r for r in mine if r.status in opinfo.FAILING]
    if failing:
        pytest.fail(f"{len(failing)} of {len(mine)} OpInfo samples of {name!r} fail:\n"
                    f"{_listing(failing)}", pytrace=False)
    unclear = [r for r in mine if r.status == "not-supported"
               and len(_message(r.reason).strip()) < MIN_MESSAGE]
    if unclear:
        pytest.fail(f"not-supported without a clear message:\n{_listing(unclear)}",
                    pytrace=False)


def test_pass_rate(records):
    ran = sum(r.status != "skipped" for r in records)
    passed = sum(r.status == "pass" for r in records)
    assert ran, "no OpInfo sample ran"
    rate = passed / ran
    assert rate >= MIN_PASS_RATE, (
        f"{passed} of {ran} OpInfo samples pass ({100 * rate:.1f} %), fewer than "
        f"{100 * MIN_PASS_RATE:g} %; run `python tools/opinfo_report.py` for the causes"
    )


def test_every_opinfo_with_a_tinyprop_name_is_in_the_table():
    missing = opinfo.unmapped()
    assert not missing, (
        f"tinyprop has ops that PyTorch's OpInfo covers but OPS in "
        f"tests/oracle/opinfo_table.py lacks: {', '.join(missing)}"
    )


def test_docs_page_is_current(records):
    expected = opinfo_render.render_markdown(records, opinfo.not_run())
    actual = DOCS_PAGE.read_text(encoding="utf-8") if DOCS_PAGE.exists() else ""
    if actual != expected:
        old, new = actual.splitlines(), expected.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b),
                     min(len(old), len(new)))
        pytest.fail(
            f"docs/pytorch-opinfo.md is out of date (first difference at line {first + 1}); "
            f"regenerate it with `{opinfo_render.REGENERATE}`",
            pytrace=False,
        )


# ---------------------------------------------------------------- the harness itself


def _entry(name: str, variant: str = ""):
    return next(o for o in opinfo.op_db() if o.name == name and o.variant_test_name == variant)


def _statuses(name, call, variant=""):
    records = opinfo.run_opinfo(_entry(name, variant), [opinfo.Form("fake", call)])
    assert records
    return {r.status for r in records}, records


def test_harness_passes_a_correct_op():
    statuses, _ = _statuses("mul", tp.mul)
    assert statuses == {"pass"}


def test_harness_catches_a_wrong_forward():
    statuses, records = _statuses("sum", tp.mean)
    assert "mismatch" in statuses
    assert any("values differ" in r.reason for r in records)


def test_harness_catches_a_wrong_gradient():
    def mul(a, b):  # right values, gradient w.r.t. a off by 0.5
        return tp.mul(a, b) + (a - a.detach()) * 0.5

    statuses, records = _statuses("mul", mul)
    assert "mismatch" in statuses
    assert any(r.reason.startswith("grad[input]") for r in records)


def test_harness_catches_a_wrong_return_type():
    statuses, records = _statuses("max", tp.amax, "reduction_with_dim")
    assert statuses == {"mismatch"}
    assert "torch returns a tuple of 2" in records[0].reason


def test_harness_classifies_exceptions():
    def unsupported(*args, **kwargs):
        raise NotImplementedError("fake: this mode is not supported by tinyprop")

    def crash(*args, **kwargs):
        raise KeyError("boom")

    def refused(*args, **kwargs):
        raise ValueError("fake: negative dims are not supported")

    assert _statuses("exp", unsupported)[0] == {"not-supported"}
    assert _statuses("exp", refused)[0] == {"not-supported"}
    assert _statuses("exp", crash)[0] == {"error"}


def test_conversion_keeps_shared_tensors_shared():
    import torch

    x = torch.ones(2, requires_grad=True)
    tensors, paths = [], []
    sample = [x, x, torch.float64, torch.Size([2])]
    template = opinfo_samples._template(sample, tensors, paths, "input")
    assert paths == ["input[0]"]
    filled = opinfo_samples._fill(template, ["X"], for_tinyprop=True)
    assert filled == ["X", "X", np.float64, (2,)]
