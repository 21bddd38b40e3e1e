"""Translate between the HTTP schemas and the data contract's tables, both ways.

``to_frames`` turns validated leads into the ``leads`` and ``activities`` frames that
``features.contract.load_crm`` would have produced from an export (same column names, dtypes and
text normalisation), so ``Scorer.score`` sees exactly what ``leadconv score`` sees. Contact
fields (email, full name, phone) are dropped here: the model never needs them.
``predictions`` turns the scorer's output rows back into response models.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from features.bant import FLAGS as BANT_FLAGS
from features.contract import STAGE_ALIASES, normalise_label
from features.vocab import LEADS_OPTIONAL, LEADS_REQUIRED
from serving.schemas import LeadIn, PredictionOut

LEAD_COLUMNS = (*LEADS_REQUIRED, *LEADS_OPTIONAL)
LABEL_COLUMNS = ("source", "industry", "department")  # snake_case categories
TEXT_COLUMNS = ("job_title", "pain_point")  # kept as written (trimmed)
AMOUNT_COLUMNS = ("company_size", "annual_revenue", "budget")
UTC_DTYPE = "datetime64[us, UTC]"
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


def to_frames(leads: list[LeadIn], now: datetime) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Return (leads frame, activities frame, scoring moment by lead_id) for ``Scorer.score``.

    Text is read as ``features.contract`` reads an export: categories through its
    ``normalise_label``, country upper case, purchase timeframe lower case, blanks missing.
    A lead without ``scored_at`` is scored at ``now``, or at its ``mql_at`` if that is later
    (a clock ahead of ours must not make its own lead unscorable).
    """
    columns: dict[str, pd.Series] = {
        "lead_id": pd.Series([x.lead_id for x in leads], dtype="str"),
        "mql_at": pd.Series([x.mql_at for x in leads], dtype=UTC_DTYPE),
    }
    for name in LABEL_COLUMNS:
        columns[name] = pd.Series([label(_blank(getattr(x, name))) for x in leads], dtype="str")
    columns["country"] = pd.Series([(_blank(x.country) or "").upper() or None for x in leads],
                                   dtype="str")
    for name in TEXT_COLUMNS:
        columns[name] = pd.Series([_blank(getattr(x, name)) for x in leads], dtype="str")
    columns["purchase_timeframe"] = pd.Series(
        [(_blank(x.purchase_timeframe) or "").lower() or None for x in leads], dtype="str")
    for name in AMOUNT_COLUMNS:
        columns[name] = pd.Series([getattr(x, name) for x in leads], dtype="float64")
    frame = pd.DataFrame({name: columns[name] for name in LEAD_COLUMNS})

    acts = sorted(((x.lead_id, a.occurred_at, label(_blank(a.activity_type)),
                    _stage(a.content_stage)) for x in leads for a in x.activities),
                  key=lambda row: (row[0], row[1]))  # stable, like the contract's sort
    activities = pd.DataFrame({
        "lead_id": pd.Series([a[0] for a in acts], dtype="str"),
        "occurred_at": pd.Series([a[1] for a in acts], dtype=UTC_DTYPE),
        "activity_type": pd.Series([a[2] for a in acts], dtype="str"),
        "content_stage": pd.Series([a[3] for a in acts], dtype="str"),
    })

    at = pd.Series([x.scored_at if x.scored_at is not None else max(now, x.mql_at)
                    for x in leads], index=pd.Index(frame["lead_id"], name="lead_id"),
                   dtype=UTC_DTYPE)
    return frame, activities, at


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
             "contribution": float(r["contribution"])} for r in items]


def predictions(scores: pd.DataFrame) -> list[PredictionOut]:
    """One response item per row of ``Scorer.score`` output, in the same order.

    ``reasons_up``/``reasons_down`` are taken from the scorer's columns of those names when it
    provides them (lists of ``{feature, label, value, contribution}``), else left empty.
    Built column-wise and validated in one call: ~10 µs per lead.
    """
    n = len(scores)
    col = {c: scores[c].tolist() for c in scores.columns
           if c not in ("scored_at", "reasons_up", "reasons_down")}
    at = scores["scored_at"].dt.to_pydatetime().tolist() if n else []
    empty: list[Any] = [None] * n
    ups = scores["reasons_up"].tolist() if "reasons_up" in scores.columns else empty
    downs = scores["reasons_down"].tolist() if "reasons_down" in scores.columns else empty
    rows = [{
        "lead_id": col["lead_id"][i], "probability": col["probability"][i],
        "score": col["score"][i], "tier": col["tier"][i],
        "bant": {flag: {"value": col[f"bant_{flag}"][i], "reason": col[f"bant_{flag}_reason"][i]}
                 for flag in BANT_FLAGS},
        "points_score": col["points_score"][i], "points_tier": str(col["points_tier"][i]),
        "reasons_up": _reasons(ups[i]), "reasons_down": _reasons(downs[i]), "scored_at": at[i],
    } for i in range(n)]
    return PREDICTIONS.validate_python(rows)
