"""The per-lead table a person reads: features, the four BANT flags with reasons, the points
score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features import columns
from features.bant import COLUMNS as BANT_COLUMNS
from features.bant import bant_columns
from features.build import build_features, feature_columns
from features.points import points_columns
from features.rules import Rules, load_rules


def lead_table(
    leads: pd.DataFrame,
    activities: pd.DataFrame,
    at: str | pd.Timestamp | pd.Series | None = None,
    *,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Features (``build_features``) joined with BANT flags and the rule-based points score.

    Indexed by ``lead_id``. The BANT and points columns are rules, not learnt; they sit beside the
    model's inputs so sales can see both.
    """
    rules = rules or load_rules()
    features = build_features(leads, activities, at, rules=rules)
    extra = rules_columns(columns.from_frame(leads), columns.from_frame(features), len(leads),
                          rules)
    return pd.concat([features, columns.to_frame(extra, features.index, list(extra),
                                                 [*BANT_COLUMNS, "points_tier"])], axis=1)


def rules_columns(leads: columns.Columns, features: columns.Columns, n: int,
                  rules: Rules) -> dict[str, np.ndarray]:
    """The BANT flags with reasons (from the leads table) and the points score (from features)."""
    return {**bant_columns(leads, n, rules), **points_columns(features, n, rules)}


def lead_columns(leads: columns.Columns, at: np.ndarray, activities: columns.Columns,
                 rules: Rules, lead_ids: pd.Index | None = None) -> dict[str, np.ndarray]:
    """The core of :func:`lead_table` on plain arrays: features, BANT flags and points."""
    features = feature_columns(leads, at, activities, rules=rules, lead_ids=lead_ids)
    return {**features, **rules_columns(leads, features, len(leads["lead_id"]), rules)}
