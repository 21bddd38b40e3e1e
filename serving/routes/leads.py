"""What the prediction store knows of leads: ``GET /v1/leads/{lead_id}/scores`` (a lead's score
history) and ``POST /v1/outcomes`` (what became of leads, fed back by the CRM)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status

from serving.deps import LogDep, check_batch_size
from serving.errors import BODY_ERRORS
from serving.schemas import (
    LoggedScoreOut,
    OutcomesOut,
    OutcomesRequest,
    ScoreHistoryOut,
)
from store.predictions import BANT
from store.writer import PredictionLog

router = APIRouter(tags=["leads"])

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "no prediction log, or its database cannot be reached"}}


def _log(log: PredictionLog | None) -> PredictionLog:
    if log is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail="the prediction log is off (LEADCONV_DATABASE_URL=off)")
    return log


@router.get("/leads/{lead_id}/scores", responses=UNAVAILABLE)
def lead_scores(lead_id: Annotated[str, Path(min_length=1, max_length=200)], log: LogDep,
                request: Request,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> ScoreHistoryOut:
    """The lead's logged scores, newest scoring moment first (at most ``limit``); an empty list
    for a lead never scored."""
    rows = _log(log).history(lead_id, limit)
    if rows is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail="the prediction log cannot be read now; try again later")
    request.state.n_leads = 1
    scores = [LoggedScoreOut(
        scored_at=r["scored_at"], logged_at=r["logged_at"], model_version=r["model_version"],
        probability=r["probability"], score=r["score"], tier=r["tier"],
        bant={name.removeprefix("bant_"): r[name] for name in BANT},
        points_score=r["points_score"], origin=r["origin"]) for r in rows]
    return ScoreHistoryOut(lead_id=lead_id, scores=scores)


@router.post("/outcomes", dependencies=[Depends(check_batch_size)],
             responses={**BODY_ERRORS, **UNAVAILABLE})
def post_outcomes(body: OutcomesRequest, log: LogDep, request: Request) -> OutcomesOut:
    """Record what became of leads (``sql_at`` and/or ``disqualified_at``). Idempotent: the same
    outcome again changes nothing; a field sent replaces the stored one, a field left out keeps
    it. Written before the answer (not in the background): a 200 means stored."""
    from store.outcomes import Outcome, write_outcomes

    engine = _log(log).engine
    if engine is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail="the prediction log's database cannot be reached now; "
                                   "send the outcomes again later")
    request.state.n_leads = len(body.outcomes)
    items = [Outcome(o.lead_id, o.sql_at, o.disqualified_at) for o in body.outcomes]
    try:
        written = write_outcomes(engine, items, origin="api")
    except Exception as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail=f"the outcomes could not be stored ({type(exc).__name__}); "
                                   f"send them again later") from None
    return OutcomesOut(received=len(items), inserted=written.inserted, updated=written.updated,
                       unchanged=written.unchanged)
