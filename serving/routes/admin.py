"""``POST /v1/admin/reload``: load the champion now (same safe swap as the background poll)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from serving.deps import HolderDep
from serving.errors import ErrorOut
from serving.holder import ModelLoadError
from serving.schemas import ReloadOut

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/reload", responses={409: {"model": ErrorOut,
                                         "description": "loading failed; old model kept"}})
def reload_model(holder: HolderDep) -> ReloadOut:
    """Reload the champion; on failure the previous model keeps serving and 409 says why."""
    previous = holder.current.version if holder.current else None
    try:
        loaded = holder.reload()
    except ModelLoadError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"reload failed, still serving "
                            f"{previous or 'no model'}: {exc}") from exc
    return ReloadOut(reloaded=True, model_version=loaded.version, previous_version=previous)
