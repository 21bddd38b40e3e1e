"""Dependencies of the routes, as ``Annotated`` aliases: what a route needs, not how it is made.

Everything lives on ``app.state`` (set by ``serving.app.create_app``), so each app, and each test,
has its own settings, model holder and metrics; ``app.dependency_overrides`` can replace them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status

from serving.config import Settings
from serving.holder import Loaded, ModelHolder
from serving.metrics import Metrics
from serving.monitor_view import MonitorView
from store.writer import PredictionLog


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder  # type: ignore[no-any-return]


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


def get_log(request: Request) -> PredictionLog | None:
    """The prediction log (None when ``LEADCONV_DATABASE_URL`` is off)."""
    return getattr(request.app.state, "prediction_log", None)


def get_monitor_view(request: Request) -> MonitorView:
    return request.app.state.monitor  # type: ignore[no-any-return]


def get_model(request: Request, holder: Annotated[ModelHolder, Depends(get_holder)]) -> Loaded:
    """The model serving this request, taken once; 503 while none is loaded."""
    loaded = holder.current
    if loaded is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail="no model loaded yet; see GET /readyz")
    request.state.model_version = loaded.version
    return loaded


async def check_batch_size(request: Request,
                           settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """413 when the body holds more leads (or outcomes) than ``max_batch``, before they are
    validated.

    FastAPI has already parsed the JSON (and caches it), so counting costs nothing; malformed
    bodies are left to the schema's 422.
    """
    try:
        body: Any = await request.json()
    except ValueError:  # not JSON (e.g. another content type): the schema will answer 422
        return
    leads = (body.get("leads", body.get("outcomes")) if isinstance(body, dict) else None)
    if isinstance(leads, list):
        request.state.n_leads = len(leads)
        if len(leads) > settings.max_batch:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"too many leads: {len(leads):,} in one request, at most "
                       f"{settings.max_batch:,} (LEADCONV_MAX_BATCH); split the batch")


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ModelDep = Annotated[Loaded, Depends(get_model)]
LogDep = Annotated[PredictionLog | None, Depends(get_log)]
MonitorDep = Annotated[MonitorView, Depends(get_monitor_view)]
