"""What the playground tests share: the Chromium command and the server process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
CLI = [sys.executable, "-c", "import sys; from tinyprop.cli import main; sys.exit(main())"]


def start_server(*args: str, cwd=None) -> tuple[subprocess.Popen, str]:
    """Start ``tinyprop playground`` and return (the process, its URL); its stderr goes
    to a temporary file (``proc.log``), which a pipe nobody reads could block."""
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen([*CLI, "playground", "--port", "0", "--no-browser", "--json", *args],
                            stdout=subprocess.PIPE, stderr=log, text=True, cwd=cwd)
    proc.log = log
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=10)
        raise RuntimeError(f"the playground did not start: {server_log(proc)}")
    return proc, json.loads(line)["url"]


def server_log(proc) -> str:
    """What the server wrote to stderr (the file is closed after this)."""
    proc.log.seek(0)
    text = proc.log.read()
    proc.log.close()
    return text


def stop_server(proc: subprocess.Popen) -> int:
    """Ctrl-C, as a person would; the return code (0 for a clean stop)."""
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        code = -9
    proc.stdout.close()
    return code
