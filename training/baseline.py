"""What a data scientist's default notebook gets: a plain ``LogisticRegression()`` on the same
split and the same columns (median-imputed, standardised numbers; one-hot categories), fitted on
the training leads and measured on the same out-of-time test leads, uncalibrated. Every run
reports it beside the chosen model (``baseline_*`` metrics), so a user sees what the product adds
over the default.
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


def baseline_metrics(train: tuple[pd.DataFrame, np.ndarray], test: tuple[pd.DataFrame, np.ndarray],
                     numeric: list[str], categorical: list[str], bins: int) -> dict[str, Any]:
    """``baseline_auc``, ``baseline_ece``, ... of the default model on ``test``."""
    (x_tr, y_tr), (x_te, y_te) = train, test
    to_text = {c: "object" for c in categorical}
    model = default_logreg(numeric, categorical).fit(x_tr.astype(to_text), y_tr)
    p = model.predict_proba(x_te.astype(to_text))[:, 1]
    metrics = probability_metrics(y_te, p, bins)
    return {f"baseline_{k}": metrics[k] for k in BASELINE_KEYS}
