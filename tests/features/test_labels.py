"""Labels: converted within the horizon, 0 only once the horizon is over, censored otherwise."""

from __future__ import annotations

import pandas as pd
import pytest

from features.labels import make_labels

AS_OF = pd.Timestamp("2026-06-30T00:00:00Z")


def label_one(mql: str, sql: str | None, horizon: int = 90) -> tuple[str, float]:
    scored = pd.Series([pd.Timestamp(mql)], index=pd.Index(["L1"], name="lead_id"))
    outcomes = pd.DataFrame({"lead_id": ["L1"], "sql_at": [pd.Timestamp(sql) if sql else pd.NaT]})
    frame = make_labels(scored, outcomes, AS_OF, horizon).frame
    return frame.loc["L1", "status"], frame.loc["L1", "label"]


@pytest.mark.parametrize(
    ("mql", "sql", "status", "label"),
    [
        ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "converted", 1.0),
        ("2026-01-01T00:00:00Z", "2026-03-31T23:59:59Z", "converted", 1.0),   # inside 90 days
        ("2026-01-01T00:00:00Z", "2026-04-02T00:00:00Z", "not_converted", 0.0),  # too late
        ("2026-01-01T00:00:00Z", None, "not_converted", 0.0),                  # horizon over
        ("2026-05-01T00:00:00Z", None, "censored", None),                      # may still convert
        ("2026-05-01T00:00:00Z", "2026-05-20T00:00:00Z", "censored_converted", None),
        ("2026-05-01T00:00:00Z", "2026-04-20T00:00:00Z", "already_converted", None),
        ("2026-04-01T00:00:00Z", None, "not_converted", 0.0),  # ends exactly at as_of
    ],
)
def test_label_status(mql, sql, status, label):
    got_status, got_label = label_one(mql, sql)
    assert got_status == status
    assert (pd.isna(got_label) and label is None) or got_label == label


def test_a_recent_unresolved_lead_is_never_a_zero(demo_crm):
    scored = demo_crm.leads.set_index("lead_id")["mql_at"]
    labels = make_labels(scored, demo_crm.outcomes, demo_crm.as_of, 90)
    recent = scored > demo_crm.as_of - pd.Timedelta(days=90)
    assert recent.sum() > 100
    assert (labels.frame.loc[recent, "label"].isna()).all()
    assert set(labels.frame.loc[recent, "status"]) <= {"censored", "censored_converted"}
    counts = labels.counts()
    assert counts["censored"] + counts["censored_converted"] == int(recent.sum())
    assert sum(counts.values()) == len(scored)


def test_disqualified_lead_is_zero_once_its_horizon_passed():
    scored = pd.Series([pd.Timestamp("2026-01-01T00:00:00Z")] * 2, index=pd.Index(["A", "B"]))
    outcomes = pd.DataFrame({"lead_id": ["A", "B"], "sql_at": [pd.NaT, pd.NaT],
                             "disqualified_at": [pd.Timestamp("2026-01-10T00:00:00Z"), pd.NaT]})
    frame = make_labels(scored, outcomes, AS_OF, 90).frame
    assert list(frame["label"]) == [0.0, 0.0]
    early = make_labels(scored, outcomes, pd.Timestamp("2026-02-01T00:00:00Z"), 90).frame
    assert early["status"].eq("censored").all()  # disqualified but horizon not over: unknown yet


def test_open_leads_are_those_not_converted_disqualified_or_past_the_horizon(demo_crm):
    from features.labels import open_leads

    leads, outcomes = demo_crm.leads, demo_crm.outcomes
    ids = leads["lead_id"]
    mql = pd.Series(leads["mql_at"].to_numpy(), index=ids)
    assert open_leads(leads, outcomes, mql, 90).all()  # at MQL time nothing has happened yet
    assert not open_leads(leads, outcomes, mql + pd.Timedelta(days=90), 90).any()
    later = mql + pd.Timedelta(days=30)
    got = open_leads(leads, outcomes, later, 90)
    by_lead = outcomes.set_index("lead_id").reindex(ids)
    assert "disqualified_at" in by_lead.columns  # the demo has both ways of closing a lead
    decided = ((by_lead["sql_at"] <= later.to_numpy())
               | (by_lead["disqualified_at"] <= later.to_numpy()))
    assert (got.to_numpy() == ~decided.to_numpy()).all()
    assert 0 < got.sum() < len(got)
