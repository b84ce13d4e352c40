"""Lazy matplotlib import and headless backend choice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_python(code: str, **env_changes) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("MPLBACKEND", None)
    env.update(env_changes)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_import_viz_does_not_import_matplotlib():
    out = run_python(
        "import sys, tinyprop.viz, tinyprop.viz.graph, tinyprop.viz.plots;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    assert out == "[]"


def test_pyplot_selects_agg_when_headless():
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    out = run_python(
        "from tinyprop.viz import _mpl; plt = _mpl.pyplot(); import matplotlib;"
        "print(matplotlib.get_backend().lower())"
    )
    assert out == "agg"


def test_pyplot_keeps_the_users_backend():
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    out = run_python(
        "from tinyprop.viz import _mpl; plt = _mpl.pyplot(); import matplotlib;"
        "print(matplotlib.get_backend().lower())",
        MPLBACKEND="svg",
    )
    assert out == "svg"
    out = run_python(
        "import matplotlib; matplotlib.use('pdf');"
        "from tinyprop.viz import _mpl; _mpl.pyplot(); print(matplotlib.get_backend().lower())"
    )
    assert out == "pdf"
