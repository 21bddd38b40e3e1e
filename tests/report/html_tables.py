"""Reading a report page in tests: its tables by id, its text without tags."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from report.words import plain_names

# What would make a page fetch something when opened: remote src/href, stylesheets, CSS urls.
EXTERNAL = re.compile(r"""(src|href)=["']?(https?:|//)|<link\b|@import|url\(""")


class Tables(HTMLParser):
    """Every ``<table id=...>`` of a page as a list of rows of cell texts."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._id: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._id = dict(attrs).get("id")
            self.tables[self._id or ""] = []
        elif tag == "tr" and self._id:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._id:
            self.tables[self._id].append(self._row)
            self._row = None
        elif tag == "table":
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def expected_rows(frame: pd.DataFrame, column: str,
                  partial: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """The conversion table's rows (leads, SQLs, rate) computed straight from ``frame``'s
    ``converted`` column, by value of ``column`` (missing as ``(unknown)``), keyed by the
    values' plain names (months as they are, those in ``partial`` marked "(partial)")."""
    values = frame[column].astype("object").where(frame[column].notna(), "(unknown)").astype(str)
    grouped = frame["converted"].groupby(values.to_numpy())
    names = ({v: f"{v} (partial)" if v in partial else v for v in values.unique()}
             if column == "mql_month" else plain_names(values.unique()))
    return {names[value]: [f"{len(part):,}", f"{int(part.sum()):,}", f"{part.mean():.1%}"]
            for value, part in grouped}
