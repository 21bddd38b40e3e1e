"""The prediction store on SQLite and on a real PostgreSQL server (``database_url``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from store.database import StoreError, engine_for, open_database
from store.migrate import current_revision, head_revision
from store.outcomes import Outcome, read_outcomes, write_outcomes
from store.predictions import history, insert_rows, previous_scores, read_log

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def row(lead_id: str, scored_at: datetime, score: int, version: str = "1") -> dict:
    return {"lead_id": lead_id, "model_version": version, "scored_at": scored_at,
            "logged_at": scored_at + timedelta(seconds=1), "probability": score / 100,
            "score": score, "tier": "warm", "bant_budget": "true", "bant_authority": "unknown",
            "bant_need": "false", "bant_timeline": None, "points_score": 12.5,
            "fingerprint": "03a1", "origin": "api"}


def test_opening_a_new_database_migrates_it_once(database_url):
    engine = open_database(database_url)
    assert current_revision(engine) == head_revision() is not None
    assert {"predictions", "outcomes", "alembic_version"} <= set(
        inspect(engine).get_table_names())
    insert_rows(engine, [row("L1", T0, 40)])
    again = open_database(database_url)  # already current: nothing applied, nothing lost
    assert len(read_log(again)) == 1


def test_history_is_newest_first_and_times_come_back_in_utc(database_url):
    engine = open_database(database_url)
    insert_rows(engine, [row("L1", T0 + timedelta(days=d), 30 + d) for d in (0, 2, 1)]
                + [row("L2", T0, 90)])
    scores = history(engine, "L1")
    assert [r["score"] for r in scores] == [32, 31, 30]
    assert scores[0]["scored_at"] == T0 + timedelta(days=2)
    assert scores[0]["scored_at"].utcoffset() == timedelta(0)
    assert scores[0]["bant_budget"] == "true" and scores[0]["bant_timeline"] is None
    assert history(engine, "nobody") == []


def test_the_previous_score_is_the_latest_before_each_leads_own_moment(database_url):
    engine = open_database(database_url)
    insert_rows(engine, [row("L1", T0, 20), row("L1", T0 + timedelta(days=5), 35),
                         row("L2", T0 + timedelta(days=1), 60, version="2")])
    found = previous_scores(engine, {"L1": T0 + timedelta(days=3),  # between the two
                                     "L2": T0 + timedelta(days=9), "L3": T0})
    assert found["L1"].score == 20 and found["L1"].scored_at == T0
    assert found["L2"].score == 60 and found["L2"].model_version == "2"
    assert "L3" not in found
    assert previous_scores(engine, {"L1": T0}) == {}  # nothing before the first score
    # Strictly before, to the microsecond, whatever the moment's time zone
    new_york = timezone(timedelta(hours=-5))
    assert previous_scores(engine, {"L1": (T0 + timedelta(days=5)).astimezone(new_york)}
                           )["L1"].score == 20
    assert previous_scores(engine, {"L1": (T0 + timedelta(days=5, microseconds=1)
                                           ).astimezone(new_york)})["L1"].score == 35
    # A batch (one query for all its leads) answers as lead-by-lead lookups do
    batch = {**{f"X{i}": T0 for i in range(12)}, "L1": T0 + timedelta(days=3),
             "L2": T0 + timedelta(days=9)}
    assert previous_scores(engine, batch) == {"L1": found["L1"], "L2": found["L2"]}


def test_outcomes_are_idempotent_and_a_field_left_out_is_kept(database_url):
    engine = open_database(database_url)
    sql = Outcome("L1", sql_at=T0 + timedelta(days=20))
    first = write_outcomes(engine, [sql, Outcome("L2", disqualified_at=T0)], "api")
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = write_outcomes(engine, [sql], "api")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    later = write_outcomes(engine, [Outcome("L1", disqualified_at=T0 + timedelta(days=40))],
                           "outcomes.csv")
    assert later.updated == 1
    table = read_outcomes(engine).set_index("lead_id")
    assert table.loc["L1", "sql_at"] == T0 + timedelta(days=20)  # kept
    assert table.loc["L1", "disqualified_at"] == T0 + timedelta(days=40)
    assert table.loc["L2", "disqualified_at"] == T0 and table["sql_at"].isna().sum() == 1


def test_an_outcome_needs_a_moment():
    with pytest.raises(ValueError, match="sql_at or disqualified_at"):
        Outcome("L1")


def test_a_database_that_cannot_be_reached_is_an_error_without_its_password():
    from tests.serving.live import free_port

    url = f"postgresql+psycopg://leadconv:s3cret@127.0.0.1:{free_port()}/leadconv"
    with pytest.raises(StoreError) as error:
        open_database(url)
    assert "s3cret" not in str(error.value) and "127.0.0.1" in str(error.value)


def test_a_url_that_is_not_one_is_named():
    with pytest.raises(StoreError, match="LEADCONV_DATABASE_URL: not a database URL"):
        engine_for("leadconv.db")
