"""MLflow tracking and registry: the only module that talks to MLflow.

Embedded default: with no ``MLFLOW_TRACKING_URI`` in the environment, tracking and the model
registry live in ``<workdir>/mlflow.db`` (SQLite) and artifacts in ``<workdir>/mlartifacts/``;
nothing to start. With ``MLFLOW_TRACKING_URI`` set, that server is used. Browse the embedded store
with ``mlflow ui --backend-store-uri sqlite:///<workdir>/mlflow.db``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.bundle import CARD_ARTIFACT, REPORT_ARTIFACT
from scoring.card import ModelCard
from scoring.trusted import skops_trusted_types  # MLflow saves with skops: the same allow-list

logger = logging.getLogger(__name__)

EXPERIMENT = "lead-conversion"
ENV_URIS = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")
PID_TAG, HOST_TAG = "leadconv.pid", "leadconv.host"  # who runs a run: to find dead ones


@dataclass(frozen=True)
class Tracking:
    """Where runs and the registry live."""

    tracking_uri: str
    artifact_location: str | None
    embedded: bool


def resolve_tracking(workdir: str | Path) -> Tracking:
    """The tracking server from ``MLFLOW_TRACKING_URI``, else the embedded SQLite store."""
    from training.config import tracking_uri_from_env

    uri = tracking_uri_from_env()
    if uri:
        return Tracking(uri, None, embedded=False)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return Tracking(f"sqlite:///{workdir / 'mlflow.db'}", (workdir / "mlartifacts").as_uri(),
                    embedded=True)


def _client(tracking: Tracking):
    """MLflow pointed at ``tracking``, leaving the user's environment as it was.

    ``mlflow.set_tracking_uri`` also writes ``MLFLOW_TRACKING_URI`` into ``os.environ``; left
    there, the next run in the same process (a notebook, a benchmark) would take it for the
    user's own server and log into the previous run's store.
    """
    import mlflow
    from mlflow import MlflowClient

    saved = {name: os.environ.get(name) for name in ENV_URIS}  # restored below, not read
    mlflow.set_tracking_uri(tracking.tracking_uri)
    mlflow.set_registry_uri(tracking.tracking_uri)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return mlflow, MlflowClient(tracking_uri=tracking.tracking_uri,
                                registry_uri=tracking.tracking_uri)


def _experiment_id(mlflow, client, tracking: Tracking) -> str:
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(EXPERIMENT, artifact_location=tracking.artifact_location)


def pip_requirements() -> list[str]:
    """Pinned requirements of the logged model (given explicitly: inference is slow)."""
    return [f"{pkg}=={version(pkg)}" for pkg in ("scikit-learn", "pandas", "numpy", "scipy")]


@dataclass(frozen=True)
class LoggedModel:
    run_id: str
    model_uri: str
    version: str


@dataclass
class RunLog:
    """What one run logs besides its model.

    Attributes:
        params, metrics, tags: as MLflow takes them (non-finite metrics are left out).
        fingerprint: the training data's hash, counts and dates (``data_*`` params and a JSON).
        figures: name -> matplotlib figure, logged as ``plots/<name>.png``.
        tables: name -> DataFrame, logged as ``tables/<name>.csv``.
        model_card: markdown, logged as ``model_card.md``.
        input_example: a few model-input rows (signature and example of the logged model).
        json_artifacts: name -> JSON-able object, each logged as ``<name>.json`` (e.g. the
            leakage flags with their evidence).
        run_id: the run ``open_run`` made when the training started; None: a new run.
    """

    params: dict[str, object]
    metrics: dict[str, Any]
    fingerprint: dict[str, object]
    figures: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    model_card: str
    input_example: pd.DataFrame
    tags: dict[str, str]
    json_artifacts: dict[str, Any]
    run_id: str | None = None


def owner_tags() -> dict[str, str]:
    """Which process on which host runs a run (``mark_dead_runs`` reads them)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def open_run(tracking: Tracking) -> str:
    """Create the run of a training as it starts (RUNNING, with ``owner_tags``); its id."""
    mlflow, client = _client(tracking)
    run = client.create_run(_experiment_id(mlflow, client, tracking), tags=owner_tags())
    return str(run.info.run_id)


def end_run(tracking: Tracking, run_id: str, status: str) -> None:
    """Set the status of a run (``FAILED`` when its training stopped on an error)."""
    _, client = _client(tracking)
    client.set_terminated(run_id, status)


def log_run(tracking: Tracking, model: Any, model_name: str, log: RunLog) -> LoggedModel:
    """Log one training run and register its model as a new version of ``model_name``."""
    params, metrics, fingerprint, tags = log.params, log.metrics, log.fingerprint, log.tags
    json_artifacts, figures, tables = log.json_artifacts, log.figures, log.tables
    model_card, input_example = log.model_card, log.input_example
    mlflow, client = _client(tracking)
    from mlflow.models import infer_signature

    started = (mlflow.start_run(run_id=log.run_id) if log.run_id else
               mlflow.start_run(experiment_id=_experiment_id(mlflow, client, tracking),
                                tags=owner_tags()))
    with started as run:
        mlflow.set_tags(tags)
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_params({f"data_{k}": str(v)[:500] for k, v in fingerprint.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()
                            if isinstance(v, (int, float, np.floating)) and np.isfinite(v)})
        mlflow.log_dict(fingerprint, "data_fingerprint.json")
        for name, obj in json_artifacts.items():
            mlflow.log_text(json.dumps(obj, indent=2, default=str), f"{name}.json")
        for name, fig in figures.items():
            mlflow.log_figure(fig, f"plots/{name}.png")
        for name, table in tables.items():
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{name}.csv"
                table.to_csv(path, index=False)
                mlflow.log_artifact(str(path), "tables")
        mlflow.log_text(model_card, "model_card.md")
        signature = infer_signature(input_example, model.predict_proba(input_example))
        info = mlflow.sklearn.log_model(
            model, name="model", signature=signature, input_example=input_example,
            pyfunc_predict_fn="predict_proba", registered_model_name=model_name,
            skops_trusted_types=skops_trusted_types(model), pip_requirements=pip_requirements(),
            await_registration_for=60)
        registered = str(info.registered_model_version)
        return LoggedModel(run.info.run_id, f"models:/{model_name}/{registered}", registered)


def champion_version(tracking: Tracking, model_name: str) -> str | None:
    """The version carrying the ``champion`` alias, or None."""
    _, client = _client(tracking)
    try:
        return str(client.get_model_version_by_alias(model_name, "champion").version)
    except Exception:  # MlflowException: no such model or alias
        return None


def load_version(tracking: Tracking, model_name: str, version_or_alias: str) -> Any:
    """Load a registered model as the scikit-learn object (``@alias`` or a version number)."""
    mlflow, _ = _client(tracking)
    sep = "@" if not version_or_alias.isdigit() else "/"
    return mlflow.sklearn.load_model(f"models:/{model_name}{sep}{version_or_alias}")


def log_card_and_report(tracking: Tracking, run_id: str, card: ModelCard,
                        decision: dict[str, object], page: str) -> None:
    """Attach the model card, the promotion decision and the marketers' report (one HTML file,
    ``report/report.html``) to the run; the run's status is left as it is."""
    _, client = _client(tracking)
    client.log_text(run_id, json.dumps(decision, indent=2, default=str), "promotion.json")
    client.log_text(run_id, page, REPORT_ARTIFACT)
    client.log_text(run_id, json.dumps(card.to_dict(), indent=2, default=str), CARD_ARTIFACT)


def set_alias(tracking: Tracking, model_name: str, alias: str, version: str,
              run_id: str) -> None:
    """Point ``alias`` at ``version`` and record it on the version and its run."""
    _, client = _client(tracking)
    client.set_registered_model_alias(model_name, alias, version)
    client.set_model_version_tag(model_name, version, "alias_at_training", alias)
    if alias == "champion":
        _mark_champion(client, model_name, version, "training")
    client.set_tag(run_id, "alias", alias)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def mark_dead_runs(tracking: Tracking) -> list[str]:
    """Mark FAILED the runs left RUNNING by a training that died: started on this host by a
    process that no longer exists (tags ``leadconv.pid``, ``leadconv.host``); returns their
    ids. Runs of other hosts, or without those tags, are left alone."""
    _, client = _client(tracking)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return []
    host = socket.gethostname()
    dead = []
    for run in client.search_runs([experiment.experiment_id],
                                  "attributes.status = 'RUNNING'", max_results=1000):
        tags = run.data.tags
        pid = tags.get(PID_TAG, "")
        if tags.get(HOST_TAG) != host or not pid.isdigit() or _alive(int(pid)):
            continue
        client.set_terminated(run.info.run_id, "FAILED")
        client.set_tag(run.info.run_id, "leadconv.failed", "its training process died")
        logger.warning("run %s was left RUNNING by process %s on %s, which no longer exists: "
                       "marked FAILED", run.info.run_id, pid, host)
        dead.append(run.info.run_id)
    return dead


def load_run_text(tracking: Tracking, run_id: str, artifact: str) -> str | None:
    """A text artifact of a run (e.g. ``model.json``, the report), or None if it has none."""
    mlflow, _ = _client(tracking)
    try:
        return str(mlflow.artifacts.load_text(f"runs:/{run_id}/{artifact}"))
    except Exception:  # MlflowException / OSError: no such artifact
        return None


def version_run_id(tracking: Tracking, model_name: str, version: str) -> str:
    """The run that logged a registered model version."""
    _, client = _client(tracking)
    return str(client.get_model_version(model_name, version).run_id)


def version_facts(tracking: Tracking, model_name: str, version: str
                  ) -> tuple[dict[str, float], dict[str, str]]:
    """(metrics, tags) of the run that logged ``version``; empty when it cannot be read."""
    _, client = _client(tracking)
    try:
        run = client.get_run(version_run_id(tracking, model_name, version))
    except Exception:  # MlflowException: a version without a readable run
        return {}, {}
    return dict(run.data.metrics), dict(run.data.tags)


CHAMPION_SINCE = "champion_since"  # model version tag: when it last became champion (UTC ISO)


def _mark_champion(client: Any, model_name: str, version: str, by: str) -> None:
    client.set_model_version_tag(model_name, version, CHAMPION_SINCE,
                                 datetime.now(UTC).isoformat())
    client.set_model_version_tag(model_name, version, "promoted_by", by)


def set_champion(tracking: Tracking, model_name: str, version: str,
                 by: str = "training.compare.promote") -> None:
    """Point the ``champion`` alias at ``version`` and record when, and by what."""
    _, client = _client(tracking)
    client.set_registered_model_alias(model_name, "champion", version)
    _mark_champion(client, model_name, version, by)


@dataclass(frozen=True)
class VersionInfo:
    """One registered version, as ``leadconv models list`` shows it."""

    version: str
    aliases: tuple[str, ...]
    created: str
    run_id: str
    metrics: dict[str, float]
    data_sha256: str
    champion_since: str | None


def list_versions(tracking: Tracking, model_name: str) -> list[VersionInfo]:
    """Every registered version of ``model_name``, newest first (empty if none)."""
    _, client = _client(tracking)
    try:
        found = client.search_model_versions(f"name = '{model_name}'")
    except Exception:  # MlflowException: no such model yet
        return []
    aliases: dict[str, list[str]] = {}
    try:  # search results leave the aliases out: the registered model has them
        for alias, version in client.get_registered_model(model_name).aliases.items():
            aliases.setdefault(str(version), []).append(alias)
    except Exception:  # MlflowException: no such model yet
        pass
    out = []
    for mv in sorted(found, key=lambda v: int(v.version), reverse=True):
        run = client.get_run(mv.run_id) if mv.run_id else None
        metrics = dict(run.data.metrics) if run is not None else {}
        tags = dict(run.data.tags) if run is not None else {}
        created = datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC)
        out.append(VersionInfo(str(mv.version), tuple(sorted(aliases.get(str(mv.version), []))),
                               created.isoformat(timespec="seconds"), str(mv.run_id),
                               metrics, tags.get("data_sha256", ""),
                               (mv.tags or {}).get(CHAMPION_SINCE)))
    return out
