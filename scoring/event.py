"""Scoring with a loaded model: probability, the CRM's 1-100 score and A-D grade, its fit and
engagement parts (``scoring.families``), tier, BANT flags, points, reasons in words, model version.

Used by ``leadconv score`` (batch over an export) and, later, by the HTTP service. Features come
from ``features.build.build_features`` — the same function training used — so there is no
train/serve skew.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features import columns
from features.bant import COLUMNS as BANT_COLUMNS
from features.behaviour import activity_columns
from features.build import FEATURE_NAMES, check_activity_leads, feature_matrix, scoring_moments
from features.rules import Rules, load_rules
from features.table import lead_columns
from scoring.bundle import load_bundle
from scoring.card import ModelCard
from scoring.compiled import CompiledModel
from scoring.families import crm_score, family_columns, part_probabilities
from scoring.parity import card_rows, check_parity, compile_model, warn_on_version
from scoring.sentences import Sentences

OUTPUT_COLUMNS = ("lead_id", "scored_at", "probability", "score", "grade", "fit", "fit_grade",
                  "engagement", "engagement_grade", "tier", *BANT_COLUMNS,
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


def top_reasons(contributions: np.ndarray, values: Mapping[str, np.ndarray], names: list[str],
                labels: list[str], sentences: Sentences, k: int = TOP_REASONS
                ) -> tuple[list[list[dict]], list[list[dict]]]:
    """Per lead, the ``k`` features pushing the probability up most, and down most.

    ``values`` holds each feature's column (by name); ``names`` and ``labels`` follow the columns
    of ``contributions``. Each reason: feature, label, value, ``text`` (a sentence in business
    units, ``scoring.sentences``) and ``contribution`` (change in log-odds).
    """
    ups, downs = [], []

    def reason(i: int, j: int) -> dict[str, Any]:
        value = values[names[j]][i]
        return {"feature": names[j], "label": labels[j], "value": _display(value),
                "text": sentences.text(names[j], value),
                "contribution": round(float(contributions[i, j]), 3)}

    for i, row in enumerate(contributions):
        up = np.flatnonzero(row > MIN_CONTRIBUTION)
        down = np.flatnonzero(row < -MIN_CONTRIBUTION)
        up = up[np.argsort(-row[up], kind="stable")][:k]
        down = down[np.argsort(row[down], kind="stable")][:k]
        ups.append([reason(i, int(j)) for j in up])
        downs.append([reason(i, int(j)) for j in down])
    return ups, downs


@dataclass
class Explained:
    """What ``Scorer.explain`` finds per lead: the probability, the top reasons up and down,
    and the fit and engagement probabilities (None when the model has no such parts)."""

    probability: np.ndarray
    ups: list[list[dict]]
    downs: list[list[dict]]
    fit: np.ndarray | None = None
    engagement: np.ndarray | None = None


@dataclass
class Scorer:
    """A model (features -> probability) with its card and the rules for BANT, points and tiers."""

    model: Any
    card: ModelCard
    rules: Rules
    compiled: CompiledModel | None = None
    labels: list[str] | None = None

    def __post_init__(self) -> None:
        # The model's inputs: the card's features (a run may drop some for leakage), in order.
        by_name = self.card.labels
        self.names = [n for n in FEATURE_NAMES if n in by_name] or list(FEATURE_NAMES)
        warn_on_version(self.card)
        if self.compiled is None and self.card.reference:
            reference = feature_matrix(pd.DataFrame([self.card.reference]), self.names)
            self.compiled = compile_model(self.model, reference, self.card)
        if self.compiled is not None:  # the fast path proves itself (scoring.parity)
            rows = feature_matrix(card_rows(self.card, self.names), self.names)
            check_parity(self.model, self.compiled, rows, version=self.card.version,
                         fitted_with=self.card.sklearn_version)
        names = self.compiled.feature_names if self.compiled else self.names
        self.labels = [by_name.get(n, n) for n in names]
        self.sentences = Sentences(self.rules, by_name)
        families = {f["name"]: f.get("family", "") for f in self.card.features}
        self.part_columns = (family_columns(self.compiled, families)
                             if self.compiled is not None else None)

    @classmethod
    def from_bundle(cls, folder: str | Path, rules: Rules | None = None) -> Scorer:
        model, card = load_bundle(folder)
        return cls(model, card, rules or load_rules())

    @property
    def version(self) -> str:
        return self.card.version

    def probabilities(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability per row of a ``build_features`` frame."""
        x = feature_matrix(features, self.names)
        if self.compiled is not None:
            return self.compiled.predict(x)
        return self.model.predict_proba(x)[:, 1]

    def _matrix(self, features: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The model's input columns of ``features``, typed (``features.build.feature_matrix``)."""
        return feature_matrix(pd.DataFrame({n: features[n] for n in self.names}), self.names)

    def _encoded(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        """The compiled model's encoded input: tree models encode the feature columns by table
        lookup, others go through the pipeline's encoder on the typed matrix."""
        assert self.compiled is not None
        if self.compiled.tables is None:
            return self.compiled.encode_frame(self._matrix(features))
        return self.compiled.encode_frame(features)

    def explain(self, features: Mapping[str, np.ndarray]) -> Explained:
        """Probabilities, their fit and engagement parts and, per lead, the top reasons up and
        down (see scoring.compiled and scoring.families).

        ``features``: the feature columns (``features.build.feature_columns``), or a frame.
        """
        if self.compiled is None:
            p = self.model.predict_proba(self._matrix(features))[:, 1]
            return Explained(p, [[] for _ in range(len(p))], [[] for _ in range(len(p))])
        z = self._encoded(features)
        p, contributions = self.compiled.explain(z)
        ups, downs = top_reasons(contributions, features, self.compiled.feature_names,
                                 self.labels or [], self.sentences)
        if self.part_columns is None:
            return Explained(p, ups, downs)
        fit, engagement = part_probabilities(self.compiled, z, self.part_columns)
        return Explained(p, ups, downs, fit, engagement)

    def parts(self, features: Mapping[str, np.ndarray]) -> pd.DataFrame | None:
        """The fit and engagement probabilities (``scoring.families``) of a ``build_features``
        frame's leads, as columns ``fit`` and ``engagement``; None when the model has no parts."""
        if self.compiled is None or self.part_columns is None:
            return None
        fit, engagement = part_probabilities(self.compiled, self._encoded(features),
                                             self.part_columns)
        index = features.index if isinstance(features, pd.DataFrame) else None
        return pd.DataFrame({"fit": fit, "engagement": engagement}, index=index)

    def score_columns(self, leads: Mapping[str, np.ndarray], activities: Mapping[str, np.ndarray],
                      at: np.ndarray) -> dict[str, Any]:
        """Score leads given as plain arrays (see ``features.table.lead_columns``).

        Args:
            leads: the leads table's columns, as ``features.contract`` reads them.
            activities: ``lead_id``, ``occurred_at`` (``datetime64[ns]`` UTC),
                ``activity_type``, optional ``content_stage``.
            at: scoring moment per lead, ``datetime64[ns]`` UTC.

        Returns:
            ``OUTPUT_COLUMNS`` as arrays or lists, one entry per lead, in input order.
        """
        return self.score_table(self.feature_table(leads, activities, at), at)

    def feature_table(self, leads: Mapping[str, np.ndarray],
                      activities: Mapping[str, np.ndarray], at: np.ndarray) -> dict[str, Any]:
        """The per-lead table ``score_table`` scores: the features (the one feature function,
        point in time), BANT flags and points, ``lead_id`` first."""
        return {"lead_id": np.asarray(leads["lead_id"]),
                **lead_columns(leads, at, activities, self.rules)}

    def score_table(self, table: Mapping[str, Any], at: np.ndarray) -> dict[str, Any]:
        """``score_columns``'s answer for a ``feature_table`` (the leads' moments ``at``)."""
        e = self.explain(table)
        p, grades = e.probability, self.rules.grades
        out: dict[str, Any] = {"lead_id": np.asarray(table["lead_id"]),
                               "scored_at": np.asarray(at, dtype="datetime64[ns]"),
                               "probability": p, "score": crm_score(p),
                               "grade": grades.grade(p)}
        for name, part in (("fit", e.fit), ("engagement", e.engagement)):
            if part is None:  # a model without families, or without a fast path
                out[name] = np.full(len(p), None, dtype=object)
                out[f"{name}_grade"] = np.full(len(p), None, dtype=object)
            else:
                out[name] = crm_score(part)
                out[f"{name}_grade"] = grades.grade(part)
        out["tier"] = self.rules.tiers.tier(p)
        out.update({name: table[name] for name in (*BANT_COLUMNS, "points_score",
                                                  "points_tier")})
        out.update({"reasons_up": e.ups, "reasons_down": e.downs,
                    "model_version": np.full(len(p), self.version, dtype=object)})
        return out

    def score(self, leads: pd.DataFrame, activities: pd.DataFrame,
              at: str | pd.Timestamp | pd.Series | None = None) -> pd.DataFrame:
        """Score each lead at its moment ``at`` (see ``build_features``); one row per lead."""
        return self.score_and_table(leads, activities, at)[0]

    def score_and_table(self, leads: pd.DataFrame, activities: pd.DataFrame,
                        at: str | pd.Timestamp | pd.Series | None = None
                        ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """``score``, and the ``feature_table`` the scores came from (for the log's input
        fingerprints, ``scoring.fingerprint``)."""
        if leads["lead_id"].duplicated().any():
            raise ValueError("leads.lead_id must be unique (load through features.contract)")
        check_activity_leads(activities, pd.Index(leads["lead_id"]))  # never silently ignored
        moments = scoring_moments(leads, at)
        stamps = moments.to_numpy(dtype="datetime64[ns]")
        table = self.feature_table(columns.from_frame(leads), activity_columns(activities),
                                   stamps)
        cols = self.score_table(table, stamps)
        out = pd.DataFrame({name: cols[name] for name in OUTPUT_COLUMNS if name != "scored_at"})
        out.insert(1, "scored_at", moments.reset_index(drop=True))
        for name in ("grade", "tier", *BANT_COLUMNS, "points_tier", "model_version"):
            out[name] = out[name].astype("str")
        return out, table


def reason_lines(ups: list[dict], downs: list[dict], k: int = TOP_REASONS) -> list[str]:
    """The ``k`` strongest reasons of one lead, up or down, as text: "+ Requested a demo in the
    last 30 days", "- No activity for 41 days"."""
    both = sorted([*ups, *downs], key=lambda r: -abs(r["contribution"]))[:k]
    return [f"{'+' if r['contribution'] > 0 else '-'} {r.get('text') or r['label']}"
            for r in both]


def flat_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores for a CSV/Parquet file: ``reason_1..3`` as text (strongest first, "+" up, "-"
    down) after the scores, and the reason lists as JSON text at the end for programs."""
    import json

    out = scores.copy()
    if "reasons_up" in out.columns:
        lines = [reason_lines(u, d) for u, d in zip(out["reasons_up"], out["reasons_down"],
                                                    strict=True)]
        at = out.columns.get_loc("reasons_up")
        for k in range(TOP_REASONS):
            out.insert(int(at) + k, f"reason_{k + 1}",
                       [row[k] if k < len(row) else None for row in lines])
    for column in ("reasons_up", "reasons_down"):
        if column in out.columns:
            out[column] = [json.dumps(r) for r in out.pop(column)]
    return out
