"""Bad dates, numbers for dates, aliases and duplicate ids in requests: a 422 naming the field
(``leads[i].field``), never a 500 and never a date wrapped into range."""

from __future__ import annotations

import pytest

from serving.schemas import StageWord
from tests.serving.helpers import lead, predict

ACT = {"activity_type": "page_view", "occurred_at": "2026-09-02T10:00:00Z"}

BAD_REQUESTS = [
    pytest.param(lead("L1", scored_at="9999-01-01T00:00:00Z"), "leads[1].scored_at",
                 "date_out_of_range", id="scored_at year 9999"),
    pytest.param(lead("L1", mql_at="0001-01-01T00:00:00+14:00"), "leads[1].mql_at",
                 "date_out_of_range", id="mql_at year 1 at +14:00"),
    pytest.param(lead("L1", mql_at="1900-01-01T00:00:00+14:00"), "leads[1].mql_at",
                 "date_out_of_range", id="mql_at before 1900 once in UTC"),
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
