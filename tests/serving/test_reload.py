"""Hot reload: a newly promoted champion is served without restart; a broken one never is."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from scoring.bundle import CARD_FILE, MODEL_FILE, export_bundle, load_bundle
from scoring.card import ModelCard
from scoring.event import OUTPUT_COLUMNS
from serving.holder import ModelLoadError, self_test
from tests.serving.helpers import HEADERS, client_for, lead, predict


def _promote(models_dir, version: str, model=None) -> None:
    """Export the current champion again as ``version`` (what training does on promotion)."""
    old_model, card = load_bundle(models_dir / "champion")
    export_bundle(old_model if model is None else model, card.replace(version=version),
                  models_dir / "champion")


def _failures(client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("leadconv_model_reload_failures_total "):
            return float(line.split()[1])
    raise AssertionError("no reload failure counter")


def test_admin_reload_serves_the_new_champion(client, models_dir):
    old = client.get("/v1/model", headers=HEADERS).json()["version"]
    _promote(models_dir, "99")
    r = client.post("/v1/admin/reload", headers=HEADERS)
    assert r.status_code == 200
    assert r.json() == {"reloaded": True, "model_version": "99", "previous_version": old}
    assert client.get("/v1/model", headers=HEADERS).json()["version"] == "99"
    assert predict(client, lead()).json()["model_version"] == "99"
    assert client.get("/readyz").json()["model_version"] == "99"
    assert 'leadconv_model_info{source="' in client.get("/metrics").text
    assert 'version="99"} 1.0' in client.get("/metrics").text


def test_corrupt_model_file_keeps_the_old_model_and_reports_the_failure(client, models_dir):
    before = predict(client, lead()).json()
    assert _failures(client) == 0
    (models_dir / "champion" / MODEL_FILE).write_bytes(b"garbage, not a pickle")
    r = client.post("/v1/admin/reload", headers=HEADERS)
    assert r.status_code == 409
    assert "checksum mismatch" in r.json()["detail"]
    assert f"still serving {before['model_version']}" in r.json()["detail"]
    info = client.get("/v1/model", headers=HEADERS).json()
    assert info["version"] == before["model_version"]
    assert "checksum mismatch" in info["last_reload_error"]
    assert info["last_reload_error_at"] is not None
    assert _failures(client) == 1
    assert predict(client, lead()).json() == before
    assert client.get("/readyz").status_code == 200


def test_model_that_cannot_score_is_not_swapped_in(client, models_dir):
    before = client.get("/v1/model", headers=HEADERS).json()["version"]
    _promote(models_dir, "100", model={"not": "a model"})  # valid checksum, cannot score
    r = client.post("/v1/admin/reload", headers=HEADERS)
    assert r.status_code == 409
    assert client.get("/v1/model", headers=HEADERS).json()["version"] == before
    assert predict(client, lead()).json()["model_version"] == before


class _NanScorer:
    """Loads fine, answers nonsense: what the self-test is for."""

    card = ModelCard(version="nan")

    def score_columns(self, leads, activities, at):
        out = {c: np.array(["x"] * len(leads["lead_id"]), dtype=object) for c in OUTPUT_COLUMNS}
        out["probability"] = np.full(len(leads["lead_id"]), np.nan)
        return out


def test_self_test_rejects_a_model_answering_nan():
    with pytest.raises(ModelLoadError, match="self-test gave an invalid answer"):
        self_test(_NanScorer())


def test_self_test_passes_the_trained_model(client):
    self_test(client.app.state.holder.current.scorer)


def test_a_good_reload_clears_the_last_error(client, models_dir):
    card = json.loads((models_dir / "champion" / CARD_FILE).read_text())
    (models_dir / "champion" / CARD_FILE).write_text("{ not json")
    assert client.post("/v1/admin/reload", headers=HEADERS).status_code == 409
    (models_dir / "champion" / CARD_FILE).write_text(json.dumps(card))
    assert client.post("/v1/admin/reload", headers=HEADERS).status_code == 200
    assert client.get("/v1/model", headers=HEADERS).json()["last_reload_error"] is None


def _wait_for(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_poll_picks_up_a_new_champion_without_a_call(settings, models_dir):
    with client_for(settings, reload_seconds=0.1) as c:
        _promote(models_dir, "101")
        assert _wait_for(lambda: c.get("/readyz").json()["model_version"] == "101")


def test_poll_does_not_retry_a_broken_bundle_until_it_changes(settings, models_dir):
    with client_for(settings, reload_seconds=0.05) as c:
        version = c.get("/readyz").json()["model_version"]
        (models_dir / "champion" / MODEL_FILE).write_bytes(b"garbage")
        assert _wait_for(lambda: _failures(c) == 1)
        time.sleep(0.5)  # ~10 more polls of an unchanged, broken bundle
        assert _failures(c) == 1
        assert c.get("/readyz").json()["model_version"] == version
        export_bundle(*_good_bundle(c), models_dir / "champion")  # fixed: served at next poll
        assert _wait_for(lambda: c.get("/readyz").json()["model_version"] == "102")


def _good_bundle(client):
    scorer = client.app.state.holder.current.scorer
    return scorer.model, scorer.card.replace(version="102")


def test_a_service_started_without_a_model_becomes_ready_when_one_appears(settings, tmp_path,
                                                                           models_dir):
    empty = tmp_path / "empty-store"
    with client_for(settings, models_dir=empty, reload_seconds=0.05) as c:
        assert c.get("/readyz").status_code == 503
        model, card = load_bundle(models_dir / "champion")
        export_bundle(model, card, empty / "champion")
        assert _wait_for(lambda: c.get("/readyz").status_code == 200)
        assert predict(c, lead()).status_code == 200


def test_the_reference_is_swapped_only_after_the_new_model_is_fully_loaded(client):
    import threading

    from serving.holder import ModelHolder

    holder: ModelHolder = client.app.state.holder
    old = holder.current
    started, release = threading.Event(), threading.Event()
    new = type(old)(old.scorer, "slow source", None, old.loaded_at)

    def slow_loader(settings):
        started.set()
        release.wait(5)
        return new

    holder.loader = slow_loader
    worker = threading.Thread(target=holder.reload)
    worker.start()
    assert started.wait(5)
    assert holder.current is old  # mid-load: requests still get the old, whole model
    assert predict(client, lead()).status_code == 200
    release.set()
    worker.join(5)
    assert holder.current is new
