"""The manual backpropagation engine: every gradient written by hand, NumPy arrays in and out.

Four faces, one per seed notebook:

- seed 003's layer API — :class:`Layer`, :class:`Network`, :class:`Linear`, activations,
  :class:`Cost` and the costs, and the :func:`train` helpers;
- seed 004's computational-graph nodes — :class:`Add`, :class:`Multiply`, :class:`Sum`,
  :class:`DotProduct`, :class:`Affine`, :class:`CategoricalCrossEntropy`;
- seed 000's models — :class:`LogisticRegression`, :class:`MLP`;
- seed 001's functions — :func:`init_params`, :func:`forward`, :func:`loss_accuracy`,
  :func:`backward`, :func:`sgd` (also as :mod:`tinyprop.manual.functional`).

:func:`check_layer` and :func:`check_cost` verify any hand-written layer or cost against
central differences in float64.

>>> import numpy as np
>>> from tinyprop.manual import Linear, Network, SoftmaxCrossEntropy, Tanh
>>> net = Network([Linear(4, 8, generator=0), Tanh(), Linear(8, 3, generator=1)])
>>> cost = SoftmaxCrossEntropy()
>>> loss = cost.estimate([0, 2], net.forward(np.ones((2, 4))))
>>> d_in = net.backward(cost.gradient())
"""

from . import functional
from .check import (
    GradCheckReport,
    GradientCheck,
    GradientCheckError,
    check_cost,
    check_gradients,
    check_layer,
    numerical_gradient,
)
from .costs import Cost, CrossEntropy, MeanSquareError, SoftmaxCrossEntropy
from .functional import backward, forward, init_params, loss_accuracy, sgd
from .layers import Layer, LeakyReLU, Linear, ReLU, Sigmoid, SoftMax, Tanh
from .models import MLP, LogisticRegression
from .network import Network
from .nodes import Add, Affine, CategoricalCrossEntropy, DotProduct, Multiply, Node, Sum
from .training import train, train_epoch, validate_epoch

__all__ = [
    "Add",
    "Affine",
    "CategoricalCrossEntropy",
    "Cost",
    "CrossEntropy",
    "DotProduct",
    "GradCheckReport",
    "GradientCheck",
    "GradientCheckError",
    "Layer",
    "LeakyReLU",
    "Linear",
    "LogisticRegression",
    "MLP",
    "MeanSquareError",
    "Multiply",
    "Network",
    "Node",
    "ReLU",
    "Sigmoid",
    "SoftMax",
    "SoftmaxCrossEntropy",
    "Sum",
    "Tanh",
    "backward",
    "check_cost",
    "check_gradients",
    "check_layer",
    "forward",
    "functional",
    "init_params",
    "loss_accuracy",
    "numerical_gradient",
    "sgd",
    "train",
    "train_epoch",
    "validate_epoch",
]
