"""Sweeps: many training runs over a grid or a random sample of settings, on Dask.

>>> import tinyprop.sweep as sweep
>>> frame = sweep.run({"lr": [0.05, 0.5]}, seeds=3, data="digits", epochs=5,
...                   out="sweeps/lr")                                  # doctest: +SKIP
>>> print(sweep.format_summary(sweep.summarize(frame)))                 # doctest: +SKIP

Each trial is an ordinary run directory (``out/trials/<id>``, readable by ``tinyprop
runs``, ``evaluate`` and ``train --resume``); ``out/sweep.json`` records every trial's
settings, seed, status and result. Trials run on a local Dask cluster (one
single-threaded worker process per core) or on a running one (``scheduler=``). Dask,
pandas and matplotlib load when a sweep runs, not on import. See docs/sweep.md.
"""

from __future__ import annotations

from ._index import Index
from ._report import format_summary, summarize
from ._run import run
from ._space import parse_grid, parse_sample


def load(sweep_dir):
    """The trials of an earlier sweep as a DataFrame (one row each), read from its index."""
    from ._report import trials_frame

    return trials_frame(Index.read(sweep_dir))


__all__ = ["format_summary", "load", "parse_grid", "parse_sample", "run", "summarize"]
