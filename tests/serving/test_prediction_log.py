"""The service records every score in the prediction log, answers each lead's previous score
and trend, serves a lead's history and takes outcomes: on SQLite and a real PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scoring.fingerprint import fingerprints
from serving import recording
from serving.batch import split_batch
from serving.frames import to_columns
from serving.recording import moments_of, record
from store.outcomes import read_outcomes
from store.predictions import read_log
from store.writer import PredictionLog
from tests.serving.helpers import HEADERS, client_for, lead, predict

QUIET = [{"activity_type": "page_view", "occurred_at": "2026-09-02T10:00:00Z"}]
BUSY = [*QUIET, *[{"activity_type": kind, "occurred_at": f"2026-09-{day:02d}T10:00:00Z"}
                  for day, kind in [(3, "pricing_page_view"), (4, "webinar_attended"),
                                    (5, "demo_request"), (6, "meeting_scheduled"),
                                    (7, "pricing_page_view"), (8, "trial_signup"),
                                    (9, "email_reply")]]]


@pytest.fixture
def logged(settings, database_url):
    with client_for(settings, database_url=database_url) as client:
        yield client


def growing_lead(client, scored_at: str, activities: list) -> dict:
    answer = predict(client, lead("G1", email="jane.doe@example.com", job_title="Analyst",
                                  budget=None, purchase_timeframe=None,
                                  scored_at=scored_at, activities=activities))
    assert answer.status_code == 200, answer.text
    return answer.json()["predictions"][0]


def test_a_lead_scored_three_times_trends_new_steady_improving(logged):
    first = growing_lead(logged, "2026-09-02T12:00:00Z", QUIET)
    second = growing_lead(logged, "2026-09-02T13:00:00Z", QUIET)
    third = growing_lead(logged, "2026-09-10T12:00:00Z", BUSY)
    assert (first["trend"], first["previous_score"]) == ("new", None)
    assert second["trend"] == "steady"
    assert second["previous_score"] == first["score"]
    assert second["previous_scored_at"].startswith("2026-09-02T12:00:00")
    assert third["score"] - second["score"] >= 5
    assert (third["trend"], third["previous_score"]) == ("improving", second["score"])

    history = logged.get("/v1/leads/G1/scores", headers=HEADERS)
    assert history.status_code == 200
    scores = history.json()["scores"]
    assert [s["score"] for s in scores] == [third["score"], second["score"], first["score"]]
    assert {s["origin"] for s in scores} == {"api"}
    assert scores[0]["bant"]["authority"] in ("true", "false", "unknown")


def test_each_score_is_logged_with_its_inputs_fingerprint_and_no_contact_data(logged):
    growing_lead(logged, "2026-09-10T12:00:00Z", BUSY)
    log = logged.app.state.prediction_log
    assert log.flush(timeout=30)
    rows = read_log(log.engine)
    assert len(rows) == 1
    logged_row = rows.iloc[0]
    profile = logged.app.state.holder.current.profile
    assert len(logged_row["fingerprint"]) == len(profile.features) > 10
    assert logged_row["model_version"] == logged.app.state.holder.current.version
    assert "jane" not in " ".join(str(v) for v in logged_row.to_numpy()).lower()
    metrics = logged.get("/metrics").text
    assert "leadconv_prediction_log_written_total 1.0" in metrics
    assert "leadconv_prediction_log_up 1.0" in metrics


@pytest.mark.parametrize("made_in_request", [10, 0], ids=["in-request", "in-writer"])
def test_answers_written_in_one_batch_get_the_fingerprints_each_would_get_alone(
        client, tmp_path, monkeypatch, made_in_request):
    """Rows made by the request (a few leads) or by the writer, many answers in one call."""
    monkeypatch.setattr(recording, "MADE_IN_REQUEST", made_in_request)
    loaded = client.app.state.holder.current
    log = PredictionLog(f"sqlite:///{tmp_path / 'batch.db'}")  # started once all are queued
    requests = [[lead("A1")],
                [lead("B1", budget=None, industry="shipbuilding"), lead("B2", company_size=3)],
                [lead("C1", source="partner", activities=[])]]
    alone: dict[str, str] = {}
    for leads in requests:
        valid = split_batch(leads, strict=False, all_or_nothing=True).leads
        columns, activities, at = to_columns(valid, datetime.now(UTC))
        table = loaded.scorer.feature_table(columns, activities, at)
        scores = loaded.scorer.score_table(table, at)
        record(log, loaded, scores, table, moments_of(scores))
        alone.update(zip(table["lead_id"], fingerprints(loaded.profile, table), strict=True))
    assert len(set(alone.values())) == 4  # the leads differ in their bins
    log.start()
    try:
        assert log.flush(timeout=30)
        rows = read_log(log.engine)
    finally:
        log.stop()
    assert dict(zip(rows["lead_id"], rows["fingerprint"], strict=True)) == alone


def test_outcomes_are_stored_once_whatever_how_often_they_are_sent(logged):
    body = {"outcomes": [{"lead_id": "G1", "sql_at": "2026-10-01T09:00:00Z"},
                         {"lead_id": "G2", "disqualified_at": "2026-10-02"}]}
    first = logged.post("/v1/outcomes", json=body, headers=HEADERS)
    again = logged.post("/v1/outcomes", json=body, headers=HEADERS)
    assert first.json() == {"received": 2, "inserted": 2, "updated": 0, "unchanged": 0}
    assert again.json() == {"received": 2, "inserted": 0, "updated": 0, "unchanged": 2}
    stored = read_outcomes(logged.app.state.prediction_log.engine)
    assert list(stored["lead_id"]) == ["G1", "G2"]
    assert str(stored["sql_at"].iloc[0]) == "2026-10-01 09:00:00+00:00"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_outcome_requests_are_checked_and_need_a_key(logged):
    empty = logged.post("/v1/outcomes", json={"outcomes": [{"lead_id": "G1"}]},
                        headers=HEADERS)
    assert empty.status_code == 422 and "sql_at or disqualified_at" in empty.text
    assert logged.post("/v1/outcomes", json={"outcomes": [
        {"lead_id": "G1", "sql_at": "2026-10-01"}]}).status_code == 401
    assert logged.get("/v1/leads/G1/scores").status_code == 401


def test_without_a_log_the_trend_is_unknown_and_the_log_routes_say_why(client):
    answer = predict(client, lead("G1")).json()["predictions"][0]
    assert answer["trend"] == "unknown" and answer["previous_score"] is None
    history = client.get("/v1/leads/G1/scores", headers=HEADERS)
    assert history.status_code == 503 and "LEADCONV_DATABASE_URL=off" in history.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_monitor_page_and_gauges_check_the_served_model_on_its_log(settings, database_url,
                                                                       demo_dir, tmp_path):
    from cli.main import main

    assert main(["score", "--data", str(demo_dir), "--out", str(tmp_path / "scores.csv"),
                 "--at", "mql", "--models-dir", str(settings.models_dir),
                 "--database-url", database_url]) == 0
    assert main(["outcomes", "import", str(demo_dir / "outcomes.csv"), "--rejects",
                 str(tmp_path / "rejects.csv"), "--database-url", database_url]) == 0
    with client_for(settings, database_url=database_url, monitor_seconds=0) as client:
        assert client.get("/monitor").status_code == 401
        page = client.get("/monitor", headers=HEADERS)
        assert page.status_code == 200, page.text
        version = client.app.state.holder.current.version
        assert page.headers["x-model-version"] == version
        status = page.headers["x-monitor-status"]
        assert status in ("healthy", "attention") and "<html" in page.text
        summary = client.app.state.monitor.latest.summary
        assert summary["data"]["source"] == "prediction log"
        assert summary["data"]["n_leads"] == 3000 and summary["data"]["n_matured"] > 1000
        metrics = client.get("/metrics").text
        assert (f'leadconv_monitor_status{{version="{version}"}} '
                f'{float(summary["exit_code"])}') in metrics
        assert f'leadconv_monitor_psi{{column="score",version="{version}"}}' in metrics
        assert f'leadconv_monitor_realised_matured_leads{{version="{version}"}}' in metrics


def test_without_a_log_the_monitor_page_says_why(client):
    page = client.get("/monitor", headers=HEADERS)
    assert page.status_code == 404 and "LEADCONV_DATABASE_URL=off" in page.text
    # The HTML pages' errors are JSON, and documented so in the OpenAPI contract
    assert page.headers["content-type"] == "application/json"
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/monitor", "/report"):
        for code in ("401", "404"):
            assert list(paths[path]["get"]["responses"][code]["content"]) == ["application/json"]
