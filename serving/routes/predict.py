"""``POST /v1/predict``: calibrated probability, tier, BANT flags, points and reasons per lead."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request

from scoring.event import Scorer
from serving.deps import MetricsDep, ModelDep, check_batch_size
from serving.errors import BODY_ERRORS
from serving.frames import predictions, to_columns
from serving.schemas import PredictRequest, PredictResponse

router = APIRouter(tags=["predict"])


@router.post("/predict", dependencies=[Depends(check_batch_size)], responses=BODY_ERRORS)
def predict(body: PredictRequest, model: ModelDep, metrics: MetricsDep,
            request: Request) -> PredictResponse:
    """Score 1..LEADCONV_MAX_BATCH leads, each at its ``scored_at`` (default: now)."""
    request.state.n_leads = len(body.leads)
    scorer = model.scorer
    assert isinstance(scorer, Scorer)  # the app routes flat-export models to serving.flat_api
    scores = scorer.score_columns(*to_columns(body.leads, datetime.now(UTC)))
    metrics.count_predictions(scores["tier"])
    return PredictResponse(model_version=model.version, predictions=predictions(scores))
