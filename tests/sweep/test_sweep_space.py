"""Search spaces and up-front validation: parsing --grid/--sample, building trials, and
every bad input refused with one line (exit 2) before anything is created."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop.cli import main
from tinyprop.errors import ConfigError
from tinyprop.sweep import parse_grid, parse_sample
from tinyprop.sweep._space import build_trials, points, seed_list
from tinyprop.train import TrainConfig


def test_grid_values_take_the_type_of_their_train_option():
    grid = parse_grid(["lr=0.05,0.5", "hidden=32;64,64;", "init=he,xavier",
                       "batch-size=16,32", "val_split=0.1,500", "plots=true,false"])
    assert grid == {"lr": [0.05, 0.5], "hidden": [[32], [64, 64]], "init": ["he", "xavier"],
                    "batch_size": [16, 32], "val_split": [0.1, 500], "plots": [True, False]}
    assert [type(v) for v in grid["val_split"]] == [float, int]


def test_grid_points_times_seeds_are_the_trials_each_one_resolvable():
    grid = parse_grid(["init=normal,xavier,he", "hidden=32;64,64"])
    space = points(grid, None, None)
    trials = build_trials({"data": "digits", "epochs": 2}, space, seed_list(3))
    assert len(trials) == len(space) * 3 == 18
    assert len({t["id"] for t in trials}) == 18
    combos = {(t["settings"]["init"], tuple(t["settings"]["hidden"]), t["seed"]) for t in trials}
    assert len(combos) == 18  # every point with every seed, once
    for t in trials:
        cfg = TrainConfig.from_dict(t["config"]).resolved()
        assert (cfg.init, cfg.hidden, cfg.seed) == (t["settings"]["init"],
                                                    t["settings"]["hidden"], t["seed"])
        assert cfg.plots is False and cfg.progress is False


def test_samples_are_drawn_in_their_ranges_and_repeatable():
    space = parse_sample(["lr=loguniform:1e-3:1", "batch_size=randint:8:64",
                          "momentum=uniform:0.5:0.9", "init=he,xavier"])
    a = points(None, space, 40, sample_seed=1)
    b = points(None, space, 40, sample_seed=1)
    c = points(None, space, 40, sample_seed=2)
    assert a == b and a != c and len(a) == 40
    lrs = np.array([p["lr"] for p in a])
    assert lrs.min() >= 1e-3 and lrs.max() <= 1
    assert np.log10(lrs).std() > 0.3  # spread over the decades, not crowded near 1
    assert all(isinstance(p["batch_size"], int) and 8 <= p["batch_size"] <= 64 for p in a)
    assert all(0.5 <= p["momentum"] <= 0.9 for p in a)
    assert {p["init"] for p in a} == {"he", "xavier"}


def test_a_sample_of_value_lists_runs_each_point_at_most_once():
    space = parse_sample(["init=he,xavier", "activation=tanh,relu"])
    drawn = points(None, space, 50)
    assert len(drawn) == 4 and len({tuple(sorted(p.items())) for p in drawn}) == 4


def test_seeds_as_count_or_list():
    assert seed_list(3) == [0, 1, 2] and seed_list("5,9") == [5, 9] and seed_list([4]) == [4]
    with pytest.raises(ConfigError):
        seed_list("1,1")


BAD = [  # (arguments, a piece of what was received that the line must name)
    (["--grid", "lrr=0.1"], "'lrr'"),
    (["--grid", "lr=abc"], "'abc'"),
    (["--grid", "lr=0.1,-1"], "-1"),
    (["--grid", "lr="], "lr"),
    (["--grid", "lr"], "no '='"),
    (["--grid", "epochs=1.5"], "'1.5'"),
    (["--grid", "hidden=32;0"], "[0]"),
    (["--grid", "init=normal,gaussian"], "'gaussian'"),
    (["--grid", "lr=0.1", "--grid", "lr=0.2"], "lr twice"),
    (["--grid", "seed=1,2"], "seed in --grid"),
    (["--grid", "out=a,b"], "'out'"),
    (["--lr", "0.1", "--grid", "lr=0.2,0.3"], "both fixed"),
    (["--data", "imagenet"], "'imagenet'"),
    (["--epochs", "ten"], "'ten'"),
    (["--grid", "lr=0.1,0.2", "--seeds", "0"], "got 0"),
    (["--grid", "lr=0.1,0.2", "--seeds", "600"], "1200 trials"),
    (["--grid", "lr=0.1,0.2", "--max-trials", "3", "--seeds", "2"], "4 trials"),
    (["--sample", "lr=gauss:0:1"], "'gauss'"),
    (["--sample", "lr=loguniform:0:1"], "got 0.0"),
    (["--sample", "lr=uniform:1"], "1 bound"),
    (["--sample", "lr=loguniform:1e-3:1", "--grid", "init=he"], "got both"),
    (["--grid", "lr=0.1", "--trials", "5"], "--trials 5"),
]


@pytest.mark.parametrize(("args", "received"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2_before_anything_exists(args, received, tmp_path,
                                                                  capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", "--data", "circles", "--epochs", "1", "--out", str(out), *args]
                if "--data" not in args else ["sweep", "--out", str(out), *args])
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    line = lines[0]
    assert line.startswith("tinyprop: error: ")
    assert received in line, line                      # what was received
    assert "expected" in line or "must be" in line, line  # what was expected
    assert " got " in line and "; " in line, line      # ... and how to fix it
    assert not out.exists()                             # nothing created


def test_a_scheduler_nothing_answers_is_one_line_at_once_and_nothing_exists(tmp_path,
                                                                           capsys):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: refused now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "sweep"
    code = main(["sweep", "--data", "circles", "--epochs", "1", "--grid", "lr=0.1,0.2",
                 "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert f"127.0.0.1:{port}: expected a running scheduler there, got " in lines[0]
    assert "dask scheduler" in lines[0] and not out.exists()


def test_resume_refuses_new_settings_and_a_missing_sweep(tmp_path, capsys):
    code = main(["sweep", "--resume", str(tmp_path / "none")])
    assert code == 2 and "does not exist" in capsys.readouterr().err
    code = main(["sweep", "--resume", str(tmp_path), "--grid", "lr=0.1"])
    err = capsys.readouterr().err
    assert code == 2 and "--grid" in err and "drop them" in err


def test_a_non_empty_out_is_refused(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    code = main(["sweep", "--data", "circles", "--grid", "lr=0.1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "not empty" not in err and "holding files" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_sweep_help_text(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = capsys.readouterr().out
    assert "examples:\n  tinyprop sweep" in text and "--resume" in text
    for option in ("--lr", "--hidden", "--init", "--batch-size", "--trial-plots"):
        assert option in text
