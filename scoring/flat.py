"""Scoring a flat export with a model trained on a flat export (card ``"shape": "flat"``).

Features come from ``features.flat.flat_features`` with the mapping saved in the card (roles,
placeholders, decimal mark, learned category vocabularies) — the same function and the same
mapping training used — so there is no train/serve skew. Unseen categories become ``(other)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.flat import flat_features
from features.roles import parse_labels
from features.rules import Rules, load_rules
from scoring.bundle import StoreError, load_bundle
from scoring.card import ModelCard
from scoring.compiled import CompiledModel
from scoring.event import top_reasons
from scoring.families import crm_score
from scoring.parity import card_rows, check_parity, compile_model, warn_on_version
from scoring.sentences import Sentences

OUTPUT_COLUMNS = ("probability", "score", "grade", "tier", "reasons_up", "reasons_down",
                  "model_version")


@dataclass
class FlatScorer:
    """A flat-export model with its card and mapping, and the tiers of the rules file."""

    model: Any
    card: ModelCard
    rules: Rules

    def __post_init__(self) -> None:
        if not self.card.is_flat:
            raise StoreError("this model was not trained on a flat export")
        self.mapping = self.card.flat_mapping()
        self.feature_names: list[str] = list(self.card.feature_names)
        self.compiled: CompiledModel | None = None
        warn_on_version(self.card)
        if self.card.reference:
            reference = self.typed(pd.DataFrame([self.card.reference]))
            self.compiled = compile_model(self.model, reference, self.card)
            # the fast path proves itself (scoring.parity)
            rows = self.typed(card_rows(self.card, self.feature_names))
            check_parity(self.model, self.compiled, rows, version=self.card.version,
                         fitted_with=self.card.sklearn_version)
        by_name = self.card.labels
        self.labels = [by_name.get(n, n) for n in self.feature_names]
        self.sentences = Sentences(self.rules, by_name)  # a flat column reads "label: value"

    def typed(self, x: pd.DataFrame) -> pd.DataFrame:
        """Model inputs in the model's column order: categories as text, numbers as float."""
        categorical = set(self.mapping.categorical)
        return x.loc[:, self.feature_names].astype(
            {n: "str" if n in categorical else "float64" for n in self.feature_names})

    @classmethod
    def from_bundle(cls, folder: str | Path, rules: Rules | None = None) -> FlatScorer:
        model, card = load_bundle(folder)
        return cls(model, card, rules or load_rules())

    @property
    def version(self) -> str:
        return self.card.version

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model inputs of each row of ``frame`` (text columns as read from the export)."""
        return flat_features(frame, self.mapping).loc[:, self.feature_names]

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self.features(frame))[:, 1]

    def explain(self, frame: pd.DataFrame) -> tuple[np.ndarray, list, list]:
        """Probabilities and, per row, the top reasons up and down (see ``scoring.compiled``)."""
        x = self.typed(self.features(frame))
        if self.compiled is None:
            p = self.model.predict_proba(x)[:, 1]
            return p, [[] for _ in range(len(x))], [[] for _ in range(len(x))]
        p, contributions = self.compiled.explain(self.compiled.encode_frame(x))
        values = {name: x[name].to_numpy() for name in self.feature_names}
        ups, downs = top_reasons(contributions, values, self.feature_names, self.labels,
                                 self.sentences)
        return p, ups, downs

    def score_rows(self, rows: list[dict[str, str | None]]) -> dict[str, Any]:
        """Score rows of the export given as text by column name (what the service receives).

        Returns columns: ``lead_id`` (the id column's value, or None), ``probability``, ``score``,
        ``grade``, ``tier``, ``reasons_up``, ``reasons_down``.
        """
        columns = list(dict.fromkeys([*self.mapping.features, *(k for r in rows for k in r)]))
        frame = pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype="str")
                              for c in columns})
        p, ups, downs = self.explain(frame)
        id_column = self.mapping.id_column
        ids = ([r.get(id_column) for r in rows] if id_column is not None
               else [None] * len(rows))
        return {"lead_id": ids, "probability": p, "score": crm_score(p),
                "grade": self.rules.grades.grade(p), "tier": self.rules.tiers.tier(p),
                "reasons_up": ups, "reasons_down": downs}

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """One row per input row: the id column (or ``row``, 1-based), probability, 1-100 score,
        grade, tier, the top reasons up and down, model version and, when the export has the label
        column, the label as 1/0."""
        p, ups, downs = self.explain(frame)
        id_column = self.mapping.id_column
        if id_column is not None and id_column in frame.columns:
            out = pd.DataFrame({id_column: frame[id_column].to_numpy()})
        else:
            out = pd.DataFrame({"row": np.arange(1, len(frame) + 1)})
        out["probability"] = p
        out["score"] = crm_score(p)
        out["grade"] = self.rules.grades.grade(p).astype(str)
        out["tier"] = self.rules.tiers.tier(p)
        out["reasons_up"] = ups
        out["reasons_down"] = downs
        out["model_version"] = self.version
        target = self.mapping.target
        if target is not None and target in frame.columns:
            out[target] = parse_labels(frame[target], self.mapping.positive,
                                       self.mapping.placeholders).astype("Int64").to_numpy()
        return out


__all__ = ["FlatScorer", "OUTPUT_COLUMNS"]
