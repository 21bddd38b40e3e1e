"""The tables of the prediction store (SQLAlchemy Core). The migrations in ``migrations/``
create them; a change here needs a new migration (``alembic revision``, see ``store.migrate``).

Every time is stored as UTC; SQLite keeps it without a zone, so readers use ``as_utc``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

LEAD_ID_LENGTH = 200  # as the API's lead_id

# One row per score given: by the service (origin "api") or `leadconv score` ("batch").
predictions = Table(
    "predictions", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("lead_id", String(LEAD_ID_LENGTH), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),  # the scoring moment
    Column("logged_at", DateTime(timezone=True), nullable=False),  # when the score was given
    Column("probability", Float, nullable=False),
    Column("score", Integer, nullable=False),
    Column("tier", String(16), nullable=False),
    Column("bant_budget", String(8)),
    Column("bant_authority", String(8)),
    Column("bant_need", String(8)),
    Column("bant_timeline", String(8)),
    Column("points_score", Float),
    # The model inputs binned by the model's reference profile, one digit per input
    # (scoring.profile.fingerprints): enough for drift, never contact data.
    Column("fingerprint", Text),
    Column("origin", String(16), nullable=False),
    Index("ix_predictions_lead_scored", "lead_id", "scored_at"),
    Index("ix_predictions_version_scored", "model_version", "scored_at"),
)

# One row per lead: what became of it (the data contract's outcomes table).
outcomes = Table(
    "outcomes", metadata,
    Column("lead_id", String(LEAD_ID_LENGTH), primary_key=True),
    Column("sql_at", DateTime(timezone=True)),
    Column("disqualified_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("origin", String(200), nullable=False),  # "api" or the file it was imported from
)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands them back without a zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_db(value: datetime | None) -> datetime | None:
    """An aware time as stored: UTC (naive values are taken as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
