"""The data contract on DataFrames: ``validate_frames`` checks in-memory tables with the rules
``load_crm`` applies to files, rejects bad rows by table, row, column and reason, and never
writes to the frames it is given. ``build_features`` refuses activities of leads it was not
given."""

from __future__ import annotations

import pandas as pd
import pytest

from demodata.events import generate_demo
from features.build import build_features
from features.contract import ContractError, validate_frames
from tests.conftest import SMALL_DEMO

TABLES = ("leads", "activities", "outcomes")


@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pd.DataFrame]:
    """The small demo's tables as the generator makes them (typed: UTC timestamps, numbers):
    the same data ``write_demo`` writes into ``demo_dir``."""
    data = generate_demo(SMALL_DEMO["n_leads"], SMALL_DEMO["seed"])
    return {name: getattr(data, name) for name in TABLES}


@pytest.fixture()
def small(demo_frames) -> dict[str, pd.DataFrame]:
    """The first 40 demo leads with their activities and outcomes (fresh copies per test)."""
    leads = demo_frames["leads"].iloc[:40].copy()
    ids = set(leads["lead_id"])
    return {"leads": leads,
            **{name: demo_frames[name][demo_frames[name]["lead_id"].isin(ids)]
               .reset_index(drop=True) for name in ("activities", "outcomes")}}


def counts(crm) -> list[tuple[int, int, int]]:
    return [(c.loaded, c.used, c.rejected) for c in crm.report.counts]


def the_reject(crm, table: str, row: int) -> pd.Series:
    rejects = crm.report.rejects
    hit = rejects[(rejects["file"] == table) & (rejects["row"] == row)]
    assert len(hit) == 1, rejects
    return hit.iloc[0]


@pytest.mark.parametrize("kind", ["typed", "text"])
def test_demo_frames_validate_exactly_as_load_crm_loads_the_demo_files(
        demo_frames, demo_dir, demo_crm, kind):
    if kind == "typed":
        frames = demo_frames
    else:  # the files' own text, read as the contract reads it ("n/a" is a job title)
        frames = {n: pd.read_csv(demo_dir / f"{n}.csv", dtype="str", keep_default_na=False,
                                 na_values=[""]) for n in TABLES}
    crm = validate_frames(frames["leads"], frames["activities"], frames["outcomes"])
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(crm, name), getattr(demo_crm, name))
    assert crm.as_of == demo_crm.as_of
    assert counts(crm) == counts(demo_crm)
    assert len(crm.report.rejects) == len(demo_crm.report.rejects)
    assert [c.file for c in crm.report.counts] == list(TABLES)
    assert [c.file for c in demo_crm.report.counts] == [f"{n}.csv" for n in TABLES]


def _plant_unparsable_mql(frames: dict[str, pd.DataFrame]) -> None:
    leads = frames["leads"].astype({"mql_at": "object"})
    leads.iat[2, leads.columns.get_loc("mql_at")] = "yesterday"
    frames["leads"] = leads


def _plant_duplicate_lead(frames: dict[str, pd.DataFrame]) -> None:
    frames["leads"].iat[4, 0] = frames["leads"].iat[0, 0]  # row 5 repeats row 1's lead_id


def _plant_unknown_lead_activity(frames: dict[str, pd.DataFrame]) -> None:
    frames["activities"].iat[6, 0] = "L999999"


def _plant_sql_before_mql(frames: dict[str, pd.DataFrame]) -> None:
    outcomes, leads = frames["outcomes"], frames["leads"]
    mql = leads.set_index("lead_id")["mql_at"][outcomes.iat[3, 0]]
    outcomes.iat[3, outcomes.columns.get_loc("sql_at")] = mql - pd.Timedelta(days=2)


@pytest.mark.parametrize(
    ("plant", "table", "row", "column", "reason", "kind"),
    [
        (_plant_unparsable_mql, "leads", 3, "mql_at", "unparsable date 'yesterday'",
         "unparsable date"),
        (_plant_duplicate_lead, "leads", 5, "lead_id", "duplicate lead_id 'L000001' (first seen "
         "at row 1)", "duplicate lead_id"),
        (_plant_unknown_lead_activity, "activities", 7, "lead_id",
         "lead_id 'L999999' is not in the leads table", "unknown lead_id"),
        (_plant_sql_before_mql, "outcomes", 4, "sql_at", "sql_at is before the lead's mql_at",
         "sql before mql"),
    ],
    ids=["unparsable date", "duplicate lead_id", "activity of unknown lead", "sql before mql"],
)
def test_planted_bad_row_is_rejected_naming_table_row_column_and_reason(
        small, plant, table, row, column, reason, kind):
    plant(small)
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"])
    hit = the_reject(crm, table, row)
    assert hit["column"] == column
    assert reason in hit["reason"]
    assert hit["reason_kind"] == kind
    assert pd.isna(hit["line"])  # no CSV lines for frames
    for name, c in zip(TABLES, crm.report.counts, strict=True):
        assert c.loaded == len(small[name]) == c.used + c.rejected
        assert len(getattr(crm, name)) == c.used  # what is not rejected is used


def test_activity_of_an_unknown_lead_is_counted_as_rejected_never_dropped(small):
    small["activities"].iat[6, 0] = "L999999"
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"])
    n = len(small["activities"])
    assert counts(crm)[1] == (n, n - 1, 1)
    assert "L999999" not in set(crm.activities["lead_id"])
    assert list(crm.report.rejects["lead_id"]) == ["L999999"]


def test_activities_of_a_rejected_lead_are_rejected_with_it(small):
    _plant_unparsable_mql(small)
    lead = small["leads"].iat[2, 0]
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"])
    followed = crm.report.rejects.query("lead_id == @lead and file != 'leads'")
    n_acts = int((small["activities"]["lead_id"] == lead).sum())
    assert n_acts > 0
    assert (followed["file"] == "activities").sum() == n_acts
    assert (followed["file"] == "outcomes").sum() == 1
    assert followed["reason"].str.contains("its lead was rejected").all()


def test_input_frames_are_unchanged_after_validation(small):
    _plant_unparsable_mql(small)
    _plant_unknown_lead_activity(small)
    _plant_sql_before_mql(small)
    small["leads"] = small["leads"].set_axis(range(100, 100 + len(small["leads"])))
    small["leads"]["source"] = " Paid Search"  # normalised in the output, not in the input
    small["activities"] = small["activities"].rename(columns={"lead_id": " lead_id "})
    before = {name: frame.copy(deep=True) for name, frame in small.items()}
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"],
                          as_of="2026-06-01")
    assert crm.report.n_rejected > 0 and (crm.leads["source"] == "paid_search").all()
    for name in TABLES:
        pd.testing.assert_frame_equal(small[name], before[name])


def test_validated_tables_validate_again_to_themselves(demo_crm):
    again = validate_frames(demo_crm.leads, demo_crm.activities, demo_crm.outcomes)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(demo_crm, name))
    assert again.report.n_rejected == 0


def test_rows_after_as_of_are_rejected_with_the_timestamp_as_text(small):
    as_of = small["leads"]["mql_at"].iloc[30]
    late = small["leads"]["mql_at"] > as_of
    assert late.any() and not late.all()
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"], as_of=as_of,
                          max_reject_fraction=0.99)
    rejects = crm.report.rejects.query("file == 'leads'")
    assert list(rejects["row"]) == list(late.to_numpy().nonzero()[0] + 1)
    assert (rejects["reason_kind"] == "after as_of").all()
    first = small["leads"]["mql_at"][late].iloc[0]
    assert rejects.iloc[0]["value"] == first.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_table_names_name_the_rejects_and_a_csv_name_adds_the_line(small):
    _plant_unknown_lead_activity(small)
    crm = validate_frames(small["leads"], small["activities"], small["outcomes"],
                          names={"activities": "acts.csv"})
    hit = the_reject(crm, "acts.csv", 7)
    assert hit["line"] == 8  # header = line 1
    assert [c.file for c in crm.report.counts] == ["leads", "acts.csv", "outcomes"]


def test_missing_required_column_names_the_table(small):
    with pytest.raises(ContractError, match=r"activities: missing required column\(s\) "
                                            r"'occurred_at'"):
        validate_frames(small["leads"], small["activities"].drop(columns="occurred_at"),
                        small["outcomes"])


def test_outcomes_may_be_left_out_only_when_not_required(small):
    with pytest.raises(ContractError, match="no outcomes table given"):
        validate_frames(small["leads"], small["activities"])
    crm = validate_frames(small["leads"], small["activities"], require_outcomes=False)
    assert crm.outcomes.empty and len(crm.leads) == len(small["leads"])
    assert [c.file for c in crm.report.counts] == ["leads", "activities"]


def test_empty_leads_frame_is_refused(small):
    with pytest.raises(ContractError, match="leads: no data rows"):
        validate_frames(small["leads"].iloc[:0], small["activities"], small["outcomes"])


def test_build_features_refuses_an_activity_of_an_unknown_lead_naming_it(small):
    leads = small["leads"].iloc[:10]
    acts = small["activities"][small["activities"]["lead_id"].isin(leads["lead_id"])]
    build_features(leads, acts)  # matching rows: fine
    stray = acts.iloc[:1].assign(lead_id="L999999")
    with pytest.raises(ValueError, match=r"^1 activities belong to 1 lead_id\(s\) not in leads: "
                                         r"'L999999';"):
        build_features(leads, pd.concat([acts, stray], ignore_index=True))


def test_build_features_names_how_many_activities_of_other_leads_it_was_given(small):
    leads = small["leads"].iloc[:10]
    others = small["activities"][~small["activities"]["lead_id"].isin(leads["lead_id"])]
    n_leads = others["lead_id"].nunique()
    assert n_leads > 3
    first = ", ".join(repr(i) for i in others["lead_id"].unique()[:3])
    with pytest.raises(ValueError, match=rf"^{len(others):,} activities belong to {n_leads:,} "
                                         rf"lead_id\(s\) not in leads: {first}, \.\.\.;"):
        build_features(leads, small["activities"])


@pytest.mark.parametrize(("table", "column"), [("leads", "mql_at"),
                                               ("activities", "occurred_at"),
                                               ("outcomes", "sql_at")])
def test_every_date_column_rejects_the_row_a_second_outside_the_window(small, table, column):
    """Typed timestamps as Spark or a program hands them, one second each side of the window's
    ends: inside is used, outside is rejected with the column and the window named."""
    frame = small[table].copy()
    edges = ["1990-01-01T00:00:00Z", "1989-12-31T23:59:59Z", "2100-12-31T23:59:59Z",
             "2101-01-01T00:00:00Z"]
    rows = list(range(len(edges)))
    frame[column] = frame[column].astype("object")
    for row, value in zip(rows, edges, strict=True):
        frame.loc[row, column] = pd.Timestamp(value)
    crm = validate_frames(**{**small, table: frame}, as_of="2101-06-01T00:00:00Z",
                          max_reject_fraction=1.0)
    rejects = crm.report.rejects
    mine = rejects[(rejects["file"] == table) & (rejects["column"] == column)]
    outside = mine[mine["reason_kind"] == "date out of range"]
    assert sorted(outside["row"].astype(int)) == [2, 4]
    assert all("1990-01-01T00:00:00Z to 2100-12-31T23:59:59Z" in r for r in outside["reason"])
