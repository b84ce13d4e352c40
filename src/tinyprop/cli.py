"""The ``tinyprop`` command: thin argument parsing over the library.

Errors in what the user gave (options, files, run directories, data) print one line on
stderr and exit with code 2; ``--debug`` shows the traceback. Those are exactly the
library's error family (:class:`tinyprop.errors.TinypropError`: bad options, data,
checkpoints, run directories, a diverged run), argparse's usage errors (raised here as a
family member, :class:`UsageError`) and ``OSError`` (a path the system refused: missing,
unreadable, not a directory, disk full). Anything else is a bug in tinyprop: it keeps its
traceback and the command adds one line asking to report it.

Ctrl-C during training stops after the current batch, writes the checkpoint and summary,
and exits 130.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from . import __version__, _jit
from .errors import ConfigError, TinypropError, one_line

COMMANDS = {
    "train": "train a model and write a run directory",
    "evaluate": "evaluate a trained run on its (or another) dataset",
    "predict": "predict classes for .npy arrays or images",
    "datasets": "list datasets and where they were found",
    "download": "download MNIST or Fashion-MNIST to where the loaders look",
    "runs": "list runs as a table, or overlay their curves (runs compare A B ...)",
    "gradcheck": "check every op, layer and manual layer against finite differences",
    "graph": "draw the computational graph of one training step (DOT, SVG or PNG)",
    "playground": "watch backpropagation live in the browser (a local web page)",
    "sweep": "run many trainings over a grid or a random sample of settings (Dask)",
}


class UsageError(ConfigError):
    """Bad command-line usage (argparse's errors: an unknown option, a bad value)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        # a command's parser names it ("tinyprop train: ..."); main() prints "tinyprop: "
        where = f"{self.prog}: " if " " in self.prog else ""
        raise UsageError(f"{where}{message}")


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 256,128, got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 256,128, got {text!r} (no sizes); "
            "use --model logreg for no hidden layer"
        )
    return values


def _fraction_or_count(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a fraction like 0.1 or a count like 5000, got {text!r}"
            ) from None


TRAIN_HELP = """Train a model and write a run directory: config.json, metrics.jsonl, checkpoints,
summary.json and plots. Unset options take the dataset's preset (shown per option as
"default: ..."); the run's config.json keeps the resolved values."""

TRAIN_EXAMPLES = """examples:
  tinyprop train                                  digits, the seeds' 64-50-10 tanh MLP
  tinyprop train --preset seed001 --engine manual  seed 001's circles lab, by hand
  tinyprop train --data fashion-mnist --epochs 5 --out runs/fm
  tinyprop train --config my.toml                 the same keys in a TOML file
  tinyprop train --resume runs/fm                 continue an interrupted run"""


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _preset_help(key: str) -> str:
    """The per-dataset defaults of one option, as help text: "0.5 (digits), ..."."""
    from .train.config import PRESETS

    groups: dict[str, list[str]] = {}
    for data, preset in PRESETS.items():
        value = preset.get(key, "none" if key == "schedule" else None)
        if isinstance(value, list):
            value = ",".join(map(str, value))
        groups.setdefault(str(value), []).append(data)
    if len(groups) == 1:
        return next(iter(groups))
    return "; ".join(f"{v} ({', '.join(names)})" for v, names in groups.items())


def build_parser() -> argparse.ArgumentParser:
    from .data.download import DOWNLOADABLE
    from .train.config import (
        ACTIVATIONS,
        DATASETS,
        ENGINES,
        INITS,
        MODELS,
        OPTIMIZERS,
        SCHEDULES,
    )

    p = _Parser(prog="tinyprop", description="Backpropagation from scratch on NumPy.")
    p.add_argument("--version", action="version", version=f"tinyprop {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    t = sub.add_parser("train", help=COMMANDS["train"], description=TRAIN_HELP,
                       epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--data", choices=DATASETS, help="dataset (default: digits)")
    t.add_argument("--data-dir", help="where MNIST-format files are (default: the search "
                   "path of `tinyprop datasets`)")
    t.add_argument("--model", choices=MODELS, help="mlp, or logreg for no hidden layer "
                   "(default: mlp)")
    t.add_argument("--hidden", type=_int_list, help="hidden sizes, e.g. 256,128 (default: "
                   + _preset_help("hidden") + ")")
    t.add_argument("--activation", choices=ACTIVATIONS,
                   help=f"hidden activation (default: {_preset_help('activation')})")
    t.add_argument("--init", choices=INITS, help=f"weight init (default: {_preset_help('init')})")
    t.add_argument("--init-std", type=float,
                   help="std of --init normal (default: 0.3 for the 2-D sets, 0.1 otherwise)")
    t.add_argument("--engine", choices=ENGINES, help="autograd (nn modules) or manual "
                   "(hand-derived backward); the same numbers (default: autograd)")
    t.add_argument("--optimizer", choices=OPTIMIZERS,
                   help=f"(default: {_preset_help('optimizer')})")
    t.add_argument("--lr", type=float, help=f"learning rate (default: {_preset_help('lr')})")
    t.add_argument("--momentum", type=float, help="for momentum/nesterov (default: 0.9)")
    t.add_argument("--weight-decay", type=float, help="L2 penalty (default: 0)")
    t.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule "
                   f"(default: {_preset_help('schedule')})")
    t.add_argument("--epochs", type=int, help=f"(default: {_preset_help('epochs')})")
    t.add_argument("--batch-size", type=int, help=f"(default: {_preset_help('batch_size')})")
    t.add_argument("--seed", type=int, help="seeds the split, the init and the shuffle "
                   "(default: 0)")
    t.add_argument("--val-split", type=_fraction_or_count, help="hold out a fraction (0.1) "
                   "or a count (5000) of the training set for validation (default: none)")
    t.add_argument("--early-stopping", type=int, metavar="N", help="stop after N epochs "
                   "without a better validation loss and keep the best weights (default: off)")
    t.add_argument("--out", help="run directory (default runs/<time>-<data>-<model>)")
    t.add_argument("--no-plots", dest="plots", action="store_false", default=None,
                   help="do not write the PNG plots")
    t.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                   help="no progress bar (default: a bar on a terminal)")
    t.add_argument("--animate", action="store_true", default=None,
                   help="also write boundary.gif for 2-D data")
    t.add_argument("--detect-anomaly", action="store_true", default=None,
                   help="stop at the first NaN or inf, naming the op and its line (slower)")
    t.add_argument("--tensorboard", metavar="DIR", help="also log scalars and histograms for "
                   "TensorBoard into DIR (needs tinyprop[tracking]; default: off)")
    t.add_argument("--csv", metavar="FILE", help="also log one CSV row per epoch to FILE "
                   "(default: off)")
    from .train.config import SEED_PRESETS

    t.add_argument("--preset", choices=sorted(SEED_PRESETS), help="a seed notebook's exact "
                   "settings, filling the options not given: " + "; ".join(
                       f"{name}: {p['description']}" for name, p in SEED_PRESETS.items()
                   ).replace("%", "%%") + " (default: none)")
    t.add_argument("--config", help="TOML file with the same keys")
    t.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its checkpoint")
    _common(t)

    e = sub.add_parser("evaluate", help=COMMANDS["evaluate"], epilog=_examples(
        "tinyprop evaluate runs/fm", "tinyprop evaluate runs/fm --data mnist --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("run_dir", help="a run directory written by `tinyprop train`")
    e.add_argument("--data", choices=DATASETS, help="evaluate on another dataset of the same "
                   "input size (default: the run's)")
    e.add_argument("--data-dir", help="where MNIST-format files are")
    _common(e)

    pr = sub.add_parser("predict", help=COMMANDS["predict"], epilog=_examples(
        "tinyprop predict runs/fm shoe.png", "tinyprop predict runs/digits rows.npy --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    pr.add_argument("run_dir", help="a run directory written by `tinyprop train`")
    pr.add_argument("inputs", nargs="+", help=".npy arrays or images (PNG, JPEG, ... any "
                    "format Pillow reads)")
    pr.add_argument("--invert", action="store_true", default=None,
                    help="flip dark-on-light inputs (a drawing on paper; default: warn)")
    pr.add_argument("--scale", action="store_true", default=None,
                    help="divide .npy values by 255 (0-255 pixels; uint8 is scaled anyway)")
    pr.add_argument("--top-k", type=int, default=3, metavar="K",
                    help="show the K most likely classes (default: 3)")
    _common(pr)

    dl = sub.add_parser("download", help=COMMANDS["download"], epilog=_examples(
        "tinyprop download fashion-mnist", "tinyprop download mnist --root data/"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    dl.add_argument("name", choices=DOWNLOADABLE, help="the dataset")
    dl.add_argument("--root", help="download into ROOT/NAME (default: $TINYPROP_DATA/NAME, "
                    "else ~/.cache/tinyprop/NAME, where the loaders look)")
    dl.add_argument("--force", action="store_true", help="download again even if present")
    _common(dl)

    r = sub.add_parser("runs", help=COMMANDS["runs"], epilog=_examples(
        "tinyprop runs                      the runs under ./runs, one line each",
        "tinyprop runs experiments/",
        "tinyprop runs compare runs/a runs/b --out compare.png"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("paths", nargs="*", metavar="DIR",
                   help="a folder of runs (default: runs), or `compare RUN RUN ...`")
    r.add_argument("--out", default="compare.png",
                   help="the figure `runs compare` writes (default: compare.png)")
    _common(r)

    d = sub.add_parser("datasets", help=COMMANDS["datasets"])
    d.add_argument("--data-dir", help="also look in this directory")
    _common(d)

    g = sub.add_parser("gradcheck", help=COMMANDS["gradcheck"])
    _common(g)

    gr = sub.add_parser("graph", help=COMMANDS["graph"], epilog=_examples(
        "tinyprop graph --out step.svg", "tinyprop graph --data circles --out g.png",
        "tinyprop graph runs/digits --out trained.svg"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    gr.add_argument("run_dir", nargs="?", help="a trained run directory (default: a fresh "
                    "model built from the options below)")
    gr.add_argument("--data", choices=DATASETS, default="digits", help="(default: digits)")
    gr.add_argument("--data-dir", help="where MNIST-format files are")
    gr.add_argument("--model", choices=MODELS, default="mlp", help="(default: mlp)")
    gr.add_argument("--hidden", type=_int_list, help="hidden sizes (default: the preset's)")
    gr.add_argument("--activation", choices=ACTIVATIONS, help="(default: the preset's)")
    gr.add_argument("--batch-size", type=int, default=4, help="rows in the step (default: 4)")
    gr.add_argument("--values", action="store_true", help="show values of small tensors")
    gr.add_argument("--out", default="graph.svg",
                    help="output file: .dot (text), .svg or .png (need Graphviz's dot)")
    _common(gr)

    # Each of these commands lives in its own package; add_arguments imports nothing heavy.
    from .playground._cli import add_arguments as playground_arguments
    from .sweep._cli import add_arguments as sweep_arguments

    pg = sub.add_parser("playground", help=COMMANDS["playground"],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    playground_arguments(pg)
    _common(pg)
    sw = sub.add_parser("sweep", help=COMMANDS["sweep"],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep_arguments(sw)
    _common(sw)
    return p


def _common(p) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _emit(args, obj, human: str) -> None:
    if args.json:
        print(json.dumps(obj, default=str))
    else:
        print(human)


class _ReaderMayLeave:
    """A text stream for training output that outlives its reader: once the pipe it
    writes to breaks (``tinyprop train | head``), output stops and training goes on to
    its end, so the run directory is complete."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        self.reader_gone = True
        if self._stream is sys.stdout:
            _silence_stdout()

    def __getattr__(self, name):  # isatty, fileno, encoding, ...
        return getattr(self._stream, name)


def cmd_train(args) -> int:
    from .train import TrainConfig, load_toml, resume_run, train_run
    from .train._format import summary_text

    stream = _ReaderMayLeave(sys.stderr if args.json else sys.stdout)
    options = {}
    if args.config:
        options.update(load_toml(args.config))
    for key in ("data", "data_dir", "model", "hidden", "activation", "init", "init_std", "engine",
                "optimizer", "lr", "momentum", "weight_decay", "schedule", "epochs",
                "batch_size", "seed", "val_split", "early_stopping", "out", "plots",
                "progress", "animate", "detect_anomaly", "tensorboard", "csv", "preset"):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    if args.resume:
        extra = sorted(set(options) - {"epochs", "progress"})
        if extra:
            raise ConfigError(f"--resume continues a run with its own config; drop {extra}")
        summary = resume_run(args.resume, epochs=options.get("epochs"), stream=stream)
    else:
        cfg = TrainConfig.from_dict(options, source=args.config or "command line")
        summary = train_run(cfg, stream=stream)
    if not stream.reader_gone:
        _emit(args, summary, summary_text(summary))
    return 130 if summary["status"] == "interrupted" else 0


def cmd_evaluate(args) -> int:
    from .train import evaluate, load_run

    run = load_run(args.run_dir, data=args.data, data_dir=args.data_dir)
    d = run.data
    result = {"run_dir": args.run_dir, "data": run.cfg.data}
    for split in ("train", "val", "test"):
        pair = getattr(d, split) if (split != "val" or d.has_val) else None
        if pair is not None:
            result[f"{split}_loss"], result[f"{split}_accuracy"] = evaluate(run.engine, *pair)
    human = "\n".join(f"{k:15s} {v:.4f}" if isinstance(v, float) else f"{k:15s} {v}"
                      for k, v in result.items())
    _emit(args, result, human)
    return 0


def cmd_predict(args) -> int:
    from .predict import format_predictions, predict_files
    from .train import load_run

    run = load_run(args.run_dir)
    rows = predict_files(run, args.inputs, invert=args.invert, scale=args.scale,
                         top_k=args.top_k)
    _emit(args, {"predictions": rows}, format_predictions(rows))
    return 0


def cmd_download(args) -> int:
    from .data import download_dataset

    path = download_dataset(args.name, args.root, force=args.force)
    _emit(args, {"dataset": args.name, "path": str(path)}, f"{args.name}: {path}")
    return 0


def cmd_runs(args) -> int:
    import shutil

    from .train.runs import compare_runs, format_runs, list_runs

    if args.paths[:1] == ["compare"]:
        runs = args.paths[1:]
        if len(runs) < 1:
            raise ConfigError("runs compare needs run directories, got none; e.g. "
                              "tinyprop runs compare runs/a runs/b")
        compare_runs(runs, args.out)
        _emit(args, {"figure": args.out, "runs": runs},
              f"wrote {args.out}: {len(runs)} run(s) overlaid")
        return 0
    if len(args.paths) > 1:
        raise ConfigError(f"runs takes one folder, got {len(args.paths)}: {args.paths}; "
                          "to overlay runs use `tinyprop runs compare A B ...`")
    rows = list_runs(args.paths[0] if args.paths else "runs")
    width = shutil.get_terminal_size((80, 24)).columns
    _emit(args, {"runs": rows}, format_runs(rows, width=max(width, 40)))
    return 0


def cmd_datasets(args) -> int:
    from .data import available_datasets

    info = available_datasets(args.data_dir)
    rows = {name: {"available": i.available, "location": i.location, "hint": i.hint,
                   "description": i.description} for name, i in info.items()}
    human = "\n".join(
        f"{name:14s} {'yes' if i.available else 'no ':3s}  "
        f"{i.location if i.available else i.hint}" for name, i in info.items()
    )
    _emit(args, rows, human)
    return 0


def cmd_gradcheck(args) -> int:
    from .checks import run_all_checks

    results = run_all_checks()
    failed = [r for r in results if not r["ok"]]
    human = "\n".join(f"{r['kind']:8s} {r['name']:34s} {'ok' if r['ok'] else 'FAIL'}"
                      f"{'' if r['ok'] else '  ' + r['message']}" for r in results)
    human += f"\n{len(results) - len(failed)} passed, {len(failed)} failed"
    _emit(args, {"results": results, "failed": len(failed)}, human)
    return 1 if failed else 0


def cmd_graph(args) -> int:
    from pathlib import Path

    from . import viz
    from ._validate import check_choice
    from .train import Run, TrainConfig
    from .viz.graph import RENDER_FORMATS

    check_choice(Path(args.out).suffix.lower().lstrip("."), "the --out suffix", RENDER_FORMATS,
                 fix="name a .dot, .svg or .png file, e.g. --out graph.svg")
    if args.run_dir is not None:
        run, what = args.run_dir, f"the trained run {args.run_dir}"
    else:
        options = {k: getattr(args, k) for k in ("data", "data_dir", "model", "hidden",
                                                 "activation", "batch_size")
                   if getattr(args, k) is not None}
        run = Run(TrainConfig(**options, plots=False, progress=False), verbose=False)
        what = f"{run.cfg.model} on {run.cfg.data}"
    graph = viz.graph_of_run(run, batch_size=args.batch_size, show_values=args.values)
    path = graph.render(args.out)
    info = {"path": str(path), "tensors": graph.n_tensors, "ops": graph.n_ops,
            "loss": float(graph.loss)}
    _emit(args, info, f"wrote {path}: {graph.n_ops} ops, {graph.n_tensors} tensors "
                      f"(one step of {what}, loss {info['loss']:.4f})")
    return 0


def cmd_playground(args) -> int:
    from .playground._cli import command

    return command(args)


def cmd_sweep(args) -> int:
    from .sweep._cli import command

    return command(args)


HANDLERS = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict,
            "download": cmd_download, "runs": cmd_runs, "datasets": cmd_datasets,
            "gradcheck": cmd_gradcheck,
            "graph": cmd_graph, "playground": cmd_playground, "sweep": cmd_sweep}

EXIT_DIVERGED = 3
"""Exit code of a training run that diverged (its last good checkpoint is kept)."""


def _diverged(e: BaseException) -> bool:
    from .train.loop import TrainingDiverged

    return isinstance(e, TrainingDiverged)


USER_ERRORS = (TinypropError, OSError)
"""What the command reports as one line and exit 2: the library's error family (argparse's
usage errors are :class:`UsageError`, one of it) and a path the system refused."""

BUG_NOTE = ("tinyprop: this is a bug in tinyprop; please report it with the traceback above "
            "(see 'Reporting a problem' in docs/guarantees.md)")


def _is_user_error(e: BaseException) -> bool:
    return isinstance(e, USER_ERRORS)


def _run_command(args) -> int:
    """Run a command, holding back its warnings: printed as ``tinyprop: warning:`` lines
    after a command that returns, dropped when it fails with a user error (whose one line
    is then all that stderr shows)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        code = HANDLERS[args.command](args)
    for w in caught:
        print(f"tinyprop: warning: {one_line(w.message)}", file=sys.stderr)
    return code


def _report_bug(e: BaseException) -> None:
    """Ask for a report: a note printed under the traceback (Python 3.11+), or a line."""
    if hasattr(e, "add_note"):
        e.add_note(BUG_NOTE)
    else:  # pragma: no cover - Python 3.10 prints the line before the traceback
        print(BUG_NOTE.replace("the traceback above", "the traceback below"), file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit finds no closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


def main(argv=None) -> int:
    """Entry point of the ``tinyprop`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # named with its command, as the commands' own errors are
            cmd = "tinyprop" + (f" {args.command}" if args.command else "")
            where = f"{cmd}: " if args.command else ""
            raise UsageError(f"{where}unrecognized arguments: {' '.join(unknown)}; "
                             f"see `{cmd} --help` for the options")
        _jit.setting()  # a bad TINYPROP_JIT is refused before anything is created
        if args.command is None:
            print(f"tinyprop {__version__}: backpropagation from scratch on NumPy\n\ncommands:")
            for name, text in COMMANDS.items():
                print(f"  {name:10s} {text}")
            print("\nrun `tinyprop COMMAND --help` for options")
            return 0
        return _run_command(args)
    except KeyboardInterrupt:
        print("tinyprop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tinyprop ... | head`: the reader left; stop quietly, as cat does
        _silence_stdout()
        return 141
    except Exception as e:
        if not _is_user_error(e):
            _report_bug(e)
            raise
        if debug:
            raise
        print(f"tinyprop: error: {one_line(e)}", file=sys.stderr)
        return EXIT_DIVERGED if _diverged(e) else 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
