"""BANT flags: budget, authority, need and timeline, each "true", "false" or "unknown".

Rules, not learnt: the thresholds come from the rules file (``features.rules``). A flag is
"unknown" when the data to decide is missing or not understood, never guessed. Every flag has a
one-line reason a sales rep can read, e.g. ``authority: title 'VP Marketing' is VP level``.

Inputs are columns of the leads table: ``budget`` (USD), ``job_title``, ``pain_point``,
``purchase_timeframe``. A column missing from the table makes its flag "unknown" for every lead.
Everything is vectorised; 100,000 leads take well under a second.
"""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np
import pandas as pd

from features import columns
from features.demographics import parse_title_values
from features.rules import (
    AuthorityRule,
    BudgetRule,
    NeedRule,
    Rules,
    TimelineRule,
)

FLAGS = ("budget", "authority", "need", "timeline")
COLUMNS = tuple(col for flag in FLAGS for col in (f"bant_{flag}", f"bant_{flag}_reason"))
VALUES = ("true", "false", "unknown")

LEVEL_WORDS = {
    "c_level": "C-level",
    "vp": "VP level",
    "director": "director level",
    "manager": "manager level",
    "individual_contributor": "individual contributor level",
}

Flag = tuple[np.ndarray, np.ndarray]  # (flag per lead, reason per lead), both object arrays


def bant_flags(leads: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Return the four BANT flags and their reasons, indexed like ``leads``.

    Columns: ``bant_budget``, ``bant_budget_reason``, ``bant_authority``, ... (see ``COLUMNS``).
    Flags are the strings "true", "false", "unknown"; reasons are one line each.
    ``leads`` is not modified.
    """
    cols = bant_columns(columns.from_frame(leads), len(leads), rules)
    return columns.to_frame(cols, leads.index, COLUMNS, COLUMNS)


def bant_columns(leads: columns.Columns, n: int, rules: Rules) -> dict[str, np.ndarray]:
    """The core of :func:`bant_flags` on the leads table's columns (object arrays out)."""
    deciders = (
        ("budget", "budget", _budget, rules.bant.budget),
        ("authority", "job_title", _authority, rules.bant.authority),
        ("need", "pain_point", _need, rules.bant.need),
        ("timeline", "purchase_timeframe", _timeline, rules.bant.timeline),
    )
    out: dict[str, np.ndarray] = {}
    for flag, column, decide, rule in deciders:
        if column in leads:
            values, reasons = _on_uniques(np.asarray(leads[column]), decide, rule)
        else:
            values = np.full(n, "unknown", dtype=object)
            reasons = np.full(n, f"{flag}: no {column} column in the leads data", dtype=object)
        out[f"bant_{flag}"] = values
        out[f"bant_{flag}_reason"] = reasons
    return out


# Answers repeat a lot (and a service sees the same ones all day): decide each distinct
# (flag, rules, value) once. Keys carry the value's type: 40000.0 and "40000" read differently.
_DECIDED: dict[tuple[Any, ...], tuple[str, str]] = {}
_DECIDED_LIMIT = 200_000
_MISSING = object()


def _on_uniques(raw: np.ndarray, decide: Any, rule: Any) -> Flag:
    """Decide once per distinct value (answers repeat a lot), then spread back to every lead."""
    numeric = raw.dtype.kind in "fiub"
    gone = columns.missing(raw)
    values = [_MISSING if m else v for v, m in zip(raw.tolist(), gone.tolist(), strict=True)]
    kind = "number" if numeric else "text"
    name = decide.__name__
    todo = list(dict.fromkeys(v for v in values if (name, rule, kind, v) not in _DECIDED))
    if todo:
        if len(_DECIDED) + len(todo) > _DECIDED_LIMIT:
            _DECIDED.clear()
        for v in todo:
            value = None if v is _MISSING else (float(cast(Any, v)) if numeric else str(v))
            _DECIDED[(name, rule, kind, v)] = decide(value, rule)
    decided = [_DECIDED[(name, rule, kind, v)] for v in values]
    return (np.array([d[0] for d in decided], dtype=object),
            np.array([d[1] for d in decided], dtype=object))


_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w")


def _text(value: str | float | None) -> str | None:
    """As trimmed text with single spaces; missing stays missing."""
    return None if value is None else _SPACES.sub(" ", str(value).strip())


def _is_blank(text: str | None) -> bool:
    """Missing, empty, or nothing but punctuation ("-", "?", "...")."""
    return text is None or _WORD.search(text) is None


def _format_amount(value: float) -> str:
    """40000 -> "40,000"; 24999.999 -> "24,999.999" (never rounded, so never across a threshold)."""
    if np.isfinite(value) and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,}"


def _budget(value: str | float | None, rule: BudgetRule) -> tuple[str, str]:
    """A declared budget: a number (the usual case) or text such as "40000", "" or "lots"."""
    if value is None:
        return "unknown", "budget: no budget declared"
    if isinstance(value, str):
        text = _text(value)
        if _is_blank(text):
            return "unknown", "budget: no budget declared"
        amount = float(pd.to_numeric(value, errors="coerce"))
        if np.isnan(amount):
            return "unknown", f"budget: declared '{text}' is not a number"
    else:
        amount = float(value)
    shown = _format_amount(amount)
    if not (np.isfinite(amount) and amount >= 0):
        return "unknown", f"budget: declared {shown} is not a valid amount"
    threshold = _format_amount(rule.min_amount)
    if amount >= rule.min_amount:
        return "true", f"budget: declared {shown} ≥ {threshold} threshold"
    return "false", f"budget: declared {shown} < {threshold} threshold"


def _authority(value: str | float | None, rule: AuthorityRule) -> tuple[str, str]:
    text = _text(value)
    if _is_blank(text):
        return "unknown", "authority: no job title"
    level = parse_title_values(np.array([value], dtype=object))[0][0]
    if level == "unknown":
        return "unknown", f"authority: title '{text}' does not show a seniority level"
    said = f"authority: title '{text}' is {LEVEL_WORDS.get(level, '')}"
    if level in rule.decision_makers:
        return "true", said
    return "false", said + ", not a decision maker"


def _need(value: str | float | None, rule: NeedRule) -> tuple[str, str]:
    text = _text(value)
    if _is_blank(text):
        return "unknown", "need: no pain point given"
    assert text is not None
    answer = text.lower().rstrip(".!")
    if answer in rule.no_answer:
        return "unknown", f"need: pain point '{text}' does not say what the need is"
    if answer in rule.not_a_need:
        return "false", f"need: pain point '{text}' is not a qualifying need"
    return "true", f"need: pain point '{text}' is a stated need"


def _timeline(value: str | float | None, rule: TimelineRule) -> tuple[str, str]:
    text = _text(value)
    if _is_blank(text):
        return "unknown", "timeline: no purchase timeframe given"
    assert text is not None
    answer = text.lower()
    if answer in rule.qualifying:
        return "true", f"timeline: '{text}' is {rule.label}"
    if answer in rule.not_qualifying:
        return "false", f"timeline: '{text}' is not {rule.label}"
    known = ", ".join(rule.qualifying + rule.not_qualifying)
    return "unknown", (f"timeline: purchase timeframe '{text}' not understood "
                       f"(expected: {known})")
