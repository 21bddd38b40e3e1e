"""Leakage detection: columns that were (probably) filled in after the outcome, named with evidence.

Run on the training rows of any feature frame (flat or event shape) before fitting. A column is
flagged when

* ``separates``: on its own it separates the classes almost perfectly: its single-column ROC AUC
  (out-of-fold target rate of its value, or of its quantile bin for numbers, missing as a value of
  its own) is at least ``max_auc``; or one of its values, over at least ``min_leads`` leads, has a
  conversion rate of about 0% (at most ``pure_low``) or 100% (at least ``pure_high``) where the
  base rate predicts at least ``min_expected`` leads of the other outcome;
* ``missingness``: it is filled for converted and unconverted leads at very different rates (a
  field sales fill in after talking to the lead, or only once it converted);
* ``name``: a word of its name is one of ``name_words`` (tag, status, quality, stage, ...),
  matched as whole words, so "Statuses" or "Marital status" match but "Stagecoach" does not;
* ``after_outcome`` (event shape): it counts activities of a type that only ever happens after the
  lead converted, and it is not constant at the scoring moment.

Flagged columns are dropped by default; a user keeps one knowingly with ``--keep-column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from features.roles import tokens

NAME_WORDS = ("tag", "tags", "status", "statuses", "quality", "stage", "outcome", "outcomes",
              "closed", "won", "lost", "reason", "converted", "conversion", "deal", "deals",
              "opportunity", "disqualified", "disposition", "result", "sql", "grade", "rating")
ADVICE = {
    "separates": "alone it predicts the outcome almost perfectly, which columns filled in after "
                 "the outcome do",
    "missingness": "it is filled in for converted and unconverted leads at very different rates, "
                   "as fields sales fill in after contact are",
    "name": "its name says it records a sales step or an outcome",
    "after_outcome": "it counts activities that only happen after a lead converted",
}


@dataclass(frozen=True)
class LeakageConfig:
    """Thresholds of the leakage checks (see the module doc)."""

    max_auc: float = 0.9
    pure_low: float = 0.01
    pure_high: float = 0.98
    min_leads: int = 50
    min_expected: float = 25.0
    missingness_gap: float = 0.4
    name_words: tuple[str, ...] = NAME_WORDS
    after_share: float = 0.95
    bins: int = 20
    folds: int = 5
    seed: int = 42


@dataclass(frozen=True)
class LeakageFlag:
    """One reason to suspect one column, with its evidence in words and numbers."""

    column: str
    reason: str
    evidence: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def advice(self) -> str:
        return (f"{ADVICE[self.reason]}: dropped. If '{self.column}' is really known when a lead "
                f"becomes an MQL, keep it with --keep-column '{self.column}'")

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "reason": self.reason, "evidence": self.evidence,
                "advice": self.advice, "stats": self.stats}


def _codes(values: pd.Series, numeric: bool, bins: int) -> np.ndarray:
    """Integer code per row: the value (categories) or the quantile bin (numbers); missing = its
    own code."""
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


def single_column_auc(codes: np.ndarray, y: np.ndarray, cfg: LeakageConfig,
                      prior_weight: float = 10.0) -> float:
    """ROC AUC of the out-of-fold (smoothed) conversion rate of each row's code."""
    y = np.asarray(y, dtype=float)
    prior = y.mean()
    k = int(codes.max()) + 1
    oof = np.empty(len(y))
    folds = StratifiedKFold(cfg.folds, shuffle=True, random_state=cfg.seed)
    for fit, held in folds.split(codes, y):
        n = np.bincount(codes[fit], minlength=k)
        s = np.bincount(codes[fit], weights=y[fit], minlength=k)
        oof[held] = ((s + prior_weight * prior) / (n + prior_weight))[codes[held]]
    return float(roc_auc_score(y, oof))


def _pure_value(values: pd.Series, y: np.ndarray, cfg: LeakageConfig) -> dict[str, Any] | None:
    """The value with the most extreme conversion rate among those with >= min_leads leads, if
    that rate is about 0% or 100%."""
    frame = pd.DataFrame({"v": values.to_numpy(), "y": y}).dropna(subset=["v"])
    stats = frame.groupby("v", sort=True)["y"].agg(["size", "mean"])
    base = float(np.mean(y))
    stats = stats[stats["size"] >= cfg.min_leads]
    # ~0% is only evidence where the base rate predicts many conversions (and ~100% many misses):
    # 0 of 50 unsubscribed leads is what an honest 2% rate gives; 0 of 800 is not.
    low = (stats["mean"] <= cfg.pure_low) & (stats["size"] * base >= cfg.min_expected)
    high = (stats["mean"] >= cfg.pure_high) & (stats["size"] * (1 - base) >= cfg.min_expected)
    pure = stats[low | high]
    if pure.empty:
        return None
    worst = pure.sort_values("size", ascending=False).iloc[0]
    return {"value": str(pure.sort_values("size", ascending=False).index[0]),
            "rate": float(worst["mean"]), "n": int(worst["size"])}


def detect_leakage(x: pd.DataFrame, y: np.ndarray | pd.Series, numeric: list[str],
                   categorical: list[str], cfg: LeakageConfig | None = None) -> list[LeakageFlag]:
    """Flags for the columns of ``x`` (training rows; numbers as float, categories as text).

    Args:
        x: model inputs of the training rows.
        y: their labels (1 converted, 0 not).
        numeric, categorical: the columns to check, by kind.
        cfg: thresholds.

    Returns:
        One LeakageFlag per (column, reason), in column order.
    """
    cfg = cfg or LeakageConfig()
    y = np.asarray(y, dtype=float)
    base = float(y.mean())
    words = set(cfg.name_words)
    flags: list[LeakageFlag] = []
    for name in x.columns:
        if name not in numeric and name not in categorical:
            continue
        values = x[name]
        codes = _codes(values, name in numeric and values.nunique() > 2, cfg.bins)
        auc = single_column_auc(codes, y, cfg) if len(np.unique(codes)) > 1 else 0.5
        pure = (_pure_value(values, y, cfg)
                if name in categorical or values.nunique() <= 2 else None)
        if auc >= cfg.max_auc or pure is not None:
            text = f"single-column AUC {auc:.3f}"
            if pure is not None:
                text += (f"; value '{pure['value']}' converts {pure['rate']:.1%} of "
                         f"{pure['n']:,} leads (base rate {base:.1%})")
            flags.append(LeakageFlag(name, "separates", text,
                                     {"auc": round(auc, 4), "worst_value": pure,
                                      "base_rate": round(base, 4)}))
        filled = values.notna().to_numpy()
        fill_pos, fill_neg = float(filled[y == 1].mean()), float(filled[y == 0].mean())
        if abs(fill_pos - fill_neg) >= cfg.missingness_gap:
            flags.append(LeakageFlag(
                name, "missingness", f"filled for {fill_pos:.0%} of converted vs {fill_neg:.0%} "
                f"of unconverted leads", {"filled_converted": round(fill_pos, 4),
                                          "filled_unconverted": round(fill_neg, 4)}))
        hits = sorted(set(tokens(name)) & words)
        if hits:
            flags.append(LeakageFlag(name, "name", f"name contains {', '.join(map(repr, hits))}",
                                     {"words": hits}))
    return flags


def post_outcome_activity_types(activities: pd.DataFrame, outcomes: pd.DataFrame,
                                cfg: LeakageConfig | None = None,
                                min_count: int = 20) -> pd.DataFrame:
    """Activity types that (almost) only occur after their lead's ``sql_at`` (event shape).

    Returns activity_type, n (occurrences among leads that converted) and share_after_sql, for
    types with at least ``min_count`` occurrences and a share of at least ``cfg.after_share``.
    """
    cfg = cfg or LeakageConfig()
    sql_at = outcomes.dropna(subset=["sql_at"]).set_index("lead_id")["sql_at"]
    acts = activities[activities["lead_id"].isin(sql_at.index)]
    after = (acts["occurred_at"] >= acts["lead_id"].map(sql_at)).astype(float)
    table = after.groupby(acts["activity_type"]).agg(["size", "mean"])
    table.columns = ["n", "share_after_sql"]
    table = table[(table["n"] >= min_count) & (table["share_after_sql"] >= cfg.after_share)]
    return table.reset_index().sort_values("activity_type").reset_index(drop=True)


def detect_event_leakage(x: pd.DataFrame, y: np.ndarray | pd.Series, numeric: list[str],
                         categorical: list[str], activities: pd.DataFrame,
                         outcomes: pd.DataFrame, cfg: LeakageConfig | None = None
                         ) -> tuple[list[LeakageFlag], list[str]]:
    """``detect_leakage`` plus the event-shape check: features counting post-outcome activity
    types that are not constant at the scoring moment. Returns (flags, notes); a note says
    which post-outcome types exist but do not reach the features (point in time)."""
    cfg = cfg or LeakageConfig()
    flags = detect_leakage(x, y, numeric, categorical, cfg)
    notes = []
    for row in post_outcome_activity_types(activities, outcomes, cfg).itertuples():
        used = [c for c in x.columns if f"_{row.activity_type}_" in f"_{c}_"]
        leaking = [c for c in used if x[c].nunique(dropna=True) > 1]
        what = (f"activity type '{row.activity_type}': {row.share_after_sql:.0%} of its "
                f"{row.n:,} occurrences among converted leads are after sql_at")
        for column in leaking:
            share = float((x[column].fillna(0) != 0).mean())
            flags.append(LeakageFlag(column, "after_outcome",
                                     f"{what}; non-zero for {share:.1%} of training leads at "
                                     f"their scoring moment",
                                     {"activity_type": row.activity_type,
                                      "share_after_sql": round(float(row.share_after_sql), 4)}))
        if not leaking:
            notes.append(f"{what}; features count only activities before each lead's scoring "
                         f"moment, so none of it reaches the model")
    return flags, notes


def flagged_columns(flags: list[LeakageFlag]) -> list[str]:
    """The flagged columns, each once, in flag order."""
    return list(dict.fromkeys(f.column for f in flags))


def format_report(flags: list[LeakageFlag], kept: list[str] | tuple[str, ...] = ()) -> str:
    """The leakage report a user reads: per column its reasons, evidence and what to do."""
    if not flags:
        return "leakage check: no column flagged"
    lines = [f"leakage check: {len(flagged_columns(flags))} column(s) flagged"]
    for column in flagged_columns(flags):
        own = [f for f in flags if f.column == column]
        action = ("KEPT (--keep-column): metrics may be inflated" if column in kept
                  else "dropped")
        lines.append(f"  {column}: {action}")
        for f in own:
            lines.append(f"    [{f.reason}] {f.evidence}")
        lines.append(f"    what to do: {own[0].advice}")
    return "\n".join(lines)


__all__ = ["LeakageConfig", "LeakageFlag", "detect_leakage", "detect_event_leakage",
           "post_outcome_activity_types", "flagged_columns", "format_report", "NAME_WORDS"]
