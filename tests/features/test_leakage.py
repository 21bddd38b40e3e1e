"""Leakage detection: leaks found by what they are (snapshot, assigned, dominates, ...), with
evidence; lookalikes and honest columns not flagged; engineered event features never get
name-based flags.

Planted columns are made by a realistic mechanism on top of the honest columns of the flat demo
(fixed seed), never by copying how the demo plants its own leaks.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import features.leakage as leakage
from demodata.flat import LEAKY_COLUMNS, TARGET
from features.build import CATEGORICAL, NUMERIC, build_features, feature_matrix
from features.flat import flat_features, learn_vocabularies
from features.flat_read import read_flat
from features.leakage import (
    ADVICE,
    KINDS,
    NAME_KINDS,
    LeakageConfig,
    LeakageFlag,
    detect_event_leakage,
    detect_leakage,
    flagged_columns,
    format_report,
)
from features.roles import infer_mapping, parse_labels

HONEST_SAMPLE = ["Lead Source", "Industry", "Job Level", "Annual Revenue", "TotalVisits",
                 "Email Clicks", "Pricing Page Views (30d)", "Last Activity",
                 "Days Since Last Activity", "Demo Requested"]


@pytest.fixture(scope="module")
def flat(flat_demo_dir):
    """The flat demo read the way training reads it: (x, y, mapping)."""
    frame = read_flat(flat_demo_dir / "export.csv").frame
    mapping = learn_vocabularies(frame, infer_mapping(frame, TARGET))
    return (flat_features(frame, mapping), parse_labels(frame[TARGET]).to_numpy().astype(int),
            mapping)


@pytest.fixture(scope="module")
def flat_flags(flat):
    x, y, mapping = flat
    return detect_leakage(x, y, mapping.numeric, mapping.categorical)


@pytest.fixture(scope="module")
def honest(flat):
    """A few honest columns of the flat demo, the labels, and which columns are numbers."""
    x, y, mapping = flat
    return x[HONEST_SAMPLE], y, [c for c in HONEST_SAMPLE if c in mapping.numeric]


def with_planted(honest, planted: dict[str, pd.Series]) -> list[LeakageFlag]:
    """Flags of the honest sample plus the planted columns (numbers when their dtype is)."""
    x, y, numeric = honest
    x = x.assign(**planted)
    nums = numeric + [c for c, v in planted.items() if pd.api.types.is_numeric_dtype(v)]
    return detect_leakage(x, y, nums, [c for c in x.columns if c not in nums])


def reasons(flags: list[LeakageFlag], column: str) -> dict[str, LeakageFlag]:
    return {f.reason: f for f in flags if f.column == column}


def rng(salt: int) -> np.random.Generator:
    return np.random.default_rng(20260 + salt)


# -- planted columns, each by the mechanism that makes the leak in a real CRM ---------------------

def recent_campaign(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """The lead's current nurture campaign: its source's campaign at MQL, overwritten with the
    sales hand-over sequence for the leads sales took on (a third of those that converted, a
    few of the others)."""
    out = x["Lead Source"].astype(object).to_numpy().copy()
    out[rng(1).random(len(y)) < np.where(y == 1, 0.3, 0.04)] = "Sales Handover Sequence"
    return pd.Series(out, index=x.index)


def days_since_modified(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """Days from the record's last modification to the export: sales keep touching the leads
    they work, so converted leads were modified more recently."""
    r = rng(2)
    worked = r.exponential(20, len(y))
    idle = r.uniform(0, 400, len(y))
    return pd.Series(np.where(y == 1, worked, idle).round(1), index=x.index)


def last_contacted(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """Days since a rep last called: filled only when a rep called (more often the leads that
    went further), the value itself unrelated to the outcome."""
    r = rng(3)
    called = r.random(len(y)) < np.where(y == 1, 0.45, 0.2)
    return pd.Series(np.where(called, r.integers(1, 300, len(y)), np.nan), index=x.index)


def rep_rating(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """A rep's A-D rating, given once they talked to the lead: filled far more often for the
    leads that went further."""
    r = rng(4)
    rated = r.random(len(y)) < np.where(y == 1, 0.6, 0.25)
    grade = r.choice(list("ABCD"), len(y))
    return pd.Series(np.where(rated, grade, None), index=x.index)


def account_tier(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """The tier sales set on every account while qualifying: tier 1 for most converted leads."""
    r = rng(5)
    top = r.random(len(y)) < np.where(y == 1, 0.55, 0.08)
    rest = r.choice(["Tier 2", "Tier 3"], len(y))
    return pd.Series(np.where(top, "Tier 1", rest), index=x.index)


def credit_rating(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """A third-party credit rating from company revenue, bought for 80% of all leads alike."""
    r = rng(6)
    revenue = x["Annual Revenue"].rank(pct=True).fillna(0.5).to_numpy()
    band = np.select([revenue > 0.8, revenue > 0.5, revenue > 0.2], ["AA", "A", "BBB"], "BB")
    return pd.Series(np.where(r.random(len(y)) < 0.8, band, None), index=x.index)


def call_minutes(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """Minutes on the phone with sales: longer calls for the leads that converted."""
    r = rng(7)
    return pd.Series(np.where(y == 1, r.lognormal(3.2, 0.7, len(y)),
                              r.lognormal(1.8, 0.9, len(y))).round(1), index=x.index)


def deal_amount(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    """The amount of the deal sales opened: filled only once the lead converted."""
    r = rng(8)
    return pd.Series(np.where(y == 1, r.lognormal(9.8, 0.5, len(y)), np.nan), index=x.index)


def independent(values: list[str], salt: int):
    def make(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
        return pd.Series(rng(salt).choice(values, len(y)), index=x.index)
    return make


SURNAMES = [f"{a}{b}" for a in ("Mil", "Sch", "Kow", "Ber", "Duv", "Ros", "Lin", "Nak")
            for b in ("ler", "midt", "alski", "nard", "al", "si", "dqvist", "amura")]


@pytest.mark.parametrize(("column", "make", "reason", "evidence"), [
    ("Most Recent Campaign", recent_campaign, "snapshot", "holds"),
    ("Days Since Last Modified", days_since_modified, "snapshot", "single-column AUC"),
    ("Last Contacted (days)", last_contacted, "snapshot", "filled for"),
    ("Rep Rating", rep_rating, "assigned", "filled for"),
    ("Account Tier", account_tier, "assigned", "holds"),
    ("Call Minutes", call_minutes, "dominates", "next best column"),
])
def test_a_planted_leak_is_flagged_for_what_it_is(honest, column, make, reason, evidence):
    x, y, _ = honest
    flags = with_planted(honest, {column: make(x, y)})
    assert flagged_columns(flags) == [column]
    found = reasons(flags, column)
    assert reason in found, format_report(flags)
    assert evidence in found[reason].evidence
    assert found[reason].advice.startswith(ADVICE[reason])
    if reason in ("snapshot", "assigned") and evidence != "single-column AUC":
        # caught by the concentrated value or the fill rates, not by the AUC
        assert found[reason].stats["auc"] < getattr(LeakageConfig(), f"{reason}_auc")


@pytest.mark.parametrize(("column", "make"), [
    ("Last Name", independent(SURNAMES, 11)),
    ("Current Currency", independent(["EUR", "USD", "GBP", "CHF"], 12)),
    ("Last Page Visited", independent([f"/product/{i}" for i in range(40)], 13)),
    ("Credit Rating", credit_rating),
    ("Backstage Pass Holder", independent(["Yes", "No"], 14)),
    ("First Touch Channel", independent(["Web", "Event", "Partner"], 15)),
])
def test_a_lookalike_name_without_evidence_is_not_flagged(honest, column, make):
    x, y, _ = honest
    flags = with_planted(honest, {column: make(x, y)})
    assert flags == [], format_report(flags)


def test_the_rating_filled_alike_for_both_classes_shows_why_it_is_not_assigned(honest):
    x, y, _ = honest
    flags = with_planted(honest, {"Credit Rating": credit_rating(x, y)})
    tier = with_planted(honest, {"Account Tier": account_tier(x, y)})
    assert not flags and reasons(tier, "Account Tier")["assigned"].stats["words"] == ["tier"]


def test_dominates_compares_with_the_best_column_not_flagged_otherwise(honest):
    x, y, _ = honest
    flags = with_planted(honest, {"Call Minutes": call_minutes(x, y),
                                  "Deal Amount": deal_amount(x, y)})
    deal = reasons(flags, "Deal Amount")
    assert {"separates", "missingness", "name"} & set(deal)  # flagged for another reason ...
    assert deal["separates"].stats["auc"] > reasons(flags, "Call Minutes")["dominates"].stats[
        "auc"]  # ... and stronger than Call Minutes, yet it does not hide it:
    minutes = reasons(flags, "Call Minutes")["dominates"]
    assert minutes.stats["next_column"] in HONEST_SAMPLE
    assert minutes.stats["auc"] - minutes.stats["next_auc"] >= LeakageConfig().dominates_margin


def test_two_equally_strong_unexplained_columns_do_not_dominate_each_other(honest):
    x, y, _ = honest
    again = call_minutes(x, y) * rng(9).uniform(0.9, 1.1, len(y))
    flags = with_planted(honest, {"Call Minutes": call_minutes(x, y), "Talk Time": again})
    assert not [f for f in flags if f.reason == "dominates"]


def test_every_planted_leaky_column_of_the_flat_demo_is_flagged_with_evidence(flat_flags):
    flags = flat_flags
    assert set(flagged_columns(flags)) == set(LEAKY_COLUMNS)
    by_column = {c: reasons(flags, c) for c in LEAKY_COLUMNS}
    for column, own in by_column.items():  # each is caught by the data, not only by its name
        assert set(own) - {"name"}, column
    tags = by_column["Tags"]["separates"]
    assert "single-column AUC" in tags.evidence and tags.stats["worst_value"]["n"] >= 50
    assert tags.stats["worst_value"]["rate"] in (0.0, 1.0)
    quality = by_column["Lead Quality"]
    assert quality["missingness"].stats["filled_converted"] > quality[
        "missingness"].stats["filled_unconverted"] + 0.4
    assert "assigned" in quality and "snapshot" in by_column["Last Notable Activity"]
    assert {"separates", "missingness", "name"} <= set(by_column["Deal Value"])
    report = format_report(flags)
    assert "--keep-column 'Tags'" in report and "dropped" in report


def test_no_honest_column_of_the_flat_demo_is_flagged(flat_flags, flat):
    _, _, mapping = flat
    honest = [c for c in mapping.features if c not in LEAKY_COLUMNS]
    assert len(honest) > 20 and {"Last Activity", "Days Since Last Activity"} <= set(honest)
    assert not set(flagged_columns(flat_flags)) & set(honest)


@pytest.mark.parametrize(("name", "flagged"), [
    ("Lead Status", True), ("Deal Stage", True), ("LeadStatus", True),
    ("Disqualification Reason", True), ("Stagecoach", False), ("Total Visits", False),
    ("Backstage Pass", False), ("First Touch Channel", False), ("Lead Source", False),
    ("First Conversion", False), ("Reason for Inquiry", False), ("Quiz Result", False),
    ("Lead Quality", False),  # a grade: the assigned kind, which asks for evidence
])
def test_names_match_whole_words_only(name, flagged):
    r = np.random.default_rng(0)
    x = pd.DataFrame({name: r.normal(size=400)})
    y = r.random(400) < 0.3
    flags = detect_leakage(x, y, [name], [])
    assert any(f.reason == "name" for f in flags) is flagged


def test_a_rare_honest_value_with_no_conversions_is_not_evidence():
    # 60 leads at an honest 2% rate often show no conversion at all: not a leak.
    y = np.r_[np.zeros(60), np.random.default_rng(0).random(3000) < 0.13]
    x = pd.DataFrame({"Last Activity": ["Unsubscribed"] * 60 + ["Email Opened"] * 3000})
    assert detect_leakage(x, y, [], ["Last Activity"]) == []


def test_point_in_time_event_features_of_the_demo_are_not_flagged(demo_xy, demo_crm):
    x, y, _ = demo_xy
    flags, notes = detect_event_leakage(x, y, list(NUMERIC), list(CATEGORICAL),
                                        demo_crm.activities, demo_crm.outcomes)
    assert flags == []
    assert any("meeting_scheduled" in n and "none of it reaches the model" in n for n in notes)


def test_engineered_event_features_never_get_name_based_flags(demo_xy, demo_crm):
    x, y, _ = demo_xy
    x = x.copy()  # a strong engineered recency feature: as named, it would look like a snapshot
    x["days_since_last_activity"] = np.where(y == 1, 0.5, x["days_since_last_activity"])
    args = (list(NUMERIC), list(CATEGORICAL), demo_crm.activities, demo_crm.outcomes)
    engineered, _ = detect_event_leakage(x, y, *args)
    as_raw, _ = detect_event_leakage(x, y, *args, raw=list(x.columns))
    assert not [f for f in engineered if f.reason in NAME_KINDS]
    assert "snapshot" in {f.reason for f in as_raw if f.column == "days_since_last_activity"}


def test_event_features_built_after_the_outcome_are_flagged(demo_xy, demo_crm):
    _, y, labelled = demo_xy
    late = build_features(demo_crm.leads, demo_crm.activities, demo_crm.as_of)
    x = feature_matrix(late.loc[labelled.index])
    flags, _ = detect_event_leakage(x, y, list(NUMERIC), list(CATEGORICAL),
                                    demo_crm.activities, demo_crm.outcomes, LeakageConfig())
    after = [f for f in flags if f.reason == "after_outcome"]
    assert {f.column for f in after} >= {"n_meeting_scheduled_30d", "n_meeting_scheduled_90d"}
    assert "after sql_at" in after[0].evidence


def test_every_kind_has_advice_and_every_threshold_is_documented():
    assert set(ADVICE) == set(KINDS)
    doc = leakage.__doc__ or ""
    for f in fields(LeakageConfig):
        assert f"``{f.name}``" in doc, f.name


def overwritten_by_sales(x: pd.DataFrame, y: np.ndarray, converted: float, others: float,
                         salt: int) -> pd.Series:
    """A marketing touch type at MQL, overwritten by the sales step reached ("Meeting Booked",
    "Replied") for a share of the converted leads and a few of the others."""
    r = rng(salt)
    out = r.choice(["Email Open", "Web Visit", "Form Fill", "Ad Click"], len(y)).astype(object)
    reached = r.random(len(y)) < np.where(y == 1, converted, others)
    out[reached] = r.choice(["Meeting Booked", "Replied"], int(reached.sum()))
    return pd.Series(out, index=x.index)


@pytest.mark.parametrize("column", [
    "lastTouchType", "LASTTOUCHTYPE", "Touch Type (Most Recent)", "Sales Latest Touch",
    "touch_type_current", "TouchStatus", "Current-Stage Touch", "RecentlyUpdatedTouch"])
def test_a_word_of_state_anywhere_in_the_name_with_the_data_agreeing_is_a_snapshot(honest,
                                                                                  column):
    x, y, _ = honest
    flags = with_planted(honest, {column: overwritten_by_sales(x, y, 0.35, 0.04, 21)})
    found = reasons(flags, column)
    assert "snapshot" in found, format_report(flags)
    assert found["snapshot"].stats["words"]
    assert found["snapshot"].advice.endswith(f"--keep-column '{column}'")


def test_a_column_whose_converted_leads_mostly_hold_values_that_follow_conversion_is_a_snapshot(
        honest):
    x, y, _ = honest
    flags = with_planted(honest, {"Touch Type": overwritten_by_sales(x, y, 0.6, 0.06, 22)})
    assert flagged_columns(flags) == ["Touch Type"]
    snapshot = reasons(flags, "Touch Type")["snapshot"]
    assert "values that follow a conversion ('Meeting Booked', 'Replied')" in snapshot.evidence
    follow = snapshot.stats["follow"]
    assert follow["share_converted"] >= LeakageConfig().follow_share
    assert follow["share_unconverted"] < 0.1


def test_values_that_follow_conversion_for_few_converted_leads_need_the_name(honest):
    # a third of the converted leads reached the sales step: not "mostly", so the values alone
    # do not flag the column; with a word of state in its name they back the name
    x, y, _ = honest
    values = overwritten_by_sales(x, y, 0.33, 0.03, 23)
    assert with_planted(honest, {"Touch Type": values}) == []
    named = with_planted(honest, {"Touch Type Latest": values})
    assert "values that follow a conversion" in reasons(named, "Touch Type Latest")[
        "snapshot"].evidence


def test_a_strong_honest_yes_no_column_is_not_taken_for_a_snapshot():
    # a yes/no answer given at the MQL that most converted leads gave: two values, not a state
    r = np.random.default_rng(5)
    y = (r.random(4000) < 0.15).astype(int)
    said_yes = r.random(4000) < np.where(y == 1, 0.7, 0.1)
    x = pd.DataFrame({"Asked For Pricing": np.where(said_yes, 1.0, 0.0),
                      "Noise": r.normal(size=4000)})
    flags = detect_leakage(x, y, ["Asked For Pricing", "Noise"], [])
    assert "snapshot" not in reasons(flags, "Asked For Pricing")
