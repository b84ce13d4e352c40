"""Parameter and attribute documentation shared by the estimators' docstrings."""

HIDDEN = """
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer; ``()`` is no hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Non-linearity after each hidden layer."""

SOLVER_MLP = """
    solver : {'sgd', 'adam', 'momentum', 'nesterov', 'adamw', 'rmsprop'}, default='adam'
        scikit-learn's 'sgd' (SGD with ``momentum``, Nesterov's if
        ``nesterovs_momentum``) and 'adam' (``beta_1``, ``beta_2``, ``epsilon``), with
        scikit-learn's update rules. tinyprop's extras: 'momentum' and 'nesterov' ('sgd'
        with heavy-ball or Nesterov momentum whatever ``nesterovs_momentum`` says),
        'adamw' (Adam with decoupled weight decay ``alpha / batch_size``) and 'rmsprop'
        (PyTorch's, with ``epsilon``). 'lbfgs' raises ``ValueError``: not supported.
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases): each batch adds ``alpha * W / rows``
        to the weights' gradient and ``0.5 * alpha * ||W||^2 / rows`` to the reported
        loss, as scikit-learn does."""

TRAINING = """
    batch_size : int or 'auto', default='auto'
        Mini-batch size; 'auto' is ``min(200, n_samples)``. Larger than the data:
        clipped, with a warning.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the SGD solvers ('sgd', 'momentum', 'nesterov'; ignored by the
        others). 'invscaling': after each epoch the rate becomes
        ``learning_rate_init / (t_ + 1) ** power_t``. 'adaptive': constant while the loss
        improves; each time the training loss (or validation score) fails to improve by
        ``tol`` for more than ``n_iter_no_change`` epochs the rate is divided by 5, and
        training stops once it is <= 1e-6. As in scikit-learn, a change of rate does not
        rescale the momentum already built up.
    learning_rate_init : float, default={lr}
        The initial (for 'constant': the) learning rate.
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default={max_iter}
        Epochs (passes over the data); ``partial_fit`` does one.
    shuffle : bool, default=True
        Reshuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Draws, as scikit-learn does and in its order, the initial weights, the
        validation split and each epoch's shuffle: with the same ``random_state`` the
        estimator starts from scikit-learn's weights and sees scikit-learn's batches.
        tinyprop's own generator (``tinyprop.manual_seed``) is neither read nor advanced.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that resets the
        ``n_iter_no_change`` count.
    verbose : bool or int, default={verbose}
        Print the loss (and validation score) every epoch.
    warm_start : bool, default=False
        ``fit`` continues from the current weights (with a fresh optimizer) instead of
        re-initialising.
    momentum : float in [0, 1], default=0.9
        Momentum of the SGD solvers.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for ``solver='sgd'`` (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for binary targets, as
        scikit-learn does), stop when its score (accuracy or R^2) has not improved by
        ``tol`` for more than ``n_iter_no_change`` epochs, and keep the weights of the best
        epoch.
    validation_fraction : float in [0, 1), default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
        Adam's decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Adam's ``epsilon``, added to ``sqrt(v)`` before the bias correction, as in
        scikit-learn (and RMSprop's ``eps``).
    n_iter_no_change : int or numpy.inf, default=10
        Epochs without improvement tolerated (``numpy.inf``: never stop early)."""

MAX_FUN = """
    max_fun : int, default=15000
        Accepted and checked; only scikit-learn's 'lbfgs' uses it, so it has no effect."""

EXTRAS = """
    engine : {'autograd', 'manual'}, default='autograd'
        tinyprop extra. 'autograd': an ``nn.Sequential`` trained by reverse-mode
        autograd; 'manual': a ``manual.Network`` with hand-derived backward passes. Same
        initial weights and batches for the same ``random_state``, so both give the same
        model up to rounding.
    dtype : {'float32', 'float64'}, default='float32'
        tinyprop extra: training precision (weights, gradients, optimizer state).
        scikit-learn trains in the dtype of ``X``; pass 'float64' for its results.
        Predictions are computed in float64 from the trained weights."""

ATTRIBUTES = """

    Attributes
    ----------
    engine_ : AutogradEngine or ManualEngine
        The fitted tinyprop engine (``engine_.model``, ``engine_.optimizer``).
    coefs_, intercepts_ : list of ndarray
        Copies of the weights, (n_in, n_out) per layer, and biases (scikit-learn's layout).
    n_features_in_, feature_names_in_ : int, ndarray
        Set by ``fit`` (names only when X has string column names, e.g. a DataFrame).
    loss_, loss_curve_ : float, list of float
        Training loss (scikit-learn's: mean loss of the epoch's batches plus the
        penalty), last and per epoch.
    best_loss_ : float or None
        Lowest training loss (None with ``early_stopping``).
    validation_scores_, best_validation_score_ : list of float, float or None
        Per-epoch and best validation score with ``early_stopping`` (else None).
    n_iter_ : int
        Epochs run by the last ``fit`` (1 after ``partial_fit``).
    t_ : int
        Training samples seen since initialisation.
    n_layers_, n_outputs_, out_activation_ : int, int, str
        As scikit-learn's: the output activation is 'softmax' (multiclass), 'logistic'
        (binary, multilabel), 'identity' (squared error) or 'exp' (Poisson)."""


def mlp_params() -> str:
    return (
        SOLVER_MLP
        + TRAINING.replace("{lr}", "1e-3")
        .replace("{max_iter}", "200")
        .replace("{verbose}", "False")
        + MAX_FUN
        + EXTRAS
    )
