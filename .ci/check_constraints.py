"""Check that .ci/constraints-min.txt pins each dependency at its lower bound in pyproject.toml.

Every requirement of the project and of its train, test and oracle extras needs a lower
bound (``>=`` or ``==``), and the constraints file must pin exactly that version, so
that .ci/run's second pass really tests the oldest releases the project claims to
support. Run from the repository root; exits 1 and names each mismatch.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

# "bench" is not tested
EXTRAS = ("train", "test", "oracle", "tracking", "sweep", "playground", "fast")
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def lower_bounds(pyproject: dict) -> dict[str, str | None]:
    project = pyproject["project"]
    requirements = list(project.get("dependencies", []))
    for extra in EXTRAS:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    bounds: dict[str, str | None] = {}
    for requirement in requirements:
        name, rest = REQUIREMENT.match(requirement.split(";")[0]).groups()
        if canonical(name) == canonical(project["name"]):
            continue  # tinyprop[train] inside the test extra
        found = re.search(r"(>=|==)\s*([0-9][0-9.]*)", rest)
        bounds[canonical(name)] = found.group(2) if found else None
    return bounds


def pins(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = (part.strip() for part in line.split("=="))
            out[canonical(name)] = version
    return out


def main() -> int:
    bounds = lower_bounds(tomllib.loads(Path("pyproject.toml").read_text()))
    pinned = pins(Path(".ci/constraints-min.txt").read_text())
    problems = []
    for name, bound in sorted(bounds.items()):
        if bound is None:
            problems.append(f"{name}: pyproject.toml gives it no lower bound (>=)")
        elif name not in pinned:
            problems.append(f"{name}: .ci/constraints-min.txt does not pin it (want =={bound})")
        elif release(pinned[name]) != release(bound):
            problems.append(
                f"{name}: pyproject.toml says >={bound} but .ci/constraints-min.txt "
                f"pins =={pinned[name]}"
            )
    for name in sorted(set(pinned) - set(bounds)):
        problems.append(f"{name}: pinned in .ci/constraints-min.txt but not a dependency")
    for problem in problems:
        print(f"constraints-min: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
