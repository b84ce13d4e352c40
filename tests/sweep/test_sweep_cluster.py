"""Sweeps on a real Dask cluster (`dask scheduler` + two `dask worker` processes): the
results, a worker killed mid-sweep, Ctrl-C and --resume, and GridSearchCV on Dask."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import warnings

import pytest

import tinyprop.sweep as sweep
from tinyprop.cli import main
from tinyprop.train import list_runs

PNG = b"\x89PNG\r\n\x1a\n"
TMP_NAME = re.compile(r"^\.(t\d+)\..*-(\d+)\.[0-9a-f]+\.tmp$")


def _records(out) -> dict:
    return {p.name: json.loads((p / "trial.json").read_text())
            for p in (out / "trials").iterdir() if not p.name.startswith(".")}


def test_sweep_on_a_running_cluster_writes_runs_index_table_and_plots(dask_cluster, tmp_path,
                                                                      capsys):
    out = tmp_path / "lr"
    code = main(["sweep", "--data", "circles", "--epochs", "2", "--optimizer", "sgd",
                 "--grid", "lr=0.1,1000", "--seeds", "2", "--scheduler", dask_cluster.address,
                 "--no-progress", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    index = json.loads((out / "sweep.json").read_text())
    assert [t["id"] for t in index["trials"]] == ["t0000", "t0001", "t0002", "t0003"]
    by_lr = {}
    for t in index["trials"]:
        by_lr.setdefault(t["settings"]["lr"], []).append(t)
    assert sorted(t["seed"] for t in by_lr[0.1]) == [0, 1]
    # lr 1000 diverges: recorded failed with its one-line error, the others go on
    for t in by_lr[1000]:
        assert t["status"] == "failed" and "diverged" in t["error"] and "\n" not in t["error"]
    for t in by_lr[0.1]:
        assert t["status"] == "done" and 0 <= t["result"]["test_accuracy"] <= 1
    # the trials ran on the cluster's workers, each in an ordinary run directory
    records = _records(out)
    assert {int(r["worker"].rsplit("-", 1)[1]) for r in records.values()} <= \
        dask_cluster.worker_pids()
    runs = {r["name"]: r for r in list_runs(out / "trials")}
    assert set(runs) == set(records)
    assert {runs[t["id"]]["status"] for t in by_lr[0.1]} == {"completed"}
    assert {runs[t["id"]]["status"] for t in by_lr[1000]} == {"diverged"}
    # a person's table: best setting first, failures counted
    assert text.index("lr=0.1") < text.index("lr=1000") and "2 failed" in text
    assert "±" in text and "4 trials, 2 done, 2 failed" in text
    for name in ("by_lr.png", "curves.png"):
        assert (out / name).read_bytes()[:8] == PNG
    frame = sweep.load(out)
    assert len(frame) == 4 and set(frame["status"]) == {"done", "failed"}
    # --resume --retry-failed runs the failed trials again, and only them; the failed
    # attempts stay on disk, hidden (and out of `tinyprop runs`)
    failed = {t["id"] for t in by_lr[1000]}
    code = main(["sweep", "--resume", str(out), "--retry-failed", "--scheduler",
                 dask_cluster.address, "--no-progress"])
    assert code == 0
    again = _records(out)
    assert set(again) == set(records)
    for trial_id, record in again.items():
        same = record["attempt"] == records[trial_id]["attempt"]
        assert same is (trial_id not in failed), trial_id
    kept = sorted(p.name.split(".failed-")[0] for p in (out / "trials").iterdir()
                  if ".failed-" in p.name)
    assert kept == sorted(f".{i}" for i in failed)
    assert {r["name"] for r in list_runs(out / "trials")} == set(records)
    capsys.readouterr()
    assert main(["sweep", "--retry-failed", "--grid", "lr=0.1", "--out",
                 str(tmp_path / "new")]) == 2
    assert "--retry-failed expected --resume DIR" in capsys.readouterr().err


def test_a_worker_killed_mid_sweep_and_every_trial_runs_once(dask_cluster, tmp_path):
    out = tmp_path / "kill"
    pids = dask_cluster.worker_pids()
    killed: dict = {}
    stop = threading.Event()

    def kill_the_first_worker_that_starts_a_trial():
        while not stop.is_set():
            names = os.listdir(out / "trials") if (out / "trials").is_dir() else []
            for name in names:
                m = TMP_NAME.match(name)
                if m and int(m.group(2)) in pids:
                    os.kill(int(m.group(2)), signal.SIGKILL)
                    killed.update(trial=m.group(1), pid=int(m.group(2)), tmp=name)
                    return
            time.sleep(0.005)

    seen = []
    killer = threading.Thread(target=kill_the_first_worker_that_starts_a_trial, daemon=True)
    killer.start()
    try:
        frame = sweep.run({"lr": [0.1, 0.5]}, seeds=2, data="digits", epochs=40,
                          scheduler=dask_cluster.address, out=out, progress=False, plots=False,
                          on_trial_done=lambda t: seen.append(t["id"]))
    finally:
        stop.set()
        killer.join()
    assert killed, "no trial started on a worker"
    victim = next(p for p in dask_cluster.workers if p.pid == killed["pid"])
    assert victim.wait(timeout=30) == -signal.SIGKILL
    # every trial recorded exactly once, all done
    assert sorted(seen) == sorted(set(seen)) == list(frame["id"]) == [f"t000{i}" for i in range(4)]
    assert set(frame["status"]) == {"done"}
    # the killed trial ran again, to the end, on the other worker
    records = _records(out)
    assert sorted(records) == list(frame["id"])
    assert int(records[killed["trial"]]["worker"].rsplit("-", 1)[1]) != killed["pid"]
    # the dead attempt left only its hidden directory, removed when the sweep reopens
    assert (out / "trials" / killed["tmp"]).is_dir()
    again = sweep.run(resume=out, progress=False, plots=False)
    assert not (out / "trials" / killed["tmp"]).exists()
    assert _records(out) == records and list(again["status"]) == ["done"] * 4


def test_an_interrupted_sweep_resumes_only_its_unfinished_trials(dask_cluster, tmp_path):
    out = tmp_path / "resume"
    first = []

    def interrupt_after_the_first(trial):
        first.append(trial["id"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep.run({"hidden": [[16], [32]]}, seeds=4, data="digits", epochs=15,
                  scheduler=dask_cluster.address, out=out, progress=False, plots=False,
                  on_trial_done=interrupt_after_the_first)
    index = json.loads((out / "sweep.json").read_text())
    status = {t["id"]: t["status"] for t in index["trials"]}
    assert status[first[0]] == "done" and len(first) == 1
    assert set(status.values()) <= {"done", "pending"}  # nothing left "running"
    kept = _records(out)  # the first trial, and any that finished while cancelling
    second = []
    frame = sweep.run(resume=out, scheduler=dask_cluster.address, progress=False,
                      on_trial_done=lambda t: second.append(t["id"]))
    assert set(frame["status"]) == {"done"} and len(frame) == 8
    assert not set(second) & set(kept)             # nothing finished ran again
    assert set(second) | set(kept) == set(frame["id"])
    assert second  # what was left did run
    after = _records(out)
    assert all(after[k]["attempt"] == kept[k]["attempt"] for k in kept)
    assert json.loads((out / "sweep.json").read_text())["sessions"] == 2
    assert (out / "heatmap.png").exists() is False and (out / "by_hidden.png").exists()


def test_ctrl_c_exits_130_at_once_and_resume_finishes(dask_cluster, tmp_path, capsys):
    """Ctrl-C on a terminal: SIGINT to the whole process group (the command and the
    workers of its local cluster); then --resume finishes on another cluster."""
    out = tmp_path / "ctrl-c"
    cmd = [sys.executable, "-m", "tinyprop.cli", "sweep", "--data", "digits", "--epochs", "30",
           "--grid", "lr=0.1,0.2,0.3", "--seeds", "2", "--workers", "2", "--no-progress",
           "--no-plots", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "MPLBACKEND": "Agg"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while not (out / "trials").is_dir() or not any(
                not p.name.startswith(".") for p in (out / "trials").iterdir()):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = err.decode()
    assert proc.returncode == 130, err
    assert f"--resume {out}" in err and "Traceback" not in err
    index = json.loads((out / "sweep.json").read_text())
    status = {t["id"]: t["status"] for t in index["trials"]}
    assert set(status.values()) <= {"done", "pending"}
    # recorded trials are on disk; trials in flight may finish there as the cluster stops
    assert {k for k, v in status.items() if v == "done"} <= set(_records(out))
    code = main(["sweep", "--resume", str(out), "--scheduler", dask_cluster.address,
                 "--no-progress", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["done"] == 6 and result["failed"] == 0
    assert len(result["summary"]) == 3 and result["best"]["n"] == 2


def test_gridsearchcv_runs_on_the_cluster_with_joblibs_dask_backend(dask_cluster):
    joblib = pytest.importorskip("joblib")
    from distributed import Client, get_task_stream
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from tinyprop.sklearn import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:360] / 16.0, y[:360]
    grid = {"hidden_layer_sizes": [(8,), (32,)], "alpha": [1e-4, 1e-1]}

    def search(n_jobs):
        return GridSearchCV(MLPClassifier(max_iter=15, random_state=0), grid, cv=2,
                            n_jobs=n_jobs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = search(1).fit(X, y)
        with Client(dask_cluster.address) as client, get_task_stream(client) as tasks, \
                joblib.parallel_backend("dask"):
            on_dask = search(2).fit(X, y)
            workers = set(client.scheduler_info()["workers"])
    ran_on = {t["worker"] for t in tasks.data}
    assert ran_on and ran_on <= workers  # the fits ran on the cluster's workers
    assert on_dask.best_params_ == local.best_params_
    assert list(on_dask.cv_results_["mean_test_score"]) == pytest.approx(
        list(local.cv_results_["mean_test_score"]))
