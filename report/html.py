"""The HTML pieces of the marketers' report: inline style, the chart check script, escaping,
number formats, figures and tables. No numbers are computed here."""

from __future__ import annotations

import html
import math

import numpy as np

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #3b6ea8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1160px; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 36px 0 8px;
     border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lede, .muted { color: var(--muted); }
nav { margin: 12px 0 8px; font-size: 14px; } nav a { margin-right: 14px; color: var(--accent); }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 200px;
       flex: 1; }
.kpi b { display: block; font-size: 22px; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.row > figure { flex: 1 1 560px; } .row > .side { flex: 1 1 300px; }
.row > figure.half { flex: 1 1 420px; }
figure { margin: 8px 0; } figure img { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
ul.bands li { margin: 2px 0; }
footer { margin-top: 40px; font-size: 13px; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, table, .kpi, ul.bands { break-inside: avoid; }
  figure img { max-height: 105mm; width: auto; } .kpi { min-width: 140px; }
  section { break-before: auto; } a { color: inherit; text-decoration: none; }
}
"""

# Marks the page once every chart has decoded (the browser test reads it); logs broken ones.
CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute("data-charts", String(images.length));
  document.body.setAttribute("data-charts-broken", String(broken.length));
  if (broken.length) { console.error("report: " + broken.length + " chart(s) did not render"); }
});
"""


def esc(value: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value))


def pct(value: float, decimals: int = 1) -> str:
    """0.1234 -> "12.3%"; NaN -> "–"."""
    return "–" if value is None or not math.isfinite(value) else f"{value:.{decimals}%}"


def num(value: object, fmt: str = "{:.3f}") -> str:
    """A finite number formatted with ``fmt``; anything else (missing, NaN) -> "–"."""
    if isinstance(value, (int, float, np.floating)) and math.isfinite(float(value)):
        return fmt.format(value)
    return "–"


def figure(uri: str, alt: str, css: str = "") -> str:
    """An embedded chart (``uri`` from ``report_charts.data_uri``)."""
    klass = f' class="{css}"' if css else ""
    return f'<figure{klass}><img src="{uri}" alt="{esc(alt)}"></figure>'


def table(table_id: str, headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """A table with an id (tests and readers find it by id); ``numeric`` columns right-aligned."""
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{esc(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{esc(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
