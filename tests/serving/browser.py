"""Debian's Chromium, headless, against a real uvicorn server of the app on a free localhost
port. The browser is a requirement, not an option: without it a browser test FAILS (``make
test`` installs it first)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.serving.live import free_port

WINDOW = (1280, 2400)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")
# Every host but the test server's resolves to nothing: a page that needs the internet breaks.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def chromium() -> str:
    """Path of the Chromium binary; fails the test (never skips) when it is absent."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(found, os.X_OK):
        pytest.fail("chromium is not installed: the browser tests need it. Run `make test` (it "
                    "installs it) or `apt-get install -y --no-install-recommends chromium`.")
    return found


def run_chromium(profile: Path, *args: str,
                 window: tuple[int, int] = WINDOW) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}",
               f"--window-size={window[0]},{window[1]}", "--enable-logging=stderr", "--v=0",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def console_messages(stderr: str) -> list[str]:
    """Lines of the page's console (errors, warnings, uncaught exceptions) in Chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The base URL of ``app`` under uvicorn in a thread, until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the uvicorn server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
