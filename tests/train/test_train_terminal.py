"""What a person sees when ``tinyprop train`` runs in a real 80-column terminal: a tmux
pane (a pseudo-terminal) of 80 x 40, captured after the command ends, plus everything the
command wrote to it (``pipe-pane``), where the live bar shows even though it is erased.

No timing is asserted: each wait is a poll with a generous deadline."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.requires_tool("tmux")

WIDTH, HEIGHT = 80, 40
DONE = "__tinyprop_done__"


class Pane:
    """A detached tmux session on its own server (``tmux -L``) running one command."""

    def __init__(self, tmp_path: Path, args: list[str]) -> None:
        self.socket = f"tinyprop-test-{uuid.uuid4().hex[:12]}"
        self.raw = tmp_path / "raw.log"
        self.go = tmp_path / "go"
        python = shlex.quote(sys.executable)
        command = (f"while [ ! -e {shlex.quote(str(self.go))} ]; do sleep 0.05; done; "
                   f"env -u COLUMNS -u LINES MPLBACKEND=Agg {python} -m tinyprop.cli "
                   f"{shlex.join(args)}; echo {DONE} $?")
        self.tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", "t",
                  "-c", str(tmp_path), command, ";", "set-option", "-t", "t",
                  "remain-on-exit", "on", ";", "pipe-pane", "-t", "t", "-o",
                  f"cat >> {shlex.quote(str(self.raw))}")
        self.go.touch()  # the command starts only now that its output is recorded

    def tmux(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "COLUMNS", "LINES")}
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=30, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def screen(self, joined: bool = True) -> str:
        """The pane's text, history included; ``joined``: wrapped lines joined (-J)."""
        return self.tmux("capture-pane", "-p", "-t", "t", "-S", "-",
                         *(["-J"] if joined else []))

    def wait_for(self, pattern: str, deadline_s: float = 120) -> str:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            text = self.screen()
            if re.search(pattern, text, re.MULTILINE):
                return text
            assert not self.dead(), f"{pattern!r} did not appear; the pane shows:\n{text}"
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} did not appear; the pane shows:\n{self.screen()}")

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_dead}").strip() == "1"

    def exit_code(self, deadline_s: float = 120) -> int:
        """Wait until the command has ended (the pane is dead), then its exit status."""
        end = time.monotonic() + deadline_s
        while not self.dead():
            assert time.monotonic() < end, f"the command did not end:\n{self.screen()}"
            time.sleep(0.1)
        match = re.search(rf"^{DONE} (\d+)", self.screen(), re.MULTILINE)
        assert match, self.screen()
        return int(match.group(1))

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=30)


@pytest.fixture
def pane(tmp_path):
    panes = []

    def start(args):
        panes.append(Pane(tmp_path, args))
        return panes[-1]

    yield start
    for p in panes:
        p.kill()


def _output_lines(screen: str) -> list[str]:
    """The command's lines, up to the line that reports its exit status."""
    lines = [ln.rstrip() for ln in screen.splitlines()]
    return lines[:next(i for i, ln in enumerate(lines) if ln.startswith(DONE))]


def test_train_in_an_80_column_terminal(pane, tmp_path):
    p = pane(["train", "--data", "digits", "--epochs", "4", "--val-split", "0.2",
              "--no-plots", "--out", "run"])
    assert p.exit_code() == 0, p.screen()
    joined, plain = _output_lines(p.screen()), _output_lines(p.screen(joined=False))
    assert joined == plain, "a line wrapped"  # -J joins wrapped lines: nothing was joined
    assert all(len(line) <= WIDTH for line in joined), "\n".join(joined)
    # the resolved configuration comes first, one compact block
    assert joined[0].startswith("tinyprop train: digits, mlp (autograd engine)"), joined
    block = joined[:joined.index(next(ln for ln in joined if ln.startswith("epoch ")))]
    assert any("lr 0.5" in ln and "schedule cosine" in ln for ln in block), block
    assert any(ln.split() == ["run", "run"] for ln in block), block
    # the epoch table: a header, then one row per epoch, each within the 80 columns
    header = next(ln for ln in joined if ln.startswith("epoch "))
    assert header.split()[:6] == ["epoch", "loss", "acc", "val_loss", "val_acc", "time"]
    assert "lr" in header.split()
    rows = [ln for ln in joined if re.match(r"^\s*\d+/4\s", ln)]
    assert [r.split()[0] for r in rows] == ["1/4", "2/4", "3/4", "4/4"]
    for row in rows:
        assert len(row.split()) == len(header.split()), row  # no cell lost or split
        time_cell = row.split()[header.split().index("time")]
        assert re.fullmatch(r"\d+(\.\d+)?(ns|µs|ms|s|min|h)", time_cell), row
        assert time_cell not in ("0.00s", "0s"), row
    # the live bar was drawn (and erased): tqdm decided it writes to a terminal
    raw = p.raw.read_bytes().decode("utf-8", "replace")
    assert re.search(r"epoch 1/4: +\d+%\|", raw), raw[:500]
    assert (tmp_path / "run" / "summary.json").exists()


def test_ctrl_c_in_a_terminal_prints_the_resume_command(pane, tmp_path):
    p = pane(["train", "--data", "circles", "--epochs", "5000", "--no-plots", "--out",
              "my run"])
    p.wait_for(r"^\s*3/5000\s")  # three epochs done: interrupt the run
    p.tmux("send-keys", "-t", "t", "C-c")
    assert p.exit_code() == 130, p.screen()
    lines = _output_lines(p.screen())
    # (no width check here: the terminal echoes "^C" into whatever line the bar is on)
    assert "  tinyprop train --resume 'my run'" in lines, "\n".join(lines)
    assert (tmp_path / "my run" / "checkpoint.safetensors").exists()
