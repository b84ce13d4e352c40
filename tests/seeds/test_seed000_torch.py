"""Seed 000 ("Backpropagation From Scratch"): its PyTorch cells, with the exercises filled
in as a student would, print the same with ``import tinyprop as torch``.

The cells below are the notebook's, in order (``%matplotlib inline`` and the ``!wget``
solution cells left out; ``# %%`` separates cells, and a cell's last bare expression is
shown as Jupyter shows it). Only the training loops are shorter: 3 epochs instead of 10.
Both training cells end with the course's loss and accuracy plot, written once in
``course_cells``. See ``notebook_parity`` for how the two runs are made and compared.
"""

from __future__ import annotations

import pytest

from seeds.course_cells import PLOT_LOSS_AND_ACCURACY
from seeds.notebook_parity import compare_outputs, line_mismatch, parity_tests, to_tinyprop

LOADING = """
# %%
import torch
import numpy as np
from sklearn.datasets import load_digits
import matplotlib.pyplot as plt

digits = load_digits()
# %%
X = torch.tensor(digits["images"]).float()
Y = torch.tensor(digits["target"]).long()

print(f"Images shape: {X.shape}, targets shape: {Y.shape}")
# %%
plt.subplot(1, 3, 1)
plt.imshow(X[42], cmap="gray")
plt.title(f"Digit: {Y[42]}");

plt.subplot(1, 3, 2)
plt.imshow(X[64], cmap="gray")
plt.title(f"Digit: {Y[64]}");

plt.subplot(1, 3, 3)
plt.imshow(X[1337], cmap="gray")
plt.title(f"Digit: {Y[1337]}");
# %%
print(f"Min and max value of images pixels [{X.min()}, {X.max()}]")
X = X / 16
print(f"Min and max value of normalized images pixels [{X.min()}, {X.max()}]")
# %%
# Flatten images as vectors
print(f"Images shape: {X.shape}")
X = X.view(X.shape[0], -1)
print(f"Flatten images shape: {X.shape}")
"""

NAIVE_SOFTMAX = """
# %%
def softmax(x):
    return torch.exp(x) / torch.exp(x).sum()

print(softmax(torch.tensor([1., 2., 3.])))
print(softmax(torch.tensor([3., -0.12, -4.2, 9])))
# %%
print(softmax(torch.tensor([1., 2., 3.])).sum())
print(softmax(torch.tensor([3., -0.12, -4.2, 9])).sum())
# %%
softmax(torch.tensor([234., 3., 4.]))
# %%
def softmax(x):
    e = torch.exp(x - x.max())
    return e / e.sum()

softmax(torch.tensor([234., 3., 4.]))
# %%
x = torch.tensor([
    [1., 2., 3.],
    [4., 9., -12.]
])
probabilities = softmax(x)

print(probabilities.sum())
print(probabilities.sum(dim=1))
"""

BATCH_SOFTMAX_AND_LOSS = """
# %%
def softmax(x):
    e = torch.exp(x - x.max(1, keepdim=True)[0])
    return e / e.sum(dim=1, keepdim=True)

x = torch.tensor([
    [1., 2., 3.],
    [4., 9., -12.]
])
probabilities = softmax(x)

print(probabilities.sum(dim=1))
# %%
def cross_entropy(probs, targets):
    return -(targets * torch.log(probs + 1e-8)).sum(dim=1).mean()

probs = torch.tensor([
    [0.9, 0.1],
    [0.7, 0.3],
    [0.2, 0.8],
    [0.6, 0.4]
])

targets = torch.eye(2)[torch.tensor([0, 0, 0, 1])]
cross_entropy(probs, targets)
"""

LOGISTIC_REGRESSION = (
    """
# %%
class LogisticRegression:
    def __init__(self, input_size, nb_classes, learning_rate=0.5):
        self.w = torch.randn(input_size, nb_classes)
        self.b = torch.zeros(nb_classes)

        self.learning_rate = learning_rate

    def forward(self, x):
        return torch.mm(x, self.w) + self.b

    def fit(self, inputs, targets, train=True):
        probs = softmax(self.forward(inputs))
        one_hot = torch.eye(self.w.size(1))[targets]
        loss = cross_entropy(probs, one_hot)
        if train:
            self.backward(inputs, probs, one_hot)
        return loss

    def backward(self, inputs, probs, targets):
        batch_size = inputs.size(0)
        grad_logits = probs - targets
        grad_w = inputs.t() @ grad_logits / batch_size
        grad_b = grad_logits.sum(dim=0) / batch_size
        self.w -= self.learning_rate * grad_w
        self.b -= self.learning_rate * grad_b

    def accuracy(self, inputs, targets):
        predictions = self.forward(inputs).argmax(dim=1)
        return (predictions == targets).float().mean()
# %%
model = LogisticRegression(X.shape[1], len(torch.unique(Y)), 0.5)
# %%
model.accuracy(X, Y)
# %%
batch_size = 32
nb_epochs = 3

epochs, accuracies, losses = [], [], []

for epoch in range(nb_epochs):
    for batch_index in range(0, len(X), batch_size):
        batch_X = X[batch_index:batch_index + batch_size]
        batch_Y = Y[batch_index:batch_index + batch_size]

        loss = model.fit(batch_X, batch_Y)

    loss = model.fit(X, Y, train=False)
    acc = model.accuracy(X, Y)

    print(f"Epoch: {epoch}, loss: {loss}, accuracy: {acc}")
    epochs.append(epoch)
    losses.append(loss)
    accuracies.append(acc)
"""
    + PLOT_LOSS_AND_ACCURACY
)

MLP = (
    """
# %%
def grad_tanh(tanh_results):
    return 1 - tanh_results ** 2
# %%
class MLP:
    def __init__(self, input_size, hidden_size, nb_classes, learning_rate=0.5):
        self.w_hidden = torch.randn(input_size, hidden_size)
        self.b_hidden = torch.zeros(hidden_size)

        self.w_output = torch.randn(hidden_size, nb_classes)
        self.b_output = torch.zeros(nb_classes)

        self.learning_rate = learning_rate

    def forward(self, x):
        h_tilde = torch.mm(x, self.w_hidden) + self.b_hidden
        h = torch.tanh(h_tilde)
        logits = torch.mm(h, self.w_output) + self.b_output
        probs = softmax(logits)
        return h_tilde, h, logits, probs

    def fit(self, inputs, targets, train=True):
        h_tilde, h, logits, probs = self.forward(inputs)
        loss = cross_entropy(probs, torch.eye(logits.shape[1])[targets])
        if train:
            self.backward(inputs, targets, h_tilde, h, logits, probs)
        return loss.item()

    def backward(self, inputs, targets, h_tilde, h, logits, probs):
        batch_size = inputs.shape[0]
        grad_logits = (probs - torch.eye(probs.size(1))[targets]) / batch_size

        grad_w_output = h.t().mm(grad_logits)
        grad_b_output = grad_logits.sum(0)

        grad_h = grad_logits.mm(self.w_output.t())
        grad_h_tilde = grad_h * grad_tanh(h)
        grad_w_hidden = inputs.t().mm(grad_h_tilde)
        grad_b_hidden = grad_h_tilde.sum(0)

        self.w_output -= self.learning_rate * grad_w_output
        self.b_output -= self.learning_rate * grad_b_output
        self.w_hidden -= self.learning_rate * grad_w_hidden
        self.b_hidden -= self.learning_rate * grad_b_hidden

    def accuracy(self, inputs, targets):
        _, _, _, probs = self.forward(inputs)
        _, predicted = torch.max(probs, 1)
        return (predicted == targets).sum().item() / targets.size(0)
# %%
model = MLP(X.shape[1], 50, len(torch.unique(Y)), 0.5)
model.accuracy(X, Y)

batch_size = 32
nb_epochs = 3

epochs, accuracies, losses = [], [], []

for epoch in range(nb_epochs):
    for batch_index in range(0, len(X), batch_size):
        batch_X = X[batch_index:batch_index + batch_size]
        batch_Y = Y[batch_index:batch_index + batch_size]

        model.fit(batch_X, batch_Y)

    loss = model.fit(X, Y, train=False)
    acc = model.accuracy(X, Y)

    print(f"Epoch: {epoch}, loss: {loss}, accuracy: {acc}")
    epochs.append(epoch)
    losses.append(loss)
    accuracies.append(acc)
"""
    + PLOT_LOSS_AND_ACCURACY
)

SECTIONS = {
    "loading": LOADING,
    "softmax": LOADING + NAIVE_SOFTMAX + BATCH_SOFTMAX_AND_LOSS,
    "logistic_regression": LOADING + BATCH_SOFTMAX_AND_LOSS + LOGISTIC_REGRESSION,
    "mlp": LOADING + BATCH_SOFTMAX_AND_LOSS + MLP,
}
WHOLE_NOTEBOOK = LOADING + NAIVE_SOFTMAX + BATCH_SOFTMAX_AND_LOSS + LOGISTIC_REGRESSION + MLP

# the seed's three oracle tests (see parity_tests), bound here so that pytest collects them
test_same_numbers, test_no_warning_torch_does_not_give, test_whole_notebook_verbatim = parity_tests(
    "seed000", SECTIONS, WHOLE_NOTEBOOK
)


# ---- the comparison itself (no torch needed) ------------------------------------------


def test_only_import_lines_are_rewritten():
    source = (
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch import nn\n"
        "from torch.autograd import Variable\n"
        "x = torch.randn(2)  # import torch\n"
    )
    assert to_tinyprop(source) == (
        "import tinyprop as torch\n"
        "import tinyprop.nn.functional as F\n"
        "from tinyprop import nn\n"
        "from tinyprop.autograd import Variable\n"
        "x = torch.randn(2)  # import torch\n"
    )
    with pytest.raises(ValueError, match="submodule"):
        to_tinyprop("import torch.nn\n")


@pytest.mark.parametrize(
    ("torch_line", "tinyprop_line"),
    [
        ("tensor(1.)", "tensor(1.0000)"),  # a float32 sum a hair under 1
        ("tensor([0.0900, 0.2447])", "tensor([0.0900, 0.2448])"),  # the 4th digit rounded
        ("Epoch: 1, loss: 0.5123573541641235", "Epoch: 1, loss: 0.5123574137687683"),
        ("Iter 3: Acc train 52.0% (0.35)", "Iter 3: Acc train 52.0% (0.34)"),
        ("tensor([nan, 0., 0.])", "tensor([nan, 0., 0.])"),
    ],
)
def test_float32_noise_is_accepted(torch_line, tinyprop_line):
    assert line_mismatch(torch_line, tinyprop_line) is None


@pytest.mark.parametrize(
    ("torch_line", "tinyprop_line"),
    [
        ("tensor(0.7469)", "tensor(0.7471)"),
        ("Epoch: 1, loss: 0.51", "Epoch: 2, loss: 0.51"),
        ("accuracy: 5", "accuracy: 5.0"),  # an int where torch has a float
        ("Iter 3: Acc train 52.0%", "Iter 3: Acc train 52.5%"),
        ("tinyprop.Size([2, 3])", "(2, 3)"),
        ("tensor([1., 2.], requires_grad=True)", "tensor([1., 2.])"),
        ("tensor([nan, 0.])", "tensor([0., 0.])"),
    ],
)
def test_real_differences_are_caught(torch_line, tinyprop_line):
    assert line_mismatch(torch_line, tinyprop_line) is not None


def test_outputs_compare_after_renaming_torch():
    compare_outputs("shape: torch.Size([2])\n", "shape: tinyprop.Size([2])\n", "seeded")
    with pytest.raises(AssertionError, match="line 2"):
        compare_outputs("a\nb 1\n", "a\nb 2\n", "seeded")
    with pytest.raises(AssertionError, match="2 lines, tinyprop 1"):
        compare_outputs("a\nb\n", "a\n", "verbatim")
