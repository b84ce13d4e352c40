"""One trial as a task (idempotent, failures recorded) and the per-setting report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tinyprop.sweep import format_summary, summarize
from tinyprop.sweep._index import Index
from tinyprop.sweep._report import write_report
from tinyprop.sweep._space import build_trials, points
from tinyprop.sweep._trial import clean_stale, run_trial
from tinyprop.train import read_run_config, resume_run

CONFIG = {"data": "xor", "epochs": 2, "seed": 0, "progress": False, "plots": False}


def test_a_trial_runs_once_and_a_second_attempt_returns_its_record(tmp_path):
    (tmp_path / "trials").mkdir()
    first = run_trial(str(tmp_path), "t0000", CONFIG)
    assert first["status"] == "done" and 0 <= first["result"]["test_accuracy"] <= 1
    again = run_trial(str(tmp_path), "t0000", CONFIG)
    assert again["reused"] and again["attempt"] == first["attempt"]
    run_dir = tmp_path / "trials" / "t0000"
    assert [p.name for p in (tmp_path / "trials").iterdir()] == ["t0000"]
    # an ordinary run directory: its config reads back and it resumes
    assert read_run_config(run_dir).data == "xor"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run_dir"] == str(run_dir)
    assert resume_run(run_dir, epochs=3, verbose=False)["epochs"] == 3


def test_a_dead_attempt_is_ignored_then_cleaned(tmp_path):
    trials = tmp_path / "trials"
    stale = trials / ".t0001.host-999999.abcdef.tmp"
    stale.mkdir(parents=True)
    (stale / "metrics.jsonl").write_text('{"epoch": 1}\n{"epo')  # cut short by a kill
    record = run_trial(str(tmp_path), "t0001", CONFIG)
    assert record["status"] == "done" and (trials / "t0001" / "trial.json").is_file()
    assert clean_stale(tmp_path) == 1 and not stale.exists()


def test_a_failing_trial_is_recorded_not_raised(tmp_path):
    (tmp_path / "trials").mkdir()
    bad = {**CONFIG, "optimizer": "sgd", "lr": 1e4, "data": "circles"}
    record = run_trial(str(tmp_path), "t0002", bad)
    assert record["status"] == "failed" and "diverged" in record["error"]
    assert "\n" not in record["error"]
    assert json.loads((tmp_path / "trials" / "t0002" / "trial.json").read_text())["status"] \
        == "failed"


def test_the_table_is_the_mean_std_min_max_over_seeds_best_first(tmp_path):
    rng = np.random.default_rng(0)
    space = points({"lr": [0.01, 0.1, 1.0], "init": ["he", "xavier"]}, None, None)
    trials = build_trials({"data": "xor", "epochs": 1}, space, [0, 1, 2])
    index = Index.create(tmp_path, options={}, space={}, seeds=[0, 1, 2], trials=trials)
    for t in index.trials:
        acc = float(rng.uniform(0.5, 1.0))
        index.set(t["id"], "done", {"test_accuracy": acc, "test_loss": 1 - acc})
    index.set("t0000", "failed", None, "training diverged")
    frame = write_report(index, plots=True)
    summary = summarize(frame)
    assert len(summary) == 6 and list(summary["n"]) == [3] * 6
    means = list(summary["test_accuracy_mean"])
    assert means == sorted(means, reverse=True)
    for row in summary.itertuples(index=False):
        values = frame.loc[(frame["setting"] == row.setting) & (frame["status"] == "done"),
                           "test_accuracy"].to_numpy()
        assert row.test_accuracy_mean == pytest.approx(values.mean())
        assert row.test_accuracy_min == values.min() and row.test_accuracy_max == values.max()
        expected_std = values.std(ddof=1) if len(values) > 1 else math.nan
        assert row.test_accuracy_std == pytest.approx(expected_std, nan_ok=True)
    failed = summary[summary["failed"] > 0]
    assert list(failed["setting"]) == [index.trials[0]["setting"]]
    text = format_summary(summary)
    assert text.splitlines()[1].startswith(summary["setting"][0])
    assert (tmp_path / "heatmap.png").is_file() and (tmp_path / "summary.csv").is_file()
