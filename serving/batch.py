"""A batch of leads answered lead by lead: each lead is checked on its own.

A CRM's nightly batch should not fail because of one bad row. ``split_batch`` validates each
item as ``LeadIn``; the valid ones are scored and the others come back in the answer's
``errors``, each keyed by its lead_id and position with every problem named (HTTP 200). With
``all_or_nothing`` any invalid lead makes the whole request a 422 listing every problem, as
before. A lead_id already seen earlier in the request is an error of the later lead.

Fields the API does not know are ignored and listed per lead (``ignored_fields``), so a CRM that
sends a few extra columns keeps working; with ``strict`` (``LEADCONV_STRICT_FIELDS``) they are
errors of that lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from serving.errors import field_errors
from serving.schemas import ActivityIn, LeadErrorOut, LeadIn

STRICT_MESSAGE = "unknown field (LEADCONV_STRICT_FIELDS is on)"
LeadT = TypeVar("LeadT", bound=BaseModel)


def _names(model: type[BaseModel]) -> frozenset[str]:
    """The keys a request item of ``model`` may have (aliases where the model has them)."""
    return frozenset(f.alias or name for name, f in model.model_fields.items())


@dataclass(frozen=True)
class Shape(Generic[LeadT]):
    """A kind of request item: its model, the attribute holding its id (None: no id), the keys
    it knows, and the nested lists of known items (``activities``)."""

    model: type[LeadT]
    id_attribute: str | None
    known: frozenset[str]
    nested: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def of(cls, model: type[LeadT], id_attribute: str | None,
           nested: tuple[tuple[str, type[BaseModel]], ...] = ()) -> Shape[LeadT]:
        return cls(model, id_attribute, _names(model),
                   tuple((key, _names(inner)) for key, inner in nested))


EVENT_LEAD: Shape[LeadIn] = Shape.of(LeadIn, "lead_id", (("activities", ActivityIn),))


@dataclass
class Batch(Generic[LeadT]):
    """The valid leads (with the unknown fields each had) and the errors of the others."""

    leads: list[LeadT] = field(default_factory=list)
    ignored: list[list[str]] = field(default_factory=list)
    errors: list[LeadErrorOut] = field(default_factory=list)


def unknown_fields(item: dict[str, Any], shape: Shape[Any] = EVENT_LEAD
                   ) -> list[tuple[str | int, ...]]:
    """Where ``item`` has fields its shape (or a nested activity) does not know, as locations."""
    found: list[tuple[str | int, ...]] = [(k,) for k in item if k not in shape.known]
    for key, known in shape.nested:
        inner = item.get(key)
        if isinstance(inner, list):
            for j, each in enumerate(inner):
                if isinstance(each, dict):
                    found += [(key, j, k) for k in each if k not in known]
    return found


def _where(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                   for i, p in enumerate(loc))


def _problems(item: Any, strict: bool, shape: Shape[LeadT]
              ) -> tuple[LeadT | None, list[tuple[str | int, ...]], list[dict[str, Any]]]:
    """(the lead or None, its unknown fields, its problems with locations inside the item)."""
    if not isinstance(item, dict):
        return None, [], [{"type": "model_type", "loc": (),
                           "msg": "a lead must be a JSON object"}]
    unknown = unknown_fields(item, shape)
    problems: list[dict[str, Any]] = []
    if strict:
        problems += [{"type": "extra_forbidden", "loc": loc, "msg": STRICT_MESSAGE}
                     for loc in unknown]
    try:
        lead = shape.model.model_validate(item)
    except ValidationError as exc:
        problems += [dict(e) for e in exc.errors(include_url=False, include_input=False)]
        return None, unknown, problems
    return lead, unknown, problems


def split_batch(items: list[Any], *, strict: bool, all_or_nothing: bool,
                shape: Shape[LeadT] = EVENT_LEAD) -> Batch[LeadT]:  # type: ignore[assignment]
    """Check each lead of a request (see the module docstring); ``shape``: what a lead is
    (``EVENT_LEAD``, or a flat export's columns, ``serving.flat_api``).

    Raises:
        RequestValidationError: ``all_or_nothing`` and at least one lead is invalid; every
            problem of every lead, located as ``leads[i].field``.
    """
    batch: Batch[LeadT] = Batch()
    everything: list[dict[str, Any]] = []
    first_at: dict[str, int] = {}
    id_key = (shape.model.model_fields[shape.id_attribute].alias or shape.id_attribute
              if shape.id_attribute else None)
    for i, item in enumerate(items):
        lead, unknown, problems = _problems(item, strict, shape)
        lead_id = (str(getattr(lead, shape.id_attribute))
                   if lead is not None and shape.id_attribute else None)
        if lead_id is not None and lead_id in first_at:
            problems.append({"type": "duplicate_lead_id", "loc": (id_key,),
                             "msg": f"duplicate {id_key}: already at leads[{first_at[lead_id]}]"})
        elif lead_id is not None:
            first_at[lead_id] = i
        if not problems and lead is not None:
            batch.leads.append(lead)
            batch.ignored.append([_where(loc) for loc in unknown])
            continue
        located = [{**p, "loc": ("body", "leads", i, *p["loc"])} for p in problems]
        everything += located
        raw_id = item.get(id_key) if isinstance(item, dict) and id_key else None
        batch.errors.append(LeadErrorOut.model_validate({
            "lead_id": str(raw_id) if isinstance(raw_id, (str, int)) else None, "index": i,
            "errors": field_errors(located)}))
    if all_or_nothing and everything:
        raise RequestValidationError(everything)
    return batch
