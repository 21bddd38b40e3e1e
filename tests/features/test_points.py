import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.points import points_breakdown, points_score
from features.rules import BehaviourPoints, RulesError, load_rules

RULES = load_rules()  # shipped defaults

BEHAVIOUR = ["n_demo_request_90d", "n_pricing_page_view_90d", "n_bottom_content_90d",
             "n_webinar_attended_90d", "n_email_click_90d", "n_page_view_90d"]

# A lead that earns nothing: no behaviour, unknown seniority, outside the ICP, recently active.
NEUTRAL = {
    **dict.fromkeys(BEHAVIOUR, 0),
    "seniority": "unknown",
    "industry": "retail",
    "company_size": np.nan,
    "region": "apac",
    "has_unsubscribed": 0,
    "has_bounced": 0,
    "days_since_last_activity": 1.0,
}
# 50 points of behaviour to take negative points away from: demo 25 + 2 bottom 20 + pricing 5.
ENGAGED = {**NEUTRAL, "n_demo_request_90d": 1, "n_bottom_content_90d": 2,
           "n_pricing_page_view_90d": 1}


def frame(**row) -> pd.DataFrame:
    return pd.DataFrame([row], index=pd.Index(["L1"], name="lead_id"))


def score_of(row: dict, rules=RULES) -> int:
    return int(points_score(frame(**row), rules).loc["L1", "points_score"])


def test_neutral_lead_scores_zero_and_engaged_lead_fifty():
    assert score_of(NEUTRAL) == 0
    assert score_of(ENGAGED) == 50


@pytest.mark.parametrize(("change", "expected"), [
    # behaviour: points per occurrence, capped
    ({"n_demo_request_90d": 1}, 25),
    ({"n_demo_request_90d": 3}, 25),
    ({"n_pricing_page_view_90d": 1}, 5),
    ({"n_pricing_page_view_90d": 3}, 15),
    ({"n_pricing_page_view_90d": 9}, 15),
    ({"n_bottom_content_90d": 1}, 10),
    ({"n_bottom_content_90d": 5}, 20),
    ({"n_webinar_attended_90d": 1}, 10),
    ({"n_webinar_attended_90d": 4}, 10),
    ({"n_email_click_90d": 3}, 6),
    ({"n_email_click_90d": 40}, 10),
    ({"n_page_view_90d": 7}, 7),
    ({"n_page_view_90d": 500}, 10),
    ({"n_page_view_90d": np.nan}, 0),
    ({"n_page_view_90d": -3}, 0),
    # fit
    ({"seniority": "c_level"}, 15),
    ({"seniority": "vp"}, 15),
    ({"seniority": "director"}, 10),
    ({"seniority": "manager"}, 0),
    ({"seniority": "individual_contributor"}, 0),
    ({"industry": "software"}, 10),
    ({"industry": np.nan}, 0),
    ({"company_size": 50.0}, 10),  # ICP lower edge, included
    ({"company_size": 5000.0}, 10),  # ICP upper edge, included
    ({"company_size": 49.0}, 0),
    ({"company_size": 5001.0}, 0),
    ({"region": "europe"}, 0),  # region_in_icp is 0 by default
])
def test_each_rule_moves_the_score_by_its_points(change, expected):
    assert score_of({**NEUTRAL, **change}) == expected


@pytest.mark.parametrize(("change", "expected"), [
    ({"has_unsubscribed": 1}, 20),
    ({"has_bounced": 1}, 30),
    ({"days_since_last_activity": 30.0}, 50),  # silence counts only past 30 days
    ({"days_since_last_activity": 30.5}, 40),
    ({"days_since_last_activity": 90.0}, 40),
    ({"days_since_last_activity": 91.0}, 30),  # the larger step replaces the smaller one
    ({"days_since_last_activity": np.nan}, 50),  # never active: no silence points
    ({"has_unsubscribed": 1, "has_bounced": 1}, 0),  # 50 - 30 - 20
])
def test_negative_points_are_taken_away(change, expected):
    assert score_of({**ENGAGED, **change}) == expected


def test_score_is_clipped_to_zero_and_one_hundred():
    everything = {**NEUTRAL, **dict.fromkeys(BEHAVIOUR, 100), "seniority": "c_level",
                  "industry": "software", "company_size": 500.0}
    assert points_breakdown(frame(**everything), RULES).loc["L1"].sum() == 125
    assert score_of(everything) == 100
    nothing = {**NEUTRAL, "has_unsubscribed": 1, "has_bounced": 1,
               "days_since_last_activity": 365.0}
    assert points_breakdown(frame(**nothing), RULES).loc["L1"].sum() == -70
    assert score_of(nothing) == 0


def _one_point_per_page_view():
    """Rules where the score equals n_page_view_90d (up to 200), for tier edges."""
    points = dataclasses.replace(
        RULES.points, behaviour=(BehaviourPoints("n_page_view_90d", 1.0, 200.0),))
    return dataclasses.replace(RULES, points=points)


@pytest.mark.parametrize(("page_views", "score", "tier"), [
    (0, 0, "cold"),
    (29, 29, "cold"),
    (30, 30, "warm"),
    (59, 59, "warm"),
    (60, 60, "hot"),
    (100, 100, "hot"),
    (150, 100, "hot"),
])
def test_tiers_start_at_their_cut_offs(page_views, score, tier):
    result = points_score(frame(**{**NEUTRAL, "n_page_view_90d": page_views}),
                          _one_point_per_page_view())
    assert result.loc["L1"].tolist() == [score, tier]


def test_output_is_indexed_like_features_and_input_is_untouched():
    features = pd.DataFrame([NEUTRAL, ENGAGED, {**ENGAGED, "seniority": "vp"}],
                            index=pd.Index(["c", "a", "b"], name="lead_id"))
    before = features.copy()
    result = points_score(features, RULES)
    pd.testing.assert_frame_equal(features, before)
    assert result.columns.tolist() == ["points_score", "points_tier"]
    assert result.index.equals(features.index)
    assert result["points_score"].dtype == np.int64
    assert result["points_score"].tolist() == [0, 50, 65]
    assert result["points_tier"].tolist() == ["cold", "warm", "hot"]


@pytest.mark.parametrize(("column", "rule"), [
    ("n_demo_request_90d", "[points.behaviour] n_demo_request_90d"),
    ("seniority", "[points.fit] seniority"),
    ("industry", "[points.fit] industry_in_icp"),
    ("company_size", "[points.fit] company_size_in_icp"),
    ("has_unsubscribed", "[points.negative] unsubscribed"),
    ("has_bounced", "[points.negative] bounced"),
    ("days_since_last_activity", "[points.negative] silence"),
])
def test_missing_feature_column_is_an_error_naming_rule_and_column(column, rule):
    features = frame(**NEUTRAL).drop(columns=column)
    with pytest.raises(RulesError) as err:
        points_score(features, RULES)
    message = str(err.value)
    assert message.startswith(f"{RULES.source}: {rule} ")
    assert repr(column) in message


def test_rule_worth_zero_points_needs_no_column():
    # region_in_icp is 0 by default, so the region column may be absent.
    features = frame(**{**ENGAGED, "industry": "software"}).drop(columns="region")
    assert points_score(features, RULES).loc["L1", "points_score"] == 60


def test_breakdown_names_each_rule_and_sums_to_the_unclipped_score():
    row = {**ENGAGED, "seniority": "director", "days_since_last_activity": 45.0}
    breakdown = points_breakdown(frame(**row), RULES).loc["L1"]
    assert breakdown[breakdown != 0].to_dict() == {
        "n_demo_request_90d": 25.0, "n_pricing_page_view_90d": 5.0,
        "n_bottom_content_90d": 20.0, "seniority": 10.0, "silence": -10.0,
    }
    assert score_of(row) == 50
