"""A throwaway PostgreSQL server for the tests: a fresh cluster in a temp folder, started by the
test run itself (no mock, no pre-existing server), stopped and deleted at the end.

``throwaway_postgres()`` finds ``initdb`` and ``pg_ctl`` (on ``PATH``, else the highest version
under ``/usr/lib/postgresql/*/bin/``), initialises a cluster with a trusted superuser
``leadconv``, starts it on a free local TCP port with durability switched off (a test database
needs no crash safety), creates the database ``leadconv`` and yields its SQLAlchemy URL
(``postgresql+psycopg://leadconv@127.0.0.1:PORT/leadconv``). ``fresh_database(url)`` creates an
empty database on that server and returns its URL, so that tests never see each other's tables.

PostgreSQL refuses to run as root: as root (this machine, CI) ``initdb`` and ``pg_ctl`` run as
the ``postgres`` system user of Debian's ``postgresql`` package (``runuser -u postgres --``), in
a folder handed over to that user. Missing binaries are an error, never a skip: ``make test``
installs the package (``make postgresql``)."""

from __future__ import annotations

import glob
import logging
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.serving.live import free_port

logger = logging.getLogger(__name__)

USER = "leadconv"
DATABASE = "leadconv"
SYSTEM_USER = "postgres"  # the system user of Debian's package, for running as root
INSTALL_HINT = ("`make test` installs it (Debian's `postgresql` package: apt-get install -y "
                "--no-install-recommends postgresql)")
# Durability off: a throwaway test server needs no crash safety, and fsyncs cost seconds.
SERVER_OPTIONS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c listen_addresses=127.0.0.1")
LIB_INITDB = "/usr/lib/postgresql/*/bin/initdb"  # Debian's versioned installs
START_TIMEOUT_S = 60
START_ATTEMPTS = 3  # a new free port each time: another process may take the port first


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be found or started; the message says why and what to do."""


def find_bin_dir() -> Path:
    """The folder holding both ``initdb`` and ``pg_ctl``: where ``initdb`` on ``PATH`` really
    lives, else the highest version under ``/usr/lib/postgresql/*/bin/``."""
    on_path = shutil.which("initdb")
    if on_path:
        folder = Path(on_path).resolve().parent
        if (folder / "pg_ctl").is_file():
            return folder
    candidates = [Path(p).parent for p in glob.glob(LIB_INITDB)]
    candidates = [c for c in candidates if (c / "pg_ctl").is_file()]
    if not candidates:
        raise PostgresUnavailable(
            f"PostgreSQL's initdb and pg_ctl were found neither on PATH nor under "
            f"/usr/lib/postgresql/*/bin/: the database tests need a real server. {INSTALL_HINT}.")
    return max(candidates, key=_version_key)


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> (15,); a folder name that is no version sorts first."""
    name = bin_dir.parent.name
    if not re.fullmatch(r"\d+(\.\d+)*", name):
        return (-1,)
    return tuple(int(part) for part in name.split("."))


def _as_server_user() -> list[str]:
    """The command prefix that runs PostgreSQL's tools as a user it accepts: nothing when we are
    not root, ``runuser -u postgres --`` when we are."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root, and PostgreSQL refuses to run as root; the system user "
            f"{SYSTEM_USER!r} to run it as does not exist. {INSTALL_HINT}, which creates it."
        ) from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", SYSTEM_USER, "--"]


def _tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class ThrowawayPostgres:
    """One PostgreSQL cluster in its own temp folder: ``start()`` it, read ``url``, ``stop()``
    it (which also deletes the folder). Also a context manager that does both."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.prefix = _as_server_user()
        self.folder: Path | None = None
        self.port: int | None = None
        self.running = False

    @property
    def data_dir(self) -> Path:
        """The cluster's data folder."""
        return self._folder() / "data"

    @property
    def log_file(self) -> Path:
        """The server's log (``pg_ctl -l``)."""
        return self._folder() / "server.log"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database ``leadconv`` on the running server."""
        if not self.running or self.port is None:
            raise RuntimeError("the PostgreSQL server is not running")
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _folder(self) -> Path:
        if self.folder is None:
            raise RuntimeError("the PostgreSQL server has no folder yet: start() it")
        return self.folder

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run one of PostgreSQL's tools (as the server user when we are root)."""
        command = [*self.prefix, str(self.bin_dir / tool), *args]
        logger.debug("running %s", command)
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self._folder(), check=False)

    def start(self) -> None:
        """Initialise the cluster, start the server on a free port, create the database
        ``leadconv``. Raises ``PostgresUnavailable`` (with the server log's tail) on failure;
        the folder is removed again then."""
        started = time.monotonic()
        # Straight under the system temp folder, not pytest's: that one is root's alone (0700),
        # and the server user must reach its own folder.
        self.folder = Path(tempfile.mkdtemp(prefix="leadconv-pg-"))
        try:
            self._initdb()
            self._start_server()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        logger.info("PostgreSQL (%s) ready on port %s in %.1f s", self.bin_dir, self.port,
                    time.monotonic() - started)

    def _initdb(self) -> None:
        folder = self._folder()
        socket_dir = folder / "socket"
        socket_dir.mkdir()
        if self.prefix:
            owner = pwd.getpwnam(SYSTEM_USER)
            for path in (folder, socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        done = self._run("initdb", "-D", str(self.data_dir), "-U", USER, "-A", "trust",
                         "--encoding=UTF8", "--locale=C", "--no-sync")
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed (exit {done.returncode}) in {self.data_dir}:\n"
                f"{done.stdout}{done.stderr}")

    def _start_server(self) -> None:
        socket_dir = self._folder() / "socket"
        failure = ""
        for attempt in range(1, START_ATTEMPTS + 1):
            port = free_port()
            options = f"-p {port} -k {socket_dir} {SERVER_OPTIONS}"
            done = self._run("pg_ctl", "-D", str(self.data_dir), "-o", options,
                             "-l", str(self.log_file), "-w", "-t", str(START_TIMEOUT_S), "start",
                             timeout=START_TIMEOUT_S + 30)
            if done.returncode == 0:
                self.port = port
                self.running = True
                return
            failure = (f"pg_ctl start failed (exit {done.returncode}, port {port}, attempt "
                       f"{attempt}):\n{done.stdout}{done.stderr}\n--- tail of {self.log_file} "
                       f"---\n{_tail(self.log_file)}")
            logger.warning("%s", failure)
            # A server that did come up late must not outlive the attempt.
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop", timeout=60)
        raise PostgresUnavailable(failure)

    def _create_database(self) -> None:
        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname="postgres",
                                 autocommit=True, connect_timeout=10) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except psycopg.Error as error:
            raise PostgresUnavailable(
                f"the server on port {self.port} started but creating the database "
                f"{DATABASE!r} failed: {error}\n--- tail of {self.log_file} ---\n"
                f"{_tail(self.log_file)}") from error

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl stop -m immediate``) and delete its folder; safe to
        call twice and after a failed start."""
        if self.folder is None:
            return
        try:
            if self.running or (self.data_dir / "postmaster.pid").exists():
                done = self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w",
                                 "stop", timeout=60)
                if done.returncode != 0:
                    logger.warning("pg_ctl stop failed (exit %s): %s%s", done.returncode,
                                   done.stdout, done.stderr)
        finally:
            self.running = False
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def pause(self) -> None:
        """Stop the server but keep its data (a database outage); ``resume()`` starts it again
        on the same port."""
        done = self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop",
                         timeout=60)
        if done.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl stop failed: {done.stdout}{done.stderr}")
        self.running = False

    def resume(self) -> None:
        """Start the paused server again on its port."""
        options = f"-p {self.port} -k {self._folder() / 'socket'} {SERVER_OPTIONS}"
        done = self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l",
                         str(self.log_file), "-w", "-t", str(START_TIMEOUT_S), "start",
                         timeout=START_TIMEOUT_S + 30)
        if done.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stdout}{done.stderr}\n"
                                      f"{_tail(self.log_file)}")
        self.running = True

    def __enter__(self) -> ThrowawayPostgres:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL server, yield the SQLAlchemy URL of its database
    ``leadconv``; stop it and delete its folder at the end, also on errors."""
    with ThrowawayPostgres() as server:
        yield server.url


def fresh_database(server_url: str, prefix: str = "t") -> str:
    """Create an empty database (``<prefix>_<uuid>``) on the server of ``server_url`` and return
    its SQLAlchemy URL. Cheap (a copy of ``template1``); the databases go with the cluster."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex}"
    with psycopg.connect(host=url.host, port=url.port, user=url.username,
                         password=url.password, dbname=url.database, autocommit=True,
                         connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)
