"""The dataset presets and the seed presets (``--preset``) of ``tinyprop train``."""

from __future__ import annotations

import pytest

from tinyprop.errors import ConfigError
from tinyprop.train import TrainConfig, train_run
from tinyprop.train.config import PRESETS, SEED_PRESETS


@pytest.mark.parametrize("data", ["circles", "moons", "xor", "spiral"])
def test_2d_preset_reaches_97_percent(data, tmp_path):
    summary = train_run(TrainConfig(data=data, plots=False, progress=False),
                        out=str(tmp_path / data), verbose=False)
    assert summary["test_accuracy"] >= 0.97, summary


SEED_SETTINGS = {
    "seed000": dict(data="digits", model="mlp", hidden=[50], activation="tanh",
                    init="xavier", optimizer="sgd", lr=0.5, batch_size=32, epochs=10,
                    schedule="none", val_split=None),
    "seed001": dict(data="circles", model="mlp", hidden=[10], activation="tanh",
                    init="normal", init_std=0.3, optimizer="sgd", lr=0.03, batch_size=10,
                    epochs=150, schedule="none", val_split=None),
    "seed003": dict(data="mnist", model="logreg", hidden=[], init="normal", init_std=0.1,
                    optimizer="sgd", lr=1e-5, batch_size=600, epochs=100, schedule="none",
                    val_split=10000),
    "seed004": dict(data="digits", model="logreg", hidden=[], init="zeros",
                    optimizer="sgd", lr=0.01, batch_size=1797, epochs=301,
                    schedule="none", val_split=None),
}


@pytest.mark.parametrize("name", sorted(SEED_SETTINGS))
def test_seed_preset_resolves_to_the_seed_settings(name):
    cfg = TrainConfig(preset=name).resolved()
    for key, value in SEED_SETTINGS[name].items():
        assert getattr(cfg, key) == value, key
    assert cfg.preset == name and cfg.to_dict()["preset"] == name
    assert SEED_PRESETS[name]["description"]


def test_seed_presets_table_matches_the_cli_choices():
    from tinyprop.cli import build_parser

    args = build_parser().parse_args(["train", "--preset", "seed001"])
    assert args.preset == "seed001" and sorted(SEED_PRESETS) == sorted(SEED_SETTINGS)


def test_explicit_options_override_a_preset():
    cfg = TrainConfig(preset="seed001", data="moons", lr=0.1, epochs=3, hidden=[4]).resolved()
    assert (cfg.data, cfg.lr, cfg.epochs, cfg.hidden) == ("moons", 0.1, 3, [4])
    assert (cfg.init, cfg.init_std, cfg.batch_size, cfg.schedule) == ("normal", 0.3, 10, "none")
    cfg = TrainConfig(preset="seed004", model="mlp").resolved()
    assert cfg.model == "mlp" and cfg.hidden == PRESETS["digits"]["hidden"]
    cfg = TrainConfig(preset="seed003", data="digits").resolved()
    assert (cfg.data, cfg.model, cfg.lr) == ("digits", "logreg", 1e-5)


def test_resolving_twice_keeps_the_preset_run():
    once = TrainConfig(preset="seed004", model="mlp", data="circles").resolved()
    assert once.resolved().to_dict() == once.to_dict()


def test_no_preset_keeps_the_dataset_defaults():
    cfg = TrainConfig().resolved()
    assert (cfg.data, cfg.model, cfg.preset, cfg.epochs) == ("digits", "mlp", None, 10)


def test_unknown_preset_is_one_clear_config_error():
    with pytest.raises(ConfigError, match="preset must be one of 'seed000'.*got 'seed002'"):
        TrainConfig(preset="seed002").resolved()
