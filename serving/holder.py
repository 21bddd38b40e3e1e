"""Which model is served: load the champion, hold it, and swap in a new one safely.

Where the champion comes from (``load_champion``):

1. the MLflow registry alias ``models:/<model_name>@champion`` when ``Settings.registry_uri`` is
   set (``MLFLOW_TRACKING_URI``, or the embedded ``./mlflow.db`` when it exists; see
   ``serving.config``), with the registry's version number; MLflow is imported only then;
2. otherwise, or when the registry cannot deliver, the local store ``<models_dir>/champion``
   (``scoring.bundle``, checksum-verified).

Hot reload (``ModelHolder``): ``watch()`` polls the local bundle (sha256 of ``model.json`` plus the
model file's size and mtime; training rewrites both when it promotes) and, when the model came
from the registry, the version its ``@champion`` alias names, every ``Settings.reload_seconds``;
``reload()`` (also behind ``POST /v1/admin/reload``) loads the new model *completely*, scores a
self-test lead with it, and only then replaces the reference. A
request takes the reference once at its start, so it is answered by one whole model, old or new.
A failed load keeps the old model, logs the error, counts it in the metrics, and is reported by
``GET /v1/model``; it is retried when the bundle changes again or on the next admin reload.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from features.rules import load_rules
from scoring.card import describe_signature
from scoring.event import OUTPUT_COLUMNS
from scoring.load import Loaded, NoChampion, bundle_fingerprint
from scoring.load import load_champion as load_from_store
from scoring.registry import registry_champion_version
from serving.config import Settings
from serving.frames import to_columns
from serving.metrics import Metrics
from serving.schemas import ActivityIn, LeadIn

logger = logging.getLogger(__name__)


class ModelLoadError(RuntimeError):
    """The champion could not be loaded or failed its self-test."""


def self_test(scorer: Any) -> None:
    """Score one synthetic lead end to end; raise ModelLoadError unless the answer is sane."""
    if scorer.card.is_flat:
        _self_test_flat(scorer)
        return
    now = datetime.now(UTC)
    lead = LeadIn(lead_id="self-test", mql_at=now, source="organic_search",
                  job_title="VP Marketing", budget=50_000, company_size=200,
                  activities=[ActivityIn(activity_type="pricing_page_view", occurred_at=now)])
    try:
        out = scorer.score_columns(*to_columns([lead], now))
        p = float(out["probability"][0])
    except Exception as exc:  # a model for other features, a broken file, ...
        raise ModelLoadError(f"self-test scoring failed: {type(exc).__name__}: {exc}") from exc
    missing = [c for c in OUTPUT_COLUMNS if c not in out]
    if missing or len(out["lead_id"]) != 1 or not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ModelLoadError(f"self-test gave an invalid answer (probability {p}, missing "
                             f"columns {missing})")


def _self_test_flat(scorer: Any) -> None:
    """A flat model scores a row with every column missing (missing is information)."""
    try:
        out = scorer.score_rows([{}])
        p = float(out["probability"][0])
    except Exception as exc:
        raise ModelLoadError(f"self-test scoring failed: {type(exc).__name__}: {exc}") from exc
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ModelLoadError(f"self-test gave an invalid answer (probability {p})")


def load_champion(settings: Settings) -> Loaded:
    """Load the champion (``scoring.load``) and self-test it through the service's own path."""
    try:
        loaded = load_from_store(settings, load_rules(settings.rules_path))
    except NoChampion as exc:
        raise ModelLoadError(str(exc)) from exc
    self_test(loaded.scorer)
    return loaded


class ModelHolder:
    """Keeps the served model; swaps the reference only after a complete, tested load."""

    def __init__(self, settings: Settings, metrics: Metrics,
                 loader: Callable[[Settings], Loaded] = load_champion,
                 schema: tuple[Any, ...] | None = None) -> None:
        self.settings = settings
        self.schema = schema  # the request schema the routes were built for (None: any)
        self.metrics = metrics
        self.loader = loader
        self.current: Loaded | None = None
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self._attempted: str | None = None
        self._lock = threading.Lock()

    def reload(self) -> Loaded:
        """Load the champion now and serve it; on failure keep the old one and raise."""
        with self._lock:
            self._attempted = bundle_fingerprint(self.settings.champion_dir)
            previous = self.current
            try:
                loaded = self.loader(self.settings)
                self._check_schema(loaded)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                self.last_error_at = datetime.now(UTC)
                self.metrics.reload_failed()
                logger.error("model reload failed, still serving %s: %s",
                             previous.version if previous else "nothing", self.last_error)
                raise ModelLoadError(self.last_error) from exc
            self.current = loaded  # the swap: one reference assignment
            self.last_error = self.last_error_at = None
            self.metrics.model_loaded(loaded.version, loaded.source)
            logger.info("serving model %s from %s (was %s)", loaded.version, loaded.source,
                        previous.version if previous else "none")
            return loaded

    def _check_schema(self, loaded: Loaded) -> None:
        """A model needing another request schema cannot be swapped in: the routes are fixed."""
        signature = loaded.card.request_signature()
        if self.schema is not None and signature != self.schema:
            raise ModelLoadError(
                f"model {loaded.version} needs another request schema than the one this service "
                f"was started with ({describe_signature(signature)} instead of "
                f"{describe_signature(self.schema)}); restart the service to serve it")

    def changed(self) -> bool:
        """Whether the bundle on disk differs from the one last tried, or, when serving from the
        MLflow registry, its ``@champion`` alias now names another version."""
        now = bundle_fingerprint(self.settings.champion_dir)
        if now is not None and now != self._attempted:
            return True
        current = self.current
        if current is None or not current.source.startswith("models:/"):
            return False
        try:
            version = registry_champion_version(self.settings)
        except Exception as exc:  # registry down: keep serving, try again next poll
            logger.warning("model watcher: cannot read the registry alias (%s: %s)",
                           type(exc).__name__, exc)
            return False
        return version is not None and version != current.version

    async def watch(self) -> None:
        """Poll for a new champion every ``reload_seconds`` until cancelled."""
        while True:
            await asyncio.sleep(self.settings.reload_seconds)
            try:
                if await asyncio.to_thread(self.changed):
                    await asyncio.to_thread(self.reload)
            except ModelLoadError:
                pass  # logged, counted and reported by reload()
            except Exception:  # never let the watcher die silently
                logger.exception("model watcher: unexpected error")
