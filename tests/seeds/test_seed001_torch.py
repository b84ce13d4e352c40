"""Seed 001 ("Lab session 2: Backpropagation on neural networks"): its PyTorch cells, with
the exercises filled in as a student would, print the same with ``import tinyprop as
torch`` and ``from tinyprop.autograd import Variable``.

The course's ``utils-data.py`` (fetched with ``!wget`` and loaded with ``%run``) is not
available offline; ``UTILS_DATA`` stands in for it with the same ``CirclesData`` /
``MNISTData`` interface: circles from scikit-learn's ``make_circles`` and, as MNIST cannot
be downloaded here, a small synthetic MNIST-shaped set (784 pixels, 10 one-hot classes).
It is executed with the same import rewrite, as ``%run`` would run it.

Shorter than the notebook: 10 iterations instead of 150 (parts 1, 2 and 3),
3 epochs on the MNIST stand-in (part 4). Part 2's final plot needs one student fix that
real torch asks for too: its loop appends ``Ltrain``/``Ltest``, which require grad, to
``curves`` and ``plt.plot`` then fails in torch ("Can't call numpy() on Tensor that
requires grad"); the student appends ``.detach()``-ed values instead.
"""

# ruff: noqa: E501 - the cells keep the notebook's own long lines

from __future__ import annotations

from seeds.notebook_parity import parity_tests

UTILS_DATA = """
# %% stand-in for `%run 'utils-data.py'`
import numpy as np
import torch
import matplotlib.pyplot as plt
from sklearn.datasets import make_circles


class CirclesData:
    def __init__(self):
        # Grid
        x1, x2 = np.meshgrid(np.arange(-2, 2, 0.1), np.arange(-2, 2, 0.1))
        self._Xgrid = np.array([x1.flatten(), x2.flatten()]).T.astype("float32")

        # Real data
        X, y = make_circles(n_samples=400, noise=0.1, factor=0.5, random_state=0)
        X = (1.5 * X).astype("float32")
        Y = np.eye(2, dtype="float32")[y]
        self._Xtrain, self._Xtest = X[:200], X[200:]
        self._Ytrain, self._Ytest = Y[:200], Y[200:]

        self.Xtrain = torch.from_numpy(self._Xtrain)
        self.Ytrain = torch.from_numpy(self._Ytrain)
        self.Xtest = torch.from_numpy(self._Xtest)
        self.Ytest = torch.from_numpy(self._Ytest)
        self.Xgrid = torch.from_numpy(self._Xgrid)

    def plot_data(self):
        plt.figure(figsize=(5, 5))
        for label, marker in ((0, "r+"), (1, "b+")):
            points = self._Xtrain[self._Ytrain[:, label] == 1]
            plt.plot(points[:, 0], points[:, 1], marker)
        plt.show()

    def plot_data_with_grid(self, Ygrid, title=""):
        Ygrid = Ygrid[:, 1].numpy()
        plt.figure(figsize=(5, 5))
        ticks = np.arange(-2, 2, 0.1)
        plt.contourf(ticks, ticks, Ygrid.reshape((40, 40)), alpha=0.5)
        plt.title(title)
        plt.show()


class MNISTData:
    # MNIST-shaped stand-in: noisy copies of 10 random binary prototypes of 28x28 pixels
    def __init__(self, n_train=1000, n_test=300):
        rng = np.random.RandomState(0)
        prototypes = (rng.rand(10, 784) > 0.8).astype("float32")

        def sample(n):
            y = rng.randint(0, 10, n)
            X = np.clip(prototypes[y] + 0.3 * rng.randn(n, 784), 0, 1).astype("float32")
            return torch.from_numpy(X), torch.from_numpy(np.eye(10, dtype="float32")[y])

        self.Xtrain, self.Ytrain = sample(n_train)
        self.Xtest, self.Ytest = sample(n_test)
"""

IMPORTS = """
# %%
import math
import torch
from torch.autograd import Variable
import numpy as np
import matplotlib
import matplotlib.pyplot as plt
"""

PART1_FUNCTIONS = """
# %%
def init_params(nx, nh, ny):
    \"\"\"
    nx, nh, ny: integers
    out params: dictionnary
    \"\"\"
    params = {}

    params["Wh"] = torch.randn((nh, nx))*0.3
    params["Wy"] = torch.randn((ny, nh))*0.3
    params["bh"] = torch.zeros((nh,1))
    params["by"] = torch.zeros((ny,1))

    return params
# %%
def forward(params, X):
    \"\"\"
    params: dictionnary
    X: (n_batch, dimension)
    \"\"\"
    bsize = X.size(0)
    nh = params['Wh'].size(0)
    ny = params['Wy'].size(0)
    outputs = {}

    outputs["X"] = X
    outputs["htilde"] = torch.mm(X, params["Wh"].T) + params["bh"].T
    outputs["h"] = torch.tanh(outputs["htilde"])
    outputs["ytilde"] = torch.mm(outputs["h"], params["Wy"].T) + params["by"].T
    outputs["yhat"] = torch.exp(outputs["ytilde"])
    outputs["yhat"] = outputs["yhat"] / outputs["yhat"].sum(dim=-1, keepdim=True)


    return outputs['yhat'], outputs
# %%
def loss_accuracy(Yhat, Y):


    L = - torch.mean((Y * torch.log(Yhat)).sum(dim=1)) # mean for the batch

    _, indYhat = torch.max(Yhat, 1)
    _, indY = torch.max(Y, 1)

    acc = torch.sum(indY == indYhat) * 100. / indY.size(0);


    return L, acc
# %%
def backward(params, outputs, Y):
    bsize = Y.shape[0]
    grads = {}

    delta_y = outputs["yhat"] - Y
    delta_h = torch.mm(delta_y, params["Wy"]) * (1 - outputs["h"] ** 2)

    grads["Wy"] = torch.mm(delta_y.T, outputs["h"]) / bsize
    grads["Wh"] = torch.mm(delta_h.T, outputs["X"]) / bsize
    grads["by"] = delta_y.sum(0, keepdim=True).T / bsize
    grads["bh"] = delta_h.sum(0, keepdim=True).T / bsize

    return grads
# %%
def sgd(params, grads, eta):

    params['Wy'] = params['Wy'] - eta * grads['Wy']
    params['Wh'] = params['Wh'] - eta * grads['Wh']
    params['by'] = params['by'] - eta * grads['by']
    params['bh'] = params['bh'] - eta * grads['bh']

    return params
"""

# Parts 1 and 2 train on the circles in the same way: their training cells (below) start
# and end with the same code, written once here.
CIRCLES_SETUP = """
# %%
# init
data = CirclesData()
data.plot_data()
N = data.Xtrain.shape[0]
Nbatch = 10
nx = data.Xtrain.shape[1]
nh = 10
ny = data.Ytrain.shape[1]
eta = 0.03

params = init_params(nx, nh, ny)

curves = [[],[], [], []]
"""

PLOT_CURVES = """
fig = plt.figure()
plt.plot(curves[0], label="acc. train")
plt.plot(curves[1], label="acc. test")
plt.plot(curves[2], label="loss train")
plt.plot(curves[3], label="loss test")
plt.legend()
plt.show()
"""

PART1_TRAINING = (
    CIRCLES_SETUP
    + """
# epoch
for iteration in range(10):

    # permute
    perm = np.random.permutation(N)
    Xtrain = data.Xtrain[perm, :]
    Ytrain = data.Ytrain[perm, :]

    for j in range(N // Nbatch):

        indsBatch = range(j * Nbatch, (j+1) * Nbatch)
        X = Xtrain[indsBatch, :]
        Y = Ytrain[indsBatch, :]

        Y_hat, outputs = forward(params, X)
        loss, accuracy = loss_accuracy(Y_hat, Y)
        grads = backward(params, outputs, Y)
        params = sgd(params, grads, eta)


    Yhat_train, _ = forward(params, data.Xtrain)
    Yhat_test, _ = forward(params, data.Xtest)
    Ltrain, acctrain = loss_accuracy(Yhat_train, data.Ytrain)
    Ltest, acctest = loss_accuracy(Yhat_test, data.Ytest)
    Ygrid, _ = forward(params, data.Xgrid)

    title = 'Iter {}: Acc train {:.1f}% ({:.2f}), acc test {:.1f}% ({:.2f})'.format(iteration, acctrain, Ltrain, acctest, Ltest)
    print(title)
    data.plot_data_with_grid(Ygrid, title)

    curves[0].append(acctrain)
    curves[1].append(acctest)
    curves[2].append(Ltrain)
    curves[3].append(Ltest)
"""
    + PLOT_CURVES
)

PART2_FUNCTIONS = """
# %%
def init_params(nx, nh, ny):
    \"\"\"
    nx, nh, ny: integers
    out params: dictionnary
    \"\"\"
    params = {}

    params["Wh"] = torch.randn(nh, nx) * 0.3
    params["Wh"].requires_grad = True
    params["Wy"] = torch.randn(ny, nh) * 0.3
    params["Wy"].requires_grad = True

    params["bh"] = torch.zeros(nh,1, requires_grad=True)
    params["by"] = torch.zeros(ny,1, requires_grad=True)

    return params
# %%
def sgd(params, eta):

    #####################
    ## Your code here  ##
    #####################
    # Update parameters with a SGD step
    # Take care to take this off the computation graph with torch.no_grad()
    # And remember to reset the gradients after use with .grad.zero_()

    with torch.no_grad():
        params["Wh"] -= eta * params["Wh"].grad
        params["Wy"] -= eta * params["Wy"].grad
        params["bh"] -= eta * params["bh"].grad
        params["by"] -= eta * params["by"].grad

    params["Wh"].grad.zero_()
    params["Wy"].grad.zero_()
    params["bh"].grad.zero_()
    params["by"].grad.zero_()

    ####################
    ##      FIN        #
    ####################
    return params
"""

PART2_TRAINING = (
    CIRCLES_SETUP
    + """
# epoch
for iteration in range(10):

    # permute
    perm = np.random.permutation(N)
    Xtrain = data.Xtrain[perm, :]
    Ytrain = data.Ytrain[perm, :]

    #####################
    ## Your code here  ##
    #####################
    # batches
    for j in range(N // Nbatch):

        indsBatch = range(j * Nbatch, (j+1) * Nbatch)
        X = Xtrain[indsBatch, :]
        Y = Ytrain[indsBatch, :]

        # Write out the training code on batch inputs (X,Y)
        # Use our new forward, loss_accuracy, sgd
        # Gradients are taken care of by .backward() and .grad
        Yhat, outputs = forward(params, X)
        L, acc = loss_accuracy(Yhat, Y)
        L.backward()
        params = sgd(params, eta)

    ####################
    ##      FIN        #
    ####################


    Yhat_train, _ = forward(params, data.Xtrain)
    Yhat_test, _ = forward(params, data.Xtest)
    Ltrain, acctrain = loss_accuracy(Yhat_train, data.Ytrain)
    Ltest, acctest = loss_accuracy(Yhat_test, data.Ytest)
    Ygrid, _ = forward(params, data.Xgrid)

    title = 'Iter {}: Acc train {:.1f}% ({:.2f}), acc test {:.1f}% ({:.2f})'.format(iteration, acctrain, Ltrain, acctest, Ltest)
    print(title)
    # detach() est utilisé pour détacher les predictions du graphes de calcul autograd
    data.plot_data_with_grid(Ygrid.detach(), title)

    curves[0].append(acctrain)
    curves[1].append(acctest)
    # the student's fix: plt.plot cannot take tensors that require grad
    curves[2].append(Ltrain.detach())
    curves[3].append(Ltest.detach())
"""
    + PLOT_CURVES
)

PART3_DEEPER = """
# %%
def init_params_deep(nx, nh1, nh2, ny):
    params = {}
    params["Wh1"] = Variable(torch.randn(nh1, nx) * 0.3, requires_grad=True)
    params["Wh2"] = Variable(torch.randn(nh2, nh1) * 0.3, requires_grad=True)
    params["Wy"] = Variable(torch.randn(ny, nh2) * 0.3, requires_grad=True)
    params["bh1"] = Variable(torch.zeros(nh1, 1), requires_grad=True)
    params["bh2"] = Variable(torch.zeros(nh2, 1), requires_grad=True)
    params["by"] = Variable(torch.zeros(ny, 1), requires_grad=True)
    return params


def forward_deep(params, X):
    outputs = {"X": X}
    outputs["h1"] = torch.tanh(X.mm(params["Wh1"].t()) + params["bh1"].t())
    outputs["h2"] = torch.tanh(outputs["h1"].mm(params["Wh2"].t()) + params["bh2"].t())
    outputs["ytilde"] = outputs["h2"] @ params["Wy"].T + params["by"].T
    ytilde = outputs["ytilde"]
    e = torch.exp(ytilde - ytilde.max(1, keepdim=True)[0])
    outputs["yhat"] = e / e.sum(dim=1, keepdim=True)
    return outputs["yhat"], outputs


def sgd_deep(params, eta):
    for name in params:
        params[name].data -= eta * params[name].grad.data
        params[name].grad.data.zero_()
    return params
# %%
data = CirclesData()
N = data.Xtrain.size(0)
Nbatch = 10
nx = data.Xtrain.size(1)
nh1, nh2 = 10, 10
ny = data.Ytrain.size(1)
eta = 0.03

params = init_params_deep(nx, nh1, nh2, ny)

for iteration in range(10):
    perm = np.random.permutation(N)
    Xtrain = data.Xtrain[perm, :]
    Ytrain = data.Ytrain[perm, :]

    for j in range(N // Nbatch):
        X = Xtrain[j * Nbatch:(j + 1) * Nbatch]
        Y = Ytrain[j * Nbatch:(j + 1) * Nbatch]

        Yhat, _ = forward_deep(params, X)
        L, acc = loss_accuracy(Yhat, Y)
        L.backward()
        params = sgd_deep(params, eta)

    with torch.no_grad():
        Yhat_train, _ = forward_deep(params, data.Xtrain)
        Yhat_test, _ = forward_deep(params, data.Xtest)
        Ltrain, acctrain = loss_accuracy(Yhat_train, data.Ytrain)
        Ltest, acctest = loss_accuracy(Yhat_test, data.Ytest)

    print('Iter {}: Acc train {:.1f}% ({:.2f}), acc test {:.1f}% ({:.2f})'.format(iteration, acctrain, Ltrain, acctest, Ltest))
"""

PART4_MNIST = """
# %%
# init
data = MNISTData()
N = data.Xtrain.shape[0]
Nbatch = 100
nx = data.Xtrain.shape[1]
nh = 100
ny = data.Ytrain.shape[1]
eta = 0.03
# %%
params = init_params(nx, nh, ny)

for epoch in range(3):
    perm = np.random.permutation(N)
    Xtrain = data.Xtrain[perm, :]
    Ytrain = data.Ytrain[perm, :]

    for j in range(N // Nbatch):
        indsBatch = range(j * Nbatch, (j+1) * Nbatch)
        X = Xtrain[indsBatch, :]
        Y = Ytrain[indsBatch, :]

        Yhat, outputs = forward(params, X)
        L, acc = loss_accuracy(Yhat, Y)
        L.backward()
        params = sgd(params, eta)

    with torch.no_grad():
        Yhat_train, _ = forward(params, data.Xtrain)
        Yhat_test, _ = forward(params, data.Xtest)
        Ltrain, acctrain = loss_accuracy(Yhat_train, data.Ytrain)
        Ltest, acctest = loss_accuracy(Yhat_test, data.Ytest)

    print('Epoch {}: Acc train {:.1f}% ({:.3f}), acc test {:.1f}% ({:.3f})'.format(epoch, acctrain, Ltrain, acctest, Ltest))
"""

HEAD = UTILS_DATA + IMPORTS + PART1_FUNCTIONS
SECTIONS = {
    "part1_manual_backprop": HEAD + PART1_TRAINING,
    "part2_autograd": HEAD + PART2_FUNCTIONS + PART2_TRAINING,
    "part3_deeper_with_variable": HEAD + PART3_DEEPER,
    "part4_mnist_standin": HEAD + PART2_FUNCTIONS + PART4_MNIST,
}
WHOLE_NOTEBOOK = (
    HEAD + PART1_TRAINING + PART2_FUNCTIONS + PART2_TRAINING + PART3_DEEPER + PART4_MNIST
)


# the seed's three oracle tests (see parity_tests), bound here so that pytest collects them
test_same_numbers, test_no_warning_torch_does_not_give, test_whole_notebook_verbatim = parity_tests(
    "seed001", SECTIONS, WHOLE_NOTEBOOK
)
