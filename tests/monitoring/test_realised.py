"""Realised calibration on generated leads whose true probability is known: a calibrated score
passes, a score that over-promises is flagged in the months where it does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.labels import make_labels
from monitoring.config import Thresholds
from monitoring.drift import ALL
from monitoring.realised import bands, matured, realised_table
from monitoring.summary import calibration_reasons
from scoring.metrics import expected_calibration_error

MONTHS = [f"2026-0{m}" for m in range(1, 7)]
PER_MONTH = 800
AS_OF = pd.Timestamp("2026-12-31", tz="UTC")


def leads(seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Leads of six months (scored on the 1st) with a true probability and an outcome drawn from
    it; the last lead of each month is too recent to know only if its horizon has not passed."""
    rng = np.random.default_rng(seed)
    n = PER_MONTH * len(MONTHS)
    p_true = rng.beta(1.2, 7.0, n)
    scored_at = pd.to_datetime(np.repeat([f"{m}-01" for m in MONTHS], PER_MONTH), utc=True)
    converted = rng.random(n) < p_true
    sql_at = pd.Series(scored_at).where(converted) + pd.Timedelta(days=10)
    frame = pd.DataFrame({"scored_at": scored_at, "p_true": p_true, "sql_at": sql_at.to_numpy()},
                         index=pd.Index([f"L{i}" for i in range(n)], name="lead_id"))
    return frame, p_true


def realised(frame: pd.DataFrame, score: np.ndarray, as_of: pd.Timestamp = AS_OF) -> pd.DataFrame:
    outcomes = frame["sql_at"].rename_axis("lead_id").reset_index()
    labels = make_labels(frame["scored_at"], outcomes, as_of, 90)
    month = frame["scored_at"].dt.strftime("%Y-%m")
    return matured(labels, pd.Series(score, index=frame.index), month)


def test_a_calibrated_score_is_not_flagged():
    frame, p_true = leads()
    ripe = realised(frame, p_true)
    table = realised_table(ripe).set_index("month")
    assert len(ripe) == len(frame)  # every horizon has passed
    assert not table["flagged"].any()
    assert table.loc[ALL, "ece"] < Thresholds().ece_alert
    assert table.loc[ALL, "ece"] == pytest.approx(
        expected_calibration_error(ripe["label"], ripe["probability"]))
    assert calibration_reasons(table.reset_index(), Thresholds()) == []


def test_a_score_that_over_promises_after_a_date_is_flagged_in_those_months():
    frame, p_true = leads()
    shifted = p_true.copy()
    late = frame["scored_at"] >= pd.Timestamp("2026-04-01", tz="UTC")
    odds = p_true / (1 - p_true) * 2.5  # the score says 2.5x the true odds from April on
    shifted[late.to_numpy()] = (odds / (1 + odds))[late.to_numpy()]
    table = realised_table(realised(frame, shifted))
    flagged = table.loc[table["flagged"] & (table["month"] != ALL), "month"].tolist()
    assert flagged == ["2026-04", "2026-05", "2026-06"]
    reasons = calibration_reasons(table, Thresholds())
    assert reasons[0]["kind"] == "calibration"
    assert {"2026-04", "2026-05", "2026-06"} <= set(reasons[0]["months"])
    # the band table shows the promise against what happened
    band = bands(realised(frame, shifted))
    assert (band["mean_predicted"] > band["observed_rate"]).sum() > len(band) / 2


def test_leads_whose_horizon_has_not_passed_are_left_out():
    frame, p_true = leads()
    as_of = pd.Timestamp("2026-07-15", tz="UTC")  # June and May leads are still censored
    ripe = realised(frame, p_true, as_of)
    assert set(ripe["month"]) == {"2026-01", "2026-02", "2026-03", "2026-04"}
    assert len(ripe) == 4 * PER_MONTH
