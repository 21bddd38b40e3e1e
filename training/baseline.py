"""What a data scientist's default notebook gets: a plain ``LogisticRegression()`` on the same
split and the same columns (median-imputed, standardised numbers; one-hot categories),
uncalibrated. Every run reports it beside the chosen model (``baseline_*`` metrics, fitted on all
leads before the test period, as the evaluated model is, and measured on the same test leads), so
a user sees what the product adds over the default; fitted on the training leads only, its
validation scores guard the model choice (``training.choose``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from scoring.metrics import probability_metrics

BASELINE_KEYS = ("auc", "pr_auc", "log_loss", "brier", "ece")


def default_logreg(numeric: list[str], categorical: list[str]) -> Pipeline:
    """``LogisticRegression()`` with the least preprocessing that lets it read the columns."""
    encode = ColumnTransformer(
        [("num", Pipeline([("impute", SimpleImputer(strategy="median",
                                                    keep_empty_features=True)),
                           ("scale", StandardScaler())]), numeric),
         ("cat", Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="missing",
                                                    keep_empty_features=True)),
                           ("onehot", OneHotEncoder(handle_unknown="ignore"))]), categorical)],
        verbose_feature_names_out=False)
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=1000))])


def baseline_proba(train: tuple[pd.DataFrame, np.ndarray], x: pd.DataFrame, numeric: list[str],
                   categorical: list[str]) -> np.ndarray:
    """The default model fitted on ``train``: its probabilities for ``x``."""
    (x_tr, y_tr) = train
    to_text = {c: "object" for c in categorical}
    model = default_logreg(numeric, categorical).fit(x_tr.astype(to_text), y_tr)
    return model.predict_proba(x.astype(to_text))[:, 1]


def baseline_metrics(train: tuple[pd.DataFrame, np.ndarray], test: tuple[pd.DataFrame, np.ndarray],
                     numeric: list[str], categorical: list[str], bins: int) -> dict[str, Any]:
    """``baseline_auc``, ``baseline_ece``, ... of the default model fitted on ``train``, on
    ``test``."""
    p = baseline_proba(train, test[0], numeric, categorical)
    metrics = probability_metrics(test[1], p, bins)
    return {f"baseline_{k}": metrics[k] for k in BASELINE_KEYS}
