"""Writes are atomic: a failure or a kill mid-write leaves the previous checkpoint intact."""

from __future__ import annotations

import errno
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tinyprop.io import load, save

OLD = {"w": np.arange(4.0), "epoch": 1}
NEW = {"w": np.zeros(1000), "epoch": 2}


@pytest.fixture
def old_ckpt(ckpt):
    save(OLD, ckpt)
    return ckpt


def assert_only_old(path, assert_same) -> None:
    assert_same(OLD, load(path))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "a temp file was left"


@pytest.mark.parametrize("target", ["replace", "fsync", "chmod"])
def test_failure_after_writing_keeps_the_old_file(old_ckpt, monkeypatch, assert_same, target):
    def fail(*args, **kwargs):
        raise OSError(errno.EIO, f"injected {target} failure")

    monkeypatch.setattr(os, target, fail)
    with pytest.raises(OSError, match=f"injected {target}"):
        save(NEW, old_ckpt)
    monkeypatch.undo()
    assert_only_old(old_ckpt, assert_same)


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt()])
def test_failure_mid_write_keeps_the_old_file(old_ckpt, monkeypatch, assert_same, error):
    real_fdopen = os.fdopen
    seen = []

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            seen.extend(sorted(p.name for p in old_ckpt.parent.iterdir()))
            raise error

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(type(error)):
        save(NEW, old_ckpt)
    monkeypatch.undo()
    # the temporary file lived next to the checkpoint, then was removed
    assert len(seen) == 2 and seen[0].startswith(".ckpt.safetensors.") and seen[0].endswith(".tmp")
    assert_only_old(old_ckpt, assert_same)


def test_unsavable_object_touches_nothing(old_ckpt, assert_same):
    with pytest.raises(TypeError):
        save({"w": np.ones(2), "bad": object()}, old_ckpt)
    assert_only_old(old_ckpt, assert_same)


def test_write_order_is_write_fsync_replace_fsync_dir(ckpt, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src, dst):
        events.append("replace")
        assert os.path.dirname(os.path.abspath(src)) == str(ckpt.parent)
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    save(NEW, ckpt)
    assert events == ["fsync file", "replace", "fsync dir"]


def test_missing_directory_and_directory_target(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory does not exist"):
        save(OLD, tmp_path / "no" / "ckpt.safetensors")
    with pytest.raises(IsADirectoryError):
        save(OLD, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_file_mode_follows_umask_or_the_old_file(ckpt):
    mask = os.umask(0o027)
    try:
        save(OLD, ckpt)
    finally:
        os.umask(mask)
    assert stat.S_IMODE(ckpt.stat().st_mode) == 0o640
    ckpt.chmod(0o600)
    save(NEW, ckpt)
    assert stat.S_IMODE(ckpt.stat().st_mode) == 0o600


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from tinyprop.io import save

    path, n = sys.argv[1], 2_000_000
    save({"w": np.zeros(n, np.float32), "step": 0}, path)
    print("ready", flush=True)
    step = 0
    while True:
        step += 1
        save({"w": np.full(n, step, np.float32), "step": step, "tag": "x" * step}, path)
    """
)


def test_sigkill_mid_save_leaves_a_loadable_checkpoint(tmp_path):
    rng = random.Random(1234)
    path = tmp_path / "ckpt.safetensors"
    steps = []
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.02, 0.4))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=10)
            proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        ckpt = load(path)  # whatever the kill interrupted, the last complete save is here
        step = ckpt["step"]
        assert ckpt["w"].shape == (2_000_000,) and np.all(ckpt["w"] == step)
        assert ckpt.get("tag", "") == "x" * step
        steps.append(step)
        leftovers = {p.name for p in tmp_path.iterdir()} - {path.name}
        assert all(n.startswith(".ckpt.safetensors.") and n.endswith(".tmp") for n in leftovers)
    assert max(steps) > 0, "the writer never got past its first save; the test saw nothing"
