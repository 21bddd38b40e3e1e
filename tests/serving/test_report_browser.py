"""The served report in a real headless browser (``tests.serving.browser``): every chart
renders, no console message. (Layout at desktop and phone widths: tests/report.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from matplotlib import image

from serving.app import create_app
from tests.serving.browser import WINDOW, console_messages, run_chromium, serving

REPORT_KEY = "browser-report-key-0123456789"


@pytest.fixture
def served_report(settings) -> Iterator[str]:
    """URL of /report with a report key, on a real uvicorn server in a thread."""
    with serving(create_app(settings.model_copy(update={"report_keys": (REPORT_KEY,)}))) as base:
        yield f"{base}/report?key={REPORT_KEY}"


def test_served_report_renders_every_chart_in_a_real_browser(served_report, tmp_path):
    dom = run_chromium(tmp_path / "profile-dom", "--dump-dom", served_report)
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body, dom.stdout[:500]
    marks = dict(re.findall(r'data-(charts(?:-broken)?)="(\d+)"', body.group(1)))
    n_charts = len(re.findall(r'<img\b|class="chart\b', dom.stdout))  # SVG and HTML charts
    assert n_charts >= 8
    assert marks == {"charts": str(n_charts), "charts-broken": "0"}
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
