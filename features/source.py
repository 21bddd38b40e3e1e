"""Source family: the channel that brought the lead (referrals are known to convert better)."""

from __future__ import annotations

import numpy as np

from features import columns
from features.catalog import FeatureSpec

SPECS = (FeatureSpec("source", "source", "categorical", "Lead source (channel)"),)


def source_columns(leads: columns.Columns, n: int) -> dict[str, np.ndarray]:
    """``source`` as given (the contract normalised it); missing stays missing."""
    return {"source": columns.get(leads, "source", n)}
