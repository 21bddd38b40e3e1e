"""``POST /v1/predict`` for a model trained on a flat export: the request holds its columns.

The schema is built from the model card's column mapping when the app is created, so ``/docs``
shows the columns the model was trained on, with their roles: numbers, yes/no columns and
categories are the model's inputs; the id column names each lead in the answer; every other
column of the export (label, dates, free text, columns dropped for leakage) is accepted and not
used. A lead is turned back into the text a CSV export would hold and scored by
``features.flat.flat_features`` — the function training used — so there is no train/serve skew.
"""

# No ``from __future__ import annotations``: FastAPI reads the route's annotations, which name
# classes made at run time.

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, create_model

from features.roles import FEATURE_ROLES
from scoring.card import ModelCard
from scoring.flat import FlatScorer
from serving.batch import Shape, split_batch
from serving.deps import LogDep, MetricsDep, ModelDep, SettingsDep, check_batch_size
from serving.errors import BODY_ERRORS
from serving.recording import moments_of, record, trends
from serving.routes.predict import AllOrNothing
from serving.schemas import FlatPredictionOut, FlatPredictResponse, documented_as

ROLE_HELP = {
    "numeric": "a number (as in the export, e.g. 12, 12.5 or \"$40,000\")",
    "boolean": "yes/no (true/false, 1/0)",
    "categorical": "a category (unknown values are scored as \"(other)\")",
    "id": "the lead's id in your CRM, echoed in the answer",
}
UNUSED = "in the export, not used by the model (accepted and ignored)"


def _identifier(i: int, column: str) -> str:
    return f"c{i}_" + re.sub(r"\W+", "_", column).strip("_").lower()


def request_models(card: ModelCard) -> tuple[type[BaseModel], type[BaseModel]]:
    """(one lead, the request body) for the card's mapping; field aliases are the column names."""
    mapping = card.flat_mapping()
    fields: dict[str, Any] = {}
    for i, (column, role) in enumerate(mapping.roles.items()):
        help_text = ROLE_HELP.get(role, UNUSED) if role in (*FEATURE_ROLES, "id") else UNUSED
        if role == "numeric":
            kind: Any = Annotated[float | str | None, Field(alias=column, description=help_text)]
        elif role == "boolean":
            kind = Annotated[bool | float | str | None, Field(alias=column,
                                                               description=help_text)]
        elif role == "categorical":
            kind = Annotated[str | float | None, Field(alias=column, description=help_text,
                                                        max_length=500)]
        elif role == "id":
            kind = Annotated[str | int, Field(alias=column, description=help_text)]
            fields[_identifier(i, column)] = (kind, ...)
            continue
        else:
            kind = Annotated[Any, Field(alias=column, description=help_text)]
        fields[_identifier(i, column)] = (kind, None)
    lead = create_model("FlatLeadIn", __config__=ConfigDict(extra="ignore"), **fields)
    raw: Any = documented_as(lead)
    items: Any = Annotated[list[raw], Field(
        min_length=1, description="the leads, each checked on its own: invalid ones are answered "
                                  "in `errors`, the others scored (`?all_or_nothing=true`: a "
                                  "422 for the whole request)")]
    body = create_model("FlatPredictRequest", __config__=ConfigDict(extra="forbid"),
                        leads=(items, ...))
    return lead, body


def flat_shape(lead: type[BaseModel], card: ModelCard) -> Shape[Any]:
    """What a flat lead is for ``serving.batch``: its model and the id column's field."""
    id_column = card.flat_mapping().id_column
    attribute = next((name for name, f in lead.model_fields.items() if f.alias == id_column),
                     None)
    return Shape.of(lead, attribute)


def as_export_text(value: Any, decimal: str) -> str | None:
    """A JSON value as the text a CSV export would hold (numbers with the export's decimal mark)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if decimal == "," and isinstance(value, float) else text


def router(card: ModelCard) -> APIRouter:
    """The flat model's predict route (prefix-less; mounted under ``/v1``)."""
    lead_model, body_model = request_models(card)
    shape = flat_shape(lead_model, card)
    mapping = card.flat_mapping()
    api = APIRouter(tags=["predict"])

    def predict(body: Any, model: ModelDep, metrics: MetricsDep, log: LogDep,
                settings: SettingsDep, request: Request,
                all_or_nothing: AllOrNothing = False) -> FlatPredictResponse:
        """Score 1..LEADCONV_MAX_BATCH leads given as rows of the flat export; with an id
        column, each answer says the lead's previous score and trend, and is logged. Each lead
        is checked on its own: invalid ones come back in ``errors`` (HTTP 200)."""
        request.state.n_leads = len(body.leads)
        batch = split_batch(body.leads, strict=settings.strict_fields,
                            all_or_nothing=all_or_nothing, shape=shape)
        metrics.count_invalid_leads(len(batch.errors))
        id_column = mapping.id_column
        if not batch.leads:
            return FlatPredictResponse(model_version=model.version, id_column=id_column,
                                       predictions=[], errors=batch.errors)
        rows = [lead.model_dump(by_alias=True) for lead in batch.leads]
        texts = [{k: as_export_text(v, mapping.decimal) for k, v in r.items()} for r in rows]
        scorer = model.scorer
        assert isinstance(scorer, FlatScorer)  # routes were built from a flat-export card
        scores = scorer.score_rows(texts)
        metrics.count_predictions(scores["tier"])
        rows_out = scores_to_rows(scores)
        for row, ignored in zip(rows_out, batch.ignored, strict=True):
            row["ignored_fields"] = ignored
        if id_column is not None:
            logged = log_columns(scores, model.version)
            moments = moments_of(logged)
            for row, trend in zip(rows_out, trends(log, logged, moments,
                                                   settings.trend_points), strict=True):
                row.update(trend)
            record(log, model, logged, lambda: feature_columns(scorer, texts), moments)
        return FlatPredictResponse(model_version=model.version, id_column=id_column,
                                   predictions=[FlatPredictionOut(**row) for row in rows_out],
                                   errors=batch.errors)

    predict.__annotations__["body"] = body_model
    api.add_api_route("/predict", predict, methods=["POST"],
                      dependencies=[Depends(check_batch_size)],
                      response_model=FlatPredictResponse, responses=BODY_ERRORS)
    return api


def log_columns(scores: dict[str, Any], version: str) -> dict[str, Any]:
    """A flat model's scores as the prediction log's columns, scored now."""
    n = len(scores["probability"])
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "ns")
    return {"lead_id": [str(i) for i in scores["lead_id"]],
            "scored_at": np.full(n, now), "probability": scores["probability"],
            "score": scores["score"], "tier": scores["tier"],
            "model_version": [version] * n}


def feature_columns(scorer: FlatScorer, texts: list[dict[str, str | None]]) -> dict[str, Any]:
    """The model inputs of the rows (for the log's fingerprints)."""
    columns = list(dict.fromkeys(k for r in texts for k in r))
    frame = pd.DataFrame({c: pd.Series([r.get(c) for r in texts], dtype="str")
                          for c in columns})
    features = scorer.features(frame)
    return {c: features[c].to_numpy() for c in features.columns}


def scores_to_rows(scores: dict[str, Any]) -> list[dict[str, Any]]:
    """Column-wise scores (``FlatScorer.score_rows``) as one dict per lead."""
    n = len(scores["probability"])
    return [{"lead_id": scores["lead_id"][i], "probability": float(scores["probability"][i]),
             "score": int(scores["score"][i]), "grade": str(scores["grade"][i]),
             "tier": str(scores["tier"][i]), "reasons_up": scores["reasons_up"][i],
             "reasons_down": scores["reasons_down"][i]}
            for i in range(n)]
