"""list_runs / format_runs / compare_runs on real run directories, and on damaged ones."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tinyprop.errors import ConfigError, RunError
from tinyprop.train import TrainConfig, compare_runs, format_runs, list_runs, train_run


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    train_run(TrainConfig(data="xor", epochs=3, plots=False, progress=False),
              out=root / "a-xor", verbose=False)
    train_run(TrainConfig(data="moons", epochs=4, val_split=0.2, engine="manual", plots=False,
                          progress=False), out=root / "b-moons", verbose=False)
    return root


@pytest.fixture
def runs(root, tmp_path):
    """A copy of the finished runs that a test may damage."""
    copy = tmp_path / "runs"
    shutil.copytree(root, copy)
    return copy


def _metrics(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_list_runs_reads_each_run(root):
    rows = list_runs(root)
    assert [r["name"] for r in rows] == ["a-xor", "b-moons"]
    xor, moons = rows
    assert (xor["data"], xor["model"], xor["engine"], xor["epochs"], xor["status"]) == (
        "xor", "mlp", "autograd", 3, "completed")
    assert (moons["data"], moons["engine"], moons["epochs"]) == ("moons", "manual", 4)
    m = _metrics(root / "b-moons")
    assert moons["best_val_accuracy"] == max(e["val_accuracy"] for e in m)
    assert moons["best_test_accuracy"] == max(e["test_accuracy"] for e in m)
    assert moons["final_test_accuracy"] == m[-1]["test_accuracy"]
    assert xor["best_val_accuracy"] is None  # no validation split
    summary = json.loads((root / "a-xor" / "summary.json").read_text())
    assert xor["train_time_s"] == summary["train_time_s"]
    assert all(r["problem"] is None for r in rows)


def test_list_runs_on_a_run_directory_itself(root):
    rows = list_runs(root / "a-xor")
    assert [r["name"] for r in rows] == ["a-xor"]


def test_damaged_and_unfinished_runs_are_flagged_not_raised(runs):
    (runs / "a-xor" / "summary.json").write_text("{not json")
    (runs / "c-cut").mkdir()
    (runs / "c-cut" / "config.json").write_bytes(b"\xff\xfe")
    (runs / "d-unfinished").mkdir()
    lines = (runs / "b-moons" / "metrics.jsonl").read_text().splitlines()
    (runs / "d-unfinished" / "metrics.jsonl").write_text("\n".join(lines[:2]) + "\n{\"epo")
    (runs / "e-dir").mkdir()
    (runs / "e-dir" / "summary.json").mkdir()  # a directory where a file belongs
    (runs / "not-a-run").mkdir()
    rows = {r["name"]: r for r in list_runs(runs)}
    assert set(rows) == {"a-xor", "b-moons", "c-cut", "d-unfinished", "e-dir"}
    assert rows["a-xor"]["status"] == "damaged"
    assert "summary.json is not valid JSON" in rows["a-xor"]["problem"]
    assert rows["c-cut"]["status"] == "damaged"
    assert rows["e-dir"]["status"] == "damaged"
    unfinished = rows["d-unfinished"]
    assert (unfinished["status"], unfinished["epochs"]) == ("unfinished", 2)  # cut line left out
    assert rows["b-moons"]["status"] == "completed"
    table = format_runs(list(rows.values()))
    assert "a-xor: summary.json is not valid JSON" in table


def test_a_damaged_middle_line_is_a_problem(runs):
    path = runs / "a-xor" / "metrics.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "[1, 2]", lines[1]]) + "\n")
    row = list_runs(runs / "a-xor")[0]
    assert row["status"] == "damaged" and "line 2" in row["problem"]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_format_runs_fits_the_width(root, width):
    rows = list_runs(root)
    rows[0] = dict(rows[0], name="a-very-long-run-name-" * 3)
    table = format_runs(rows, width=width)
    lines = table.splitlines()
    assert all(len(line) <= width for line in lines), table
    assert lines[0].startswith("run") and "status" in lines[0] and "final test" in lines[0]
    assert len(lines) == 3
    if width >= 120:
        for header in ("data", "model", "engine", "epochs", "best val", "best test", "time"):
            assert header in lines[0]
        assert "xor" in lines[1] and "autograd" in lines[1] and "manual" in lines[2]


def test_format_runs_edge_cases():
    assert format_runs([]) == "no runs found"
    with pytest.raises(ConfigError, match="width"):
        format_runs([], width=10)


def test_list_runs_errors(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        list_runs(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="is a file"):
        list_runs(tmp_path / "file")
    with pytest.raises(TypeError):
        list_runs(3)
    assert list_runs(tmp_path) == []


def test_compare_runs_overlays_the_curves(root, tmp_path):
    out = tmp_path / "fig" / "compare.png"
    fig = compare_runs([root / "a-xor", root / "b-moons"], out)
    loss_ax, acc_ax = fig.axes[:2]
    want = ["a-xor train", "a-xor test", "b-moons train", "b-moons val", "b-moons test"]
    for ax in (loss_ax, acc_ax):
        assert [line.get_label() for line in ax.get_lines()] == want
        assert [t.get_text() for t in ax.get_legend().get_texts()] == want
    moons_val = acc_ax.get_lines()[3]
    np.testing.assert_allclose(moons_val.get_ydata(),
                               [e["val_accuracy"] for e in _metrics(root / "b-moons")])
    assert list(moons_val.get_xdata()) == [1, 2, 3, 4]
    from PIL import Image

    with Image.open(out) as image:
        assert image.size[0] > 500 and image.size[1] > 200
        pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 10  # not blank
    assert not list(out.parent.glob(".*tmp*"))  # saved atomically, nothing left behind


def test_compare_runs_errors(root, tmp_path):
    with pytest.raises(ConfigError, match="at least one"):
        compare_runs([], tmp_path / "x.png")
    with pytest.raises(ConfigError, match="file format"):
        compare_runs([root / "a-xor"], tmp_path / "x.txt")
    with pytest.raises(RunError, match="does not exist"):
        compare_runs([root / "a-xor", tmp_path / "missing"], tmp_path / "x.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunError, match="no metrics.jsonl"):
        compare_runs([tmp_path / "empty"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_compare_runs_same_names_are_told_apart(root, tmp_path):
    other = tmp_path / "elsewhere" / "a-xor"
    shutil.copytree(root / "a-xor", other)
    fig = compare_runs([root / "a-xor", other])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert len(set(labels)) == len(labels) == 4
    import matplotlib.pyplot as plt

    plt.close(fig)
