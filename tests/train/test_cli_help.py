"""`tinyprop --help` explains itself: every option has help text, the train options name
their defaults (per dataset where the presets differ), and the subcommands show examples."""

from __future__ import annotations

import argparse

import pytest

from tinyprop.cli import build_parser
from tinyprop.train.config import PRESETS


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_every_option_has_help(command):
    sub = _subparsers()[command]
    missing = [a.dest for a in sub._actions if not a.help]
    assert not missing, f"tinyprop {command}: options without help text: {missing}"


def test_train_options_name_their_defaults_per_dataset():
    sub = _subparsers()["train"]
    text = sub.format_help()
    for action in sub._actions:
        if action.option_strings and action.dest not in ("help", "config", "resume", "json",
                                                         "debug", "plots", "progress",
                                                         "animate", "detect_anomaly", "out"):
            assert "default" in action.help, action.dest
    # the learning rate's help lists every preset's value with its datasets
    lr_help = next(a.help for a in sub._actions if a.dest == "lr")
    for data, preset in PRESETS.items():
        assert str(preset["lr"]) in lr_help and data in lr_help
    assert "examples:" in text and "tinyprop train --resume" in text


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "graph"])
def test_subcommands_show_examples(command):
    assert "examples:\n  tinyprop " + command in _subparsers()[command].format_help()
