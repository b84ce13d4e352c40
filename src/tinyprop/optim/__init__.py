"""Optimizers and learning-rate schedulers with PyTorch's names and update rules.

>>> import tinyprop as tp
>>> from tinyprop import optim
>>> w = tp.tensor([3.0], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     _ = opt.step()
>>> round(w.item(), 2)
2.7

Every optimizer takes an iterable of Tensors (or of parameter-group dicts), updates
``p.data`` in place for the parameters that have a gradient, and has
``state_dict()`` / ``load_state_dict()`` in PyTorch's layout.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
