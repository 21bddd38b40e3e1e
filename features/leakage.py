"""Leakage detection: columns that were (probably) filled in after the outcome, named with evidence.

Run on the training rows of any feature frame (flat or event shape) before fitting. Statistics
per column come from ``features.leakage_stats``: the single-column ROC AUC (out-of-fold over
``folds`` folds shuffled with ``seed``, of the conversion rate of the value, or of the quantile
bin of ``bins`` for numbers, missing as a value of its own); fill rates among converted and
unconverted leads; the value holding most converted leads. A column is flagged for what a leak
is:

* ``separates``: alone it separates the classes almost perfectly: AUC at least ``max_auc``; or a
  value over at least ``min_leads`` leads converts about 0% (at most ``pure_low``) or 100% (at
  least ``pure_high``) where the base rate predicts at least ``min_expected`` leads of the other
  outcome.
* ``missingness``: filled for converted and unconverted leads at rates at least
  ``missingness_gap`` apart (a field sales fill in after talking to the lead, or only once it
  converted).
* ``snapshot``: the column holds the record's latest state, which a CRM export shows as of the
  export, overwritten after the outcome. Found two ways:

  - by its name (a word of ``snapshot_words``: last, latest, current, recent, updated, status,
    stage, ..., in any position and any case, also run together with other words as in
    ``lastActivityType`` or ``LASTNOTABLEACTIVITY``) AND the data agree: AUC at least
    ``snapshot_auc``, or a value holding at least ``value_share`` of the converted leads at
    conversion odds at least ``value_odds`` times the base odds (categories only), or values
    that follow a conversion holding at least ``snapshot_follow_share`` of the converted leads
    (below), or fill rates apart by at least ``fill_gap`` and a factor ``fill_ratio`` (either
    way). A ``Last Name`` or an unrelated ``Current Currency`` shows none of this;
  - by its values alone, whatever its name: a categorical column (at least three values) whose
    converted leads mostly (at least ``follow_share``) hold values that follow a conversion,
    values at least ``follow_ratio`` times as common among converted leads as among the others
    (``features.leakage_stats.following_values``; values with at least ``follow_min_leads``
    leads): the meeting booked, the reply, the step reached, which the CRM writes once a lead
    converts. Only for a column nothing else flags.
* ``assigned``: its name says sales assigned it (a word of ``assigned_words``: quality, grade,
  rating, score, tier, priority, ...) AND it is filled far more often for converted leads (at least
  ``fill_ratio`` times and ``fill_gap`` above the unconverted rate: weaker than
  ``missingness_gap``), or its values are clearly skewed (AUC at least ``assigned_auc``, or a
  concentrating value as for ``snapshot``). A third-party rating filled alike for both classes
  is not flagged.
* ``name``: a word of its name is one of ``name_words`` (tag, status, stage, outcome, ...): it
  says the column records a sales step or an outcome; the name alone is enough.
* ``after_outcome`` (event shape): it counts activities of a type that only ever happens after
  the lead converted (at least ``after_share`` of its occurrences), and it is not constant at
  the scoring moment.
* ``dominates``: AUC at least ``dominates_auc`` and at least ``dominates_margin`` above the best
  other column not flagged for another reason (so one leak does not hide another): a
  measurement of the sales contact itself looks like this.

Names are matched as whole words (``features.roles.tokens``): "Statuses" or "Marital status"
match, "Stagecoach" or "Backstage Pass" do not; only the snapshot words, which need the data to
agree, are also found run together with other words ("lastactivitytype"; "Backstage Pass" then
names "stage", and its data clear it). The name-based kinds (snapshot, assigned, name) and the
snapshot found by values apply to the raw export columns only (``raw``), never to the product's
own point-in-time features of the event shape (``days_since_last_activity`` is built at the MQL
moment).

Flagged columns are dropped by default; a user keeps one knowingly with ``--keep-column``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.contact import mask_value
from features.leakage_stats import (
    ColumnStats,
    column_stats,
    post_outcome_activity_types,
    single_column_auc,
)
from features.roles import tokens

# Words that name a sales step or an outcome on their own. Not here: words honest form fields
# share ("Reason for Inquiry", "Quiz Result", HubSpot's "First Conversion" = the first form sent),
# and grades (``ASSIGNED_WORDS``), which need evidence.
NAME_WORDS = ("tag", "tags", "status", "statuses", "stage", "outcome", "outcomes", "closed",
              "won", "lost", "converted", "deal", "deals", "opportunity", "disqualified",
              "disqualification", "disposition", "sql")
SNAPSHOT_WORDS = ("last", "latest", "newest", "current", "currently", "recent", "recently",
                  "updated", "modified", "changed", "edited", "status", "statuses", "stage",
                  "stages")
INSIDE_MIN_LETTERS = 4  # a snapshot word this long is also found run together with others
ASSIGNED_WORDS = ("quality", "grade", "grades", "graded", "rating", "ratings", "rated", "rank",
                  "ranked", "ranking", "index", "profile", "tier", "priority", "score", "scored",
                  "scoring")
# The order of a column's flags in the report: the most telling first (its advice is shown).
KINDS = ("snapshot", "assigned", "after_outcome", "separates", "missingness", "dominates",
         "name")
NAME_KINDS = ("snapshot", "assigned", "name")
ADVICE = {
    "separates": "alone it predicts the outcome almost perfectly, which columns filled in after "
                 "the outcome do",
    "missingness": "it is filled in for converted and unconverted leads at very different rates, "
                   "as fields sales fill in after contact are",
    "snapshot": "it holds the record's latest state as of the export, which the CRM overwrote "
                "after the outcome for leads that went further (a converted lead's last activity "
                "becomes the sales meeting), not what was known when the lead became an MQL",
    "assigned": "it is a grade or score sales give while working a lead, given more often or "
                "more favourably to leads that went further, so it records the sales verdict "
                "rather than predicting it",
    "name": "its name says it records a sales step or an outcome",
    "after_outcome": "it counts activities that only happen after a lead converted",
    "dominates": "alone it predicts the outcome far better than every other column; ask whether "
                 "it is known when a lead becomes an MQL (measurements of the sales contact "
                 "itself, such as call minutes or meetings held, look like this)",
}


@dataclass(frozen=True)
class LeakageConfig:
    """Thresholds of the leakage checks (see the module doc)."""

    max_auc: float = 0.9
    pure_low: float = 0.01
    pure_high: float = 0.98
    min_leads: int = 50
    min_expected: float = 25.0
    missingness_gap: float = 0.4
    snapshot_auc: float = 0.7
    assigned_auc: float = 0.75
    value_share: float = 0.15
    value_odds: float = 4.0
    fill_gap: float = 0.15
    fill_ratio: float = 1.5
    dominates_auc: float = 0.8
    dominates_margin: float = 0.15
    name_words: tuple[str, ...] = NAME_WORDS
    snapshot_words: tuple[str, ...] = SNAPSHOT_WORDS
    assigned_words: tuple[str, ...] = ASSIGNED_WORDS
    after_share: float = 0.95
    follow_ratio: float = 3.0
    follow_min_leads: int = 10
    follow_share: float = 0.45
    snapshot_follow_share: float = 0.3
    bins: int = 20
    folds: int = 5
    seed: int = 42


@dataclass(frozen=True)
class LeakageFlag:
    """One reason to suspect one column, with its evidence in words and numbers."""

    column: str
    reason: str
    evidence: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def advice(self) -> str:
        return (f"{ADVICE[self.reason]}: dropped. If '{self.column}' is really known when a lead "
                f"becomes an MQL, keep it with --keep-column '{self.column}'")

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "reason": self.reason, "evidence": self.evidence,
                "advice": self.advice, "stats": self.stats}


def _fills(s: ColumnStats) -> str:
    return f"filled for {s.fill_converted:.0%} of converted vs {s.fill_unconverted:.0%} of " \
           f"unconverted leads"


def _fill_apart(s: ColumnStats, cfg: LeakageConfig, either_way: bool) -> bool:
    """Fill rates apart by ``fill_gap`` and by a factor ``fill_ratio`` (converted higher, or
    either way)."""
    hi, lo = s.fill_converted, s.fill_unconverted
    if either_way and lo > hi:
        hi, lo = lo, hi
    return hi - lo >= cfg.fill_gap and hi >= cfg.fill_ratio * lo


def _concentrated(s: ColumnStats, cfg: LeakageConfig) -> bool:
    return (s.top is not None and s.top["share"] >= cfg.value_share
            and s.top["odds_ratio"] >= cfg.value_odds)


def name_hits(name: str, words: Sequence[str], inside: bool = False) -> list[str]:
    """The ``words`` in a column name: whole words (``features.roles.tokens``), and with
    ``inside`` also words of at least ``INSIDE_MIN_LETTERS`` letters run together with others
    in one word (``lastactivitytype``, ``MOSTRECENTTOUCH``)."""
    found = set()
    for token in tokens(name):
        for word in words:
            if token == word or (inside and len(word) >= INSIDE_MIN_LETTERS
                                 and len(token) > len(word) and word in token):
                found.add(word)
    return sorted(found)


def _follows(s: ColumnStats, share: float) -> str | None:
    """Evidence that converted leads hold values that follow a conversion (at least ``share``
    of them), in words; None if not."""
    f = s.follow
    if f is None or not f["values"] or f["share_converted"] < share:
        return None
    shown = ", ".join(repr(mask_value(v)) for v in f["values"][:3])
    more = f" and {len(f['values']) - 3} more" if len(f["values"]) > 3 else ""
    return (f"values that follow a conversion ({shown}{more}) hold {f['share_converted']:.0%} "
            f"of converted leads and {f['share_unconverted']:.0%} of the others")


def _association(s: ColumnStats, base: float, cfg: LeakageConfig, min_auc: float,
                 either_way: bool, follow_share: float | None = None) -> list[str]:
    """The evidence beyond the name, in words (empty: the data do not back the name)."""
    found = []
    if s.auc >= min_auc:
        found.append(f"single-column AUC {s.auc:.3f} (>= {min_auc:g})")
    if _concentrated(s, cfg):
        assert s.top is not None
        found.append(f"value '{mask_value(s.top['value'])}' holds {s.top['share']:.0%} of "
                     f"converted leads and converts {s.top['rate']:.0%} of its {s.top['n']:,} "
                     f"leads (base rate {base:.1%})")
    follows = None if follow_share is None else _follows(s, follow_share)
    if follows is not None:
        found.append(follows)
    if _fill_apart(s, cfg, either_way):
        found.append(_fills(s))
    return found


def _stat_dict(s: ColumnStats, **extra: Any) -> dict[str, Any]:
    return {"auc": round(s.auc, 4), "filled_converted": round(s.fill_converted, 4),
            "filled_unconverted": round(s.fill_unconverted, 4), "top_value": s.top, **extra}


def _column_flags(name: str, s: ColumnStats, base: float, raw: bool,
                  cfg: LeakageConfig) -> list[LeakageFlag]:
    """The flags of one column, except ``dominates`` and ``after_outcome``."""
    flags = []
    if s.auc >= cfg.max_auc or s.pure is not None:
        text = f"single-column AUC {s.auc:.3f}"
        if s.pure is not None:
            text += (f"; value '{mask_value(s.pure['value'])}' converts {s.pure['rate']:.1%} of "
                     f"{s.pure['n']:,} leads (base rate {base:.1%})")
        flags.append(LeakageFlag(name, "separates", text,
                                 {"auc": round(s.auc, 4), "worst_value": s.pure,
                                  "base_rate": round(base, 4)}))
    if abs(s.fill_converted - s.fill_unconverted) >= cfg.missingness_gap:
        flags.append(LeakageFlag(name, "missingness", _fills(s),
                                 {"filled_converted": round(s.fill_converted, 4),
                                  "filled_unconverted": round(s.fill_unconverted, 4)}))
    if not raw:
        return flags
    for reason, hits, min_auc, either_way, follow, says in (
            ("snapshot", name_hits(name, cfg.snapshot_words, inside=True), cfg.snapshot_auc,
             True, cfg.snapshot_follow_share, "the latest state"),
            ("assigned", name_hits(name, cfg.assigned_words), cfg.assigned_auc, False, None,
             "a grade given by sales")):
        evidence = _association(s, base, cfg, min_auc, either_way, follow) if hits else []
        if evidence:
            flags.append(LeakageFlag(
                name, reason, f"name says {says} ({', '.join(map(repr, hits))}); "
                + "; ".join(evidence), _stat_dict(s, words=hits)))
    hits = name_hits(name, cfg.name_words)
    if hits:
        flags.append(LeakageFlag(name, "name", f"name contains {', '.join(map(repr, hits))}",
                                 {"words": hits}))
    if not flags and s.follow is not None and s.follow["n_values"] >= 3:
        # the values alone, for a column nothing else gives away
        follows = _follows(s, cfg.follow_share)
        if follows is not None:
            flags.append(LeakageFlag(
                name, "snapshot", f"its values say it was updated after the outcome: {follows} "
                f"(each at least {cfg.follow_ratio:g}x as common among converted leads)",
                _stat_dict(s, follow=s.follow)))
    return flags


def _dominates(aucs: dict[str, float], flagged: set[str],
               cfg: LeakageConfig) -> list[LeakageFlag]:
    """Columns whose AUC stands far above the best other column not flagged otherwise."""
    flags = []
    for name, auc in aucs.items():
        if auc < cfg.dominates_auc:
            continue
        others = {c: a for c, a in aucs.items() if c != name and c not in flagged}
        nxt, nxt_auc = max(others.items(), key=lambda t: t[1]) if others else ("(none)", 0.5)
        if auc - nxt_auc >= cfg.dominates_margin:
            flags.append(LeakageFlag(
                name, "dominates", f"single-column AUC {auc:.3f} vs {nxt_auc:.3f} for the next "
                f"best column not flagged otherwise, '{nxt}'",
                {"auc": round(auc, 4), "next_column": nxt, "next_auc": round(nxt_auc, 4)}))
    return flags


def _ordered(flags: list[LeakageFlag], columns: Sequence[str]) -> list[LeakageFlag]:
    position = {c: i for i, c in enumerate(columns)}
    return sorted(flags, key=lambda f: (position.get(f.column, len(position)),
                                        KINDS.index(f.reason)))


def _scan(x: pd.DataFrame, y: np.ndarray, numeric: list[str], categorical: list[str],
          cfg: LeakageConfig, raw: Sequence[str] | None
          ) -> tuple[list[LeakageFlag], dict[str, float]]:
    base = float(y.mean())
    flags: list[LeakageFlag] = []
    aucs: dict[str, float] = {}
    for name in x.columns:
        if name not in numeric and name not in categorical:
            continue
        s = column_stats(x[name], y, name in numeric, cfg)
        aucs[name] = s.auc
        flags += _column_flags(name, s, base, raw is None or name in raw, cfg)
    return flags, aucs


def detect_leakage(x: pd.DataFrame, y: np.ndarray | pd.Series, numeric: list[str],
                   categorical: list[str], cfg: LeakageConfig | None = None,
                   raw: Sequence[str] | None = None) -> list[LeakageFlag]:
    """Flags for the columns of ``x`` (training rows; numbers as float, categories as text).

    Args:
        x: model inputs of the training rows.
        y: their labels (1 converted, 0 not).
        numeric, categorical: the columns to check, by kind.
        cfg: thresholds.
        raw: the columns taken as they are from an export, which get the name-based checks
            (snapshot, assigned, name); None: all of them (a flat export).

    Returns:
        One LeakageFlag per (column, reason), in column order.
    """
    cfg = cfg or LeakageConfig()
    y = np.asarray(y, dtype=float)
    flags, aucs = _scan(x, y, numeric, categorical, cfg, raw)
    flags += _dominates(aucs, {f.column for f in flags}, cfg)
    return _ordered(flags, list(x.columns))


def detect_event_leakage(x: pd.DataFrame, y: np.ndarray | pd.Series, numeric: list[str],
                         categorical: list[str], activities: pd.DataFrame,
                         outcomes: pd.DataFrame, cfg: LeakageConfig | None = None,
                         raw: Sequence[str] = ()) -> tuple[list[LeakageFlag], list[str]]:
    """``detect_leakage`` plus the event-shape check: features counting post-outcome activity
    types that are not constant at the scoring moment. The features of the event shape are the
    product's own, built point in time, so only the columns in ``raw`` (none by default) get the
    name-based checks. Returns (flags, notes); a note says which post-outcome types exist but do
    not reach the features (point in time)."""
    cfg = cfg or LeakageConfig()
    y = np.asarray(y, dtype=float)
    flags, aucs = _scan(x, y, numeric, categorical, cfg, raw)
    notes = []
    for row in post_outcome_activity_types(activities, outcomes, cfg).itertuples():
        used = [c for c in x.columns if f"_{row.activity_type}_" in f"_{c}_"]
        leaking = [c for c in used if x[c].nunique(dropna=True) > 1]
        what = (f"activity type '{row.activity_type}': {row.share_after_sql:.0%} of its "
                f"{row.n:,} occurrences among converted leads are after sql_at")
        for column in leaking:
            share = float((x[column].fillna(0) != 0).mean())
            flags.append(LeakageFlag(column, "after_outcome",
                                     f"{what}; non-zero for {share:.1%} of training leads at "
                                     f"their scoring moment",
                                     {"activity_type": row.activity_type,
                                      "share_after_sql": round(float(row.share_after_sql), 4)}))
        if not leaking:
            notes.append(f"{what}; features count only activities before each lead's scoring "
                         f"moment, so none of it reaches the model")
    flags += _dominates(aucs, {f.column for f in flags}, cfg)
    return _ordered(flags, list(x.columns)), notes


def flagged_columns(flags: list[LeakageFlag]) -> list[str]:
    """The flagged columns, each once, in flag order."""
    return list(dict.fromkeys(f.column for f in flags))


def format_report(flags: list[LeakageFlag], kept: list[str] | tuple[str, ...] = ()) -> str:
    """The leakage report a user reads: per column its reasons, evidence and what to do."""
    if not flags:
        return "leakage check: no column flagged"
    lines = [f"leakage check: {len(flagged_columns(flags))} column(s) flagged"]
    for column in flagged_columns(flags):
        own = [f for f in flags if f.column == column]
        action = ("KEPT (--keep-column): metrics may be inflated" if column in kept
                  else "dropped")
        lines.append(f"  {column}: {action}")
        for f in own:
            lines.append(f"    [{f.reason}] {f.evidence}")
        lines.append(f"    what to do: {own[0].advice}")
    return "\n".join(lines)


__all__ = ["LeakageConfig", "LeakageFlag", "detect_leakage", "detect_event_leakage",
           "post_outcome_activity_types", "flagged_columns", "format_report", "single_column_auc",
           "column_stats", "ColumnStats", "NAME_WORDS", "SNAPSHOT_WORDS", "ASSIGNED_WORDS",
           "KINDS", "NAME_KINDS", "ADVICE", "name_hits"]
