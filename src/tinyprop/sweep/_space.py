"""Search spaces: parse ``--grid``/``--sample`` text, build the trials, validate them all.

A trial is one training run: the fixed options, one point of the space (a grid point or
a random sample) and one seed. Every trial's settings are checked with
``TrainConfig(...).resolved()`` before anything runs, so a bad value in the 37th grid
point is refused up front with one line, like a bad ``tinyprop train`` option.

Spaces are built with scikit-learn's :class:`~sklearn.model_selection.ParameterGrid` and
:class:`~sklearn.model_selection.ParameterSampler` (distributions from ``scipy.stats``).
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers

import numpy as np

from .._validate import check_int, describe
from ..errors import ConfigError, TinypropError
from ..train.config import TrainConfig

NOT_SWEPT = {
    "out": "the sweep makes each trial's run directory (OUT/trials/<id>); set the sweep "
           "directory with --out",
    "progress": "the sweep shows one bar of trials; use --no-progress to hide it",
    "extra": "pass tinyprop train options only",
    "tensorboard": "every trial would log into one directory; use tinyprop train "
                   "--tensorboard on a single run",
    "csv": "every trial would append to one file; each trial's metrics.jsonl has the rows",
}
"""TrainConfig fields a sweep does not take (neither fixed nor swept), and why."""

SEED_FIX = "use --seeds N (seeds 0..N-1) or --seeds 0,3,7"
DISTRIBUTIONS = ("uniform", "loguniform", "randint")


def option_names() -> list[str]:
    """The ``tinyprop train`` options a sweep can fix or sweep (TrainConfig fields)."""
    return [f.name for f in dataclasses.fields(TrainConfig) if f.name not in NOT_SWEPT]


def _field_types() -> dict[str, str]:
    return {f.name: str(f.type) for f in dataclasses.fields(TrainConfig)}


def check_name(raw: str, where: str) -> str:
    """``raw`` (``batch-size`` or ``batch_size``) as a TrainConfig field name, or one line."""
    name = raw.strip().replace("-", "_")
    if name in NOT_SWEPT:
        raise ConfigError(f"{where}: expected a train option that a sweep can set, got "
                          f"{raw!r}; {NOT_SWEPT[name]}")
    names = option_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: expected a tinyprop train option ({', '.join(names)}), "
                          f"got unknown {raw!r}; {hint}see tinyprop train --help")
    return name


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "yes", "1", "on"):
        return True
    if low in ("false", "no", "0", "off"):
        return False
    raise ValueError("true or false")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("an integer") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("a number") from None


def _int_list(text: str) -> list[int]:
    if text.strip() in ("", "none", "[]"):
        return []
    try:
        return [int(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise ValueError("comma-separated integers such as 64,64") from None


def _count_or_fraction(text: str):
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ValueError("a fraction like 0.1 or a count like 5000") from None


def _none_or(parse):
    def parse_optional(text: str):
        return None if text.strip().lower() == "none" else parse(text)
    return parse_optional


def parse_value(name: str, text: str, where: str):
    """One value of option ``name`` from text, typed as TrainConfig declares it."""
    kind = _field_types()[name]
    if kind.startswith("list[int]"):
        parse = _int_list
    elif kind.startswith("bool"):
        parse = _bool
    elif kind.startswith("float | int"):
        parse = _count_or_fraction
    elif kind.startswith("float"):
        parse = _float
    elif kind.startswith("int"):
        parse = _int
    else:
        parse = str
    if "None" in kind and parse is not str and parse is not _int_list:
        parse = _none_or(parse)
    try:
        return parse(text.strip())
    except ValueError as e:
        raise ConfigError(f"{where}: {name} must be {e}, got {text.strip()!r}; e.g. "
                          f"{_example(name)}") from None


def _example(name: str) -> str:
    examples = {"hidden": "--grid 'hidden=32;64,64' (';' between values, ',' inside one)",
                "lr": "--grid lr=0.01,0.1", "epochs": "--grid epochs=5,10",
                "batch_size": "--grid batch_size=16,32", "seed": SEED_FIX}
    return examples.get(name, f"--grid {name}=A,B")


def _split_assignment(text: str, flag: str) -> tuple[str, str]:
    if "=" not in text:
        raise ConfigError(f"{flag} {text!r}: expected NAME=VALUES such as {flag} lr=0.01,0.1, "
                          f"got no '='; write {flag} {text.strip() or 'lr'}=...")
    name, _, values = text.partition("=")
    return name, values


def _axis(item: str, flag: str, seen: dict) -> tuple[str, str, str]:
    """``NAME=VALUES`` of ``--grid``/``--sample``: the option's name (a train option other
    than the seed, not given before in ``seen``), its values' text, and where it came from
    (for messages)."""
    raw, values = _split_assignment(item, flag)
    where = f"{flag} {item}"
    name = check_name(raw, where)
    if name == "seed":
        raise ConfigError(f"{where}: expected the seed axis in --seeds, got seed in {flag}; "
                          f"{SEED_FIX}")
    if name in seen:
        raise ConfigError(f"{where}: expected each option once, got {name} twice; put all "
                          f"its values in one {flag} {name}=...")
    return name, values, where


def parse_grid(items) -> dict:
    """``--grid`` items as a dict of option -> list of values.

    Values are separated by ``,``, or by ``;`` for a list-valued option (``hidden``).

    >>> parse_grid(["lr=0.05,0.5", "hidden=32;64,64", "init=he,xavier"])
    {'lr': [0.05, 0.5], 'hidden': [[32], [64, 64]], 'init': ['he', 'xavier']}
    """
    grid: dict = {}
    for item in items or ():
        name, values, where = _axis(item, "--grid", grid)
        sep = ";" if _field_types()[name].startswith("list[") else ","
        parts = [p for p in values.split(sep) if p.strip() != ""]
        if not parts:
            raise ConfigError(f"{where}: expected at least one value of {name}, got an "
                              f"empty grid; e.g. {_example(name)}")
        grid[name] = [parse_value(name, p, where) for p in parts]
    return grid


def parse_sample(items) -> dict:
    """``["lr=loguniform:1e-3:1", "init=he,xavier"]`` -> distributions and lists for
    :class:`~sklearn.model_selection.ParameterSampler`.

    ``uniform:LOW:HIGH`` and ``loguniform:LOW:HIGH`` (real numbers), ``randint:LOW:HIGH``
    (integers, both ends included), or values as in ``--grid`` (one drawn at random).
    """
    space: dict = {}
    for item in items or ():
        name, values, where = _axis(item, "--sample", space)
        if ":" in values:
            space[name] = _distribution(name, values, where)
        else:
            space.update(parse_grid([f"{name}={values}"]))
    return space


def _distribution(name: str, spec: str, where: str):
    from scipy import stats

    kind, *bounds = [p.strip() for p in spec.split(":")]
    fix = f"e.g. --sample {name}=loguniform:1e-3:1 or --sample {name}=randint:1:8"
    if kind not in DISTRIBUTIONS:
        raise ConfigError(f"{where}: expected a distribution among "
                          f"{', '.join(DISTRIBUTIONS)}, got {kind!r}; {fix}")
    if len(bounds) != 2:
        raise ConfigError(f"{where}: {kind} expected LOW:HIGH, got {len(bounds)} bound(s); "
                          f"{fix}")
    try:
        low, high = (int(b) for b in bounds) if kind == "randint" else map(float, bounds)
    except ValueError:
        what = "integers" if kind == "randint" else "numbers"
        raise ConfigError(f"{where}: {kind} bounds must be {what}, got {bounds}; {fix}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ConfigError(f"{where}: expected LOW < HIGH (finite), got {low} and {high}; {fix}")
    if kind == "loguniform" and low <= 0:
        raise ConfigError(f"{where}: loguniform expected LOW > 0, got {low}; {fix}")
    if kind == "uniform":
        return stats.uniform(low, high - low)
    if kind == "loguniform":
        return stats.loguniform(low, high)
    return stats.randint(low, high + 1)


def seed_list(seeds) -> list[int]:
    """``3`` -> ``[0, 1, 2]``; ``"0,3,7"`` or ``[0, 3, 7]`` -> that list.

    >>> seed_list(3), seed_list("4,9")
    ([0, 1, 2], [4, 9])
    """
    if isinstance(seeds, str):
        text = seeds.strip()
        try:
            seeds = int(text) if "," not in text else [int(s) for s in text.split(",") if s]
        except ValueError:
            raise ConfigError(f"--seeds must be a count or comma-separated seeds, got "
                              f"{text!r}; {SEED_FIX}") from None
        if isinstance(seeds, list) and not seeds:
            raise ConfigError(f"--seeds {text!r} has no seeds, expected at least one; {SEED_FIX}")
    if isinstance(seeds, (list, tuple)):
        out = [check_int(s, "seed", low=0, fix=SEED_FIX) for s in seeds]
        if not out or len(set(out)) != len(out):
            raise ConfigError(f"seeds must be distinct and at least one, got {out}; {SEED_FIX}")
        return out
    n = check_int(seeds, "seeds (the number of seeds)", low=1, fix=SEED_FIX)
    return list(range(n))


def plain(value):
    """NumPy scalars and tuples as plain JSON values (int, float, list)."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    return value


def label(settings: dict) -> str:
    """A setting as one short string: ``hidden=64,64 lr=0.5`` (keys sorted).

    >>> label({"lr": 0.5, "hidden": [64, 64]})
    'hidden=64,64 lr=0.5'
    """
    def show(v):
        if isinstance(v, list):
            return ",".join(map(str, v)) if v else "none"
        if isinstance(v, float):
            return f"{v:.6g}"
        return str(v)
    return " ".join(f"{k}={show(settings[k])}" for k in sorted(settings)) or "(base)"


def points(grid: dict | None, sample: dict | None, n_trials: int | None,
           sample_seed: int = 0) -> list[dict]:
    """The points of the space: a grid's, or ``n_trials`` random samples, or one empty point."""
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if grid and sample:
        raise ConfigError("a sweep expected --grid or --sample, got both; put the grid's "
                          "choices in --sample as value lists (NAME=A,B) instead")
    if sample:
        n = check_int(10 if n_trials is None else n_trials, "trials (--trials)", low=1,
                      fix="e.g. --trials 50")
        sampler = ParameterSampler(sample, n_iter=n, random_state=sample_seed)
        if all(isinstance(v, list) for v in sample.values()):
            size = len(ParameterGrid(sample))
            if n > size:  # ParameterSampler would warn; every point once is what is meant
                n = size
                sampler = ParameterSampler(sample, n_iter=n, random_state=sample_seed)
        return [{k: plain(v) for k, v in p.items()} for p in sampler]
    if n_trials is not None:
        raise ConfigError(f"expected --trials only with --sample, got --trials "
                          f"{describe(n_trials)} with a grid; drop it (a grid runs every "
                          "point; use --seeds for repeats)")
    if grid:
        for name, values in grid.items():
            if not isinstance(values, (list, tuple)) or len(values) == 0:
                raise ConfigError(f"the grid of {name} must be a non-empty list of values, got "
                                  f"{describe(values)}; e.g. {_example(name)}")
        return [{k: plain(v) for k, v in p.items()} for p in ParameterGrid(grid)]
    return [{}]


def check_fixed(options: dict, swept) -> dict:
    """The fixed options, checked by name; none may also be swept."""
    out = {}
    for raw, value in options.items():
        name = check_name(raw, "sweep option")
        if name == "seed":
            raise ConfigError(f"a sweep sets each trial's seed, got a fixed seed {value!r}; "
                              f"{SEED_FIX}")
        if name in swept:
            raise ConfigError(f"option {name}: expected a fixed or a swept value, got both "
                              f"fixed ({describe(value)}) and swept; drop "
                              f"--{name.replace('_', '-')} or its --grid/--sample")
        out[name] = plain(value)
    return out


def build_trials(options: dict, space: list[dict], seeds: list[int], *,
                 max_trials: int = 1000, yes: bool = False) -> list[dict]:
    """Every trial (``id``, ``setting`` label, ``settings``, ``seed``, ``config``), each
    config validated by ``TrainConfig.resolved()`` before anything runs."""
    n = len(space) * len(seeds)
    max_trials = check_int(max_trials, "max trials", low=1, fix="e.g. --max-trials 1000")
    if n > max_trials and not yes:
        raise ConfigError(f"expected at most --max-trials {max_trials} trials, got {n} trials "
                          f"({len(space)} setting(s) x {len(seeds)} seed(s)); shrink the grid, "
                          "or pass --yes (or raise --max-trials)")
    trials = []
    for point in space:
        for seed in seeds:
            config = {**options, **point, "seed": seed, "progress": False}
            config.setdefault("plots", False)
            _resolve(config, point, seed)
            trials.append({"id": f"t{len(trials):04d}", "setting": label(point),
                           "settings": point, "seed": seed, "config": config})
    return trials


def _resolve(config: dict, point: dict, seed: int) -> None:
    try:
        cfg = TrainConfig.from_dict(config, source="sweep")
        cfg.resolved()
    except TinypropError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "; " not in first:
            first += "; see tinyprop train --help for the values each option takes"
        raise type(e)(f"trial {label(point)} seed {seed}: {first}") from None


def is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
