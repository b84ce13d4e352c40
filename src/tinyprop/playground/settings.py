"""Every setting of the playground page: one dataclass, checked with tinyprop's policy.

The page sends settings as JSON (``{"lr": 0.1}``) and keeps them in its URL fragment
(``#lr=0.1&hidden=4,2``); both go through :meth:`Settings.updated`, which checks each
value (a wrong type is a ``TinypropTypeError``, a wrong value a ``ConfigError``, with
what was expected and how to fix it) and returns a new ``Settings``.

Some settings take effect on the next minibatch without a restart (:data:`LIVE`: the
learning rate, regularisation, dropout rate and batch size); every other change rebuilds
the data and the network from the seed, so both engines restart from the same numbers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .._validate import check_choice, check_float, check_int, type_error, value_error

PROBLEMS = ("classification", "regression")
CLASSIFICATION_SETS = ("circles", "xor", "gauss", "spiral", "moons")
REGRESSION_SETS = ("plane", "multigauss")
DATASETS = (*CLASSIFICATION_SETS, *REGRESSION_SETS, "csv")
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁·x₂",
                  "sinx1": "sin x₁", "sinx2": "sin x₂"}
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
INITS = ("normal", "xavier", "he")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")
ENGINES = ("autograd", "manual")
MAX_LAYERS = 6
MAX_NEURONS = 8
MAX_POINTS = 5000

LIVE = frozenset({"lr", "reg", "reg_rate", "dropout", "batch_size"})
"""Settings that change the next minibatch only; any other change restarts training."""


def _check_list(value, name: str, expected: str, fix: str) -> list:
    if isinstance(value, str):  # the URL form: "4,2" / "tanh,relu"
        value = [v for v in value.split(",") if v != ""]
    if not isinstance(value, (list, tuple)):
        raise type_error(name, expected, value, fix)
    return list(value)


def _ints(value, name: str) -> list[int]:
    fix = f"e.g. {name}=4,2 (up to {MAX_LAYERS} layers of 1 to {MAX_NEURONS} neurons)"
    items = _check_list(value, name, "a list of integers", fix)
    if len(items) > MAX_LAYERS:
        raise value_error(name, f"at most {MAX_LAYERS} hidden layers", items, fix)
    out = []
    for v in items:
        if isinstance(v, str):
            try:
                v = int(v)
            except ValueError:
                raise type_error(name, "a list of integers", items, fix) from None
        out.append(check_int(v, f"{name} (neurons per layer)", low=1, high=MAX_NEURONS, fix=fix))
    return out


def _choices(value, name: str, allowed, fix: str) -> list[str]:
    return [check_choice(v, name, allowed, fix=fix)
            for v in _check_list(value, name, "a list of names", fix)]


@dataclass(frozen=True)
class Settings:
    """The playground's settings; ``Settings()`` is the page's first screen.

    >>> s = Settings().updated({"hidden": "8,8", "lr": "0.1"})
    >>> s.hidden, s.activations, s.lr
    ([8, 8], ['tanh', 'tanh'], 0.1)
    """

    problem: str = "classification"
    dataset: str = "circles"
    noise: float = 0.1
    train_ratio: float = 0.5
    n_points: int = 500
    seed: int = 0
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = field(default_factory=lambda: [4, 2])
    activations: list[str] = field(default_factory=lambda: ["tanh", "tanh"])
    init: str = "xavier"
    sigma: float = 0.3
    reg: str = "none"
    reg_rate: float = 0.0
    dropout: float = 0.0
    lr: float = 0.03
    batch_size: int = 10
    optimizer: str = "sgd"
    engine: str = "autograd"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def updated(self, changes: dict) -> Settings:
        """A checked copy with ``changes`` applied (unknown keys are a ``ConfigError``).

        Values may be given as the URL fragment writes them (strings); the hidden layers'
        activations follow the layer count (new layers copy the last activation).
        """
        if not isinstance(changes, dict):
            raise type_error("settings", "a dict of setting: value", changes)
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise value_error("setting names", f"among {sorted(names)}", unknown,
                              "check the spelling (the URL fragment uses the same names)")
        values = self.to_dict()
        values.update(changes)
        return _checked(values)

    def changed_keys(self, other: Settings) -> set[str]:
        """The names whose values differ between ``self`` and ``other``."""
        a, b = self.to_dict(), other.to_dict()
        return {k for k in a if a[k] != b[k]}

    @property
    def n_features(self) -> int:
        return len(self.features)


def _num(value, kind):
    """The URL form of a number is a string: convert it, leaving a wrong type to the check."""
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            return value
    return value


def _checked(v: dict) -> Settings:
    v["problem"] = check_choice(v["problem"], "problem", PROBLEMS)
    v["dataset"] = check_choice(v["dataset"], "dataset", DATASETS)
    sets = CLASSIFICATION_SETS if v["problem"] == "classification" else REGRESSION_SETS
    if v["dataset"] not in sets and v["dataset"] != "csv":
        v["dataset"] = sets[0]  # switching the problem picks that problem's first set
    v["noise"] = check_float(_num(v["noise"], float), "noise", low=0, high=2,
                             fix="try noise=0.1")
    v["train_ratio"] = check_float(_num(v["train_ratio"], float), "train_ratio", low=0.1,
                                   high=0.9, fix="try train_ratio=0.5")
    v["n_points"] = check_int(_num(v["n_points"], int), "n_points", low=20, high=MAX_POINTS,
                              fix="try n_points=500")
    v["seed"] = check_int(_num(v["seed"], int), "seed", low=0, high=2**31 - 1, fix="try seed=0")
    feats = _choices(v["features"], "features", FEATURES, "e.g. features=x1,x2,x1sq")
    if not feats:
        raise value_error("features", "at least one input feature", feats,
                          "tick x1 or x2 (or another feature)")
    v["features"] = [f for f in FEATURES if f in feats]  # one order, no repeats
    v["hidden"] = _ints(v["hidden"], "hidden")
    acts = _choices(v["activations"], "activations", ACTIVATIONS, "e.g. activations=tanh,relu")
    acts = acts[: len(v["hidden"])]
    while len(acts) < len(v["hidden"]):
        acts.append(acts[-1] if acts else "tanh")
    v["activations"] = acts
    v["init"] = check_choice(v["init"], "init", INITS)
    v["sigma"] = check_float(_num(v["sigma"], float), "sigma", low=0, high=10, closed="right",
                             fix="try sigma=0.3")
    v["reg"] = check_choice(v["reg"], "reg", REGULARIZATIONS)
    v["reg_rate"] = check_float(_num(v["reg_rate"], float), "reg_rate", low=0, high=10,
                                fix="try reg_rate=0.001")
    v["dropout"] = check_float(_num(v["dropout"], float), "dropout", low=0, high=0.9,
                               fix="try dropout=0.1")
    v["lr"] = check_float(_num(v["lr"], float), "lr", low=0, high=10, closed="right",
                          fix="try lr=0.03")
    v["batch_size"] = check_int(_num(v["batch_size"], int), "batch_size", low=1, high=MAX_POINTS,
                                fix="try batch_size=10")
    v["optimizer"] = check_choice(v["optimizer"], "optimizer", OPTIMIZERS)
    v["engine"] = check_choice(v["engine"], "engine", ENGINES)
    return Settings(**v)
