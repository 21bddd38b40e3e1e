"""The service's routes, one router per resource; ``/v1`` routers require an API key."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_api_key
from serving.routes import admin, model, ops, predict, report


def api_router() -> APIRouter:
    """All routes: open probes and metrics, the report page, and the key-protected ``/v1`` API."""
    root = APIRouter()
    root.include_router(ops.router)
    root.include_router(report.router)  # its own key check: see serving.auth
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)],
                   responses={401: {"description": "missing or invalid X-API-Key"}})
    for module in (predict, model, admin):
        v1.include_router(module.router)
    root.include_router(v1)
    return root
