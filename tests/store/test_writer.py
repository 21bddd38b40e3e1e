"""The service's background log writer: batches, a bounded backlog, and a database outage that
costs no score (a real PostgreSQL server stopped and started again)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from serving.readiness import log_reasons
from store.predictions import Previous, read_log
from store.writer import PredictionLog
from tests.postgres import ThrowawayPostgres
from tests.serving.live import free_port
from tests.store.test_store import T0, row


def rows_of_payloads(payloads: list) -> list[list]:
    return [[row(*payload)] for payload in payloads]


def queue(log: PredictionLog, lead_id: str, score: int, at: datetime) -> bool:
    return log.record(rows_of_payloads, (lead_id, at, score), 1,
                      {lead_id: Previous(score, score / 100, at, "1")})


def test_scores_reach_the_database_in_the_background(database_url):
    log = PredictionLog(database_url, flush_seconds=0.05)
    log.start()
    try:
        for i in range(5):
            assert queue(log, f"L{i}", 10 + i, T0)
        assert log.flush(timeout=30)
        assert sorted(read_log(log.engine)["lead_id"]) == [f"L{i}" for i in range(5)]
        stats = log.stats()
        assert (stats.written, stats.backlog, stats.dropped, stats.connected) == (5, 0, 0, True)
        # The trend read sees the score just logged
        found = log.previous({"L3": T0 + timedelta(days=1)})
        assert found is not None and found["L3"].score == 13
    finally:
        log.stop()


def test_without_a_database_scores_wait_in_a_bounded_backlog_and_the_rest_are_counted():
    url = f"postgresql+psycopg://leadconv@127.0.0.1:{free_port()}/leadconv"  # nobody listens
    log = PredictionLog(url, max_backlog=3, flush_seconds=0.05)
    log.start()
    try:
        accepted = [queue(log, f"L{i}", 50, T0) for i in range(5)]
        assert accepted == [True, True, True, False, False]
        stats = log.stats()
        assert (stats.backlog, stats.dropped, stats.connected) == (3, 2, False)
        assert stats.write_errors >= 1 and "127.0.0.1" in (stats.last_error or "")
        reasons = log_reasons(log)
        assert "3 scores wait to be written (at most 3)" in reasons[0]
        assert reasons[1] == "2 scores were not logged: the backlog was full"
        # Trend reads do not wait for the database: unknown (None), at once
        started = time.monotonic()
        assert log.previous({"L9": T0}) is None
        assert time.monotonic() - started < 1.0
        # A lead scored moments ago is still known from the backlog
        assert log.previous({"L0": T0 + timedelta(hours=1)}) == {
            "L0": Previous(50, 0.5, T0, "1")}
    finally:
        log.stop(timeout=0.5)


def test_an_outage_of_the_real_server_loses_no_score():
    with ThrowawayPostgres() as server:
        log = PredictionLog(server.url, flush_seconds=0.05)
        log.start()
        try:
            assert queue(log, "before", 10, T0) and log.flush(timeout=30)
            server.pause()
            for i in range(4):
                assert queue(log, f"during{i}", 20, T0 + timedelta(minutes=i))
            deadline = time.monotonic() + 30
            while log.stats().write_errors == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            stats = log.stats()
            assert stats.write_errors >= 1 and stats.backlog == 4 and not stats.connected
            server.resume()
            assert log.flush(timeout=60), log.stats()
            logged = read_log(log.engine)
            assert sorted(logged["lead_id"]) == ["before", *[f"during{i}" for i in range(4)]]
            assert log.stats().connected and log.stats().dropped == 0
        finally:
            log.stop()


def test_scores_that_cannot_become_rows_are_dropped_and_counted_not_retried(tmp_path):
    calls: list[int] = []

    def maybe_broken(payloads: list) -> list[list]:
        calls.append(len(payloads))
        if any(p is None for p in payloads):
            raise ValueError("a bug in building rows")
        return rows_of_payloads(payloads)

    log = PredictionLog(f"sqlite:///{tmp_path / 'log.db'}", flush_seconds=0.05)
    # Queued before the writer starts, so its first batch holds all three: one bad answer
    # among good ones that share its row maker costs only its own scores
    assert log.record(maybe_broken, ("before", T0, 10), 1, {})
    assert log.record(maybe_broken, None, 2, {})
    assert log.record(maybe_broken, ("after", T0, 30), 1, {})
    log.start()
    try:
        assert log.flush(timeout=30)
        assert calls == [3, 1, 1, 1]  # together first, then one by one to find the bad one
        assert sorted(read_log(log.engine)["lead_id"]) == ["after", "before"]
        stats = log.stats()
        assert (stats.written, stats.dropped, stats.backlog) == (2, 2, 0)
    finally:
        log.stop()
