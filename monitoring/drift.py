"""Drift of the inputs and of the score against the training profile: the population stability
index (PSI) per feature and per month.

``PSI = sum over bins of (actual - expected) * ln(actual / expected)``, with ``expected`` the
training share of a bin (``scoring.profile``: deciles for numbers, top categories plus other and
missing for categories) and ``actual`` the share of the new leads; an empty bin counts as
``psi_floor`` so the log stays finite. It is symmetric, needs no extra dependency, reads the same
for every feature kind, and works from the binned profile alone (no training rows kept).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitoring.config import DEFAULT, Thresholds
from scoring.profile import SCORE, ColumnProfile, ReferenceProfile

ALL = "all"  # the month key of the whole export


def psi(expected: np.ndarray | list[float], actual: np.ndarray | list[float],
        floor: float = Thresholds.psi_floor) -> float:
    """The population stability index of ``actual`` shares against ``expected`` shares."""
    e = np.maximum(np.asarray(expected, dtype="float64"), floor)
    a = np.maximum(np.asarray(actual, dtype="float64"), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def column_psi(profile: ColumnProfile, values: pd.Series, floor: float) -> float:
    """PSI of ``values`` binned as ``profile`` against the training shares."""
    counts = profile.bin_counts(values)
    return psi(profile.shares, counts / max(int(counts.sum()), 1), floor)


def months_of(scored_at: pd.Series) -> pd.Series:
    """The calendar month (UTC, "2026-05") of each scoring moment."""
    return pd.to_datetime(scored_at, utc=True).dt.strftime("%Y-%m")


def drift_table(profile: ReferenceProfile, features: pd.DataFrame, scores: pd.Series,
                month: pd.Series, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """PSI of every profiled feature and of the score, per month and over all the leads.

    Args:
        profile: the champion's training profile.
        features: the model inputs of the new leads (columns named as in the profile).
        scores: the champion's probability for each lead (aligned with ``features``).
        month: each lead's month (``months_of``), aligned with ``features``.
        thresholds: ``psi_floor``, ``min_leads_drift`` and the PSI levels.

    Returns:
        One row per (month, column): ``month`` ("all" for the whole), ``column`` (a feature, or
        "score"), ``n`` leads, ``psi``, ``judged`` (enough leads) and ``level`` ("stable",
        "watch", "drift"; "too few leads" when not judged).
    """
    columns = [(f, features[f.name]) for f in profile.features if f.name in features.columns]
    columns.append((profile.score, pd.Series(np.asarray(scores), index=features.index)))
    month = pd.Series(np.asarray(month), index=features.index)
    groups = [(ALL, np.ones(len(features), dtype=bool))]
    groups += [(m, (month == m).to_numpy()) for m in sorted(month.dropna().unique())]
    rows = []
    for key, mask in groups:
        n = int(mask.sum())
        judged = n >= thresholds.min_leads_drift
        for column, values in columns:
            value = column_psi(column, values[mask], thresholds.psi_floor) if n else float("nan")
            rows.append({"month": key, "column": column.name, "n": n, "psi": value,
                         "judged": judged, "level": level(value, judged, thresholds)})
    return pd.DataFrame(rows)


def level(value: float, judged: bool, thresholds: Thresholds) -> str:
    """"drift", "watch" or "stable" by the PSI levels; "too few leads" when not judged."""
    if not judged:
        return "too few leads"
    if value >= thresholds.psi_alert:
        return "drift"
    return "watch" if value >= thresholds.psi_watch else "stable"


__all__ = ["ALL", "SCORE", "psi", "column_psi", "months_of", "drift_table", "level"]
