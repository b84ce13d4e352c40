"""Fuzzing ``--resume`` (issue 15): damage one file of a finished run directory (edited
``config.json`` values, truncated or edited ``metrics.jsonl``, a truncated or bit-flipped
checkpoint, ...) and resume it. Each attempt either works (exit 0) or exits 2 with exactly
one line on stderr and leaves every file of the directory as it was."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyprop.cli import main

FILES = ("config.json", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors",
         "summary.json")
VALUES = [0, -1, 1, 3, 2.5, 1e308, float("nan"), "", "x", "digits", None, True, [], [3], {}]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fuzz-runs") / "run"
    args = ["train", "--data", "xor", "--epochs", "2", "--no-progress", "--no-plots", "--json",
            "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(args) == 0
    return out


def _resume_damaged(finished_run: Path, damage) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        shutil.copytree(finished_run, run)
        damage(run)
        before = {p.name: p.read_bytes() for p in run.iterdir()}
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["train", "--resume", str(run), "--no-progress", "--json"])
        lines = err.getvalue().strip().splitlines()
        assert code in (0, 2), err.getvalue()
        assert not (run / ".tinyprop.lock").exists()
        if code == 2:
            assert len(lines) == 1 and lines[0].startswith("tinyprop: error: "), err.getvalue()
            after = {p.name: p.read_bytes() for p in run.iterdir()}
            assert after == before, "a refused resume changed the run directory"


@SETTINGS
@given(key=st.sampled_from(["data", "model", "hidden", "activation", "init", "init_std",
                            "engine", "optimizer", "lr", "momentum", "weight_decay", "schedule",
                            "epochs", "batch_size", "seed", "val_split", "early_stopping",
                            "plots", "extra", "no_such_option"]),
       value=st.sampled_from(VALUES))
def test_edited_config_value(finished_run, key, value):
    def damage(run):
        meta = json.loads((run / "config.json").read_text())
        meta["config"][key] = value
        (run / "config.json").write_text(json.dumps(meta))

    _resume_damaged(finished_run, damage)


@SETTINGS
@given(name=st.sampled_from(FILES), where=st.floats(0, 1), kind=st.sampled_from(
    ["truncate", "flip", "byte"]), bit=st.integers(0, 7), byte=st.integers(0, 255))
def test_damaged_file(finished_run, name, where, kind, bit, byte):
    def damage(run):
        path = run / name
        blob = bytearray(path.read_bytes())
        at = min(int(where * len(blob)), len(blob) - 1)
        if kind == "truncate":
            del blob[at:]
        elif kind == "flip":
            blob[at] ^= 1 << bit
        else:
            blob[at] = byte
        path.write_bytes(bytes(blob))

    _resume_damaged(finished_run, damage)


@SETTINGS
@given(edit=st.sampled_from(["drop-line", "empty", "not-json", "extra-epoch", "missing"]),
       name=st.sampled_from(FILES))
def test_removed_or_rewritten_file(finished_run, edit, name):
    def damage(run):
        path = run / name
        if edit == "missing":
            path.unlink()
        elif edit == "empty":
            path.write_bytes(b"")
        elif edit == "not-json":
            path.write_text("{not json\n")
        elif edit == "drop-line":
            path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[1:]))
        else:
            path.write_bytes(path.read_bytes() + b'{"epoch": 3}\n')

    _resume_damaged(finished_run, damage)
