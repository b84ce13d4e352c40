"""Issue 16, item 1: honest, compact training output. Times with units, numbers that fit,
an epoch table within the terminal's width, the Trainer reporting on stdout by default
(Keras' ``fit(verbose=1)``), tqdm's plain text bar in notebooks, the resolved
configuration and the resume command of ``tinyprop train``."""

from __future__ import annotations

import io
import re
import sys
import warnings

import pytest

import tinyprop as tp
from tinyprop import nn, optim
from tinyprop.data import make_circles
from tinyprop.train import AutogradEngine, Callback, ProgressBar, TrainConfig, Trainer, train_run
from tinyprop.train import callbacks as callbacks_module
from tinyprop.train._format import (
    EpochTable,
    config_block,
    format_count,
    format_number,
    format_time,
    summary_text,
    terminal_width,
)


@pytest.mark.parametrize("seconds, text", [
    (0.0, "0ns"), (3e-9, "3ns"), (4.2e-6, "4.2µs"), (0.00341, "3.41ms"), (0.035, "35ms"),
    (0.9999, "1s"), (0.612, "612ms"), (1.5, "1.5s"), (59.99, "1min"), (185.0, "3.08min"),
    (7300.0, "2.03h"),
])
def test_times_have_a_unit_that_suits_them(seconds, text):
    assert format_time(seconds) == text
    assert len(format_time(seconds)) <= 7


@pytest.mark.parametrize("x, width, text", [
    (0.123456, 9, "0.1235"), (2.0456e30, 9, "2.046e+30"), (1.0, 9, "1"),
    (0.000123456, 9, "0.0001235"), (1.2345e-300, 9, "1.23e-300"), (-1.2345e-300, 9, "-1.2e-300"),
    (0.98333, 6, "0.9833"), (float("inf"), 9, "inf"), (float("nan"), 6, "nan"), (12345678, 9,
                                                                                 "1.235e+07"),
])
def test_numbers_have_four_significant_digits_or_fit_their_column(x, width, text):
    assert format_number(x, width) == text
    assert len(text) <= width


def test_counts_are_readable():
    assert [format_count(n) for n in (7, 1257, 99_999, 407_164, 2.5e6, 3e9)] == [
        "7", "1,257", "99,999", "407k", "2.5M", "3G"]


LOGS = {"epoch": 12, "train_batch_loss": 0.05, "train_batch_accuracy": 0.99,
        "train_loss": 0.0412345, "train_accuracy": 0.991234, "val_loss": 2.0456e30,
        "val_accuracy": 0.000012, "test_loss": 0.0981, "test_accuracy": 0.9741,
        "lr": 0.000123456, "epoch_time_s": 0.00341, "samples_per_s": 1e6}


@pytest.mark.parametrize("width", [20, 40, 60, 80, 100, 200])
def test_the_table_fits_its_width_and_keeps_the_important_columns(width):
    table = EpochTable(LOGS, epochs=150, width=width)
    header, row = table.header(), table.row(LOGS)
    assert len(header) == len(row)
    assert len(row) <= max(width, len(table.columns[0][1]) + 5)
    names = header.split()
    assert names[0] == "epoch" and row.split()[0] == "12/150"
    assert len(row.split()) == len(names)  # every number whole, in its own cell
    if width >= 40:
        assert names[:3] == ["epoch", "loss", "acc"]
    if width >= 80:
        assert {"val_loss", "val_acc", "time", "lr", "test_acc"} <= set(names)
    if width >= 200:
        assert "test_loss" in names and table.dropped == []


def test_the_table_shows_what_each_number_is():
    table = EpochTable(LOGS, epochs=150, width=200)
    cells = dict(zip(table.header().split(), table.row(LOGS).split()))
    assert cells == {"epoch": "12/150", "loss": "0.04123", "acc": "0.9912",
                     "val_loss": "2.046e+30", "val_acc": "1.2e-05", "time": "3.41ms",
                     "lr": "0.0001235", "test_acc": "0.9741", "test_loss": "0.0981"}


def test_without_evaluation_the_table_shows_the_batch_means():
    logs = {"epoch": 1, "train_batch_loss": 0.5, "train_batch_accuracy": 0.75,
            "epoch_time_s": 0.2}
    table = EpochTable(logs, epochs=3, width=80)
    assert table.header().split() == ["epoch", "loss", "acc", "time"]
    assert table.row(logs).split() == ["1/3", "0.5", "0.75", "200ms"]


def test_the_width_comes_from_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "57")
    assert terminal_width() == 57
    table = EpochTable(LOGS, epochs=10)
    assert len(table.header()) <= 57
    monkeypatch.delenv("COLUMNS")
    monkeypatch.setattr(sys, "__stdout__", io.StringIO())  # no terminal: 80
    assert terminal_width() == 80


def _trainer(**kwargs):
    d = make_circles(seed=0, n_train=40, n_test=20, val_size=10)
    tp.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    engine = AutogradEngine(model, optim.SGD(model.parameters(), lr=0.1))
    return Trainer(engine, d.loader("train", batch_size=10, seed=0), epochs=3,
                   val_data=d.val, test_data=d.test, **kwargs)


def test_fit_reports_each_epoch_on_stdout_by_default(capsys):
    trainer = _trainer()
    assert any(isinstance(cb, ProgressBar) for cb in trainer.callbacks)
    trainer.fit()
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["epoch", "loss", "acc"] and "lr" in lines[0].split()
    assert [ln.split()[0] for ln in lines[1:]] == ["1/3", "2/3", "3/3"]
    assert err == ""  # not a terminal: no bar, nothing on stderr
    assert all(len(ln) <= 80 for ln in lines)


def test_fit_with_verbose_false_prints_nothing(capsys):
    trainer = _trainer(verbose=False)
    assert not any(isinstance(cb, ProgressBar) for cb in trainer.callbacks)
    trainer.fit()
    assert capsys.readouterr() == ("", "")


def test_a_progress_bar_given_is_the_only_one(capsys):
    stream = io.StringIO()
    trainer = _trainer(callbacks=[ProgressBar(stream=stream)])
    assert sum(isinstance(cb, ProgressBar) for cb in trainer.callbacks) == 1
    trainer.fit()
    assert capsys.readouterr() == ("", "")
    assert len(stream.getvalue().splitlines()) == 4


def test_in_a_notebook_the_bar_is_tqdm_text_and_the_table_goes_to_stdout(capsys, monkeypatch):
    """Jupyter: the plain text bar (tqdm.std, no ipywidgets, no TqdmWarning) on stdout."""
    monkeypatch.setattr(callbacks_module, "in_notebook", lambda: True)
    for name in [m for m in sys.modules if m == "tqdm.auto" or m == "tqdm.notebook"]:
        monkeypatch.delitem(sys.modules, name)
    trainer = _trainer()
    bar = next(cb for cb in trainer.callbacks if isinstance(cb, ProgressBar))
    assert bar.enabled
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TqdmWarning would fail here
        trainer.fit()
    assert "tqdm.notebook" not in sys.modules and "tqdm.auto" not in sys.modules
    out, err = capsys.readouterr()
    assert err == ""
    assert re.search(r"epoch 1/3: +\d+%\|", out)  # the bar was drawn as text
    assert re.search(r"(^|\r)\s*3/3\s", out, re.MULTILINE)  # the row, after the bar


def test_the_bar_counts_every_batch_and_shows_the_loss():
    class Spy(ProgressBar):
        seen = []

        def on_epoch_end(self, trainer, epoch, logs):
            self.seen.append((self.bar.n, self.bar.total, self.bar.postfix))
            super().on_epoch_end(trainer, epoch, logs)

    stream = io.StringIO()
    _trainer(callbacks=[Spy(enabled=True, stream=stream)], verbose=False).fit()
    assert [(n, total) for n, total, _ in Spy.seen] == [(3, 3)] * 3
    assert all(re.fullmatch(r"loss \d\.\d+", postfix) for _, _, postfix in Spy.seen)
    assert stream.getvalue().startswith("\repoch 1/3:")


CFG = {"data": "moons", "model": "mlp", "hidden": [16, 16], "activation": "relu",
       "init": "normal", "init_std": 0.3, "engine": "manual", "optimizer": "adamw",
       "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0, "schedule": "onecycle",
       "epochs": 50, "batch_size": 20, "seed": 3, "val_split": 0.1, "early_stopping": 5}


def test_the_configuration_block_is_compact_and_complete():
    text = config_block(CFG, n_parameters=354, n_train=900, n_val=100, n_test=500,
                        run_dir="runs/20250101-000000-moons-mlp")
    lines = text.splitlines()
    assert len(lines) <= 6 and all(len(ln) <= 80 for ln in lines)
    assert lines[0] == "tinyprop train: moons, mlp (manual engine), 354 parameters"
    for needle in ("hidden [16, 16], relu, init normal (std 0.3)",
                   "adamw, lr 0.01, weight decay 0.01, schedule onecycle",
                   "50 epochs, batch 20, seed 3, early stopping 5",
                   "900 train / 100 val / 500 test samples",
                   "runs/20250101-000000-moons-mlp"):
        assert needle in text, text


def test_the_configuration_block_wraps_between_words():
    cfg = dict(CFG, hidden=list(range(1, 40)))
    lines = config_block(cfg, width=60).splitlines()
    assert all(len(ln) <= 60 for ln in lines)
    numbers = " ".join(ln.strip() for ln in lines)
    assert ", ".join(map(str, range(1, 40))) in numbers  # broken between numbers only


def test_summary_text_rate_matches_the_time_it_shows():
    s = {"data": "digits", "model": "mlp", "engine": "autograd", "status": "completed",
         "epochs": 10, "wall_time_s": 0.6, "train_time_s": 0.035, "samples_per_s": 359_143,
         "run_dir": "r"}
    first, second = summary_text(s).splitlines()[:2]
    assert first.endswith("completed after 10 epochs in 600ms")
    assert second == "  training 35ms (359k samples/s)"  # 12,570 samples / 35 ms


def test_train_run_into_a_log_has_the_configuration_and_a_table_with_units(tmp_path):
    stream = io.StringIO()  # not a terminal: no bar, but the same block and table
    train_run(TrainConfig(data="circles", epochs=2, plots=False), out=str(tmp_path / "r"),
              stream=stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "tinyprop train: circles, mlp (autograd engine), 1,218 parameters"
    header = next(i for i, ln in enumerate(lines) if ln.startswith("epoch "))
    rows = lines[header + 1:header + 3]
    assert [r.split()[0] for r in rows] == ["1/2", "2/2"]
    for row in rows:
        assert re.search(r"\d(ns|µs|ms|s|min)\b", row) and "0.00s" not in row


@pytest.mark.parametrize("terminal", [True, False])
def test_train_run_shows_the_configuration_first(tmp_path, monkeypatch, terminal):
    class Stream(io.StringIO):
        def isatty(self):
            return terminal

    stream = Stream()
    monkeypatch.chdir(tmp_path)
    train_run(TrainConfig(data="circles", epochs=2, plots=False, progress=False), out="r",
              stream=stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "tinyprop train: circles, mlp (autograd engine), 1,218 parameters"
    assert "  run        r" in lines
    assert any(ln.startswith("epoch ") for ln in lines)


class _InterruptAt(Callback):
    def __init__(self, batch):
        self.batch = batch

    def on_batch_end(self, trainer, batch, loss):
        if trainer.epoch == 1 and batch == self.batch:
            trainer.interrupted = True


def test_after_ctrl_c_the_exact_resume_command_is_printed(tmp_path, monkeypatch):
    from tinyprop.train.run import Run

    original = Run.trainer

    def with_interrupt(self, run_dir):
        trainer = original(self, run_dir)
        trainer.callbacks.append(_InterruptAt(3))
        return trainer

    monkeypatch.setattr(Run, "trainer", with_interrupt)
    monkeypatch.chdir(tmp_path)
    stream = io.StringIO()
    summary = train_run(TrainConfig(data="circles", epochs=5, plots=False), out="a run",
                        stream=stream)
    assert summary["status"] == "interrupted"
    tail = stream.getvalue().splitlines()[-2:]
    assert tail == ["interrupted after batch 4 of epoch 2; the run is saved. Continue it with:",
                    "  tinyprop train --resume 'a run'"]
