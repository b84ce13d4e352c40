"""Bad-input catalog (issue 8), part 3: the ``tinyprop`` command line, through
``tinyprop.cli.main`` (fast) and a couple through a real process.

Each case: exit code 2, exactly one line on stderr that says what was expected and what
was received, no traceback, nothing on stdout, the working directory untouched (no run
directory created) and the finished run the cases start from unchanged.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tinyprop as tp
from robustness.test_rb_support import (
    ROOT,
    Cli,
    Registry,
    edit_run_config,
    make_env,
    same,
    state_of,
    truncate,
    unreadable_dir,
    write_mnist,
)

cases = Registry()

# ======================================================================================
# the command line (through tinyprop.cli.main)
# ======================================================================================


def _cli(*args, expected, got):
    return lambda env: Cli(list(args), expected, got)


for _name, _args, _exp, _got in [
    ("cli-lr-inf", ["--lr", "inf"], ("positive number",), ("got inf",)),
    ("cli-lr-not-a-number", ["--lr", "fast"], ("invalid float value",), ("'fast'",)),
    ("cli-batch-size-negative", ["--batch-size", "-3"], (">= 1",), ("got -3",)),
    ("cli-unknown-activation", ["--activation", "swish"], ("'tanh'",), ("'swish'",)),
    ("cli-unknown-init", ["--init", "glorot"], ("'xavier'",), ("'glorot'",)),
    ("cli-unknown-schedule", ["--schedule", "linear"], ("'cosine'",), ("'linear'",)),
    ("cli-unknown-engine", ["--engine", "jax"], ("'manual'",), ("'jax'",)),
    ("cli-unknown-model", ["--model", "cnn"], ("'mlp'",), ("'cnn'",)),
    ("cli-epochs-negative", ["--epochs", "-1"], (">= 1",), ("got -1",)),
    ("cli-seed-negative", ["--seed", "-1"], ("non-negative",), ("got -1",)),
    ("cli-weight-decay-nan", ["--weight-decay", "nan"], (">= 0",), ("got nan",)),
    (
        "cli-momentum-nan",
        ["--optimizer", "momentum", "--momentum", "nan"],
        ("[0, 1)",),
        ("got nan",),
    ),
    ("cli-init-std-zero", ["--init-std", "0"], ("positive number",), ("got 0.0",)),
    ("cli-early-stopping-zero", ["--early-stopping", "0"], (">= 1",), ("got 0",)),
    ("cli-val-split-negative", ["--val-split", "-0.2"], ("[0, 1)",), ("got -0.2",)),
    (
        "cli-val-split-too-many",
        ["--val-split", "5000"],
        ("between 0 and", "samples available"),
        ("got 5000",),
    ),
]:
    cases.case(_name)(_cli("train", *_args, "--no-progress", expected=_exp, got=_got))


@cases.case(
    "cli-hidden-empty-list",
)
def _(env):
    return Cli(
        ["train", "--hidden", "", "--epochs", "1", "--no-progress", "--no-plots"],
        ("comma-separated integers",),
        ("''",),
    )


@cases.case("cli-data-dir-is-a-file")
def _(env):
    f = env.tmp / "data.txt"
    f.write_text("not a directory")
    return Cli(
        ["train", "--data", "mnist", "--data-dir", str(f), "--no-progress"],
        ("expected the four IDX files",),
        ("is a file, not a directory",),
        (f,),
    )


@cases.case("cli-data-dir-unreadable")
def _(env):
    root = unreadable_dir(env)
    exp, got = (
        (("expected the four IDX files",), ("not a directory",))
        if ROOT
        else (("readable directory",), ("permission denied",))
    )
    return Cli(["train", "--data", "mnist", "--data-dir", str(root), "--no-progress"], exp, got)


@cases.case("cli-data-dir-truncated-idx")
def _(env):
    root = write_mnist(env.tmp / "mnist")
    truncate(root / "train-labels-idx1-ubyte.gz", 0.7)
    return Cli(
        ["train", "--data", "mnist", "--data-dir", str(root), "--no-progress"],
        ("IDX file",),
        ("truncated",),
    )


@cases.case("cli-out-inside-a-file")
def _(env):
    f = env.tmp / "f.txt"
    f.write_text("x")
    return Cli(
        ["train", "--epochs", "1", "--out", str(f / "sub"), "--no-progress"],
        ("Not a directory",),
        (str(f / "sub"),),
    )


@cases.case("cli-toml-lr-string")
def _(env):
    cfg = env.tmp / "c.toml"
    cfg.write_text('lr = "fast"\n')
    return Cli(
        ["train", "--config", str(cfg), "--no-progress"], ("positive number",), ("got 'fast'",)
    )


@cases.case(
    "cli-toml-epochs-bool",
)
def _(env):
    cfg = env.tmp / "c.toml"
    cfg.write_text("epochs = true\n")
    return Cli(["train", "--config", str(cfg), "--no-progress"], ("epochs",), ("True",))


@cases.case("cli-resume-with-extra-option")
def _(env):
    run = env.copy_run()
    return Cli(
        ["train", "--resume", str(run), "--lr", "0.1", "--no-progress"],
        ("its own config",),
        ("drop ['lr']",),
    )


@cases.case("cli-evaluate-run-of-other-format")
def _(env):
    run = edit_run_config(env.copy_run(), lambda m: m.update(format="tinyprop-run/0"))
    return Cli(["evaluate", str(run)], ("reads 'tinyprop-run/1'",), ("'tinyprop-run/0'",))


@cases.case("cli-resume-run-of-other-format")
def _(env):
    run = edit_run_config(env.copy_run(), lambda m: m.update(format="tinyprop-run/2"))
    return Cli(
        ["train", "--resume", str(run), "--no-progress"],
        ("reads 'tinyprop-run/1'",),
        ("'tinyprop-run/2'",),
    )


@cases.case("cli-resume-run-of-other-version")
def _(env):
    run = edit_run_config(env.copy_run(), lambda m: m.update(tinyprop_version="0.0.9"))
    return Cli(
        ["train", "--resume", str(run), "--no-progress"],
        (f"this is {tp.__version__}",),
        ("tinyprop 0.0.9",),
    )


@cases.case("cli-resume-truncated-checkpoint")
def _(env):
    run = env.copy_run()
    truncate(run / "checkpoint.safetensors")
    return Cli(
        ["train", "--resume", str(run), "--no-progress"],
        ("written by tinyprop.save",),
        ("truncated",),
    )


@cases.case("cli-resume-checkpoint-of-other-architecture")
def _(env):
    run = edit_run_config(env.copy_run(), lambda m: m["config"].update(hidden=[20]))
    return Cli(
        ["train", "--resume", str(run), "--no-progress"], ("expected (20, 64)",), ("got (50, 64)",)
    )


@cases.case("cli-evaluate-pickled-weights")
def _(env):
    run = env.copy_run()
    (run / "model.safetensors").write_bytes(pickle.dumps({"0.weight": np.zeros((50, 64))}))
    return Cli(["evaluate", str(run)], ("safetensors checkpoint",), ("a pickle",))


@cases.case(
    "cli-evaluate-a-file",
)
def _(env):
    f = env.tmp / "notes.txt"
    f.write_text("x")
    return Cli(["evaluate", str(f)], ("run directory",), (("is a file", "not a directory"),))


@cases.case("cli-evaluate-config-without-config-key")
def _(env):
    run = edit_run_config(env.copy_run(), lambda m: m.pop("config"))
    return Cli(
        ["evaluate", str(run)],
        ("config.json",),
        (("no 'config'", "lacks 'config'", "missing 'config'"),),
    )


@cases.case("cli-predict-wrong-features")
def _(env):
    x = env.tmp / "x.npy"
    np.save(x, np.zeros((2, 10), np.float32))
    return Cli(["predict", str(env.run_dir), str(x)], ("expects 64",), ("10 features per sample",))


@cases.case("cli-predict-nan-input")
def _(env):
    x = env.tmp / "x.npy"
    a = np.zeros((2, 64), np.float32)
    a[1, 3] = np.nan
    np.save(x, a)
    return Cli(["predict", str(env.run_dir), str(x)], ("clean the data",), ("NaN",))


@cases.case("cli-predict-pickled-npy")
def _(env):
    x = env.tmp / "x.npy"
    np.save(x, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return Cli(["predict", str(env.run_dir), str(x)], ("plain .npy array",), ("Object arrays",))


@cases.case("cli-predict-unsupported-input")
def _(env):
    x = env.tmp / "x.csv"
    x.write_text("1,2\n")
    return Cli(["predict", str(env.run_dir), str(x)], (".npy array or a .png",), ("x.csv",))


@cases.case("cli-graph-unknown-format")
def _(env):
    return Cli(["graph", "--out", str(env.tmp / "g.xyz")], ("svg",), ("'xyz'",))


# ---- the test ------------------------------------------------------------------------


@cases.case("cli-message-is-not-cut-at-its-first-line")
def _(env):
    missing = env.tmp / "no-mnist-here"
    return Cli(["train", "--data", "mnist", "--data-dir", str(missing), "--no-progress"],
               ("Looked in: ",), (f"Looked in: {missing}",))


@pytest.mark.parametrize("name", list(cases.params()))
def test_bad_input(name, tmp_path, monkeypatch, capsys, finished_run):
    cases.run(name, make_env(tmp_path, monkeypatch, finished_run), capsys)


# ---- a couple through a real process --------------------------------------------------

SUBPROCESS = [
    (["train", "--activation", "swish", "--no-progress"], "'swish'"),
    (["evaluate", "{old}"], "tinyprop 0.0.1"),
]


@pytest.mark.parametrize("args, needle", SUBPROCESS, ids=["unknown-activation", "old-run-dir"])
def test_bad_input_in_a_real_process(args, needle, tmp_path, finished_run):
    old = tmp_path / "old-run"
    shutil.copytree(finished_run, old)
    edit_run_config(old, lambda m: m.update(tinyprop_version="0.0.1"))
    args = [a.replace("{old}", str(old)) for a in args]
    before = state_of(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "tinyprop.cli", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinyprop: error: "), proc.stderr
    assert needle in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert same(state_of(tmp_path), before)


def test_warnings_do_not_join_a_user_error(tmp_path, finished_run):
    """NumPy's RuntimeWarnings (here: an overflow casting 1e300 to float32) are held back
    while a command runs: a user error is still the one line on stderr."""
    np.save(tmp_path / "huge.npy", np.full((3, 64), 1e300))
    proc = subprocess.run(
        [sys.executable, "-m", "tinyprop.cli", "predict", str(finished_run), "huge.npy"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinyprop: error: "), proc.stderr
    assert "huge.npy" in lines[0]
