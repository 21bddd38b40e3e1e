"""``GET /report`` (and ``GET /``): the served champion's report page for marketers, and
``GET /monitor``: its monitor page, as HTML (report key or API key)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from serving.auth import require_report_key
from serving.deps import LogDep, ModelDep, MonitorDep, SettingsDep
from serving.errors import json_error
from serving.monitor_view import MonitorUnavailable
from serving.report import ReportMissing, champion_report

router = APIRouter(tags=["report"])


@router.get("/report", response_class=HTMLResponse, dependencies=[Depends(require_report_key)],
            responses={401: json_error("no valid report key (?key=) or X-API-Key"),
                       404: json_error("no report describes the served model")})
def get_report(model: ModelDep, settings: SettingsDep) -> HTMLResponse:
    """The self-contained HTML report of the model being served."""
    try:
        page = champion_report(model, settings)
    except ReportMissing as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return HTMLResponse(page, headers={"Cache-Control": "no-store",
                                       "X-Model-Version": model.version})


@router.get("/monitor", response_class=HTMLResponse,
            dependencies=[Depends(require_report_key)],
            responses={401: json_error("no valid report key (?key=) or X-API-Key"),
                       404: json_error("nothing to monitor yet (no log, no score of the served "
                                       "model, no reference profile)")})
def get_monitor(model: ModelDep, log: LogDep, view: MonitorDep) -> HTMLResponse:
    """The served model's monitor page (``leadconv monitor`` on the prediction log): input and
    score drift per month, realised conversion by score band. Checked again when older than
    ``LEADCONV_MONITOR_SECONDS``."""
    try:
        checked = view.current(log, model)
    except MonitorUnavailable as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return HTMLResponse(checked.page, headers={"Cache-Control": "no-store",
                                               "X-Model-Version": model.version,
                                               "X-Monitor-Status": checked.summary["status"]})


@router.get("/", include_in_schema=False)
def root(request: Request) -> RedirectResponse:
    """The service's home page is the report (the query string, e.g. ``?key=``, is kept)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/report{query}", status_code=status.HTTP_307_TEMPORARY_REDIRECT)
