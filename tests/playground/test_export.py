"""Take it home: the exported run directory evaluates, the script retrains the same."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import tinyprop as tp
from tinyprop.playground.export import evaluate_support, run_zip
from tinyprop.playground.session import Session
from tinyprop.playground.settings import Settings

CLI = [sys.executable, "-c", "import sys; from tinyprop.cli import main; sys.exit(main())"]


def unzip(data: bytes, where):
    zipfile.ZipFile(io.BytesIO(data)).extractall(where)
    return where / "playground-run"


def run_script(run_dir) -> dict:
    r = subprocess.run([sys.executable, "train_playground.py"], cwd=run_dir,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("changes", [
    {"hidden": "8,8", "engine": "manual", "optimizer": "adam", "reg": "l1", "reg_rate": 0.001,
     "dropout": 0.2},
    {"problem": "regression", "dataset": "multigauss", "features": "x1,x2,x1x2,sinx1",
     "activations": "relu,linear", "reg": "l2", "reg_rate": 0.01, "optimizer": "momentum"},
    {"dataset": "gauss", "hidden": "", "init": "normal", "sigma": 1},
])
def test_the_script_retrains_the_same_network(changes, tmp_path):
    session = Session(Settings().updated(changes))
    for _ in range(2):
        session.advance()  # two whole epochs
    run_dir = unzip(run_zip(session), tmp_path)
    got = run_script(run_dir)
    assert got["epochs"] == 2
    last = session.history[-1]
    assert got["train_loss"] == pytest.approx(last["train_loss"], rel=1e-5)
    assert got["test_loss"] == pytest.approx(last["test_loss"], rel=1e-5)
    weights = tp.load(run_dir / "trained_by_script.safetensors")
    mine = [w for w, _ in session.engine.weights()]
    theirs = [v for k, v in weights.items() if k.endswith("weight")]
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_a_compatible_run_evaluates_with_tinyprop_evaluate(tmp_path):
    session = Session(Settings().updated({"hidden": "8,8", "engine": "manual"}))
    for _ in range(3):
        session.advance()
    assert evaluate_support(session) is None
    run_dir = unzip(run_zip(session), tmp_path)
    assert {p.name for p in run_dir.iterdir()} >= {
        "config.json", "model.safetensors", "playground.json", "metrics.jsonl",
        "summary.json", "train_playground.py"}
    r = subprocess.run([*CLI, "evaluate", str(run_dir), "--json"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    # tinyprop evaluate regenerates circles at its own size: the page's weights, judged there
    from tinyprop.data import load_dataset
    from tinyprop.train import evaluate

    loss, accuracy = evaluate(session.engine, *load_dataset("circles", seed=0).test)
    assert result["test_loss"] == pytest.approx(loss, rel=1e-6)
    assert result["test_accuracy"] == pytest.approx(accuracy)
    meta = json.loads((run_dir / "playground.json").read_text())
    assert meta["evaluate"] is True and meta["settings"]["hidden"] == [8, 8]


def test_an_incompatible_run_says_why(tmp_path):
    session = Session(Settings().updated({"features": "x1,x2,x1sq"}))
    session.advance(batches=3)
    run_dir = unzip(run_zip(session), tmp_path)
    meta = json.loads((run_dir / "playground.json").read_text())
    assert meta["evaluate"] is False and "x1 and x2 only" in meta["evaluate_note"]
    assert not (run_dir / "config.json").exists()
    weights = tp.load(run_dir / "model.safetensors")
    np.testing.assert_array_equal(weights["0.weight"], session.engine.weights()[0][0])
