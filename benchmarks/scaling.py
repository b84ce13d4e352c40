"""Scaling curves: one SGD step of a 784-H-10 ReLU MLP against hidden width and batch size.

    python benchmarks/scaling.py                 # the grid below, a couple of minutes
    python benchmarks/scaling.py --quick         # three points per curve: checks it runs
    python benchmarks/scaling.py --out DIR       # where scaling.json / scaling.png go

Two curves, each sampled at powers of 4: step time against the hidden width
(16 ... 4096, batch 128) and against the batch size (1 ... 4096, width 256), for
tinyprop's autograd and manual engines, PyTorch and JAX (jit). Like ``run.py`` it runs
without ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` and each library in its own process,
with interleaved rounds; it prints where tinyprop's autograd engine stops being the
fastest (the crossover points) and draws ``scaling.png``.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blasenv import jit_as_in_a_long_run, restart_without_handicap  # noqa: E402

if __name__ == "__main__":
    restart_without_handicap(__file__)  # before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pool as P  # noqa: E402
import run  # noqa: E402

WIDTHS = [16, 64, 256, 1024, 4096]
BATCHES = [1, 4, 16, 64, 256, 1024, 4096]
FIXED_BATCH, FIXED_WIDTH = 128, 256
NAMES = ["tinyprop-autograd", "tinyprop-manual", "pytorch", "jax-jit"]


def _number(width: int, batch: int) -> int:
    """Calls per round: about 40 ms of work at NumPy speed (at least 3)."""
    flops = 6 * batch * (784 * width + width * 10) + 20e3
    return max(3, min(2000, int(0.04 / (flops / 150e9 + 40e-6))))


def curve(pool, names, points, rounds: int) -> dict:
    """{name: [seconds per step at each (width, batch) point]}."""
    out = {n: [] for n in names}
    for width, batch in points:
        keys = {n: f"{n}:{width}x{batch}" for n in names}
        number = _number(width, batch)
        for n, k in keys.items():
            pool.add(k, "scale", n, warmup=max(2, number // 10), width=width, batch=batch)
        best = P.interleaved(pool, list(keys.values()), rounds, number)
        for n, k in keys.items():
            out[n].append(best[k])
            pool.drop(k)
        print(f"  width {width:5d} batch {batch:5d}: " + "  ".join(
            f"{n} {best[k] * 1e6:9.1f} us" for n, k in keys.items()), flush=True)
    return out


def crossovers(xs, mine, theirs) -> list:
    """Where ``mine / theirs`` crosses 1, interpolated on log-log axes: (x, direction)."""
    found = []
    for i in range(len(xs) - 1):
        r0, r1 = math.log(mine[i] / theirs[i]), math.log(mine[i + 1] / theirs[i + 1])
        if (r0 < 0) != (r1 < 0):
            lx0, lx1 = math.log(xs[i]), math.log(xs[i + 1])
            x = math.exp(lx0 + (lx1 - lx0) * r0 / (r0 - r1))
            found.append({"at": round(x), "tinyprop_faster": "below" if r0 < 0 else "above"})
    return found


def summary(res: dict) -> list[str]:
    """Per curve and per other library: the time ratio at each point, where tinyprop's
    autograd engine is faster, and the interpolated crossover points."""
    lines = []
    for axis, xs, fixed in (("width", res["widths"], f"batch {FIXED_BATCH}"),
                            ("batch", res["batches"], f"width {FIXED_WIDTH}")):
        times = res[f"by_{axis}"]
        mine = times["tinyprop-autograd"]
        others = [n for n in times if n in ("pytorch", "jax-jit")]
        fastest = [x for i, x in enumerate(xs) if all(mine[i] < times[o][i] for o in others)]
        lines.append(f"({fixed}) tinyprop autograd is the fastest of "
                     f"{', '.join(['tinyprop autograd', *others])} at {axis} "
                     f"{', '.join(map(str, fastest)) or 'none of the sampled points'}")
        for other in others:
            ratios = ", ".join(f"{x}: {m / t:.2f}" for x, m, t in zip(xs, mine, times[other]))
            cross = crossovers(xs, mine, times[other])
            where = "; ".join(f"~{c['at']} (tinyprop faster {c['tinyprop_faster']})"
                              for c in cross) or "none in the sampled range"
            lines.append(f"  vs {other}: time ratio by {axis} {ratios}; crossovers at "
                         f"{axis} {where}")
    return lines


def plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, axis, xs, title in ((axes[0], "width", res["widths"],
                                 f"step time vs hidden width (batch {FIXED_BATCH})"),
                                (axes[1], "batch", res["batches"],
                                 f"step time vs batch size (width {FIXED_WIDTH})")):
        for name, ts in res[f"by_{axis}"].items():
            style = "-o" if name.startswith("tinyprop") else "--s"
            ax.plot(xs, [t * 1e6 for t in ts], style, label=name, markersize=4)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("hidden width" if axis == "width" else "batch size")
        ax.set_ylabel("microseconds per SGD step")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("784-H-10 ReLU MLP, one SGD step (forward, cross-entropy, backward, update)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="three points per curve")
    p.add_argument("--out", default=str(Path(__file__).parent / "results"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--isolate", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--keep-blas-env", action="store_true")
    args = p.parse_args(argv)
    jit_as_in_a_long_run()  # TINYPROP_JIT=0 in the environment measures NumPy alone
    widths = [16, 256, 1024] if args.quick else WIDTHS
    batches = [1, 64, 1024] if args.quick else BATCHES
    rounds = 1 if args.quick else args.rounds
    names = run._contenders(NAMES)
    pool = (P.Isolated if args.isolate else P.Local)(args.quick)
    res = {"machine": run.machine(), "date": time.strftime("%Y-%m-%d %H:%M"),
           "isolated": args.isolate, "widths": widths, "batches": batches,
           "fixed_batch": FIXED_BATCH, "fixed_width": FIXED_WIDTH}
    try:
        print(f"step time against hidden width (batch {FIXED_BATCH})")
        res["by_width"] = curve(pool, names, [(w, FIXED_BATCH) for w in widths], rounds)
        print(f"step time against batch size (width {FIXED_WIDTH})")
        res["by_batch"] = curve(pool, names, [(FIXED_WIDTH, b) for b in batches], rounds)
        res["threadpools"] = pool.threadpools()
    finally:
        pool.close()
    res["crossovers"] = summary(res)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scaling.json").write_text(json.dumps(res, indent=2))
    plot(res, out / "scaling.png")
    print("\n".join(["", *run.blas_summary(res), "", *res["crossovers"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
