"""``POST /v1/predict``: calibrated probability, tier, BANT flags, points and reasons per lead."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request

from scoring.event import Scorer
from serving.deps import LogDep, MetricsDep, ModelDep, SettingsDep, check_batch_size
from serving.errors import BODY_ERRORS
from serving.frames import predictions, to_columns
from serving.recording import moments_of, record, trends
from serving.schemas import PredictRequest, PredictResponse

router = APIRouter(tags=["predict"])


@router.post("/predict", dependencies=[Depends(check_batch_size)], responses=BODY_ERRORS)
def predict(body: PredictRequest, model: ModelDep, metrics: MetricsDep, log: LogDep,
            settings: SettingsDep, request: Request) -> PredictResponse:
    """Score 1..LEADCONV_MAX_BATCH leads, each at its ``scored_at`` (default: now); each
    answer says the lead's previous score and the trend, and is recorded in the prediction log."""
    request.state.n_leads = len(body.leads)
    scorer = model.scorer
    assert isinstance(scorer, Scorer)  # the app routes flat-export models to serving.flat_api
    leads, activities, at = to_columns(body.leads, datetime.now(UTC))
    table = scorer.feature_table(leads, activities, at)
    scores = scorer.score_table(table, at)
    metrics.count_predictions(scores["tier"])
    moments = moments_of(scores)
    trend = trends(log, scores, moments, settings.trend_points)
    record(log, model, scores, table, moments)
    return PredictResponse(model_version=model.version, predictions=predictions(scores, trend))
