"""The error that every unreadable checkpoint ends in."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A file that is not a valid tinyprop checkpoint, or one that does not fit.

    The message says what was expected, what was found and how to fix it.

    >>> import pathlib, tempfile, tinyprop as tp
    >>> path = pathlib.Path(tempfile.mkdtemp(), "bad.safetensors")
    >>> _ = path.write_bytes(b"not a checkpoint")
    >>> try:
    ...     tp.load(path)
    ... except CheckpointError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError))
    CheckpointError True
    """
