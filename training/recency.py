"""Weighting recent leads more: exponential decay by a lead's age at the newest lead of a fit.

Where the base rate or the relation between a column and the outcome moves over time, the
newest months say more about the next ones than the oldest. A recipe with a half-life ``h``
(days) fits every lead with weight ``0.5 ** (age / h)``, ``age`` being the days between the lead's
scoring moment and the newest one of the leads the fit uses; weights are scaled to average 1, so
the regularisation means what it means unweighted. The half-life is a candidate setting like any
other: the time-ordered folds choose it (``training.fit``), and "no decay" stays a candidate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def decay_weights(when: pd.Series, half_life_days: float | None) -> np.ndarray | None:
    """The weight of each lead of a fit (``when``: their scoring moments); None without decay
    (no half-life, or no usable times)."""
    if half_life_days is None:
        return None
    times = pd.to_datetime(when, utc=True)
    if times.isna().any():
        return None
    age = ((times.max() - times) / DAY).to_numpy(dtype=float)
    weights = np.power(0.5, age / float(half_life_days))
    return weights / weights.mean()


def half_lives(when: pd.Series, shares: tuple[float, ...]) -> list[float]:
    """Half-lives in whole days (at least one) for ``shares`` of the time span of ``when``,
    each once, longest first; empty without a span."""
    times = pd.to_datetime(when, utc=True).dropna()
    if times.empty:
        return []
    days = (times.max() - times.min()) / DAY
    if days <= 0:
        return []
    return sorted({max(1.0, float(round(days * s))) for s in shares}, reverse=True)


def effective_share(weights: np.ndarray | None) -> float:
    """Kish's effective sample size of ``weights`` as a share of the leads (1.0 unweighted)."""
    if weights is None or not len(weights):
        return 1.0
    return float(weights.sum() ** 2 / (weights ** 2).sum() / len(weights))


__all__ = ["decay_weights", "half_lives", "effective_share"]
