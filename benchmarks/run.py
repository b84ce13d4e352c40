"""Run tinyprop side by side with PyTorch, JAX, scikit-learn and NumPy lower bounds.

    python benchmarks/run.py            # full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # tiny settings: checks that everything runs
    python benchmarks/run.py --rounds 12  # more interleaved rounds: steadier ratios
    python benchmarks/run.py --no-isolate  # every library in this one process

Prints a table of times and ratios, and writes ``results.json`` and ``results.png``
into ``--out`` (default ``benchmarks/results/``). Libraries that are not installed are
reported as missing and skipped. Benchmarks are never part of the test command.

The script measures NumPy as a user's machine runs it: if ``OPENBLAS_CORETYPE`` or
``OPENBLAS_L2_SIZE`` is set (they pin OpenBLAS to an older, slower kernel), it starts
itself again without them -- for its own process and its workers only; the variables
must be gone before NumPy loads OpenBLAS. ``--keep-blas-env`` measures with them.
By default each library runs in its own worker process (``pool.py``), so no two
libraries' thread pools share a process; the rounds still interleave across them.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blasenv import (  # noqa: E402
    BLAS_HANDICAP,
    UNSET_NOTE,
    jit_as_in_a_long_run,
    restart_without_handicap,
)

if __name__ == "__main__":
    restart_without_handicap(__file__)  # before NumPy is imported

import argparse  # noqa: E402 - after the re-exec, which must precede NumPy
import contextlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pool as P  # noqa: E402
import workloads as W  # noqa: E402


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def fashion(quick: bool):
    """Fashion-MNIST training images (uint8) and labels; a random stand-in if missing."""
    try:
        from tinyprop.data import load_fashion_mnist

        d = load_fashion_mnist(val_size=0)
        X, y, source = d.X_train, d.y_train, "Fashion-MNIST"
    except (OSError, ValueError):
        rng = np.random.default_rng(0)
        X = rng.integers(0, 256, (60000, 784), dtype=np.uint8)
        y = rng.integers(0, 10, 60000)
        source = "random uint8 stand-in (Fashion-MNIST not installed)"
    if quick:
        X, y = X[:2048], y[:2048]
    return np.ascontiguousarray(X.reshape(len(X), -1)), y.astype(np.int64), source


def _contenders(names) -> list:
    """The contenders whose library is installed."""
    need = {"pytorch": "torch", "jax-jit": "jax", "sklearn-MLPClassifier": "sklearn"}
    return [n for n in names if n not in need or have(need[n])]


def measure_step(pool, args) -> dict:
    number, repeat = (50, 2) if args.quick else (1000, args.rounds or 10)
    names = _contenders(["tinyprop-autograd", "tinyprop-manual", "numpy-hand-fused",
                         "pytorch", "jax-jit"])
    for name in names:
        pool.add(name, "step", name, warmup=max(1, number // 10))
    out = P.interleaved(pool, names, repeat, number)
    for name in names:
        pool.drop(name)
    return out


def measure_epochs(pool, args) -> dict:
    _, _, source = fashion(args.quick)
    n = 2048 if args.quick else 60000
    batches = [128] if args.quick else [32, 128, 1024]
    repeat = 1 if args.quick else args.rounds or 7
    result = {"source": source, "n_samples": n, "batches": {}}
    names = _contenders(["tinyprop-autograd", "tinyprop-manual", "numpy-hand-fused",
                         "matmul-lower-bound", "pytorch", "jax-jit", "sklearn-MLPClassifier"])
    for batch in batches:
        # one warm-up epoch each (jit compilation, first-touch allocation), then rounds
        keys = {}
        for name in names:
            keys[name] = f"{name}@{batch}"
            pool.add(keys[name], "epoch", name, warmup=1, batch=batch)
        best = P.interleaved(pool, list(keys.values()), repeat, 1)
        result["batches"][str(batch)] = {name: best[key] for name, key in keys.items()}
        for key in keys.values():
            pool.drop(key)
    return result


def measure_ops(pool, args) -> dict:
    number, repeat = (200, 2) if args.quick else (20000, 5)
    libs = ["numpy", "tinyprop"] + (["torch"] if have("torch") else [])
    out = {}
    for op in W.OPS:
        keys = {}
        for lib in libs:
            label = "pytorch" if lib == "torch" else lib
            keys[f"{label} forward"] = (f"{lib}:{op}:f", "op-forward", number)
            if lib != "numpy":
                keys[f"{label} forward+backward"] = (f"{lib}:{op}:fb", "op-forward-backward",
                                                     number // 4)
        for key, workload, n in keys.values():
            pool.add(key, workload, key.split(":")[0], warmup=max(1, n // 10), op=op)
        best = {}
        for _ in range(repeat):  # interleaved rounds, each with its own call count
            for label, (key, _, n) in keys.items():
                best[label] = min(best.get(label, float("inf")), pool.time(key, n))
        out[op] = best
        for key, _, _ in keys.values():
            pool.drop(key)
    return out


def measure_import_and_memory(args) -> dict:
    times = []
    for _ in range(3 if args.quick else 7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tinyprop"], check=True)
        times.append(time.perf_counter() - t0)
    base = []
    for _ in range(3 if args.quick else 7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        base.append(time.perf_counter() - t0)
    # VmHWM (peak resident set) is reset by exec, unlike ru_maxrss, which would report
    # this parent's peak (PyTorch and JAX loaded) for the child
    here = str(Path(__file__).parent)
    code = (f"import sys; sys.path.insert(0, {here!r}); import workloads as W, run; "
            f"X, y, _ = run.fashion({args.quick!r}); W.epoch_tinyprop('autograd', X, y, 128)(); "
            "print(next(l.split()[1] for l in open('/proc/self/status') "
            "if l.startswith('VmHWM')))")
    rss_kb = int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout.strip().splitlines()[-1])
    return {"import_tinyprop_s": min(times) - min(base), "python_startup_s": min(base),
            "peak_rss_epoch_mb": rss_kb / 1024}


def machine() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count(),
            "blas_env": {k: os.environ[k] for k in BLAS_HANDICAP if k in os.environ},
            "blas_env_unset_for_this_run": os.environ.get(UNSET_NOTE, "")}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 - informational only
        pass
    from importlib.metadata import PackageNotFoundError, version

    info["tinyprop_jit"] = "off (TINYPROP_JIT=0)" if os.environ.get("TINYPROP_JIT") == "0" else (
        "numba" if importlib.util.find_spec("numba") else "off (numba not installed)")
    for mod, dist in (("torch", "torch"), ("jax", "jax"), ("sklearn", "scikit-learn"),
                      ("numba", "numba")):
        with contextlib.suppress(PackageNotFoundError):  # not imported into this process
            info[mod] = version(dist)
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f
                               if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return info


def fmt_time(s: float) -> str:
    return f"{s * 1e6:8.1f} us" if s < 1e-2 else f"{s:8.3f} s "


ENGINES = ("tinyprop-autograd", "tinyprop-manual")


def targets(res: dict) -> list[dict]:
    """The performance targets (issue 19), each checked on this run's ratios.

    Eager autograd is what the targets are about; the manual engine is checked on the
    same lines, and the hand-fused NumPy and matmul-only rows are checked for scale (no
    NumPy engine can beat them). A target needs its reference (PyTorch, JAX, the bound)
    in the run; it is left out otherwise.
    """
    out = []

    def check(target, name, value, limit, lower_is_better=True):
        met = value <= limit if lower_is_better else value >= limit
        out.append({"target": target, "who": name, "value": round(value, 3),
                    "limit": limit, "met": bool(met)})

    a = res["step"]
    for name in ENGINES + ("numpy-hand-fused",):
        if "pytorch" in a:
            check("(a) step time / PyTorch's <= 0.35", name, a[name] / a["pytorch"], 0.35)
        if "jax-jit" in a:
            check("(a) step time / JAX's <= 1.0", name, a[name] / a["jax-jit"], 1.0)
    if "jax-jit" in a:
        check("(a) manual step time / JAX's <= 0.7", "tinyprop-manual",
              a["tinyprop-manual"] / a["jax-jit"], 0.7)
    rows = res["epochs"]["batches"]
    for batch in ("32", "128"):
        row = rows.get(batch)
        if row is None:
            continue
        for name in ENGINES + ("numpy-hand-fused", "matmul-lower-bound"):
            if "pytorch" in row:
                check(f"(b) batch {batch} throughput / PyTorch's >= 2", name,
                      row["pytorch"] / row[name], 2.0, lower_is_better=False)
            if batch == "128" and "jax-jit" in row:
                check("(b) batch 128 throughput / JAX's >= 1.25", name,
                      row["jax-jit"] / row[name], 1.25, lower_is_better=False)
    if "1024" in rows:
        row = rows["1024"]
        for name in ENGINES + ("numpy-hand-fused",):
            check("(b) batch 1024 time / matmul bound <= 1.15", name,
                  row[name] / row["matmul-lower-bound"], 1.15)
    for batch, row in rows.items():
        check(f"(b) batch {batch} manual / autograd time <= 1", "tinyprop-manual",
              row["tinyprop-manual"] / row["tinyprop-autograd"], 1.0)
    add = res["ops"].get("add", {})
    if "tinyprop forward+backward" in add:
        check("(c) add forward+backward, 32x50 <= 6 us", "tinyprop",
              add["tinyprop forward+backward"] * 1e6, 6.0)
    d = res["import_memory"]
    check("(d) import tinyprop < 0.2 s", "tinyprop", d["import_tinyprop_s"], 0.2)
    check("(d) peak RSS of an epoch < 250 MB", "tinyprop", d["peak_rss_epoch_mb"], 250)
    return out


def blas_summary(res: dict) -> list[str]:
    """One line per process: its BLAS/OpenMP libraries, kernels and thread counts."""
    m = res["machine"]
    lines = [f"BLAS environment: {m['blas_env'] or 'OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset'}"
             + (f" (this run was started without {m['blas_env_unset_for_this_run']})"
                if m.get("blas_env_unset_for_this_run") else "")
             + f"; each library in its own process: {res['isolated']}"]
    for proc, pools in res.get("threadpools", {}).items():
        parts = []
        for info in pools:
            if "note" in info:
                parts.append(info["note"])
                continue
            kernel = f", kernel {info['architecture']}" if info.get("architecture") else ""
            parts.append(f"{info.get('internal_api')} {info.get('version') or ''}{kernel}, "
                         f"{info.get('num_threads')} threads ({info.get('prefix')})")
        lines.append(f"  {proc}: " + "; ".join(parts))
    return lines


def report(res: dict) -> str:
    machine_info = {k: v for k, v in res["machine"].items()
                    if k not in ("blas_env", "blas_env_unset_for_this_run")}
    lines = [f"machine: {machine_info}", *blas_summary(res), "",
             "(a) seeds' MLP on digits, one SGD step (64-50-10 tanh, batch 32)"]
    a = res["step"]
    ref = a.get("pytorch")
    for name, t in a.items():
        ratio = f"  {t / ref:5.2f} x pytorch" if ref else ""
        if "jax-jit" in a:
            ratio += f"  {t / a['jax-jit']:5.2f} x jax"
        lines.append(f"  {name:24s} {fmt_time(t)}{ratio}")
    b = res["epochs"]
    lines += ["", f"(b) 784-256-128-10 ReLU, one SGD epoch incl. batching ({b['source']}, "
                  f"{b['n_samples']} samples)"]
    for batch, row in b["batches"].items():
        lines.append(f"  batch {batch}")
        ref = row.get("pytorch")
        bound = row["matmul-lower-bound"]
        for name, t in row.items():
            extra = f"  {t / bound:5.2f} x matmul bound"
            if ref:
                extra += f"  {ref / t:5.2f} x pytorch throughput"
            if "jax-jit" in row:
                extra += f"  {row['jax-jit'] / t:5.2f} x jax throughput"
            lines.append(f"    {name:24s} {fmt_time(t)}{extra}")
    lines += ["", "(c) per-op time on 32x50 float32 arrays"]
    for op, row in res["ops"].items():
        lines.append(f"  {op}: " + ", ".join(f"{k} {v * 1e6:.1f} us" for k, v in row.items()))
    d = res["import_memory"]
    lines += ["", f"(d) import tinyprop {d['import_tinyprop_s']:.3f} s (over a bare interpreter "
                  f"start of {d['python_startup_s']:.3f} s); peak RSS during a Fashion-MNIST "
                  f"epoch {d['peak_rss_epoch_mb']:.0f} MB"]
    lines += ["", "targets (ratios from this run)"]
    for t in res["targets"]:
        lines.append(f"  {t['target']:44s} {t['who']:20s} {t['value']:8.3f}  "
                     f"{'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines)


def chart(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("(a) digits step", res["step"])] + [
        (f"(b) epoch, batch {b}", row) for b, row in res["epochs"]["batches"].items()]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6))
    for ax, (title, row) in zip(np.atleast_1d(axes), panels):
        names = list(row)
        ax.barh(names, [row[n] * (1e6 if "step" in title else 1) for n in names],
                color=["tab:blue" if n.startswith("tinyprop") else "tab:gray" for n in names])
        ax.set_title(title)
        ax.set_xlabel("microseconds" if "step" in title else "seconds")
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny settings (smoke test)")
    p.add_argument("--out", default=str(Path(__file__).parent / "results"))
    p.add_argument("--rounds", type=int, default=None,
                   help="interleaved rounds for (a) and (b) (default 10 and 7); more rounds "
                        "give steadier ratios on a busy machine")
    p.add_argument("--isolate", action=argparse.BooleanOptionalAction, default=True,
                   help="run each library in its own worker process (default); "
                        "--no-isolate runs them all in this process")
    p.add_argument("--keep-blas-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE if set (they are unset "
                        "for this run by default: a user's machine does not set them)")
    p.add_argument("--no-jit", action="store_true",
                   help="keep tinyprop on NumPy even if numba is installed (TINYPROP_JIT=0 "
                        "for this run): what the fast extra buys is the difference")
    args = p.parse_args(argv)
    jit_as_in_a_long_run(args.no_jit)  # before the workers start: they inherit it
    if args.rounds is not None and args.rounds < 1:
        p.error(f"--rounds must be at least 1, got {args.rounds}")
    res = {"machine": machine(), "quick": args.quick, "date": time.strftime("%Y-%m-%d %H:%M"),
           "isolated": args.isolate}
    pool = (P.Isolated if args.isolate else P.Local)(args.quick)
    try:
        res["step"] = measure_step(pool, args)
        res["epochs"] = measure_epochs(pool, args)
        res["ops"] = measure_ops(pool, args)
        res["threadpools"] = pool.threadpools()
    finally:
        pool.close()
    res["import_memory"] = measure_import_and_memory(args)
    res["targets"] = targets(res)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(res, indent=2))
    chart(res, out / "results.png")
    text = report(res)
    (out / "results.txt").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
