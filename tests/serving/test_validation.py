"""Bad input gets 413/422 (all or nothing) or its own error per lead, with the lead index and
field named, never a 500."""

from __future__ import annotations

import pytest

from tests.serving.helpers import HEADERS, client_for, lead, predict


def _without(field: str) -> dict[str, object]:
    item = lead("L3")
    del item[field]
    return item


BAD_LEADS = [
    pytest.param(_without("mql_at"), "leads[3].mql_at", "missing", id="missing mql_at"),
    pytest.param(_without("lead_id"), "leads[3].lead_id", "missing", id="missing lead_id"),
    pytest.param(lead("L3", company_size=-5), "leads[3].company_size", "greater_than_equal",
                 id="negative company_size"),
    pytest.param(lead("L3", budget=-1), "leads[3].budget", "greater_than_equal",
                 id="negative budget"),
    pytest.param(lead("L3", activities=[{"activity_type": "page_view", "content_stage": "late",
                                          "occurred_at": "2026-09-02T10:00:00Z"}]),
                 "leads[3].activities[0].content_stage", "literal_error",
                 id="bad content_stage"),
    pytest.param(lead("L3", mql_at="last tuesday"), "leads[3].mql_at", "datetime_from_date_parsing",
                 id="unparsable date"),
    pytest.param(lead("   "), "leads[3].lead_id", "string_too_short",
                 id="blank lead_id"),
    pytest.param(lead("L3", activities=[{"activity_type": " ",
                                          "occurred_at": "2026-09-02T10:00:00Z"}]),
                 "leads[3].activities[0].activity_type", "string_too_short",
                 id="blank activity_type"),
    pytest.param(lead("L3", scored_at="2026-08-01T00:00:00Z"), "leads[3].scored_at",
                 "value_error", id="scored before mql"),
]


@pytest.mark.parametrize(("bad", "field", "kind"), BAD_LEADS)
def test_invalid_lead_gets_422_naming_lead_index_and_field(client, bad, field, kind):
    r = predict(client, lead("L0"), lead("L1"), lead("L2"), bad, all_or_nothing=True)
    assert r.status_code == 422, r.text
    body = r.json()
    assert [(e["field"], e["type"]) for e in body["detail"]] == [(field, kind)]
    assert body["detail"][0]["loc"][:3] == ["body", "leads", 3]
    assert body["message"].startswith(f"1 invalid field(s): {field}: ")


@pytest.mark.parametrize(("bad", "field", "kind"), BAD_LEADS)
def test_invalid_lead_gets_its_own_error_and_the_others_are_scored(client, bad, field, kind):
    r = predict(client, lead("L0"), lead("L1"), lead("L2"), bad)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["lead_id"] for p in body["predictions"]] == ["L0", "L1", "L2"]
    [error] = body["errors"]
    assert error["index"] == 3 and error["status"] == "error"
    assert error["lead_id"] == bad.get("lead_id")
    assert [(e["field"], e["type"]) for e in error["errors"]] == [(field, kind)]


def test_every_invalid_field_is_reported_at_once(client):
    r = predict(client, lead("A", company_size=-1), _without("mql_at"), all_or_nothing=True)
    fields = {e["field"] for e in r.json()["detail"]}
    assert fields == {"leads[0].company_size", "leads[1].mql_at"}
    per_lead = predict(client, lead("A", company_size=-1), _without("mql_at")).json()
    assert per_lead["predictions"] == []
    assert [(e["lead_id"], [f["field"] for f in e["errors"]]) for e in per_lead["errors"]] == [
        ("A", ["leads[0].company_size"]), ("L3", ["leads[1].mql_at"])]


def test_a_repeated_lead_id_is_an_error_of_the_later_lead(client):
    body = predict(client, lead("X"), lead("Y"), lead("X", company_size=7)).json()
    assert [p["lead_id"] for p in body["predictions"]] == ["X", "Y"]
    [error] = body["errors"]
    assert (error["lead_id"], error["index"]) == ("X", 2)
    assert error["errors"][0]["field"] == "leads[2].lead_id"
    assert error["errors"][0]["msg"] == "duplicate lead_id: already at leads[0]"
    whole = predict(client, lead("X"), lead("Y"), lead("X"), all_or_nothing=True)
    assert whole.status_code == 422
    assert [e["field"] for e in whole.json()["detail"]] == ["leads[2].lead_id"]


def test_unknown_fields_are_ignored_and_listed_per_lead(client):
    plain = predict(client, lead("A")).json()["predictions"][0]
    extra = lead("A", lead_score=99, utm_campaign="spring",
                 activities=[{**a, "campaign_id": 7} for a in lead()["activities"]])
    body = predict(client, extra).json()
    [p] = body["predictions"]
    assert p["ignored_fields"] == ["lead_score", "utm_campaign", "activities[0].campaign_id",
                                   "activities[1].campaign_id"]
    assert p["probability"] == plain["probability"]
    assert plain["ignored_fields"] == []


def test_strict_fields_setting_makes_an_unknown_field_an_error_of_its_lead(settings):
    with client_for(settings, strict_fields=True) as c:
        body = predict(c, lead("A"), lead("B", lead_score=99)).json()
        assert [p["lead_id"] for p in body["predictions"]] == ["A"]
        [error] = body["errors"]
        assert [(e["field"], e["type"]) for e in error["errors"]] == [
            ("leads[1].lead_score", "extra_forbidden")]


def test_validation_errors_do_not_echo_the_input(client):
    r = predict(client, lead("L0", email="jane.secret@example.com", company_size=-1),
                all_or_nothing=True)
    assert r.status_code == 422
    assert "jane.secret" not in r.text
    per_lead = predict(client, lead("L0", email="jane.secret@example.com", company_size=-1))
    assert per_lead.json()["errors"] and "jane.secret" not in per_lead.text


@pytest.mark.parametrize("body", [{"leads": []}, {}, {"lead": [lead()]}, [lead()],
                                  {"leads": "L1"}])
def test_malformed_bodies_get_422(client, body):
    r = client.post("/v1/predict", json=body, headers=HEADERS)
    assert r.status_code == 422, r.text
    assert r.json()["message"]


def test_a_lead_that_is_not_an_object_is_an_error_of_its_own(client):
    body = client.post("/v1/predict", json={"leads": [None, lead("A")]}, headers=HEADERS).json()
    assert [p["lead_id"] for p in body["predictions"]] == ["A"]
    assert body["errors"][0]["errors"][0]["msg"] == "a lead must be a JSON object"


def test_invalid_json_gets_422_not_500(client):
    r = client.post("/v1/predict", content=b'{"leads": [', headers={
        **HEADERS, "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "body"
    assert "JSON decode error" in r.json()["message"]


def test_over_the_batch_limit_gets_413_before_validating_leads(settings):
    with client_for(settings, max_batch=3) as c:
        assert predict(c, *[lead(f"L{i}") for i in range(3)]).status_code == 200
        r = c.post("/v1/predict", json={"leads": [{"junk": i} for i in range(4)]},
                   headers=HEADERS)
    assert r.status_code == 413
    assert r.json()["detail"] == ("too many leads: 4 in one request, at most 3 "
                                  "(LEADCONV_MAX_BATCH); split the batch")


def test_default_batch_limit_is_1000(client):
    r = client.post("/v1/predict", json={"leads": [{}] * 1001}, headers=HEADERS)
    assert r.status_code == 413
    assert "at most 1,000" in r.json()["detail"]


def test_body_over_the_byte_limit_gets_413(settings):
    with client_for(settings, max_body_bytes=2_000) as c:
        r = predict(c, *[lead(f"L{i}") for i in range(10)])
    assert r.status_code == 413
    assert "LEADCONV_MAX_BODY_BYTES" in r.json()["detail"]
