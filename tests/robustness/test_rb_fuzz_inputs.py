"""Fuzzing the files the command line reads (issue 15): ``.npy`` and PNG inputs of
``tinyprop predict`` and TOML configs of ``tinyprop train --config``.

Each generated file either works (exit 0) or fails with exit code 2, exactly one line
on stderr (``tinyprop: error: ...``, no traceback) and every file left as it was. A bug
(any other exception) escapes ``main`` and fails the example. Example counts are kept
small: the point is the shape of the failures, not a long search.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.test_rb_support import same, state_of
from tinyprop.cli import main

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ---- running the command -------------------------------------------------------------


def run_cli(args: list, watched: list, *, may_leave: Path | None = None) -> int:
    """``tinyprop ARGS``: exit 0, or exit 2 with one line on stderr and ``watched``
    unchanged (``may_leave``: a run directory that a run that started may leave)."""
    before = [state_of(p) for p in watched]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    if code == 0:
        return code
    text = err.getvalue()
    lines = text.strip().splitlines()
    assert code == 2, (code, text)
    assert len(lines) == 1 and lines[0].startswith("tinyprop: error: "), text
    assert "Traceback" not in text and out.getvalue() == "", (text, out.getvalue())
    started = may_leave is not None and (may_leave / "config.json").exists()
    for p, b in zip(watched, before):
        if started and p == may_leave.parent:
            continue  # a run that began and then diverged keeps its run directory
        assert same(state_of(p), b), f"{p} changed: {lines[0]}"
    return code


def predict_file(run: Path, name: str, blob: bytes) -> int:
    with tempfile.TemporaryDirectory() as d, mock.patch.dict(
        os.environ, {"TINYPROP_MAX_IMAGE_PIXELS": "1000000"}
    ):
        path = Path(d) / name
        path.write_bytes(blob)
        return run_cli(["predict", str(run), str(path)], [Path(d), run])


# ---- mutations -----------------------------------------------------------------------


def mutated(valid: bytes, head: int) -> st.SearchStrategy[bytes]:
    """``valid`` with a few bytes replaced (mostly in its first ``head`` bytes: the
    header), perhaps cut short or extended."""
    index = st.one_of(st.integers(0, head - 1), st.integers(0, len(valid) - 1))
    edits = st.lists(st.tuples(index, st.integers(0, 255)), max_size=6)

    def apply(args) -> bytes:
        edits, cut, tail = args
        blob = bytearray(valid)
        for i, b in edits:
            blob[i] = b
        return bytes(blob[:cut]) + tail

    return st.tuples(edits, st.integers(0, len(valid)), st.binary(max_size=16)).map(apply)


def _npy(shape=(2, 64), dtype=np.float32) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.random.default_rng(0).random(shape).astype(dtype))
    return buf.getvalue()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4).save(buf, "PNG")
    return buf.getvalue()


# ---- predict: .npy and PNG inputs ----------------------------------------------------


@FUZZ
@given(blob=st.one_of(st.binary(max_size=300), mutated(_npy(), 128), mutated(_npy((64,)), 128)))
def test_predict_npy_works_or_fails_with_one_line(finished_run, blob):
    predict_file(finished_run, "x.npy", blob)


@FUZZ
@given(blob=st.one_of(st.binary(max_size=300), mutated(_png(), 33)))
def test_predict_png_works_or_fails_with_one_line(finished_run, blob):
    predict_file(finished_run, "digit.png", blob)


def test_the_valid_inputs_work(finished_run):
    """The files the mutations start from are good inputs."""
    assert predict_file(finished_run, "x.npy", _npy()) == 0
    assert predict_file(finished_run, "digit.png", _png()) == 0


# ---- train --config: TOML -------------------------------------------------------------

TRAIN = ["--data", "xor", "--epochs", "1", "--hidden", "2", "--batch-size", "50",
         "--no-progress", "--no-plots"]
"""What the command line fixes (it overrides the config): a run of a fraction of a second."""

KEYS = ["lr", "momentum", "weight_decay", "weight-decay", "activation", "init", "init_std",
        "optimizer", "schedule", "seed", "val_split", "early_stopping", "model", "engine",
        "detect_anomaly", "data_dir", "no_such_option"]

toml_scalar = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(repr),  # nan, inf and -inf are TOML too
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=12).map(json.dumps),
    st.sampled_from(['"tanh"', '"relu"', '"adam"', '"cosine"', '"manual"', '"mlp"',
                     "1979-05-27T07:32:00Z", "0.5", "1", "0"]),
)
toml_value = st.one_of(
    toml_scalar,
    st.lists(toml_scalar, max_size=3).map(lambda v: "[" + ", ".join(v) + "]"),
    st.dictionaries(st.sampled_from(["a", "b"]), toml_scalar, max_size=2).map(
        lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
    ),
)
toml_config = st.lists(st.tuples(st.sampled_from(KEYS), toml_value), max_size=4).map(
    lambda items: "".join(f"{k} = {v}\n" for k, v in dict(items).items())
)


def train_with_config(text: bytes) -> int:
    with tempfile.TemporaryDirectory() as d:
        cfg, out = Path(d) / "train.toml", Path(d) / "out"
        cfg.write_bytes(text)
        return run_cli(["train", "--config", str(cfg), *TRAIN, "--out", str(out)],
                       [cfg, Path(d)], may_leave=out)


@FUZZ
@given(text=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_train_config_random_text(text):
    train_with_config(text)


@FUZZ
@given(text=toml_config)
def test_train_config_random_options(text):
    train_with_config(text.encode())
