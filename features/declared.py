"""Declared family: what the lead told us on forms (budget, purchase timeframe, pain point).

These are the raw inputs of the BANT flags; the model may learn from them directly. Blanks stay
missing: "did not say" is information, never guessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.catalog import FeatureSpec

SPECS = (
    FeatureSpec("log_budget", "declared", "numeric", "Declared budget (log USD)"),
    FeatureSpec("purchase_timeframe", "declared", "categorical", "Declared purchase timeframe"),
    FeatureSpec("pain_point", "declared", "categorical", "Declared pain point / use case"),
)


def _column(leads: pd.DataFrame, name: str) -> pd.Series:
    if name in leads.columns:
        return leads[name]
    return pd.Series(np.nan, index=leads.index)


def declared_features(leads: pd.DataFrame) -> pd.DataFrame:
    """Return ``log_budget`` (log1p USD), ``purchase_timeframe`` and ``pain_point`` (lower case)."""
    budget = pd.to_numeric(_column(leads, "budget"), errors="coerce").astype("float64")
    timeframe = _column(leads, "purchase_timeframe").astype("str").str.strip().str.lower()
    pain = _column(leads, "pain_point").astype("str").str.strip().str.lower()
    return pd.DataFrame(
        {"log_budget": np.log1p(budget.clip(lower=0)), "purchase_timeframe": timeframe,
         "pain_point": pain},
        index=leads.index,
    )
