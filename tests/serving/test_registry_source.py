"""Loading the champion from the MLflow registry, and falling back to the local store."""

from __future__ import annotations

import logging

import pytest

from serving.config import Settings
from serving.holder import load_champion
from tests.bundle_tools import rewrite_card
from tests.serving.helpers import HEADERS, client_for, lead, predict


@pytest.fixture
def registry_uri(trained, monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return f"sqlite:///{trained / 'mlflow.db'}"


def test_champion_alias_is_loaded_from_the_registry_with_its_version(settings, registry_uri):
    loaded = load_champion(Settings(models_dir=settings.models_dir, registry_uri=registry_uri))
    local = load_champion(Settings(models_dir=settings.models_dir))
    assert loaded.source == "models:/lead-conversion@champion"
    assert loaded.version == local.version
    assert loaded.card.importances == local.card.importances
    with client_for(settings, registry_uri=registry_uri) as c:
        served = predict(c, lead()).json()["predictions"][0]["probability"]
        assert c.get("/v1/model", headers=HEADERS).json()["source"] == loaded.source
    with client_for(settings) as c:
        assert predict(c, lead()).json()["predictions"][0]["probability"] == pytest.approx(
            served, abs=1e-12)


def test_registry_without_a_champion_falls_back_to_the_local_store(settings, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="serving.holder")
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    loaded = load_champion(Settings(models_dir=settings.models_dir, registry_uri=empty))
    assert loaded.source == str(settings.champion_dir)
    assert "gave no champion" in caplog.text


def test_watcher_sees_the_registry_alias_move_without_a_local_export(settings, trained,
                                                                      tmp_path, monkeypatch):
    import shutil

    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    shutil.copy(trained / "mlflow.db", tmp_path / "copy.db")
    uri = f"sqlite:///{tmp_path / 'copy.db'}"
    with client_for(settings, registry_uri=uri) as c:
        holder = c.app.state.holder
        assert holder.current.source == "models:/lead-conversion@champion"
        assert not holder.changed()
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        old = client.get_model_version_by_alias("lead-conversion", "champion")
        new = client.create_model_version("lead-conversion", old.source, run_id=old.run_id)
        client.set_registered_model_alias("lead-conversion", "champion", new.version)
        assert holder.changed()
        holder.reload()
        assert holder.current.version == str(new.version) != str(old.version)
        assert not holder.changed()
        assert c.get("/v1/model", headers=HEADERS).json()["version"] == str(new.version)


def test_embedded_registry_of_another_model_does_not_override_the_local_bundle(
        settings, registry_uri, tmp_path, caplog):
    import json

    from scoring.registry import champion_card

    caplog.set_level(logging.WARNING, logger="scoring.registry")
    card_path = settings.champion_dir / "model.json"
    card = json.loads(card_path.read_text())
    card["run_id"] = "another-run"  # a bundle exported by other training than the registry's
    rewrite_card(settings.champion_dir, card)
    embedded = Settings(models_dir=settings.models_dir, registry_uri=registry_uri)
    loaded = load_champion(embedded)
    assert loaded.source == str(settings.champion_dir)
    assert "another model than the champion of the embedded registry" in caplog.text
    assert champion_card(embedded).run_id == "another-run"
    named = Settings(models_dir=settings.models_dir, registry_uri=registry_uri,
                     prefer_registry=True)
    assert load_champion(named).source == "models:/lead-conversion@champion"
    assert champion_card(named).run_id != "another-run"


def test_model_source_registry_and_tracking_uri_prefer_the_registry(tmp_path):
    from serving.config import settings_from_env

    (tmp_path / "mlflow.db").write_bytes(b"")
    assert not settings_from_env({}, cwd=tmp_path).prefer_registry
    assert settings_from_env({"LEADCONV_MODEL_SOURCE": "registry"}, cwd=tmp_path).prefer_registry
    assert settings_from_env({"MLFLOW_TRACKING_URI": "http://mlflow:5000"},
                             cwd=tmp_path).prefer_registry
    assert settings_from_env({"LEADCONV_MODEL_SOURCE": "local"}, cwd=tmp_path).registry_uri is None


def test_a_registry_champion_without_its_card_is_not_served(settings, trained, tmp_path,
                                                            monkeypatch):
    import shutil

    from mlflow import MlflowClient

    from scoring.registry import MissingCard

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    shutil.copy(trained / "mlflow.db", tmp_path / "copy.db")
    uri = f"sqlite:///{tmp_path / 'copy.db'}"
    named = settings.model_copy(update={"registry_uri": uri, "prefer_registry": True})
    with client_for(named) as c:
        holder = c.app.state.holder
        served = holder.current.version
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        old = client.get_model_version_by_alias("lead-conversion", "champion")
        bare = client.create_run(client.get_run(old.run_id).info.experiment_id)
        new = client.create_model_version("lead-conversion", old.source, run_id=bare.info.run_id)
        client.set_registered_model_alias("lead-conversion", "champion", new.version)
        with pytest.raises(MissingCard, match=f"v{new.version} .* has no model.json"):
            load_champion(named)
        r = c.post("/v1/admin/reload", headers=HEADERS)
        assert r.status_code == 409 and "has no model.json" in r.json()["detail"]
        assert holder.current.version == served
        assert predict(c, lead()).json()["model_version"] == served
