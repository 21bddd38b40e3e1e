"""BANT flags: budget, authority, need and timeline, each "true", "false" or "unknown".

Rules, not learnt: the thresholds come from the rules file (``features.rules``). A flag is
"unknown" when the data to decide is missing or not understood, never guessed. Every flag has a
one-line reason a sales rep can read, e.g. ``authority: title 'VP Marketing' is VP level``.

Inputs are columns of the leads table: ``budget`` (USD), ``job_title``, ``pain_point``,
``purchase_timeframe``. A column missing from the table makes its flag "unknown" for every lead.
Everything is vectorised; 100,000 leads take well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from features import columns
from features.demographics import parse_seniority
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
        asked = [np.nan if v is _MISSING else v for v in todo]
        series = pd.Series(asked, dtype="float64" if numeric else "str")
        flags, reasons = decide(series, rule)
        if len(_DECIDED) + len(todo) > _DECIDED_LIMIT:
            _DECIDED.clear()
        for k, v in enumerate(todo):
            _DECIDED[(name, rule, kind, v)] = (flags[k], reasons[k])
    decided = [_DECIDED[(name, rule, kind, v)] for v in values]
    return (np.array([d[0] for d in decided], dtype=object),
            np.array([d[1] for d in decided], dtype=object))


def _text(values: pd.Series) -> pd.Series:
    """As trimmed text with single spaces; missing stays missing."""
    text = values.astype("str")
    return text.str.strip().str.replace(r"\s+", " ", regex=True)


def _is_blank(text: pd.Series) -> np.ndarray:
    """Missing, empty, or nothing but punctuation ("-", "?", "...")."""
    return (text.isna() | ~text.str.contains(r"\w", regex=True).fillna(False)).to_numpy(bool)


def _pick(conditions: list[np.ndarray], choices: list[object], default: object) -> np.ndarray:
    """Like ``np.select`` for text: first true condition wins; choices are scalars or arrays."""
    n = len(conditions[0])
    out = np.empty(n, dtype=object)
    out[:] = default if np.ndim(default) == 0 else np.asarray(default, dtype=object)
    taken = np.zeros(n, dtype=bool)
    for cond, choice in zip(conditions, choices, strict=True):
        use = cond & ~taken
        out[use] = choice if np.ndim(choice) == 0 else np.asarray(choice, dtype=object)[use]
        taken |= use
    return out


def _quoted(text: pd.Series) -> np.ndarray:
    return ("'" + text.fillna("") + "'").to_numpy(dtype=object)


def _format_amount(value: float) -> str:
    """40000 -> "40,000"; 24999.999 -> "24,999.999" (never rounded, so never across a threshold)."""
    if np.isfinite(value) and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,}"


def _budget(raw: pd.Series, rule: BudgetRule) -> Flag:
    if pd.api.types.is_numeric_dtype(raw):  # the usual case: no text to read
        amount = raw.to_numpy(dtype="float64", na_value=np.nan)
        text = pd.Series(np.nan, index=raw.index, dtype="str")
        blank = np.isnan(amount)
    else:  # text such as "40000", "" or "lots"
        text = _text(raw)
        blank = _is_blank(text)
        amount = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy()
    not_number = ~blank & np.isnan(amount)
    invalid = ~blank & ~not_number & ~(np.isfinite(amount) & (amount >= 0))
    ok = ~blank & ~not_number & ~invalid
    threshold = _format_amount(rule.min_amount)
    shown = np.array([_format_amount(v) for v in amount], dtype=object)  # distinct values only
    meets = ok & (amount >= rule.min_amount)
    flag = _pick([blank | not_number | invalid, meets], ["unknown", "true"], "false")
    reason = _pick(
        [blank, not_number, invalid, meets],
        ["budget: no budget declared",
         "budget: declared " + _quoted(text) + " is not a number",
         "budget: declared " + shown + " is not a valid amount",
         "budget: declared " + shown + f" ≥ {threshold} threshold"],
        "budget: declared " + shown + f" < {threshold} threshold",
    )
    return flag, reason


def _authority(raw: pd.Series, rule: AuthorityRule) -> Flag:
    text = _text(raw)
    blank = _is_blank(text)
    level = parse_seniority(raw).to_numpy(dtype=object)
    unread = ~blank & (level == "unknown")
    yes = np.isin(level, rule.decision_makers)
    words = pd.Series(level).map(LEVEL_WORDS).fillna("").to_numpy(dtype=object)
    said = "authority: title " + _quoted(text) + " is " + words
    flag = _pick([blank | unread, yes], ["unknown", "true"], "false")
    reason = _pick(
        [blank, unread, yes],
        ["authority: no job title",
         "authority: title " + _quoted(text) + " does not show a seniority level",
         said],
        said + ", not a decision maker",
    )
    return flag, reason


def _need(raw: pd.Series, rule: NeedRule) -> Flag:
    text = _text(raw)
    blank = _is_blank(text)
    answer = text.str.lower().str.rstrip(".!")
    denied = answer.isin(rule.not_a_need).to_numpy(bool) & ~blank
    dodged = answer.isin(rule.no_answer).to_numpy(bool) & ~blank
    flag = _pick([blank | dodged, denied], ["unknown", "false"], "true")
    reason = _pick(
        [blank, dodged, denied],
        ["need: no pain point given",
         "need: pain point " + _quoted(text) + " does not say what the need is",
         "need: pain point " + _quoted(text) + " is not a qualifying need"],
        "need: pain point " + _quoted(text) + " is a stated need",
    )
    return flag, reason


def _timeline(raw: pd.Series, rule: TimelineRule) -> Flag:
    text = _text(raw)
    blank = _is_blank(text)
    answer = text.str.lower()
    yes = answer.isin(rule.qualifying).to_numpy(bool) & ~blank
    no = answer.isin(rule.not_qualifying).to_numpy(bool) & ~blank
    known = ", ".join(rule.qualifying + rule.not_qualifying)
    flag = _pick([yes, no], ["true", "false"], "unknown")
    reason = _pick(
        [blank, yes, no],
        ["timeline: no purchase timeframe given",
         "timeline: " + _quoted(text) + f" is {rule.label}",
         "timeline: " + _quoted(text) + f" is not {rule.label}"],
        "timeline: purchase timeframe " + _quoted(text) + f" not understood (expected: {known})",
    )
    return flag, reason
