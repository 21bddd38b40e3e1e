"""A first look at a CRM export, for the retraining notebook: how the label rate moves over time
(with the months whose leads have not all reached their horizon marked partial), conversion by
the main segments (in plain words), and what is missing, column by column.

Each function is a pure function of a validated export (``features.contract.CrmData``) and
returns a DataFrame; ``Exploration`` shows them in a notebook (tables and bar charts in the
report's style, no logic in the notebook). Nothing here trains or scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.labels import make_labels
from features.rules import Rules, load_rules
from report.bars import BAR, PARTIAL, Bar, BarChart, Reference
from report.html import render
from report.page import lead_segments
from report.tables import SEGMENTS, cohort_coverage, conversion_by
from report.words import plain_names

TABLES = ("leads", "activities", "outcomes")


def label_rate_over_time(crm: Any, horizon_days: int = 90) -> pd.DataFrame:
    """Per MQL month: its leads, how many are labelled (horizon over by the export's date),
    SQLs among them, the label rate (SQLs / labelled), and ``partial`` (some leads of the month
    are not labelled yet: the rate is not final). Months with no labelled lead are kept, with
    a missing rate: their leads are all still open.
    """
    scored_at = crm.leads.set_index("lead_id")["mql_at"]
    labels = make_labels(scored_at, crm.outcomes, crm.as_of, horizon_days)
    status = labels.frame["status"]
    labelled = status.isin(("converted", "not_converted"))
    months = pd.to_datetime(scored_at, utc=True).dt.strftime("%Y-%m")
    frame = pd.DataFrame({"month": months.to_numpy(), "labelled": labelled.to_numpy(),
                          "sql": (status == "converted").to_numpy()})
    table = frame.groupby("month").agg(leads=("sql", "size"), labelled=("labelled", "sum"),
                                       sqls=("sql", "sum")).astype(int)
    table["rate"] = table["sqls"] / table["labelled"].where(table["labelled"] > 0)
    partial = cohort_coverage(scored_at, labelled).set_index("month")["partial"]
    table["partial"] = partial.reindex(table.index, fill_value=False).astype(bool)
    return table.reset_index()


def labelled_segments(crm: Any, rules: Rules | None = None,
                      horizon_days: int = 90) -> pd.DataFrame:
    """The labelled leads (horizon over) with their segments (``report.page.lead_segments``),
    ``mql_at`` and ``label``: the frame ``conversion_by`` reads."""
    leads = crm.leads.set_index(pd.Index(crm.leads["lead_id"], name="lead_id"))
    labels = make_labels(leads["mql_at"], crm.outcomes, crm.as_of, horizon_days).labelled
    frame = lead_segments(leads, rules or load_rules()).reindex(labels.index)
    frame["mql_at"] = leads["mql_at"].reindex(labels.index)
    frame["label"] = labels["label"].astype(float)
    return frame


def conversion_by_segment(crm: Any, rules: Rules | None = None,
                          horizon_days: int = 90) -> dict[str, pd.DataFrame]:
    """Per segment of the report (source, industry, company size band): MQLs, SQLs and
    conversion per value, values in plain words (``report.words``), on the labelled leads."""
    frame = labelled_segments(crm, rules, horizon_days)
    out = {}
    for segment, label in SEGMENTS.items():
        if segment == "mql_month":
            continue
        table = conversion_by(frame, segment)
        names = plain_names(table[segment])
        out[label] = table.assign(**{segment: table[segment].map(names)})
    return out


def missingness(crm: Any) -> pd.DataFrame:
    """Per column of the three tables: rows, missing values and their share, most missing
    first (columns with nothing missing last)."""
    rows = []
    for name in TABLES:
        table = getattr(crm, name)
        for column in table.columns:
            missing = int(table[column].isna().sum())
            rows.append({"table": name, "column": column, "rows": len(table),
                         "missing": missing,
                         "share": missing / len(table) if len(table) else float("nan")})
    frame = pd.DataFrame(rows)
    return frame.sort_values(["share", "table", "column"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def _rate_chart(title: str, labels: list[str], rates: list[float], counts: list[int],
                partial: list[bool], overall: float) -> BarChart:
    bars = [Bar(label, 0.0 if rate != rate else rate,
                "open" if rate != rate else f"{rate:.1%}", f"{count:,} leads",
                PARTIAL if part else BAR, "partial" if part else "")
            for label, rate, count, part in zip(labels, rates, counts, partial, strict=True)]
    return BarChart(title, bars, [Reference(overall, f"overall {overall:.1%}")])


@dataclass
class Exploration:
    """The first look at an export, shown in a notebook: label rate over time, conversion by
    segment, missingness (``explore`` makes it)."""

    over_time: pd.DataFrame
    segments: dict[str, pd.DataFrame]
    missing: pd.DataFrame
    horizon_days: int

    def charts(self) -> list[BarChart]:
        """The label rate per month (partial months marked), then conversion per segment."""
        labelled = self.over_time["labelled"].sum()
        overall = float(self.over_time["sqls"].sum() / labelled) if labelled else float("nan")
        t = self.over_time
        charts = [_rate_chart(f"Label rate per MQL month ({self.horizon_days}-day horizon; "
                              "◐ partial: not every lead's horizon is over)",
                              [f"{m} (partial)" if p else m for m, p in zip(t["month"],
                                                                           t["partial"],
                                                                           strict=True)],
                              list(t["rate"]), list(t["labelled"]), list(t["partial"]), overall)]
        for label, table in self.segments.items():
            charts.append(_rate_chart(f"Conversion by {label}", list(table.iloc[:, 0]),
                                      list(table["rate"]), list(table["leads"]),
                                      [False] * len(table), overall))
        return charts

    def page(self) -> str:
        """The exploration as one self-contained HTML page (the report's style)."""
        missing = self.missing[self.missing["missing"] > 0]
        return str(render("explore.html.j2", charts=self.charts(),
                          over_time=self.over_time.values.tolist(),
                          missing=missing.values.tolist(),
                          n_complete=int((self.missing["missing"] == 0).sum())))

    def _repr_html_(self) -> str:
        """In a notebook: the page in an isolated frame (its style stays inside)."""
        return str(render("notebook.html.j2", page=self.page(), height=900))


def explore(crm: Any, rules: Rules | None = None, horizon_days: int = 90) -> Exploration:
    """The first look at a validated export (see the module doc)."""
    return Exploration(label_rate_over_time(crm, horizon_days),
                       conversion_by_segment(crm, rules, horizon_days), missingness(crm),
                       horizon_days)
