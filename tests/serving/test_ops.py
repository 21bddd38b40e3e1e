"""Probes and Prometheus metrics."""

from __future__ import annotations

from tests.serving.helpers import HEADERS, client_for, lead, predict


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, value = line.rsplit(" ", 1)
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                return float(value)
    return 0.0


def test_healthz_is_always_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_reports_the_loaded_model_version(client, models_dir):
    import json

    version = json.loads((models_dir / "champion" / "model.json").read_text())["version"]
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert r.json()["model_version"] == str(version)


def test_app_without_a_model_starts_but_is_not_ready(settings, tmp_path):
    with client_for(settings, models_dir=tmp_path / "nothing-here") as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["status"] == "not ready"
        assert "no champion model found" in r.json()["detail"]
        r = predict(c, lead())
        assert r.status_code == 503
        assert c.get("/v1/model", headers=HEADERS).status_code == 503


def test_metrics_count_requests_by_route_and_status_and_predictions_by_tier(client):
    predict(client, lead("a"), lead("b"), lead("c"))
    predict(client, lead("a", company_size=-1), all_or_nothing=True)
    predict(client, lead("a"), headers={})
    predict(client, lead("b", company_size=-1), lead("c", mql_at="soon"), lead("d"))
    text = client.get("/metrics").text
    assert _sample(text, "leadconv_http_requests_total", route="/v1/predict",
                   status="200") == 2
    assert _sample(text, "leadconv_invalid_leads_total") == 2
    assert _sample(text, "leadconv_http_requests_total", route="/v1/predict",
                   status="422") == 1
    assert _sample(text, "leadconv_http_requests_total", route="/v1/predict",
                   status="401") == 1
    assert _sample(text, "leadconv_http_request_duration_seconds_count", route="/v1/predict",
                   status="200") == 2
    scored = sum(_sample(text, "leadconv_predictions_total", tier=t)
                 for t in ("hot", "warm", "cold"))
    assert scored == 4
    version = client.get("/readyz").json()["model_version"]
    assert _sample(text, "leadconv_model_info", version=version) == 1
    assert _sample(text, "leadconv_model_reload_failures_total") == 0


def test_unknown_paths_share_one_metrics_label(client):
    for i in range(3):
        assert client.get(f"/no/such/path/{i}").status_code == 404
    text = client.get("/metrics").text
    assert _sample(text, "leadconv_http_requests_total", route="<unmatched>", status="404") == 3
    assert "/no/such/path" not in text


def test_responses_carry_a_request_id(client):
    assert len(client.get("/healthz").headers["x-request-id"]) == 16
    r = client.get("/healthz", headers={"X-Request-ID": "crm-call-42"})
    assert r.headers["x-request-id"] == "crm-call-42"
