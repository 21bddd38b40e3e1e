"""The database fixtures themselves (``tests/postgres.py``, ``conftest.py``): a real PostgreSQL
server answers, every test gets its own empty database on SQLite and on PostgreSQL, a failed
start says why, and nothing is left behind."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from tests import postgres
from tests.postgres import PostgresUnavailable, ThrowawayPostgres, fresh_database


def test_server_answers(postgres_server: str) -> None:
    url = make_url(postgres_server)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.host, url.database) == ("leadconv", "127.0.0.1", "leadconv")
    engine = create_engine(postgres_server)
    try:
        with engine.connect() as conn:
            version = int(conn.execute(text("select current_setting('server_version_num')"))
                          .scalar_one())
            database = conn.execute(text("select current_database()")).scalar_one()
            fsync = conn.execute(text("show fsync")).scalar_one()
    finally:
        engine.dispose()
    assert version >= 120000
    assert database == "leadconv"
    assert fsync == "off"


def _log_table(metadata: MetaData) -> Table:
    return Table("log", metadata, Column("id", Integer, primary_key=True), Column("note", String))


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_an_empty_database(database_url: str, request: pytest.FixtureRequest,
                                          round_: int) -> None:
    """Both rounds start from an empty database and leave a table behind: if two tests shared a
    database, the second round would find the first one's table."""
    kind = request.node.callspec.params["database_url"]
    engine = create_engine(database_url)
    try:
        assert engine.dialect.name == kind
        assert inspect(engine).get_table_names() == []
        metadata = MetaData()
        log = _log_table(metadata)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(log.insert().values(note=f"round {round_}"))
        with engine.connect() as conn:
            assert conn.execute(select(log.c.note)).scalars().all() == [f"round {round_}"]
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_database_lives_in_tmp_path(database_url: str, tmp_path: Path) -> None:
    assert make_url(database_url).database == str(tmp_path / "log.db")
    engine = create_engine(database_url)
    try:
        MetaData().create_all(engine)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    finally:
        engine.dispose()
    assert (tmp_path / "log.db").is_file()


def test_fresh_databases_on_one_server_are_distinct(postgres_server: str) -> None:
    first, second = fresh_database(postgres_server), fresh_database(postgres_server)
    assert make_url(first).database != make_url(second).database
    assert make_url(first).port == make_url(second).port == make_url(postgres_server).port
    one = create_engine(first)
    other = create_engine(second)
    server = create_engine(postgres_server)
    try:
        _log_table(MetaData()).metadata.create_all(one)
        assert inspect(one).get_table_names() == ["log"]
        assert inspect(other).get_table_names() == []
        assert inspect(server).get_table_names() == []
    finally:
        for engine in (one, other, server):
            engine.dispose()


def test_missing_postgresql_is_an_error_naming_make_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(postgres, "LIB_INITDB", "/nonexistent/*/bin/initdb")
    with pytest.raises(PostgresUnavailable, match="make test"):
        postgres.find_bin_dir()


def _recording_mkdtemp(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record the temp folders the server makes (to check they are gone afterwards)."""
    made: list[Path] = []
    real = tempfile.mkdtemp

    def mkdtemp(prefix: str | None = None) -> str:
        folder = real(prefix=prefix)
        made.append(Path(folder))
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    return made


def test_stop_leaves_no_server_and_no_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _recording_mkdtemp(monkeypatch)
    with ThrowawayPostgres() as server:
        port = server.port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert (server.data_dir / "postmaster.pid").is_file()
    assert len(made) == 1 and not made[0].exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_failed_start_shows_the_server_log_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _recording_mkdtemp(monkeypatch)
    monkeypatch.setattr(postgres, "SERVER_OPTIONS", "-c no_such_setting=1")
    monkeypatch.setattr(postgres, "START_ATTEMPTS", 1)
    with pytest.raises(PostgresUnavailable, match="pg_ctl start failed") as failure:
        ThrowawayPostgres().start()
    assert "no_such_setting" in str(failure.value)  # the server log's own words
    assert "tail of" in str(failure.value)
    assert len(made) == 1 and not made[0].exists()
