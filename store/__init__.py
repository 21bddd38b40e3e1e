"""The prediction store: what was scored (the prediction log) and what became of the leads (the
outcomes), in a SQL database through SQLAlchemy 2, its schema evolved by Alembic migrations.

Embedded default: SQLite ``leadconv.db`` in the working folder; production: PostgreSQL (or any
database SQLAlchemy speaks) via ``LEADCONV_DATABASE_URL``. ``serving``, ``monitoring``,
``training`` and ``cli`` read and write it; it imports only ``features`` (the contract's reading
of an outcomes file).
"""
