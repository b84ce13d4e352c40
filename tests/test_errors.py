"""One error family: every kind is a ``TinypropError`` and the built-in exception callers
already catch, and the public error classes of data, io and train belong to it."""

from __future__ import annotations

import numpy as np
import pytest

from tinyprop import errors
from tinyprop.errors import (
    AllocationError,
    CheckpointError,
    ConfigError,
    DataError,
    NumericalError,
    RunError,
    TinypropError,
    TinypropTypeError,
)

KINDS = [
    (ConfigError, ValueError),
    (AllocationError, MemoryError),
    (TinypropTypeError, TypeError),
    (DataError, ValueError),
    (CheckpointError, ValueError),
    (RunError, ValueError),
    (NumericalError, FloatingPointError),
]


@pytest.mark.parametrize("kind, builtin", KINDS, ids=[k.__name__ for k, _ in KINDS])
def test_each_kind_is_a_tinyprop_error_and_a_builtin(kind, builtin):
    assert issubclass(kind, TinypropError) and issubclass(kind, builtin)
    with pytest.raises(builtin, match="message"):
        raise kind("message")


def test_the_value_and_type_kinds_do_not_overlap():
    assert not issubclass(TinypropTypeError, ValueError)
    for kind in (ConfigError, DataError, CheckpointError, RunError):
        assert not issubclass(kind, TypeError)


def test_all_lists_the_family():
    assert set(errors.__all__) == {"TinypropError", *(k.__name__ for k, _ in KINDS)}


def test_public_error_classes_belong_to_the_family():
    import tinyprop.io.errors
    from tinyprop import io, train
    from tinyprop.cli import UsageError
    from tinyprop.data import DownloadError

    assert io.CheckpointError is CheckpointError is tinyprop.io.errors.CheckpointError
    assert train.ConfigError is ConfigError and train.RunError is RunError
    assert issubclass(train.TrainingDiverged, NumericalError)
    assert issubclass(train.TrainingDiverged, FloatingPointError)
    assert issubclass(DownloadError, TinypropError) and issubclass(DownloadError, OSError)
    assert issubclass(UsageError, ConfigError)


def test_library_user_errors_come_from_the_family(tmp_path):
    from tinyprop import io
    from tinyprop.data import DataLoader, load_dataset
    from tinyprop.train import read_run_config

    for call, kind in [
        (lambda: DataLoader([[np.nan]]), DataError),
        (lambda: DataLoader([[0.0]], batch_size=0), ConfigError),
        (lambda: load_dataset("cifar"), ConfigError),
        (lambda: load_dataset(3), TinypropTypeError),
        (lambda: read_run_config(tmp_path / "none"), RunError),
        (lambda: io.save({"x": object()}, tmp_path / "x.safetensors"), TinypropTypeError),
        (lambda: io.load(tmp_path), OSError),  # a path the system refuses stays an OSError
    ]:
        with pytest.raises(kind):
            call()
