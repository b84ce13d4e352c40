"""The ``tinyprop`` command line: training runs, resume, interrupt, other subcommands and
every bad input (one line on stderr, exit code 2, no run directory left behind)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinyprop import __version__
from tinyprop.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def run_cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_subcommand_prints_version_and_commands(capsys):
    code, out, _ = run_cli([], capsys)
    assert code == 0 and __version__ in out
    for cmd in ("train", "evaluate", "predict", "datasets", "gradcheck"):
        assert cmd in out


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "default"
    code = main(["train", "--no-progress", "--json", "--out", str(out)])
    assert code == 0
    return out


def test_default_run_writes_complete_run_dir(default_run):
    names = {p.name for p in default_run.iterdir()}
    for f in ("config.json", "metrics.jsonl", "summary.json", "model.safetensors",
              "checkpoint.safetensors", "curves.png", "confusion.png"):
        assert f in names
    for png in ("curves.png", "confusion.png"):
        assert (default_run / png).read_bytes()[:8] == PNG
    summary = json.loads((default_run / "summary.json").read_text())
    assert summary["data"] == "digits" and summary["model"] == "mlp"
    assert summary["engine"] == "autograd" and summary["epochs"] == 10
    assert summary["test_accuracy"] >= 0.97
    lines = (default_run / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 10 and json.loads(lines[-1])["epoch"] == 10


def test_json_output_is_one_object_on_stdout(tmp_path, capsys):
    code, out, err = run_cli(["train", "--epochs", "2", "--no-progress", "--no-plots", "--json",
                              "--out", str(tmp_path / "r")], capsys)
    assert code == 0
    summary = json.loads(out)
    for key in ("data", "model", "engine", "epochs", "train_loss", "train_accuracy",
                "test_loss", "test_accuracy", "wall_time_s", "samples_per_s", "run_dir"):
        assert key in summary
    assert summary == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert "epoch" in err  # the human table went to stderr


def test_validation_split_reported(tmp_path, capsys):
    code, out, _ = run_cli(["train", "--epochs", "1", "--val-split", "0.2", "--no-progress",
                            "--no-plots", "--json", "--out", str(tmp_path / "r")], capsys)
    assert code == 0
    s = json.loads(out)
    assert "val_loss" in s and "val_accuracy" in s


def test_circles_seed_001_setup(tmp_path, capsys):
    out = tmp_path / "c"
    code, stdout, _ = run_cli(["train", "--preset", "seed001", "--no-progress", "--json",
                               "--out", str(out)], capsys)
    assert code == 0
    s = json.loads(stdout)
    assert s["epochs"] == 150 and s["batch_size"] == 10 and s["lr"] == 0.03
    assert s["test_accuracy"] >= 0.95
    assert (out / "boundary.png").read_bytes()[:8] == PNG


def test_both_engines_agree(tmp_path, capsys):
    results = {}
    for engine in ("autograd", "manual"):
        code, out, _ = run_cli(["train", "--engine", engine, "--epochs", "3", "--no-progress",
                                "--no-plots", "--json", "--out", str(tmp_path / engine)],
                               capsys)
        assert code == 0
        results[engine] = json.loads(out)
    a, m = results["autograd"], results["manual"]
    assert a["test_accuracy"] == pytest.approx(m["test_accuracy"], abs=1e-9)
    assert a["train_loss"] == pytest.approx(m["train_loss"], rel=1e-4)


def _model_arrays(run_dir):
    from tinyprop import load

    return load(Path(run_dir) / "model.safetensors")


def test_resume_after_a_crash_is_bit_exact(tmp_path):
    from tinyprop.train import Callback, TrainConfig, resume_run, train_run
    from tinyprop.train.run import Run

    cfg = dict(epochs=4, plots=False, progress=False, schedule="step", optimizer="momentum",
               lr=0.1)
    train_run(TrainConfig(**cfg), out=str(tmp_path / "straight"), verbose=False)

    class Crash(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:
                raise RuntimeError("simulated crash after the epoch-2 checkpoint")

    original = Run.trainer

    def with_crash(self, run_dir):
        t = original(self, run_dir)
        t.callbacks.append(Crash())
        return t

    Run.trainer = with_crash
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            train_run(TrainConfig(**cfg), out=str(tmp_path / "crashed"), verbose=False)
    finally:
        Run.trainer = original
    summary = resume_run(tmp_path / "crashed", verbose=False)
    assert summary["epochs"] == 4
    a, b = _model_arrays(tmp_path / "straight"), _model_arrays(tmp_path / "crashed")
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    lines = (tmp_path / "crashed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [1, 2, 3, 4]


def test_ctrl_c_stops_writes_checkpoint_and_resumes(tmp_path):
    out = tmp_path / "interrupted"
    args = [sys.executable, "-m", "tinyprop.cli", "train", "--data", "circles", "--epochs",
            "400", "--no-progress", "--no-plots", "--json", "--out", str(out)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    metrics = out / "metrics.jsonl"
    while time.time() < deadline:
        if metrics.exists() and len(metrics.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    summary = json.loads(stdout)
    assert summary["status"] == "interrupted" and summary["epochs"] < 400
    assert (out / "checkpoint.safetensors").exists() and (out / "summary.json").exists()
    done = subprocess.run([sys.executable, "-m", "tinyprop.cli", "train", "--resume", str(out),
                           "--no-progress", "--json"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["epochs"] == 400
    straight = tmp_path / "straight"
    subprocess.run(args[:-1] + [str(straight)], check=True, capture_output=True, timeout=120)
    a, b = _model_arrays(straight), _model_arrays(out)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_a_reader_that_leaves_does_not_stop_training(tmp_path):
    """`tinyprop train | head -1`: the pipe breaks, output stops, the run completes."""
    out = tmp_path / "piped"
    proc = subprocess.Popen([sys.executable, "-m", "tinyprop.cli", "train", "--data", "circles",
                             "--epochs", "60", "--no-plots", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader leaves before the epoch table is written
    _, err = proc.communicate(timeout=120)
    assert first.startswith(b"tinyprop train: circles"), first
    assert proc.returncode == 0 and err == b"", err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs"] == 60


def test_evaluate_and_predict(default_run, tmp_path, capsys):
    code, out, _ = run_cli(["evaluate", str(default_run), "--json"], capsys)
    assert code == 0
    res = json.loads(out)
    summary = json.loads((default_run / "summary.json").read_text())
    assert res["test_accuracy"] == pytest.approx(summary["test_accuracy"])
    from tinyprop.data import load_digits

    d = load_digits()
    np.save(tmp_path / "x.npy", d.X_test[:5])
    code, out, _ = run_cli(["predict", str(default_run), str(tmp_path / "x.npy"), "--json"],
                           capsys)
    assert code == 0
    preds = json.loads(out)["predictions"]
    assert len(preds) == 5 and all(0 <= p["class"] < 10 for p in preds)
    from PIL import Image

    img = (d.X_test[0].reshape(8, 8) * 255).astype(np.uint8)
    Image.fromarray(img).resize((32, 32)).save(tmp_path / "digit.png")
    code, out, _ = run_cli(["predict", str(default_run), str(tmp_path / "digit.png")], capsys)
    assert code == 0 and "digit.png" in out


def test_datasets_command(capsys):
    code, out, _ = run_cli(["datasets", "--json"], capsys)
    info = json.loads(out)
    assert code == 0 and info["digits"]["available"] and info["circles"]["available"]
    assert set(info) >= {"digits", "circles", "moons", "xor", "spiral", "mnist",
                         "fashion-mnist"}


def test_gradcheck_command(capsys):
    code, out, _ = run_cli(["gradcheck"], capsys)
    assert code == 0, out
    assert "0 failed" in out and "module" in out and "manual" in out


@pytest.mark.requires_tool("fashion-mnist")
def test_fashion_mnist_short_run(tmp_path, capsys):
    code, out, _ = run_cli(["train", "--data", "fashion-mnist", "--epochs", "1", "--hidden",
                            "64", "--batch-size", "128", "--no-progress", "--json", "--out",
                            str(tmp_path / "f")], capsys)
    assert code == 0
    s = json.loads(out)
    assert s["test_accuracy"] > 0.75 and "val_accuracy" in s
    assert (tmp_path / "f" / "samples.png").exists() or (tmp_path / "f" / "curves.png").exists()


BAD = [
    (["train", "--data", "imagenet"], "invalid choice"),
    (["train", "--batch-size", "0"], "batch size"),
    (["train", "--lr", "-0.1"], "learning rate"),
    (["train", "--lr", "nan"], "learning rate"),
    (["train", "--epochs", "0"], "epochs"),
    (["train", "--hidden", "12,x"], "comma-separated"),
    (["train", "--hidden", "0"], "hidden"),
    (["train", "--momentum", "1.5", "--optimizer", "momentum"], "momentum"),
    (["train", "--val-split", "1.5"], "validation split"),
    (["train", "--optimizer", "lbfgs"], "invalid choice"),
    (["train", "--data", "mnist", "--data-dir", "{missing}"], "mnist"),
    (["train", "--config", "{missing}/x.toml"], "does not exist"),
    (["train", "--resume", "{missing}"], "does not exist"),
    (["evaluate", "{missing}"], "does not exist"),
    (["train", "--bogus-flag"], "unrecognized"),
]


@pytest.mark.parametrize("args, needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_one_line_exit_2(args, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TINYPROP_DATA", raising=False)
    args = [a.replace("{missing}", str(tmp_path / "missing")) for a in args]
    code, out, err = run_cli(args + ["--no-progress"] if args[0] == "train" else args, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle.lower() in err.lower(), err
    assert "Traceback" not in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args, line", [
    (["train", "--bogus", "x"], "tinyprop: error: tinyprop train: unrecognized arguments: "
     "--bogus x; see `tinyprop train --help` for the options"),
    (["--bogus"], "tinyprop: error: unrecognized arguments: --bogus; see `tinyprop --help` "
     "for the options"),
    (["frobnicate"], "tinyprop: error: argument command: invalid choice: 'frobnicate'"),
])
def test_usage_errors_name_the_command_once(args, line, capsys):
    code, _, err = run_cli(args, capsys)
    assert code == 2 and err.startswith(line) and len(err.strip().splitlines()) == 1, err
    assert "error: tinyprop:" not in err  # the program's name is not repeated


def test_bad_jit_setting_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TINYPROP_JIT", "fast")
    code, _, err = run_cli(["train", "--epochs", "1", "--no-progress", "--out",
                            str(tmp_path / "r")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "TINYPROP_JIT must be 0 or 1" in err and "got 'fast'" in err
    assert not (tmp_path / "r").exists()


def test_bad_toml_and_unknown_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = [unclosed")
    code, _, err = run_cli(["train", "--config", str(bad)], capsys)
    assert code == 2 and "TOML" in err
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("learning_rate = 0.1\n")
    code, _, err = run_cli(["train", "--config", str(unknown)], capsys)
    assert code == 2 and "learning_rate" in err


def test_toml_config_is_used(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('data = "moons"\nepochs = 3\nbatch-size = 20\nhidden = [8]\n')
    code, out, _ = run_cli(["train", "--config", str(cfg), "--no-plots", "--no-progress",
                            "--json", "--out", str(tmp_path / "r")], capsys)
    s = json.loads(out)
    assert code == 0 and s["data"] == "moons" and s["epochs"] == 3 and s["hidden"] == [8]


def test_non_empty_out_dir_and_other_version(tmp_path, default_run, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    code, _, err = run_cli(["train", "--out", str(tmp_path / "full")], capsys)
    assert code == 2 and "not empty" in err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    old = tmp_path / "old"
    old.mkdir()
    meta = json.loads((default_run / "config.json").read_text())
    meta["tinyprop_version"] = "0.0.1"
    (old / "config.json").write_text(json.dumps(meta))
    code, _, err = run_cli(["evaluate", str(old)], capsys)
    assert code == 2 and "0.0.1" in err
    (old / "config.json").write_text("{not json")
    code, _, err = run_cli(["train", "--resume", str(old)], capsys)
    assert code == 2 and "not valid JSON" in err


def test_debug_shows_traceback():
    proc = subprocess.run([sys.executable, "-m", "tinyprop.cli", "train", "--lr", "-1",
                           "--debug"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


BUGS = [ZeroDivisionError("division by zero"), KeyError("status"), TypeError("internal"),
        RuntimeError("internal"), ValueError("internal")]


@pytest.mark.parametrize("bug", BUGS, ids=[type(b).__name__ for b in BUGS])
def test_an_internal_bug_keeps_its_traceback(bug, tmp_path, monkeypatch, capsys):
    """Only the error family (and OSError) is a user error; a plain exception from inside
    the library is a bug: it propagates, with a note asking to report it."""
    import tinyprop.train

    def broken(*args, **kwargs):
        raise bug

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tinyprop.train, "train_run", broken)
    with pytest.raises(type(bug)) as info:
        main(["train", "--epochs", "1", "--no-progress"])
    assert info.value is bug
    _, err = capsys.readouterr()
    assert "tinyprop: error:" not in err
    if sys.version_info >= (3, 11):
        assert any("this is a bug in tinyprop" in n for n in info.value.__notes__)
    else:  # pragma: no cover
        assert "this is a bug in tinyprop" in err


def test_an_internal_bug_in_a_real_process(tmp_path):
    code = (
        "import sys\n"
        "import tinyprop.train as t\n"
        "def broken(*args, **kwargs):\n"
        "    return {}['status']  # a real bug: KeyError\n"
        "t.train_run = broken\n"
        "from tinyprop.cli import main\n"
        "sys.exit(main(['train', '--epochs', '1', '--no-progress']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode not in (0, 2), proc.stderr
    assert "Traceback" in proc.stderr and "KeyError: 'status'" in proc.stderr
    assert "tinyprop: error:" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert sum("this is a bug in tinyprop; please report it" in line for line in lines) == 1
    if sys.version_info >= (3, 11):  # the note comes after the traceback
        assert "this is a bug in tinyprop" in lines[-1]
    assert not (tmp_path / "runs").exists()


def test_user_errors_with_debug_are_not_called_bugs(capsys):
    with pytest.raises(ValueError) as info:
        main(["train", "--lr", "-1", "--debug"])
    assert not getattr(info.value, "__notes__", None)


def test_divergence_names_epoch_and_batch(tmp_path, capsys):
    code, _, err = run_cli(["train", "--lr", "1e38", "--epochs", "2", "--no-progress",
                            "--no-plots", "--out", str(tmp_path / "d")], capsys)
    assert code == 3 and "epoch 1" in err and "learning rate" in err  # 3: diverged


def test_graph_command_writes_dot(tmp_path, capsys):
    code, out, _ = run_cli(["graph", "--out", str(tmp_path / "g.dot"), "--json"], capsys)
    info = json.loads(out)
    # one node per elementary op: matmuls, transposes, adds, tanh, the loss's exp/log/...
    assert code == 0 and info["ops"] == 16
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph") and "0.weight" in text and "Tanh" in text
    assert "rankdir=TB" in text and "grad None" not in text


def test_graph_command_draws_a_trained_run(tmp_path, capsys):
    run = tmp_path / "run"
    assert run_cli(["train", "--data", "circles", "--epochs", "2", "--no-progress",
                    "--no-plots", "--json", "--out", str(run)], capsys)[0] == 0
    code, out, _ = run_cli(["graph", str(run), "--out", str(tmp_path / "g.dot"), "--json"],
                           capsys)
    assert code == 0 and json.loads(out)["ops"] > 4
    assert "MatMul" in (tmp_path / "g.dot").read_text()


@pytest.mark.requires_tool("graphviz")
def test_graph_command_writes_svg(tmp_path, capsys):
    code, out, _ = run_cli(["graph", "--model", "logreg", "--out", str(tmp_path / "g.svg")],
                           capsys)
    assert code == 0 and "<svg" in (tmp_path / "g.svg").read_text()


def test_sigkill_then_resume_is_bit_exact(tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "tinyprop.cli", "train", "--data", "moons", "--epochs",
            "300", "--no-progress", "--no-plots", "--json", "--out"]
    proc = subprocess.Popen(args + [str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    metrics = out / "metrics.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline:
        if metrics.exists() and len(metrics.read_text().splitlines()) >= 20:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = subprocess.run([sys.executable, "-m", "tinyprop.cli", "train", "--resume", str(out),
                           "--no-progress", "--json"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    subprocess.run(args + [str(tmp_path / "straight")], check=True, capture_output=True,
                   timeout=120)
    a, b = _model_arrays(tmp_path / "straight"), _model_arrays(out)
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    epochs = [json.loads(x)["epoch"] for x in metrics.read_text().splitlines()]
    assert epochs == list(range(1, 301))


def test_trainer_state_load_is_all_or_nothing(tmp_path):
    from tinyprop.io import load
    from tinyprop.train import TrainConfig, train_run
    from tinyprop.train.run import Run

    cfg = TrainConfig(epochs=1, plots=False, progress=False, optimizer="momentum", lr=0.1)
    train_run(cfg, out=str(tmp_path / "a"), verbose=False)
    state = load(tmp_path / "a" / "checkpoint.safetensors")
    run = Run(cfg, verbose=False)
    trainer = run.trainer(tmp_path / "b")
    before = {k: v.numpy().copy() for k, v in run.model.state_dict().items()}
    state["optimizer"]["param_groups"][0]["params"] = [0]  # wrong: the model has 4
    with pytest.raises(ValueError):
        trainer.load_state_dict(state)
    for k, v in run.model.state_dict().items():
        assert np.array_equal(v, before[k]), k
    assert trainer.epoch == 0 and trainer.history == []


def test_runs_lists_and_compares_runs_and_loggers_follow_the_options(tmp_path, capsys):
    runs = tmp_path / "runs"
    for name in ("a", "b"):
        code, _, _ = run_cli(["train", "--data", "xor", "--epochs", "2", "--no-progress",
                              "--no-plots", "--json", "--out", str(runs / name), "--csv",
                              str(tmp_path / f"{name}.csv")], capsys)
        assert code == 0
    code, out, _ = run_cli(["runs", str(runs)], capsys)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split()[:3] == ["run", "data", "model"]
    assert [ln.split()[0] for ln in lines[1:]] == ["a", "b"] and "xor" in lines[1]
    code, out, _ = run_cli(["runs", "compare", str(runs / "a"), str(runs / "b"), "--out",
                            str(tmp_path / "cmp.png")], capsys)
    assert code == 0 and (tmp_path / "cmp.png").read_bytes()[:4] == b"\x89PNG"
    rows = (tmp_path / "a.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 3  # a header and two epochs


def test_download_command_calls_the_downloader(tmp_path, capsys, monkeypatch):
    import tinyprop.data

    calls = []
    monkeypatch.setattr(tinyprop.data, "download_dataset",
                        lambda name, root, force: calls.append((name, root, force)) or tmp_path)
    code, out, _ = run_cli(["download", "fashion-mnist", "--root", str(tmp_path)], capsys)
    assert code == 0 and calls == [("fashion-mnist", str(tmp_path), False)]
    assert str(tmp_path) in out
    code, _, err = run_cli(["download", "cifar10"], capsys)
    assert code == 2 and "'fashion-mnist'" in err and len(err.strip().splitlines()) == 1
