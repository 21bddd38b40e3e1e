"""Point-in-time: nothing that happened after a lead's scoring moment reaches its features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import FEATURE_NAMES, build_features


@pytest.fixture(scope="module")
def base(demo_crm):
    leads = demo_crm.leads.iloc[:600].reset_index(drop=True)
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    return leads, acts, build_features(leads, acts)


def _with(acts: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([acts, extra], ignore_index=True)


def test_activities_after_the_scoring_moment_change_no_feature(base):
    leads, acts, before = base
    rng = np.random.default_rng(0)
    types = rng.choice(["demo_request", "meeting_scheduled", "pricing_page_view", "unsubscribe",
                        "content_download"], size=len(leads))
    later = pd.DataFrame({
        "lead_id": leads["lead_id"],
        "occurred_at": leads["mql_at"] + pd.to_timedelta(rng.integers(1, 200_000, len(leads)),
                                                         unit="s"),
        "activity_type": types,
        "content_stage": np.where(types == "content_download", "bottom", None),
    })
    after = build_features(leads, _with(acts, later))
    pd.testing.assert_frame_equal(before, after)


def test_one_activity_before_the_moment_changes_the_right_features(base):
    leads, acts, before = base
    lead = leads.iloc[5]
    extra = pd.DataFrame({"lead_id": [lead["lead_id"]],
                          "occurred_at": [lead["mql_at"] - pd.Timedelta(days=3)],
                          "activity_type": ["demo_request"], "content_stage": [None]})
    after = build_features(leads, _with(acts, extra))
    others = after.index != lead["lead_id"]
    pd.testing.assert_frame_equal(before[others], after[others])
    row_b, row_a = before.loc[lead["lead_id"]], after.loc[lead["lead_id"]]
    for w in (7, 30, 90):
        assert row_a[f"n_demo_request_{w}d"] == row_b[f"n_demo_request_{w}d"] + 1
        assert row_a[f"n_activities_{w}d"] == row_b[f"n_activities_{w}d"] + 1
    assert row_a["engagement_score"] > row_b["engagement_score"]
    untouched = [c for c in FEATURE_NAMES if "demo_request" not in c and "activit" not in c
                 and c not in {"engagement_score", "n_active_days_90d", "recent_velocity",
                               "days_since_first_activity"}]
    pd.testing.assert_series_equal(row_b[untouched], row_a[untouched], check_names=False)


def test_an_activity_exactly_at_the_moment_counts(base):
    leads, acts, before = base
    lead = leads.iloc[9]
    extra = pd.DataFrame({"lead_id": [lead["lead_id"]], "occurred_at": [lead["mql_at"]],
                          "activity_type": ["pricing_page_view"], "content_stage": [None]})
    after = build_features(leads, _with(acts, extra)).loc[lead["lead_id"]]
    assert (after["n_pricing_page_view_7d"]
            == before.loc[lead["lead_id"], "n_pricing_page_view_7d"] + 1)
    assert after["days_since_last_activity"] == 0


def test_post_conversion_activity_is_invisible_at_mql_time(demo_crm):
    outcomes = demo_crm.outcomes.dropna(subset=["sql_at"])
    acts = demo_crm.activities.merge(outcomes[["lead_id", "sql_at"]], on="lead_id")
    assert (acts["occurred_at"] > acts["sql_at"]).any(), "demo must contain post-SQL activity"
    leads = demo_crm.leads[demo_crm.leads["lead_id"].isin(outcomes["lead_id"])]
    their_acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    features_at_mql = build_features(leads, their_acts)
    features_at_sql = build_features(
        leads, their_acts,
        at=outcomes.set_index("lead_id")["sql_at"] + pd.Timedelta(days=30))
    # A leaky pipeline (scoring after the outcome) would see many more meetings
    assert features_at_sql["n_meeting_scheduled_90d"].sum() > features_at_mql[
        "n_meeting_scheduled_90d"].sum()
    last_seen = features_at_mql["scored_at"] - pd.to_timedelta(
        features_at_mql["days_since_last_activity"], unit="D")
    assert (last_seen.dropna() <= leads.set_index("lead_id")["mql_at"].reindex(
        last_seen.dropna().index)).all()


def test_a_later_scoring_moment_sees_later_activity(base, demo_crm):
    leads, acts, before = base
    later = build_features(leads, acts, at=demo_crm.as_of + pd.Timedelta(days=400))
    assert (later["n_activities_90d"] >= 0).all()
    assert later["days_since_last_activity"].min() >= 400
    total_at_mql = before["n_activities_90d"].sum()
    every = build_features(leads, acts, at=pd.Series(
        leads["mql_at"].to_numpy() + pd.Timedelta(days=60), index=leads["lead_id"]))
    assert every["n_activities_90d"].sum() > total_at_mql


def test_scoring_moment_series_must_cover_every_lead(base):
    leads, acts, _ = base
    partial = pd.Series(leads["mql_at"].to_numpy()[:10], index=leads["lead_id"].iloc[:10])
    with pytest.raises(ValueError, match="no scoring moment for 590 lead"):
        build_features(leads, acts, at=partial)
