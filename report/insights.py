"""What the report's numbers mean for marketing and sales: computed from the leads, never written.

* **Groups that stand out.** A group of leads (a segment value, leads with a demo request, the
  top quarter of company sizes, ...) is *called out* when it has at least ``MIN_GROUP`` leads and
  its conversion differs from the overall rate by more than chance explains (``Z`` binomial
  standard errors of the overall rate at the group's size) and by at least ``MIN_RELATIVE`` of
  the overall rate. Smaller groups are never called out, whatever their rate.
* **Driver insights** (``driver_insights``): for the top drivers, which values help and which
  hurt, as "Referral converts 26.6% vs 13.1% overall, 929 leads". Categories by value; yes/no
  columns by answer; counts as 0 vs some; other numbers by bottom and top quarter.
* **The summary** (``summary``): who to call first (the tiers, the strongest behaviour), which
  segments convert, what to fix (segments that convert clearly worse, BANT facts mostly
  unknown). When nothing stands out it says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from report.tables import ReportInputs, overall_rate, segment_values, tier_table
from report.words import plain, plain_names

MIN_GROUP = 50  # leads a group needs to be called out
Z = 2.0  # standard errors a group's rate must differ from the overall rate by
MIN_RELATIVE = 0.15  # ... and at least this share of the overall rate
TOP_DRIVERS = 5  # drivers that get per-value insights
MAX_CALLED = 3  # helping / hurting groups named per driver or per box line
SUMMARY_LINES = 2  # segments named per line of the summary box
MOSTLY_UNKNOWN = 0.5  # a BANT flag unknown for at least this share of leads is worth fixing
SOME_ZEROS = 0.25  # a number that is 0 for at least this share of leads is split none / some


@dataclass(frozen=True)
class Group:
    """Leads sharing a value of one driver or segment, and how they converted."""

    driver: str  # the driver or segment, in business words ("Lead source (channel)")
    value: str  # the group, in plain words ("Referral", "1 or more")
    leads: int
    sqls: int
    overall: float

    @property
    def rate(self) -> float:
        return self.sqls / self.leads if self.leads else float("nan")

    @property
    def effect(self) -> int:
        """+1 when the group converts clearly better than overall, -1 clearly worse, else 0
        (also for groups under ``MIN_GROUP`` leads)."""
        return stands_out(self.rate, self.overall, self.leads)

    def sentence(self, named: bool = False) -> str:
        """"Referral converts 26.6% vs 13.1% overall, 929 leads" (``named``: with the driver)."""
        who = f"{self.driver[:1].upper()}{self.driver[1:]}: {self.value}" if named \
            else self.value
        return (f"{who} converts {self.rate:.1%} vs {self.overall:.1%} overall, "
                f"{self.leads:,} leads")


def stands_out(rate: float, overall: float, leads: int) -> int:
    """+1 / -1 when a group of ``leads`` converting at ``rate`` is called out above / below the
    ``overall`` rate (see the module doc), else 0."""
    if leads < MIN_GROUP or not (math.isfinite(rate) and 0 < overall < 1):
        return 0
    gap = rate - overall
    error = math.sqrt(overall * (1 - overall) / leads)
    if abs(gap) < Z * error or abs(gap) < MIN_RELATIVE * overall:
        return 0
    return 1 if gap > 0 else -1


def number(value: float) -> str:
    """A threshold as people write it: 12, 1,200, 0.35; tiny fractions as "0.01" (a bound)."""
    if 0 < abs(value) < 0.01:
        return "0.01"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _groups(driver: str, parts: dict[str, pd.Series], overall: float) -> list[Group]:
    return [Group(driver, name, len(y), int(y.sum()), overall) for name, y in parts.items()
            if len(y)]


def groups_of(driver: str, values: pd.Series, label: pd.Series, kind: str,
              overall: float) -> list[Group]:
    """The groups of leads by one driver's ``values`` (aligned with ``label``).

    Args:
        driver: the driver's business label.
        values: its value per lead (missing allowed: its own group, "not given").
        label: 1 converted, 0 not, per lead.
        kind: ``categorical`` (by plain-named value), ``binary`` (yes / no; by value when
            written as text), else a number (0 vs 1 or more when at least ``SOME_ZEROS`` of the
            leads have 0, else the bottom and top quarter against the middle).
        overall: the overall conversion rate the groups are compared with.
    """
    y = label.astype(float)
    given = values.notna()
    parts: dict[str, pd.Series] = {}
    if kind == "categorical":
        text = values[given].astype(str)
        names = plain_names(text.unique())
        for raw in text.unique():
            parts[names[raw]] = y[given][(text == raw).to_numpy()]
    elif kind == "binary" and pd.to_numeric(values[given], errors="coerce").isna().any():
        return groups_of(driver, values, label, "categorical", overall)  # "Yes" / "No" as text
    else:
        v = pd.to_numeric(values, errors="coerce")
        given = v.notna()
        v, yv = v[given], y[given]
        if kind == "binary":
            parts = {"yes": yv[(v > 0).to_numpy()], "no": yv[(v <= 0).to_numpy()]}
        elif (v == 0).mean() >= SOME_ZEROS:
            some = "1 or more" if (v.dropna() % 1 == 0).all() else "above 0"
            parts = {"0": yv[(v == 0).to_numpy()], some: yv[(v > 0).to_numpy()]}
        elif len(v):
            low = float(v[v <= v.quantile(0.25)].max())  # values seen, so the words are true
            high = float(v[v >= v.quantile(0.75)].min())
            if low < high:
                below = f"under {number(low)}" if 0 < low < 0.01 else f"{number(low)} or less"
                parts = {f"{below} (bottom quarter)": yv[(v <= low).to_numpy()],
                         f"{number(high)} or more (top quarter)": yv[(v >= high).to_numpy()]}
    if (~given).any():
        parts["not given"] = y[~given]
    return _groups(driver, parts, overall)


def _kinds(inputs: ReportInputs) -> dict[str, str]:
    return {f["name"]: str(f.get("kind", "")) for f in inputs.card.features}


def _kind_of(values: pd.Series, declared: str) -> str:
    if declared in ("categorical", "binary", "numeric"):
        return declared
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return "numeric"
    return "categorical"


def driver_values(inputs: ReportInputs, name: str) -> pd.Series | None:
    """The values of driver ``name`` for the report's leads, from ``inputs.values`` (or the
    leads' own segment column of that name); None when the report does not have them."""
    if inputs.values is not None and name in inputs.values.columns:
        return inputs.values[name].reindex(inputs.leads.index)
    if name in inputs.leads.columns and name in inputs.segments:
        return inputs.leads[name]
    return None


def driver_insights(inputs: ReportInputs, top: int = TOP_DRIVERS) -> list[dict[str, Any]]:
    """For each of the ``top`` drivers whose values the report has: its label, the groups that
    help and hurt (called out, strongest first, at most ``MAX_CALLED`` each), how many groups
    were too small to be called out, and whether nothing stood out."""
    leads, imp = inputs.leads, inputs.importances
    _, _, overall = overall_rate(leads)
    kinds = _kinds(inputs)
    out = []
    for row in imp.head(top).itertuples():
        values = driver_values(inputs, str(row.name))
        if values is None:
            continue
        groups = groups_of(str(row.label), values, leads["label"],
                           _kind_of(values, kinds.get(str(row.name), "")), overall)
        helps = sorted((g for g in groups if g.effect > 0), key=lambda g: -g.rate)
        hurts = sorted((g for g in groups if g.effect < 0), key=lambda g: g.rate)
        out.append({"name": str(row.name), "label": str(row.label), "helps": helps[:MAX_CALLED],
                    "hurts": hurts[:MAX_CALLED],
                    "more": max(0, len(helps) - MAX_CALLED) + max(0, len(hurts) - MAX_CALLED),
                    "small": sum(g.leads < MIN_GROUP for g in groups)})
    return out


def segment_groups(inputs: ReportInputs) -> list[Group]:
    """Every value of every segment (not the MQL month) as a group, over the labelled leads."""
    leads = inputs.leads
    _, _, overall = overall_rate(leads)
    groups: list[Group] = []
    for segment, label in inputs.segments.items():
        if segment == "mql_month":
            continue
        values = segment_values(leads, segment)
        groups += [g for g in groups_of(label, values.where(values != "(unknown)"),
                                        leads["label"], "categorical", overall)
                   if g.value != "not given"]
    return groups


def _call_first(inputs: ReportInputs, drivers: list[dict[str, Any]]) -> list[str]:
    evaluated = inputs.evaluated
    lines = []
    if len(evaluated) and evaluated["label"].nunique() == 2:
        tiers = tier_table(evaluated, inputs.tiers).set_index("tier")
        overall = float(evaluated["label"].mean())
        hot, warm = tiers.loc["hot"], tiers.loc["warm"]
        if hot["leads"] > 0:
            lines.append(f"Hot leads (score {hot['scores']}) first: {hot['share']:.0%} of the "
                         f"scored leads, they convert {hot['rate']:.1%} "
                         f"({hot['rate'] / overall:.1f}x the {overall:.1%} of all scored "
                         f"leads).")
        if warm["leads"] > 0:
            lines.append(f"{'Then w' if hot['leads'] else 'W'}arm leads (score {warm['scores']}):"
                         f" {warm['rate']:.1%}. Hot and warm hold "
                         f"{hot['sql_share'] + warm['sql_share']:.0%} of the SQLs.")
        if not lines:
            lines.append("No lead scores warm or hot: the score cannot pick leads to call "
                         "first here; use the segments below.")
    else:
        lines.append("There are not enough scored leads with a known outcome to rank leads by "
                     "score yet.")
    signals = [g for d in drivers for g in d["helps"]
               if d["name"] not in inputs.segments and g.value not in ("not given",)]
    if signals:
        lines.append(f"Strongest signal: {signals[0].sentence(named=True)}.")
    return lines


def _what_to_fix(inputs: ReportInputs, groups: list[Group]) -> list[str]:
    lines = [f"{g.sentence(named=True)}: check its targeting, or nurture these leads longer."
             for g in sorted((g for g in groups if g.effect < 0), key=lambda g: -g.leads)[:2]]
    if inputs.bant:
        for column in (c for c in inputs.leads.columns if c.startswith("bant_")):
            unknown = float(inputs.leads[column].fillna("unknown").eq("unknown").mean())
            if unknown >= MOSTLY_UNKNOWN:
                lines.append(f"{plain(column.removeprefix('bant_'))} is unknown for "
                             f"{unknown:.0%} of leads: ask for it on forms or in the first call.")
    return lines


def summary(inputs: ReportInputs, drivers: list[dict[str, Any]]) -> dict[str, Any]:
    """The "what this means" box: ``call`` (who to call first), ``convert`` (segments that
    convert better), ``fix`` (what to fix), each a list of sentences (never empty), and the
    ``min_group`` rule."""
    n, _, overall = overall_rate(inputs.leads)
    groups = segment_groups(inputs)
    best = sorted((g for g in groups if g.effect > 0), key=lambda g: -g.rate)[:SUMMARY_LINES]
    convert = [f"{g.sentence(named=True)}." for g in best] or [
        f"No segment converts clearly better than the {overall:.1%} average "
        f"({n:,} leads): the segments below are all close to it."]
    fix = _what_to_fix(inputs, groups) or [
        "Nothing stands out to fix: no segment converts clearly worse than average and the "
        "BANT facts are mostly known."]
    return {"call": _call_first(inputs, drivers), "convert": convert, "fix": fix,
            "min_group": MIN_GROUP}

