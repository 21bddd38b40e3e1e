"""The service's prediction log (``store.writer.PredictionLog``): start it, record each answer,
and read each lead's score trend.

Recording a request of a few leads costs it ~0.2 ms a lead: their log rows (with the input
fingerprints of ``scoring.fingerprint``) are made in the request and handed to the writer
thread, which only inserts them. The writer shares the worker's GIL with the requests, and its
work shows in their tail latency, so it gets as little as possible. A larger request hands over
its scores and feature table instead; the writer makes the rows of all such answers queued since
its last batch in one call (binned in bulk: far less per lead) and writes them.

The trend compares the score just given with the lead's latest logged score before its scoring
moment: ``improving`` or ``declining`` when it moved by at least
``LEADCONV_TREND_POINTS``, else ``steady``; ``new`` when the lead was never scored before;
``unknown`` when there is no log or it cannot be read now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from scoring.load import Loaded
from scoring.profile import ReferenceProfile
from serving.config import Settings
from store.predictions import PredictionRow, Previous, rows_of
from store.writer import PredictionLog

logger = logging.getLogger(__name__)

MADE_IN_REQUEST = 10  # up to this many leads, a request makes its own log rows


def start_log(settings: Settings) -> PredictionLog | None:
    """The running prediction log of ``settings.database_url`` (None when it is off)."""
    if settings.database_url is None:
        logger.info("prediction log off (LEADCONV_DATABASE_URL=off): no score trend")
        return None
    log = PredictionLog(settings.database_url, max_backlog=settings.log_max_backlog)
    log.start()
    return log


def moments_of(scores: Mapping[str, Any]) -> dict[str, datetime]:
    """Each lead's scoring moment as an aware UTC datetime, by lead id."""
    stamps = np.asarray(scores["scored_at"]).astype("datetime64[us]").tolist()
    return {str(i): t.replace(tzinfo=UTC) for i, t in zip(scores["lead_id"], stamps,
                                                           strict=True)}


Inputs = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class _Answer:
    """One answer waiting in the log's backlog."""

    profile: ReferenceProfile | None
    scores: Mapping[str, Any]
    inputs: Inputs
    logged_at: datetime


def record(log: PredictionLog | None, loaded: Loaded, scores: Mapping[str, Any],
           inputs: Inputs, moments: Mapping[str, datetime]) -> None:
    """Hand the scores of one request to the log (never raises, never waits).

    ``inputs``: the model inputs by name, one value per lead (the scorer's feature table), or a
    function giving them. Up to ``MADE_IN_REQUEST`` leads, their rows are made here; a larger
    request's in the writer thread, with other such requests' (see the module's docstring).
    """
    if log is None:
        return
    recent = {lead_id: Previous(int(s), float(p), moments[lead_id], loaded.version)
              for lead_id, s, p in zip(moments, scores["score"], scores["probability"],
                                       strict=True)}
    try:
        answer = _Answer(loaded.profile, scores, inputs, datetime.now(UTC))
        if len(recent) <= MADE_IN_REQUEST:
            log.record(_made, _rows([answer])[0], len(recent), recent)
        else:
            log.record(_rows, answer, len(recent), recent)
    except Exception:  # the log must never fail an answer
        logger.exception("prediction log: could not queue %d scores", len(recent))


def _rows(answers: Sequence[_Answer]) -> list[list[PredictionRow]]:
    """The log rows of each of ``answers``; the fingerprints of the answers of one model are
    found in one call."""
    prints: list[list[str] | None] = [None] * len(answers)
    by_profile: dict[int, list[int]] = {}
    for k, answer in enumerate(answers):
        if answer.profile is not None:
            by_profile.setdefault(id(answer.profile), []).append(k)
    for ks in by_profile.values():
        profile = answers[ks[0]].profile
        assert profile is not None
        tables = [_inputs(answers[k].inputs) for k in ks]
        found = _fingerprints(profile, tables)
        start = 0
        for k, table_n in zip(ks, (_length(t) for t in tables), strict=True):
            prints[k] = found[start:start + table_n]
            start += table_n
    return [rows_of(a.scores, "api", p, a.logged_at) for a, p in zip(answers, prints,
                                                                      strict=True)]


def _made(rows: Sequence[list[PredictionRow]]) -> list[list[PredictionRow]]:
    """The rows of answers whose rows were made in the request."""
    return list(rows)


def _inputs(inputs: Inputs) -> Mapping[str, Any]:
    return inputs() if callable(inputs) else inputs


def _length(table: Mapping[str, Any]) -> int:
    return len(next(iter(table.values()))) if table else 0


def _fingerprints(profile: ReferenceProfile, tables: Sequence[Mapping[str, Any]]) -> list[str]:
    """``scoring.fingerprint.fingerprints`` of several answers' inputs, joined into one table."""
    from scoring.fingerprint import fingerprints

    if len(tables) == 1:
        return fingerprints(profile, tables[0])
    joined: dict[str, Any] = {}
    for column in profile.features:
        parts = [np.asarray(t[column.name]) if column.name in t
                 else np.full(_length(t), None, dtype=object) for t in tables]
        joined[column.name] = np.concatenate(parts)
    return fingerprints(profile, joined)


def trend_of(score: int, previous: Previous | None, points: int) -> str:
    """``improving``/``declining`` when ``score`` moved ``points`` or more from ``previous``,
    else ``steady``; ``new`` without a previous score."""
    if previous is None:
        return "new"
    change = score - previous.score
    return "improving" if change >= points else "declining" if change <= -points else "steady"


def trends(log: PredictionLog | None, scores: Mapping[str, Any],
           moments: Mapping[str, datetime], points: int) -> list[dict[str, Any]]:
    """Per lead (in order): ``previous_score``, ``previous_scored_at`` and ``trend``."""
    found = log.previous(moments) if log is not None else None
    out: list[dict[str, Any]] = []
    for lead_id, score in zip(moments, scores["score"], strict=True):
        if found is None:
            out.append({"previous_score": None, "previous_scored_at": None,
                        "trend": "unknown"})
            continue
        prev = found.get(lead_id)
        out.append({"previous_score": None if prev is None else prev.score,
                    "previous_scored_at": None if prev is None else prev.scored_at,
                    "trend": trend_of(int(score), prev, points)})
    return out
