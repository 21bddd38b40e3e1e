"""Translate between the HTTP schemas and the data contract's tables, both ways.

``to_columns`` turns validated leads into the columns of the ``leads`` and ``activities`` tables
that ``features.contract.load_crm`` would have produced from an export (same column names, values
and text normalisation), so ``Scorer.score_columns`` sees exactly what ``leadconv score`` sees.
Contact
fields (email, full name, phone) are dropped here: the model never needs them.
``predictions`` turns the scorer's output rows back into response models.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from features.bant import FLAGS as BANT_FLAGS
from features.contract import normalise_label
from features.vocab import LEADS_OPTIONAL, LEADS_REQUIRED, STAGE_ALIASES
from serving.schemas import LeadIn, PredictionOut

LEAD_COLUMNS = (*LEADS_REQUIRED, *LEADS_OPTIONAL)
LABEL_COLUMNS = ("source", "industry", "department")  # snake_case categories
TEXT_COLUMNS = ("job_title", "pain_point")  # kept as written (trimmed)
AMOUNT_COLUMNS = ("company_size", "annual_revenue", "budget")
PREDICTIONS = TypeAdapter(list[PredictionOut])


@lru_cache(maxsize=4096)
def label(text: str | None) -> str | None:
    """``features.contract.normalise_label`` of one value (cached: categories repeat a lot)."""
    if text is None:
        return None
    value = normalise_label(pd.Series([text], dtype="str")).iloc[0]
    return None if pd.isna(value) else str(value)


def _blank(text: str | None) -> str | None:
    """Trimmed text, blank as missing (the contract's reading of a text cell)."""
    text = text.strip() if text is not None else None
    return text or None


def _stage(text: str | None) -> str | None:
    return STAGE_ALIASES.get(text.strip().lower()) if text else None


def _stamps(values: list[datetime]) -> np.ndarray:
    """Aware datetimes as ``datetime64[ns]`` UTC values (the contract's in-memory form)."""
    return np.array([v.astimezone(UTC).replace(tzinfo=None) for v in values],
                    dtype="datetime64[ns]")


def _texts(values: list[str | None]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def to_columns(leads: list[LeadIn], now: datetime
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Return (leads columns, activities columns, scoring moments) for ``Scorer.score_columns``.

    Text is read as ``features.contract`` reads an export: categories through its
    ``normalise_label``, country upper case, purchase timeframe lower case, blanks missing.
    A lead without ``scored_at`` is scored at ``now``, or at its ``mql_at`` if that is later
    (a clock ahead of ours must not make its own lead unscorable).
    """
    cols: dict[str, np.ndarray] = {
        "lead_id": _texts([x.lead_id for x in leads]),
        "mql_at": _stamps([x.mql_at for x in leads]),
    }
    for name in LABEL_COLUMNS:
        cols[name] = _texts([label(_blank(getattr(x, name))) for x in leads])
    cols["country"] = _texts([(_blank(x.country) or "").upper() or None for x in leads])
    for name in TEXT_COLUMNS:
        cols[name] = _texts([_blank(getattr(x, name)) for x in leads])
    cols["purchase_timeframe"] = _texts(
        [(_blank(x.purchase_timeframe) or "").lower() or None for x in leads])
    for name in AMOUNT_COLUMNS:
        cols[name] = np.array([getattr(x, name) for x in leads], dtype="float64")

    acts = sorted(((x.lead_id, a.occurred_at, label(_blank(a.activity_type)),
                    _stage(a.content_stage)) for x in leads for a in x.activities),
                  key=lambda row: (row[0], row[1]))  # stable, like the contract's sort
    activities = {"lead_id": _texts([a[0] for a in acts]),
                  "occurred_at": _stamps([a[1] for a in acts]),
                  "activity_type": _texts([a[2] for a in acts]),
                  "content_stage": _texts([a[3] for a in acts])}
    at = _stamps([x.scored_at if x.scored_at is not None else max(now, x.mql_at)
                  for x in leads])
    return {name: cols[name] for name in LEAD_COLUMNS}, activities, at


def _plain(value: Any) -> Any:
    """numpy scalars and NaN to plain JSON values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _reasons(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, (list, tuple)):
        return []
    return [{"feature": r["feature"], "label": r["label"], "value": _plain(r.get("value")),
             "text": r.get("text") or r["label"], "contribution": float(r["contribution"])}
            for r in items]


def predictions(scores: Mapping[str, Any], trends: list[dict[str, Any]] | None = None,
                ignored: list[list[str]] | None = None) -> list[PredictionOut]:
    """One response item per lead of ``Scorer.score_columns`` output (or ``Scorer.score``).

    ``reasons_up``/``reasons_down`` are lists of ``{feature, label, value, text,
    contribution}`` when present, else left empty; ``trends`` adds each lead's previous score and
    trend (``serving.recording.trends``); ``ignored`` each lead's unknown fields
    (``serving.batch``). Built column-wise and validated in one call: ~10 µs per lead.
    """
    n = len(scores["lead_id"])
    col = {c: list(scores[c]) if isinstance(scores[c], list) else scores[c].tolist()
           for c in scores.keys() if c not in ("scored_at", "reasons_up", "reasons_down")}
    stamps = np.asarray(scores["scored_at"])
    if stamps.dtype.kind == "M":
        at = [v.replace(tzinfo=UTC) for v in stamps.astype("datetime64[us]").tolist()]
    else:  # aware Timestamps of a DataFrame column
        at = [pd.Timestamp(v).to_pydatetime() for v in stamps.tolist()]
    empty: list[Any] = [None] * n
    ups = list(scores["reasons_up"]) if "reasons_up" in scores.keys() else empty
    downs = list(scores["reasons_down"]) if "reasons_down" in scores.keys() else empty
    rows = [{
        "lead_id": col["lead_id"][i], "probability": col["probability"][i],
        "score": col["score"][i], "grade": col["grade"][i],
        "fit": col["fit"][i], "fit_grade": col["fit_grade"][i],
        "engagement": col["engagement"][i], "engagement_grade": col["engagement_grade"][i],
        "tier": col["tier"][i],
        "bant": {flag: {"value": col[f"bant_{flag}"][i], "reason": col[f"bant_{flag}_reason"][i]}
                 for flag in BANT_FLAGS},
        "points_score": col["points_score"][i], "points_tier": str(col["points_tier"][i]),
        "reasons_up": _reasons(ups[i]), "reasons_down": _reasons(downs[i]), "scored_at": at[i],
        "ignored_fields": ignored[i] if ignored is not None else [],
        **(trends[i] if trends is not None else {}),
    } for i in range(n)]
    return PREDICTIONS.validate_python(rows)
