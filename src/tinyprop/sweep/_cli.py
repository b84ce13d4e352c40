"""``tinyprop sweep``: the command line over :func:`tinyprop.sweep.run`.

``add_arguments`` imports nothing heavy (no Dask, pandas or matplotlib): the options of
``tinyprop train`` are read from ``TrainConfig``'s fields.
"""

from __future__ import annotations

import json
import os
import sys
import time

DESCRIPTION = """Train many runs over a grid or a random sample of `tinyprop train` options,
several seeds each, on a Dask cluster (a local one by default: one single-threaded worker
process per core; --scheduler for a running cluster). Every trial's settings are checked
before anything runs. Each trial is a run directory OUT/trials/<id>; OUT/sweep.json records
every trial (settings, seed, status, result); OUT/results.csv and summary.csv hold the
results and the plots (heatmap.png, by_<option>.png or settings.png, curves.png) show them.

Grids: --grid NAME=V1,V2 (';' between the values of a list option: 'hidden=32;64,64').
Samples: --sample NAME=loguniform:LOW:HIGH, uniform:LOW:HIGH, randint:LOW:HIGH or V1,V2,
with --trials N (drawn at random, or chosen by Optuna with --optuna). Fixed options: the
same names as tinyprop train (--data digits --epochs 5)."""

EXAMPLES = """examples:
  tinyprop sweep --data digits --grid init=normal,xavier,he --grid 'hidden=32;64,64' \\
                 --grid lr=0.05,0.5 --seeds 5 --epochs 10 --out sweeps/init
  tinyprop sweep --data circles --sample lr=loguniform:1e-3:1 --trials 50 --epochs 50
  tinyprop sweep --optuna --sample lr=loguniform:1e-3:1 --sample 'hidden=32;64,64' --trials 30
  tinyprop sweep --grid lr=0.05,0.5 --scheduler tcp://head-node:8786   on a running cluster
  tinyprop sweep --resume sweeps/init              finish what an interrupted sweep left
  tinyprop runs sweeps/init/trials                 every trial as a run, one line each"""

_FLAGS = {"plots": ("--trial-plots", "each trial also writes its own PNG plots (curves, "
                    "confusion; default: off, the sweep draws its own)"),
          "animate": ("--animate", "each trial writes boundary.gif (2-D data; needs "
                      "--trial-plots; default: off)"),
          "detect_anomaly": ("--detect-anomaly", "stop a trial at its first NaN or inf "
                             "(slower; default: off)")}


def add_arguments(parser) -> None:
    """The sweep's options on the ``tinyprop sweep`` subparser."""
    from ._space import option_names

    parser.description = DESCRIPTION
    parser.epilog = EXAMPLES
    space = parser.add_argument_group("the search space")
    space.add_argument("--grid", action="append", metavar="NAME=VALUES",
                       help="a grid axis, e.g. lr=0.05,0.5 or 'hidden=32;64,64' (repeat for "
                       "more axes; every combination runs)")
    space.add_argument("--sample", action="append", metavar="NAME=SPEC",
                       help="a sampled option: loguniform:1e-3:1, uniform:0:0.9, randint:1:4 "
                       "or values A,B (repeat for more; with --trials)")
    space.add_argument("--trials", type=int, metavar="N",
                       help="how many points --sample draws (default: 10 with --sample)")
    space.add_argument("--sample-seed", type=int, default=0, metavar="N",
                       help="random state of --sample (default: 0)")
    space.add_argument("--optuna", nargs="?", const="tpe", metavar="SAMPLER",
                       help="let an Optuna study (tpe or random; stored in OUT/optuna.db) "
                       "choose the --trials points of --sample from the results so far "
                       "(needs optuna; default: no Optuna, SAMPLER tpe when given bare)")
    space.add_argument("--seeds", metavar="N|LIST", help="run each point with seeds 0..N-1, "
                       "or with the seeds listed, e.g. 0,3,7 (default: 1, seed 0)")
    space.add_argument("--max-trials", type=int, default=1000, metavar="N",
                       help="refuse more trials than this unless --yes (default: 1000)")
    space.add_argument("--yes", action="store_true", help="run even more than --max-trials")
    run = parser.add_argument_group("running")
    run.add_argument("--out", metavar="DIR", help="the sweep directory, new or empty "
                     "(default: sweeps/<time>)")
    run.add_argument("--resume", metavar="DIR", help="run the unfinished trials of an earlier "
                     "sweep (no space or train options with it)")
    run.add_argument("--retry-failed", action="store_true", help="with --resume: run the "
                     "failed trials again too (their directories are kept, hidden, as "
                     "trials/.<id>.failed-<token>)")
    run.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler "
                     "(tcp://host:8786) or its scheduler file; default: a local cluster "
                     "started and stopped by the command")
    run.add_argument("--workers", type=int, metavar="N", help="worker processes of the local "
                     "cluster (default: one per core)")
    run.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                     help="no progress bar (default: a bar on a terminal)")
    run.add_argument("--no-plots", dest="plots", action="store_false", default=True,
                     help="do not draw the sweep's plots")
    run.add_argument("--config", metavar="FILE", help="a TOML file of fixed train options "
                     "(the keys of tinyprop train --config)")
    fixed = parser.add_argument_group(
        "fixed options of every trial (as in tinyprop train; see tinyprop train --help)")
    for name in option_names():
        if name == "seed":
            continue
        if name in _FLAGS:
            flag, text = _FLAGS[name]
            fixed.add_argument(flag, dest=f"opt_{name}", action="store_true", default=None,
                               help=text)
        else:
            fixed.add_argument(f"--{name.replace('_', '-')}", dest=f"opt_{name}",
                               metavar="VALUE", help=f"tinyprop train --{name.replace('_', '-')}"
                               " for every trial (default: as in tinyprop train)")


def _options(args) -> dict:
    from ._space import option_names, parse_value

    options = {}
    if args.config:
        from ..train.config import load_toml

        options.update(load_toml(args.config))
    for name in option_names():
        value = getattr(args, f"opt_{name}", None)
        if value is None:
            continue
        if isinstance(value, str):
            value = parse_value(name, value, f"--{name.replace('_', '-')} {value}")
        options[name] = value
    return options


def command(args) -> int:
    from ..errors import ConfigError
    from ._run import run

    start = time.perf_counter()
    common = dict(scheduler=args.scheduler, workers=args.workers, progress=args.progress,
                  plots=args.plots)
    options = _options(args)
    if args.resume:
        given = [flag for flag, v in (("--grid", args.grid), ("--sample", args.sample),
                                      ("--optuna", args.optuna),
                                      ("--trials", args.trials), ("--seeds", args.seeds),
                                      ("--out", args.out), ("--config", args.config)) if v]
        given += [f"--{k.replace('_', '-')}" for k in options]
        if given:
            raise ConfigError(f"--resume expected no space or train options (a sweep keeps "
                              f"its own), got {' '.join(given)}; drop them (--scheduler, "
                              "--workers, --retry-failed, --no-progress and --no-plots may go with "
                              "--resume)")
        out, kwargs = args.resume, dict(resume=args.resume, retry_failed=args.retry_failed)
    else:
        if args.retry_failed:
            raise ConfigError("--retry-failed expected --resume DIR, got a new sweep; "
                              "e.g. tinyprop sweep --resume sweeps/init --retry-failed")
        out = args.out or os.path.join("sweeps", time.strftime("%Y%m%d-%H%M%S"))
        kwargs = dict(grid=args.grid, sample=args.sample, trials=args.trials,
                      seeds=args.seeds if args.seeds is not None else 1, out=out,
                      max_trials=args.max_trials, yes=args.yes, sample_seed=args.sample_seed,
                      optuna=args.optuna,
                      **options)
    try:
        frame = run(**kwargs, **common)
    except KeyboardInterrupt:
        if os.path.isfile(os.path.join(out, "sweep.json")):
            print(f"tinyprop: sweep interrupted; finished trials are kept: continue with "
                  f"tinyprop sweep --resume {out}", file=sys.stderr, flush=True)
        raise
    _report(args, frame, out, time.perf_counter() - start)
    return 0


def _report(args, frame, out: str, seconds: float) -> None:
    from ..train._format import format_time
    from ._report import format_summary, summarize

    summary = summarize(frame)
    counts = frame["status"].value_counts().to_dict()
    done, failed = int(counts.get("done", 0)), int(counts.get("failed", 0))
    if args.json:
        best = summary.iloc[0].to_dict() if len(summary) else None
        print(json.dumps(_clean({"sweep_dir": out, "trials": len(frame), "done": done,
                                 "failed": failed, "seconds": seconds, "best": best,
                                 "summary": summary.to_dict(orient="records"),
                                 "plots": frame.attrs.get("plots", [])})))
        return
    lines = [f"sweep {out}: {len(frame)} trials, {done} done, {failed} failed "
             f"({format_time(seconds)})", "", format_summary(summary), ""]
    errors = frame[frame["status"] == "failed"]
    for row in errors.head(5).itertuples(index=False):
        lines.append(f"failed {row.id} ({row.setting} seed {row.seed}): {row.error}")
    if len(errors) > 5:
        lines.append(f"... {len(errors) - 5} more failures in {out}/results.csv")
    files = ["sweep.json", "results.csv", "summary.csv",
             *(os.path.basename(p) for p in frame.attrs.get("plots", []))]
    lines.append(f"files in {out}: {', '.join(files)}; runs in {out}/trials")
    print("\n".join(lines).replace("\n\n\n", "\n\n"))


def _clean(value):
    """JSON-ready: NumPy scalars as Python numbers, NaN as null."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
