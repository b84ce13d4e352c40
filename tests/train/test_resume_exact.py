"""Resume is exact under every option: a run interrupted mid-epoch and resumed ends bit
for bit like one that was never stopped (every schedule, early stopping with the best
weights put back); extending a run (``--epochs N``) gives exactly the run started with N
epochs, for the schedules that allow it; runs are locked, and no write follows a link."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tinyprop.io import load
from tinyprop.train import Callback, TrainConfig, resume_run, train_run
from tinyprop.train.run import Run

TIMES = ("epoch_time_s", "samples_per_s")


class _InterruptAt(Callback):
    """Acts like Ctrl-C after the ``at``-th batch of the run (counted from 1)."""

    def __init__(self, at: int) -> None:
        self.at, self.count = at, 0

    def on_batch_end(self, trainer, batch, loss):
        self.count += 1
        if self.count == self.at:
            trainer.interrupted = True


def _interrupted(monkeypatch, cfg: TrainConfig, out: Path) -> dict:
    """Train ``cfg`` into ``out``, interrupted in the middle of its third epoch."""
    n = len(Run(cfg, verbose=False).loader)
    original = Run.trainer

    def with_interrupt(self, run_dir):
        t = original(self, run_dir)
        t.callbacks.append(_InterruptAt(2 * n + n // 2 + 1))
        return t

    with monkeypatch.context() as m:
        m.setattr(Run, "trainer", with_interrupt)
        summary = train_run(cfg, out=str(out), verbose=False)
    assert summary["status"] == "interrupted"
    return summary


def _metrics(run: Path) -> list:
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k not in TIMES} for r in rows]


def assert_same_run(a: Path, b: Path) -> None:
    wa, wb = load(a / "model.safetensors"), load(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    for k in wa:
        assert np.array_equal(wa[k], wb[k]), k
    assert _metrics(a) == _metrics(b)
    sa, sb = (json.loads((r / "summary.json").read_text()) for r in (a, b))
    for key in ("status", "stop_reason", "epochs", "train_loss", "test_loss", "val_loss"):
        assert sa.get(key) == sb.get(key), key
    assert not (b / ".tinyprop.lock").exists()


SCHEDULES = ["none", "step", "cosine", "exponential", "onecycle", "plateau"]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_interrupted_and_resumed_equals_uninterrupted(schedule, tmp_path, monkeypatch):
    cfg = TrainConfig(data="moons", epochs=5, schedule=schedule, optimizer="momentum",
                      lr=0.1, plots=False, progress=False)
    train_run(cfg, out=str(tmp_path / "straight"), verbose=False)
    _interrupted(monkeypatch, cfg, tmp_path / "resumed")
    resume_run(tmp_path / "resumed", verbose=False)
    assert_same_run(tmp_path / "straight", tmp_path / "resumed")


def test_early_stopping_resume_restores_the_same_best_weights(tmp_path, monkeypatch):
    """Best at epoch 5, stop at 7 (patience 2); interrupted in epoch 3 and again in
    epoch 6 (after the best epoch): the best weights come back from the checkpoint."""
    cfg = TrainConfig(data="moons", epochs=40, early_stopping=2, val_split=0.3, lr=0.5,
                      optimizer="adam", plots=False, progress=False)
    straight = train_run(cfg, out=str(tmp_path / "straight"), verbose=False)
    assert straight["status"] == "early_stopped" and "epoch 5)" in straight["stop_reason"]
    _interrupted(monkeypatch, cfg, tmp_path / "resumed")
    n = len(Run(cfg, verbose=False).loader)
    original = Run.trainer

    def with_interrupt(self, run_dir):
        t = original(self, run_dir)
        t.callbacks.append(_InterruptAt(3 * n + n // 2))  # in epoch 6
        return t

    with monkeypatch.context() as m:
        m.setattr(Run, "trainer", with_interrupt)
        assert resume_run(tmp_path / "resumed", verbose=False)["status"] == "interrupted"
    assert resume_run(tmp_path / "resumed", verbose=False)["status"] == "early_stopped"
    assert_same_run(tmp_path / "straight", tmp_path / "resumed")
    again = resume_run(tmp_path / "resumed", verbose=False)  # a finished run stays put
    assert again["status"] == "early_stopped"
    assert_same_run(tmp_path / "straight", tmp_path / "resumed")


@pytest.mark.parametrize("schedule", ["none", "exponential", "plateau"])
def test_extending_a_run_equals_the_longer_run(schedule, tmp_path):
    """``--resume --epochs 6`` on a finished 3-epoch run is the run started with 6."""
    cfg = dict(data="xor", schedule=schedule, plots=False, progress=False)
    train_run(TrainConfig(epochs=6, **cfg), out=str(tmp_path / "straight"), verbose=False)
    train_run(TrainConfig(epochs=3, **cfg), out=str(tmp_path / "extended"), verbose=False)
    assert resume_run(tmp_path / "extended", epochs=6, verbose=False)["epochs"] == 6
    assert_same_run(tmp_path / "straight", tmp_path / "extended")
    config = json.loads((tmp_path / "extended" / "config.json").read_text())
    assert config["config"]["epochs"] == 6
    assert resume_run(tmp_path / "extended", verbose=False)["epochs"] == 6  # and stays so


@pytest.mark.parametrize("schedule", ["step", "cosine", "onecycle"])
def test_extending_an_epoch_shaped_schedule_is_refused_before_any_change(schedule, tmp_path):
    from tinyprop.errors import RunError

    run = tmp_path / "run"
    train_run(TrainConfig(data="xor", epochs=3, schedule=schedule, plots=False, progress=False),
              out=str(run), verbose=False)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    with pytest.raises(RunError, match=f"{schedule} learning-rate schedule"):
        resume_run(run, epochs=4, verbose=False)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before
    assert resume_run(run, verbose=False)["status"] == "completed"  # still resumable


def test_resume_replaces_a_symlinked_metrics_file_and_leaves_its_target(tmp_path):
    run = tmp_path / "run"
    train_run(TrainConfig(data="xor", epochs=2, plots=False, progress=False), out=str(run),
              verbose=False)
    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's file\n")
    (run / "metrics.jsonl").unlink()
    (run / "metrics.jsonl").symlink_to(outside)
    resume_run(run, epochs=3, verbose=False)
    assert outside.read_text() == "someone else's file\n"
    assert not (run / "metrics.jsonl").is_symlink()
    assert [r["epoch"] for r in _metrics(run)] == [1, 2, 3]


def _run_and_state(tmp_path):
    cfg = TrainConfig(data="moons", epochs=2, early_stopping=2, val_split=0.3,
                      plots=False, progress=False)
    train_run(cfg, out=str(tmp_path / "a"), verbose=False)
    run = Run(cfg, verbose=False)
    return run, run.trainer(tmp_path / "b"), load(tmp_path / "a" / "checkpoint.safetensors")


@pytest.mark.parametrize("damage", ["negative-epoch", "history-length", "rng-overflow",
                                    "best-weights-shape", "epoch-float"])
def test_trainer_load_state_dict_checks_first_and_changes_nothing(damage, tmp_path):
    from tinyprop.errors import CheckpointError

    run, trainer, state = _run_and_state(tmp_path)
    t = state["trainer"]
    if damage == "negative-epoch":
        t["epoch"] = -1
    elif damage == "history-length":
        t["history"] = t["history"][:1]
    elif damage == "rng-overflow":
        state["rng"]["state"]["inc"] = 2**300
    elif damage == "epoch-float":
        t["epoch"] = 2.0
    else:
        early = next(cs for cs in t["callbacks"] if cs and "best_state" in cs)
        key = next(iter(early["best_state"]))
        early["best_state"][key] = np.zeros((1, 1), np.float32)
    weights = {k: v.numpy().copy() for k, v in run.model.state_dict().items()}
    loader, optimizer = run.loader.state_dict(), run.engine.optimizer.state_dict()
    with pytest.raises(CheckpointError):
        trainer.load_state_dict(state)
    for k, v in run.model.state_dict().items():
        assert np.array_equal(v.numpy(), weights[k]), k
    assert json.dumps(run.loader.state_dict(), default=str) == json.dumps(loader, default=str)
    assert str(run.engine.optimizer.state_dict()) == str(optimizer)
    assert trainer.epoch == 0 and trainer.history == [] and run.early.best_state is None


def test_trainer_epoch_cannot_be_negative():
    run = Run(TrainConfig(data="xor", epochs=2, plots=False, progress=False), verbose=False)
    trainer = run.trainer(Path("unused"))
    with pytest.raises(ValueError, match=">= 0"):
        trainer.epoch = -3
    with pytest.raises(TypeError):
        trainer.epoch = 1.5
    assert trainer.epoch == 0
