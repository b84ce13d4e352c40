"""Bad-input catalog (issue 15), part 4: run directories — writes that would follow a
link, two processes on one run, resume that would not be exact, trainer state that does
not fit.

Each case runs through the catalog's :func:`check`: exit code 2 (or the library's
exception) with one line that says what was expected and what was received, and nothing
changed: not the run directory, not the file a link points to, not the model.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from robustness.test_rb_support import (
    Bad,
    Cli,
    Registry,
    edit_run_config,
    make_env,
    same,
    state_of,
)
from tinyprop.cli import main

cases = Registry()
QUIET = ["--no-progress", "--no-plots", "--json"]


def _train(env, name: str, *args) -> Path:
    out = env.tmp / name
    assert main(["train", *args, *QUIET, "--out", str(out)]) == 0
    return out


def _resume(run: Path, *args) -> list:
    return ["train", "--resume", str(run), "--no-progress", *args]


def _holder() -> tuple:
    return (f"pid {os.getpid()}", socket.gethostname())


def _hold(env, directory: Path) -> None:
    from tinyprop.train._lock import RunLock

    lock = RunLock.acquire(directory)
    env.cleanups.append(lock.release)


# ---- writes that follow links ---------------------------------------------------------


@cases.case("runs-metrics-symlink-append")
def _(env):
    from tinyprop.train import MetricsLogger

    outside = env.tmp / "outside.txt"
    outside.write_text("not tinyprop's\n")
    run = env.tmp / "run"
    run.mkdir()
    (run / "metrics.jsonl").symlink_to(outside)
    logger = MetricsLogger(run / "metrics.jsonl")
    return Bad(lambda: logger.on_epoch_end(None, 0, {"epoch": 1}), OSError,
               (("symbolic link", "Too many levels"),), ("metrics.jsonl",), guard=(outside,))


# ---- two processes, one run -----------------------------------------------------------


@cases.case("runs-resume-held-lock")
def _(env):
    run = env.copy_run()
    _hold(env, run)
    return Cli(_resume(run), ("in use by", "wait until"), _holder())


@cases.case("runs-out-held-by-another-process")
def _(env):
    out = env.tmp / "fresh"
    out.mkdir()
    _hold(env, out)  # the other process created --out a moment ago
    return Cli(["train", "--epochs", "1", *QUIET, "--out", str(out)], ("in use by",), _holder())


@cases.case("runs-config-json-over-the-limit")
def _(env):
    run = env.copy_run()
    (run / "config.json").write_text(" " * (2 << 20))  # a bomb in place of the config
    return Cli(["evaluate", str(run)], ("at most 1,048,576 bytes",), ("found 2,097,152",))


# ---- fields that decide the data split or the model -----------------------------------

for _key, _value in [("seed", 1), ("val_split", 0.2), ("activation", "relu"), ("init", "he"),
                     ("lr", 0.1), ("batch_size", 16)]:

    def _edited(env, key=_key, value=_value):
        run = edit_run_config(env.copy_run(), lambda m: m["config"].update({key: value}))
        return Cli(_resume(run), ("was trained with", "put " + key + " back"),
                   (f"{key}={value!r}",))

    cases.case(f"runs-resume-edited-{_key.replace('_', '-')}")(_edited)


# ---- --resume --epochs N ----------------------------------------------------------------

for _schedule in ("step", "cosine", "onecycle"):

    def _extend(env, schedule=_schedule):
        run = _train(env, f"{schedule}-run", "--data", "xor", "--epochs", "3",
                     "--schedule", schedule)
        return Cli(_resume(run, "--epochs", "5"), (f"{schedule} learning-rate schedule",
                                                   "laid out over 3 epochs"), ("to 5",))

    cases.case(f"runs-resume-epochs-{_schedule}")(_extend)


@cases.case("runs-resume-epochs-below-trained")
def _(env):
    run = _train(env, "none-run", "--data", "xor", "--epochs", "3")
    return Cli(_resume(run, "--epochs", "2"), ("--epochs 3 or more",), ("to 2 epochs",))


@cases.case("runs-resume-epochs-after-early-stop")
def _(env):
    run = _train(env, "early-run", "--data", "xor", "--epochs", "200", "--early-stopping", "1",
                 "--lr", "3")
    assert json.loads((run / "summary.json").read_text())["status"] == "early_stopped"
    return Cli(_resume(run, "--epochs", "300"), ("new run to train longer",),
               ("stopped early",))


# ---- trainer state --------------------------------------------------------------------


def _trainer():
    from tinyprop.train import TrainConfig
    from tinyprop.train.run import Run

    run = Run(TrainConfig(data="xor", epochs=2, plots=False, progress=False), verbose=False)
    return run, run.trainer(Path("unused"))


@cases.case("runs-trainer-epoch-negative")
def _(env):
    run, trainer = _trainer()
    return Bad(lambda: setattr(trainer, "epoch", -3), ValueError, (">= 0",), ("-3",),
               guard=(run.model, lambda: trainer.epoch))


def _bad_rng_state(env):
    from tinyprop.io import load

    state = load(env.run_dir / "checkpoint.safetensors")
    state["rng"]["state"]["state"] = -1  # NumPy: OverflowError
    return state


@cases.case("runs-trainer-load-invalid-rng")
def _(env):
    from tinyprop.train import TrainConfig
    from tinyprop.train.run import Run

    run = Run(TrainConfig(epochs=1, plots=False, progress=False), verbose=False)
    trainer = run.trainer(Path("unused"))
    state = _bad_rng_state(env)
    return Bad(lambda: trainer.load_state_dict(state), ValueError,
               ("random generator state",), ("out of bounds",),
               guard=(run.model, run.engine.optimizer, run.loader,
                      lambda: (trainer.epoch, trainer.history)))


@cases.case("runs-resume-checkpoint-invalid-rng")
def _(env):
    import tinyprop as tp

    run = env.copy_run()
    tp.save(_bad_rng_state(env), run / "checkpoint.safetensors")
    return Cli(_resume(run), ("random generator state",), ("out of bounds",))


# ---- the tests ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(cases.params()))
def test_bad_input(name, tmp_path, monkeypatch, capsys, finished_run):
    cases.run(name, make_env(tmp_path, monkeypatch, finished_run), capsys)


HOLD = """
import sys, time
from tinyprop.train._lock import RunLock
lock = RunLock.acquire(sys.argv[1])
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_process_is_refused_naming_the_holder(tmp_path, finished_run, capsys):
    """A real process holds the run; ``--resume`` from this one: exit 2, its pid named."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = state_of(run)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        capsys.readouterr()
        assert main(_resume(run)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"pid {holder.pid} on host {socket.gethostname()}" in err[0]
        after = state_of(run)
        assert after.pop(".tinyprop.lock")[1].startswith(f"pid {holder.pid} ".encode())
        assert same(after, before), "the refused process changed the run directory"
    finally:
        holder.communicate("", timeout=60)
    assert main(_resume(run)) == 0  # released: the run can be resumed again
    assert not (run / ".tinyprop.lock").exists()


def test_out_created_meanwhile_by_another_process(tmp_path, monkeypatch, capsys):
    """Two ``train --out X`` on a fresh X: the one that finds X created (and held) by the
    other between its check and its ``mkdir`` does not write into it."""
    from tinyprop.train._lock import RunLock

    out = tmp_path / "fresh"
    real_mkdir, held = Path.mkdir, []

    def racing_mkdir(self, *args, **kwargs):
        if self == out and not held:  # the other process wins the race right here
            real_mkdir(self)
            held.append(RunLock.acquire(out))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    try:
        assert main(["train", "--epochs", "1", *QUIET, "--out", str(out)]) == 2
    finally:
        for lock in held:
            lock.release()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "in use by" in err[0]
    assert list(out.iterdir()) == []


def test_two_real_processes_on_one_fresh_out(tmp_path):
    out = tmp_path / "x"
    cmd = [sys.executable, "-m", "tinyprop.cli", "train", "--data", "xor", "--epochs", "2",
           *QUIET, "--out", str(out)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in procs)
    assert codes == [0, 2], [p.stderr.read() for p in procs]
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2]
