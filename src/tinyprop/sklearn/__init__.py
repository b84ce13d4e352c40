"""scikit-learn estimators trained by tinyprop: ``MLPClassifier``, ``MLPRegressor`` and
``LogisticRegression``.

They take scikit-learn's parameters with scikit-learn's meanings, defaults and
randomness (the same ``random_state`` gives scikit-learn's initial weights and batches),
plus tinyprop's extras (``engine``, ``dtype``, more solvers). They follow its conventions
(``__init__`` stores the parameters, ``fit`` checks them; ``fit``/``partial_fit``/
``predict``/``predict_proba``/``score``; ``classes_``, ``n_features_in_``,
``loss_curve_``, ...), so they work in ``Pipeline``, ``GridSearchCV``,
``cross_val_score``, ``clone`` and pickle. Training runs on either tinyprop engine
(``engine='autograd'`` or ``'manual'``), in float32 by default (``dtype='float64'`` on
request).

>>> from sklearn.datasets import load_digits
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from tinyprop.sklearn import MLPClassifier
>>> X, y = load_digits(return_X_y=True)
>>> model = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=30, random_state=0))
>>> bool(cross_val_score(model, X, y, cv=3).mean() > 0.9)
True
"""

from ._estimators import MLPClassifier, MLPRegressor
from ._logistic import LogisticRegression

__all__ = ["LogisticRegression", "MLPClassifier", "MLPRegressor"]
