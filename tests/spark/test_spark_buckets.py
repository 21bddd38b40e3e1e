"""What a Spark worker runs per bucket (``engines.spark_buckets``), without Spark: the rows of a
bucket carry every output column back unchanged, and a bucket's rejects name the rows of the
whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engines.spark_buckets import BucketJob, as_rows, decode, encode, plan_of, run_bucket
from features.rules import load_rules


def test_columns_travel_through_the_rows_unchanged():
    """Text, whole and fractional numbers, missing values, UTC timestamps and reason lists
    come back with their values and dtypes (the shape of ``Scorer.score``'s answer)."""
    frame = pd.DataFrame({
        "lead_id": pd.Series(["a", "b"], dtype="str"),
        "scored_at": pd.to_datetime(["2026-01-01T10:00:00.123456Z", "2026-03-01T00:00:00.0Z"],
                                    utc=True),
        "probability": [0.123456789012345, np.nan],
        "score": np.array([12, 0]),
        "flag": [True, False],
        "reasons_up": [[{"feature": "x", "value": None, "contribution": 0.5}], []],
        "note": pd.Series([None, None], dtype="object"),
    })
    plan = plan_of(frame)
    rows = as_rows([pd.DataFrame({"_kind": "score", "_row": [1, 2], **encode(frame, plan)})],
                   plan)
    back = decode(rows, plan, parse_json=True)
    assert back["reasons_up"].tolist() == frame["reasons_up"].tolist()
    pd.testing.assert_frame_equal(back.drop(columns=["reasons_up", "note"]),
                                  frame.drop(columns=["reasons_up", "note"]))
    assert back["note"].isna().all() and back["note"].dtype == "str"


def test_a_buckets_rejects_name_the_rows_of_the_whole_table():
    """Two leads of a bucket that were rows 5 and 9 of the file: the duplicate is rejected at
    row 9 (CSV line 10), first seen at row 5; an activity of an unknown lead alone in its
    bucket is rejected at its own row."""
    columns = {"leads": ["lead_id", "mql_at", "source"],
               "activities": ["lead_id", "occurred_at", "activity_type"]}
    columns["outcomes"] = ["lead_id", "sql_at"]
    names = {"leads": "leads.csv", "activities": "activities.csv", "outcomes": "outcomes.csv"}
    job = BucketJob("features", columns, {}, names, has_outcomes=True, rules=load_rules(),
                    as_of="2026-02-01T00:00:00+00:00", plan=())
    leads = pd.DataFrame({"lead_id": ["L1", " L1"], "mql_at": ["2026-01-01", "2026-01-02"],
                          "source": ["web", "web"], "_row": [9, 5], "_bucket": [0, 0]})
    no_children = pd.DataFrame({"_table": pd.Series(dtype="str"), "_row": pd.Series(dtype="int"),
                                "a__lead_id": pd.Series(dtype="str")})
    job_rows = run_bucket(job, leads, no_children)
    rejects = job_rows[job_rows["_kind"] == "reject"]
    assert rejects[["r__row", "r__line"]].astype(int).values.tolist() == [[9, 10]]
    assert rejects["r__reason"].tolist() == ["duplicate lead_id 'L1' (first seen at row 5)"]
    orphans = pd.DataFrame({"_table": ["activities"], "_row": [4], "a__lead_id": ["NOBODY"],
                            "a__occurred_at": ["2026-01-05"], "a__activity_type": ["page_view"]})
    no_leads = leads.iloc[:0]
    rows = run_bucket(job, no_leads, orphans)
    rejects = rows[rows["_kind"] == "reject"]
    assert rejects[["r__file", "r__row", "r__reason_kind"]].values.tolist() == [
        ["activities.csv", 4, "unknown lead_id"]]


def test_a_worker_rejects_the_dates_outside_the_drivers_window_and_names_it():
    """The window travels with the job: a worker process (which never read the driver's
    settings) rejects exactly the rows one process would, with the same reason."""
    from features.dates import DEFAULT_WINDOW, DateWindow, configure_window, current_window

    columns = {"leads": ["lead_id", "mql_at", "source"], "outcomes": ["lead_id", "sql_at"],
               "activities": ["lead_id", "occurred_at", "activity_type"]}
    names = {"leads": "leads.csv", "activities": "activities.csv", "outcomes": "outcomes.csv"}
    window = DateWindow.from_text("2026-01-01", "2026-12-31")
    job = BucketJob("features", columns, {}, names, has_outcomes=True, rules=load_rules(),
                    as_of="2026-02-01T00:00:00+00:00", plan=(), date_window=window)
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3"],
                          "mql_at": ["2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z",
                                     "9999-01-01T00:00:00Z"],
                          "source": ["web"] * 3, "_row": [1, 2, 3], "_bucket": [0] * 3})
    no_children = pd.DataFrame({"_table": pd.Series(dtype="str"), "_row": pd.Series(dtype="int"),
                                "a__lead_id": pd.Series(dtype="str")})
    try:
        rows = run_bucket(job, leads, no_children)
        assert current_window() == window  # the worker took the job's window
    finally:
        configure_window(DEFAULT_WINDOW)
    rejects = rows[rows["_kind"] == "reject"]
    assert rejects["r__row"].astype(int).tolist() == [1, 3]
    assert set(rejects["r__reason_kind"]) == {"date out of range"}
    assert all("2026-01-01T00:00:00Z to 2026-12-31T23:59:59Z" in r for r in rejects["r__reason"])
