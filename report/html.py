"""Rendering the marketers' report: the Jinja2 environment over ``report/templates`` and the
number formats its templates use as filters. No numbers are computed and no markup is written
here: the sections compute, the templates write the HTML.

Templates ending in ``.html.j2`` are autoescaped; ``report.css`` and ``check.js`` are included
into the page as they are, so the page stays one self-contained file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

DASH = "–"  # what a missing number is shown as


def pct(value: float | None, decimals: int = 1) -> str:
    """0.1234 -> "12.3%"; missing or NaN -> "–"."""
    return DASH if value is None or not math.isfinite(value) else f"{value:.{decimals}%}"


def num(value: object, fmt: str = "{:.3f}") -> str:
    """A finite number formatted with ``fmt``; anything else (missing, NaN) -> "–"."""
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value)):
        return fmt.format(value)
    return DASH


def count(value: int) -> str:
    """A count with thousands separators: 12345 -> "12,345"."""
    return f"{value:,}"


def times(value: float | None) -> str:
    """A ratio as "1.8x"; missing -> "–"."""
    return DASH if value is None or not math.isfinite(value) else f"{value:.1f}x"


def first_upper(text: str) -> str:
    """The text with its first letter upper case, the rest as it is ("MQL month" stays)."""
    return text[:1].upper() + text[1:]


# How a table column's values are written (the ``cell`` filter); all but text are right-aligned.
CELL_FORMATS: dict[str, Callable[[Any], str]] = {
    "text": str, "count": count, "pct": pct, "pct0": lambda v: pct(v, 0),
    "num": num, "num4": lambda v: num(v, "{:.4f}")}


def cell(value: Any, kind: str = "text") -> str:
    """A table cell's text: ``value`` written as ``kind`` (a key of ``CELL_FORMATS``)."""
    return CELL_FORMATS[kind](value)


@cache
def environment() -> jinja2.Environment:
    """The report's template environment, built once, on first use."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                            default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    env.filters.update(pct=pct, pct0=lambda v: pct(v, 0), num=num, count=count, times=times,
                       first_upper=first_upper, cell=cell)
    return env


def render(template: str, **context: Any) -> Markup:
    """``template`` of ``report/templates`` rendered with ``context`` (safe HTML)."""
    return Markup(environment().get_template(template).render(**context))
