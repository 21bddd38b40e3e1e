"""Per-column statistics the leakage checks read: single-column AUC, fill rates by class, the
purest value and the value that concentrates the converted leads; and (event shape) the
activity types that only happen after conversion.

Computed once per column on the training rows (``column_stats``); ``features.leakage`` turns
them into flags. Numbers are binned by quantile, categories kept as values, and a missing value
is a value of its own, so a column filled only for converted leads shows in every statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold


class StatsConfig(Protocol):
    """The thresholds the statistics need (``features.leakage.LeakageConfig`` has them)."""

    @property
    def bins(self) -> int: ...
    @property
    def folds(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def min_leads(self) -> int: ...
    @property
    def min_expected(self) -> float: ...
    @property
    def pure_low(self) -> float: ...
    @property
    def pure_high(self) -> float: ...
    @property
    def after_share(self) -> float: ...
    @property
    def follow_ratio(self) -> float: ...
    @property
    def follow_min_leads(self) -> int: ...


@dataclass(frozen=True)
class ColumnStats:
    """What one column says about the label on the training rows.

    Attributes:
        auc: single-column ROC AUC (out-of-fold conversion rate of the value or quantile bin).
        fill_converted, fill_unconverted: share of converted / unconverted leads with a value.
        pure: the value with a conversion rate of about 0% or 100% over many leads, if any
            (``value``, ``rate``, ``n``).
        top: the value holding the largest share of the converted leads among those with at
            least ``min_leads`` leads (categories and yes/no columns only; not blank):
            ``value``, ``share``, ``rate``, ``n`` and ``odds_ratio`` (its conversion odds over the
            base odds, smoothed); or None.
        follow: the values that follow a conversion (``following_values``): ``values`` (most
            converted leads first), ``share_converted`` and ``share_unconverted`` (the shares of
            each class holding one of them), ``n_values`` (distinct values of the column); for
            categories and yes/no columns, else None.
    """

    auc: float
    fill_converted: float
    fill_unconverted: float
    pure: dict[str, Any] | None
    top: dict[str, Any] | None
    follow: dict[str, Any] | None = None


def codes_of(values: pd.Series, numeric: bool, bins: int) -> np.ndarray:
    """Integer code per row: the value (categories) or the quantile bin (numbers); missing = 0."""
    if numeric:
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        seen = v[~np.isnan(v)]
        if not len(seen):
            return np.zeros(len(v), dtype=np.int64)
        edges = np.unique(np.quantile(seen, np.linspace(0, 1, bins + 1)[1:-1]))
        codes = np.searchsorted(edges, v, side="right") + 1
        return np.where(np.isnan(v), 0, codes).astype(np.int64)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64) + 1  # missing -> 0


def single_column_auc(codes: np.ndarray, y: np.ndarray, cfg: StatsConfig,
                      prior_weight: float = 10.0) -> float:
    """ROC AUC of the out-of-fold (smoothed) conversion rate of each row's code."""
    y = np.asarray(y, dtype=float)
    if len(np.unique(codes)) < 2:
        return 0.5
    prior = y.mean()
    k = int(codes.max()) + 1
    oof = np.empty(len(y))
    folds = StratifiedKFold(cfg.folds, shuffle=True, random_state=cfg.seed)
    for fit, held in folds.split(codes, y):
        n = np.bincount(codes[fit], minlength=k)
        s = np.bincount(codes[fit], weights=y[fit], minlength=k)
        oof[held] = ((s + prior_weight * prior) / (n + prior_weight))[codes[held]]
    return float(roc_auc_score(y, oof))


def pure_value(values: pd.Series, y: np.ndarray, cfg: StatsConfig) -> dict[str, Any] | None:
    """The value with the most leads among those (>= min_leads leads) converting about 0% or 100%.

    ~0% is only evidence where the base rate predicts many conversions (and ~100% many misses):
    0 of 50 unsubscribed leads is what an honest 2% rate gives; 0 of 800 is not.
    """
    frame = pd.DataFrame({"v": values.to_numpy(), "y": y}).dropna(subset=["v"])
    stats = frame.groupby("v", sort=True)["y"].agg(["size", "mean"])
    base = float(np.mean(y))
    stats = stats[stats["size"] >= cfg.min_leads]
    low = (stats["mean"] <= cfg.pure_low) & (stats["size"] * base >= cfg.min_expected)
    high = (stats["mean"] >= cfg.pure_high) & (stats["size"] * (1 - base) >= cfg.min_expected)
    pure = stats[low | high].sort_values("size", ascending=False)
    if pure.empty:
        return None
    return {"value": str(pure.index[0]), "rate": float(pure["mean"].iloc[0]),
            "n": int(pure["size"].iloc[0])}


def _odds(converted: float, n: float) -> float:
    """Conversion odds, smoothed by half a lead each way (finite at 0% and 100%)."""
    return (converted + 0.5) / (n - converted + 0.5)


def top_value(values: pd.Series, y: np.ndarray, cfg: StatsConfig) -> dict[str, Any] | None:
    """The value (>= min_leads leads, blank excluded) holding the largest share of the converted
    leads, with its conversion rate and odds ratio against the base odds."""
    frame = pd.DataFrame({"v": values.to_numpy(), "y": y}).dropna(subset=["v"])
    stats = frame.groupby("v", sort=True)["y"].agg(["size", "sum", "mean"])
    stats = stats[stats["size"] >= cfg.min_leads]
    total = float(np.sum(y))
    if stats.empty or total == 0:
        return None
    value = stats["sum"].idxmax()
    row = stats.loc[value]
    ratio = _odds(float(row["sum"]), float(row["size"])) / _odds(total, float(len(y)))
    return {"value": str(value), "share": round(float(row["sum"]) / total, 4),
            "rate": round(float(row["mean"]), 4), "n": int(row["size"]),
            "odds_ratio": round(ratio, 2)}


def following_values(values: pd.Series, y: np.ndarray, cfg: StatsConfig) -> dict[str, Any]:
    """The values (not blank, at least ``follow_min_leads`` leads) at least ``follow_ratio``
    times as common among converted leads as among the others (shares smoothed by half a
    lead): in a column the CRM overwrites once a lead converts, converted leads mostly hold
    such values (the meeting booked, the reply, the stage reached)."""
    frame = pd.DataFrame({"v": values.to_numpy(), "y": y}).dropna(subset=["v"])
    stats = frame.groupby("v", sort=True)["y"].agg(["size", "sum"])
    n_values = len(stats)
    stats = stats[stats["size"] >= cfg.follow_min_leads]
    converted = float(np.sum(y))
    others = float(len(y)) - converted
    ratio = ((stats["sum"] + 0.5) / (converted + 0.5)) / (
        (stats["size"] - stats["sum"] + 0.5) / (others + 0.5))
    chosen = stats[ratio >= cfg.follow_ratio].sort_values("sum", ascending=False)
    return {"values": [str(v) for v in chosen.index],
            "share_converted": round(float(chosen["sum"].sum()) / max(converted, 1.0), 4),
            "share_unconverted": round(float((chosen["size"] - chosen["sum"]).sum())
                                       / max(others, 1.0), 4),
            "n_values": n_values}


def column_stats(values: pd.Series, y: np.ndarray, numeric: bool,
                 cfg: StatsConfig) -> ColumnStats:
    """The statistics of one column (``numeric``: a number column, binned by quantile)."""
    y = np.asarray(y, dtype=float)
    binned = numeric and values.nunique() > 2
    codes = codes_of(values, binned, cfg.bins)
    filled = values.notna().to_numpy()
    return ColumnStats(
        auc=single_column_auc(codes, y, cfg),
        fill_converted=float(filled[y == 1].mean()),
        fill_unconverted=float(filled[y == 0].mean()),
        pure=None if binned else pure_value(values, y, cfg),
        top=None if binned else top_value(values, y, cfg),
        follow=None if binned else following_values(values, y, cfg))


def post_outcome_activity_types(activities: pd.DataFrame, outcomes: pd.DataFrame,
                                cfg: StatsConfig, min_count: int = 20) -> pd.DataFrame:
    """Activity types that (almost) only occur after their lead's ``sql_at`` (event shape).

    Returns activity_type, n (occurrences among leads that converted) and share_after_sql, for
    types with at least ``min_count`` occurrences and a share of at least ``cfg.after_share``.
    """
    sql_at = outcomes.dropna(subset=["sql_at"]).set_index("lead_id")["sql_at"]
    acts = activities[activities["lead_id"].isin(sql_at.index)]
    after = (acts["occurred_at"] >= acts["lead_id"].map(sql_at)).astype(float)
    table = after.groupby(acts["activity_type"]).agg(["size", "mean"])
    table.columns = ["n", "share_after_sql"]
    table = table[(table["n"] >= min_count) & (table["share_after_sql"] >= cfg.after_share)]
    return table.reset_index().sort_values("activity_type").reset_index(drop=True)


__all__ = ["ColumnStats", "column_stats", "codes_of", "single_column_auc", "pure_value",
           "top_value", "following_values",
           "post_outcome_activity_types"]
