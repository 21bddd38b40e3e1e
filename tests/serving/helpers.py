"""Builders shared by the serving tests: a valid lead, a predict call, a client for settings."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serving.app import create_app
from serving.config import Settings

KEY = "test-key-0123456789abcdef"
HEADERS = {"X-API-Key": KEY}


def client_for(settings: Settings, **changes: object) -> TestClient:
    """A TestClient (use it in ``with``: that runs the lifespan, i.e. loads the model)."""
    return TestClient(create_app(settings.model_copy(update=changes)))


def lead(lead_id: str = "L1", **fields: object) -> dict[str, object]:
    """A valid request lead; ``fields`` override or add."""
    base: dict[str, object] = {
        "lead_id": lead_id, "mql_at": "2026-09-01T10:00:00Z", "source": "paid_search",
        "industry": "software", "company_size": 250, "country": "US",
        "job_title": "VP Marketing", "budget": 60000, "purchase_timeframe": "0-3 months",
        "pain_point": "manual reporting", "scored_at": "2026-09-10T10:00:00Z",
        "activities": [
            {"activity_type": "pricing_page_view", "occurred_at": "2026-09-02T10:00:00Z"},
            {"activity_type": "demo_request", "occurred_at": "2026-09-05T10:00:00Z",
             "content_stage": "bottom"},
        ],
    }
    return {**base, **fields}


def predict(client: TestClient, *leads: dict[str, object], headers: dict[str, str] = HEADERS,
            all_or_nothing: bool = False):
    """POST the leads to /v1/predict (``all_or_nothing``: any invalid lead fails the request)."""
    url = "/v1/predict?all_or_nothing=true" if all_or_nothing else "/v1/predict"
    return client.post(url, json={"leads": list(leads)}, headers=headers)
