"""Honest evaluation on the out-of-time test set: model vs points score vs oracle, and slices.

The metrics themselves (ROC AUC, ECE, lift, ...) are defined in ``scoring.metrics``, shared with the
report and monitoring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.metrics import probability_metrics, ranking_metrics, reliability_table


def slice_metrics(y: np.ndarray, p: np.ndarray, groups: pd.Series, min_leads: int = 50
                  ) -> pd.DataFrame:
    """Per group (e.g. source): leads, observed rate, mean predicted, AUC where defined."""
    frame = pd.DataFrame({"y": np.asarray(y), "p": np.asarray(p),
                          "group": groups.fillna("(missing)").to_numpy()})
    rows = []
    for name, part in frame.groupby("group", sort=True):
        if len(part) < min_leads:
            continue
        auc = (roc_auc_score(part["y"], part["p"]) if part["y"].nunique() == 2 else np.nan)
        rows.append({"group": name, "n": len(part), "observed_rate": part["y"].mean(),
                     "mean_predicted": part["p"].mean(), "auc": auc})
    return pd.DataFrame(rows, columns=["group", "n", "observed_rate", "mean_predicted", "auc"])


def evaluate(y: np.ndarray, p: np.ndarray, points: np.ndarray | None, *,
             p_true: np.ndarray | None = None, groups: pd.Series | None = None,
             bins: int = 10) -> dict[str, object]:
    """Everything about one test set: model, points score (None for flat exports, which have
    none) and (demo data) the oracle."""
    result: dict[str, object] = {
        "overall": probability_metrics(y, p, bins),
        "calibration": reliability_table(y, p, bins),
    }
    if points is not None:
        result["points"] = ranking_metrics(y, points)
    if p_true is not None:
        result["oracle"] = probability_metrics(y, p_true, bins)
    if groups is not None:
        result["slices"] = slice_metrics(y, p, groups)
    return result
