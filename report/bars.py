"""Bar charts written in HTML and CSS (``bars`` macro of ``report/templates/macros.html.j2``).

Each bar is a row: its label, a track whose filled width is the value's share of the chart's
largest value, and the value in words. The text is page text, so it keeps the page's font size
at any screen width (a phone's 390 px included), wraps instead of shrinking, and the scale always
holds the largest bar (nothing is cut). Reference values (overall rate, benchmark) are drawn as
thin vertical marks across every track.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GROUP_COLOURS = {"Fit": "#3b6ea8", "Behaviour": "#e07b39", "Source": "#5a9e6f",
                 "BANT (declared)": "#8e6bb8", "Numbers": "#3b6ea8", "Yes / no": "#5a9e6f",
                 "Categories": "#e07b39", "Other": "#888888"}
FLAG_COLOURS = {"true": "#5a9e6f", "false": "#c8553d", "unknown": "#b8b8b8"}
TIER_COLOURS = {"hot": "#c8553d", "warm": "#e0a339", "cold": "#6b8fb8"}
BAR = "#3b6ea8"
PARTIAL = "#a9bdd6"


@dataclass(frozen=True)
class Bar:
    """One row: ``label`` (plain words), ``value`` (bar length), ``text`` (the value in words),
    ``note`` (smaller text after it, e.g. the lead count), ``colour``, ``css`` (extra class, e.g.
    ``partial``)."""

    label: str
    value: float
    text: str
    note: str = ""
    colour: str = BAR
    css: str = ""


@dataclass(frozen=True)
class Reference:
    """A vertical mark at ``value`` on every track: ``label`` in the legend, ``css`` its style
    (``overall`` solid, ``benchmark`` dashed)."""

    value: float
    label: str
    css: str = "overall"


@dataclass(frozen=True)
class BarChart:
    """What the ``bars`` macro draws; ``title`` names the chart (its accessible name too)."""

    title: str
    bars: list[Bar]
    references: list[Reference] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, words)

    @property
    def top(self) -> float:
        """The scale's end: the largest bar or reference, so every bar fits."""
        values = [b.value for b in self.bars] + [r.value for r in self.references]
        return max([v for v in values if v == v] + [1e-12])

    def width(self, value: float) -> str:
        """A value's position on the track, as a CSS percentage."""
        share = 0.0 if value != value else max(0.0, value) / self.top
        return f"{100 * share:.2f}%"
