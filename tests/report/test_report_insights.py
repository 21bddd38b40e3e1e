"""What the report says a page means, on small literal frames: plain names, which groups are
called out (and which are too small), the per-value driver insights, the "what this means" box
(also when nothing stands out), the tiers, partial months, and charts whose scale holds every
bar."""

from __future__ import annotations

import dataclasses
import re
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from features.rules import Grades, ScoreTiers
from report.bars import Bar, BarChart, Reference
from report.insights import MIN_GROUP, driver_insights, groups_of, stands_out, summary
from report.page import build_report
from report.svg import lift_svg, reliability_svg
from report.tables import (
    LEAD_COLUMNS,
    ReportInputs,
    cohort_coverage,
    grade_table,
    quadrant_table,
    score_bands,
    tier_table,
)
from report.words import plain, plain_names
from scoring.card import ModelCard
from tests.report.html_tables import Tables, text_of


@pytest.mark.parametrize(("code", "name"), [
    ("organic_search", "Organic search"), ("paid_search", "Paid search"), ("it", "IT"),
    ("software", "Software"), ("c_level", "C-level"), ("no timeline", "No timeline"),
    ("true", "Yes"), ("false", "No"), ("(unknown)", "Unknown"), ("51-200", "51-200"),
    ("0-3 months", "0-3 months"), ("Google", "Google"), ("2026-03", "2026-03"),
    ("Landing Page Submission", "Landing Page Submission")])
def test_codes_get_plain_names_and_text_for_people_stays(code, name):
    assert plain(code) == name


def test_two_codes_that_would_read_the_same_keep_their_own_text():
    assert plain_names(["google", "Google", "referral"]) == {
        "google": "google", "Google": "Google", "referral": "Referral"}


def test_a_small_group_is_never_called_out_whatever_its_rate():
    assert stands_out(1.0, 0.13, MIN_GROUP - 1) == 0
    assert stands_out(0.30, 0.13, MIN_GROUP * 4) == 1
    assert stands_out(0.02, 0.13, MIN_GROUP * 4) == -1
    assert stands_out(0.14, 0.13, MIN_GROUP * 4) == 0  # within chance
    assert stands_out(0.131, 0.13, 1_000_000) == 0  # real but too small to matter


def test_counts_split_into_none_and_some_and_missing_is_its_own_group():
    values = pd.Series([0.0] * 60 + [2.0] * 40 + [np.nan] * 5)
    label = pd.Series([0] * 60 + [1] * 40 + [0] * 5)
    groups = {g.value: (g.leads, g.sqls) for g in
              groups_of("Demo requests", values, label, "numeric", 0.4)}
    assert groups == {"0": (60, 0), "1 or more": (40, 40), "not given": (5, 0)}


def test_a_yes_no_column_written_as_text_is_grouped_by_its_answers():
    values = pd.Series(["Yes"] * 30 + ["No"] * 70)
    groups = groups_of("Demo requested", values, pd.Series([1] * 30 + [0] * 70), "binary", 0.3)
    assert {g.value: (g.leads, g.sqls) for g in groups} == {"Yes": (30, 30), "No": (70, 0)}


def test_other_numbers_split_into_bottom_and_top_quarter():
    values = pd.Series(np.arange(1.0, 101.0))
    groups = groups_of("Company size", values, pd.Series([0] * 100), "numeric", 0.1)
    assert [(g.value, g.leads) for g in groups] == [("25 or less (bottom quarter)", 25),
                                                    ("76 or more (top quarter)", 25)]


def leads_frame(n: int, **columns: object) -> pd.DataFrame:
    base: dict[str, object] = {c: [np.nan] * n for c in LEAD_COLUMNS}
    base.update(mql_at=pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC"),
                is_test=[True] * n, points_score=np.zeros(n),
                **{f"bant_{f}": ["true"] * n for f in ("budget", "authority", "need",
                                                       "timeline")})
    base.update(columns)
    return pd.DataFrame(base, index=pd.Index([f"L{i}" for i in range(n)], name="lead_id"))


def inputs_of(leads: pd.DataFrame, values: pd.DataFrame | None = None) -> ReportInputs:
    importances = pd.DataFrame({"name": ["source", "n_demo_request_30d"],
                                "label": ["Lead source (channel)", "Demo requests, last 30 days"],
                                "family": ["source", "behaviour"], "importance": [0.02, 0.01],
                                "std": 0.0, "direction": ["mixed", "up"]})
    card = ModelCard(version="7", horizon_days=90, features=[
        {"name": "source", "label": "Lead source (channel)", "kind": "categorical"},
        {"name": "n_demo_request_30d", "label": "Demo requests", "kind": "numeric"}])
    return ReportInputs(leads, importances, card, {"evaluated_on": "all"}, values=values)


@pytest.fixture
def referral_converts():
    """600 leads: 200 referrals converting 30%, 380 by email converting 10%, 20 by event all
    converting (too few to be called out); demo requests 1 for 150 leads that convert 40%."""
    rng = np.random.default_rng(0)
    source = ["referral"] * 200 + ["email"] * 380 + ["event"] * 20
    label = [1] * 60 + [0] * 140 + [1] * 38 + [0] * 342 + [1] * 20
    frame = leads_frame(600, source=source, label=label,
                        probability=np.clip(np.array(label) * 0.5 + rng.uniform(0, 0.3, 600),
                                            0, 1),
                        industry=["software"] * 600, company_size_band=["51-200"] * 600)
    demo = np.zeros(600)
    converted = np.flatnonzero(frame["label"].to_numpy() == 1)[:60]
    demo[converted] = 1
    demo[np.flatnonzero(frame["label"].to_numpy() == 0)[:90]] = 1
    return inputs_of(frame, pd.DataFrame({"n_demo_request_30d": demo}, index=frame.index))


def test_driver_insights_name_the_values_that_help_and_hurt_in_words(referral_converts):
    insights = {d["name"]: d for d in driver_insights(referral_converts)}
    overall = 118 / 600
    source = insights["source"]
    assert [g.sentence() for g in source["helps"]] == [
        f"Referral converts 30.0% vs {overall:.1%} overall, 200 leads"]
    assert [g.sentence() for g in source["hurts"]] == [
        f"Email converts 10.0% vs {overall:.1%} overall, 380 leads"]
    assert source["small"] == 1  # the 20 event leads: all converted, too few to call out
    demo = insights["n_demo_request_30d"]
    assert [g.value for g in demo["helps"]] == ["1 or more"]
    assert demo["helps"][0].rate == pytest.approx(60 / 150)


def test_the_summary_box_names_the_segments_and_what_to_fix_from_the_data(referral_converts):
    box = summary(referral_converts, driver_insights(referral_converts))
    assert box["convert"][0].startswith("Lead source: Referral converts 30.0%")
    assert any(line.startswith("Lead source: Email converts 10.0%") for line in box["fix"])
    assert any("Hot leads" in line for line in box["call"])
    assert "Strongest signal: Demo requests, last 30 days: 1 or more" in " ".join(box["call"])


def test_the_summary_box_says_so_when_nothing_stands_out():
    frame = leads_frame(400, source=["email", "referral"] * 200, label=[1, 1, 0, 0] * 100,
                        probability=[0.5] * 400, industry=["software"] * 400,
                        company_size_band=["51-200"] * 400)
    inputs = inputs_of(frame)
    box = summary(inputs, driver_insights(inputs))
    assert box["convert"] == ["No segment converts clearly better than the 50.0% average "
                              "(400 leads): the segments below are all close to it."]
    assert box["fix"][0].startswith("Nothing stands out to fix")
    assert not any("Strongest signal" in line for line in box["call"])
    page = build_report(inputs)
    assert "No value stands out" in text_of(page)


def test_a_mostly_unknown_bant_fact_is_something_to_fix(referral_converts):
    leads = referral_converts.leads.assign(bant_budget=["unknown"] * 500 + ["true"] * 100)
    inputs = inputs_of(leads, referral_converts.values)
    box = summary(inputs, driver_insights(inputs))
    assert "Budget is unknown for 83% of leads: ask for it on forms or in the first call." \
        in box["fix"]


def test_tiers_count_leads_and_conversion_by_the_rules_cut_offs():
    frame = leads_frame(6, probability=[0.05, 0.14, 0.15, 0.39, 0.40, 0.9],
                        label=[0, 0, 1, 0, 1, 1])
    table = tier_table(frame, ScoreTiers(hot=0.40, warm=0.15)).set_index("tier")
    assert table.loc["hot", ["scores", "leads", "sqls"]].tolist() == ["40-100", 2, 2]
    assert table.loc["warm", ["scores", "leads", "sqls"]].tolist() == ["15-39", 2, 1]
    assert table.loc["cold", ["scores", "leads", "sqls"]].tolist() == ["0-14", 2, 0]
    assert table.loc["hot", "sql_share"] == pytest.approx(2 / 3)


def test_grades_count_leads_and_conversion_by_the_rules_cut_offs():
    frame = leads_frame(6, probability=[0.05, 0.14, 0.15, 0.39, 0.40, 0.9],
                        label=[0, 0, 1, 0, 1, 1])
    table = grade_table(frame, Grades(a=0.40, b=0.15, c=0.10)).set_index("grade")
    assert table.loc["A", ["scores", "leads", "sqls"]].tolist() == ["40-100", 2, 2]
    assert table.loc["B", ["scores", "leads", "sqls"]].tolist() == ["15-39", 2, 1]
    assert table.loc["C", ["scores", "leads", "sqls"]].tolist() == ["10-14", 1, 0]
    assert table.loc["D", ["scores", "leads", "sqls"]].tolist() == ["1-9", 1, 0]


def test_the_tiers_section_shows_each_tier_and_each_grade(referral_converts):
    page = build_report(referral_converts)
    tables = Tables(page).tables
    rows = tables["tiers"]
    assert [r[0] for r in rows[1:]] == ["Hot", "Warm", "Cold"]
    assert sum(int(r[2].replace(",", "")) for r in rows[1:]) == 600
    grades = tables["grades"]
    assert [r[0] for r in grades[1:]] == ["A", "B", "C", "D"]
    assert sum(int(r[2].replace(",", "")) for r in grades[1:]) == 600


def test_a_month_with_leads_not_yet_past_their_horizon_is_partial():
    stamps = pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-25",
                             "2026-03-01"], utc=True)
    labelled = pd.Series([True, True, True, False, False])
    table = cohort_coverage(pd.Series(stamps), labelled).set_index("month")
    assert list(table.index) == ["2026-01", "2026-02"]  # March: nothing labelled yet
    assert table.loc["2026-02", ["leads", "labelled", "partial"]].tolist() == [2, 1, True]
    assert not table.loc["2026-01", "partial"]


def test_a_bar_chart_scale_holds_its_largest_bar_and_reference():
    chart = BarChart("t", [Bar("a", 0.30, "30%"), Bar("b", 0.05, "5%")],
                     [Reference(0.40, "benchmark")])
    assert chart.width(0.40) == "100.00%"
    assert chart.width(0.30) == "75.00%"
    assert BarChart("t", [Bar("a", 0.3, ""), Bar("b", 0.6, "")]).width(0.6) == "100.00%"


def svg_points(svg: str) -> tuple[list[float], list[float], list[float]]:
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    ys = [float(c.get("cy")) for c in root.iter(f"{ns}circle")]
    ys += [float(r.get("y")) for r in root.iter(f"{ns}rect")]
    sizes = [float(t.get("font-size")) for t in root.iter(f"{ns}text")]
    return [width, height], ys, sizes


def test_svg_charts_keep_every_point_and_bar_inside_and_text_readable():
    evaluated = leads_frame(4, probability=[0.1, 0.5, 0.92, 0.97], label=[0, 1, 1, 1])
    (width, height), ys, sizes = svg_points(str(reliability_svg(score_bands(evaluated))))
    assert width <= 360 and min(ys) >= 0 and max(ys) <= height  # the 100% band is drawn
    assert min(sizes) >= 11
    lift = pd.DataFrame({"decile": range(1, 11), "model": np.linspace(0.95, 0.0, 10)})
    (_, height), ys, _ = svg_points(str(lift_svg(lift, 0.13)))
    assert min(ys) >= 0 and max(ys) <= height


def test_fit_by_engagement_counts_each_quadrant_and_its_conversion():
    frame = leads_frame(8, probability=[0.5, 0.4, 0.2, 0.1, 0.15, 0.05, 0.02, 0.01],
                        label=[1, 1, 0, 0, 1, 0, 0, 0])
    parts = pd.DataFrame({"fit": [0.3, 0.2, 0.3, 0.12, 0.02, 0.05, 0.01, 0.09],
                          "engagement": [0.4, 0.1, 0.05, 0.02, 0.5, 0.3, 0.01, 0.02]},
                         index=frame.index)
    table = quadrant_table(frame, parts, 0.10).set_index(["fit", "engagement"])
    assert table.loc[("high", "high"), ["leads", "sqls"]].tolist() == [2, 2]
    assert table.loc[("high", "low"), ["leads", "sqls"]].tolist() == [2, 0]
    assert table.loc[("low", "high"), ["leads", "sqls"]].tolist() == [2, 1]
    assert table.loc[("low", "low"), ["leads", "sqls"]].tolist() == [2, 0]
    assert table.loc[("low", "high"), "predicted"] == pytest.approx(0.10)
    assert table["share"].sum() == pytest.approx(1.0)


def test_the_report_shows_the_fit_by_engagement_grid_only_with_the_parts(referral_converts):
    assert "Fit and engagement" not in text_of(build_report(referral_converts))
    leads = referral_converts.leads
    rng = np.random.default_rng(1)
    parts = pd.DataFrame({"fit": rng.uniform(0, 0.3, len(leads)),
                          "engagement": rng.uniform(0, 0.3, len(leads))}, index=leads.index)
    page = build_report(dataclasses.replace(referral_converts, parts=parts))
    assert "Fit and engagement" in text_of(page)
    high = (parts["fit"] >= 0.10) & (parts["engagement"] >= 0.10)
    cell = re.search(r'class="quadrant q-high-high"><b>([\d.]+)%</b> converted<br>([\d,]+) leads',
                     page)
    assert cell is not None
    assert int(cell.group(2).replace(",", "")) == int(high.sum())
    assert float(cell.group(1)) == pytest.approx(100 * leads.loc[high, "label"].mean(), abs=0.05)
