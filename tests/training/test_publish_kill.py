"""Publishing is whole or nothing: a training killed at any step leaves the registry, the local
bundle and a service agreeing on whole models (card, report, reasons), and the registry alias is
never ahead of the bundle. One trained store (the session's ``trained``) serves every kill point:
each publishes a new version of it again, cheaply, and is stopped at one step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import scoring.swap
import training.publish
from features.rules import load_rules
from scoring.bundle import REPORT_FILE, load_bundle
from scoring.load import load_champion
from serving.config import Settings
from training import track
from training.config import RunOptions, TrainConfig
from training.promotion import Decision

NAME = "lead-conversion"


class Killed(BaseException):
    """A kill: not an Exception, so no ``except Exception`` of the code under test stops it."""


@pytest.fixture
def store(tmp_path, trained, monkeypatch):
    """A copy of the trained store (registry and bundle: champion v1) and a new version v2 of
    another run, ready to be published: (workdir, client, card, model, pages by version)."""
    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    shutil.copy(trained / "mlflow.db", tmp_path / "mlflow.db")
    shutil.copytree(trained / "models", tmp_path / "models", symlinks=True)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    old = client.get_model_version_by_alias(NAME, "champion")
    run = client.create_run(client.get_experiment_by_name(track.EXPERIMENT).experiment_id)
    client.set_terminated(run.info.run_id)
    new = client.create_model_version(NAME, old.source, run_id=run.info.run_id)
    model, card = load_bundle(tmp_path / "models" / "champion")
    card = card.replace(version=str(new.version), run_id=run.info.run_id, alias="champion")
    pages = {str(old.version): (tmp_path / "models" / "champion" / REPORT_FILE).read_text(),
             card.version: f'<meta name="leadconv-model-version" content="{card.version}">'}
    return tmp_path, client, card, model, pages


def _publish(workdir: Path, card, model, page: str) -> None:
    decision = Decision("champion", "forced by the test", card.version, 0.5, "1", True)
    training.publish.publish(track.resolve_tracking(workdir), TrainConfig(), card, decision,
                             model, page, RunOptions(workdir, workdir / "models",
                                                     progress=lambda line: None))


def _die_at(monkeypatch, point: str) -> None:
    if point == "staged":  # inside the export: files written, not yet swapped in
        def swap_in(*args, **kwargs):
            raise Killed(point)
        monkeypatch.setattr(scoring.swap, "swap_in", swap_in)
        return

    def after_step(step: str) -> None:
        if step == point:
            raise Killed(point)
    monkeypatch.setattr(training.publish, "after_step", after_step)


# kill point -> (registry champion, bundle) afterwards: the alias moves last
AFTER = {"logged": ("1", "1"), "staged": ("1", "1"), "bundle": ("1", "2"), "alias": ("2", "2"),
         "never": ("2", "2")}


@pytest.mark.parametrize("point", list(AFTER))
def test_a_training_killed_while_publishing_leaves_whole_models_everywhere(store, point,
                                                                           monkeypatch):
    workdir, client, card, model, pages = store
    _die_at(monkeypatch, point)
    if point == "never":
        _publish(workdir, card, model, pages[card.version])
    else:
        with pytest.raises(Killed):
            _publish(workdir, card, model, pages[card.version])
    registry_version, bundle_version = AFTER[point]
    champion = workdir / "models" / "champion"
    # the registry: the alias names a version whose run holds its card and report
    assert str(client.get_model_version_by_alias(NAME, "champion").version) == registry_version
    # the bundle: whole, verified, with the report of its own version
    _, bundle_card = load_bundle(champion)
    assert bundle_card.version == bundle_version
    assert (champion / REPORT_FILE).read_text() == pages[bundle_version]
    assert client.get_run(card.run_id).info.status != "RUNNING"
    # a service, wherever it loads from, gets a whole model with its reasons
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    rules = load_rules()
    local = load_champion(Settings(models_dir=workdir / "models"), rules)
    registry = load_champion(Settings(models_dir=workdir / "models", registry_uri=uri,
                                      prefer_registry=True), rules)
    embedded = load_champion(Settings(models_dir=workdir / "models", registry_uri=uri), rules)
    assert local.version == bundle_version and registry.version == registry_version
    assert embedded.version == bundle_version  # the bundle is never behind the alias
    for loaded in (local, registry, embedded):
        assert loaded.card.importances and loaded.card.reference and loaded.card.features
    if registry_version == "2":
        assert registry.source.startswith("models:/") and embedded.source == registry.source
