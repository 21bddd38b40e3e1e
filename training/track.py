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
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.bundle import CARD_ARTIFACT, REPORT_ARTIFACT
from scoring.card import ModelCard

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


# The experiment tag MLflow 3's UI reads to choose its view (runs and models, not the GenAI
# overview with its traces); the values are MLflow's own.
EXPERIMENT_KIND_TAG, EXPERIMENT_KIND = "mlflow.experimentKind", "custom_model_development"
NOTE_TAG = "mlflow.note.content"  # the run's description in the UI


def _experiment_id(mlflow, client, tracking: Tracking) -> str:
    """The experiment's id (created when missing), tagged as model training unless the user
    chose another kind."""
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return str(client.create_experiment(EXPERIMENT,
                                            artifact_location=tracking.artifact_location,
                                            tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}))
    if EXPERIMENT_KIND_TAG not in experiment.tags:
        client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    return str(experiment.experiment_id)


def pip_requirements() -> list[str]:
    """Pinned requirements of the logged model (given explicitly: inference is slow): this
    package (the pyfunc's code, ``scoring.pyfunc``) and what it scores with."""
    return [f"{pkg}=={version(pkg)}" for pkg in ("leadconv", "scikit-learn", "pandas", "numpy",
                                                 "scipy", "skops")]


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
        input_example: a few raw input rows of the registered pyfunc (``scoring.pyfunc``:
            leads with their activities, or rows of the flat export).
        card: the model's card as known before registration (no version yet): the pyfunc's.
        rules_path: the rules file the scores use (None: the shipped one).
        run_name: what ran, e.g. ``demo-events · hgb · 2026-12-02``.
        dataset: the training table (model inputs and ``label``), logged with
            ``mlflow.log_input`` under ``data_name``, the fingerprint's source and sha256.
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
    card: ModelCard | None = None
    rules_path: str | None = None
    run_name: str | None = None
    dataset: pd.DataFrame | None = None
    data_name: str = "training data"
    run_id: str | None = None


def owner_tags() -> dict[str, str]:
    """Which process on which host runs a run (``mark_dead_runs`` reads them)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def open_run(tracking: Tracking, run_name: str | None = None) -> str:
    """Create the run of a training as it starts (RUNNING, with ``owner_tags``); its id."""
    mlflow, client = _client(tracking)
    run = client.create_run(_experiment_id(mlflow, client, tracking), tags=owner_tags(),
                            run_name=run_name)
    return str(run.info.run_id)


def end_run(tracking: Tracking, run_id: str, status: str) -> None:
    """Set the status of a run (``FAILED`` when its training stopped on an error)."""
    _, client = _client(tracking)
    client.set_terminated(run_id, status)


def log_run(tracking: Tracking, model: Any, model_name: str, log: RunLog,
            progress: Any = None) -> LoggedModel:
    """Log one training run and register its model as a new version of ``model_name``.

    The registered model is the pyfunc of ``scoring.pyfunc`` (raw leads in, a DataFrame of
    ``lead_id``, ``probability``, ``score``, ... out); ``progress`` (a line sink) hears what
    takes time.
    """
    params, metrics, fingerprint, tags = log.params, log.metrics, log.fingerprint, log.tags
    json_artifacts, figures, tables = log.json_artifacts, log.figures, log.tables
    mlflow, client = _client(tracking)
    say = progress or (lambda line: None)

    started = (mlflow.start_run(run_id=log.run_id) if log.run_id else
               mlflow.start_run(experiment_id=_experiment_id(mlflow, client, tracking),
                                tags=owner_tags()))
    with started as run:
        if log.run_name:
            client.update_run(run.info.run_id, name=log.run_name)
        mlflow.set_tags({**tags, NOTE_TAG: log.model_card})
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_params({f"data_{k}": str(v)[:500] for k, v in fingerprint.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()
                            if isinstance(v, (int, float, np.floating)) and np.isfinite(v)})
        mlflow.log_dict(fingerprint, "data_fingerprint.json")
        if log.dataset is not None:
            source = str(fingerprint.get("source", ""))
            if source and Path(source).exists():  # the folder or file, wherever it was run
                source = str(Path(source).resolve())
            with warnings.catch_warnings():  # "source can be interpreted in multiple ways":
                warnings.simplefilter("ignore", UserWarning)  # MLflow's two local kinds
                dataset = mlflow.data.from_pandas(
                    log.dataset, source=source, targets="label",
                    name=log.data_name, digest=str(fingerprint.get("sha256", ""))[:16] or None)
            mlflow.log_input(dataset, context="training")
        for name, obj in json_artifacts.items():
            mlflow.log_text(json.dumps(obj, indent=2, default=str), f"{name}.json")
        for name, fig in figures.items():
            mlflow.log_figure(fig, f"plots/{name}.png")
        for name, table in tables.items():
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{name}.csv"
                table.to_csv(path, index=False)
                mlflow.log_artifact(str(path), "tables")
        mlflow.log_text(log.model_card, "model_card.md")
        t0 = time.perf_counter()
        say("  registering the model (a pyfunc scoring raw leads; checked on its example) ...")
        info = log_pyfunc(mlflow, model, log)
        registered = register(client, model_name, info, run.info.run_id)
        say(f"  registered {model_name} v{registered} ({time.perf_counter() - t0:.1f}s)")
        return LoggedModel(run.info.run_id, f"models:/{model_name}/{registered}", registered)


def pyfunc_signature(card: ModelCard, example_output: pd.DataFrame) -> Any:
    """Named, required inputs (``scoring.pyfunc.input_columns``) and the named outputs of
    ``example_output``: what ``spark_udf`` needs to work with its default arguments."""
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types import ColSpec, Schema

    from scoring.pyfunc import input_columns

    inputs = Schema([ColSpec(kind, name) for name, kind in input_columns(card)])
    with warnings.catch_warnings():  # the hint that integer columns cannot hold NaN: the
        warnings.filterwarnings("ignore", "Hint: Inferred schema contains integer")  # score
        outputs = infer_signature(model_output=example_output).outputs  # never is NaN
    return ModelSignature(inputs=inputs, outputs=outputs)


def register(client: Any, model_name: str, info: Any, run_id: str) -> str:
    """Register a logged model as a new version of ``model_name`` (created when missing); the
    version. The client's calls, not ``mlflow.register_model``, which prints to stderr."""
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(model_name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    mv = client.create_model_version(model_name, info.model_uri, run_id=run_id,
                                     model_id=info.model_id, await_creation_for=60)
    client.set_logged_model_tags(info.model_id, {"mlflow.modelVersions": json.dumps(
        [{"name": model_name, "version": str(mv.version)}])})
    return str(mv.version)


def log_pyfunc(mlflow: Any, model: Any, log: RunLog) -> Any:
    """Log and register the pyfunc of ``scoring.pyfunc`` (its data folder: the skops model, the
    card, the rules file); the ``loader_module`` is our code, so nothing is pickled."""
    from scoring.model_folder import write_model_folder
    from scoring.pyfunc import _load_pyfunc

    if log.card is None:
        raise ValueError("the pyfunc needs the model's card (RunLog.card)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model_folder(Path(tmp) / "leadconv", model, log.card, log.rules_path)
        example = log.input_example
        signature = pyfunc_signature(log.card, _load_pyfunc(str(folder)).predict(example))
        with warnings.catch_warnings():  # MLflow's hint that an integer output (the score)
            warnings.filterwarnings("ignore", "Hint: Inferred schema contains integer")
            return mlflow.pyfunc.log_model(
                name="model", loader_module="scoring.pyfunc", data_path=str(folder),
                signature=signature, input_example=example, pip_requirements=pip_requirements())


def champion_version(tracking: Tracking, model_name: str) -> str | None:
    """The version carrying the ``champion`` alias, or None."""
    _, client = _client(tracking)
    try:
        return str(client.get_model_version_by_alias(model_name, "champion").version)
    except Exception:  # MlflowException: no such model or alias
        return None


def load_version(tracking: Tracking, model_name: str, version_or_alias: str) -> Any:
    """Load a registered model as the scikit-learn object (``@alias`` or a version number)."""
    from scoring.registry import registered_pipeline

    _client(tracking)
    sep = "@" if not version_or_alias.isdigit() else "/"
    return registered_pipeline(f"models:/{model_name}{sep}{version_or_alias}")


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
