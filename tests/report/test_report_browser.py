"""The report of a trained champion in a real headless Chromium (``tests.serving.browser``), on a
desktop (1400 px) and a phone (390 px): screenshots of the first screen saved under pytest's
temporary folder (their paths are printed; ``pytest -s`` shows them), and layout facts measured
in the page by ``tests/report/layout.js``: nothing wider than the screen except inside the
tables' sideways-scrolling wrappers, chart text at least 10 CSS px tall, the "what this means"
box on the first screen.

Chromium will not make a window narrower than 500 px, so the phone is a 390 x 844 px frame
inside a wider window: the page inside it lays out (media queries included) exactly as on a
390 px screen, and its screenshot is the frame's part of the window's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from scoring.bundle import REPORT_FILE
from tests.serving.browser import console_messages, run_chromium

LAYOUT_JS = Path(__file__).with_name("layout.js")
SCREENS = {"desktop": (1400, 900), "phone": (390, 844)}  # CSS px: width, first screen height
WINDOW_MIN = 500  # Chromium's narrowest window
MIN_TEXT_PX = 10.0
FRAME = ('<!DOCTYPE html><html><body style="margin:0;background:#fff">'
         '<iframe id="screen" src="{page}" style="border:0;display:block;width:{w}px;'
         'height:{h}px"></iframe><pre id="facts"></pre><script>'
         'window.addEventListener("load", function () {{'
         ' var d = document.getElementById("screen").contentDocument;'
         ' var p = d && d.getElementById("layout-facts");'
         ' document.getElementById("facts").textContent = p ? p.textContent : "none"; }});'
         "</script></body></html>")


@pytest.fixture(scope="module")
def report_files(trained, tmp_path_factory) -> dict[str, Path]:
    """The champion's report as trained, and a copy with the layout script, side by side."""
    folder = tmp_path_factory.mktemp("report_browser")
    page = (trained / "models" / "champion" / REPORT_FILE).read_text(encoding="utf-8")
    measured = page.replace("</body>", f"<script>\n{LAYOUT_JS.read_text()}</script></body>")
    files = {"report": folder / "report.html", "measured": folder / "measured.html"}
    files["report"].write_text(page, encoding="utf-8")
    files["measured"].write_text(measured, encoding="utf-8")
    for name, (width, height) in SCREENS.items():
        for kind in ("report", "measured"):
            frame = folder / f"{name}-{kind}-frame.html"
            frame.write_text(FRAME.format(page=files[kind].name, w=width, h=height),
                             encoding="utf-8")
            files[f"{name}-{kind}"] = frame
    return files


def in_window(profile: Path, width: int, height: int, *args: str):
    return run_chromium(profile, "--allow-file-access-from-files", "--force-device-scale-factor=1",
                        *args, window=(max(width, WINDOW_MIN), height))


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request, report_files, tmp_path_factory) -> dict:
    """Layout facts and the first-screen screenshot of the report on one screen size."""
    name = request.param
    width, height = SCREENS[name]
    folder = tmp_path_factory.mktemp(f"shots_{name}")
    dom = in_window(folder / "profile-dom", width, height, "--dump-dom",
                    report_files[f"{name}-measured"].as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    facts_text = re.search(r'<pre id="facts">(.*?)</pre>', dom.stdout, re.S)
    assert facts_text and facts_text.group(1) != "none", dom.stdout[-1000:]
    shot = folder / f"report-{name}-{width}px.png"
    taken = in_window(folder / "profile-shot", width, height, f"--screenshot={shot}",
                      report_files[f"{name}-report"].as_uri())
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    pixels = image.imread(shot)[:height, :width]
    image.imsave(shot, pixels)  # the screen's part of the window
    print(f"\nreport screenshot ({name}, {width} px): {shot}")  # noqa: T201
    return {"name": name, "size": (width, height), "facts": json.loads(facts_text.group(1)),
            "shot": shot, "console": console_messages(dom.stderr + taken.stderr)}


def test_the_page_lays_out_at_the_screens_width(screen):
    assert screen["facts"]["viewport"] == list(screen["size"])


def test_nothing_is_wider_than_the_screen_except_inside_scrolling_tables(screen):
    facts = screen["facts"]
    assert facts["wide"] == []
    assert facts["scrollWidth"] <= screen["size"][0]
    assert facts["tables"] >= 8
    if screen["name"] == "phone":
        assert facts["scrollingTables"] >= 1  # a wide table scrolls inside its wrapper


def test_chart_text_is_readable(screen):
    facts = screen["facts"]
    assert facts["chartTexts"] >= 100
    assert facts["minChartText"] >= MIN_TEXT_PX


def test_the_what_this_means_box_is_on_the_first_screen(screen):
    facts = screen["facts"]
    height = screen["size"][1]
    assert 0 <= facts["summaryTop"] < facts["summaryTitleBottom"] < height
    assert facts["firstListBottom"] < height  # its first advice is read without scrolling


def test_the_screenshot_shows_a_drawn_page_and_the_browser_logs_nothing(screen):
    pixels = image.imread(screen["shot"])
    width, height = screen["size"]
    assert pixels.shape[:2] == (height, width)
    ink = (pixels[..., :3] < 0.9).any(axis=2).mean()
    assert 0.03 < ink < 0.9, f"screenshot looks blank or broken ({ink:.1%} non-white pixels)"
    assert np.unique(pixels.reshape(-1, pixels.shape[-1])[::37], axis=0).shape[0] > 10
    assert screen["console"] == []
