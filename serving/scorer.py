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
from serving.compiled import CompiledModel
from serving.store import load_bundle

OUTPUT_COLUMNS = ("lead_id", "scored_at", "probability", "score", "tier", *BANT_COLUMNS,
                  "points_score", "points_tier", "reasons_up", "reasons_down", "model_version")
TOP_REASONS = 3
MIN_CONTRIBUTION = 0.01  # log-odds; smaller effects are not worth a reason line


def _display(value: Any) -> Any:
    """A feature value as a person reads it: 3.0 -> 3, NaN -> None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else round(float(value), 3)
    return str(value)


def top_reasons(contributions: np.ndarray, x: pd.DataFrame, labels: list[str],
                k: int = TOP_REASONS) -> tuple[list[list[dict]], list[list[dict]]]:
    """Per lead, the ``k`` features pushing the probability up most, and down most."""
    names = list(x.columns)
    values = x.to_numpy(dtype=object)
    order = np.argsort(-contributions, axis=1, kind="stable")
    ups, downs = [], []

    def reason(i: int, j: int) -> dict[str, Any]:
        return {"feature": names[j], "label": labels[j], "value": _display(values[i, j]),
                "contribution": round(float(contributions[i, j]), 3)}

    for i, row in enumerate(contributions):
        ups.append([reason(i, j) for j in order[i, :k] if row[j] > MIN_CONTRIBUTION])
        downs.append([reason(i, j) for j in order[i, ::-1][:k] if row[j] < -MIN_CONTRIBUTION])
    return ups, downs


@dataclass
class Scorer:
    """A model (features -> probability) with its card and the rules for BANT, points and tiers."""

    model: Any
    card: dict[str, Any]
    rules: Rules
    compiled: CompiledModel | None = None
    labels: list[str] | None = None

    def __post_init__(self) -> None:
        if self.compiled is None and self.card.get("reference"):
            reference = feature_matrix(pd.DataFrame([self.card["reference"]]))
            self.compiled = CompiledModel.from_calibrated(self.model, reference)
        by_name = {f["name"]: f["label"] for f in self.card.get("features", [])}
        names = self.compiled.feature_names if self.compiled else list(by_name)
        self.labels = [by_name.get(n, n) for n in names]

    @classmethod
    def from_bundle(cls, folder: str | Path, rules: Rules | None = None) -> Scorer:
        model, card = load_bundle(folder)
        return cls(model, card, rules or load_rules())

    @property
    def version(self) -> str:
        return str(self.card.get("version", "unknown"))

    def probabilities(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability per row of a ``build_features`` frame."""
        x = feature_matrix(features)
        if self.compiled is not None:
            return self.compiled.predict(x)
        return self.model.predict_proba(x)[:, 1]

    def explain(self, features: pd.DataFrame) -> tuple[np.ndarray, list, list]:
        """Probabilities and, per lead, the top reasons up and down (see serving.compiled)."""
        x = feature_matrix(features)
        if self.compiled is None:
            p = self.model.predict_proba(x)[:, 1]
            return p, [[] for _ in range(len(x))], [[] for _ in range(len(x))]
        z = self.compiled.encode_frame(x)
        raw = self.compiled.raw_score(z)
        p = self.compiled.proba_from_raw(raw)
        ups, downs = top_reasons(self.compiled.contributions(z, raw), x, self.labels or [])
        return p, ups, downs

    def score(self, leads: pd.DataFrame, activities: pd.DataFrame,
              at: str | pd.Timestamp | pd.Series | None = None) -> pd.DataFrame:
        """Score each lead at its moment ``at`` (see ``build_features``); one row per lead."""
        table = lead_table(leads, activities, at, rules=self.rules)
        p, ups, downs = self.explain(table)
        out = table.reset_index()
        out["reasons_up"] = ups
        out["reasons_down"] = downs
        out["probability"] = p
        out["score"] = np.rint(p * 100).astype(int)
        out["tier"] = self.rules.tiers.tier(p)
        out["model_version"] = self.version
        return out.loc[:, list(OUTPUT_COLUMNS)]


def flat_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores for a CSV/Parquet file: reason lists become JSON text."""
    import json

    out = scores.copy()
    for column in ("reasons_up", "reasons_down"):
        if column in out.columns:
            out[column] = [json.dumps(r) for r in out[column]]
    return out
