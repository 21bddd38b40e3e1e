"""The service's prediction log (``store.writer.PredictionLog``): start it, record each answer,
and read each lead's score trend.

Recording costs a request microseconds: the scores and the feature table are handed to the
writer thread, which builds the log rows (with the input fingerprints of ``scoring.fingerprint``)
and writes them in batches. The trend compares the score just given with the lead's latest
logged score before its scoring moment: ``improving`` or ``declining`` when it moved by at least
``LEADCONV_TREND_POINTS``, else ``steady``; ``new`` when the lead was never scored before;
``unknown`` when there is no log or it cannot be read now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

from scoring.load import Loaded
from serving.config import Settings
from store.predictions import PredictionRow, Previous, rows_of
from store.writer import PredictionLog

logger = logging.getLogger(__name__)

TRENDS = ("new", "improving", "steady", "declining", "unknown")


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


def record(log: PredictionLog | None, loaded: Loaded, scores: Mapping[str, Any],
           inputs: Inputs, moments: Mapping[str, datetime]) -> None:
    """Hand the scores of one request to the log (never raises, never waits).

    ``inputs``: the model inputs by name, one value per lead (the scorer's feature table), or a
    function giving them, called in the writer thread (work a request need not wait for).
    """
    if log is None:
        return
    profile = loaded.profile
    logged_at = datetime.now(UTC)

    def make() -> list[PredictionRow]:
        from scoring.fingerprint import fingerprints

        prints = None
        if profile is not None:
            prints = fingerprints(profile, inputs() if callable(inputs) else inputs)
        return rows_of(scores, "api", prints, logged_at)

    recent = {lead_id: Previous(int(s), float(p), moments[lead_id], loaded.version)
              for lead_id, s, p in zip(moments, scores["score"], scores["probability"],
                                       strict=True)}
    try:
        log.record(make, len(recent), recent)
    except Exception:  # the log must never fail an answer
        logger.exception("prediction log: could not queue %d scores", len(recent))


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
