"""The error that every unreadable checkpoint ends in (one of :mod:`tinyprop.errors`).

``tinyprop.io.errors.CheckpointError`` is :class:`tinyprop.errors.CheckpointError`: a
``TinypropError`` and a ``ValueError``.
"""

from __future__ import annotations

from ..errors import CheckpointError

__all__ = ["CheckpointError"]
