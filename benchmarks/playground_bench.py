"""How fast the playground is, measured in a real browser (Chromium through Playwright).

    python benchmarks/playground_bench.py            # 10 s of play, 20 control changes
    python benchmarks/playground_bench.py --quick    # 3 s, 5 changes: checks it runs

Starts ``tinyprop playground`` on a free port, opens the page headless in Chromium
(``--chromium``, default /usr/bin/chromium) with a 2-8-8-2 network (the issue's 2-8-8-1
with tinyprop's two-logit classifier output), 500 circles points and the 100 x 100
boundary grid, presses play and counts:

- **updates per second**: frames the page has *drawn* (boundary, every neuron picture,
  weights, both charts), over the measuring window, after a 1 s warm-up;
- **control latency**: from the moment a control changes on the page (its ``change``
  event) to the moment the first frame computed with the new setting has been drawn,
  for a learning-rate change (takes effect on the next minibatch) and for an activation
  change (rebuilds the network), both while training runs.

Targets (issue 17): at least 20 updates per second, a control change visible within
100 ms. Prints a table and writes ``playground.json`` / ``playground.txt`` into ``--out``
(default ``benchmarks/results/``). Not part of the test command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETUP = "hidden=8,8&activations=tanh,tanh&n_points=500&dataset=circles&batch_size=10"


def start_server() -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-c", "import sys; from tinyprop.cli import main; sys.exit(main())",
           "playground", "--port", "0", "--no-browser", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, json.loads(proc.stdout.readline())["url"]


def stats(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.playground.stats))")


def measure_fps(page, seconds: float) -> dict:
    page.click("#play")
    time.sleep(1.0)  # warm-up
    a, t0 = stats(page), time.perf_counter()
    time.sleep(seconds)
    b, t1 = stats(page), time.perf_counter()
    step = page.evaluate("() => window.playground.state().frame.step")
    return {"updates_per_s": (b["frames"] - a["frames"]) / (t1 - t0),
            "window_s": t1 - t0, "frames": b["frames"] - a["frames"], "steps_at_end": step}


def measure_latency(page, n: int, kind: str) -> list[float]:
    """n control changes while playing; the page's own timings (ms)."""
    before = len(stats(page)["latencies"])
    for i in range(n):
        if kind == "lr":
            page.select_option("#lr", "0.1" if i % 2 == 0 else "0.03")
        else:
            page.select_option(".activation[data-layer='0']", "relu" if i % 2 == 0 else "tanh")
        page.wait_for_function("n => window.playground.stats.latencies.length > n",
                               arg=before + i)
        time.sleep(0.25)
    return stats(page)["latencies"][before:before + n]


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"n": len(values), "median_ms": statistics.median(values),
            "p95_ms": values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))],
            "max_ms": values[-1]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--changes", type=int, default=20)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = p.parse_args()
    if args.quick:
        args.seconds, args.changes = 3.0, 5
    from playwright.sync_api import sync_playwright

    proc, url = start_server()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1300, "height": 1000},
                                       bypass_csp=True).new_page()
            page.goto(f"{url}#{SETUP}")
            page.wait_for_function("() => window.playground && window.playground.stats.inits")
            fps = measure_fps(page, args.seconds)
            lr = summary(measure_latency(page, args.changes, "lr"))
            act = summary(measure_latency(page, args.changes, "activation"))
            browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        proc.stdout.close()
    res = {"setup": SETUP, "boundary_grid": "100x100", "cpus": os.cpu_count(),
           "machine": platform.platform(), "python": platform.python_version(),
           "fps": fps, "latency_lr": lr, "latency_activation": act,
           "targets": [
               {"target": ">= 20 updates per second", "met": fps["updates_per_s"] >= 20},
               {"target": "control change visible within 100 ms (lr, p95)",
                "met": lr["p95_ms"] <= 100},
               {"target": "control change visible within 100 ms (activation, p95)",
                "met": act["p95_ms"] <= 100}]}
    lines = [f"playground, 2-8-8-2 network, 500 points, 100x100 boundary, {os.cpu_count()} CPUs",
             f"  updates drawn per second: {fps['updates_per_s']:.1f} "
             f"({fps['frames']} frames in {fps['window_s']:.1f} s)"]
    for name, s in (("learning rate", lr), ("activation (rebuild)", act)):
        lines.append(f"  control -> drawn, {name:21s} median {s['median_ms']:.0f} ms, "
                     f"p95 {s['p95_ms']:.0f} ms, max {s['max_ms']:.0f} ms (n={s['n']})")
    for t in res["targets"]:
        lines.append(f"  [{'met' if t['met'] else 'NOT met'}] {t['target']}")
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "playground.json").write_text(json.dumps(res, indent=2) + "\n")
    (out / "playground.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
