"""What a data scientist's default notebook gets: a plain ``LogisticRegression()`` on the same
split and the same columns (median-imputed, standardised numbers; one-hot categories, a missing
value a category of its own), uncalibrated.

It plays two parts. It is a real candidate of every run (``default_logreg``, compared on the same
time-ordered folds as the others, and published, calibrated, when it wins: ``training.choose``).
And every run reports it beside the chosen model on the test leads (``baseline_*`` metrics,
fitted on all leads before the test period, as the evaluated model is, scored raw), so a user
sees what the product adds over the default.
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
DEFAULT_NAME = "default_logreg"


def default_logreg(numeric: list[str], categorical: list[str]) -> Pipeline:
    """``LogisticRegression()`` with the least preprocessing that lets it read the columns."""
    encode = ColumnTransformer(
        [("num", Pipeline([("impute", SimpleImputer(strategy="median",
                                                    keep_empty_features=True)),
                           ("scale", StandardScaler())]), numeric),
         ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)],
        verbose_feature_names_out=False)
    return Pipeline([("encode", encode), ("model", LogisticRegression(max_iter=1000))])


def baseline_proba(train: tuple[pd.DataFrame, np.ndarray], x: pd.DataFrame, numeric: list[str],
                   categorical: list[str]) -> np.ndarray:
    """The default model fitted on ``train``: its probabilities for ``x``."""
    (x_tr, y_tr) = train
    model = default_logreg(numeric, categorical).fit(x_tr, y_tr)
    return model.predict_proba(x)[:, 1]


def baseline_metrics(y: np.ndarray, p: np.ndarray, bins: int) -> dict[str, Any]:
    """``baseline_auc``, ``baseline_ece``, ... of the default model's probabilities ``p``."""
    metrics = probability_metrics(y, p, bins)
    return {f"baseline_{k}": metrics[k] for k in BASELINE_KEYS}


__all__ = ["default_logreg", "baseline_proba", "baseline_metrics", "BASELINE_KEYS",
           "DEFAULT_NAME"]
