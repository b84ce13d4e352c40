"""The default engine: a local Dask cluster that the command starts and stops."""

from __future__ import annotations

import json
import os

import pytest

from tinyprop.cli import main

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

PNG = b"\x89PNG\r\n\x1a\n"


def _children() -> set[int]:
    """This process's children, but multiprocessing's resource tracker (which lives as
    long as this process once any process was spawned)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if not any("resource_tracker" in part for part in p.cmdline()):
                out.add(p.pid)
        except psutil.Error:  # gone meanwhile
            pass
    return out


def test_the_local_cluster_is_single_threaded_blas_pinned_and_on_localhost():
    from tinyprop.sweep._engine import open_client

    before = _children()
    with open_client(None, 2) as client:
        info = client.scheduler_info()
        workers = info["workers"].values()
        assert info["address"].startswith("tcp://127.0.0.1:")
        assert len(workers) == 2 and {w["nthreads"] for w in workers} == {1}
        env = client.run(lambda: {k: os.environ.get(k) for k in
                                  ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
        assert all(v == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
                   for v in env.values())
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # processes, not threads
    alive = {p for p in pids if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE}
    assert not alive and _children() <= before  # stopped on the way out


def test_a_sweep_on_the_default_local_cluster(tmp_path, capsys):
    out = tmp_path / "init"
    before = _children()
    code = main(["sweep", "--data", "circles", "--epochs", "3", "--grid", "init=xavier,he",
                 "--seeds", "2", "--workers", "2", "--no-progress", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    index = json.loads((out / "sweep.json").read_text())
    assert [t["status"] for t in index["trials"]] == ["done"] * 4
    workers = {t["worker"] for t in index["trials"]}
    assert all(int(w.rsplit("-", 1)[1]) != os.getpid() for w in workers)
    assert (out / "by_init.png").read_bytes()[:8] == PNG
    assert "init=he" in text and "init=xavier" in text
    assert _children() <= before  # the cluster the command started is gone
