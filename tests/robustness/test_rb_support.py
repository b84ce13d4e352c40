"""Shared machinery of the bad-input catalog (``test_rb_catalog*.py``); holds no tests.

A catalog case is a function ``(env) -> Bad | Cli`` registered in a module's
``Registry``; :func:`check` runs it. Library cases (:class:`Bad`) assert the exception
type, that the message names what was expected AND what was received, and that nothing
was modified: parameters, gradients, optimizer and loader state, files on disk (bytes
and mtime), no new file or run directory. CLI cases (:class:`Cli`) assert exit code 2,
exactly one line on stderr (``tinyprop: error: ...``), no traceback, nothing on stdout,
and an untouched working directory.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import tinyprop as tp
from tinyprop import manual, nn, optim
from tinyprop.cli import main

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
"""Running as root, where chmod 000 blocks nothing (see :func:`unreadable_dir`)."""

# ---- the two kinds of case -----------------------------------------------------------


@dataclass
class Bad:
    """A library call that must raise ``exc``; ``expected``/``got``: substrings of the
    message (an inner tuple means "any of these"); ``guard``: what must not change."""

    call: Callable
    exc: type | tuple
    expected: tuple
    got: tuple
    guard: tuple = ()


@dataclass
class Cli:
    """``tinyprop ARGS``: exit 2, one line on stderr holding ``expected`` and ``got``."""

    args: list
    expected: tuple
    got: tuple
    guard: tuple = ()


@dataclass
class Env:
    """Where a case runs: its own ``tmp`` directory (the working directory)."""

    tmp: Path
    run_dir: Path | None = None  # a finished digits run (read-only: copy it)
    cleanups: list = field(default_factory=list)

    def copy_run(self, name: str = "run") -> Path:
        dst = self.tmp / name
        shutil.copytree(self.run_dir, dst)
        return dst


class Registry:
    """The cases of one catalog module: ``@cases.case(name, xfail=reason)``."""

    def __init__(self) -> None:
        self.cases: dict[str, tuple[Callable, str | None]] = {}

    def case(self, name: str, xfail: str | None = None):
        def register(fn):
            assert name not in self.cases, name
            self.cases[name] = (fn, xfail)
            return fn

        return register

    def params(self):
        """``pytest.param`` per case; a known gap is ``xfail(strict=True)``."""
        for name, (_, xfail) in sorted(self.cases.items()):
            marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
            yield pytest.param(name, marks=marks, id=name)

    def run(self, name: str, env: Env, capsys) -> None:
        try:
            check(self.cases[name][0](env), env, capsys)
        finally:
            for undo in env.cleanups:
                undo()


# ---- snapshots: "nothing was modified" -----------------------------------------------


def state_of(obj):
    """A deep, comparable copy of everything about ``obj`` that a failed call must keep."""
    if isinstance(obj, Path):
        if obj.is_symlink() or not obj.exists():
            return ("absent",)
        if obj.is_dir():
            return {str(p.relative_to(obj)): state_of(p) for p in sorted(obj.rglob("*"))}
        return ("file", obj.read_bytes(), obj.stat().st_mtime_ns)
    if isinstance(obj, nn.Module):
        state = {k: np.array(v, copy=True) for k, v in obj.state_dict().items()}
        grads = {
            n: None if p.grad is None else p.grad.numpy().copy() for n, p in obj.named_parameters()
        }
        return {"state": state, "grads": grads, "training": obj.training}
    if isinstance(obj, optim.Optimizer):
        groups = [{k: v for k, v in g.items() if k != "params"} for g in obj.param_groups]
        return {"state_dict": copy.deepcopy(obj.state_dict()), "groups": copy.deepcopy(groups)}
    if isinstance(obj, tp.Tensor):
        return (obj.numpy().copy(), None if obj.grad is None else obj.grad.numpy().copy())
    if isinstance(obj, manual.Layer):
        return {
            "params": {k: v.copy() for k, v in obj.parameters().items()},
            "grads": {k: v.copy() for k, v in obj.gradients().items()},
        }
    if isinstance(obj, manual.LogisticRegression | manual.MLP):
        return {
            "params": {k: v.copy() for k, v in obj.params.items()},
            "grads": {k: v.copy() for k, v in obj.grads.items()},
        }
    if hasattr(obj, "coefs_"):  # a fitted scikit-learn style estimator
        return [a.copy() for a in obj.coefs_ + obj.intercepts_]
    if hasattr(obj, "state_dict"):  # DataLoader, schedulers
        return copy.deepcopy(obj.state_dict())
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, dict):
        return {k: state_of(v) for k, v in obj.items()}
    if callable(obj):
        return copy.deepcopy(obj())
    raise TypeError(f"no snapshot for {type(obj).__name__}")


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def says(message: str, needles: tuple) -> list:
    """The needles missing from ``message`` (an inner tuple: any one of them will do)."""
    missing = []
    for needle in needles:
        options = needle if isinstance(needle, tuple) else (needle,)
        if not any(o in message for o in options):
            missing.append(needle)
    return missing


# ---- shared builders -----------------------------------------------------------------


def mlp(hidden: int = 8, seed: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(4, hidden, generator=seed), nn.Tanh(), nn.Linear(hidden, 3, generator=seed + 1)
    )


def trained(model, opt_cls=optim.Adam, **kw):
    """``model`` and an optimizer after two steps (so the optimizer has state)."""
    opt = opt_cls(model.parameters(), **({"lr": 0.01} | kw))
    x = tp.tensor(np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32))
    for _ in range(2):
        opt.zero_grad()
        tp.cross_entropy(model(x), [0, 1, 2, 0, 1, 2]).backward()
        opt.step()
    return opt


def manual_net() -> manual.Network:
    return manual.Network(
        [manual.Linear(4, 3, generator=0), manual.Tanh(), manual.Linear(3, 2, generator=1)]
    )


def write_mnist(root: Path, n_train: int = 3, n_test: int = 2) -> Path:
    from tinyprop.data import write_idx

    root.mkdir(parents=True, exist_ok=True)
    write_idx(root / "train-images-idx3-ubyte.gz", np.zeros((n_train, 28, 28), np.uint8))
    write_idx(root / "train-labels-idx1-ubyte.gz", np.arange(n_train, dtype=np.uint8) % 10)
    write_idx(root / "t10k-images-idx3-ubyte.gz", np.zeros((n_test, 28, 28), np.uint8))
    write_idx(root / "t10k-labels-idx1-ubyte.gz", np.arange(n_test, dtype=np.uint8) % 10)
    return root


def truncate(path: Path, keep: float = 0.5) -> Path:
    blob = path.read_bytes()
    path.write_bytes(blob[: int(len(blob) * keep)])
    return path


def unreadable_dir(env: Env) -> Path:
    """A data root whose dataset directory cannot be read. Not root: ``chmod 000`` on it.
    As root, chmod blocks nothing, so the dataset "directory" ``root/mnist`` is a file."""
    root = env.tmp / "data-root"
    if ROOT:
        root.mkdir()
        (root / "mnist").write_bytes(b"a file where the dataset directory should be")
        return root
    write_mnist(root / "mnist")
    root.chmod(0)
    env.cleanups.append(lambda: root.chmod(0o755))
    return root


def write_raw_checkpoint(path: Path, tensors: dict, doc: dict) -> Path:
    """A safetensors file with hand-made tinyprop metadata and a correct checksum."""
    from safetensors.numpy import save as st_save

    from tinyprop.io._tree import digest

    meta = json.dumps(doc)
    metadata = {"tinyprop": meta, "tinyprop.sha256": digest(meta, tensors)}
    path.write_bytes(st_save(tensors, metadata=metadata))
    return path


def edit_run_config(run: Path, edit: Callable[[dict], None]) -> Path:
    meta = json.loads((run / "config.json").read_text())
    edit(meta)
    (run / "config.json").write_text(json.dumps(meta))
    return run


# ---- running a case -----------------------------------------------------------------


def make_env(tmp_path: Path, monkeypatch, run_dir: Path | None = None) -> Env:
    """Work in ``tmp_path`` with a private HOME and no TINYPROP_DATA."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TINYPROP_DATA", raising=False)
    return Env(tmp_path, run_dir)


def check(bad, env: Env, capsys) -> None:
    assert bad.expected and bad.got, "each case checks both what was expected and what was got"
    guards = [state_of(g) for g in bad.guard]
    tree = state_of(env.tmp)
    run_tree = state_of(env.run_dir) if env.run_dir else None
    capsys.readouterr()
    if isinstance(bad, Cli):
        code = main(bad.args)
        out, err = capsys.readouterr()
        assert code == 2, (code, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("tinyprop: error: ") and "Traceback" not in err
        assert out == "", out
        message = lines[0]
    else:
        with pytest.raises(bad.exc) as info:
            bad.call()
        message = str(info.value)
    assert not says(message, bad.expected), f"expected-part {bad.expected} not in: {message}"
    assert not says(message, bad.got), f"received-part {bad.got} not in: {message}"
    for g, before in zip(bad.guard, guards):
        assert same(state_of(g), before), f"{type(g).__name__} was modified"
    assert same(state_of(env.tmp), tree), "files under the working directory changed"
    assert not (env.tmp / "runs").exists(), "a run directory was created"
    if env.run_dir:
        assert same(state_of(env.run_dir), run_tree), "the shared run directory changed"
