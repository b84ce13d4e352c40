"""Training: one loop for both engines, callbacks, run directories.

>>> from tinyprop.train import Trainer, AutogradEngine, ManualEngine, TrainConfig
"""

from .build import (
    build_manual_model,
    build_model,
    build_optimizer,
    build_scheduler,
    initial_weights,
    to_manual_network,
)
from .callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    MetricsLogger,
    ProgressBar,
    StopOnDivergence,
)
from .config import ConfigError, TrainConfig, load_toml
from .engines import AutogradEngine, LayerEngine, ManualEngine, evaluate
from .loop import Trainer, TrainingDiverged
from .resume import resume_run
from .run import Run, RunError, load_run, read_run_config, train_run
from .runs import compare_runs, format_runs, list_runs
from .tracking import CSVLogger, TensorBoardLogger

__all__ = [
    "AutogradEngine", "CSVLogger", "Callback", "Checkpoint", "ConfigError", "EarlyStopping",
    "LayerEngine", "ManualEngine", "MetricsLogger", "ProgressBar", "Run", "RunError",
    "StopOnDivergence",
    "TensorBoardLogger", "TrainConfig", "Trainer", "TrainingDiverged", "build_manual_model",
    "build_model", "build_optimizer", "build_scheduler", "compare_runs", "evaluate",
    "format_runs", "initial_weights", "list_runs", "load_run", "load_toml",
    "read_run_config", "resume_run", "to_manual_network", "train_run",
]
