"""The benchmark script runs end to end on tiny settings (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_script_runs_quick(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    for key in ("tinyprop-autograd", "tinyprop-manual", "numpy-hand-fused"):
        assert res["step"][key] > 0
        assert res["epochs"]["batches"]["128"][key] > 0
    assert "matmul-lower-bound" in res["epochs"]["batches"]["128"]
    assert set(res["ops"]) == {"add", "matmul", "tanh", "sum"}
    assert res["import_memory"]["peak_rss_epoch_mb"] > 0
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(a) seeds' MLP" in proc.stdout
    checked = {t["target"] for t in res["targets"]}
    assert "(b) batch 128 manual / autograd time <= 1" in checked
    assert "(d) import tinyprop < 0.2 s" in checked
    assert all(isinstance(t["met"], bool) for t in res["targets"])
