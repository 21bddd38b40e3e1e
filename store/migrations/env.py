"""Alembic environment: the connection given by ``store.migrate``, or (from the ``alembic``
command) the database of ``LEADCONV_DATABASE_URL`` (default ``./leadconv.db``)."""

from __future__ import annotations

import os

from alembic import context

from store.database import engine_for
from store.tables import metadata
from store.url import resolve_url


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = resolve_url(os.environ.get("LEADCONV_DATABASE_URL"))
    if url is None:
        raise SystemExit("LEADCONV_DATABASE_URL is off: no database to migrate")
    with engine_for(url).begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
