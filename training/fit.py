"""Candidate models: one scikit-learn Pipeline each, preprocessing included, so it travels whole.

* ``logreg``: median imputation with missing-indicators, Yeo-Johnson scaling of the (skewed) counts,
  one-hot categoricals with rare values pooled; an L2-regularised logistic regression. The
  interpretable baseline.
* ``hgb``: HistGradientBoosting with native missing values and native categoricals (ordinal codes,
  rare values pooled, at most ``max_categories`` per column so the 255 limit is never hit).

Candidates are fitted on the training leads and compared on the validation leads (out of time
when the data has a time column): by validation log loss *after* a sigmoid recalibration
(cross-validated on the validation leads), so a candidate is judged on how well it ranks and
separates, not on a base rate that the recalibration on recent leads will set anyway. Each
candidate's validation ROC AUC is kept for the guard against the default LogisticRegression
(``training.choose``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, PowerTransformer

from training.calibrate import cross_validated_log_loss
from training.config import TrainConfig

logger = logging.getLogger(__name__)


@dataclass
class Candidate:
    """A fitted candidate and how it did on validation.

    ``valid_log_loss``: raw; ``valid_calibrated_log_loss``: after a cross-validated sigmoid
    recalibration (the ranking key); ``valid_p``: its raw validation probabilities.
    """

    name: str
    family: str
    params: dict[str, object]
    pipeline: Pipeline
    valid_log_loss: float
    fit_seconds: float
    valid_calibrated_log_loss: float = float("nan")
    valid_auc: float = float("nan")
    valid_p: np.ndarray | None = None


def logreg_pipeline(numeric: list[str], categorical: list[str], c: float,
                    cfg: TrainConfig) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True,
                                                       keep_empty_features=True)),
                              ("scale", PowerTransformer())]), numeric),
            ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                  min_frequency=cfg.min_category_count,
                                  max_categories=cfg.max_categories, sparse_output=False),
             categorical),
        ],
        verbose_feature_names_out=False,
    )
    model = LogisticRegression(C=c, max_iter=2000)
    return Pipeline([("encode", encode), ("model", model)])


def hgb_pipeline(numeric: list[str], categorical: list[str], params: dict,
                 cfg: TrainConfig) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", "passthrough", numeric),
            ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                   encoded_missing_value=np.nan,
                                   min_frequency=cfg.min_category_count,
                                   max_categories=min(cfg.max_categories, 254)), categorical),
        ],
        verbose_feature_names_out=False,
    )
    is_categorical = np.array([False] * len(numeric) + [True] * len(categorical))
    model = HistGradientBoostingClassifier(
        categorical_features=is_categorical, early_stopping=True, validation_fraction=0.1,
        n_iter_no_change=30, random_state=cfg.seed, **params)
    return Pipeline([("encode", encode), ("model", model)])


def candidate_specs(numeric: list[str], categorical: list[str],
                    cfg: TrainConfig) -> list[tuple[str, str, dict, Pipeline]]:
    specs = [(f"logreg_C{c:g}", "logreg", {"C": c}, logreg_pipeline(numeric, categorical, c, cfg))
             for c in cfg.logreg_c]
    specs += [(f"hgb_{i}", "hgb", dict(p), hgb_pipeline(numeric, categorical, p, cfg))
              for i, p in enumerate(cfg.hgb_params)]
    return specs


def fit_candidates(x_train: pd.DataFrame, y_train: np.ndarray, x_valid: pd.DataFrame,
                   y_valid: np.ndarray, numeric: list[str], categorical: list[str],
                   cfg: TrainConfig,
                   progress: Callable[[str], None] = lambda _: None) -> list[Candidate]:
    """Fit every candidate on train; score each on validation; best (lowest recalibrated
    validation log loss) first."""
    fitted = []
    for name, family, params, pipeline in candidate_specs(numeric, categorical, cfg):
        start = time.perf_counter()
        pipeline.fit(x_train, y_train)
        p = pipeline.predict_proba(x_valid)[:, 1]
        loss = log_loss(y_valid, p, labels=[0, 1])
        recalibrated = cross_validated_log_loss(p, np.asarray(y_valid), "sigmoid", cfg.seed)
        auc = roc_auc_score(y_valid, p)
        seconds = time.perf_counter() - start
        progress(f"  {name:<14} validation log loss {recalibrated:.4f} recalibrated "
                 f"({loss:.4f} raw), ROC AUC {auc:.3f}  ({seconds:.1f}s)")
        fitted.append(Candidate(name, family, params, pipeline, float(loss), seconds,
                                float(recalibrated), float(auc), p))
    return sorted(fitted, key=lambda c: c.valid_calibrated_log_loss)
