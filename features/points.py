"""The classic hand-made points score: the baseline the learnt model has to beat.

Points per behaviour (per occurrence, capped), points for fit (seniority, industry and company
size in the ideal customer profile) and negative points (unsubscribed, bounced, long silence),
all set in ``[points]`` of the rules file. The sum is cut to 0..100 and sorted into hot / warm /
cold tiers.

It reads the per-lead feature table (``features.build``), not the raw CRM tables, so the baseline
sees exactly what the model sees. A rule that needs a column the table does not have raises
``RulesError`` naming the rule and the column; rules worth 0 points need nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from features import columns
from features.rules import Rules, RulesError

TIERS = ("hot", "warm", "cold")


def points_breakdown(features: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Points each rule gives each lead, before the 0..100 cut; indexed like ``features``.

    One column per rule: each behaviour feature (e.g. ``n_demo_request_90d``), then
    ``seniority``, ``industry_in_icp``, ``company_size_in_icp``, ``region_in_icp``,
    ``unsubscribed``, ``bounced``, ``silence``. Negative rules give values ≤ 0.
    """
    return pd.DataFrame(breakdown_columns(columns.from_frame(features), len(features), rules),
                        index=features.index)


def breakdown_columns(features: columns.Columns, n: int, rules: Rules) -> dict[str, np.ndarray]:
    """The core of :func:`points_breakdown` on the feature table's columns."""
    points, icp = rules.points, rules.icp
    _require_columns(features, rules)
    out: dict[str, np.ndarray] = {}
    for rule in points.behaviour:
        count = _numeric(features, rule.feature) if rule.each else np.zeros(n)
        out[rule.feature] = np.minimum(np.clip(count, 0, None) * rule.each, rule.max)

    levels = dict(points.seniority)
    out["seniority"] = (
        np.array([levels.get(v, 0.0) if isinstance(v, str) else 0.0
                  for v in features["seniority"].tolist()], dtype="float64")
        if any(levels.values()) else np.zeros(n))
    upper = np.inf if icp.max_employees is None else icp.max_employees
    tests: tuple[tuple[str, str, float, Callable[[np.ndarray], np.ndarray]], ...] = (
        ("industry_in_icp", "industry", points.industry_in_icp,
         lambda col: columns.isin(col, icp.industries)),
        ("company_size_in_icp", "company_size", points.company_size_in_icp,
         lambda col: (columns.floats(col) >= icp.min_employees) & (columns.floats(col) <= upper)),
        ("region_in_icp", "region", points.region_in_icp,
         lambda col: columns.isin(col, icp.regions)),
        ("unsubscribed", "has_unsubscribed", points.unsubscribed,
         lambda col: columns.floats(col) > 0),
        ("bounced", "has_bounced", points.bounced, lambda col: columns.floats(col) > 0),
    )
    for name, column, worth, test in tests:
        out[name] = np.where(test(features[column]), worth, 0.0) if worth else np.zeros(n)

    silence = np.zeros(n)
    if any(step.points for step in points.silence):
        days = _numeric(features, "days_since_last_activity", fill=np.nan)
        for step in points.silence:  # ascending: the largest step passed wins
            silence = np.where(days > step.after_days, step.points, silence)
    out["silence"] = silence
    return out


def points_score(features: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Return ``points_score`` (int, 0..100) and ``points_tier`` (hot/warm/cold) per lead.

    Indexed like ``features``. A score at or above ``[points.tiers] hot`` is "hot", at or above
    ``warm`` is "warm", anything lower "cold".

    Raises:
        RulesError: a rule with non-zero points needs a column ``features`` lacks.
    """
    cols = points_columns(columns.from_frame(features), len(features), rules)
    return pd.DataFrame({"points_score": cols["points_score"],
                         "points_tier": pd.Series(cols["points_tier"], index=features.index,
                                                  dtype="str")}, index=features.index)


def points_columns(features: columns.Columns, n: int, rules: Rules) -> dict[str, np.ndarray]:
    """The core of :func:`points_score`: ``points_score`` (int64) and ``points_tier``."""
    parts = breakdown_columns(features, n, rules)
    total = np.sum(list(parts.values()), axis=0) if parts else np.zeros(n)
    score = np.clip(np.rint(total), 0, 100).astype("int64")
    tier = np.where(score >= rules.points.hot, "hot",
                    np.where(score >= rules.points.warm, "warm", "cold")).astype(object)
    return {"points_score": score, "points_tier": tier}


def _required_columns(rules: Rules) -> list[tuple[str, str]]:
    """(rule as written in the rules file, column it needs) for every rule worth points."""
    points = rules.points
    needs = [(f"[points.behaviour] {r.feature}", r.feature) for r in points.behaviour if r.each]
    conditional = (
        (any(p for _, p in points.seniority), "[points.fit] seniority", "seniority"),
        (points.industry_in_icp, "[points.fit] industry_in_icp", "industry"),
        (points.company_size_in_icp, "[points.fit] company_size_in_icp", "company_size"),
        (points.region_in_icp, "[points.fit] region_in_icp", "region"),
        (points.unsubscribed, "[points.negative] unsubscribed", "has_unsubscribed"),
        (points.bounced, "[points.negative] bounced", "has_bounced"),
        (any(s.points for s in points.silence), "[points.negative] silence",
         "days_since_last_activity"),
    )
    needs += [(rule, column) for active, rule, column in conditional if active]
    return needs


def _require_columns(features: columns.Columns, rules: Rules) -> None:
    for rule, column in _required_columns(rules):
        if column not in features:
            raise RulesError(f"{rules.source}: {rule} needs the feature column {column!r}, "
                             f"which the feature table does not have")


def _numeric(features: columns.Columns, column: str, fill: float = 0.0) -> np.ndarray:
    values = columns.floats(features[column])
    return np.where(np.isnan(values), fill, values)
