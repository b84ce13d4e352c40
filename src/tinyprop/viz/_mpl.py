"""Matplotlib plumbing: lazy import, headless backend choice and atomic saving.

Nothing here imports matplotlib at module level; :func:`pyplot` does it on first use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .._atomic import atomic_write
from .._optional import require

#: File formats a figure may be saved as (chosen by the path's suffix).
FIGURE_FORMATS = ("png", "svg", "pdf")


def _backend_chosen(matplotlib) -> bool:
    """True when the user (rcParams, ``MPLBACKEND``, ``matplotlib.use``) picked a backend."""
    if os.environ.get("MPLBACKEND"):
        return True
    rc = matplotlib.rcParams
    getter = getattr(rc, "_get_backend_or_none", None)
    if getter is not None:  # matplotlib >= 3.7
        return getter() is not None
    from matplotlib import rcsetup  # pragma: no cover - older matplotlib

    return dict.__getitem__(rc, "backend") is not rcsetup._auto_backend_sentinel


def _has_display() -> bool:
    """Whether an interactive window could open (always assumed on macOS and Windows)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pyplot():
    """Import and return ``matplotlib.pyplot``, selecting Agg when headless.

    Agg is selected only if no backend was chosen by the user and there is no display,
    so scripts on servers and in CI never try to open a window, while notebooks and
    desktops keep their own backend.
    """
    matplotlib = require("matplotlib", "tinyprop.viz", "matplotlib")
    if not _backend_chosen(matplotlib) and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_path(path, formats=FIGURE_FORMATS, what: str = "path") -> Path:
    """Validate an output path: its suffix must name one of ``formats``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{what} must be a str or os.PathLike, got {type(path).__name__}; "
            "pass a file name such as 'curves.png'"
        )
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in formats:
        raise ValueError(
            f"unknown file format {p.suffix or '(no suffix)'!r} for {what} {str(p)!r}; "
            f"expected one of {', '.join('.' + f for f in formats)}; "
            f"fix: name the file e.g. {p.stem or 'figure'}.{formats[0]}"
        )
    return p


def finish(fig, path, dpi: int = 100):
    """Return ``fig``; when ``path`` is given, save it there atomically and close it."""
    if path is None:
        return fig
    try:
        p = check_path(path)
        fmt = p.suffix.lower().lstrip(".")
        p.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(p, lambda f: fig.savefig(f, format=fmt, dpi=dpi))
    finally:
        pyplot().close(fig)
    return fig
