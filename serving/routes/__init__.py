"""The service's routes, one router per resource; ``/v1`` routers require an API key."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from scoring.card import ModelCard
from serving import flat_api
from serving.auth import require_api_key
from serving.routes import admin, model, ops, predict, report


def api_router(card: ModelCard | None = None) -> APIRouter:
    """All routes: open probes and metrics, the report page, and the key-protected ``/v1`` API.

    ``card``: the champion's model card when the app is built. A model trained on a flat export
    gets a predict route whose request holds that export's columns; otherwise the event-shape
    route (leads-table fields plus activities).
    """
    root = APIRouter()
    root.include_router(ops.router)
    root.include_router(report.router)  # its own key check: see serving.auth
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)],
                   responses={401: {"description": "missing or invalid X-API-Key"}})
    v1.include_router(flat_api.router(card) if card is not None and card.is_flat
                      else predict.router)
    for module in (model, admin):
        v1.include_router(module.router)
    root.include_router(v1)
    return root
