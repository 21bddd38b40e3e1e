"""Declared family: what the lead told us on forms (budget, purchase timeframe, pain point).

These are the raw inputs of the BANT flags; the model may learn from them directly. Blanks stay
missing: "did not say" is information, never guessed.
"""

from __future__ import annotations

import numpy as np

from features import columns
from features.catalog import FeatureSpec

SPECS = (
    FeatureSpec("log_budget", "declared", "numeric", "Declared budget (log USD)"),
    FeatureSpec("purchase_timeframe", "declared", "categorical", "Declared purchase timeframe"),
    FeatureSpec("pain_point", "declared", "categorical", "Declared pain point / use case"),
)


def declared_columns(leads: columns.Columns, n: int) -> dict[str, np.ndarray]:
    """``log_budget`` (log1p USD), ``purchase_timeframe`` and ``pain_point`` (trimmed, lower
    case)."""
    budget = columns.floats(columns.get(leads, "budget", n))
    return {"log_budget": np.log1p(np.clip(budget, 0, None)),
            "purchase_timeframe": columns.text(columns.get(leads, "purchase_timeframe", n),
                                               "lower"),
            "pain_point": columns.text(columns.get(leads, "pain_point", n), "lower")}
