"""Suite-wide settings: in CI a test skipped for a missing dependency is a failure."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        text = str(report.longrepr)
        if "could not import" in text or "No module named" in text or "not installed" in text:
            report.outcome = "failed"
            report.longrepr = f"CI requires every test dependency, but a test was skipped: {text}"
