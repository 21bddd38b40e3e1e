"""The HTTP contract: request models (``*In``) and response models (``*Out``), split by direction.

Requests mirror the leads table of the data contract (``features.vocab``) plus each lead's own
activities. Category fields (source, industry, activity type, ...) are free text on purpose: a new
source or activity type is scored (missing and unknown are information), never rejected. Only the
content stage has a closed set (the contract's words and aliases, ``features.vocab``).

Timestamps are ISO 8601 strings read by the contract's own bounded parse
(``features.dates.parse_instant``): without an offset they are taken as UTC; a number, an empty
string or a moment outside the accepted window (``LEADCONV_DATE_MIN``/``_MAX``) is an error
naming the field (and the window), never a wrapped date.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from features.dates import DEFAULT_WINDOW, DateError, parse_instant
from serving.errors import FieldErrorOut

Text = Annotated[str, Field(max_length=500)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Flag = Literal["true", "false", "unknown"]
Trend = Literal["new", "improving", "steady", "declining", "unknown"]


def as_utc(value: object) -> datetime:
    """An ISO 8601 string (or datetime) as an aware UTC datetime within the accepted years;
    naive values are UTC. Anything else is a validation error of its own kind."""
    try:
        return parse_instant(value)
    except DateError as exc:
        raise PydanticCustomError(exc.kind, str(exc)) from None


def _stage(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


UtcDatetime = Annotated[datetime, BeforeValidator(as_utc), Field(
    description=f"ISO 8601 date-time string within the accepted window (by default "
                f"{DEFAULT_WINDOW.describe()}); without an offset taken as UTC",
    examples=["2026-09-01T10:00:00Z"])]
# The words of features.vocab.STAGE_ALIASES (a test holds them equal), any case.
StageWord = Literal["top", "tofu", "top of funnel", "middle", "mofu", "middle of funnel",
                    "bottom", "bofu", "bottom of funnel"]
Stage = Annotated[StageWord, BeforeValidator(_stage), Field(
    description="funnel stage: top, middle or bottom (also tofu/mofu/bofu, 'top of funnel', ...)")]


class ActivityIn(BaseModel):
    """One activity of the lead: what happened and when."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    activity_type: Annotated[str, Field(min_length=1, max_length=100,
                                        examples=["pricing_page_view"])]
    occurred_at: UtcDatetime
    content_stage: Stage | None = None


class LeadIn(BaseModel):
    """One lead: the leads-table fields of the data contract plus its recent activities.

    A field the API does not know is ignored and listed in the answer's ``ignored_fields``
    (with ``LEADCONV_STRICT_FIELDS=true`` it is an error of that lead)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    lead_id: Annotated[str, Field(min_length=1, max_length=200, examples=["L000123"])]
    mql_at: UtcDatetime
    source: Annotated[str | None, Field(max_length=100, examples=["paid_search"])] = None
    industry: Annotated[str | None, Field(max_length=100, examples=["software"])] = None
    company_size: Annotated[float | None, Field(ge=0, allow_inf_nan=False,
                                                description="employees")] = None
    annual_revenue: Annotated[Amount | None, Field(description="USD")] = None
    country: Annotated[str | None, Field(max_length=100, examples=["US"])] = None
    job_title: Text | None = None
    department: Text | None = None
    budget: Annotated[Amount | None, Field(description="declared budget, USD")] = None
    purchase_timeframe: Annotated[str | None, Field(max_length=100,
                                                    examples=["0-3 months"])] = None
    pain_point: Text | None = None
    email: Text | None = Field(default=None, description="contact data: accepted, never used "
                                                         "or logged")
    full_name: Text | None = Field(default=None, description="contact data: never used")
    phone: Text | None = Field(default=None, description="contact data: never used")
    activities: list[ActivityIn] = Field(default_factory=list, max_length=10_000)
    scored_at: UtcDatetime | None = Field(
        default=None, description="the scoring moment (default: now, or mql_at if later); "
                                  "activities after it are ignored")

    @field_validator("scored_at")
    @classmethod
    def _not_before_mql(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        mql_at = info.data.get("mql_at")
        if value is not None and mql_at is not None and value < mql_at:
            raise ValueError(f"scored_at {value.isoformat()} is before mql_at "
                             f"{mql_at.isoformat()}")
        return value


REQUEST_EXAMPLE: JsonDict = {"leads": [{
    "lead_id": "L000123", "mql_at": "2026-09-01T10:00:00Z", "source": "referral",
    "industry": "software", "company_size": 250, "annual_revenue": 40_000_000, "country": "US",
    "job_title": "VP Marketing", "department": "Marketing", "budget": 60_000,
    "purchase_timeframe": "0-3 months", "pain_point": "manual reporting",
    "scored_at": "2026-09-10T10:00:00Z",
    "activities": [
        {"activity_type": "pricing_page_view", "occurred_at": "2026-09-02T10:00:00Z"},
        {"activity_type": "webinar_attended", "occurred_at": "2026-09-04T16:00:00Z",
         "content_stage": "middle"},
        {"activity_type": "demo_request", "occurred_at": "2026-09-05T10:00:00Z",
         "content_stage": "bottom"}]}]}
RESPONSE_EXAMPLE: JsonDict = {"schema_version": "2", "model_version": "3", "predictions": [{
    "lead_id": "L000123", "probability": 0.412, "score": 41, "grade": "A",
    "fit": 18, "fit_grade": "C", "engagement": 35, "engagement_grade": "B", "tier": "warm",
    "bant": {"budget": {"value": "true", "reason": "budget: declared 60,000 ≥ 25,000 threshold"},
             "authority": {"value": "true", "reason": "authority: title 'VP Marketing' is vp "
                                                       "level"},
             "need": {"value": "true", "reason": "need: pain point 'manual reporting' stated"},
             "timeline": {"value": "true", "reason": "timeline: '0-3 months' is within 6 "
                                                     "months"}},
    "points_score": 45.0, "points_tier": "warm",
    "reasons_up": [{"feature": "n_demo_request_30d", "label": "Demo requests, last 30 days",
                    "value": 1, "text": "Requested a demo in the last 30 days",
                    "contribution": 0.93},
                   {"feature": "log_budget", "label": "Declared budget (log USD)",
                    "value": 11.002, "text": "Budget $60,000 meets the $25,000 threshold",
                    "contribution": 0.41}],
    "reasons_down": [{"feature": "days_since_last_activity",
                      "label": "Days since the last activity (silence)", "value": 5,
                      "text": "Last active 5 days ago", "contribution": -0.12}],
    "ignored_fields": [],
    "scored_at": "2026-09-10T10:00:00Z", "previous_score": 27,
    "previous_scored_at": "2026-09-03T10:00:00Z", "trend": "improving"}],
    "errors": []}


def documented_as(model: type[BaseModel]) -> type:
    """A request item taken as sent and validated as ``model`` one by one by the route
    (``serving.batch``), so one bad lead gets its own error instead of failing the batch; the
    OpenAPI schema shows it as ``model``."""

    class Raw:
        @classmethod
        def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                         ) -> core_schema.CoreSchema:
            return core_schema.any_schema()

        @classmethod
        def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema,
                                         handler: GetJsonSchemaHandler) -> JsonSchemaValue:
            return handler(model.__pydantic_core_schema__)

    return Raw


RawLead = documented_as(LeadIn)


class PredictRequest(BaseModel):
    """One or more leads to score (at most ``LEADCONV_MAX_BATCH``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REQUEST_EXAMPLE]})

    leads: Annotated[list[RawLead], Field(  # type: ignore[valid-type]
        min_length=1, description="the leads to score, each a ``LeadIn``. Each lead is checked "
                                  "on its own: an invalid one (or a lead_id already in the "
                                  "request) is answered in ``errors`` and the others are "
                                  "scored; with ``?all_or_nothing=true`` any invalid lead is a "
                                  "422 for the whole request")]


class BantFlagOut(BaseModel):
    value: Flag
    reason: str


class BantOut(BaseModel):
    """The four rule-based BANT flags (rules file, not learnt)."""

    budget: BantFlagOut
    authority: BantFlagOut
    need: BantFlagOut
    timeline: BantFlagOut


class ReasonOut(BaseModel):
    """One feature pushing this lead's probability up or down."""

    feature: str
    label: str
    value: float | int | str | bool | None
    text: str = Field(description="the reason as sales reads it, in business units "
                                  "(\"Budget $40,000 meets the $25,000 threshold\")")
    contribution: float = Field(description="how far the feature moves the log-odds from a "
                                            "typical lead's (positive: up)")


Score = Annotated[int, Field(ge=1, le=100, description="the probability in percent, 1-100")]
Grade = Literal["A", "B", "C", "D"]
PartScore = Annotated[int | None, Field(ge=1, le=100)]


PreviousScore = Annotated[int | None, Field(
    description="the lead's latest logged score before this scoring moment")]
PreviousAt = Annotated[datetime | None, Field(
    description="when that score was given (its scoring moment)")]
TrendField = Annotated[Trend, Field(
    description="improving / declining: the score moved by at least LEADCONV_TREND_POINTS since "
                "the previous one; steady: less; new: never scored before; unknown: no "
                "prediction log (or, for a flat export, no id column), or it cannot be read now")]


class PredictionOut(BaseModel):
    """One scored lead: the CRM's score and grade, their fit and engagement parts, the rules'
    BANT flags and points, and the reasons."""

    lead_id: str
    probability: Annotated[float, Field(ge=0, le=1, description="calibrated P(MQL becomes SQL)")]
    score: Score
    grade: Annotated[Grade, Field(description="A-D by the rules file's [grades] cut-offs")]
    fit: Annotated[PartScore, Field(
        description="who the lead is: the model's score for this lead with a typical lead's "
                    "behaviour (1-100)")]
    fit_grade: Grade | None
    engagement: Annotated[PartScore, Field(
        description="what the lead does: the model's score for this lead's behaviour with a "
                    "typical lead's profile (1-100)")]
    engagement_grade: Grade | None
    tier: Literal["hot", "warm", "cold"]
    bant: BantOut
    points_score: float
    points_tier: str
    reasons_up: list[ReasonOut]
    reasons_down: list[ReasonOut]
    ignored_fields: list[str] = Field(
        default_factory=list, description="fields of this lead the API does not know: not used")
    scored_at: datetime
    previous_score: PreviousScore = None
    previous_scored_at: PreviousAt = None
    trend: TrendField = "unknown"


class LeadErrorOut(BaseModel):
    """A lead of the batch that could not be scored, and why (each problem named)."""

    lead_id: str | None = Field(description="the lead's lead_id, when it has a readable one")
    index: int = Field(description="its position in the request's leads (from 0)")
    status: Literal["error"] = "error"
    errors: list[FieldErrorOut]


SCHEMA_VERSION: Literal["2"] = "2"


class PredictResponse(BaseModel):
    """The answer of ``POST /v1/predict`` (the example's figures are illustrative)."""

    model_config = ConfigDict(json_schema_extra={"examples": [RESPONSE_EXAMPLE]})

    schema_version: Annotated[Literal["2"], Field(
        description="version of this answer's layout; it changes only when a field is removed "
                    "or changes meaning")] = SCHEMA_VERSION
    model_version: str
    predictions: list[PredictionOut] = Field(description="the valid leads, scored, in order")
    errors: list[LeadErrorOut] = Field(
        default_factory=list, description="the invalid leads, each with its own problems")


class OutcomeIn(BaseModel):
    """What became of one lead: when sales accepted it (``sql_at``) and/or disqualified it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead_id: Annotated[str, Field(min_length=1, max_length=200, examples=["L000123"])]
    sql_at: UtcDatetime | None = None
    disqualified_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _one_moment(self) -> OutcomeIn:
        if self.sql_at is None and self.disqualified_at is None:
            raise ValueError("an outcome needs sql_at or disqualified_at (or both)")
        return self


def example(*values: JsonDict) -> ConfigDict:
    """A model's whole examples, shown by ``/docs`` and ``/redoc`` (a test validates each)."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


class OutcomesRequest(BaseModel):
    """Outcomes of leads (at most ``LEADCONV_MAX_BATCH``); sending one again changes nothing."""

    model_config = ConfigDict(extra="forbid", **example(
        {"outcomes": [{"lead_id": "L000123", "sql_at": "2026-09-20T15:30:00Z"},
                      {"lead_id": "L000124", "disqualified_at": "2026-09-18T09:00:00Z"}]}))

    outcomes: Annotated[list[OutcomeIn], Field(min_length=1)]


class OutcomesOut(BaseModel):
    """What the outcomes did: new leads, changed ones, and ones already stored as sent."""

    model_config = example({"received": 2, "inserted": 1, "updated": 1, "unchanged": 0})

    received: int
    inserted: int
    updated: int
    unchanged: int


class LoggedScoreOut(BaseModel):
    """One score the lead was given, as the prediction log holds it."""

    scored_at: datetime
    logged_at: datetime
    model_version: str
    probability: float
    score: int
    tier: str
    bant: dict[str, Flag | None]
    points_score: float | None
    origin: Literal["api", "batch"]


class ScoreHistoryOut(BaseModel):
    """A lead's logged scores, newest scoring moment first."""

    model_config = example({"lead_id": "L000123", "scores": [
        {"scored_at": "2026-09-10T10:00:00Z", "logged_at": "2026-09-10T10:00:01Z",
         "model_version": "3", "probability": 0.412, "score": 41, "tier": "hot",
         "bant": {"budget": "true", "authority": "true", "need": "true", "timeline": "true"},
         "points_score": 45.0, "origin": "api"},
        {"scored_at": "2026-09-03T10:00:00Z", "logged_at": "2026-09-04T02:00:00Z",
         "model_version": "3", "probability": 0.27, "score": 27, "tier": "warm",
         "bant": {"budget": "true", "authority": "true", "need": "unknown",
                  "timeline": "true"}, "points_score": 30.0, "origin": "batch"}]})

    lead_id: str
    scores: list[LoggedScoreOut]


class FlatPredictionOut(BaseModel):
    """One lead of a flat export, scored."""

    lead_id: str | None = Field(description="the value of the export's id column")
    probability: Annotated[float, Field(ge=0, le=1, description="calibrated P(MQL becomes SQL)")]
    score: Score
    grade: Grade
    tier: Literal["hot", "warm", "cold"]
    reasons_up: list[ReasonOut]
    reasons_down: list[ReasonOut]
    ignored_fields: list[str] = Field(
        default_factory=list, description="columns of this lead the API does not know: not used")
    previous_score: PreviousScore = None
    previous_scored_at: PreviousAt = None
    trend: TrendField = "unknown"


class FlatPredictResponse(BaseModel):
    """Predictions of a model trained on a flat export (no BANT fields, no points score there)."""

    schema_version: Literal["2"] = SCHEMA_VERSION
    model_version: str
    id_column: str | None
    predictions: list[FlatPredictionOut]
    errors: list[LeadErrorOut] = Field(
        default_factory=list, description="the invalid leads, each with its own problems")


class ModelOut(BaseModel):
    """The served model: its card and how it was loaded, plus the last reload failure if any."""

    model_config = example({
        "version": "3", "alias": "champion", "model_name": "lead-conversion",
        "source": "models:/lead-conversion@champion", "trained_at": "2026-09-30T22:00:00Z",
        "run_id": "4f1c2a7e9b0d4c3f8a6e5d2c1b0a9f8e", "horizon_days": 90,
        "chosen_model": "hgb_0", "calibration": "sigmoid",
        "test_metrics": {"roc_auc": 0.884, "log_loss": 0.262, "brier": 0.082, "ece": 0.013},
        "data_fingerprint": {"n_leads": 20000, "sha256": "9c1e0d6f...",
                             "mql_from": "2025-04-01", "mql_to": "2026-09-29"},
        "loaded_at": "2026-10-01T06:00:00Z", "last_reload_error": None,
        "last_reload_error_at": None})

    version: str
    alias: str | None
    model_name: str | None
    source: str
    trained_at: str | None
    run_id: str | None
    horizon_days: int | None
    chosen_model: str | None
    calibration: str | None
    test_metrics: dict[str, float]
    data_fingerprint: dict[str, Any]
    loaded_at: datetime
    last_reload_error: str | None = None
    last_reload_error_at: datetime | None = None


class ImportanceOut(BaseModel):
    name: str
    label: str
    family: str
    importance: float
    direction: str | None = None


class ImportancesOut(BaseModel):
    model_config = example({"model_version": "3", "importances": [
        {"name": "n_demo_request_30d", "label": "Demo requests, last 30 days",
         "family": "behaviour", "importance": 0.041, "direction": "up"},
        {"name": "industry", "label": "Industry", "family": "firmographic",
         "importance": 0.018, "direction": "depends"}]})

    model_version: str
    importances: list[ImportanceOut]


class HealthOut(BaseModel):
    model_config = example({"status": "ok"})

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Readiness (serving.readiness): "degraded" still serves (200) and says why in ``reasons``."""

    model_config = example(
        {"status": "ready", "model_version": "3", "detail": None, "reasons": [],
         "last_reload_error": None, "last_reload_error_at": None},
        {"status": "degraded", "model_version": "3", "detail": None,
         "reasons": ["the last reload failed: the bundle's signature does not match"],
         "last_reload_error": "the bundle's signature does not match",
         "last_reload_error_at": "2026-10-02T06:00:30Z"})

    status: Literal["ready", "degraded", "not ready"]
    model_version: str | None = None
    detail: str | None = None
    reasons: list[str] = Field(default_factory=list)
    last_reload_error: str | None = None
    last_reload_error_at: datetime | None = None


class ReloadOut(BaseModel):
    model_config = example({"reloaded": True, "model_version": "4", "previous_version": "3"})

    reloaded: bool
    model_version: str
    previous_version: str | None
