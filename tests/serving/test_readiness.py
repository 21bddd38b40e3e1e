"""/readyz tells an operator about a failed reload and a vanished model store (still serving:
200, "degraded"); the open routes name no file path; OpenAPI declares every error answer."""

from __future__ import annotations

import shutil

from scoring.bundle import MODEL_FILE
from tests.serving.helpers import HEADERS, lead, predict


def test_a_failed_reload_shows_on_readyz_with_when_and_why_but_no_path(client, models_dir):
    assert client.get("/readyz").json()["status"] == "ready"
    (models_dir / "champion" / MODEL_FILE).write_bytes(b"garbage, not a pickle")
    assert client.post("/v1/admin/reload", headers=HEADERS).status_code == 409
    r = client.get("/readyz")
    assert r.status_code == 200  # the old model still answers: stay in the load balancer
    body = r.json()
    assert body["status"] == "degraded"
    assert "checksum mismatch" in body["last_reload_error"]
    assert body["last_reload_error_at"] is not None
    assert "the last model reload failed at" in body["reasons"][0]
    assert str(models_dir) not in r.text and "/champion" not in r.text
    assert predict(client, lead()).status_code == 200


def test_a_deleted_models_folder_shows_on_readyz_while_the_model_keeps_serving(client,
                                                                                models_dir):
    shutil.rmtree(models_dir)
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "degraded"
    assert "models folder (LEADCONV_MODELS_DIR) is gone" in r.json()["detail"]
    assert str(models_dir) not in r.text
    assert predict(client, lead()).status_code == 200


def test_not_ready_without_a_model_names_no_path(settings, tmp_path):
    from tests.serving.helpers import client_for

    with client_for(settings, models_dir=tmp_path / "nothing-here") as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert "no champion model found in <path>" in r.json()["detail"]
    assert str(tmp_path) not in r.text


def test_metrics_name_no_file_path(client, models_dir):
    predict(client, lead())
    text = client.get("/metrics").text
    assert str(models_dir) not in text and str(models_dir.parent) not in text
    assert 'source="local"' in text
    assert "leadconv_overload_rejections_total" in text


def test_openapi_declares_the_error_answers_with_their_body(client):
    spec = client.get("/openapi.json").json()
    predict_answers = spec["paths"]["/v1/predict"]["post"]["responses"]
    assert set(predict_answers) == {"200", "400", "401", "408", "413", "422", "503"}
    for status in ("400", "401", "408", "413", "503"):
        schema = predict_answers[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status
    assert predict_answers["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationErrorOut"}
    for path in ("/v1/model", "/v1/importances", "/v1/admin/reload", "/report"):
        answers = next(iter(spec["paths"][path].values()))["responses"]
        assert {"401", "503"} <= set(answers), path
    assert set(spec["paths"]["/healthz"]["get"]["responses"]) == {"200"}  # never limited
