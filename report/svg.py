"""The report's two plotted charts as inline SVG: reliability (score against what happened) and
lift (conversion per score decile).

Each is drawn in a small coordinate box (``WIDTH`` units wide) that the page scales to the width
of its column: on a 390 px phone a unit is about one CSS pixel, so the 11-12 unit text stays
readable; on a wide screen the CSS caps the chart's width. The axes always reach past the
largest value, so no point or bar is cut. No script, no font file, no network.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from markupsafe import Markup

WIDTH = 340
FONT = 12  # axis titles, legend
SMALL = 11  # tick labels
LEFT, RIGHT, TOP, BOTTOM = 50, 18, 28, 40
MODEL = "#3b6ea8"
SERIES = ("#3b6ea8", "#9a9a9a", "#e07b39")
INK = "#1f2328"
GRID = "#d8dde3"


def nice_top(value: float) -> float:
    """The smallest of 0.1, 0.2, 0.3, ... 1.0 at or above ``value`` (a percent axis' end)."""
    steps = [i / 10 for i in range(1, 11)]
    return next((s for s in steps if s >= value - 1e-9), 1.0)


def _text(x: float, y: float, words: str, size: int = SMALL, anchor: str = "middle",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{INK}"{extra}>{escape(words)}</text>')


def _svg(height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart svg-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _y_axis(top: float, height: int, label: str) -> tuple[list[str], float]:
    """Grid lines and percent ticks of a 0..top y axis; returns the parts and the plot height."""
    plot_h = height - TOP - BOTTOM
    parts = []
    ticks = 5
    for i in range(ticks + 1):
        value = top * i / ticks
        y = TOP + plot_h * (1 - i / ticks)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(LEFT - 4, y + 4, f"{value:.0%}", anchor="end"))
    parts.append(_text(12, TOP + plot_h / 2, label, FONT,
                       extra=f' transform="rotate(-90 12 {TOP + plot_h / 2:.1f})"'))
    return parts, plot_h


def reliability_svg(bands: pd.DataFrame) -> Markup:
    """Observed conversion against the average score per score band (``score_bands``); points on
    the dashed diagonal mean the score can be taken at face value."""
    height = 320
    top = nice_top(max(float(bands["mean_predicted"].max()),
                       float(bands["observed_rate"].max())) * 1.05)
    parts, plot_h = _y_axis(top, height, "became SQLs")
    plot_w = WIDTH - LEFT - RIGHT

    def xy(p: float, o: float) -> tuple[float, float]:
        return LEFT + plot_w * p / top, TOP + plot_h * (1 - o / top)

    for i in range(6):
        x = LEFT + plot_w * i / 5
        parts.append(_text(x, TOP + plot_h + 16, f"{top * i / 5:.0%}"))
    parts.append(_text(LEFT + plot_w / 2, height - 6, "score (what the model said)", FONT))
    (x0, y0), (x1, y1) = xy(0, 0), xy(top, top)
    parts.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#888" '
                 f'stroke-dasharray="5 4"/>')
    points = [xy(p, o) for p, o in zip(bands["mean_predicted"], bands["observed_rate"],
                                       strict=True)]
    parts.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
        MODEL, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{MODEL}"/>' for x, y in points]
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + 18}" y1="12" y2="12" stroke="#888" '
                 f'stroke-dasharray="5 4"/>')
    parts.append(_text(LEFT + 22, 16, "perfect score", FONT, "start"))
    parts.append(f'<circle cx="{LEFT + 140}" cy="12" r="4" fill="{MODEL}"/>')
    parts.append(_text(LEFT + 148, 16, "model, per score band", FONT, "start"))
    return _svg(height, "How far to trust the score: observed conversion per score band", parts)


def lift_svg(lift: pd.DataFrame, overall: float) -> Markup:
    """Conversion per decile of leads by score (1 = the top 10%), one bar per score (the model,
    and the points score when there is one), and the overall rate as a dashed line."""
    height = 260
    names = [c for c in lift.columns if c != "decile"]
    top = nice_top(max(float(lift[names].max().max()), overall) * 1.05)
    parts, plot_h = _y_axis(top, height, "conversion")
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / len(lift)
    width = slot * 0.8 / len(names)
    for i, decile in enumerate(lift["decile"]):
        for j, name in enumerate(names):
            value = float(lift[name].iloc[i])
            h = plot_h * value / top
            x = LEFT + slot * i + slot * 0.1 + width * j
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" '
                         f'height="{h:.1f}" fill="{SERIES[j % len(SERIES)]}"/>')
        parts.append(_text(LEFT + slot * (i + 0.5), TOP + plot_h + 16, str(decile)))
    y = TOP + plot_h * (1 - overall / top)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                 f'stroke="{INK}" stroke-dasharray="5 4"/>')
    parts.append(_text(LEFT + plot_w / 2, height - 6, "tenth of leads by score (1 = top 10%)",
                       FONT))
    legend = [*zip(names, SERIES, strict=False), (f"overall {overall:.1%}", "")]
    x = float(LEFT)
    for name, colour in legend:
        if colour:
            parts.append(f'<rect x="{x:.1f}" y="5" width="10" height="10" fill="{colour}"/>')
        else:
            parts.append(f'<line x1="{x:.1f}" x2="{x + 12:.1f}" y1="10" y2="10" stroke="{INK}" '
                         f'stroke-dasharray="4 3"/>')
        parts.append(_text(x + 15, 15, name, FONT, "start"))
        x += 22 + len(name) * 6.3
    return _svg(height, "Conversion per tenth of leads by score", parts)
