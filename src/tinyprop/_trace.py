"""Per-thread recording state for ``tinyprop.compile`` (see ``tinyprop.tracing``).

Kept apart from ``tracing`` so that ``function`` and ``tensor`` can report to it
without importing the compiler. ``ACTIVE`` counts the traces running in any thread, so
the hot path of an untraced op costs one global read.
"""

from __future__ import annotations

import threading

ACTIVE = 0
_local = threading.local()
_lock = threading.Lock()  # ACTIVE += 1 is not atomic across threads


def current():
    """The tape recording in this thread, or None."""
    return getattr(_local, "tape", None)


def start(tape) -> None:
    global ACTIVE
    _local.tape = tape
    with _lock:
        ACTIVE += 1


def stop() -> None:
    global ACTIVE
    _local.tape = None
    with _lock:
        ACTIVE -= 1


def record(fn, inputs, kwargs, out) -> None:
    """Called by ``Function.apply`` for every op it runs while this thread traces."""
    tape = getattr(_local, "tape", None)
    if tape is not None:
        tape.records.append((fn, inputs, kwargs, out))


def breaks(reason: str) -> None:
    """Mark this thread's trace as not replayable (the op still runs normally).

    Called where a value leaves the tape: a tensor read into Python, an in-place
    change, a random draw. The trace is then dropped and the function runs eagerly.
    """
    if ACTIVE:
        tape = getattr(_local, "tape", None)
        if tape is not None and tape.broken is None:
            tape.broken = reason
