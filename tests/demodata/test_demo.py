"""The demo generator: deterministic, inside the contract, nothing after as_of, and a story that a
point-in-time model can learn (p_true recomputes from the written files at MQL time)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demodata.events import DEFAULT_AS_OF, DemoData, generate_demo
from demodata.files import write_demo
from demodata.titles import (
    FUNCTION_LABELS,
    PAIN_POINTS,
    RESEARCHING,
    SENIORITY_LABELS,
    TITLE_VARIANTS,
    title_labels,
)
from demodata.truth import (
    HORIZON_DAYS,
    PAIN_EFFECT,
    PRE_MQL_MAX_DAYS,
    UNSUBSCRIBE_EFFECT,
    true_logit,
    true_probability,
)
from features import vocab

N_LEADS, SEED, RATE = 3000, 11, 0.13
FILES = ("leads.csv", "activities.csv", "outcomes.csv", "truth.csv", "README.md")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+00:00)$")
DAY = pd.Timedelta(days=1)


def read_export(folder: Path) -> dict[str, pd.DataFrame]:
    """The written CSVs as text columns (blank = missing), timestamps parsed to UTC."""
    frames = {}
    for name in ("leads", "activities", "outcomes", "truth"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype="str", keep_default_na=False,
                            na_values=[""])
        for column in ("mql_at", "occurred_at", "sql_at", "disqualified_at"):
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        frames[name] = frame
    frames["truth"]["p_true"] = frames["truth"]["p_true"].astype("float64")
    return frames


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, DemoData]:
    folder = tmp_path_factory.mktemp("demo")
    return folder, write_demo(folder, n_leads=N_LEADS, seed=SEED, conversion_rate=RATE)


@pytest.fixture(scope="module")
def data(written) -> DemoData:
    return written[1]


@pytest.fixture(scope="module")
def files(written) -> dict[str, pd.DataFrame]:
    return read_export(written[0])


@pytest.fixture(scope="module")
def lead_view(data) -> pd.DataFrame:
    """One row per lead: mql_at, source, p_true, sql_at, 90-day label, complete-horizon flag."""
    leads = data.leads.set_index("lead_id")
    view = leads[["mql_at", "source"]].join(data.truth.set_index("lead_id")["p_true"])
    view = view.join(data.outcomes.set_index("lead_id"))
    view["converted_90d"] = (view["sql_at"] - view["mql_at"]) <= HORIZON_DAYS * DAY
    view["complete"] = view["mql_at"] <= data.as_of - HORIZON_DAYS * DAY
    return view


def pre_mql(data: DemoData) -> pd.DataFrame:
    acts = data.activities
    mql = data.leads.set_index("lead_id")["mql_at"].reindex(acts["lead_id"]).to_numpy()
    return acts[acts["occurred_at"].to_numpy() <= mql]


# --- determinism -------------------------------------------------------------------------------
def test_same_arguments_write_byte_identical_files(written, tmp_path):
    first, _ = written
    write_demo(tmp_path, n_leads=N_LEADS, seed=SEED, conversion_rate=RATE)
    for name in FILES:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_different_seed_gives_different_data(written, tmp_path):
    first, data = written
    other = write_demo(tmp_path, n_leads=N_LEADS, seed=SEED + 1, conversion_rate=RATE)
    assert (first / "leads.csv").read_bytes() != (tmp_path / "leads.csv").read_bytes()
    assert (first / "activities.csv").read_bytes() != (tmp_path / "activities.csv").read_bytes()
    assert not np.allclose(data.truth["p_true"], other.truth["p_true"])


# --- the story: p_true ------------------------------------------------------------------------
def test_p_true_recomputed_from_written_files_at_mql_time_equals_truth(files, data):
    # Only the written leads row and activities up to mql_at go in: the oracle is reachable.
    recomputed = true_probability(files["leads"], files["activities"], data.intercept)
    np.testing.assert_allclose(recomputed.to_numpy(), files["truth"]["p_true"].to_numpy(),
                               rtol=0, atol=1e-12)


def test_p_true_ignores_activities_after_mql_and_counts_those_before(data):
    leads = data.leads.iloc[:200]
    acts = data.activities[data.activities["lead_id"].isin(leads["lead_id"])]
    base = true_probability(leads, acts, data.intercept)

    def with_demo(offset: pd.Timedelta) -> pd.Series:
        extra = pd.DataFrame({"lead_id": leads["lead_id"], "occurred_at": leads["mql_at"] + offset,
                              "activity_type": "demo_request", "content_stage": np.nan})
        return true_probability(leads, pd.concat([acts, extra], ignore_index=True), data.intercept)

    pd.testing.assert_series_equal(with_demo(pd.Timedelta(seconds=1)), base)
    before = with_demo(pd.Timedelta(seconds=-1))
    assert (before >= base).all() and (before > base).mean() > 0.5


def with_activity(acts: pd.DataFrame, leads: pd.DataFrame, activity_type: str,
                  days_before_mql: float) -> pd.DataFrame:
    """``acts`` plus one ``activity_type`` per lead, ``days_before_mql`` before its MQL."""
    extra = pd.DataFrame({"lead_id": leads["lead_id"], "activity_type": activity_type,
                          "occurred_at": leads["mql_at"] - pd.Timedelta(days=days_before_mql),
                          "content_stage": np.nan})
    return pd.concat([acts, extra], ignore_index=True)


@pytest.mark.parametrize(("activity_type", "window_days"), [
    ("demo_request", 30), ("webinar_attended", 90), ("email_reply", 90), ("trial_signup", 90),
])  # (a pricing page view 30.5 days back still counts as a 90-day visit: returning visitor)
def test_story_counts_behaviour_only_inside_its_window(data, activity_type, window_days):
    # Leads silent for less than the window, so the added activity never changes the silence.
    pre = pre_mql(data)
    silence = (data.leads.set_index("lead_id")["mql_at"]
               - pre.groupby("lead_id")["occurred_at"].max()) / DAY
    leads = data.leads[data.leads["lead_id"].map(silence) < window_days - 1].iloc[:200]
    acts = data.activities[data.activities["lead_id"].isin(leads["lead_id"])]
    base = true_probability(leads, acts, data.intercept)
    inside = true_probability(leads, with_activity(acts, leads, activity_type, window_days - 0.5),
                              data.intercept)
    outside = true_probability(leads, with_activity(acts, leads, activity_type, window_days + 0.5),
                               data.intercept)
    assert (inside >= base).all() and (inside > base).any()
    pd.testing.assert_series_equal(outside, base)


def test_unsubscribing_at_any_time_before_the_mql_lowers_the_logit_by_its_effect(data):
    leads = data.leads.iloc[:200]
    acts = data.activities[data.activities["lead_id"].isin(leads["lead_id"])]
    already = acts.loc[acts["activity_type"] == "unsubscribe", "lead_id"].unique()
    leads = leads[~leads["lead_id"].isin(already)]
    shift = true_logit(leads, with_activity(acts, leads, "unsubscribe", 150)) - true_logit(
        leads, acts)
    np.testing.assert_allclose(shift, UNSUBSCRIBE_EFFECT, atol=1e-12)


def test_mean_p_true_is_the_target_rate(data):
    # The intercept is bisected on this very sample, so only float error remains.
    assert data.truth["p_true"].mean() == pytest.approx(RATE, abs=1e-6)


def test_mean_p_true_follows_conversion_rate_argument():
    other = generate_demo(n_leads=500, seed=3, conversion_rate=0.3, activities_per_lead=8)
    assert other.truth["p_true"].mean() == pytest.approx(0.3, abs=1e-6)


def test_p_true_is_a_probability_with_a_wide_spread(data):
    p = data.truth["p_true"]
    assert ((p > 0) & (p < 1)).all()
    assert (p < 0.1).mean() > 0.5  # most leads are unlikely to convert ...
    assert (p > 0.4).mean() > 0.04  # ... and a meaningful share is hot


def test_realised_rate_matches_p_true_within_sampling_error(lead_view):
    # Leads with a complete 90-day horizon convert ~ Bernoulli(p_true): the realised rate may
    # differ from their mean p_true only by sampling noise; 4 standard errors keeps this test
    # from failing by chance (1 in ~15,000) while catching a broken outcome draw.
    cohort = lead_view[lead_view["complete"]]
    p = cohort["p_true"].to_numpy()
    se = np.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(cohort["converted_90d"].mean() - p.mean()) < 4 * se
    assert abs(cohort["converted_90d"].mean() - RATE) < 0.03


def test_referral_leads_convert_better_than_average(lead_view):
    cohort = lead_view[lead_view["complete"]]
    referral = cohort[cohort["source"] == "referral"]
    assert len(referral) > 50
    assert referral["converted_90d"].mean() > cohort["converted_90d"].mean() + 0.05
    assert referral["p_true"].mean() > 1.5 * cohort["p_true"].mean()


def test_pre_mql_demo_request_raises_the_realised_rate(data, lead_view):
    requested = pd.Index(pre_mql(data).query("activity_type == 'demo_request'")["lead_id"])
    cohort = lead_view[lead_view["complete"]]
    with_demo = cohort.index.isin(requested)
    assert 50 < with_demo.sum() < 0.5 * len(cohort)
    assert (cohort["converted_90d"][with_demo].mean()
            > 1.5 * cohort["converted_90d"][~with_demo].mean())


# --- outcomes ---------------------------------------------------------------------------------
def test_every_sql_is_after_its_mql_and_not_after_as_of(lead_view, data):
    sql = lead_view.dropna(subset=["sql_at"])
    assert len(sql) > 0.1 * len(lead_view)
    assert (sql["sql_at"] > sql["mql_at"]).all()
    assert (sql["sql_at"] <= data.as_of).all()


def test_conversion_comes_weeks_after_the_mql(lead_view):
    lag = (lead_view["sql_at"] - lead_view["mql_at"]).dropna() / DAY
    within = lag[lag <= HORIZON_DAYS]
    assert 10 < within.median() < 35  # ~3 weeks
    assert within.max() < HORIZON_DAYS
    late = lag[lag > HORIZON_DAYS]  # converted after the horizon: label 0 at 90 days
    assert len(late) > 0 and late.between(HORIZON_DAYS, 240).all()


def test_only_leads_that_never_convert_are_disqualified(lead_view):
    disqualified = lead_view["disqualified_at"].notna()
    assert not (disqualified & lead_view["sql_at"].notna()).any()
    gap = (lead_view["disqualified_at"] - lead_view["mql_at"])[disqualified] / DAY
    assert gap.between(5, 120).all()
    never = lead_view[lead_view["complete"] & lead_view["sql_at"].isna()]
    assert 0.2 < never["disqualified_at"].notna().mean() < 0.4


def test_recent_leads_are_unresolved_not_negative(lead_view, data):
    # A lead MQL'd less than 90 days before as_of has had less time to convert: its blank
    # sql_at means "not yet". Its p_true (what will happen) does not depend on its age, but its
    # observed conversions fall short of sum(p_true) and climb with age.
    age = (data.as_of - lead_view["mql_at"]) / DAY
    complete = lead_view[age > HORIZON_DAYS]
    newest = lead_view[age <= 30]
    assert len(newest) > 100
    se = newest["p_true"].std() / np.sqrt(len(newest))
    assert abs(newest["p_true"].mean() - complete["p_true"].mean()) < 4 * se
    assert newest["sql_at"].notna().sum() < 0.7 * newest["p_true"].sum()
    assert complete["converted_90d"].sum() > 0.9 * complete["p_true"].sum()
    older = lead_view[(age > 60) & (age <= HORIZON_DAYS)]
    assert older["sql_at"].notna().mean() > newest["sql_at"].notna().mean()


# --- time --------------------------------------------------------------------------------------
def test_nothing_is_written_after_as_of(files, data):
    as_of = pd.Timestamp(DEFAULT_AS_OF, tz="UTC")
    assert data.as_of == as_of
    stamps = [files["leads"]["mql_at"], files["activities"]["occurred_at"],
              files["outcomes"]["sql_at"], files["outcomes"]["disqualified_at"]]
    for column in stamps:
        assert (column.dropna() <= as_of).all(), column.name


def test_leak_bait_exists_activities_after_sql(data, lead_view):
    acts = data.activities.join(lead_view[["mql_at", "sql_at"]], on="lead_id")
    after_sql = acts[acts["occurred_at"] > acts["sql_at"]]
    assert after_sql["lead_id"].nunique() > 0.5 * lead_view["sql_at"].notna().sum()
    assert {"meeting_scheduled", "demo_request", "email_reply"} <= set(after_sql["activity_type"])
    meetings = acts[acts["activity_type"] == "meeting_scheduled"]
    assert (meetings["occurred_at"] > meetings["sql_at"]).all()  # only sales books meetings
    post_mql = acts["occurred_at"] > acts["mql_at"]
    assert acts.loc[post_mql, "lead_id"].nunique() > 0.9 * len(lead_view)  # nurture for all


def test_mql_moment_is_often_days_after_the_last_activity(data):
    pre = pre_mql(data)
    last = pre.groupby("lead_id")["occurred_at"].max()
    silence = (data.leads.set_index("lead_id")["mql_at"] - last) / DAY
    assert silence.notna().all()  # every lead did something before its MQL
    assert (silence >= 0).all()
    assert 0.3 < (silence < 10 / 1440).mean() < 0.6  # real-time scoring, within minutes
    assert 0.3 < (silence > 1).mean() < 0.7  # batch scoring runs and list imports
    assert (silence > 14).mean() > 0.05


def test_pre_mql_history_reaches_back_at_most_180_days_mostly_recent(data):
    pre = pre_mql(data)
    age = (pre["lead_id"].map(data.leads.set_index("lead_id")["mql_at"]) - pre["occurred_at"]) / DAY
    assert age.max() <= PRE_MQL_MAX_DAYS
    assert age.max() > 120
    assert (age <= 60).mean() > 0.6


def test_mql_volume_grows_month_over_month(data):
    months = data.leads["mql_at"].dt.tz_localize(None).dt.to_period("M").value_counts().sort_index()
    assert 16 <= len(months) <= 19
    assert months.iloc[-4:-1].mean() > 1.5 * months.iloc[:3].mean()


def test_activities_are_sorted_by_lead_then_time(data):
    acts = data.activities
    ordered = acts.sort_values(["lead_id", "occurred_at"], kind="stable")
    assert acts.index.equals(ordered.index)


@pytest.mark.parametrize("per_lead", [10.0, 30.0])
def test_activities_per_lead_follows_the_parameter(per_lead):
    demo = generate_demo(n_leads=1500, seed=5, activities_per_lead=per_lead)
    assert len(demo.activities) / len(demo.leads) == pytest.approx(per_lead, rel=0.05)


# --- shape and vocabularies -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "columns"), [
    ("leads", ["lead_id", "mql_at", *vocab.LEADS_REQUIRED[2:], *vocab.LEADS_OPTIONAL,
               "email", "full_name"]),
    ("activities", [*vocab.ACTIVITIES_REQUIRED, *vocab.ACTIVITIES_OPTIONAL]),
    ("outcomes", [*vocab.OUTCOMES_REQUIRED, *vocab.OUTCOMES_OPTIONAL]),
    ("truth", ["lead_id", "p_true", "seniority_true", "function_true"]),
])
def test_files_have_the_contract_columns(files, name, columns):
    assert list(files[name].columns) == columns


@pytest.mark.parametrize(("name", "column", "allowed"), [
    ("leads", "source", vocab.SOURCES),
    ("leads", "industry", vocab.INDUSTRIES),
    ("leads", "purchase_timeframe", vocab.PURCHASE_TIMEFRAMES),
    ("activities", "activity_type", vocab.ACTIVITY_TYPES),
    ("activities", "content_stage", vocab.CONTENT_STAGES),
    ("truth", "seniority_true", SENIORITY_LABELS),
    ("truth", "function_true", FUNCTION_LABELS),
])
def test_values_are_within_the_vocabularies(files, name, column, allowed):
    values = files[name][column].dropna()
    assert set(values) <= set(allowed)
    assert len(values) > 0


def test_identifiers_countries_and_numbers_are_well_formed(files):
    leads = files["leads"]
    assert leads["lead_id"].str.fullmatch(r"L\d{6}").all() and leads["lead_id"].is_unique
    assert leads["country"].dropna().str.fullmatch(r"[A-Z]{2}").all()
    for column in ("company_size", "annual_revenue", "budget"):
        assert (pd.to_numeric(leads[column]).dropna() > 0).all()
    assert leads["company_size"].dropna().str.fullmatch(r"\d+").all()  # whole employees
    assert leads["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.(com|org|net)").all()
    assert leads["email"].is_unique
    for name in ("activities", "outcomes", "truth"):
        assert set(files[name]["lead_id"]) <= set(leads["lead_id"])
    assert files["outcomes"]["lead_id"].is_unique and len(files["outcomes"]) == len(leads)


def test_content_stage_is_set_for_downloads_only(files):
    acts = files["activities"]
    download = acts["activity_type"] == "content_download"
    assert acts.loc[download, "content_stage"].notna().all()
    assert acts.loc[~download, "content_stage"].isna().all()


def test_timestamps_are_written_as_iso_utc_seconds(written):
    folder, _ = written
    for name, columns in (("leads", ["mql_at"]), ("activities", ["occurred_at"]),
                          ("outcomes", ["sql_at", "disqualified_at"])):
        raw = pd.read_csv(folder / f"{name}.csv", dtype="str", keep_default_na=False)
        for column in columns:
            values = raw[column][raw[column] != ""]
            assert values.str.match(TIMESTAMP).all(), (name, column)


def test_in_memory_frames_use_utc_timestamps_and_str(data):
    assert str(data.leads["mql_at"].dt.tz) == "UTC"
    assert str(data.activities["occurred_at"].dt.tz) == "UTC"
    assert str(data.outcomes["sql_at"].dt.tz) == "UTC"
    for frame, column in ((data.leads, "job_title"), (data.activities, "activity_type"),
                          (data.truth, "seniority_true")):
        assert frame[column].dtype == "str"
    assert data.leads["industry"].isna().any()  # blanks are missing, not ""
    assert not (data.leads["industry"] == "").any()


@pytest.mark.parametrize(("column", "share"), [
    ("job_title", 0.08), ("budget", 0.65), ("purchase_timeframe", 0.50), ("pain_point", 0.45),
    ("industry", 0.06), ("department", 0.86),
])
def test_fields_are_often_missing(data, column, share):
    assert data.leads[column].isna().mean() == pytest.approx(share, abs=0.04)


@pytest.mark.parametrize("column", ["source", "industry", "country"])
def test_rare_categories_exist(data, column):
    shares = data.leads[column].value_counts(normalize=True)
    assert (shares < 0.02).any() and shares.max() > 0.2


def test_revenue_grows_with_company_size(data):
    leads = data.leads.dropna(subset=["company_size", "annual_revenue"])
    corr = np.corrcoef(np.log(leads["company_size"].astype(float)), np.log(leads["annual_revenue"]))
    assert corr[0, 1] > 0.7
    assert leads["company_size"].astype(float).quantile(0.99) > 20 * leads["company_size"].median()


# --- titles ----------------------------------------------------------------------------------
def test_title_variants_are_messy_but_unambiguous():
    assert len(TITLE_VARIANTS) >= 80
    table = pd.DataFrame(TITLE_VARIANTS, columns=["title", "seniority", "function"])
    assert set(table["seniority"]) == set(SENIORITY_LABELS)
    assert set(table["function"]) <= set(FUNCTION_LABELS)
    key = table["title"].str.strip().str.casefold()
    assert (table.groupby(key)[["seniority", "function"]].nunique() == 1).all().all()
    assert (table["title"] != table["title"].str.strip()).any()  # stray spaces
    assert (table["title"].str.isupper() & (table["title"].str.len() > 5)).any()  # ALL CAPS


def test_every_pain_point_has_an_effect_in_the_story():
    assert set(PAIN_EFFECT) == {*PAIN_POINTS, RESEARCHING}


def test_truth_labels_are_those_of_the_title_written(data):
    labels = title_labels(data.leads["job_title"])
    assert (labels["seniority"].to_numpy() == data.truth["seniority_true"].to_numpy()).all()
    assert (labels["function"].to_numpy() == data.truth["function_true"].to_numpy()).all()
    blank = data.leads["job_title"].isna().to_numpy()
    assert blank.any() and (data.truth["seniority_true"][blank] == "unknown").all()


# --- arguments and README ----------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{"n_leads": 0}, {"conversion_rate": 0.0},
                                    {"conversion_rate": 1.0}, {"activities_per_lead": 0.5}])
def test_invalid_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        generate_demo(**{"n_leads": 10, **kwargs})


def test_readme_has_the_story_and_the_parameters(written):
    folder, data = written
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "## The formula of `p_true`" in text
    assert f"| leads | {N_LEADS:,} |" in text and f"| seed | {SEED} |" in text
    assert "| as_of | 2026-10-01T00:00:00Z |" in text
    assert f"{data.intercept:.6f}" in text
    assert re.search(r"\| realised 90-day conversion rate \| 0\.1\d{3} ", text)
