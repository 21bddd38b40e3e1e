"""The monitor's HTML page, in the report's style: the report's stylesheet, table macro and
number formats (``report.html``), one self-contained file (no external resource).

Sections: the verdict and its reasons; input and score drift (PSI per column and month, columns
that drifted or are worth watching first); realised conversion per month and per score band.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from report.html import environment as report_environment
from scoring.profile import SCORE


@cache
def environment() -> jinja2.Environment:
    """The report's environment (filters, autoescape) over monitoring's templates, falling back
    to the report's (``report.css``, ``macros.html.j2``)."""
    env = report_environment().overlay(loader=jinja2.ChoiceLoader([
        jinja2.PackageLoader("monitoring", "templates"),
        jinja2.PackageLoader("report", "templates")]))
    return env


def drift_matrix(summary: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """(months, rows): per column its PSI per month, the score first, then the inputs worst
    first; ``level`` per cell."""
    cells = summary["drift"]
    months = sorted({c["month"] for c in cells if c["month"] != "all"}) + ["all"]
    by_column: dict[str, dict[str, dict[str, Any]]] = {}
    for c in cells:
        by_column.setdefault(c["column"], {})[c["month"]] = c
    def worst(by_month: dict[str, dict[str, Any]]) -> float:
        return max([c["psi"] or 0.0 for c in by_month.values() if c["judged"]], default=0.0)

    order = sorted(by_column, key=lambda column: (column != SCORE, -worst(by_column[column])))
    rows = [{"column": column, "cells": [by_column[column].get(m) for m in months]}
            for column in order]
    return months, rows


def build_page(summary: dict[str, Any]) -> str:
    """The monitor's page for a summary of ``monitoring.check.check``."""
    months, rows = drift_matrix(summary)
    realised_rows = [[r["month"], r["n"], r["observed_rate"], r["mean_predicted"], r["auc"],
                      r["ece"], r["ece_noise"],
                      "yes" if r["flagged"] else ("" if r["judged"] else "too few leads")]
                     for r in summary["realised"]]
    band_rows = [[f"{b['bin_lower']:.0%}-{b['bin_upper']:.0%}", b["n"], b["mean_predicted"],
                  b["observed_rate"]] for b in summary["bands"]]
    return environment().get_template("monitor.html.j2").render(
        s=summary, months=months, rows=rows, t=summary["thresholds"],
        realised_rows=realised_rows, band_rows=band_rows)
