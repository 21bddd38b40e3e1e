"""Bad dates, numbers for dates, aliases and duplicate ids in requests: a 422 naming the field
(``leads[i].field``), never a 500 and never a date wrapped into range."""

from __future__ import annotations

import pytest

from features.dates import DEFAULT_WINDOW, configure_window
from serving.schemas import StageWord
from tests.serving.helpers import client_for, lead, predict

WINDOW = "1990-01-01T00:00:00Z to 2100-12-31T23:59:59Z"

ACT = {"activity_type": "page_view", "occurred_at": "2026-09-02T10:00:00Z"}

BAD_REQUESTS = [
    pytest.param(lead("L1", scored_at="9999-01-01T00:00:00Z"), "leads[1].scored_at",
                 "date_out_of_range", id="scored_at year 9999"),
    pytest.param(lead("L1", mql_at="0001-01-01T00:00:00+14:00"), "leads[1].mql_at",
                 "date_out_of_range", id="mql_at year 1 at +14:00"),
    pytest.param(lead("L1", mql_at="1990-01-01T00:00:00+14:00"), "leads[1].mql_at",
                 "date_out_of_range", id="mql_at before 1990 once in UTC"),
    pytest.param(lead("L1", activities=[{**ACT, "occurred_at": "0001-01-01T00:00:00Z"}]),
                 "leads[1].activities[0].occurred_at", "date_out_of_range",
                 id="activity year 1"),
    pytest.param(lead("L1", mql_at=0), "leads[1].mql_at", "datetime_type", id="mql_at 0"),
    pytest.param(lead("L1", mql_at=45901), "leads[1].mql_at", "datetime_type",
                 id="mql_at 45901"),
    pytest.param(lead("L1", activities=[{**ACT, "occurred_at": 1.7e9}]),
                 "leads[1].activities[0].occurred_at", "datetime_type", id="unix time float"),
    pytest.param(lead("L1", scored_at="45901"), "leads[1].scored_at",
                 "datetime_from_date_parsing", id="number as text"),
    pytest.param(lead("L1", mql_at=""), "leads[1].mql_at", "datetime_from_date_parsing",
                 id="empty string"),
    pytest.param(lead("L1", mql_at=True), "leads[1].mql_at", "datetime_type", id="boolean"),
]


@pytest.mark.parametrize(("bad", "field", "kind"), BAD_REQUESTS)
def test_bad_date_gets_422_naming_the_field(client, bad, field, kind):
    r = predict(client, lead("L0"), bad, all_or_nothing=True)
    assert r.status_code == 422, r.text
    assert [(e["field"], e["type"]) for e in r.json()["detail"]] == [(field, kind)]


def test_duplicate_lead_ids_get_422_and_the_rule_is_in_the_openapi_schema(client):
    r = predict(client, lead("A"), lead("B"), lead("A"), all_or_nothing=True)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "leads[2].lead_id"
    spec = client.get("/openapi.json").json()["components"]["schemas"]["PredictRequest"]
    assert "a lead_id already in the request" in spec["properties"]["leads"]["description"]


def test_content_stage_aliases_of_the_files_are_accepted_and_read_as_the_stage(client):
    aliases = [{**ACT, "activity_type": "content_download", "content_stage": word}
               for word in ("TOFU", " mofu ", "Bottom of Funnel")]
    r = predict(client, lead("L1", activities=aliases), lead("L2"))
    assert r.status_code == 200, r.text
    assert "bofu" in StageWord.__args__


def test_dates_inside_the_bounds_with_offsets_are_scored(client):
    r = predict(client, lead("L1", mql_at="2026-09-01T23:30:00-05:00",
                             scored_at="2026-09-10"))
    assert r.status_code == 200, r.text
    assert r.json()["predictions"][0]["scored_at"].startswith("2026-09-10T00:00:00")


# --- the accepted window of dates (features.dates.DateWindow), lead by lead -----------------------
HOSTILE = [
    pytest.param({"scored_at": "9999-01-01T00:00:00Z"}, "scored_at", id="scored_at 9999"),
    pytest.param({"mql_at": "0001-01-01T00:00:00+14:00"}, "mql_at", id="mql_at year 1"),
    pytest.param({"activities": [{**ACT, "occurred_at": "0001-01-01T00:00:00Z"}]},
                 "activities[0].occurred_at", id="an activity of year 1"),
    pytest.param({"mql_at": "1989-12-31T23:59:59Z", "scored_at": "1990-01-02T00:00:00Z",
                  "activities": []}, "mql_at", id="mql_at a second before the window"),
    pytest.param({"scored_at": "2101-01-01T00:00:00Z"}, "scored_at",
                 id="scored_at a second after the window"),
    pytest.param({"activities": [{**ACT, "occurred_at": "1990-01-01T00:59:59+01:00"}]},
                 "activities[0].occurred_at", id="an activity a second before, once in UTC"),
]


@pytest.mark.parametrize(("fields", "field"), HOSTILE)
def test_a_lead_with_a_date_outside_the_window_gets_its_own_error_naming_field_and_window(
        client, fields, field):
    r = predict(client, lead("L0"), lead("L1", **fields))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["lead_id"] for p in body["predictions"]] == ["L0"]  # the good lead is scored
    (error,) = body["errors"]
    assert (error["lead_id"], error["index"], error["status"]) == ("L1", 1, "error")
    (problem,) = error["errors"]
    assert problem["field"] == f"leads[1].{field}" and problem["type"] == "date_out_of_range"
    assert "outside the accepted dates" in problem["msg"] and WINDOW in problem["msg"]


def test_dates_inside_the_window_by_a_second_are_scored(client):
    first = lead("L1", mql_at="1990-01-01T00:00:00Z", scored_at="1990-01-01T01:00:00+01:00",
                 activities=[{**ACT, "occurred_at": "1990-01-01T00:00:00Z"}])
    last = lead("L2", mql_at="2100-12-31T23:59:58Z", scored_at="2100-12-31T23:59:59Z",
                activities=[{**ACT, "occurred_at": "2100-12-31T23:59:59Z"}])
    r = predict(client, first, last, all_or_nothing=True)
    assert r.status_code == 200, r.text
    assert [p["lead_id"] for p in r.json()["predictions"]] == ["L1", "L2"]


@pytest.fixture
def restore_window():
    yield
    configure_window(DEFAULT_WINDOW)


def test_the_window_is_a_setting_of_the_service(settings, restore_window):
    with client_for(settings, date_min="2026-01-01", date_max="2026-12-31") as c:
        r = predict(c, lead("L0"), lead("L1", mql_at="2025-12-31T23:59:59Z",
                                        activities=[]), all_or_nothing=True)
        assert r.status_code == 422, r.text
        (problem,) = r.json()["detail"]
        assert problem["field"] == "leads[1].mql_at"
        assert "2026-01-01T00:00:00Z to 2026-12-31T23:59:59Z" in problem["msg"]
        assert predict(c, lead("L2", scored_at="2026-12-31T23:59:59Z")).json()["errors"] == []


def test_an_unusable_window_setting_is_an_error_naming_the_variables():
    from serving.config import ConfigError, settings_from_env

    with pytest.raises(ConfigError, match="LEADCONV_DATE_MIN, LEADCONV_DATE_MAX"):
        settings_from_env({"LEADCONV_DATE_MIN": "2030-01-01", "LEADCONV_DATE_MAX": "2020-01-01"})
