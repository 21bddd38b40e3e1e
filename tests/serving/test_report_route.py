"""``GET /report``: the champion's report page, behind an API key or a read-only report key."""

from __future__ import annotations

import pytest

from scoring.bundle import REPORT_FILE
from serving.config import settings_from_env
from serving.report import page_identity
from tests.serving.helpers import HEADERS, KEY, client_for

REPORT_KEY = "report-key-abcdef0123456789"


@pytest.fixture
def report_settings(settings):
    return settings.model_copy(update={"report_keys": (REPORT_KEY,)})


def test_report_is_refused_without_a_key(report_settings):
    with client_for(report_settings) as client:
        response = client.get("/report")
    assert response.status_code == 401
    assert "?key=" in response.json()["detail"]


@pytest.mark.parametrize("query", ["wrong-key", KEY])
def test_report_refuses_a_wrong_key_and_api_keys_in_the_url(report_settings, query):
    with client_for(report_settings) as client:
        response = client.get("/report", params={"key": query})
    assert response.status_code == 401


def test_report_key_in_the_query_opens_the_champions_page(report_settings):
    with client_for(report_settings) as client:
        response = client.get("/report", params={"key": REPORT_KEY})
        served = client.get("/v1/model", headers=HEADERS).json()["version"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert page_identity(response.text)["model-version"] == served
    assert "What drives conversion" in response.text


def test_report_key_cannot_call_the_api(report_settings):
    with client_for(report_settings) as client:
        response = client.get("/v1/model", headers={"X-API-Key": REPORT_KEY})
    assert response.status_code == 401


def test_api_key_header_opens_the_report_too(settings):
    with client_for(settings) as client:
        response = client.get("/report", headers=HEADERS)
    assert response.status_code == 200
    assert "What this means" in response.text


def test_home_page_redirects_to_the_report_keeping_the_key(report_settings):
    with client_for(report_settings) as client:
        response = client.get("/", params={"key": REPORT_KEY}, follow_redirects=False)
        followed = client.get("/", params={"key": REPORT_KEY})
    assert response.status_code == 307
    assert response.headers["location"] == f"/report?key={REPORT_KEY}"
    assert followed.status_code == 200


def test_missing_report_is_a_404_saying_what_to_run(settings, models_dir):
    (models_dir / "champion" / REPORT_FILE).unlink()
    with client_for(settings) as client:
        response = client.get("/report", headers=HEADERS)
    assert response.status_code == 404
    assert "leadconv report" in response.json()["detail"]


def test_report_of_another_version_is_not_shown(settings, models_dir):
    path = models_dir / "champion" / REPORT_FILE
    page = path.read_text()
    version = page_identity(page)["model-version"]
    path.write_text(page.replace(f'content="{version}"', 'content="999"', 1))
    with client_for(settings) as client:
        response = client.get("/report", headers=HEADERS)
    assert response.status_code == 404
    assert "v999" in response.json()["detail"] and f"v{version} is served" in (
        response.json()["detail"])


def test_report_keys_come_from_the_environment():
    settings = settings_from_env({"LEADCONV_REPORT_KEYS": " a1 , b2,,a1"})
    assert settings.report_keys == ("a1", "b2")
    assert "a1" not in repr(settings)


def test_registry_champion_without_a_local_report_is_served_from_its_run(settings, models_dir,
                                                                         trained, monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    local = (models_dir / "champion" / REPORT_FILE).read_text()
    (models_dir / "champion" / REPORT_FILE).unlink()
    with client_for(settings, registry_uri=f"sqlite:///{trained / 'mlflow.db'}") as client:
        assert client.get("/v1/model", headers=HEADERS).json()["source"].startswith("models:/")
        response = client.get("/report", headers=HEADERS)
    assert response.status_code == 200
    assert page_identity(response.text) == page_identity(local)
