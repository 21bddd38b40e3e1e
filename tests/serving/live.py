"""A real uvicorn server in a subprocess, for tests that need sockets, timeouts and its memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIVE_BODY_LIMIT = 1_000_000  # the settings of the shared ``live_server`` (conftest)
LIVE_BODY_TIMEOUT_S = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_server(cwd: Path, env: dict[str, str], ready_timeout: float = 60.0
                   ) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``serving.app:create_app`` under uvicorn (1 process) with ``LEADCONV_*`` from ``env``;
    yields (process, port) once ``/healthz`` answers."""
    port = free_port()
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("LEADCONV_") and k != "MLFLOW_TRACKING_URI"}
    full.update({"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
                 "LEADCONV_MODEL_SOURCE": "local", "LEADCONV_RELOAD_SECONDS": "0", **env})
    log = open(cwd / f"uvicorn-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=cwd, env=full, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start:\n" + (cwd / log.name).read_text())
            try:
                if raw_request(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rss_kib(pid: int) -> int:
    """The resident memory of process ``pid`` (KiB, from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """(status, headers in lower case, body) of one HTTP/1.1 response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def raw_request(port: int, data: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_response(sock)


def detail(body: bytes) -> str:
    return str(json.loads(body)["detail"])
