"""What ``GET /readyz`` says: ready, degraded (still serving, with reasons) or not ready.

Readiness answers one question for a load balancer or Kubernetes: should requests be sent here?

- **not ready (503)**: no model is loaded, so every predict would fail.
- **degraded (200)**: a model serves, but something needs an operator: the last reload failed
  (the old model kept serving; when and why are shown), or the local bundle the model was loaded
  from, or its whole models folder, is gone (the loaded model is in memory and keeps serving, but a
  restart would find none). Taking the pod out of service would not help: its answers are as good
  as before, and every replica sharing that store would go out at once, turning a storage problem
  into an outage. Alert on ``status != "ready"`` (or on ``leadconv_model_reload_failures_total``)
  instead. Likewise when the prediction log's database fails (scores wait in a bounded backlog)
  or scores were dropped: predictions do not depend on it.
- **ready (200)** otherwise.

``/readyz`` is open (no key), so its texts carry no file path: paths in an error message are
replaced by ``<path>``; ``GET /v1/model`` (with a key) and the log have the full error.
"""

from __future__ import annotations

import re

from scoring.bundle import CARD_FILE
from serving.config import Settings
from serving.holder import ModelHolder
from serving.metrics import source_kind
from serving.schemas import ReadyOut
from store.writer import PredictionLog

# A file path of three or more parts, absolute or not (also inside file: and sqlite: URIs);
# ``models:/name@champion`` is not one.
PATH = re.compile(r"[\w.~-]*/(?:[^\s'\"/]+/)+[^\s'\",;:)]*")


def redact(text: str, settings: Settings) -> str:
    """``text`` without file paths: the configured model folders and any longer path."""
    for folder in (str(settings.champion_dir), str(settings.models_dir)):
        if "/" in folder:
            text = text.replace(folder, "<path>")
    return PATH.sub("<path>", text)


def log_reasons(log: PredictionLog | None) -> list[str]:
    """Why the prediction log needs an operator: its database fails (scores wait, bounded), or
    scores were dropped. Never a reason to stop serving: predictions do not depend on it."""
    if log is None:
        return []
    stats = log.stats()
    out = []
    if not stats.connected:
        at = stats.last_error_at.isoformat() if stats.last_error_at else "an unknown time"
        out.append(f"the prediction log's database fails (last error at {at}); "
                   f"{stats.backlog:,} scores wait to be written (at most "
                   f"{log.max_backlog:,})")
    if stats.dropped:
        out.append(f"{stats.dropped:,} scores were not logged: the backlog was full")
    return out


def readiness(holder: ModelHolder, settings: Settings,
              log: PredictionLog | None = None) -> tuple[int, ReadyOut]:
    """(HTTP status, body) of ``/readyz`` for the holder's state, the local store on disk and
    the prediction log."""
    error = redact(holder.last_error, settings) if holder.last_error else None
    loaded = holder.current
    if loaded is None:
        return 503, ReadyOut(status="not ready", detail=error or "no model loaded yet",
                             last_reload_error=error, last_reload_error_at=holder.last_error_at)
    reasons = []
    if error is not None:
        at = holder.last_error_at.isoformat() if holder.last_error_at else "an unknown time"
        reasons.append(f"the last model reload failed at {at}; still serving version "
                       f"{loaded.version}: {error}")
    if source_kind(loaded.source) == "local":
        if not settings.models_dir.is_dir():
            reasons.append("the models folder (LEADCONV_MODELS_DIR) is gone: the loaded model "
                           "keeps serving from memory, but a restart would find no model")
        elif not (settings.champion_dir / CARD_FILE).is_file():
            reasons.append("the champion bundle this model was loaded from is gone from the "
                           "models folder: the loaded model keeps serving from memory, but a "
                           "restart would find no model")
    reasons.extend(log_reasons(log))
    return 200, ReadyOut(status="degraded" if reasons else "ready", model_version=loaded.version,
                         detail="; ".join(reasons) or None, reasons=reasons,
                         last_reload_error=error, last_reload_error_at=holder.last_error_at)
