"""Training configuration: one dataclass shared by the CLI, TOML files and the library.

Unset fields take the dataset's preset (the seeds' settings): digits trains the seeds'
64-50-10 tanh MLP with SGD lr 0.5, batch 32, 10 epochs (Glorot init, lr annealed by a
cosine over the 10 epochs); the 2-D sets use seed 001's
10 tanh units, SGD eta 0.03, batch 10, 150 epochs; MNIST-format sets a 256-128 ReLU
MLP with SGD momentum.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from dataclasses import dataclass, field

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
for _name in ("circles", "moons", "xor", "spiral"):
    PRESETS[_name] = dict(hidden=[10], activation="tanh", batch_size=10, epochs=150, lr=0.03,
                          optimizer="sgd", init="normal", init_std=0.3)
PRESETS["fashion-mnist"] = PRESETS["mnist"]


class ConfigError(ValueError):
    """A training option has an impossible or unknown value.

    >>> try:
    ...     TrainConfig(optimizer="adagrad").resolved()
    ... except ConfigError as e:
    ...     print(e)
    unknown optimizer 'adagrad'; choose one of: sgd, momentum, nesterov, adam, adamw, rmsprop
    """


@dataclass
class TrainConfig:
    """Every option of ``tinyprop train`` (None means: the dataset's preset).

    >>> cfg = TrainConfig(data="circles", lr=0.1).resolved()
    >>> cfg.hidden, cfg.lr, cfg.epochs, cfg.optimizer
    ([10], 0.1, 150, 'sgd')
    """

    data: str = "digits"
    data_dir: str | None = None
    model: str = "mlp"
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
    compile: bool = False
    animate: bool = False
    extra: dict = field(default_factory=dict)

    def resolved(self) -> TrainConfig:
        """A copy with the dataset's preset filled in and every value validated."""
        self.validate_names()
        preset = PRESETS[self.data]
        values = dataclasses.asdict(self)
        for key, default in preset.items():
            if values.get(key) is None:
                values[key] = default
        if values["init_std"] is None:
            values["init_std"] = 0.1
        if values["schedule"] is None:
            values["schedule"] = "none"
        if self.model == "logreg":
            values["hidden"] = []
        cfg = TrainConfig(**values)
        cfg.validate_values()
        return cfg

    def validate_names(self) -> None:
        for key, allowed in (("data", DATASETS), ("model", MODELS), ("engine", ENGINES),
                             ("activation", ACTIVATIONS), ("init", INITS),
                             ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES)):
            value = getattr(self, key)
            if value is not None and value not in allowed:
                raise ConfigError(
                    f"unknown {key} {value!r}; choose one of: {', '.join(allowed)}"
                )

    def validate_values(self) -> None:
        def bad(msg):
            raise ConfigError(msg)

        def is_int(v):
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v):
            return isinstance(v, (int, float)) and not isinstance(v, bool)

        for key in ("epochs", "batch_size", "seed"):
            if not is_int(getattr(self, key)):
                bad(f"{key.replace('_', ' ')} must be an integer, got {getattr(self, key)!r}")
        for key in ("momentum", "weight_decay", "init_std"):
            if not is_num(getattr(self, key)):
                bad(f"{key.replace('_', ' ')} must be a number, got {getattr(self, key)!r}")
        if not isinstance(self.hidden, list) or not all(is_int(h) for h in self.hidden):
            bad(f"hidden sizes must be a list of integers, got {self.hidden!r}; e.g. [256, 128]")
        if self.early_stopping is not None and not is_int(self.early_stopping):
            bad(f"early stopping patience must be an integer, got {self.early_stopping!r}")
        for key in ("plots", "animate", "detect_anomaly", "compile"):
            if not isinstance(getattr(self, key), bool):
                bad(f"{key.replace('_', '-')} must be true or false, got {getattr(self, key)!r}")

        if (not is_num(self.lr)) or not math.isfinite(self.lr) or self.lr <= 0:
            bad(f"learning rate must be a positive number, got {self.lr}; try --lr 0.1")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            bad(f"batch size must be an integer >= 1, got {self.batch_size}; try --batch-size 32")
        if not isinstance(self.epochs, int) or self.epochs < 1:
            bad(f"epochs must be an integer >= 1, got {self.epochs}; try --epochs 10")
        if not 0 <= self.momentum < 1:
            bad(f"momentum must be in [0, 1), got {self.momentum}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            bad(f"weight decay must be >= 0, got {self.weight_decay}")
        if any((not isinstance(h, int)) or h < 1 for h in self.hidden):
            bad(f"hidden sizes must be positive integers, got {self.hidden}; e.g. --hidden 256,128")
        if self.val_split is not None and (isinstance(self.val_split, bool) or not (
            (isinstance(self.val_split, int) and self.val_split >= 0)
            or (isinstance(self.val_split, float) and 0 <= self.val_split < 1)
        )):
            bad(f"validation split must be a fraction in [0, 1) or a count, got {self.val_split}")
        if self.early_stopping is not None and self.early_stopping < 1:
            bad(f"early stopping patience must be >= 1, got {self.early_stopping}")
        if not (isinstance(self.init_std, (int, float)) and math.isfinite(self.init_std)
                and self.init_std > 0):
            bad(f"init std must be a positive number, got {self.init_std}")
        if not isinstance(self.seed, int) or self.seed < 0:
            bad(f"seed must be a non-negative integer, got {self.seed}")
        if self.compile and self.engine != "autograd":
            bad("compile applies to the autograd engine; drop --compile or use "
                "--engine autograd")

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
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; check the path") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    return {k.replace("-", "_"): v for k, v in raw.items()}
