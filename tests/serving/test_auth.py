"""API keys: /v1 needs a valid X-API-Key (several may be valid); probes stay open."""

from __future__ import annotations

import pytest

from serving.auth import key_matches
from tests.serving.helpers import client_for, lead, predict


@pytest.mark.parametrize(("headers", "message"), [
    ({}, "missing API key: send it in the X-API-Key header"),
    ({"X-API-Key": "wrong"}, "invalid API key in the X-API-Key header"),
    ({"X-API-Key": ""}, "missing API key: send it in the X-API-Key header"),
])
def test_v1_without_a_valid_key_gets_401(client, headers, message):
    for method, path in (("get", "/v1/model"), ("get", "/v1/importances"),
                         ("post", "/v1/admin/reload")):
        r = client.request(method.upper(), path, headers=headers)
        assert r.status_code == 401, path
        assert r.json() == {"detail": message}
    r = predict(client, lead(), headers=headers)
    assert r.status_code == 401


def test_401_comes_before_validation_and_batch_limits(client):
    r = client.post("/v1/predict", json={"leads": [{}] * 5000}, headers={"X-API-Key": "no"})
    assert r.status_code == 401


def test_two_configured_keys_both_work_for_rotation(settings):
    with client_for(settings, api_keys=("old-key-aaaaaaaa", "new-key-bbbbbbbb")) as c:
        for key in ("old-key-aaaaaaaa", "new-key-bbbbbbbb"):
            assert predict(c, lead(), headers={"X-API-Key": key}).status_code == 200
        assert predict(c, lead(), headers={"X-API-Key": "old-key"}).status_code == 401


def test_no_configured_key_refuses_every_v1_call(settings):
    with client_for(settings, api_keys=()) as c:
        r = predict(c, lead(), headers={"X-API-Key": ""})
        assert r.status_code == 401
        assert "no API key is configured" in r.json()["detail"]
        assert c.get("/readyz").status_code == 200


def test_probes_and_metrics_need_no_key(client):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200, path


def test_key_matching_is_exact():
    keys = ("alpha-key", "beta-key")
    assert key_matches("beta-key", keys)
    assert not key_matches("beta-ke", keys)
    assert not key_matches("beta-key ", keys)
    assert not key_matches("anything", ())


def test_keys_set_in_the_environment_protect_the_app(settings, monkeypatch):
    from fastapi.testclient import TestClient

    from serving.app import create_app
    from serving.config import get_settings

    monkeypatch.setenv("LEADCONV_API_KEYS", "env-key-1, env-key-2")
    get_settings.cache_clear()
    try:
        from_env = get_settings().model_copy(
            update={"models_dir": settings.models_dir, "reload_seconds": 0})
    finally:
        get_settings.cache_clear()
    with TestClient(create_app(from_env)) as c:
        assert predict(c, lead(), headers={"X-API-Key": "env-key-2"}).status_code == 200
        assert predict(c, lead(), headers={"X-API-Key": "env-key-3"}).status_code == 401
