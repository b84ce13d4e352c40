"""One error family: :class:`TinypropError` and its kinds.

Every error tinyprop raises on purpose, because of what it was given, is a
``TinypropError``, and each kind also derives from the built-in exception a Python
programmer expects, so ``except ValueError`` / ``except TypeError`` keep working:

- :class:`ConfigError` (a ``ValueError``): an option or argument with a wrong value
  (out of range, an unknown name, an impossible combination);
- :class:`TinypropTypeError` (a ``TypeError``): an option or argument of the wrong type;
- :class:`DataError` (a ``ValueError``): data that does not fit, such as NaN in an array,
  labels out of range or a damaged data file;
- :class:`CheckpointError` (a ``ValueError``): a checkpoint that cannot be read, or a
  saved state that does not fit what it is loaded into;
- :class:`RunError` (a ``ValueError``): a run directory that is missing, damaged or from
  another version;
- :class:`NumericalError` (a ``FloatingPointError``): a computation that became NaN or
  infinite, such as a diverged training run.

The command line turns exactly this family (plus ``OSError``: a path the system refused)
into one line on stderr and exit code 2; any other exception is a bug in tinyprop and
shows its traceback.

Messages follow one rule (see :mod:`tinyprop._validate`): the first line stands on its
own and says what was expected, what was got and how to fix it.

>>> from tinyprop.errors import ConfigError, TinypropError
>>> try:
...     raise ConfigError("lr must be > 0, got -1; try lr=0.01")
... except ValueError as e:
...     print(isinstance(e, TinypropError), e)
True lr must be > 0, got -1; try lr=0.01
"""

from __future__ import annotations

__all__ = [
    "AllocationError",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "NumericalError",
    "RunError",
    "TinypropError",
    "TinypropTypeError",
]


class TinypropError(Exception):
    """Base class of every error tinyprop raises about what it was given.

    Catch it to handle any of them; each subclass is also a built-in exception
    (``ValueError``, ``TypeError``, ...), so narrower ``except`` clauses work too.

    >>> from tinyprop.data import DataLoader
    >>> try:
    ...     DataLoader([[0.0], [1.0]], batch_size=0)
    ... except TinypropError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError))
    ConfigError True
    """


class ConfigError(TinypropError, ValueError):
    """An option or argument has a wrong value: out of range, unknown, or an impossible mix.

    >>> from tinyprop.train import TrainConfig
    >>> try:
    ...     TrainConfig(optimizer="adagrad").resolved()
    ... except ConfigError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    optimizer must be one of 'sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop',
    got 'adagrad'
    """


class TinypropTypeError(TinypropError, TypeError):
    """An option or argument has the wrong type (a ``TypeError``).

    >>> from tinyprop.data import DataLoader
    >>> try:
    ...     DataLoader([[0.0], [1.0]], batch_size=2.0)
    ... except TypeError as e:
    ...     print(e)
    batch_size must be an integer >= 1, got 2.0 (float); pass e.g. batch_size=1
    """


class AllocationError(ConfigError, MemoryError):
    """A size whose memory would exceed what the machine has, refused before allocating.

    A :class:`ConfigError` (so a ``ValueError``: the size is a wrong value) and a
    ``MemoryError`` (what NumPy raises once it tries); the message gives the estimate and
    the memory available (see :func:`tinyprop._validate.check_allocation`).

    >>> import tinyprop as tp
    >>> try:
    ...     tp.zeros(10**15)
    ... except AllocationError as e:
    ...     print(isinstance(e, ValueError), isinstance(e, MemoryError))
    True True
    """


class DataError(TinypropError, ValueError):
    """Data that does not fit: non-finite values, labels out of range, a damaged data file.

    >>> from tinyprop.data import DataLoader
    >>> try:
    ...     DataLoader([[0.0], [float("nan")]])
    ... except DataError as e:
    ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
    X must be finite, got 1 NaN and 0 infinite value(s) (first at index (1, 0));
    remove or impute them first
    """


class CheckpointError(TinypropError, ValueError):
    """A file that is not a valid tinyprop checkpoint, or a state that does not fit.

    Raised by :func:`tinyprop.load` and :func:`tinyprop.io.load_checkpoint` for any file
    that is not an intact tinyprop checkpoint, when a saved state does not fit the model,
    optimizer, scheduler or trainer it is loaded into, and by :func:`tinyprop.save` for an
    object that cannot be written as one. The message says what was expected, what was
    found and how to fix it.

    >>> import pathlib, tempfile, tinyprop as tp
    >>> path = pathlib.Path(tempfile.mkdtemp(), "bad.safetensors")
    >>> _ = path.write_bytes(b"not a checkpoint")
    >>> try:
    ...     tp.load(path)
    ... except CheckpointError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError))
    CheckpointError True
    """


class RunError(TinypropError, ValueError):
    """A run directory is missing, incomplete, damaged or from another version.

    A ``ValueError`` (the run directory is a bad argument value), as it always was.

    >>> import tempfile
    >>> from tinyprop.train import read_run_config
    >>> empty = tempfile.mkdtemp()
    >>> try:
    ...     read_run_config(empty)
    ... except RunError as e:
    ...     print(str(e).replace(empty, "<dir>"))
    <dir> has no config.json; is it a tinyprop run directory?
    """


class NumericalError(TinypropError, FloatingPointError):
    """A computation became NaN or infinite (a ``FloatingPointError``), e.g. the training
    loss diverged (:class:`tinyprop.train.TrainingDiverged` is one).

    >>> from tinyprop.train import TrainingDiverged
    >>> issubclass(TrainingDiverged, NumericalError), issubclass(NumericalError, FloatingPointError)
    (True, True)
    """


def one_line(e) -> str:
    """An error's (or a warning's) whole message on one line, nothing cut: its lines
    joined by a space after a colon, else by a semicolon; the type's name when empty.
    What the command line prints after ``tinyprop: error:``, and what a sweep records
    for a failed trial.

    >>> one_line(ValueError("expected:" + chr(10) + "  a list" + chr(10) + "got 3"))
    'expected: a list; got 3'
    """
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    if not lines:
        return type(e).__name__
    out = lines[0]
    for prev, ln in zip(lines, lines[1:]):
        out += (" " if prev.endswith(":") else "; ") + ln
    return out

