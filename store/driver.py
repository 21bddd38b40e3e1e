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
from sqlalchemy.sql import ClauseElement, ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    """``statement`` compiled for ``engine``'s dialect; ``fetchone`` and ``executemany`` run it
    on a pooled connection of ``engine`` (its pragmas and time-outs included). ``reads``: the
    columns a row of a query holds, in order, read back through their types' result processors
    (SQLite hands a time back as text)."""

    def __init__(self, engine: Engine, statement: ClauseElement,
                 reads: Sequence[ColumnElement[Any]] = ()) -> None:
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
        self.reads = list(reads)
        self.readers: list[Any] | None = None  # from the first result's column type codes

    def arguments(self, params: Mapping[str, Any]) -> Any:
        """The driver's arguments for ``params`` (bind name -> value; others keep the
        statement's own values, e.g. its limit)."""
        values = {**self.fixed, **params}
        for name, processor in self.processors.items():
            values[name] = processor(values[name])
        return values if self.names is None else tuple(values[n] for n in self.names)

    def fetchone(self, params: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row of the statement run with ``params`` (its ``reads`` columns read back as
        SQLAlchemy would), or None."""
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(self.sql, self.arguments(params))
            row = cursor.fetchone()
            if self.readers is None and self.reads:
                dialect = self.engine.dialect
                self.readers = [
                    column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                    for column, described in zip(self.reads, cursor.description, strict=True)]
            cursor.close()
        finally:
            conn.close()  # back to the pool, its transaction ended
        if row is None or self.readers is None:
            return cast(Sequence[Any] | None, row)
        return [value if read is None or value is None else read(value)
                for read, value in zip(self.readers, row, strict=True)]

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
