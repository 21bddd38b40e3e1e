"""The API edge cannot drift from the data contract."""

from __future__ import annotations

from features.vocab import (
    ACTIVITIES_OPTIONAL,
    ACTIVITIES_REQUIRED,
    CONTACT_COLUMNS,
    CONTENT_STAGES,
    LEADS_OPTIONAL,
    LEADS_REQUIRED,
    STAGE_ALIASES,
)
from serving.schemas import ActivityIn, LeadIn


def test_lead_fields_are_the_contracts_lead_columns_plus_activities_and_scored_at():
    contract = {*LEADS_REQUIRED, *LEADS_OPTIONAL, *CONTACT_COLUMNS}
    assert set(LeadIn.model_fields) == contract | {"activities", "scored_at"}


def test_activity_fields_are_the_contracts_activity_columns_without_lead_id():
    contract = {*ACTIVITIES_REQUIRED, *ACTIVITIES_OPTIONAL} - {"lead_id"}
    assert set(ActivityIn.model_fields) == contract


def test_only_lead_id_and_mql_at_are_required():
    required = {n for n, f in LeadIn.model_fields.items() if f.is_required()}
    assert required == {"lead_id", "mql_at"}


def test_content_stage_accepts_exactly_the_contracts_stages_and_aliases():
    schema = ActivityIn.model_json_schema()["properties"]["content_stage"]
    allowed = next(x["enum"] for x in schema["anyOf"] if "enum" in x)
    assert tuple(allowed) == tuple(STAGE_ALIASES)  # one vocabulary for files and requests
    assert set(STAGE_ALIASES.values()) == set(CONTENT_STAGES)


def test_openapi_documents_the_predict_contract(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/predict" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {"ActivityIn", "PredictResponse", "LeadErrorOut"} <= set(schemas)
    item = schemas["PredictRequest"]["properties"]["leads"]["items"]  # each lead, checked alone
    assert item["title"] == "LeadIn" and item["required"] == ["lead_id", "mql_at"]
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
