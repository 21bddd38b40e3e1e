"""Which database, and a connection to it with the schema brought up to date.

``store.url.resolve_url`` picks the database: the URL given (``LEADCONV_DATABASE_URL`` or
``--database-url``), else the embedded SQLite file ``leadconv.db`` in the working folder.
``open_database`` connects and applies any missing Alembic migration (``store.migrate``), so a
first run needs nothing prepared and an upgraded installation evolves its schema itself.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from store.url import VARIABLE

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3  # a database that does not answer must not hold a request for long
SQLITE_BUSY_MS = 5000  # a writer waits this long for another process's write to finish


class StoreError(RuntimeError):
    """The database cannot be reached, or its schema cannot be brought up to date."""


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say so without echoing it
        return "<unreadable database URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the service's writes
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_for(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` (no connection made yet).

    Raises StoreError for a URL SQLAlchemy cannot read or a driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"{VARIABLE}: not a database URL ({exc})") from None
    args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        args["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    elif parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # A server connection may have died since its last use: ping it on checkout (not SQLite's).
    args["pool_pre_ping"] = parsed.get_backend_name() != "sqlite"
    try:
        engine = create_engine(parsed, **args)
    except ModuleNotFoundError as exc:
        hint = (" (pip install 'leadconv[postgres]')"
                if parsed.get_backend_name() == "postgresql" else "")
        raise StoreError(f"{safe_url(url)}: the database driver is not installed: "
                         f"{exc.name}{hint}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_database(url: str) -> Engine:
    """An engine for ``url`` whose schema is at the newest migration (applied when missing).

    Raises StoreError naming the database (never its password) when it cannot be reached or
    migrated.
    """
    from store.migrate import upgrade

    engine = engine_for(url)
    try:
        upgrade(engine)
    except StoreError:
        raise
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"{safe_url(url)}: cannot open the prediction store: "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}") from None
    return engine
