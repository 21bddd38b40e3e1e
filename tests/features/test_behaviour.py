"""Behavioural features on a hand-made activity history with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.behaviour import NAMES, behaviour_features

AT = pd.Timestamp("2026-05-31T12:00:00Z")


def history(rows: list[tuple[float, str, str | None]], lead: str = "A") -> pd.DataFrame:
    """Activities of one lead, ``days_ago`` before AT."""
    return pd.DataFrame({
        "lead_id": [lead] * len(rows),
        "occurred_at": [AT - pd.Timedelta(days=d) for d, _, _ in rows],
        "activity_type": [t for _, t, _ in rows],
        "content_stage": [s for _, _, s in rows],
    })


def features_of(rows, at=AT) -> pd.Series:
    ids = pd.Index(["A", "B"], name="lead_id")
    moments = np.array([at.tz_convert(None).to_datetime64()] * 2, dtype="datetime64[ns]")
    return behaviour_features(ids, moments, history(rows)).loc["A"]


HISTORY = [
    (0.5, "page_view", None),
    (2, "pricing_page_view", None),
    (7, "demo_request", None),          # exactly 7 days old: inside the 7-day window
    (7.01, "email_open", None),
    (20, "email_open", None),
    (20, "email_click", None),
    (45, "content_download", "bottom"),
    (60, "content_download", "top"),
    (89, "page_view", None),
    (91, "unsubscribe", None),          # outside 90 days, but "has unsubscribed" is ever
    (-1, "meeting_scheduled", None),    # after the moment: must be ignored
]


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        ("n_demo_request_7d", 1),
        ("n_email_open_7d", 0),
        ("n_email_open_30d", 2),
        ("n_activities_7d", 3),
        ("n_activities_30d", 6),
        ("n_activities_90d", 9),
        ("n_meeting_scheduled_90d", 0),
        ("n_unsubscribe_90d", 0),
        ("has_unsubscribed", 1),
        ("has_bounced", 0),
        ("days_since_last_activity", 0.5),
        ("days_since_first_activity", 91),
        ("n_bottom_content_90d", 1),
        ("n_top_content_90d", 1),
        ("n_middle_content_90d", 0),
        ("email_clicks_per_open_90d", 0.5),
        ("is_returning_visitor", 1),
        ("n_active_days_90d", 7),
        ("recent_velocity", (3 / 7) / (6 / 30)),
    ],
)
def test_behaviour_feature_values(feature, expected):
    assert features_of(HISTORY)[feature] == pytest.approx(expected)


def test_a_lead_without_activity_has_zero_counts_and_missing_recency():
    row = behaviour_features(pd.Index(["A", "B"]), np.array(
        [AT.tz_convert(None).to_datetime64()] * 2, dtype="datetime64[ns]"),
        history(HISTORY)).loc["B"]
    assert row["n_activities_90d"] == 0
    assert np.isnan(row["days_since_last_activity"])
    assert np.isnan(row["email_clicks_per_open_90d"])
    assert row["is_returning_visitor"] == 0


def test_one_visit_day_is_not_a_returning_visitor():
    rows = [(1.1, "page_view", None), (1.2, "pricing_page_view", None), (3, "email_open", None)]
    assert features_of(rows)["is_returning_visitor"] == 0


def test_engagement_decays_with_age_and_unsubscribes_subtract():
    recent = features_of([(1, "demo_request", None)])["engagement_score"]
    old = features_of([(40, "demo_request", None)])["engagement_score"]
    assert recent > old > 0
    assert features_of([(1, "demo_request", None), (1, "unsubscribe", None)])[
        "engagement_score"] < recent


def test_unknown_activity_types_count_only_in_totals():
    row = features_of([(1, "chat_started", None), (2, "page_view", None)])
    assert row["n_activities_7d"] == 2
    assert sum(row[n] for n in NAMES if n.endswith("_7d") and n != "n_activities_7d") == 1
