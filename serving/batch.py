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
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from serving.errors import field_errors
from serving.schemas import ActivityIn, LeadErrorOut, LeadIn

LEAD_FIELDS = frozenset(LeadIn.model_fields)
ACTIVITY_FIELDS = frozenset(ActivityIn.model_fields)
STRICT_MESSAGE = "unknown field (LEADCONV_STRICT_FIELDS is on)"


@dataclass
class Batch:
    """The valid leads (with the unknown fields each had) and the errors of the others."""

    leads: list[LeadIn] = field(default_factory=list)
    ignored: list[list[str]] = field(default_factory=list)
    errors: list[LeadErrorOut] = field(default_factory=list)


def unknown_fields(item: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Where ``item`` has fields ``LeadIn`` (or an activity) does not know, as locations."""
    found: list[tuple[str | int, ...]] = [(k,) for k in item if k not in LEAD_FIELDS]
    activities = item.get("activities")
    if isinstance(activities, list):
        for j, activity in enumerate(activities):
            if isinstance(activity, dict):
                found += [("activities", j, k) for k in activity if k not in ACTIVITY_FIELDS]
    return found


def _where(loc: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                   for i, p in enumerate(loc))


def _problems(item: Any, strict: bool
              ) -> tuple[LeadIn | None, list[tuple[str | int, ...]], list[dict[str, Any]]]:
    """(the lead or None, its unknown fields, its problems with locations inside the item)."""
    if not isinstance(item, dict):
        return None, [], [{"type": "model_type", "loc": (),
                           "msg": "a lead must be a JSON object"}]
    unknown = unknown_fields(item)
    problems: list[dict[str, Any]] = []
    if strict:
        problems += [{"type": "extra_forbidden", "loc": loc, "msg": STRICT_MESSAGE}
                     for loc in unknown]
    try:
        lead = LeadIn.model_validate(item)
    except ValidationError as exc:
        problems += [dict(e) for e in exc.errors(include_url=False, include_input=False)]
        return None, unknown, problems
    return lead, unknown, problems


def split_batch(items: list[Any], *, strict: bool, all_or_nothing: bool) -> Batch:
    """Check each lead of a request (see the module docstring).

    Raises:
        RequestValidationError: ``all_or_nothing`` and at least one lead is invalid; every
            problem of every lead, located as ``leads[i].field``.
    """
    batch = Batch()
    everything: list[dict[str, Any]] = []
    first_at: dict[str, int] = {}
    for i, item in enumerate(items):
        lead, unknown, problems = _problems(item, strict)
        if lead is not None and lead.lead_id in first_at:
            problems.append({"type": "duplicate_lead_id", "loc": ("lead_id",),
                             "msg": f"duplicate lead_id: already at "
                                    f"leads[{first_at[lead.lead_id]}]"})
        elif lead is not None:
            first_at[lead.lead_id] = i
        if not problems and lead is not None:
            batch.leads.append(lead)
            batch.ignored.append([_where(loc) for loc in unknown])
            continue
        located = [{**p, "loc": ("body", "leads", i, *p["loc"])} for p in problems]
        everything += located
        lead_id = item.get("lead_id") if isinstance(item, dict) else None
        batch.errors.append(LeadErrorOut.model_validate({
            "lead_id": lead_id if isinstance(lead_id, str) else None, "index": i,
            "errors": field_errors(located)}))
    if all_or_nothing and everything:
        raise RequestValidationError(everything)
    return batch
