"""Training configuration: one dataclass shared by the CLI, TOML files and the library.

Unset fields take the dataset's preset (the seeds' settings): digits trains the seeds'
64-50-10 tanh MLP with SGD lr 0.5, batch 32, 10 epochs (Glorot init, lr annealed by a
cosine over the 10 epochs); the 2-D sets (circles, moons, xor, spiral) a 32-32 tanh
MLP with Adam lr 0.01, batch 32, 150 epochs, no schedule (>= 97 % test accuracy on
each); MNIST-format sets a 256-128 ReLU MLP with SGD momentum.

``preset`` (``--preset``) names one of :data:`SEED_PRESETS`, the exact settings of a seed
notebook; it fills the options left unset before the dataset's defaults do.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from .._validate import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    type_error,
    value_error,
)
from ..errors import ConfigError

DATASETS = ("digits", "circles", "moons", "xor", "spiral", "mnist", "fashion-mnist")
MODELS = ("logreg", "mlp")
ENGINES = ("autograd", "manual")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu")
INITS = ("default", "normal", "xavier", "he", "zeros")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "cosine", "exponential", "onecycle", "plateau")

PRESETS = {
    "digits": dict(hidden=[50], activation="tanh", batch_size=32, epochs=10, lr=0.5,
                   optimizer="sgd", init="xavier", schedule="cosine"),
    "mnist": dict(hidden=[256, 128], activation="relu", batch_size=64, epochs=20, lr=0.05,
                  optimizer="momentum", init="default", schedule="cosine"),
}
for _name in ("circles", "moons", "xor", "spiral"):  # >= 97 % test accuracy, seeds 0-2
    PRESETS[_name] = dict(hidden=[32, 32], activation="tanh", batch_size=32, epochs=150,
                          lr=0.01, optimizer="adam", init="xavier", init_std=0.3)
PRESETS["fashion-mnist"] = PRESETS["mnist"]

SEED_PRESETS = {
    "seed000": dict(
        settings=dict(data="digits", model="mlp", hidden=[50], activation="tanh",
                      init="xavier", optimizer="sgd", lr=0.5, batch_size=32, epochs=10,
                      schedule="none"),
        description="seed 000's digits MLP: 64-50-10 tanh, SGD lr 0.5, batch 32, 10 epochs, "
                    "no schedule. Differs: the seed trains and measures on all 1797 digits "
                    "in a fixed order, tinyprop holds out 20 % as the test split and "
                    "shuffles; the seed's init is not in its text (Glorot here)"),
    "seed001": dict(
        settings=dict(data="circles", model="mlp", hidden=[10], activation="tanh",
                      init="normal", init_std=0.3, optimizer="sgd", lr=0.03, batch_size=10,
                      epochs=150, schedule="none"),
        description="seed 001's circles lab: 2-10-2 tanh, normal init std 0.3 (zero "
                    "biases), SGD eta 0.03, batch 10, 150 epochs, no schedule; train and "
                    "test sets of 200 points each, like its CirclesData. The seed's weights "
                    "come from torch.randn, not in reach; examples/001 shows how much the "
                    "start matters (83.5-100 % over eight starts)"),
    "seed003": dict(
        settings=dict(data="mnist", model="logreg", init="normal", init_std=0.1,
                      optimizer="sgd", lr=1e-5, batch_size=600, epochs=100, schedule="none",
                      val_split=10000),
        description="seed 003's layer-API network on MNIST (task 6e): Linear 784-10 "
                    "(normal init std 0.1) + softmax + cross-entropy, SGD lr 1e-5, batch "
                    "600, 100 epochs, no schedule, the last 10,000 training images for "
                    "validation. Differs: the seed shuffles before that split; tinyprop "
                    "averages the gradient over the batch (if the seed's layers sum it, "
                    "its step matches --lr 0.006 here)"),
    "seed004": dict(
        settings=dict(data="digits", model="logreg", init="zeros", optimizer="sgd", lr=0.01,
                      batch_size=1797, epochs=301, schedule="none"),
        data_options=dict(test_size=540, scale=False, split_random_state=123),
        description="seed 004's logistic regression on digits, number for number: its split "
                    "(np.random.seed(123), then train_test_split with test_size=0.3: 1257 "
                    "training and 540 test images), raw 0-16 pixels, zero init, full-batch "
                    "gradient descent (batch 1797 >= the training rows), lr 0.01, 301 "
                    "epochs, no schedule. Epoch e+1's train batch loss is the seed's 'Epoch "
                    "e' line (float32 here, float64 there: the same to 4 decimals)"),
}
"""``--preset NAME``: the exact settings of a seed notebook and what tinyprop cannot copy.
``data_options`` (optional) are the seed's own data split and scaling, used while ``data``
is the preset's dataset (see :meth:`TrainConfig.data_options`)."""

_DEFAULTS = {"data": "digits", "model": "mlp"}
_REQUIRED = ("engine",)
_HIDDEN_FIX = "e.g. --hidden 256,128 (or hidden = [256, 128] in TOML)"


def _check_hidden(hidden) -> None:
    """Hidden sizes: a list of integers >= 1 (empty for no hidden layer)."""
    if not isinstance(hidden, list):
        raise type_error("hidden sizes", "a list of integers", hidden, _HIDDEN_FIX)
    for h in hidden:
        if isinstance(h, (bool, np.bool_)) or not isinstance(h, numbers.Integral):
            raise type_error("hidden sizes", "a list of integers", hidden, _HIDDEN_FIX)
    if any(h < 1 for h in hidden):
        raise value_error("hidden sizes", "positive integers", hidden, _HIDDEN_FIX)


def _check_val_split(value) -> None:
    """A validation split: None, a count >= 0 or a fraction in [0, 1)."""
    expected = "a fraction in [0, 1) or a count"
    fix = "try --val-split 0.1"
    if value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise type_error("validation split", expected, value, fix)
    if isinstance(value, numbers.Integral):
        if value < 0:
            raise value_error("validation split", expected, value, fix)
    elif not (math.isfinite(value) and 0 <= value < 1):
        raise value_error("validation split", expected, value, fix)


@dataclass
class TrainConfig:
    """Every option of ``tinyprop train`` (None means: the dataset's preset).

    >>> cfg = TrainConfig(data="circles", lr=0.1).resolved()
    >>> cfg.hidden, cfg.lr, cfg.epochs, cfg.optimizer
    ([32, 32], 0.1, 150, 'adam')
    >>> cfg = TrainConfig(preset="seed001", epochs=5).resolved()
    >>> cfg.data, cfg.hidden, cfg.init_std, cfg.lr, cfg.epochs
    ('circles', [10], 0.3, 0.03, 5)
    """

    data: str | None = None
    data_dir: str | None = None
    model: str | None = None
    hidden: list[int] | None = None
    activation: str | None = None
    init: str | None = None
    init_std: float | None = None
    engine: str = "autograd"
    optimizer: str | None = None
    lr: float | None = None
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    val_split: float | int | None = None
    early_stopping: int | None = None
    out: str | None = None
    plots: bool = True
    progress: bool | None = None
    detect_anomaly: bool = False
    animate: bool = False
    tensorboard: str | None = None
    csv: str | None = None
    preset: str | None = None
    extra: dict = field(default_factory=dict)

    def resolved(self) -> TrainConfig:
        """A copy with the seed preset (``preset``), then ``data`` digits and ``model`` mlp,
        then the dataset's preset filled in where unset, and every value validated."""
        values = dataclasses.asdict(self)
        if self.preset is not None:
            check_choice(self.preset, "preset", SEED_PRESETS,
                         fix="try --preset seed001 or leave it out")
            for key, value in SEED_PRESETS[self.preset]["settings"].items():
                if values.get(key) is None:
                    values[key] = list(value) if isinstance(value, list) else value
        for key, default in _DEFAULTS.items():
            if values[key] is None:
                values[key] = default
        TrainConfig(**values).validate_names()
        for key, default in PRESETS[values["data"]].items():
            if values.get(key) is None:
                values[key] = default
        if values["init_std"] is None:
            values["init_std"] = 0.1
        if values["schedule"] is None:
            values["schedule"] = "none"
        if values["model"] == "logreg":
            values["hidden"] = []
        cfg = TrainConfig(**values)
        cfg.validate_values()
        return cfg

    def data_options(self) -> dict:
        """Keyword arguments for ``load_dataset`` beyond the dataset's defaults: a seed
        preset's own split and scaling while ``data`` is the preset's dataset, else none.

        >>> opts = TrainConfig(preset="seed004").resolved().data_options()
        >>> opts["test_size"], opts["scale"], type(opts["seed"]).__name__
        (540, False, 'RandomState')
        >>> TrainConfig(preset="seed004", data="circles").resolved().data_options()
        {}
        """
        preset = SEED_PRESETS.get(self.preset) if self.preset else None
        if not preset or preset["settings"].get("data") != self.data:
            return {}
        options = dict(preset.get("data_options", {}))
        if "split_random_state" in options:  # NumPy's legacy generator, as the seed seeded it
            options["seed"] = np.random.RandomState(options.pop("split_random_state"))
        return options

    def validate_names(self) -> None:
        """Check the options that name a choice (``data``, ``model``, ``optimizer``, ...)."""
        for key, allowed in (("data", DATASETS), ("model", MODELS), ("engine", ENGINES),
                             ("activation", ACTIVATIONS), ("init", INITS),
                             ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES)):
            value = getattr(self, key)
            if value is not None or key in _REQUIRED:
                check_choice(value, key, allowed)
        for key in ("data_dir", "out"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise type_error(key.replace("_", "-"), "a path (a str)", value)

    def validate_values(self) -> None:
        """Check every value of a resolved config: a wrong type is a ``TinypropTypeError``
        (a ``TypeError``), a wrong value a ``ConfigError`` (a ``ValueError``)."""
        check_int(self.epochs, "epochs", low=1, fix="try --epochs 10")
        check_int(self.batch_size, "batch size", low=1, fix="try --batch-size 32")
        check_int(self.seed, "seed", low=0, expected="a non-negative integer", fix="try --seed 0")
        check_float(self.lr, "learning rate", low=0, closed="neither",
                    expected="a positive number", fix="try --lr 0.1")
        check_float(self.momentum, "momentum", low=0, high=1, closed="left",
                    expected="a number in [0, 1)", fix="try --momentum 0.9")
        check_float(self.weight_decay, "weight decay", low=0, fix="try --weight-decay 1e-4")
        check_float(self.init_std, "init std", low=0, closed="neither",
                    expected="a positive number", fix="try --init-std 0.1")
        check_int(self.early_stopping, "early stopping patience", low=1, allow_none=True,
                  fix="try --early-stopping 5")
        _check_hidden(self.hidden)
        _check_val_split(self.val_split)
        for key in ("plots", "animate", "detect_anomaly"):
            check_bool(getattr(self, key), key.replace("_", "-"))
        for key, fix in (("tensorboard", "e.g. --tensorboard runs/tb"),
                         ("csv", "e.g. --csv log.csv")):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or not value):
                raise type_error(key, "a path (a non-empty string)", value, fix)
        if self.optimizer == "nesterov" and self.momentum == 0:
            raise ConfigError("optimizer nesterov needs momentum > 0, got momentum 0.0; "
                              "try --momentum 0.9 or --optimizer sgd")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict, source: str = "config") -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError(
                f"{source}: unknown option(s) {unknown}; valid keys are {sorted(names)}"
            )
        return cls(**values)


def load_toml(path) -> dict:
    """Read a TOML config file into a dict of options (same keys as the CLI, ``_`` or ``-``).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp(), "train.toml")
    >>> _ = path.write_text('data = "moons"\\nbatch-size = 16\\n')
    >>> load_toml(path)
    {'data': 'moons', 'batch_size': 16}
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: the tomli dependency (pyproject.toml)
        import tomli as tomllib
    from ..io._read import MAX_CONFIG_BYTES, read_regular

    path = os.fspath(path)
    try:  # a regular file of at most 1 MiB, else one ConfigError (see tinyprop.io._read)
        text = read_regular(path, "a TOML config file", max_bytes=MAX_CONFIG_BYTES,
                            error=ConfigError).decode("utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; check the path") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(f"config file {path} nests arrays or tables too deeply for TOML "
                          "to read; write a flat config") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"config file {path} is not UTF-8 text ({e}); "
                          "write the TOML file as UTF-8") from None
    return {k.replace("-", "_"): v for k, v in raw.items()}
