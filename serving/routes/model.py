"""``GET /v1/model`` and ``GET /v1/importances``: what the served model is and what it relies on."""

from __future__ import annotations

from fastapi import APIRouter

from serving.cards import importances_out, model_out
from serving.deps import HolderDep, ModelDep
from serving.schemas import ImportancesOut, ModelOut

router = APIRouter(tags=["model"])


@router.get("/model")
def get_model(model: ModelDep, holder: HolderDep) -> ModelOut:
    """Version, alias, training date, data fingerprint, test metrics and the last reload error."""
    return model_out(model, holder)


@router.get("/importances")
def get_importances(model: ModelDep) -> ImportancesOut:
    """Global feature importances with business labels and families, most important first."""
    return importances_out(model)
