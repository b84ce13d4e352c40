"""Sweep overhead and scaling on a local Dask cluster (not a test: nothing is asserted).

    python benchmarks/sweep_bench.py            # 16 digits trials, 1 vs 2 workers
    python benchmarks/sweep_bench.py --quick    # 4 short trials: checks that it runs

Two figures, each on warm clusters (worker processes started and tinyprop imported in
them before the clock starts; the cluster start is reported on its own):

- per-trial overhead: the sweep's wall time on one worker, divided by the trials, minus
  the mean time each trial spent in ``train_run`` (data, model, training, files).
  Target: under 0.3 s.
- scaling: the same trials on two workers and on one, side by side (interleaved rounds,
  the median ratio). Target on a 2-core machine: at most 0.6x.

The load average and the other busy processes are printed: on a shared machine they
are what limits the ratio. For reference the script also runs the same trials with no
Dask at all, in one plain process and split over two (``--no-baseline`` skips it): the
ratio of those is what the machine's two cores give two busy processes, the best a
sweep can do here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def busy_processes(limit: int = 5) -> list[str]:
    try:
        import psutil
    except ImportError:
        return []
    procs = []
    for p in psutil.process_iter(["pid", "name", "cpu_percent"]):
        procs.append(p)
    time.sleep(0.5)
    rows = []
    me = os.getpid()
    for p in procs:
        try:
            cpu = p.cpu_percent(None)
        except psutil.Error:
            continue
        if cpu > 10 and p.pid != me:
            rows.append((cpu, f"{p.info['name']} (pid {p.pid}) {cpu:.0f}% cpu"))
    return [text for _, text in sorted(rows, reverse=True)[:limit]]


def sweep_once(client, out: Path, trials: int, epochs: int) -> tuple[float, list[float]]:
    import tinyprop.sweep as sweep

    seeds = trials // 2
    start = time.perf_counter()
    frame = sweep.run({"lr": [0.1, 0.5]}, seeds=seeds, data="digits", epochs=epochs,
                      scheduler=client, out=out, progress=False, plots=False)
    wall = time.perf_counter() - start
    assert set(frame["status"]) == {"done"}, frame[["id", "status", "error"]]
    return wall, list(frame["wall_time_s"])


_PLAIN = """
import sys, tempfile, time
from threadpoolctl import threadpool_limits
from tinyprop.train import TrainConfig, train_run
first, count, epochs = (int(a) for a in sys.argv[1:4])
with threadpool_limits(1):
    start = time.perf_counter()
    for seed in range(first, first + count):
        train_run(TrainConfig(data="digits", epochs=epochs, seed=seed, plots=False,
                              progress=False), out=tempfile.mkdtemp() + "/r", verbose=False)
print(time.perf_counter() - start)
"""


def plain_processes(n: int, trials: int, epochs: int) -> float:
    """Wall time of ``trials`` digits runs split over ``n`` plain processes (no Dask),
    each process timing its own runs after its imports; the slowest process counts."""
    import subprocess

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    share = trials // n
    procs = [subprocess.Popen([sys.executable, "-c", _PLAIN, str(i * share), str(share),
                               str(epochs)], env=env, stdout=subprocess.PIPE, text=True)
             for i in range(n)]
    return max(float(p.communicate()[0].strip().splitlines()[-1]) for p in procs)


def warm(client, root: Path) -> None:
    """Import tinyprop and load digits in every worker (one trial per worker)."""
    import tinyprop.sweep as sweep

    n = len(client.scheduler_info()["workers"])
    sweep.run(seeds=max(n, 2), data="digits", epochs=1, scheduler=client,
              out=root / f"warm-{time.monotonic_ns()}", progress=False, plots=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=60,
                        help="epochs per digits trial (default 60: about 0.4 s each)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the same trials in plain processes (no Dask)")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.epochs, args.rounds = 4, 2, 1
    root = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    try:
        return measure(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(args, root: Path) -> int:
    from tinyprop.sweep._engine import open_client

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for line in busy_processes():
        print(f"  busy: {line}")
    t0 = time.perf_counter()
    with open_client(None, 1) as one, open_client(None, 2) as two:
        start_s = time.perf_counter() - t0
        warm(one, root)
        warm(two, root)
        walls = {1: [], 2: []}
        own = []
        for r in range(args.rounds):
            for n, client in ((1, one), (2, two)):
                wall, trial_walls = sweep_once(client, root / f"r{r}-w{n}", args.trials,
                                               args.epochs)
                walls[n].append(wall)
                if n == 1:
                    own.append(statistics.mean(trial_walls))
    overhead = [w / args.trials - o for w, o in zip(walls[1], own)]
    ratio = [b / a for a, b in zip(walls[1], walls[2])]
    print(f"two local clusters (1 and 2 workers) started in {start_s:.2f} s")
    print(f"{args.trials} digits trials x {args.epochs} epochs, {args.rounds} round(s):")
    print(f"  1 worker : {statistics.median(walls[1]):7.2f} s  (rounds: "
          f"{', '.join(f'{w:.2f}' for w in walls[1])})")
    print(f"  2 workers: {statistics.median(walls[2]):7.2f} s  (rounds: "
          f"{', '.join(f'{w:.2f}' for w in walls[2])})")
    print(f"  mean time in train_run per trial: {statistics.median(own):.3f} s")
    print(f"per-trial overhead (1 worker): {statistics.median(overhead):.3f} s "
          f"(target < 0.3 s)")
    print(f"scaling 2 workers / 1 worker: {statistics.median(ratio):.2f}x (target <= 0.6x)")
    if not args.no_baseline:
        plain = {n: [] for n in (1, 2)}
        for _ in range(args.rounds):
            for n in (1, 2):
                plain[n].append(plain_processes(n, args.trials, args.epochs))
        one, two = statistics.median(plain[1]), statistics.median(plain[2])
        print(f"the machine without Dask: the same trials in 1 plain process {one:.2f} s, "
              f"split over 2 processes {two:.2f} s: {two / one:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
