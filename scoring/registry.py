"""Where the champion comes from: the MLflow registry's ``@champion`` alias or the local bundle.

Rules (``choose_source``):

* no registry configured: the local bundle ``<models_dir>/champion``;
* a registry named on purpose (``MLFLOW_TRACKING_URI``, or ``LEADCONV_MODEL_SOURCE=registry``):
  its champion, the local bundle only when the registry cannot deliver;
* the embedded store ``./mlflow.db`` found in the working directory: its champion when it is the
  same run as the local bundle (or there is no local bundle); when the local bundle is another
  model (``--models-dir`` pointing elsewhere, say), the local bundle wins and a warning says so.

A registry champion is served with its card: the local one when it is the same version (and its
signature holds), else the card training logged to the run; a run without one is refused
(``MissingCard``), never served with its metrics alone.

The service decides its request schema from the card of the model this picks (``champion_card``)
and loads that model (``scoring.load.load_champion``), so the two always agree.
MLflow is imported only when a registry is configured.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from scoring.bundle import CARD_ARTIFACT, StoreError, load_card, read_card
from scoring.card import ModelCard

logger = logging.getLogger(__name__)


class Location(Protocol):
    """Where to look for the champion (the service's ``Settings`` is one)."""

    @property
    def champion_dir(self) -> Path: ...
    @property
    def registry_uri(self) -> str | None: ...
    @property
    def prefer_registry(self) -> bool: ...
    @property
    def model_name(self) -> str: ...
    def bundle_key(self) -> bytes | None:
        """The model key that verifies the local bundle (``scoring.signing.resolve_key``)."""
        ...


class MissingCard(StoreError):
    """The registry's champion has no model card in its run: it is not served."""


@dataclass(frozen=True)
class Source:
    """``kind`` "registry" (with the client and the champion's model version) or "local"."""

    kind: str
    client: Any = None
    version: Any = None


def _client(settings: Location) -> Any:
    from mlflow import MlflowClient  # heavy (~2 s): only when a registry is configured

    return MlflowClient(tracking_uri=settings.registry_uri, registry_uri=settings.registry_uri)


def registry_champion_version(settings: Location) -> str | None:
    """The version the registry's ``@champion`` alias names now (None without a registry)."""
    if not settings.registry_uri:
        return None
    mv = _client(settings).get_model_version_by_alias(settings.model_name, "champion")
    return str(mv.version)


def _local_card(settings: Location) -> ModelCard | None:
    try:
        return read_card(settings.champion_dir)
    except StoreError:
        return None


def choose_source(settings: Location) -> Source:
    """Pick the champion's source by the rules of this module's docstring."""
    if not settings.registry_uri:
        return Source("local")
    try:
        client = _client(settings)
        mv = client.get_model_version_by_alias(settings.model_name, "champion")
    except Exception as exc:  # no alias, server down, ...: the local store still may serve
        logger.warning("registry %s gave no champion (%s: %s); using %s", settings.registry_uri,
                       type(exc).__name__, exc, settings.champion_dir)
        return Source("local")
    local = _local_card(settings)
    if not settings.prefer_registry and local is not None and local.run_id != mv.run_id:
        logger.warning(
            "the local champion %s (v%s, run %s) is another model than the champion of the "
            "embedded registry %s (v%s, run %s): serving the local one. Set "
            "LEADCONV_MODEL_SOURCE=registry to serve the registry's", settings.champion_dir,
            local.version, local.run_id, settings.registry_uri, mv.version,
            mv.run_id)
        return Source("local")
    return Source("registry", client, mv)


def registry_card(source: Source, settings: Location) -> ModelCard:
    """The local card when it describes the same version (and is signed), else the card training
    logged to the run; raises MissingCard when the run has none."""
    mv = source.version
    local = _local_card(settings)
    if local is not None and local.version == str(mv.version) and local.run_id == mv.run_id:
        try:
            return load_card(settings.champion_dir, settings.bundle_key())
        except StoreError as exc:
            logger.warning("the local card of v%s is not verified (%s); reading the run's",
                           mv.version, exc)
    text = run_text(settings.registry_uri, mv.run_id, CARD_ARTIFACT) if (
        mv.run_id and settings.registry_uri) else None
    if text is None:
        raise MissingCard(
            f"registry champion {settings.model_name} v{mv.version} (run {mv.run_id}) has no "
            f"{CARD_ARTIFACT} in its run: it is not served without its card (a training killed "
            f"while publishing, or a version promoted by hand); promote a whole version")
    try:
        card = json.loads(text)
        return ModelCard.from_dict({**card, "version": str(mv.version), "alias": "champion"})
    except Exception as exc:  # JSONDecodeError, CardError
        raise MissingCard(f"registry champion v{mv.version}: its {CARD_ARTIFACT} cannot be "
                          f"read: {exc}") from exc


def champion_card(settings: Location) -> ModelCard | None:
    """The card of the champion the service will load (None when there is none yet)."""
    source = choose_source(settings)
    if source.kind == "registry":
        try:
            return registry_card(source, settings)
        except Exception as exc:
            logger.warning("cannot read the registry champion's card (%s: %s)",
                           type(exc).__name__, exc)
    return _local_card(settings)


def load_model(settings: Location, version: str) -> Any:
    """The scikit-learn model of a registered version (``models:/<name>/<version>``)."""
    import mlflow  # heavy (~2 s): only when a registry is configured

    assert settings.registry_uri is not None
    mlflow.set_tracking_uri(settings.registry_uri)
    mlflow.set_registry_uri(settings.registry_uri)
    return registered_pipeline(f"models:/{settings.model_name}/{version}")


PYFUNC_DATA = "data/leadconv"  # the pyfunc's data folder inside a logged model (scoring.pyfunc)


def registered_pipeline(model_uri: str) -> Any:
    """The fitted scikit-learn pipeline of a registered model (MLflow's current URIs).

    A model logged as the raw-lead pyfunc (``scoring.pyfunc``) is read from its data folder with
    skops and the allow-list of ``scoring.trusted`` (never unpickled); an older version, logged
    with MLflow's scikit-learn flavor, through ``mlflow.sklearn`` (skops as well).
    """
    import mlflow  # heavy: only for a model of the registry

    from scoring.model_folder import load_model_folder

    local = Path(mlflow.artifacts.download_artifacts(model_uri))
    if (local / PYFUNC_DATA).is_dir():
        return load_model_folder(local / PYFUNC_DATA)[0]
    return mlflow.sklearn.load_model(str(local))


def run_text(tracking_uri: str, run_id: str, artifact: str) -> str | None:
    """A text artifact of a run (the card, the report), or None when the run has none."""
    import mlflow  # heavy: only for a model that came from the registry

    try:
        mlflow.set_tracking_uri(tracking_uri)
        return str(mlflow.artifacts.load_text(f"runs:/{run_id}/{artifact}"))
    except Exception as exc:  # no such artifact (older runs), server down, ...
        logger.warning("run %s has no %s: %s", run_id, artifact, type(exc).__name__)
        return None
