"""The service's routes, one router per resource; ``/v1`` routers require an API key."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from scoring.card import ModelCard
from serving import flat_api
from serving.auth import require_api_key
from serving.errors import AUTH_ERRORS, OVERLOAD_ERRORS
from serving.routes import admin, leads, model, ops, predict, report


def api_router(card: ModelCard | None = None) -> APIRouter:
    """All routes: open probes and metrics, the report page, and the key-protected ``/v1`` API.

    ``card``: the champion's model card when the app is built. A model trained on a flat export
    gets a predict route whose request holds that export's columns; otherwise the event-shape
    route (leads-table fields plus activities).
    """
    root = APIRouter()
    root.include_router(ops.router)  # never limited (serving.admission)
    root.include_router(report.router, responses=OVERLOAD_ERRORS)  # own key check: serving.auth
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)],
                   responses={**AUTH_ERRORS, **OVERLOAD_ERRORS})
    v1.include_router(flat_api.router(card) if card is not None and card.is_flat
                      else predict.router)
    for module in (leads, model, admin):
        v1.include_router(module.router)
    root.include_router(v1)
    return root
