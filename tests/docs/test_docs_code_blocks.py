"""Every ```python block in docs/*.md and in README.md runs as written.

Each block runs in a fresh namespace with a temporary directory as the working
directory. A block whose nearest non-blank line above the fence is ``<!-- not-run -->``
(optionally ``<!-- not-run: reason -->``) is only compiled, not run: that marker is kept
for code that needs the network or a long run. A line such as ``print(x)  # -> tensor(...)``
is a doctest-style check: the text after ``# ->`` must be printed, as one line, in the
order the checks appear in the block. A ```text block right after a python block, with
``<!-- output -->`` between them, is the block's whole expected output.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

OPEN = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not-run(\s*:\s*(?P<reason>.*?))?\s*-->$")
OUTPUT = "<!-- output -->"
EXPECT = re.compile(r"#\s*->\s*(?P<text>.*?)\s*$")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None  # the not-run reason ("" when none was given), None to run
    output: str | None = None  # the whole expected output, from an <!-- output --> block

    @property
    def id(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def extract_blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, with their not-run markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent = m.group("indent")
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path}:{i + 1}: code fence is never closed")
        body = [ln[len(indent) :] if ln.startswith(indent) else ln for ln in lines[i + 1 : end]]
        above = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
        marker = NOT_RUN.match(above)
        skip = (marker.group("reason") or "") if marker else None
        blocks.append(Block(path, i + 1, m.group("lang"), "\n".join(body) + "\n", skip))
        i = end + 1
    for block, nxt in zip(blocks, blocks[1:]):
        between = [ln.strip() for ln in lines[block.line : nxt.line - 1]]
        after = between[between.index("```") + 1 :] if "```" in between else []
        if [ln for ln in after if ln] == [OUTPUT] and block.lang == "python":
            block.output = nxt.code
            nxt.lang = "output"
    return blocks


def python_blocks(paths) -> list[Block]:
    return [b for p in paths for b in extract_blocks(p) if b.lang == "python"]


PAGES = sorted(DOCS.glob("*.md"))
BLOCKS = python_blocks([*PAGES, README])
RUN = [b for b in BLOCKS if b.skip is None]


def expected_lines(code: str) -> list[str]:
    """The ``# -> text`` checks of a block, in order."""
    out = []
    for line in code.splitlines():
        m = EXPECT.search(line)
        if m and "print(" in line:
            out.append(m.group("text"))
    return out


def _norm(s: str) -> str:
    return " ".join(s.split())


def check_output(block: Block, printed: str) -> None:
    lines = [_norm(ln) for ln in printed.splitlines()]
    if block.output is not None:
        want = [_norm(ln) for ln in block.output.splitlines()]
        if lines != want:
            raise AssertionError(
                f"{block.id}: the block's output differs from its <!-- output --> block.\n"
                f"expected:\n{block.output}\ngot:\n{printed}"
            )
    pos = 0
    for want in expected_lines(block.code):
        target = _norm(want)
        while pos < len(lines) and lines[pos] != target:
            pos += 1
        if pos == len(lines):
            raise AssertionError(
                f"{block.id}: expected the line {want!r} to be printed (in order); the block "
                f"printed:\n{printed}"
            )
        pos += 1


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A temporary working directory, and tinyprop's global settings put back afterwards."""
    import tinyprop as tp

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    dtype = tp.get_default_dtype()
    yield tmp_path
    tp.set_default_dtype(dtype)
    assert tp.is_grad_enabled(), "a block left grad mode off"
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def test_docs_have_python_blocks():
    assert PAGES, "docs/ has no pages"
    assert BLOCKS, "no ```python blocks found in docs/ or README.md"
    assert any(b.path == README for b in RUN), "README's quick tour has no runnable block"


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.id)
def test_block_compiles(block):
    compile(block.code, block.id, "exec")


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.id)
def test_block_runs(block, sandbox):
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.code, block.id, "exec"), namespace)  # noqa: S102 - our own docs
    check_output(block, out.getvalue())


def test_not_run_markers_sit_above_python_blocks():
    """A ``<!-- not-run -->`` marker must be followed by a ```python block (no stray ones)."""
    for path in [*PAGES, README]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if NOT_RUN.match(line.strip()):
                nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
                m = OPEN.match(nxt)
                assert m and m.group("lang") == "python", (
                    f"{path.relative_to(ROOT)}:{i + 1}: not-run marker is not followed by a "
                    "```python block"
                )


def test_skipped_blocks_say_why():
    for block in BLOCKS:
        if block.skip is not None and block.path != README:
            assert block.skip, f"{block.id}: write the reason: <!-- not-run: needs network -->"


def test_extractor_reads_markers_and_checks(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n```python\nprint(1)  # -> 1\n```\n\n<!-- not-run: needs network -->\n\n"
        "```python\nimport nothing_here\n```\n\n```bash\nls\n```\n",
        encoding="utf-8",
    )
    blocks = extract_blocks(page)
    assert [(b.lang, b.skip) for b in blocks] == [
        ("python", None),
        ("python", "needs network"),
        ("bash", None),
    ]
    assert expected_lines(blocks[0].code) == ["1"]
    check_output(blocks[0], "1\n")
    with pytest.raises(AssertionError, match="expected the line"):
        check_output(blocks[0], "2\n")


def test_extractor_reads_output_blocks(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nfor i in range(2):\n    print(i)\n```\n\n<!-- output -->\n```text\n0\n1\n```\n",
        encoding="utf-8",
    )
    block, out = extract_blocks(page)
    assert block.output == "0\n1\n" and out.lang == "output"
    check_output(block, "0\n1\n")
    with pytest.raises(AssertionError, match="differs"):
        check_output(block, "0\n")
