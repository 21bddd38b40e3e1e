"""``GET /report`` (and ``GET /``): the served champion's report page for marketers, as HTML."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from serving.auth import require_report_key
from serving.deps import ModelDep, SettingsDep
from serving.errors import ErrorOut
from serving.report import ReportMissing, champion_report

router = APIRouter(tags=["report"])


@router.get("/report", response_class=HTMLResponse, dependencies=[Depends(require_report_key)],
            responses={401: {"model": ErrorOut,
                             "description": "no valid report key (?key=) or X-API-Key"},
                       404: {"model": ErrorOut,
                             "description": "no report describes the served model"}})
def get_report(model: ModelDep, settings: SettingsDep) -> HTMLResponse:
    """The self-contained HTML report of the model being served."""
    try:
        page = champion_report(model, settings)
    except ReportMissing as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return HTMLResponse(page, headers={"Cache-Control": "no-store",
                                       "X-Model-Version": model.version})


@router.get("/", include_in_schema=False)
def root(request: Request) -> RedirectResponse:
    """The service's home page is the report (the query string, e.g. ``?key=``, is kept)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/report{query}", status_code=status.HTTP_307_TEMPORARY_REDIRECT)
