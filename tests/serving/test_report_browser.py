"""The served report in a real headless browser: every chart renders, no console message.

Runs Debian's Chromium against a real uvicorn server on a free localhost port. The browser is a
requirement, not an option: without it this test FAILS (``make test`` installs it first).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from matplotlib import image

from serving.app import create_app
from tests.serving.live import free_port

REPORT_KEY = "browser-report-key-0123456789"
WINDOW = (1280, 2400)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")


def chromium() -> str:
    """Path of the Chromium binary; fails the test (never skips) when it is absent."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(found, os.X_OK):
        pytest.fail("chromium is not installed: the report's browser test needs it. Run "
                    "`make test` (it installs it) or `apt-get install -y --no-install-recommends "
                    "chromium`.")
    return found


@pytest.fixture
def served_report(settings) -> Iterator[str]:
    """URL of /report with a report key, on a real uvicorn server in a thread."""
    app = create_app(settings.model_copy(update={"report_keys": (REPORT_KEY,)}))
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
    yield f"http://127.0.0.1:{port}/report?key={REPORT_KEY}"
    server.should_exit = True
    thread.join(timeout=10)


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}",
               f"--window-size={WINDOW[0]},{WINDOW[1]}", "--enable-logging=stderr", "--v=0",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def console_messages(stderr: str) -> list[str]:
    """Lines of the page's console (errors, warnings, uncaught exceptions) in Chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_served_report_renders_every_chart_in_a_real_browser(served_report, tmp_path):
    dom = run_chromium(tmp_path / "profile-dom", "--dump-dom", served_report)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body, dom.stdout[:500]
    marks = dict(re.findall(r'data-(charts(?:-broken)?)="(\d+)"', body.group(1)))
    n_images = len(re.findall(r"<img\b", dom.stdout))
    assert n_images >= 8
    assert marks == {"charts": str(n_images), "charts-broken": "0"}
    assert console_messages(dom.stderr) == []

    shot = tmp_path / "report.png"
    taken = run_chromium(tmp_path / "profile-shot", f"--screenshot={shot}", served_report)
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    pixels = image.imread(shot)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    ink = (pixels[..., :3] < 0.9).any(axis=2).mean()
    assert 0.03 < ink < 0.9, f"screenshot looks blank or broken ({ink:.1%} non-white pixels)"
    assert np.unique(pixels.reshape(-1, pixels.shape[-1])[::97], axis=0).shape[0] > 20
    assert console_messages(taken.stderr) == []
