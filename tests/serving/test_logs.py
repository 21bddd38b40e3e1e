"""Logs: one structured line per request, and never any lead contact data or lead fields."""

from __future__ import annotations

import json
import logging
import sys

from fastapi.testclient import TestClient

from serving.app import create_app
from serving.logs import JsonFormatter
from tests.serving.helpers import lead, predict

SECRETS = {"email": "zelda.quartermaine@example.org", "full_name": "Zelda Quartermaine",
           "phone": "+44 7700 900123", "job_title": "Chief Llama Officer",
           "pain_point": "our hamster wheel budget"}


def test_no_contact_data_or_lead_fields_in_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    ok = predict(client, lead("L-log", **SECRETS))
    bad = predict(client, lead("L-bad", company_size=-3, **SECRETS), all_or_nothing=True)
    dup = predict(client, lead("L-dup", **SECRETS), lead("L-dup", **SECRETS),
                  all_or_nothing=True)
    assert (ok.status_code, bad.status_code, dup.status_code) == (200, 422, 422)
    formatted = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert caplog.records, "expected request log lines"
    for text in (caplog.text, formatted):
        for value in (*SECRETS.values(), "Quartermaine", "Llama", "hamster"):
            assert value not in text


def test_each_request_logs_route_status_duration_leads_and_model_version(client, caplog):
    caplog.set_level(logging.INFO, logger="serving.requests")
    predict(client, lead("a"), lead("b"))
    [record] = [r for r in caplog.records if r.name == "serving.requests"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["route"] == "/v1/predict"
    assert entry["status"] == 200
    assert entry["n_leads"] == 2
    assert entry["model_version"] == client.get("/readyz").json()["model_version"]
    assert entry["duration_ms"] > 0
    assert entry["level"] == "INFO"


def test_exceptions_are_logged_without_their_message():
    try:
        raise ValueError(SECRETS["email"])
    except ValueError:
        record = logging.makeLogRecord({"name": "t", "levelno": logging.ERROR, "msg": "failed",
                                        "exc_info": sys.exc_info()})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exc_type"] == "ValueError"
    assert "raise ValueError" in entry["stack"]
    assert SECRETS["email"] not in json.dumps(entry)


def test_unexpected_errors_answer_500_without_details_or_lead_data(settings, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError(SECRETS["email"])

    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        c.app.state.holder.current.scorer.score_table = broken  # the route's scoring step
        r = predict(c, lead("L-500", **SECRETS))
    assert r.status_code == 500
    assert "internal error" in r.json()["detail"]
    assert SECRETS["email"] not in r.text
    [error] = [x for x in caplog.records if x.exc_info]
    entry = JsonFormatter().format(error)
    assert json.loads(entry)["exc_type"] == "RuntimeError"
    assert SECRETS["email"] not in entry
