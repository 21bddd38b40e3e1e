"""``POST /v1/predict``: the CRM's score and grade, fit and engagement, tier, BANT flags, points
and reasons per lead; invalid leads answered one by one (``serving.batch``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from scoring.event import Scorer
from serving.batch import EVENT_LEAD, split_batch
from serving.deps import LogDep, MetricsDep, ModelDep, SettingsDep, check_batch_size
from serving.errors import BODY_ERRORS
from serving.frames import predictions, to_columns
from serving.recording import moments_of, record, trends
from serving.schemas import PredictRequest, PredictResponse

router = APIRouter(tags=["predict"])

AllOrNothing = Annotated[bool, Query(
    description="true: any invalid lead makes the whole request a 422 listing every problem; "
                "false: invalid leads are answered in `errors`, the others scored")]


@router.post("/predict", dependencies=[Depends(check_batch_size)], responses=BODY_ERRORS)
def predict(body: PredictRequest, model: ModelDep, metrics: MetricsDep, log: LogDep,
            settings: SettingsDep, request: Request,
            all_or_nothing: AllOrNothing = False) -> PredictResponse:
    """Score 1..LEADCONV_MAX_BATCH leads, each at its ``scored_at`` (default: now); each
    answer says the lead's previous score and the trend, and is recorded in the prediction log.
    Each lead is checked on its own: invalid ones come back in ``errors`` (HTTP 200)."""
    request.state.n_leads = len(body.leads)
    batch = split_batch(body.leads, strict=settings.strict_fields,
                        all_or_nothing=all_or_nothing, shape=EVENT_LEAD)
    metrics.count_invalid_leads(len(batch.errors))
    if not batch.leads:
        return PredictResponse(model_version=model.version, predictions=[],
                               errors=batch.errors)
    scorer = model.scorer
    assert isinstance(scorer, Scorer)  # the app routes flat-export models to serving.flat_api
    leads, activities, at = to_columns(batch.leads, datetime.now(UTC))
    table = scorer.feature_table(leads, activities, at)
    scores = scorer.score_table(table, at)
    metrics.count_predictions(scores["tier"])
    moments = moments_of(scores)
    trend = trends(log, scores, moments, settings.trend_points)
    record(log, model, scores, table, moments)
    return PredictResponse(model_version=model.version,
                           predictions=predictions(scores, trend, batch.ignored),
                           errors=batch.errors)
