"""Outcomes fed back: what became of each lead (table ``store.tables.outcomes``).

One row per lead, written by ``POST /v1/outcomes`` and ``leadconv outcomes import``. Writing is
idempotent: the same outcome sent twice leaves one row, unchanged. A field sent overwrites the
stored one; a field left out (None) keeps it, so a later ``disqualified_at`` does not erase an
earlier ``sql_at``. ``read_outcomes`` gives the contract's outcomes table (``lead_id``,
``sql_at``, ``disqualified_at``) for labels, monitoring and training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, select

from store.tables import as_utc, outcomes, to_db

BATCH = 1000  # rows per statement (parameter limits of SQLite and PostgreSQL)


@dataclass(frozen=True)
class Outcome:
    """What became of one lead; at least one of the two moments is set."""

    lead_id: str
    sql_at: datetime | None = None
    disqualified_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.sql_at is None and self.disqualified_at is None:
            raise ValueError(f"lead {self.lead_id!r}: an outcome needs sql_at or "
                             f"disqualified_at")


@dataclass(frozen=True)
class Written:
    """How many outcomes were new, changed a stored one, or were already stored as sent."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: Written) -> Written:
        return Written(self.inserted + other.inserted, self.updated + other.updated,
                       self.unchanged + other.unchanged)


def _same(stored: datetime | None, sent: datetime | None) -> bool:
    return sent is None or as_utc(stored) == to_db(sent)


def write_outcomes(engine: Engine, items: Iterable[Outcome], origin: str) -> Written:
    """Insert or update the outcomes of ``items`` (later items of the same lead win).

    Args:
        items: the outcomes.
        origin: where they came from: ``api`` or the file they were imported from.
    """
    latest: dict[str, Outcome] = {}
    for item in items:
        before = latest.get(item.lead_id)
        latest[item.lead_id] = item if before is None else Outcome(
            item.lead_id, item.sql_at or before.sql_at,
            item.disqualified_at or before.disqualified_at)
    total = Written()
    ids = list(latest)
    now = datetime.now(UTC)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        with engine.begin() as conn:  # read and write in one transaction
            stored = {r.lead_id: r for r in conn.execute(
                select(outcomes).where(outcomes.c.lead_id.in_(chunk)))}
            new, changed, same = [], [], 0
            for lead_id in chunk:
                item, row = latest[lead_id], stored.get(lead_id)
                if row is None:
                    new.append({"lead_id": lead_id, "sql_at": to_db(item.sql_at),
                                "disqualified_at": to_db(item.disqualified_at),
                                "updated_at": now, "origin": origin})
                elif _same(row.sql_at, item.sql_at) and _same(row.disqualified_at,
                                                              item.disqualified_at):
                    same += 1
                else:
                    changed.append({
                        "lead_id": lead_id,
                        "sql_at": to_db(item.sql_at) if item.sql_at else row.sql_at,
                        "disqualified_at": (to_db(item.disqualified_at)
                                            if item.disqualified_at else row.disqualified_at),
                        "updated_at": now, "origin": origin})
            if new:
                conn.execute(outcomes.insert(), new)
            for values in changed:
                conn.execute(outcomes.update().where(outcomes.c.lead_id == values["lead_id"])
                             .values(**values))
        total = total + Written(len(new), len(changed), same)
    return total


def read_outcomes(engine: Engine) -> pd.DataFrame:
    """The stored outcomes as the contract's table: ``lead_id``, ``sql_at``,
    ``disqualified_at`` (UTC timestamps, missing when not set)."""
    query = select(outcomes.c.lead_id, outcomes.c.sql_at, outcomes.c.disqualified_at
                   ).order_by(outcomes.c.lead_id)
    with engine.connect() as conn:
        rows = [(r.lead_id, as_utc(r.sql_at), as_utc(r.disqualified_at))
                for r in conn.execute(query)]
    frame = pd.DataFrame(rows, columns=["lead_id", "sql_at", "disqualified_at"])
    frame["lead_id"] = frame["lead_id"].astype("str")
    for name in ("sql_at", "disqualified_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame
