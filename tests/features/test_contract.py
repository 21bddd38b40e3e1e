"""The data contract: bad input is named (file, row, column) and no row is lost silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.contract import ContractError, load_crm

LEADS = """lead_id,mql_at,source,industry,company_size,annual_revenue,country,job_title,budget,purchase_timeframe,pain_point,email
L1,2026-01-05T10:00:00Z,referral,software,120,5000000,US,VP of Mktg,40000,0-3 months,pipeline visibility,a@x.com
L2,2026-01-06,Paid Search,retail,,,GB,,,,,b@x.com
L3,2026-01-07T09:00:00+02:00,email,healthcare,800,,DE,IT Mgr,"$12,500",12+ months,,c@x.com
"""
ACTIVITIES = """lead_id,occurred_at,activity_type,content_stage
L1,2026-01-01T08:00:00Z,page_view,
L1,2026-01-02T08:00:00Z,content_download,bottom
L2,2026-01-03T08:00:00Z,email_open,
L3,2026-01-04T08:00:00Z,demo_request,
"""
OUTCOMES = """lead_id,sql_at,disqualified_at
L1,2026-02-01T00:00:00Z,
L2,,2026-02-10T00:00:00Z
L3,,
"""


def write_export(folder: Path, leads: str = LEADS, activities: str = ACTIVITIES,
                 outcomes: str = OUTCOMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leads.csv").write_text(leads)
    (folder / "activities.csv").write_text(activities)
    (folder / "outcomes.csv").write_text(outcomes)
    return folder


def counts(crm) -> dict[str, tuple[int, int, int]]:
    return {c.file: (c.loaded, c.used, c.rejected) for c in crm.report.counts}


def test_clean_export_loads_every_row_with_utc_timestamps(tmp_path):
    crm = load_crm(write_export(tmp_path))
    assert counts(crm) == {"leads.csv": (3, 3, 0), "activities.csv": (4, 4, 0),
                           "outcomes.csv": (3, 3, 0)}
    mql = crm.leads.set_index("lead_id")["mql_at"]
    assert str(mql.dt.tz) == "UTC"
    # +02:00 is converted to UTC; a date without time or offset is midnight UTC
    assert mql["L3"] == pd.Timestamp("2026-01-07T07:00:00Z")
    assert mql["L2"] == pd.Timestamp("2026-01-06T00:00:00Z")
    assert crm.leads.set_index("lead_id").loc["L3", "budget"] == 12500.0
    assert crm.leads.set_index("lead_id").loc["L2", "source"] == "paid_search"
    assert crm.as_of == pd.Timestamp("2026-02-10T00:00:00Z")


def test_missing_required_column_names_file_and_column(tmp_path):
    leads = LEADS.replace("mql_at,", "created,", 1)
    with pytest.raises(ContractError, match=r"leads\.csv: missing required column\(s\) 'mql_at'"):
        load_crm(write_export(tmp_path, leads=leads))


def test_missing_file_is_named(tmp_path):
    folder = write_export(tmp_path)
    (folder / "activities.csv").unlink()
    with pytest.raises(ContractError, match="no activities.csv or activities.parquet"):
        load_crm(folder)


@pytest.mark.parametrize(
    ("table", "old", "new", "file", "row", "column", "reason"),
    [
        ("leads", "2026-01-06,Paid", "yesterday,Paid", "leads.csv", 2, "mql_at",
         "unparsable date 'yesterday'"),
        ("leads", "healthcare,800", "healthcare,-800", "leads.csv", 3, "company_size",
         "company_size is negative"),
        ("leads", "L2,2026-01-06", "L1,2026-01-06", "leads.csv", 2, "lead_id",
         "duplicate lead_id 'L1' (first seen at row 1)"),
        ("leads", "40000,0-3", "lots,0-3", "leads.csv", 1, "budget", "not a number: 'lots'"),
        ("activities", "L2,2026-01-03", "L9,2026-01-03", "activities.csv", 3, "lead_id",
         "lead_id 'L9' is not in the leads table"),
        ("activities", "2026-01-04T08:00:00Z,demo", "04/01/2026,demo", "activities.csv", 4,
         "occurred_at", "unparsable date '04/01/2026'"),
        ("activities", "download,bottom", "download,end", "activities.csv", 2, "content_stage",
         "content_stage 'end' is not top, middle or bottom"),
        ("outcomes", "L1,2026-02-01", "L1,2025-12-01", "outcomes.csv", 1, "sql_at",
         "sql_at is before the lead's mql_at"),
        ("outcomes", "L3,,", "L7,,", "outcomes.csv", 3, "lead_id",
         "lead_id 'L7' is not in the leads table"),
    ],
)
def test_bad_row_is_rejected_with_file_row_column_and_reason(
        tmp_path, table, old, new, file, row, column, reason):
    texts = {"leads": LEADS, "activities": ACTIVITIES, "outcomes": OUTCOMES}
    assert old in texts[table]
    texts[table] = texts[table].replace(old, new, 1)
    crm = load_crm(write_export(tmp_path, **texts), max_reject_fraction=0.9)
    rejects = crm.report.rejects
    hit = rejects[(rejects["file"] == file) & (rejects["row"] == row)]
    assert len(hit) == 1, rejects
    assert hit.iloc[0]["column"] == column
    assert hit.iloc[0]["line"] == row + 1  # header is line 1
    assert reason in hit.iloc[0]["reason"]
    for c in crm.report.counts:
        assert c.loaded == c.used + c.rejected


def test_activities_and_outcomes_of_a_rejected_lead_are_rejected_too(tmp_path):
    leads = LEADS.replace("2026-01-06,Paid", "not-a-date,Paid")
    crm = load_crm(write_export(tmp_path, leads=leads), max_reject_fraction=0.9)
    assert "L2" not in set(crm.leads["lead_id"])
    assert "L2" not in set(crm.activities["lead_id"])
    assert "L2" not in set(crm.outcomes["lead_id"])
    cascaded = crm.report.rejects.query("lead_id == 'L2' and file != 'leads.csv'")
    assert set(cascaded["file"]) == {"activities.csv", "outcomes.csv"}
    assert cascaded["reason"].str.contains("its lead was rejected").all()
    assert counts(crm) == {"leads.csv": (3, 2, 1), "activities.csv": (4, 3, 1),
                           "outcomes.csv": (3, 2, 1)}


def test_rows_after_an_explicit_as_of_are_rejected(tmp_path):
    crm = load_crm(write_export(tmp_path), as_of="2026-02-05")
    rejects = crm.report.rejects
    assert list(rejects["column"]) == ["disqualified_at"]
    assert "after the data's as_of" in rejects.iloc[0]["reason"]
    assert crm.as_of == pd.Timestamp("2026-02-05T00:00:00Z")


def test_rejects_file_lists_every_rejected_row(tmp_path):
    leads = LEADS.replace("healthcare,800", "healthcare,-800")
    crm = load_crm(write_export(tmp_path, leads=leads), max_reject_fraction=0.9)
    path = crm.report.write_rejects(tmp_path / "out" / "rejects.csv")
    written = pd.read_csv(path)
    assert list(written.columns) == ["file", "row", "line", "column", "value", "reason", "lead_id"]
    assert len(written) == crm.report.n_rejected == 3  # the lead, its activity, its outcome


def test_mostly_unusable_file_is_refused_naming_first_rows(tmp_path):
    leads = LEADS.replace("2026-01-06", "06/01/2026").replace("2026-01-05T10:00:00Z", "05/01/2026")
    with pytest.raises(ContractError, match=r"leads\.csv: 2 of 3 rows .*row 1 \[mql_at\]"):
        load_crm(write_export(tmp_path, leads=leads))


def test_parquet_export_loads_like_csv(tmp_path):
    csv_dir = write_export(tmp_path / "csv")
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    for name in ("leads", "activities", "outcomes"):
        pd.read_csv(csv_dir / f"{name}.csv", dtype="str").to_parquet(pq_dir / f"{name}.parquet")
    from_csv, from_pq = load_crm(csv_dir), load_crm(pq_dir)
    pd.testing.assert_frame_equal(from_csv.leads, from_pq.leads)
    pd.testing.assert_frame_equal(from_csv.activities, from_pq.activities)
    assert from_pq.report.counts[0].file == "leads.parquet"


def test_demo_export_satisfies_the_contract(demo_dir):
    crm = load_crm(demo_dir)
    assert crm.report.n_rejected == 0, crm.report.summary()
    assert crm.leads["lead_id"].is_unique
