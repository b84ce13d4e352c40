"""Issue 16, item 2: a diverging run stops (``StopOnDivergence``, on by default in
``tinyprop train``) with one line saying what happened and what to try, and keeps the last
good checkpoint. What propagates is a ``TrainingDiverged`` (a ``NumericalError``)."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import nn, optim
from tinyprop.errors import ConfigError, NumericalError, TinypropTypeError
from tinyprop.train import (
    AutogradEngine,
    Callback,
    Checkpoint,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    train_run,
)
from tinyprop.train.callbacks import StopOnDivergence


class _Fake:
    epoch, engine = 0, None


@pytest.mark.parametrize("value, diverged", [
    (1.0, False), (2.3, False), (2300.0, False), (2301.0, True), (float("inf"), True),
    (float("nan"), True),
])
def test_the_rule(value, diverged):
    stop = StopOnDivergence(factor=1000)
    stop.on_batch_end(_Fake(), 0, 2.3)
    if not diverged:
        stop.on_epoch_end(_Fake(), 4, {"train_loss": value, "lr": 0.1})
        return
    with pytest.raises(TrainingDiverged, match="training diverged at epoch 5") as info:
        stop.on_epoch_end(_Fake(), 4, {"train_loss": value, "lr": 0.1})
    assert "lower the learning rate (this epoch trained with 0.1; try 0.01)" in str(info.value)
    assert isinstance(info.value, NumericalError) and info.value.epoch == 5
    assert info.value.loss == value or (math.isnan(value) and math.isnan(info.value.loss))


def test_the_start_is_the_first_batch_and_survives_a_resume():
    stop = StopOnDivergence()
    stop.on_batch_end(_Fake(), 0, 2.0)
    stop.on_batch_end(_Fake(), 1, 50.0)  # later batches do not move the start
    assert stop.state_dict() == {"start": 2.0}
    resumed = StopOnDivergence()
    resumed.load_state_dict(stop.state_dict())
    with pytest.raises(TrainingDiverged, match="more than 1000 times its start"):
        resumed.on_epoch_end(_Fake(), 7, {"train_loss": 2001.0})


def test_without_evaluation_it_watches_the_batch_mean_loss():
    stop = StopOnDivergence(factor=10)
    stop.on_batch_end(_Fake(), 0, 1.0)
    with pytest.raises(TrainingDiverged, match="train_batch_loss 11"):
        stop.on_epoch_end(_Fake(), 0, {"train_batch_loss": 11.0})


@pytest.mark.parametrize("factor, error", [(1.0, ConfigError), (float("inf"), ConfigError),
                                           ("10", TinypropTypeError)])
def test_a_bad_factor_is_refused(factor, error):
    with pytest.raises(error, match="factor"):
        StopOnDivergence(factor=factor)


def test_a_damaged_state_is_refused():
    from tinyprop.errors import CheckpointError

    stop = StopOnDivergence()
    with pytest.raises(CheckpointError, match="StopOnDivergence"):
        stop.load_state_dict({"start": "x"})
    assert stop.start is None


def _engine(lr):
    tp.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
    return AutogradEngine(model, optim.SGD(model.parameters(), lr=lr))


class _Boost(Callback):
    """Raise the learning rate to ``lr`` after epoch ``after`` (counted from 1)."""

    def __init__(self, after, lr=1e30):
        self.after, self.lr = after, lr

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch + 1 == self.after:
            trainer.engine.optimizer.param_groups[0]["lr"] = self.lr


def test_lr_1e30_stops_the_trainer_and_keeps_the_last_good_checkpoint(tmp_path):
    from tinyprop.data import load_digits

    d = load_digits()
    path = tmp_path / "checkpoint.safetensors"
    trainer = Trainer(_engine(0.1), d.loader("train", batch_size=32, seed=0), epochs=6,
                      test_data=d.test, verbose=False,
                      callbacks=[StopOnDivergence(), Checkpoint(path), _Boost(after=2)])
    with pytest.raises(TrainingDiverged, match="at epoch 3") as info:
        trainer.fit()
    assert info.value.epoch == 3 and info.value.loss > 1e6
    state = tp.load(path)
    assert state["trainer"]["epoch"] == 2  # the diverged epoch did not overwrite it
    assert all(np.isfinite(np.asarray(w)).all() for w in state["model"].values())
    assert max(h["train_loss"] for h in state["trainer"]["history"]) < 3


def test_lr_1e30_from_the_start_stops_after_the_first_epoch():
    from tinyprop.data import load_digits

    d = load_digits()
    trainer = Trainer(_engine(1e30), d.loader("train", batch_size=32, seed=0), epochs=10,
                      callbacks=[StopOnDivergence()], verbose=False)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="epoch 1"):
        trainer.fit()
    assert trainer.epoch <= 1


def test_train_run_stops_keeps_the_last_good_epoch_and_says_so(tmp_path, monkeypatch):
    from tinyprop.train.run import Run

    original = Run.trainer

    def boosted(self, run_dir):
        trainer = original(self, run_dir)
        trainer.callbacks.append(_Boost(after=2))
        return trainer

    monkeypatch.setattr(Run, "trainer", boosted)
    monkeypatch.chdir(tmp_path)
    stream = io.StringIO()
    with pytest.raises(TrainingDiverged) as info:
        train_run(TrainConfig(epochs=6, plots=False, schedule="none"), out="d", stream=stream)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("training diverged at epoch 3: train_loss ")
    assert "lower the learning rate" in message
    assert message.endswith("; d keeps the last good checkpoint (epoch 2)")
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert summary["status"] == "diverged" and summary["epochs"] == 2
    assert summary["stop_reason"] == message.split("; d keeps")[0]
    assert summary["train_loss"] < 3
    metrics = (tmp_path / "d" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(m)["epoch"] for m in metrics] == [1, 2]
    ckpt = tp.load(tmp_path / "d" / "checkpoint.safetensors")
    weights = tp.load(tmp_path / "d" / "model.safetensors")
    assert ckpt["trainer"]["epoch"] == 2
    for key, w in weights.items():  # model.safetensors holds the last good weights
        np.testing.assert_array_equal(w, ckpt["model"][key])
    rows = [ln for ln in stream.getvalue().splitlines() if ln.strip()[:1].isdigit()]
    assert [r.split()[0] for r in rows] == ["1/6", "2/6"]  # no row for the diverged epoch


def test_the_cli_stops_a_diverging_run_with_one_line(tmp_path, capsys):
    from tinyprop.cli import main

    code = main(["train", "--lr", "1e30", "--no-progress", "--no-plots", "--out",
                 str(tmp_path / "r")])
    out, err = capsys.readouterr()
    assert code == 3  # the command line's code for a diverged run
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinyprop: error: training diverged at "
                                                   "epoch 1"), err
    assert "lower the learning rate" in lines[0]
    # stdout: the configuration block only, no summary of a finished run
    assert out.startswith("tinyprop train: digits, mlp") and "completed" not in out, out
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["status"] == "diverged" and summary["epochs"] == 1
