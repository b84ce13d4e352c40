"""Run PyTorch's OpInfo sample inputs through tinyprop and report what passes.

    python tools/opinfo_report.py                  # summary, per-op counts, failure causes
    python tools/opinfo_report.py --write          # also regenerate docs/pytorch-opinfo.md
    python tools/opinfo_report.py --json out.json  # also dump every record
    python tools/opinfo_report.py --ops max sum    # only these OpInfo names (no --write)
    python tools/opinfo_report.py --reference-inputs  # OpInfo's larger input set (no --write)

Needs torch and expecttest (``pip install -e ".[oracle]"``). The harness lives in
``tests/oracle/opinfo.py`` (with its ``opinfo_*.py`` modules); ``tests/oracle/test_opinfo.py``
checks the page is current.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS_PAGE = ROOT / "docs" / "pytorch-opinfo.md"
sys.path.insert(0, str(ROOT / "tests"))

from oracle import opinfo, opinfo_render  # noqa: E402 - needs the tests folder on the path


def cause(reason: str) -> str:
    """A reason without its sample-specific details, to group samples by cause."""
    reason = re.sub(r"\s*\([^()]*(\([^()]*\)[^()]*)*\)$", "", reason)
    return re.sub(r"\b\d+\b", "N", reason)


def print_counts(records) -> None:
    total = Counter(r.status for r in records)
    ran = len(records) - total["skipped"]
    print(f"OpInfo entries: {len({(r.op, r.variant) for r in records})}, "
          f"samples: {len(records)}, " + ", ".join(f"{s}: {total[s]}" for s in opinfo.STATUSES))
    if ran:
        print(f"pass rate (without skipped): {100 * total['pass'] / ran:.1f} %")
    rows = [(label, form, sum(c.values()), *(c[s] for s in opinfo.STATUSES))
            for (label, form), c in opinfo_render.counts(records).items()]
    head = ("OpInfo", "tinyprop", "samples", *opinfo.STATUSES)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for row in (head, *rows):
        cells = [str(x).ljust(w) if i < 2 else str(x).rjust(w)
                 for i, (x, w) in enumerate(zip(row, widths))]
        print("  ".join(cells))


def print_causes(records) -> None:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for r in records:
        if r.status in opinfo.FAILING:
            groups[(r.label, f"{r.status}: {cause(r.reason)}")].append(r)
    if not groups:
        print("\nno mismatch and no error")
        return
    print("\nfailure causes (OpInfo: status: cause [samples]; one example):")
    for (label, text), rs in sorted(groups.items()):
        print(f"- {label}: {text} [{len(rs)}]")
        print(f"    e.g. #{rs[0].index} {rs[0].call()}  ->  {rs[0].reason}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"regenerate {DOCS_PAGE.name}")
    parser.add_argument("--json", metavar="FILE", help="dump every record as JSON")
    parser.add_argument("--ops", nargs="+", metavar="NAME", help="only these OpInfo names")
    parser.add_argument("--reference-inputs", action="store_true",
                        help="OpInfo's larger reference inputs (extremal values, big shapes) "
                        "instead of its sample inputs; not for --write")
    args = parser.parse_args(argv)
    if args.write and (args.ops or args.reference_inputs):
        parser.error("--write needs the full run of sample inputs; leave out --ops")
    unknown = sorted(set(args.ops or ()) - set(opinfo.OPS))
    if unknown:
        parser.error(f"not in the OpInfo table: {', '.join(unknown)}")
    start = time.perf_counter()
    records = opinfo.run(args.ops, "reference" if args.reference_inputs else "sample")
    seconds = time.perf_counter() - start
    print_counts(records)
    print_causes(records)
    missing = opinfo.unmapped()
    if missing:
        print(f"\nOpInfo names matching a tinyprop name but not in OPS: {', '.join(missing)}")
    print(f"\nran in {seconds:.1f} s (including importing PyTorch's OpInfo database)")
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_dict() for r in records], indent=1) + "\n")
        print(f"wrote {args.json}")
    if args.write:
        page = opinfo_render.render_markdown(records, opinfo.not_run())
        DOCS_PAGE.write_text(page, encoding="utf-8")
        print(f"wrote {DOCS_PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
