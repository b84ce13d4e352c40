"""Issue 14: the estimators' epochs run on the one Trainer; scikit-learn's rules are
callbacks of it, and the batches come in scikit-learn's order through the loader."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils import check_random_state
from sklearn.utils import shuffle as sk_shuffle

from tinyprop.sklearn import LogisticRegression, MLPClassifier, MLPRegressor
from tinyprop.sklearn._callbacks import SklearnEpochRules, SklearnShuffle
from tinyprop.train import Callback, Trainer


class Observer(Callback):
    def __init__(self):
        self.epochs, self.batches = [], 0

    def on_batch_end(self, trainer, batch, loss):
        self.batches += 1

    def on_epoch_end(self, trainer, epoch, logs):
        self.epochs.append(epoch)


@pytest.fixture
def trainers(monkeypatch):
    """Every Trainer the estimators build, with an Observer added to its callbacks."""
    built = []
    original = Trainer.__init__

    def init(self, *args, callbacks=(), **kwargs):
        observer = Observer()
        original(self, *args, callbacks=[*callbacks, observer], **kwargs)
        built.append((self, observer))

    monkeypatch.setattr(Trainer, "__init__", init)
    return built


@pytest.mark.parametrize("cls", [MLPClassifier, LogisticRegression])
def test_fit_runs_its_epochs_on_the_trainer(iris, trainers, cls):
    kwargs = {"hidden_layer_sizes": (5,)} if cls is MLPClassifier else {}
    est = cls(max_iter=7, random_state=0, **kwargs).fit(*iris)
    assert len(trainers) == 1
    trainer, observer = trainers[0]
    assert trainer.engine is est.engine_
    assert any(isinstance(cb, SklearnEpochRules) for cb in trainer.callbacks)
    n_iter = int(np.max(est.n_iter_))  # an array for LogisticRegression, as scikit-learn's
    assert observer.epochs == list(range(n_iter)) == list(range(len(trainer.history)))


def test_partial_fit_is_one_trainer_epoch_per_call(iris, trainers):
    X, y = iris
    est = MLPClassifier((5,), random_state=0)
    for _ in range(3):
        est.partial_fit(X, y, classes=np.unique(y))
    assert [obs.epochs for _, obs in trainers] == [[0], [0], [0]]
    assert len(est.loss_curve_) == 3


def test_the_stopping_rule_stops_the_trainer(iris, trainers):
    est = MLPClassifier((5,), max_iter=500, n_iter_no_change=2, tol=10.0, random_state=0)
    est.fit(*iris)
    trainer, observer = trainers[0]
    # the first epoch sets the best loss; the next three miss it by tol: a count of 3 > 2
    assert trainer.stop and est.n_iter_ == 4 == len(observer.epochs)


def test_early_stopping_puts_back_the_best_weights(iris, trainers):
    est = MLPClassifier((5,), max_iter=30, early_stopping=True, n_iter_no_change=3,
                        random_state=0).fit(*iris)
    assert trainers[0][0].callbacks[0].best is not None
    best = int(np.argmax(est.validation_scores_))
    assert est.best_validation_score_ == est.validation_scores_[best]
    logits = est.engine_.predict_logits(trainers[0][0].callbacks[0].X_val)
    assert est._val_score(logits, trainers[0][0].callbacks[0].Y_val) == pytest.approx(
        est.best_validation_score_)


def test_regressor_batches_follow_scikit_learns_shuffle(trainers):
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = X.sum(axis=1)
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, batch_size=20, random_state=0).fit(X, y)
    trainer, observer = trainers[0]
    assert observer.batches == 3 * 3  # 20 + 20 + 10 rows per epoch
    assert isinstance(trainer.loader.order, SklearnShuffle)


def test_sklearn_shuffle_draws_scikit_learns_cumulative_order():
    rs, ref_rs = check_random_state(3), check_random_state(3)
    order = SklearnShuffle(10, rs)
    index = np.arange(10)
    for _ in range(3):
        index = sk_shuffle(index, random_state=ref_rs)
        np.testing.assert_array_equal(order(), index)
