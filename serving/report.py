"""The served champion's report page (``GET /report``): from its bundle folder or its MLflow run.

Training writes ``report.html`` into the champion bundle (``scoring.bundle.REPORT_FILE``) and logs
it to the run as ``report/report.html``. The page names its model version in a ``<meta>`` tag, so
the service never shows a report of another model than the one it serves: the bundle's page when
its version (and run) match the loaded model, else the run's artifact when the model came from
the MLflow registry, else ``ReportMissing`` with what to do.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from scoring.bundle import REPORT_ARTIFACT, REPORT_FILE
from scoring.load import Loaded
from scoring.registry import run_text
from serving.config import Settings

logger = logging.getLogger(__name__)

_META = re.compile(r'<meta name="leadconv-(model-version|run-id)" content="([^"]*)">')
_from_runs: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


class ReportMissing(LookupError):
    """No report describes the served model; the message says why and what to run."""


def page_identity(page: str) -> dict[str, str]:
    """``{"model-version": ..., "run-id": ...}`` as named in the page's meta tags."""
    return dict(_META.findall(page[:4000]))


def _matches(page: str, loaded: Loaded) -> bool:
    named = page_identity(page)
    run_id = loaded.card.run_id
    same_run = not (run_id and named.get("run-id")) or named["run-id"] == run_id
    return named.get("model-version") == loaded.version and same_run


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _from_run(uri: str, run_id: str) -> str | None:
    """The report artifact of an MLflow run (cached: a run's artifacts never change)."""
    with _lock:
        if (uri, run_id) in _from_runs:
            return _from_runs[(uri, run_id)]
    page = run_text(uri, run_id, REPORT_ARTIFACT)
    if page is None:
        return None
    with _lock:
        _from_runs[(uri, run_id)] = page
    return page


def champion_report(loaded: Loaded, settings: Settings) -> str:
    """The HTML report of the served model; raises ReportMissing if none describes it."""
    local = settings.champion_dir / REPORT_FILE
    page = _read(local)
    if page is not None and _matches(page, loaded):
        return page
    run_id = loaded.card.run_id
    if loaded.source.startswith("models:/") and run_id and settings.registry_uri:
        from_run = _from_run(settings.registry_uri, str(run_id))
        if from_run is not None:
            return from_run
    if page is not None:
        raise ReportMissing(
            f"the report in {local} describes model v{page_identity(page).get('model-version')}"
            f", but v{loaded.version} is served (a new champion is being loaded, or "
            f"POST /v1/admin/reload is needed)")
    raise ReportMissing(
        f"no report for model v{loaded.version}: {local} does not exist. Train again (training "
        f"writes it) or run `leadconv report --data DIR --out {local}`")
