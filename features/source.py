"""Source family: the channel that brought the lead (referrals are known to convert better)."""

from __future__ import annotations

import pandas as pd

from features.catalog import FeatureSpec

SPECS = (FeatureSpec("source", "source", "categorical", "Lead source (channel)"),)


def source_features(leads: pd.DataFrame) -> pd.DataFrame:
    """Return ``source`` as normalised text (missing stays missing), indexed like ``leads``."""
    return pd.DataFrame({"source": leads["source"].astype("str")}, index=leads.index)
