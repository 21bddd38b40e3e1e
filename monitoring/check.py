"""One monitoring check of one model version: drift against its profile, realised calibration
on matured leads, the verdict.

The input is ``Observed``: per lead its scoring moment, the model's probability and the model
inputs it was scored on, with the outcomes known at ``as_of``. ``leadconv monitor --data`` makes
it by scoring an export with the champion; a prediction log with outcomes can fill it the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.labels import make_labels
from monitoring.config import DEFAULT, Thresholds
from monitoring.drift import drift_table, months_of
from monitoring.realised import bands, known_outcomes, matured, realised_table
from monitoring.summary import summarise
from scoring.card import ModelCard
from scoring.profile import ReferenceProfile

DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Observed:
    """Scored leads of one model version, all indexed alike (by lead_id, or row).

    ``features``: the model inputs (columns of the profile); ``scored_at``: each lead's scoring
    moment (UTC; NaT when unknown); ``probability``: the model's score; ``outcomes``:
    ``lead_id``, ``sql_at`` (missing if not converted) and ``as_of``, when the outcomes were
    read: matured leads are labelled as in training. A flat export gives ``labels`` instead
    (1/0, missing when not known).
    """

    features: pd.DataFrame
    scored_at: pd.Series
    probability: pd.Series
    outcomes: pd.DataFrame | None = None
    as_of: pd.Timestamp | None = None
    labels: pd.Series | None = None

    def since(self, when: pd.Timestamp) -> Observed:
        """Only the leads scored at or after ``when`` (UTC)."""
        keep = (self.scored_at >= when).to_numpy()
        return Observed(self.features[keep], self.scored_at[keep], self.probability[keep],
                        self.outcomes, self.as_of,
                        None if self.labels is None else self.labels[keep])


def check(observed: Observed, profile: ReferenceProfile, card: ModelCard,
          thresholds: Thresholds = DEFAULT,
          data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary of one check (``monitoring.summary.summarise``): verdict, reasons, tables."""
    month = months_of(observed.scored_at)
    drift = drift_table(profile, observed.features, observed.probability, month, thresholds)
    horizon = card.horizon_days or DEFAULT_HORIZON_DAYS
    if observed.labels is not None:
        ripe = known_outcomes(observed.labels, observed.probability, month)
        n_censored = int(observed.labels.isna().sum())
    else:
        assert observed.outcomes is not None and observed.as_of is not None
        labels = make_labels(observed.scored_at, observed.outcomes, observed.as_of, horizon)
        ripe, n_censored = matured(labels, observed.probability, month), labels.n_censored
    realised = realised_table(ripe, thresholds)
    band_table = bands(ripe, thresholds.ece_bins) if len(ripe) else pd.DataFrame()
    model = {"version": card.version, "trained_at": card.trained_at, "run_id": card.run_id,
             "horizon_days": horizon, "test_auc": card.metrics.get("test_auc"),
             "test_ece": card.metrics.get("test_ece")}
    info = {"n_leads": len(observed.features), "n_matured": len(ripe),
            "n_censored": n_censored,
            "as_of": None if observed.as_of is None else str(observed.as_of),
            "first_scored_at": str(observed.scored_at.min()),
            "last_scored_at": str(observed.scored_at.max()),
            "labels": "outcomes" if observed.labels is None else "label column", **(data or {})}
    return summarise(model, profile, info, drift, realised, band_table, card.metrics, thresholds)
