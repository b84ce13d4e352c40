"""Suite-wide settings: in CI a test skipped for a missing dependency is a failure.

One mechanism covers both kinds of optional dependency:

- a Python package: ``pytest.importorskip("torch")`` (in a test or at module level);
- a system tool: ``@pytest.mark.requires_tool("graphviz")`` on a test, or the
  ``require_tool`` fixture (``require_tool("fashion-mnist")``) where only some cases
  need it. The tools are listed in ``TOOLS``; ``.ci/run`` installs each with apt.

Outside CI such a test is skipped with a reason that says what to install. In CI
(``CI=true``), where everything is installed, the same skip is turned into a failure,
so a missing install step cannot hide behind a green run.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tinyprop.data.mnist import DEBIAN_FASHION_MNIST

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# A skip whose reason contains one of these says that something the suite needs is missing.
MISSING = ("could not import", "No module named", "not installed")


def _fashion_mnist_installed() -> bool:
    return len(list(DEBIAN_FASHION_MNIST.glob("*-ubyte.gz"))) >= 4


# name: (is it there?, the skip reason when it is not; each reason says "not installed")
TOOLS = {
    "graphviz": (
        lambda: shutil.which("dot") is not None,
        "Graphviz is not installed: no `dot` on PATH (apt-get install graphviz)",
    ),
    "fashion-mnist": (
        _fashion_mnist_installed,
        f"Fashion-MNIST is not installed in {DEBIAN_FASHION_MNIST} "
        "(apt-get install dataset-fashion-mnist)",
    ),
    "tmux": (
        lambda: shutil.which("tmux") is not None,
        "tmux is not installed: no `tmux` on PATH (apt-get install tmux)",
    ),
    "chromium": (  # the playground's browser tests drive Debian's Chromium (Playwright)
        lambda: os.path.exists("/usr/bin/chromium"),
        "Chromium is not installed: no /usr/bin/chromium (apt-get install chromium)",
    ),
}


def require_tool(name: str) -> None:
    """Skip the running test unless the system tool ``name`` (a key of ``TOOLS``) is there.

    The skip reason says "not installed", which CI turns into a failure.
    """
    try:
        present, reason = TOOLS[name]
    except KeyError:
        raise ValueError(f"unknown tool {name!r}; expected one of {sorted(TOOLS)}") from None
    if not present():
        pytest.skip(reason)


@pytest.fixture(name="require_tool")
def require_tool_fixture():
    """``require_tool(name)`` inside a test, for tests that need a tool only in some cases."""
    return require_tool


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for marker in item.iter_markers("requires_tool"):
        for name in marker.args:
            require_tool(name)


def _fail_in_ci(report) -> None:
    if IN_CI and report.skipped:
        text = str(report.longrepr)
        if any(phrase in text for phrase in MISSING):
            report.outcome = "failed"
            report.longrepr = f"CI requires every test dependency, but a test was skipped: {text}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module-level ``pytest.importorskip`` skips at collection: the same rule applies."""
    outcome = yield
    _fail_in_ci(outcome.get_result())
