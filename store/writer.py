"""The service's prediction log: scores are recorded in the background, in batches.

``PredictionLog.record`` only appends to an in-memory backlog (microseconds); a writer thread
turns the backlog into log rows (fingerprints included), many requests' scores in one call of
their row maker, and inserts them every
``flush_seconds`` (0.5) or ``batch_size`` rows, whichever comes first. A database that is down never
fails a predict call: the batch stays at the front of the backlog and is retried with a growing
pause (up to ``MAX_RETRY_S``); the backlog holds at most ``max_backlog`` leads, and scores beyond
it are dropped and counted. Every failure is counted and logged (at most one warning per
``WARN_EVERY_S``); ``stats()`` gives the figures the service exports as Prometheus metrics.

Reads for the score trend (``previous``) look at the backlog first, then the database; after a
failed read the database is not asked again for ``READ_PAUSE_S`` (the answer is "unknown"), so
an outage costs requests nothing.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from store.database import StoreError, open_database, safe_url
from store.predictions import PredictionRow, Previous, history, insert_rows, previous_scores

logger = logging.getLogger(__name__)

MAX_RETRY_S = 30.0
WARN_EVERY_S = 30.0
READ_PAUSE_S = 5.0
GROUP_ITEMS = 16  # answers whose rows are made in one call

# Turns recorded payloads into their log rows, one list per payload. It runs in the writer
# thread, on all the queued payloads it was recorded with at once: fingerprints cost far less
# per lead in bulk than one request at a time.
RowMaker = Callable[[Sequence[Any]], list[list[PredictionRow]]]


@dataclass(frozen=True)
class LogStats:
    """What the log has done since the service started."""

    written: int  # leads inserted
    dropped: int  # leads not logged: the backlog was full
    write_errors: int  # failed inserts (each retried)
    read_errors: int  # failed trend/history reads
    backlog: int  # leads waiting to be written
    connected: bool  # the last database operation succeeded
    last_error: str | None
    last_error_at: datetime | None


@dataclass
class _Item:
    make: RowMaker
    payload: Any
    n: int
    recent: dict[str, Previous]


def _by_maker(items: Sequence[_Item]) -> list[list[_Item]]:
    """``items`` in runs of consecutive items with the same row maker (kept in order), at most
    ``GROUP_ITEMS`` each: the writer lets request threads run between runs."""
    groups: list[list[_Item]] = []
    for item in items:
        if groups and groups[-1][0].make is item.make and len(groups[-1]) < GROUP_ITEMS:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _make_rows(group: Sequence[_Item]) -> tuple[list[PredictionRow], int]:
    """The rows of items sharing one maker, and how many leads could not be made into rows.

    A maker that fails on the group is retried item by item, so one bad item costs only its
    own scores (a bug, not an outage: retrying it later would block the log for good).
    """
    make = group[0].make
    try:
        made = make([item.payload for item in group])
        if len(made) != len(group):
            raise ValueError(f"{len(made)} row lists for {len(group)} payloads")
        return [row for rows in made for row in rows], 0
    except Exception:
        if len(group) == 1:
            logger.exception("prediction log: %d scores cannot be turned into rows; dropped",
                             group[0].n)
            return [], group[0].n
    rows: list[PredictionRow] = []
    lost = 0
    for item in group:
        made_one, lost_one = _make_rows([item])
        rows.extend(made_one)
        lost += lost_one
    return rows, lost


class PredictionLog:
    """Background, batched, bounded writes to the prediction log; trend and history reads."""

    def __init__(self, url: str, *, max_backlog: int = 100_000, batch_size: int = 500,
                 flush_seconds: float = 0.5, opener: Callable[[str], Engine] = open_database
                 ) -> None:
        self.url = url
        self.max_backlog = max_backlog
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self._opener = opener
        self._engine: Engine | None = None
        self._items: collections.deque[_Item] = collections.deque()
        self._recent: dict[str, Previous] = {}  # newest pending score per lead
        self._backlog = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._written = self._dropped = self._write_errors = self._read_errors = 0
        self._connected = False
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._last_warning = 0.0
        self._reads_paused_until = 0.0

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Open the database (migrating it) and start the writer; a database that cannot be
        opened now is retried by the writer, and the service starts anyway."""
        try:
            self._connect()
        except StoreError as exc:
            self._failed(str(exc), write=True)
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is waiting (for at most ``timeout`` seconds), then stop the writer."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._backlog:
            logger.warning("prediction log: %d scores were not written at shutdown",
                           self._backlog)
        if self._engine is not None:
            self._engine.dispose()

    def _connect(self) -> Engine:
        if self._engine is None:
            self._engine = self._opener(self.url)
            self._connected = True
            logger.info("prediction log: %s", safe_url(self.url))
        return self._engine

    # -- writing ---------------------------------------------------------------------------
    def record(self, make: RowMaker, payload: Any, n: int,
               recent: Mapping[str, Previous]) -> bool:
        """Queue ``n`` leads' scores: ``payload``, which ``make`` turns into their rows later, in
        the writer (with the other payloads queued with the same ``make``). ``recent``: their
        scores, for trend reads until they are written. False when the backlog is full and
        they are dropped (counted)."""
        with self._lock:
            if self._backlog + n > self.max_backlog:
                self._dropped += n
                dropped = True
            else:
                self._items.append(_Item(make, payload, n, dict(recent)))
                self._recent.update(recent)
                self._backlog += n
                dropped = False
        if dropped:
            self._warn(f"backlog full ({self.max_backlog:,} leads): {n} scores dropped")
            return False
        if self._backlog >= self.batch_size:
            self._wake.set()
        return True

    def _run(self) -> None:
        pause = 0.0
        while True:
            self._wake.wait(timeout=pause or self.flush_seconds)
            self._wake.clear()
            stopping = self._stop.is_set()
            try:
                while self._flush_once():
                    pass
                pause = 0.0
            except Exception as exc:  # the database is down, full, ...: keep, retry later
                self._failed(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                             write=True)
                pause = min(max(pause * 2, 1.0), MAX_RETRY_S)
                if stopping:
                    return
            if stopping:
                return

    def _flush_once(self) -> bool:
        """Write the oldest items (up to ``batch_size`` leads); True if something was written."""
        with self._lock:
            items: list[_Item] = []
            count = 0
            for item in self._items:
                if items and count + item.n > self.batch_size:
                    break
                items.append(item)
                count += item.n
        if not items:
            return False
        rows: list[PredictionRow] = []
        broken = 0
        for group in _by_maker(items):
            made, lost = _make_rows(group)
            rows.extend(made)
            broken += lost
            time.sleep(0)  # let a request thread run between groups: no long hold of the GIL
        insert_rows(self._connect(), rows)
        with self._lock:
            for _ in items:
                self._items.popleft()
            self._backlog -= count
            self._written += count - broken
            self._dropped += broken
            self._connected = True
            for item in items:
                for lead_id, prev in item.recent.items():
                    if self._recent.get(lead_id) is prev:
                        del self._recent[lead_id]
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until the backlog is written (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._backlog and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.01)
        return self._backlog == 0

    # -- reading ---------------------------------------------------------------------------
    def previous(self, moments: Mapping[str, datetime]) -> dict[str, Previous] | None:
        """Each lead's latest score before its moment: pending ones first, then the database.
        None when the database cannot be read now (the trend is then unknown)."""
        with self._lock:
            pending = {i: p for i in moments if (p := self._recent.get(i)) is not None
                       and p.scored_at < moments[i]}
        rest = {i: m for i, m in moments.items() if i not in pending}
        if not rest:
            return pending
        found = self._read(lambda engine: previous_scores(engine, rest))
        return None if found is None else {**found, **pending}

    def history(self, lead_id: str, limit: int = 100) -> list[PredictionRow] | None:
        """The lead's logged scores, newest first; None when the database cannot be read."""
        if self._connected:
            self.flush(timeout=1.0)  # a score just given belongs to its history
        return self._read(lambda engine: history(engine, lead_id, limit))

    def _read(self, query: Callable[[Engine], Any]) -> Any:
        engine = self._engine  # opening it is the writer's job, never a request's
        if engine is None or time.monotonic() < self._reads_paused_until:
            return None
        try:
            return query(engine)
        except Exception as exc:
            self._reads_paused_until = time.monotonic() + READ_PAUSE_S
            self._failed(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                         write=False)
            return None

    # -- reporting -------------------------------------------------------------------------
    def _failed(self, message: str, write: bool) -> None:
        with self._lock:
            if write:
                self._write_errors += 1
            else:
                self._read_errors += 1
            self._connected = False
            self._last_error, self._last_error_at = message, datetime.now(UTC)
        self._warn(f"{safe_url(self.url)}: {message}")

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            logger.warning("prediction log: %s (backlog %d leads, %d dropped so far)",
                           message, self._backlog, self._dropped)

    def stats(self) -> LogStats:
        with self._lock:
            return LogStats(self._written, self._dropped, self._write_errors, self._read_errors,
                            self._backlog, self._connected, self._last_error,
                            self._last_error_at)

    @property
    def engine(self) -> Engine | None:
        """The database, once opened (None while it cannot be)."""
        return self._engine
