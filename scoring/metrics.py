"""The metrics of scores: ranking, calibration, lift (training, the report and monitoring).

Expected calibration error (ECE): predictions are put into ``bins`` equal-width bins on [0, 1]
(bin ``k`` holds ``k/bins <= p < (k+1)/bins``; p = 1 goes in the last); ECE is the average over
bins of ``|mean predicted - observed rate|`` weighted by the bin's share of leads. Empty bins
count zero.

Top-decile lift: the conversion rate of the 10% highest-scored leads divided by the overall rate.
Ties at the cut (common with a points score) are shared out at their average rate, i.e. the
expected value of breaking ties at random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

EPS = 1e-6


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Per probability bin: range, lead count, mean predicted probability, observed rate."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    n = np.bincount(idx, minlength=bins)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "bin_lower": np.arange(bins) / bins,
            "bin_upper": (np.arange(bins) + 1) / bins,
            "n": n,
            "mean_predicted": np.where(n > 0, sum_p / np.maximum(n, 1), np.nan),
            "observed_rate": np.where(n > 0, sum_y / np.maximum(n, 1), np.nan),
        })


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    table = reliability_table(y, p, bins)
    used = table["n"] > 0
    gaps = (table.loc[used, "mean_predicted"] - table.loc[used, "observed_rate"]).abs()
    return float((gaps * table.loc[used, "n"]).sum() / table["n"].sum())


def top_decile(y: np.ndarray, score: np.ndarray, share: float = 0.1) -> tuple[float, float]:
    """(conversion rate in the top ``share`` by score, lift over the overall rate)."""
    y, score = np.asarray(y, dtype=float), np.asarray(score, dtype=float)
    k = max(1, int(np.ceil(len(y) * share)))
    cut = np.sort(score)[::-1][k - 1]
    above, at = score > cut, score == cut
    need = k - int(above.sum())
    rate = (y[above].sum() + y[at].mean() * need) / k
    overall = y.mean()
    return float(rate), float(rate / overall) if overall > 0 else float("nan")


def ranking_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """Metrics that need only an ordering (valid for the points score too)."""
    rate, lift = top_decile(y, score)
    return {"auc": float(roc_auc_score(y, score)),
            "pr_auc": float(average_precision_score(y, score)),
            "top_decile_rate": rate, "top_decile_lift": lift}


def probability_metrics(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict[str, float]:
    """Ranking metrics plus log loss, Brier, ECE and the base rate, for probabilities."""
    p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return {**ranking_metrics(y, p),
            "log_loss": float(log_loss(y, p, labels=[0, 1])),
            "brier": float(brier_score_loss(y, p)),
            "ece": expected_calibration_error(y, p, bins),
            "base_rate": float(np.mean(y)),
            "mean_predicted": float(np.mean(p))}


def _bootstrap_aucs(y: np.ndarray, scores: list[np.ndarray], resamples: int,
                    seed: int) -> list[np.ndarray]:
    """The ROC AUC of each of ``scores`` on the same ``resamples`` bootstrap samples of the
    leads (paired; samples with one class only are skipped). Ranks are computed for all samples
    at once: about a second for 1,000 resamples of a few thousand leads."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=float)
    rows = np.random.default_rng(seed).integers(0, len(y), size=(resamples, len(y)))
    ys = y[rows]
    positives = ys.sum(axis=1)
    negatives = len(y) - positives
    usable = (positives > 0) & (negatives > 0)
    out = []
    for score in scores:
        ranks = rankdata(np.asarray(score, dtype=float)[rows], axis=1)
        rank_sum = (ranks * ys).sum(axis=1)
        out.append((rank_sum - positives * (positives + 1) / 2)[usable]
                   / (positives * negatives)[usable])
    return out


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_auc_interval(y: np.ndarray, score: np.ndarray, *, resamples: int = 1000,
                           level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """The ``level`` bootstrap percentile interval of the ROC AUC (leads resampled with
    replacement)."""
    (auc,) = _bootstrap_aucs(y, [score], resamples, seed)
    return _percentiles(auc, level)


def bootstrap_auc_difference(y: np.ndarray, score: np.ndarray, other: np.ndarray, *,
                             resamples: int = 1000, level: float = 0.95,
                             seed: int = 0) -> tuple[float, float]:
    """The ``level`` paired bootstrap interval of ``AUC(score) - AUC(other)`` on the same leads:
    an interval wholly below 0 says ``score`` ranks worse than ``other`` beyond noise."""
    auc, other_auc = _bootstrap_aucs(y, [score, other], resamples, seed)
    return _percentiles(auc - other_auc, level)


def bootstrap_mean_auc_difference(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *,
                                  resamples: int = 1000, level: float = 0.95,
                                  seed: int = 0) -> tuple[float, float]:
    """The ``level`` paired bootstrap interval of the mean over ``parts`` (each ``(y, score,
    other)``: one validation fold) of ``AUC(score) - AUC(other)``, each fold resampled on its
    own: an interval wholly below 0 says ``score`` ranks those folds worse beyond noise."""
    diffs = []
    for i, (y, score, other) in enumerate(parts):
        auc, other_auc = _bootstrap_aucs(y, [score, other], resamples, seed + i)
        diffs.append(auc - other_auc)
    n = min(len(d) for d in diffs)
    return _percentiles(np.mean([d[:n] for d in diffs], axis=0), level)


def bootstrap_ece_difference(y: np.ndarray, p: np.ndarray, other: np.ndarray, bins: int = 10, *,
                             resamples: int = 500, level: float = 0.95,
                             seed: int = 0) -> tuple[float, float]:
    """The ``level`` paired bootstrap interval of ``ECE(p) - ECE(other)`` on the same leads: an
    interval wholly above 0 says ``p`` is calibrated worse than ``other`` beyond noise."""
    y, p, other = (np.asarray(a, dtype=float) for a in (y, p, other))
    rows = np.random.default_rng(seed).integers(0, len(y), size=(resamples, len(y)))
    return _percentiles(_eces(y, p, rows, bins) - _eces(y, other, rows, bins), level)


def _eces(y: np.ndarray, p: np.ndarray, rows: np.ndarray, bins: int) -> np.ndarray:
    """The ECE of each bootstrap sample ``rows[i]``: per bin, |sum of p - sum of y| over all
    leads (the same as the weighted mean of |mean predicted - observed rate|)."""
    idx = np.minimum((p * bins).astype(int), bins - 1)[rows]
    offset = (np.arange(len(rows)) * bins)[:, None]
    flat = (idx + offset).ravel()
    size = len(rows) * bins
    gap = (np.bincount(flat, weights=p[rows].ravel(), minlength=size)
           - np.bincount(flat, weights=y[rows].ravel(), minlength=size))
    return np.abs(gap.reshape(len(rows), bins)).sum(axis=1) / rows.shape[1]


def newest_month(scored_at: pd.Series, min_leads: int) -> tuple[str, np.ndarray] | None:
    """(month, row mask) of the newest calendar month of ``scored_at`` (UTC) that holds at least
    ``min_leads`` leads; None without usable times or without such a month."""
    when = pd.to_datetime(scored_at, utc=True)
    if when.isna().all():
        return None
    months = when.dt.strftime("%Y-%m").to_numpy()
    for month in sorted({m for m in months if isinstance(m, str)}, reverse=True):
        rows = months == month
        if rows.sum() >= min_leads:
            return month, rows
    return None


