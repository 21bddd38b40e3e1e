"""Scoring with a loaded model: probability, 0-100 score, tier, BANT flags, points, model version.

Used by ``leadconv score`` (batch over an export) and, later, by the HTTP service. Features come
from ``features.build.build_features`` — the same function training used — so there is no
train/serve skew.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.bant import COLUMNS as BANT_COLUMNS
from features.build import feature_matrix
from features.rules import Rules, load_rules
from features.table import lead_table
from serving.store import load_bundle

OUTPUT_COLUMNS = ("lead_id", "scored_at", "probability", "score", "tier", *BANT_COLUMNS,
                  "points_score", "points_tier", "model_version")


@dataclass
class Scorer:
    """A model (features -> probability) with its card and the rules for BANT, points and tiers."""

    model: Any
    card: dict[str, Any]
    rules: Rules

    @classmethod
    def from_bundle(cls, folder: str | Path, rules: Rules | None = None) -> Scorer:
        model, card = load_bundle(folder)
        return cls(model, card, rules or load_rules())

    @property
    def version(self) -> str:
        return str(self.card.get("version", "unknown"))

    def probabilities(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability per row of a ``build_features`` frame."""
        return self.model.predict_proba(feature_matrix(features))[:, 1]

    def score(self, leads: pd.DataFrame, activities: pd.DataFrame,
              at: str | pd.Timestamp | pd.Series | None = None) -> pd.DataFrame:
        """Score each lead at its moment ``at`` (see ``build_features``); one row per lead."""
        table = lead_table(leads, activities, at, rules=self.rules)
        p = self.probabilities(table)
        out = table.reset_index()
        out["probability"] = p
        out["score"] = np.rint(p * 100).astype(int)
        out["tier"] = self.rules.tiers.tier(p)
        out["model_version"] = self.version
        return out.loc[:, list(OUTPUT_COLUMNS)]
