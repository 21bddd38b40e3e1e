"""The per-lead table a person reads: features, the four BANT flags with reasons, the points score."""

from __future__ import annotations

import pandas as pd

from features.bant import bant_flags
from features.build import build_features
from features.points import points_score
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
    flags = bant_flags(leads.set_index(pd.Index(leads["lead_id"], name="lead_id")), rules)
    points = points_score(features, rules)
    return pd.concat([features, flags, points], axis=1)
