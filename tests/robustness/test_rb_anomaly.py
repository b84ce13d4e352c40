"""Anomaly mode (issue 8): inside ``tp.detect_anomaly()`` the first NaN or infinity raises
``tp.AnomalyError`` naming the op (or its backward) and the user's line that created it;
outside the block nothing is raised; ``tinyprop train --detect-anomaly`` runs end to end."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import anomaly, nn
from tinyprop.cli import main

HERE = Path(__file__).name


def here() -> int:
    """The line number of the caller (the line that calls ``here()``)."""
    return inspect.currentframe().f_back.f_lineno


def where(line: int) -> str:
    return f"{HERE}:{line}"


# ---- forward --------------------------------------------------------------------------


def test_forward_names_the_first_op_and_its_line():
    x = tp.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2  # finite
    with tp.detect_anomaly(), pytest.raises(tp.AnomalyError) as info:
        line = here() + 1
        b = tp.log(a - 3)  # log(-1): the first NaN
        b.exp()  # never reached
    msg = str(info.value)
    assert msg.startswith("Log produced NaN in its forward pass"), msg
    assert where(line) in msg and "test_forward_names_the_first_op_and_its_line" in msg
    assert isinstance(info.value, FloatingPointError)  # AnomalyError is one


def test_forward_infinity_from_overflow_and_division():
    x = tp.tensor([1.0, 1000.0], requires_grad=True)
    with tp.detect_anomaly():
        with (
            pytest.raises(tp.AnomalyError, match="Exp produced infinity") as info,
            np.errstate(all="ignore"),
        ):
            line = here() + 1
            x.exp()
        assert where(line) in str(info.value)
        zero = tp.tensor([0.0, 1.0])
        with (
            pytest.raises(tp.AnomalyError, match="Div produced infinity") as info,
            np.errstate(all="ignore"),
        ):
            line = here() + 1
            tp.tensor([1.0, 1.0]) / zero  # not recorded, checked
        assert where(line) in str(info.value)
        with tp.no_grad(), pytest.raises(tp.AnomalyError, match="Sqrt produced NaN"):
            tp.sqrt(-x)


def test_forward_inside_a_module_names_the_callers_line():
    model = nn.Sequential(nn.Linear(3, 2, generator=0), nn.Tanh())
    with tp.no_grad():
        model[0].weight.data[0, 0] = np.inf
    x = tp.ones(4, 3)
    with tp.detect_anomaly(), pytest.raises(tp.AnomalyError) as info:
        line = here() + 1
        model(x)
    msg = str(info.value)
    assert "produced" in msg and where(line) in msg, msg
    assert "tinyprop/nn" not in msg  # the user's line, not the library's


# ---- backward -------------------------------------------------------------------------


def test_backward_names_the_ops_backward_and_its_creation_line():
    x = tp.tensor([0.0, 4.0], requires_grad=True)
    with tp.detect_anomaly():
        z = x * 1.0
        line = here() + 1
        y = z.sqrt()  # finite forward, infinite gradient at 0
        loss = (y * 3).sum()
        with pytest.raises(tp.AnomalyError) as info:
            loss.backward()
    msg = str(info.value)
    assert msg.startswith("SqrtBackward returned a non-finite gradient"), msg
    assert where(line) in msg
    assert x.grad is None  # stopped before the gradient reached the leaf


def test_backward_nan_from_zero_times_infinity():
    x = tp.tensor([0.0, 1.0], requires_grad=True)
    with tp.detect_anomaly():
        line = here() + 1
        y = x.sqrt()
        loss = (y * 0.0).sum()  # forward 0: finite; backward: 0 * inf = NaN in SqrtBackward
        with pytest.raises(tp.AnomalyError) as info, np.errstate(all="ignore"):
            loss.backward()
    msg = str(info.value)
    assert msg.startswith("SqrtBackward returned a non-finite gradient") and where(line) in msg


def test_graph_built_outside_checked_only_by_a_backward_inside():
    x = tp.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt().sum()  # built with anomaly mode off: no creation line was recorded
    with tp.detect_anomaly(), pytest.raises(tp.AnomalyError, match="SqrtBackward") as info:
        y.backward(retain_graph=True)
    assert "<unknown>" in str(info.value)
    x.grad = None
    y.backward()  # outside the block: the infinite gradient passes silently
    assert np.isinf(x.grad.data[0])


# ---- only inside the block --------------------------------------------------------------


def test_nothing_is_raised_outside_the_block():
    x = tp.tensor([-1.0, 0.0], requires_grad=True)
    with np.errstate(all="ignore"):
        y = tp.log(x).sum()  # NaN and -inf, as in NumPy
        y.backward()
    assert np.isnan(y.item()) and not np.isfinite(x.grad.data).all()
    assert not anomaly.enabled()


def test_the_mode_is_restored_after_an_error_and_nests():
    x = tp.tensor([-1.0], requires_grad=True)
    with pytest.raises(tp.AnomalyError), tp.detect_anomaly():
        tp.log(x)
    assert not anomaly.enabled()
    with tp.detect_anomaly():
        with tp.detect_anomaly(check_nan=False), np.errstate(all="ignore"):
            assert not anomaly.enabled()
            assert np.isnan(tp.log(x).item())
        assert anomaly.enabled()
        with pytest.raises(tp.AnomalyError):
            tp.log(x)
    assert not anomaly.enabled()


def test_decorator_form():
    @tp.detect_anomaly()
    def step(t):
        return tp.log(t)

    with pytest.raises(tp.AnomalyError, match="Log"):
        step(tp.tensor([-2.0]))
    assert not anomaly.enabled()
    with np.errstate(all="ignore"):
        assert np.isnan(tp.log(tp.tensor([-2.0])).item())


def test_finite_computations_are_unchanged_by_the_mode():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 5)).astype(np.float32), rng.integers(0, 3, 16)

    def grads():
        model = nn.Sequential(nn.Linear(5, 7, generator=1), nn.ReLU(), nn.Linear(7, 3, generator=2))
        tp.cross_entropy(model(tp.tensor(X)), y).backward()
        return [p.grad.numpy().copy() for p in model.parameters()]

    plain = grads()
    with tp.detect_anomaly():
        checked = grads()
    for a, b in zip(plain, checked):
        np.testing.assert_array_equal(a, b)


# ---- the command line -------------------------------------------------------------------


def _model(run_dir: Path) -> dict:
    return tp.load(run_dir / "model.safetensors")


def test_cli_detect_anomaly_completes_a_normal_run(tmp_path, capsys):
    args = ["train", "--epochs", "2", "--no-progress", "--no-plots", "--json", "--out"]
    assert main([*args, str(tmp_path / "plain")]) == 0
    capsys.readouterr()
    assert main([*args, str(tmp_path / "checked"), "--detect-anomaly"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["status"] == "completed" and summary["epochs"] == 2
    assert summary["test_accuracy"] > 0.9
    config = json.loads((tmp_path / "checked" / "config.json").read_text())
    assert config["config"]["detect_anomaly"] is True
    assert not anomaly.enabled()
    plain, checked = _model(tmp_path / "plain"), _model(tmp_path / "checked")
    for k in plain:  # the checks change no number
        np.testing.assert_array_equal(plain[k], checked[k])


def test_cli_detect_anomaly_with_the_manual_engine(tmp_path, capsys):
    out = str(tmp_path / "m")
    args = ["--epochs", "1", "--detect-anomaly", "--no-progress", "--no-plots", "--json"]
    code = main(["train", "--engine", "manual", *args, "--out", out])
    assert code == 0 and json.loads(capsys.readouterr().out)["status"] == "completed"


def _diverge(tmp_path, capsys):
    args = ["--epochs", "2", "--detect-anomaly", "--no-progress", "--no-plots"]
    code = main(["train", "--lr", "1e38", *args, "--out", str(tmp_path / "boom")])
    out, err = capsys.readouterr()
    return code, err


def test_cli_detect_anomaly_reports_the_op_in_one_line(tmp_path, capsys):
    code, err = _diverge(tmp_path, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tinyprop: error: "), err
    assert "produced" in lines[0] and ("NaN" in lines[0] or "infinity" in lines[0])
    assert "Traceback" not in err and not anomaly.enabled()


def test_cli_anomaly_location_is_not_the_caller_of_main(tmp_path, capsys):
    _, err = _diverge(tmp_path, capsys)
    assert HERE not in err, err


def test_cli_anomaly_run_directory_is_finished_like_a_divergence(tmp_path, capsys):
    _diverge(tmp_path, capsys)
    summary = json.loads((tmp_path / "boom" / "summary.json").read_text())
    assert summary["status"] in ("diverged", "anomaly")
