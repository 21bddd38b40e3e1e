"""The notebook's first look at an export (``report.explore``), checked against the raw CSV files
of the small demo: label rate per MQL month (partial months marked), conversion by segment in
plain words, and the missing values of each column."""

from __future__ import annotations

import pandas as pd
import pytest

from report.explore import conversion_by_segment, explore, label_rate_over_time, missingness


@pytest.fixture(scope="module")
def raw(demo_dir, demo_crm):
    """Each lead's MQL month, whether its 90-day horizon is over, and whether it converted in it,
    computed with pandas from the CSV files."""
    leads = pd.read_csv(demo_dir / "leads.csv", dtype={"lead_id": str})
    outcomes = pd.read_csv(demo_dir / "outcomes.csv", dtype={"lead_id": str})
    frame = leads.merge(outcomes[["lead_id", "sql_at"]], on="lead_id", how="left")
    mql = pd.to_datetime(frame["mql_at"], utc=True, format="ISO8601")
    sql = pd.to_datetime(frame["sql_at"], utc=True, format="ISO8601")
    end = mql + pd.Timedelta(days=90)
    frame["month"] = mql.dt.strftime("%Y-%m")
    frame["observed"] = (end <= demo_crm.as_of) & ~(sql <= mql)
    frame["converted"] = frame["observed"] & (sql > mql) & (sql <= end)
    return frame


def test_label_rate_per_month_matches_the_raw_export_and_marks_partial_months(demo_crm, raw):
    table = label_rate_over_time(demo_crm).set_index("month")
    grouped = raw.groupby("month")
    assert table["leads"].to_dict() == grouped.size().to_dict()
    assert table["labelled"].to_dict() == grouped["observed"].sum().to_dict()
    assert table["sqls"].to_dict() == grouped["converted"].sum().to_dict()
    some = grouped["observed"].any() & ~grouped["observed"].all()
    assert sorted(table.index[table["partial"]]) == sorted(some.index[some])
    assert table["partial"].sum() == 1
    open_months = table[table["labelled"] == 0]
    assert len(open_months) >= 2 and open_months["rate"].isna().all()  # the last 90 days


def test_conversion_by_segment_uses_plain_names_and_the_labelled_leads(demo_crm, raw):
    tables = conversion_by_segment(demo_crm)
    assert list(tables) == ["lead source", "industry", "company size band"]
    source = tables["lead source"].set_index("source")
    observed = raw[raw["observed"]]
    counts = observed.groupby("source").size()
    assert source.loc["Organic search", "leads"] == counts["organic_search"]
    assert source.loc["Referral", "sqls"] == observed.loc[observed["source"] == "referral",
                                                           "converted"].sum()
    assert source["leads"].sum() == len(observed)


def test_missingness_counts_the_blank_cells_of_every_column(demo_crm, demo_dir):
    table = missingness(demo_crm)
    leads = pd.read_csv(demo_dir / "leads.csv")
    budget = table[(table["table"] == "leads") & (table["column"] == "budget")].iloc[0]
    assert budget["missing"] == leads["budget"].isna().sum() > 0
    assert budget["share"] == pytest.approx(leads["budget"].isna().mean())
    assert table["share"].is_monotonic_decreasing
    assert set(table["table"]) == {"leads", "activities", "outcomes"}


def test_the_exploration_shows_in_a_notebook_as_one_isolated_page(demo_crm):
    view = explore(demo_crm)._repr_html_()
    assert view.startswith("<iframe srcdoc=")
    for words in ("Label rate over time", "(partial)", "Conversion by lead source",
                  "Organic search", "Missing values", "budget"):
        assert words in view, words
