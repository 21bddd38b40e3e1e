"""Alembic migrations of the prediction store, applied from code (no ``alembic.ini`` needed).

``upgrade(engine)`` brings the schema to the newest revision of ``store/migrations/versions``;
it is called by ``store.database.open_database``, so the service and the CLI evolve the schema
themselves. Developers adding a revision after changing ``store.tables``::

    alembic -c store/alembic.ini revision --autogenerate -m "what changed"

(``LEADCONV_DATABASE_URL`` names the database to compare with; default ``./leadconv.db``.)
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """The migrations' configuration, pointing at ``store/migrations``."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply the migrations the database lacks; nothing when it is current.

    Two processes opening a new database at once may race: the loser's error is ignored when
    the database is current afterwards.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except Exception:
        if current_revision(engine) != head:
            raise
    logger.info("prediction store migrated to revision %s", head)
