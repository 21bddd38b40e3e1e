"""Writing and reading the prediction log (table ``store.tables.predictions``).

A row is a plain dict of the table's columns (``PredictionRow``); ``rows_of`` makes them from a
scorer's output columns. Reads answer what the service and the monitor ask: a lead's history, the
latest earlier score of each of some leads (``previous_scores``), and the log of a period as a
frame (``read_log``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, bindparam, case, func, insert, literal, select

from store.driver import DriverStatement
from store.tables import as_utc, predictions, to_db

PredictionRow = dict[str, Any]
BANT = ("bant_budget", "bant_authority", "bant_need", "bant_timeline")
ORIGINS = ("api", "batch")
FEW = 10  # up to this many leads, previous scores are read one index lookup each
_LATEST = (predictions.c.lead_id, predictions.c.score, predictions.c.probability,
           predictions.c.scored_at, predictions.c.model_version)
_ROW_COLUMNS = tuple(c.name for c in predictions.columns if c.name != "id")
# One lead's latest score before a moment: the service asks it on every predict call.
_LATEST_BEFORE = (select(*_LATEST)
                  .where(predictions.c.lead_id == bindparam("lead_id"),
                         predictions.c.scored_at < bindparam("moment",
                                                             type_=predictions.c.scored_at.type))
                  .order_by(predictions.c.scored_at.desc(), predictions.c.id.desc()).limit(1))


@dataclass(frozen=True)
class Previous:
    """A lead's latest logged score before a moment."""

    score: int
    probability: float
    scored_at: datetime
    model_version: str


def _stamp(value: Any) -> datetime:
    """A scorer's moment (``datetime64``, Timestamp or datetime) as an aware UTC datetime."""
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
            ).to_pydatetime()


def rows_of(scores: Mapping[str, Any], origin: str, fingerprints: Sequence[str | None] | None,
            logged_at: datetime | None = None) -> list[PredictionRow]:
    """Log rows from a scorer's output columns (``scoring.event.Scorer.score_columns``, or the
    same columns of ``Scorer.score``'s frame).

    Args:
        scores: ``lead_id``, ``scored_at``, ``probability``, ``score``, ``tier``,
            ``model_version`` and, when the model has them, the BANT flags and ``points_score``.
        origin: ``api`` (the service) or ``batch`` (``leadconv score``).
        fingerprints: one per lead (``scoring.profile.fingerprints``), or None.
        logged_at: when the scores were given (default: now).
    """
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
    n = len(scores["lead_id"])
    now = to_db(logged_at or datetime.now(UTC))

    def column(name: str) -> list[Any]:
        if name not in scores:
            return [None] * n
        values = scores[name]
        return values.tolist() if isinstance(values, np.ndarray | pd.Series) else list(values)

    ids, stamps = column("lead_id"), column("scored_at")
    probs, points, tiers = column("probability"), column("points_score"), column("tier")
    score, versions = column("score"), column("model_version")
    bant = {name: column(name) for name in BANT}
    prints = list(fingerprints) if fingerprints is not None else [None] * n
    return [{
        "lead_id": str(ids[i]), "model_version": str(versions[i]),
        "scored_at": _stamp(stamps[i]), "logged_at": now,
        "probability": float(probs[i]), "score": int(score[i]), "tier": str(tiers[i]),
        **{name: (None if bant[name][i] is None else str(bant[name][i])) for name in BANT},
        "points_score": None if points[i] is None or pd.isna(points[i]) else float(points[i]),
        "fingerprint": prints[i], "origin": origin,
    } for i in range(n)]


def insert_rows(engine: Engine, rows: Iterable[PredictionRow]) -> int:
    """Append ``rows`` in one transaction; returns how many."""
    batch = list(rows)
    if batch:
        _insert(engine).executemany(batch)
    return len(batch)


def history(engine: Engine, lead_id: str, limit: int = 100) -> list[PredictionRow]:
    """The lead's logged scores, newest scoring moment first (at most ``limit``)."""
    query = (select(predictions).where(predictions.c.lead_id == lead_id)
             .order_by(predictions.c.scored_at.desc(), predictions.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["scored_at"], row["logged_at"] = as_utc(row["scored_at"]), as_utc(row["logged_at"])
    return rows


def previous_scores(engine: Engine, moments: Mapping[str, datetime]) -> dict[str, Previous]:
    """Per lead id of ``moments``, its latest logged score with a scoring moment before that
    lead's moment (leads never scored before are absent)."""
    if not moments:
        return {}
    found: dict[str, Previous] = {}
    t = predictions.c
    if len(moments) <= FEW:  # the CRM's usual call: one lead, an index lookup each
        lookup = _latest_before(engine)
        for lead_id, moment in moments.items():
            row = lookup.fetchone({"lead_id": lead_id, "moment": to_db(moment)})
            if row is not None:
                found[lead_id] = _previous(row)
        return found
    with engine.connect() as conn:
        ids = list(moments)
        for start in range(0, len(ids), 500):  # bound the IN list
            chunk = ids[start:start + 500]
            latest = (select(*_LATEST, func.row_number().over(
                partition_by=t.lead_id, order_by=(t.scored_at.desc(), t.id.desc())
            ).label("rank")).where(t.lead_id.in_(chunk),
                                   t.scored_at < _moment_case(moments, chunk)).subquery())
            for row in conn.execute(select(latest).where(latest.c["rank"] == 1)):
                found[row.lead_id] = _previous(row)
    return found


@lru_cache(maxsize=16)
def _latest_before(engine: Engine) -> DriverStatement:
    return DriverStatement(engine, _LATEST_BEFORE, reads=_LATEST)


@lru_cache(maxsize=16)
def _insert(engine: Engine) -> DriverStatement:
    return DriverStatement(engine, insert(predictions).values(
        {name: bindparam(name, type_=predictions.c[name].type) for name in _ROW_COLUMNS}))


def _previous(row: Sequence[Any]) -> Previous:
    """A row of ``_LATEST`` (lead id, score, probability, scoring moment, model version)."""
    when = as_utc(row[3])
    assert when is not None  # the column is not nullable
    return Previous(int(row[1]), float(row[2]), when, str(row[4]))


def _moment_case(moments: Mapping[str, datetime], ids: list[str]) -> Any:
    """A SQL expression giving each lead id its own moment (``CASE lead_id WHEN ...``)."""
    return case({i: literal(to_db(moments[i]), predictions.c.scored_at.type) for i in ids},
                value=predictions.c.lead_id)


def read_log(engine: Engine, since: datetime | None = None,
             model_version: str | None = None) -> pd.DataFrame:
    """The log (optionally from ``since``, of one model version) as a frame, ``scored_at`` and
    ``logged_at`` as UTC timestamps, in the order it was written."""
    t = predictions.c
    conditions = [c for c in (
        t.scored_at >= to_db(since) if since is not None else None,
        t.model_version == model_version if model_version is not None else None)
        if c is not None]
    query = select(predictions).order_by(t.id)
    if conditions:
        query = query.where(and_(*conditions))
    with engine.connect() as conn:
        frame = pd.DataFrame([dict(r) for r in conn.execute(query).mappings()],
                             columns=[c.name for c in predictions.columns])
    for name in ("scored_at", "logged_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame
