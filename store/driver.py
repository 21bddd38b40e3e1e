"""SQLAlchemy Core statements compiled once for one database and run on its driver's cursor.

The service runs two statements on every predict call: the lead's latest score (a request waits
for it) and the insert of its log rows (the writer thread, sharing the worker's GIL with the
requests). SQLAlchemy's execution of even a cached statement costs ~0.15 ms of Python per call
and ~0.1 ms per inserted row; the driver's own cursor a small part of it. Parameters go through
each column type's own bind processor for the dialect (SQLite's text form of a time, say), so
the driver gets what SQLAlchemy would have sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    """``statement`` compiled for ``engine``'s dialect; ``fetchone`` and ``executemany`` run it
    on a pooled connection of ``engine`` (its pragmas and time-outs included)."""

    def __init__(self, engine: Engine, statement: ClauseElement) -> None:
        dialect = engine.dialect
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.engine = engine
        self.sql = compiled.string
        self.names = compiled.positiontup  # None for named parameters (psycopg)
        self.fixed = {name: bind.effective_value for name, bind in compiled.binds.items()}
        self.processors = {
            name: processor for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
            is not None}

    def arguments(self, params: Mapping[str, Any]) -> Any:
        """The driver's arguments for ``params`` (bind name -> value; others keep the
        statement's own values, e.g. its limit)."""
        values = {**self.fixed, **params}
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        return values if self.names is None else tuple(values[n] for n in self.names)

    def fetchone(self, params: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row of the statement run with ``params``, as the driver returns it."""
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(self.sql, self.arguments(params))
            row = cursor.fetchone()
            cursor.close()
        finally:
            conn.close()  # back to the pool, its transaction ended
        return cast(Sequence[Any] | None, row)

    def executemany(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row of ``rows``, in one transaction."""
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.executemany(self.sql, [self.arguments(row) for row in rows])
            cursor.close()
            conn.commit()
        finally:
            conn.close()
