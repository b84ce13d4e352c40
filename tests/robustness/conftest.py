"""Fixtures shared by the robustness suite."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from tinyprop.cli import main


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> Path:
    """A finished one-epoch digits run, trained once per session. Read-only: a case that
    changes a run works on a copy (``Env.copy_run``)."""
    out = tmp_path_factory.mktemp("catalog") / "digits-run"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["train", "--epochs", "1", "--no-progress", "--no-plots", "--json",
                     "--out", str(out)])
    assert code == 0
    return out
