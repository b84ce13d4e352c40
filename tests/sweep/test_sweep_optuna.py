"""Optional Optuna search: points asked one by one, told the mean over their seeds,
stored in OUT/optuna.db, and resumed without asking or running anything twice."""

from __future__ import annotations

import json

import pytest

import tinyprop.sweep as sweep

optuna = pytest.importorskip("optuna")


def _study(out):
    return optuna.load_study(study_name="tinyprop-sweep",
                             storage=f"sqlite:///{out / 'optuna.db'}")


def _check_told_means(out, n_points):
    index = json.loads((out / "sweep.json").read_text())
    trials = index["trials"]
    assert len(trials) == 2 * n_points and len({t["id"] for t in trials}) == len(trials)
    study = _study(out)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * n_points
    for t in study.trials:
        mine = [x for x in trials if x["optuna_trial"] == t.number]
        assert sorted(x["seed"] for x in mine) == [0, 1]
        accs = [x["result"]["test_accuracy"] for x in mine]
        assert t.value == pytest.approx(sum(accs) / 2)
        assert {x["settings"]["lr"] for x in mine} == {t.params["lr"]}
        assert 1e-3 <= t.params["lr"] <= 1
    return trials


def test_optuna_chooses_points_and_is_told_the_mean_over_seeds(dask_cluster, tmp_path):
    out = tmp_path / "tpe"
    frame = sweep.run(sample=sweep.parse_sample(["lr=loguniform:1e-3:1", "hidden=8;16"]),
                      trials=5, seeds=2, optuna="tpe", data="circles", epochs=2,
                      scheduler=dask_cluster.address, out=out, progress=False, plots=False)
    assert len(frame) == 10 and set(frame["status"]) == {"done"}
    _check_told_means(out, 5)


def test_an_interrupted_optuna_sweep_resumes_its_study(dask_cluster, tmp_path):
    out = tmp_path / "resume"
    seen = []

    def stop_after_three(trial):
        seen.append(trial["id"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep.run(sample=sweep.parse_sample(["lr=loguniform:1e-3:1"]), trials=6, seeds=2,
                  optuna="random", data="circles", epochs=2, scheduler=dask_cluster.address,
                  out=out, progress=False, plots=False, on_trial_done=stop_after_three)
    assert len(_study(out).trials) < 6
    again = []
    frame = sweep.run(resume=out, scheduler=dask_cluster.address, progress=False,
                      plots=False, on_trial_done=lambda t: again.append(t["id"]))
    assert not set(again) & set(seen) and len(frame) == 12
    _check_told_means(out, 6)


def test_optuna_refuses_a_grid_and_bad_ends_up_front(tmp_path):
    from tinyprop.errors import ConfigError

    with pytest.raises(ConfigError, match="expected a --sample space"):
        sweep.run({"lr": [0.1]}, optuna="tpe", out=tmp_path / "a")
    with pytest.raises(ConfigError, match="learning rate"):
        sweep.run(sample=sweep.parse_sample(["lr=uniform:-1:1"]), optuna="tpe",
                  out=tmp_path / "b")
    with pytest.raises(ConfigError, match="sampler"):
        sweep.run(sample=sweep.parse_sample(["lr=uniform:0.1:1"]), optuna="grid",
                  out=tmp_path / "c")
    assert list(tmp_path.iterdir()) == []
