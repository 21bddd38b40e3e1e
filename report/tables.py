"""The numbers of the marketers' report: conversion by segment, score bands, lift, BANT.

Everything here is a pure function of ``ReportInputs.leads`` (one row per labelled lead: its
horizon has passed, or its label column is filled in a flat export) and returns a small DataFrame
that the report shows as a chart and a table. No plotting, no HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.bant import FLAGS, VALUES
from features.firmographics import SIZE_BANDS
from features.rules import Grades, ScoreTiers
from scoring.card import ModelCard
from scoring.metrics import top_decile

BENCHMARK_RATE = 0.13  # MQL -> SQL rate commonly quoted in the domain articles (DESIGN.md)
UNKNOWN = "(unknown)"
POOLED = "(other)"  # rare values pooled by the flat report (shown last)
SEGMENTS = {"source": "lead source", "industry": "industry",
            "company_size_band": "company size band", "mql_month": "MQL month"}
# Feature families of the catalogue, grouped the way marketing talks about them.
FAMILY_GROUPS = {"firmographic": "Fit", "demographic": "Fit", "behaviour": "Behaviour",
                 "source": "Source", "declared": "BANT (declared)"}
DIRECTION_WORDS = {"up": "more → likelier to convert", "down": "more → less likely",
                   "mixed": "depends on the value"}
LEAD_COLUMNS = ("mql_at", "source", "industry", "company_size_band", "label", "points_score",
                "probability", "is_test", *(f"bant_{flag}" for flag in FLAGS))
CORE_COLUMNS = ("mql_at", "label", "probability", "is_test")  # any shape


@dataclass
class ReportInputs:
    """What the report is made of; the two data shapes differ only here.

    Attributes:
        leads: indexed by lead id, one row per labelled lead: ``mql_at`` (UTC, NaT when the
            export has no time column), one text column per key of ``segments`` (missing
            allowed; ``mql_month`` is derived from ``mql_at``), ``label`` (0/1),
            ``probability`` (NaN where not evaluated), ``is_test`` (the leads calibration and
            lift are measured on), and, when ``points``, ``points_score``; when ``bant``, the
            four ``bant_*`` flags. The event shape has all of ``LEAD_COLUMNS``.
        importances: ``training.importance.global_importances`` (name, label, family,
            importance, std, direction), most important first.
        card: the model card (``model.json``): version, alias, trained_at, metrics, fingerprint.
        scope: where the lead numbers come from: ``data`` (a sentence), ``evaluated_on`` (a
            sentence), ``n_censored`` (leads left out because their horizon had not passed);
            flat exports add ``n_unlabelled``, ``definition`` and ``segment_rule`` (sentences).
        segments: leads column -> label of the "conversion by" breakdowns, in page order.
        rotate: segments whose chart labels are slanted (many or long values).
        family_groups: importance family -> the group the drivers chart colours and sums.
        points: the leads carry the rule-based points score (a baseline to compare with).
        bant: the leads carry the four BANT flags.
        shape: ``"event"`` or ``"flat"`` (which model facts to print; flat always shows the
            leakage section).
        tiers: the score tiers of the rules file (hot, warm, cold cut-offs).
        grades: the A-D grades of the rules file (their cut-offs).
        parts: ``fit`` and ``engagement`` probabilities (``scoring.Scorer.parts``) of the
            evaluated leads, indexed like ``leads``; None: no fit x engagement table.
        values: the model's inputs of the leads (indexed like ``leads``, a column per feature
            name of ``importances``; missing columns and leads allowed): the per-value insights
            of the top drivers are read from it. None: only the segments of ``leads``.
        cohorts: ``cohort_coverage`` of every lead of the export (labelled or not), to mark the
            MQL months whose leads have not all reached their horizon. None: none marked.
    """

    leads: pd.DataFrame
    importances: pd.DataFrame
    card: ModelCard
    scope: dict[str, Any] = field(default_factory=dict)
    benchmark: float = BENCHMARK_RATE
    segments: dict[str, str] = field(default_factory=lambda: dict(SEGMENTS))
    rotate: frozenset[str] = frozenset({"industry", "mql_month"})
    family_groups: dict[str, str] = field(default_factory=lambda: dict(FAMILY_GROUPS))
    points: bool = True
    bant: bool = True
    shape: str = "event"
    tiers: ScoreTiers = field(default_factory=ScoreTiers)
    grades: Grades = field(default_factory=Grades)
    parts: pd.DataFrame | None = None
    values: pd.DataFrame | None = None
    cohorts: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        needed = [*CORE_COLUMNS, *(s for s in self.segments if s != "mql_month")]
        if self.points:
            needed.append("points_score")
        if self.bant:
            needed += [f"bant_{flag}" for flag in FLAGS]
        missing = [c for c in dict.fromkeys(needed) if c not in self.leads.columns]
        if missing:
            raise ValueError(f"report leads frame lacks columns {missing}")

    @property
    def evaluated(self) -> pd.DataFrame:
        """The leads calibration and lift are measured on (with a probability)."""
        return self.leads[self.leads["is_test"].astype(bool) & self.leads["probability"].notna()]


def segment_values(leads: pd.DataFrame, segment: str) -> pd.Series:
    """The segment of each lead as text; ``mql_month`` is ``YYYY-MM``; missing is ``(unknown)``."""
    if segment == "mql_month":
        stamps = pd.to_datetime(leads["mql_at"], utc=True)
        return stamps.dt.strftime("%Y-%m").fillna(UNKNOWN)
    return leads[segment].astype("object").where(leads[segment].notna(), UNKNOWN).astype(str)


def _order(segment: str, index: pd.Index, leads: pd.Series) -> list[str]:
    if segment == "mql_month":
        return sorted(index)
    if segment == "company_size_band":
        bands = [name for _, name in SIZE_BANDS]
        return [b for b in bands if b in index] + [v for v in index if v not in bands]
    ordered = list(leads.sort_values(ascending=False, kind="stable").index)
    return [v for v in ordered if v != POOLED] + [v for v in ordered if v == POOLED]


def conversion_by(leads: pd.DataFrame, segment: str) -> pd.DataFrame:
    """Per value of ``segment``: leads (MQLs), SQLs and conversion rate (SQLs / MQLs).

    Ordered by size band or month where that is natural, else by lead count (largest first,
    pooled rare values last).
    """
    values = segment_values(leads, segment)
    grouped = leads["label"].groupby(values.to_numpy())
    table = pd.DataFrame({"leads": grouped.size(), "sqls": grouped.sum().astype(int)})
    table["rate"] = table["sqls"] / table["leads"]
    table = table.loc[_order(segment, table.index, table["leads"])]
    table.index.name = segment
    return table.reset_index()


def overall_rate(leads: pd.DataFrame) -> tuple[int, int, float]:
    """(MQLs, SQLs, SQLs / MQLs) over all labelled leads."""
    n, sqls = len(leads), int(leads["label"].sum())
    return n, sqls, (sqls / n if n else float("nan"))


def score_bands(evaluated: pd.DataFrame, width: int = 10) -> pd.DataFrame:
    """Per band of the 0-100 score (the rounded probability): leads, mean predicted, observed.

    Band ``70-80`` holds scores 70..79; the last band also holds 100. Empty bands are left out.
    """
    score = np.rint(evaluated["probability"].to_numpy(dtype=float) * 100).astype(int)
    lower = np.minimum(score // width * width, 100 - width)
    frame = pd.DataFrame({"lower": lower, "p": evaluated["probability"].to_numpy(dtype=float),
                          "y": evaluated["label"].to_numpy(dtype=float)})
    table = frame.groupby("lower").agg(leads=("y", "size"), mean_predicted=("p", "mean"),
                                       observed_rate=("y", "mean"), sqls=("y", "sum"))
    table = table.reset_index()
    table["band"] = [f"{lo}-{lo + width}" for lo in table["lower"]]
    table["sqls"] = table["sqls"].astype(int)
    return table[["band", "lower", "leads", "sqls", "mean_predicted", "observed_rate"]]


def lift_table(y: np.ndarray, scores: dict[str, np.ndarray], groups: int = 10,
               seed: int = 0) -> pd.DataFrame:
    """Conversion rate per score decile (1 = highest) for each named score.

    Ties (common with the points score) are broken at random with a fixed seed.
    """
    y = np.asarray(y, dtype=float)
    out = {}
    for name, score in scores.items():
        rng = np.random.default_rng(seed)
        order = np.lexsort((rng.random(len(score)), -np.asarray(score, dtype=float)))
        out[name] = [float(np.mean(y[part])) for part in np.array_split(order, groups)]
    table = pd.DataFrame(out)
    table.insert(0, "decile", np.arange(1, groups + 1))
    return table


def top_decile_rates(evaluated: pd.DataFrame) -> dict[str, float]:
    """Conversion of the top 10% by the model and by the points score (NaN without one), and
    the overall rate."""
    y = evaluated["label"].to_numpy(dtype=float)
    model, _ = top_decile(y, evaluated["probability"].to_numpy(dtype=float))
    points = float("nan")
    if "points_score" in evaluated.columns:
        points, _ = top_decile(y, evaluated["points_score"].to_numpy(dtype=float))
    return {"model": model, "points": points, "overall": float(y.mean())}


def bant_table(leads: pd.DataFrame) -> pd.DataFrame:
    """Per BANT flag and value (true/false/unknown): leads, share of leads, SQLs, conversion."""
    rows = []
    for flag in FLAGS:
        values = leads[f"bant_{flag}"].fillna("unknown").astype(str)
        for value in VALUES:
            part = leads.loc[(values == value).to_numpy(), "label"]
            rows.append({"flag": flag, "value": value, "leads": len(part),
                         "share": len(part) / len(leads) if len(leads) else float("nan"),
                         "sqls": int(part.sum()),
                         "rate": float(part.mean()) if len(part) else float("nan")})
    return pd.DataFrame(rows)


def family_importances(importances: pd.DataFrame,
                       family_groups: dict[str, str] | None = None) -> pd.DataFrame:
    """Importance summed per family group (default: Fit, Behaviour, Source, BANT), largest
    first."""
    groups = importances["family"].map(family_groups or FAMILY_GROUPS).fillna("Other")
    positive = importances["importance"].clip(lower=0)
    table = positive.groupby(groups.to_numpy()).sum().sort_values(ascending=False)
    return table.rename_axis("group").rename("importance").reset_index()


IMPORTANCE_COLUMNS = ["name", "label", "family", "importance", "std", "direction"]


def card_importances(card: ModelCard) -> pd.DataFrame:
    """The model card's global importances as a table (empty with its columns when none)."""
    return pd.DataFrame(card.importances, columns=IMPORTANCE_COLUMNS)


def tier_table(evaluated: pd.DataFrame, tiers: ScoreTiers) -> pd.DataFrame:
    """Per tier of the rules file (hot, warm, cold): its score range, leads, share of leads,
    SQLs, conversion and share of all SQLs, on the evaluated leads (all three tiers, even
    empty ones)."""
    p = evaluated["probability"].to_numpy(dtype=float)
    y = evaluated["label"].to_numpy(dtype=float)
    hot, warm = round(tiers.hot * 100), round(tiers.warm * 100)
    ranges = {"hot": f"{hot}-100", "warm": f"{warm}-{hot - 1}", "cold": f"0-{warm - 1}"}
    return _band_table("tier", tiers.tier(p), ranges, y)


def _band_table(key: str, names: np.ndarray, ranges: dict[str, str], y: np.ndarray
                ) -> pd.DataFrame:
    """Per band of ``ranges`` (in its order; ``names``: each lead's band): score range, leads,
    share of leads, SQLs, conversion and share of all SQLs of labels ``y``."""
    rows = []
    for band, scores in ranges.items():
        inside = names == band
        n, sqls = int(inside.sum()), float(y[inside].sum())
        rows.append({key: band, "scores": scores, "leads": n,
                     "share": n / len(y) if len(y) else float("nan"), "sqls": int(sqls),
                     "rate": sqls / n if n else float("nan"),
                     "sql_share": sqls / y.sum() if y.sum() else float("nan")})
    return pd.DataFrame(rows)


def grade_table(evaluated: pd.DataFrame, grades: Grades) -> pd.DataFrame:
    """``tier_table``'s columns per grade A-D of the rules file (all four, even empty ones)."""
    p = evaluated["probability"].to_numpy(dtype=float)
    y = evaluated["label"].to_numpy(dtype=float)
    lows = {k: round(v * 100) for k, v in grades.cut_offs().items()}
    ranges = {"A": f"{lows['A']}-100", "B": f"{lows['B']}-{lows['A'] - 1}",
              "C": f"{lows['C']}-{lows['B'] - 1}", "D": f"1-{lows['C'] - 1}"}
    return _band_table("grade", grades.grade(p), ranges, y)


QUADRANTS = (("high", "high"), ("high", "low"), ("low", "high"), ("low", "low"))


def quadrant_table(evaluated: pd.DataFrame, parts: pd.DataFrame, cut: float) -> pd.DataFrame:
    """Leads in four quadrants of fit x engagement (a part is "high" from ``cut``, the grade C
    cut-off): per quadrant its leads, share, SQLs, conversion and mean predicted probability."""
    joined = evaluated[["label", "probability"]].join(parts, how="inner")
    high_fit, high_eng = joined["fit"] >= cut, joined["engagement"] >= cut
    rows = []
    for fit, engagement in QUADRANTS:
        inside = ((high_fit if fit == "high" else ~high_fit)
                  & (high_eng if engagement == "high" else ~high_eng)).to_numpy()
        part = joined[inside]
        n = len(part)
        rows.append({"fit": fit, "engagement": engagement, "leads": n,
                     "share": n / len(joined) if len(joined) else float("nan"),
                     "sqls": int(part["label"].sum()),
                     "rate": float(part["label"].mean()) if n else float("nan"),
                     "predicted": float(part["probability"].mean()) if n else float("nan")})
    return pd.DataFrame(rows)


def cohort_coverage(scored_at: pd.Series, labelled: pd.Series) -> pd.DataFrame:
    """Per MQL month (``YYYY-MM``) with at least one labelled lead: its leads, how many are
    labelled (their horizon has passed) and ``partial`` (some are not yet: the month's rate is
    not final and its lead count is not the month's)."""
    months = pd.to_datetime(scored_at, utc=True).dt.strftime("%Y-%m")
    frame = pd.DataFrame({"month": months.to_numpy(), "labelled": labelled.to_numpy(bool)})
    table = frame.groupby("month").agg(leads=("labelled", "size"), labelled=("labelled", "sum"))
    table = table[table["labelled"] > 0].astype(int)
    table["partial"] = table["labelled"] < table["leads"]
    return table.reset_index()
