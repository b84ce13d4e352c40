"""Seed 003's training (``tinyprop.manual.train``) on the one :class:`Trainer`.

The seed's loop is minibatch SGD by the network's own ``update_parameters``: the
:class:`~tinyprop.train.LayerEngine` takes those steps, the Trainer runs the epochs, and
:class:`SeedHistory` keeps the seed's record (the mean batch cost, then the accuracy
after each epoch) and its progress bars.
"""

from __future__ import annotations

from ..data.loader import DataLoader
from .callbacks import Callback
from .engines import LayerEngine
from .loop import Trainer


class SeedHistory(Callback):
    """The seed's history ``{"cost": [...], "accuracy": [...]}``: per epoch the mean of
    the batch costs, then the accuracy on ``evaluation`` (``manual.validate_epoch``; no
    accuracy without it). With ``progress``, a tqdm bar per epoch and a summary line.
    Epochs are numbered from ``first_epoch`` in the bars and lines.

    >>> import numpy as np
    >>> from tinyprop import manual
    >>> from tinyprop.train import LayerEngine, Trainer
    >>> from tinyprop.data import DataLoader
    >>> X, y = np.eye(4), np.array([0, 1, 0, 1])
    >>> net = manual.Network([manual.Linear(4, 2, generator=0)])
    >>> record = SeedHistory(2, progress=False, evaluation=(X, y))
    >>> _ = Trainer(LayerEngine(net, manual.SoftmaxCrossEntropy(), 0.5),
    ...             DataLoader(X, y, 2, shuffle=False), epochs=3, callbacks=[record],
    ...             evaluate=False, verbose=False).fit()
    >>> len(record.history["cost"]), len(record.history["accuracy"])
    (3, 3)
    """

    def __init__(self, batch_size: int, progress: bool, evaluation=None,
                 first_epoch: int = 0) -> None:
        self.batch_size, self.progress = batch_size, progress
        self.evaluation, self.first_epoch = evaluation, first_epoch
        self.history: dict[str, list[float]] = {"cost": [], "accuracy": []}
        self.bar, self.costs = None, []

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self.costs = []
        if self.progress:
            from tqdm.auto import tqdm  # lazy: only when a bar is asked for

            self.bar = tqdm(total=len(trainer.loader), leave=False,
                            desc=f"training,   e={self.first_epoch + epoch}")

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        self.costs.append(trainer.engine.last_cost)
        if self.bar is not None:
            self.bar.update(1)

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        from ..manual.training import validate_epoch

        e = self.first_epoch + epoch
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        cost = sum(self.costs) / max(len(self.costs), 1)
        self.history["cost"].append(cost)
        if self.evaluation is None:
            return
        accuracy = validate_epoch(e, trainer.engine.model, *self.evaluation, self.batch_size,
                                  self.progress)
        self.history["accuracy"].append(accuracy)
        if self.progress:
            from tqdm.auto import tqdm

            tqdm.write(f"epoch {e}: cost={cost:5.6f}, accuracy={accuracy:2.6f}")


def fit_layers(net, cost, epochs: int, batch_size: int, learning_rate: float, X, Y, *,
               evaluation=None, progress: bool = False, order=None, first_epoch: int = 0,
               callbacks=()) -> dict[str, list[float]]:
    """Train ``net`` for ``epochs`` with the Trainer, batches in order (or in each epoch's
    ``order()``); return the seed's history (see :class:`SeedHistory`). ``callbacks``
    run after the history's. What ``manual.train`` and ``manual.train_epoch`` call."""
    loader = DataLoader(X, Y, batch_size, shuffle=False, seed=0, order=order)
    record = SeedHistory(batch_size, progress, evaluation, first_epoch)
    Trainer(LayerEngine(net, cost, learning_rate), loader, epochs=epochs,
            callbacks=[record, *callbacks], verbose=False, evaluate=False,
            handle_sigint=False).fit()
    return record.history
