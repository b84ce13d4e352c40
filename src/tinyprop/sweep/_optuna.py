"""Optional: Optuna's samplers choose the next settings from the results so far.

``--optuna [tpe|random] --sample ... --trials N`` asks an Optuna study (stored in SQLite,
``OUT/optuna.db``) for ``N`` points, one after another as trials finish, keeping every
worker busy. Each point runs once per seed; its value is the mean over the seeds of the
final validation accuracy (the test accuracy when the runs hold out no validation
split), maximised. Trials are ordinary sweep trials (ids, run directories, index,
reports); ``--resume`` reopens the study and finishes the points it had asked for.
Optuna's pruners are not wired in: they need a per-epoch report from inside a run.
"""

from __future__ import annotations

import json

from .._optional import require
from ..errors import ConfigError
from ._space import _resolve, label, plain

SAMPLERS = ("tpe", "random")
STUDY = "tinyprop-sweep"
_LIST_TAG = "list:"


def _optuna():
    try:
        return require("optuna", "tinyprop sweep --optuna", "optuna")
    except ImportError as e:
        raise ConfigError(f"{e}; or leave out --optuna for a random --sample") from None


def _encode(value):
    return _LIST_TAG + json.dumps(value) if isinstance(value, list) else value


def _decode(value):
    if isinstance(value, str) and value.startswith(_LIST_TAG):
        return json.loads(value[len(_LIST_TAG):])
    return plain(value)


def distributions(sample: dict) -> dict:
    """``sample`` (lists and scipy uniform/loguniform/randint) as Optuna distributions."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out = {}
    for name, value in sample.items():
        if isinstance(value, list):
            out[name] = CategoricalDistribution([_encode(v) for v in value])
            continue
        kind = getattr(getattr(value, "dist", None), "name", None)
        args = list(getattr(value, "args", ()))
        kwds = getattr(value, "kwds", {})
        if kind == "uniform":
            loc, scale = (args + [kwds.get("loc", 0.0), kwds.get("scale", 1.0)][len(args):])[:2]
            out[name] = FloatDistribution(float(loc), float(loc + scale))
        elif kind in ("loguniform", "reciprocal") and len(args) >= 2:
            out[name] = FloatDistribution(float(args[0]), float(args[1]), log=True)
        elif kind == "randint" and len(args) >= 2:
            out[name] = IntDistribution(int(args[0]), int(args[1]) - 1)
        else:
            raise ConfigError(f"sample {name}: expected a list or a scipy.stats uniform, "
                              f"loguniform or randint for --optuna, got {value!r}; e.g. "
                              f"--sample {name}=loguniform:1e-3:1")
    return out


def check_space(fixed: dict, space: dict, seeds: list[int]) -> None:
    """Every end of every range (and every listed value) resolves as a train config."""
    def ends(dist) -> list:
        if hasattr(dist, "choices"):
            return [_decode(c) for c in dist.choices]
        return [dist.low, dist.high]

    base = {name: ends(d)[0] for name, d in space.items()}
    for name, dist in space.items():
        for value in ends(dist):
            point = {**base, name: value}
            config = {**fixed, **point, "seed": seeds[0], "progress": False}
            config.setdefault("plots", False)
            _resolve(config, point, seeds[0])


def record(sample: dict, sampler: str, n_trials: int, sample_seed: int, fixed: dict) -> dict:
    if sampler not in SAMPLERS:
        raise ConfigError(f"--optuna expected a sampler among {', '.join(SAMPLERS)}, got "
                          f"{sampler!r}; e.g. --optuna tpe")
    val = fixed.get("val_split") not in (None, 0, 0.0)
    return {"optuna": {"sampler": sampler, "trials": n_trials, "sample_seed": sample_seed,
                       "metric": "val_accuracy" if val else "test_accuracy",
                       "storage": "optuna.db"},
            "sample": {k: _describe(v) for k, v in sample.items()},
            "distributions": {k: _serialise(d) for k, d in distributions(sample).items()}}


def _describe(value):
    if isinstance(value, list):
        return value
    dist = getattr(value, "dist", None)
    return f"{getattr(dist, 'name', type(value).__name__)}{tuple(getattr(value, 'args', ()))}"


def _serialise(dist) -> str:
    from optuna.distributions import distribution_to_json

    return distribution_to_json(dist)


class Search:
    """The ask/tell loop over a sweep index (used by :func:`tinyprop.sweep._run._execute`)."""

    def __init__(self, index) -> None:
        optuna = _optuna()
        from optuna.distributions import json_to_distribution

        space = index.data["space"]
        self.index, self.settings = index, space["optuna"]
        self.space = {k: json_to_distribution(v) for k, v in space["distributions"].items()}
        seed = self.settings["sample_seed"]
        sampler = (optuna.samplers.TPESampler(seed=seed) if self.settings["sampler"] == "tpe"
                   else optuna.samplers.RandomSampler(seed=seed))
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = f"sqlite:///{(index.dir / self.settings['storage']).resolve()}"
        self.study = optuna.create_study(study_name=STUDY, storage=storage, sampler=sampler,
                                         direction="maximize", load_if_exists=True)
        self.groups: dict[int, list[str]] = {}
        for trial in index.trials:
            self.groups.setdefault(trial["optuna_trial"], []).append(trial["id"])

    @property
    def asked(self) -> int:
        return len(self.groups)

    def more(self) -> bool:
        return self.asked < self.settings["trials"]

    def ask(self) -> list[dict]:
        """A new point from the study: its trials (one per seed), added to the index."""
        trial = self.study.ask(self.space)
        point = {k: _decode(v) for k, v in trial.params.items()}
        ids = []
        for seed in self.index.data["seeds"]:
            config = {**self.index.data["options"], **point, "seed": seed, "progress": False}
            config.setdefault("plots", False)
            record = {"id": f"t{len(self.index.trials):04d}", "setting": label(point),
                      "settings": point, "seed": seed, "config": config,
                      "optuna_trial": trial.number}
            self.index.add(record)
            ids.append(record["id"])
        self.groups[trial.number] = ids
        return [self.index.by_id[i] for i in ids]

    def finished(self, trial_id: str) -> None:
        """Tell the study a point's value once every seed of it has finished."""
        number = self.index.by_id[trial_id]["optuna_trial"]
        trials = [self.index.by_id[i] for i in self.groups[number]]
        if any(t["status"] not in ("done", "failed") for t in trials):
            return
        metric = self.settings["metric"]
        values = [t["result"][metric] for t in trials if t["status"] == "done"
                  and isinstance((t.get("result") or {}).get(metric), (int, float))]
        from optuna.trial import TrialState

        state = {t.number: t.state for t in self.study.get_trials(deepcopy=False)}
        if state.get(number, TrialState.RUNNING).is_finished():
            return
        if values:
            self.study.tell(number, sum(values) / len(values))
        else:
            self.study.tell(number, state=TrialState.FAIL)

    def catch_up(self) -> None:
        """After a stop: tell the points whose trials all finished, fail the points the
        study asked for that never reached the index."""
        from optuna.trial import TrialState

        for ids in self.groups.values():
            self.finished(ids[0])
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if t.number not in self.groups:
                self.study.tell(t.number, state=TrialState.FAIL)

    def remaining_runs(self) -> int:
        return max(0, self.settings["trials"] - self.asked) * len(self.index.data["seeds"])
