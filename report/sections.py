"""The sections of the marketers' report: each turns ``ReportInputs`` into the plain values of
its template (``report/templates/<section>.html.j2``): numbers, rows of tables, charts (HTML bar
charts of ``report.bars``, inline SVG of ``report.svg``); values in plain words
(``report.words.plain``). The page is assembled by ``report.page.build_report``; the markup
is the templates'.

Both data shapes go through the same functions: what a shape lacks (the points score and the
BANT flags of a flat export) is a flag of ``ReportInputs``, and the template says in one sentence
what does not apply instead of showing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from report import insights, svg
from report.bars import (
    BAR,
    FLAG_COLOURS,
    GROUP_COLOURS,
    PARTIAL,
    TIER_COLOURS,
    Bar,
    BarChart,
    Reference,
)
from report.tables import (
    DIRECTION_WORDS,
    ReportInputs,
    bant_table,
    conversion_by,
    family_importances,
    grade_table,
    lift_table,
    overall_rate,
    quadrant_table,
    score_bands,
    tier_table,
    top_decile_rates,
)
from report.words import plain, plain_names

FEW_LEADS = 30  # score bands with fewer leads get a "read with care" note
Context = dict[str, Any]
METRICS = (("ROC AUC", "auc", True), ("PR AUC", "pr_auc", True), ("log loss", "log_loss", False),
           ("Brier", "brier", False), ("ECE (10 bins)", "ece", False),
           ("top-decile rate", "top_decile_rate", True),
           ("top-decile lift", "top_decile_lift", True))  # (name, key, also for points score)


def _importance_chart(imp: pd.DataFrame, groups: dict[str, str]) -> BarChart:
    arrows = {"up": "▲ more → likelier", "down": "▼ more → less likely", "mixed": "◆ depends"}
    rows = imp.head(15)
    group = rows["family"].map(groups).fillna("Other")
    bars = [Bar(r.label, max(float(r.importance), 0.0), arrows.get(r.direction, ""),
                colour=GROUP_COLOURS.get(g, "#888888"))
            for r, g in zip(rows.itertuples(), group, strict=True)]
    legend = [(GROUP_COLOURS.get(g, "#888888"), g) for g in dict.fromkeys(group)]
    return BarChart("What drives conversion: the top facts, longest bar = most important", bars,
                    legend=legend)


def drivers(inputs: ReportInputs) -> Context:
    """The top importances in business words, their share per family, the per-value insights
    of the top drivers, and two charts."""
    imp = inputs.importances
    if imp.empty:
        return {"rows": []}
    groups = inputs.family_groups
    families = family_importances(imp, groups)
    share = families["importance"] / families["importance"].sum()
    return {
        "rows": [[r.label, groups.get(r.family, "Other"),
                  DIRECTION_WORDS.get(r.direction, r.direction), r.importance]
                 for r in imp.head(15).itertuples()],
        "shares": list(zip(families["group"], share, strict=True)),
        "note": inputs.scope.get("family_note"),
        "insights": insights.driver_insights(inputs), "min_group": insights.MIN_GROUP,
        "min_relative": insights.MIN_RELATIVE,
        "importance_chart": _importance_chart(imp, groups),
        "family_chart": BarChart("Share of importance by family", [
            Bar(g, float(v), f"{v:.0%}", colour=GROUP_COLOURS.get(g, "#888888"))
            for g, v in zip(families["group"], share, strict=True)]),
    }


def _value_names(segment: str, values: list[str], partial: set[str]) -> dict[str, str]:
    """Plain names of a segment's values; months as they are, partial ones marked."""
    if segment == "mql_month":
        return {v: f"{v} (partial)" if v in partial else v for v in values}
    return plain_names(values)


def conversion(inputs: ReportInputs) -> Context:
    """The overall conversion rate and one chart and table per segment, values in plain words,
    the MQL months whose leads have not all reached their horizon marked partial."""
    leads = inputs.leads
    n, sqls, rate = overall_rate(leads)
    scope = inputs.scope
    cohorts = inputs.cohorts
    partial = ({} if cohorts is None else
               {r.month: (r.labelled, r.leads) for r in cohorts[cohorts["partial"]].itertuples()})
    refs = [Reference(rate, f"overall {rate:.1%}"),
            Reference(inputs.benchmark, f"benchmark {inputs.benchmark:.0%} (typical MQL → SQL)",
                      "benchmark")]
    segments = []
    for segment, label in inputs.segments.items():
        frame = conversion_by(leads, segment)
        names = _value_names(segment, list(frame[segment]), set(partial))
        bars = [Bar(names[v], float(r), f"{r:.1%}", f"{int(k):,} leads",
                    PARTIAL if v in partial else BAR,
                    "partial" if v in partial else "")
                for v, r, k in zip(frame[segment], frame["rate"], frame["leads"], strict=True)]
        rows = [[names[v], *rest] for v, *rest in frame[[segment, "leads", "sqls", "rate"]]
                .values.tolist()]
        segments.append({"key": segment, "label": label,
                         "chart": BarChart(f"Conversion by {label}", bars, refs),
                         "rows": rows})
    return {"n": n, "sqls": sqls, "rate": rate, "benchmark": inputs.benchmark,
            "n_censored": scope.get("n_censored"), "n_unlabelled": scope.get("n_unlabelled"),
            "notes": [(key, scope[key]) for key in ("definition", "segment_rule")
                      if scope.get(key)],
            "partial": [(m, k, t) for m, (k, t) in sorted(partial.items())],
            "horizon_days": inputs.card.horizon_days or 90,
            "segments": segments}


def tiers(inputs: ReportInputs) -> Context:
    """The score tiers of the rules file: which scores, how many leads, how they converted."""
    evaluated = inputs.evaluated
    where = inputs.scope.get("evaluated_on", "the evaluated leads")
    if evaluated.empty or evaluated["label"].nunique() < 2:
        return {"enough": False, "where": where, "grades": None, "quadrants": None}
    table = tier_table(evaluated, inputs.tiers)
    overall = float(evaluated["label"].mean())
    bars = [Bar(f"{plain(r.tier)} (score {r.scores})", float(r.rate) if r.leads else 0.0,
                f"{r.rate:.1%}" if r.leads else "no leads", f"{r.leads:,} leads",
                TIER_COLOURS[r.tier]) for r in table.itertuples()]
    return {"enough": True, "where": where, "n": len(evaluated), "overall": overall,
            "rows": [[plain(r.tier), r.scores, r.leads, r.share, r.sqls, r.rate,
                      r.sql_share] for r in table.itertuples()],
            "chart": BarChart("Conversion per tier", bars,
                              [Reference(overall, f"overall {overall:.1%}")]),
            "hot": round(inputs.tiers.hot * 100), "warm": round(inputs.tiers.warm * 100),
            "grades": [[r.grade, r.scores, r.leads, r.share, r.sqls, r.rate, r.sql_share]
                       for r in grade_table(evaluated, inputs.grades).itertuples()],
            **_quadrants(inputs, evaluated)}


QUADRANT_ADVICE = {
    ("high", "high"): "call first: right company, and active",
    ("high", "low"): "right company, not yet active: reach out and nurture",
    ("low", "high"): "active, but a weaker fit: qualify on the first call",
    ("low", "low"): "nurture by email; do not spend sales time yet",
}


def _quadrants(inputs: ReportInputs, evaluated: pd.DataFrame) -> Context:
    """The fit x engagement grid of the tiers section (empty without the parts)."""
    if inputs.parts is None or inputs.parts.empty:
        return {"quadrants": None}
    cut = inputs.grades.c
    table = quadrant_table(evaluated, inputs.parts, cut).set_index(["fit", "engagement"])
    cells = {f"{fit}_{eng}": {**table.loc[(fit, eng)].to_dict(),
                              "leads": int(table.loc[(fit, eng), "leads"]),
                              "advice": QUADRANT_ADVICE[(fit, eng)]}
             for fit, eng in table.index}
    return {"quadrants": cells, "quadrant_cut": round(cut * 100)}


def _ratio(rate: float, overall: float) -> float | None:
    return rate / overall if overall > 0 else None


def trust(inputs: ReportInputs) -> Context:
    """Reliability per score band, and the lift of the model (beside the points score)."""
    evaluated = inputs.evaluated
    where = inputs.scope.get("evaluated_on", "the evaluated leads")
    if evaluated.empty or evaluated["label"].nunique() < 2:
        return {"enough": False, "where": where}
    bands = score_bands(evaluated)
    scores = {"model": evaluated["probability"].to_numpy(dtype=float)}
    if inputs.points:
        scores["points score"] = evaluated["points_score"].to_numpy(dtype=float)
    lift = lift_table(evaluated["label"].to_numpy(dtype=float), scores)
    top = top_decile_rates(evaluated)
    return {
        "enough": True, "where": where, "n": len(evaluated), "few_leads": FEW_LEADS,
        "bands": bands.to_dict(orient="records"),
        "reliability_chart": svg.reliability_svg(bands),
        "points": inputs.points,
        "top": {**top, "model_ratio": _ratio(top["model"], top["overall"]),
                "points_ratio": _ratio(top["points"], top["overall"])},
        "lift_chart": svg.lift_svg(lift, top["overall"]),
    }


def bant(inputs: ReportInputs) -> Context:
    """Share and conversion of each BANT flag value (event shape only)."""
    if not inputs.bant:
        return {"available": False}
    frame = bant_table(inputs.leads)
    _, _, overall = overall_rate(inputs.leads)
    shares = [{"flag": plain(flag), "parts": [
        {"value": plain(r.value), "share": float(r.share), "colour": FLAG_COLOURS[r.value]}
        for r in part.itertuples()]} for flag, part in frame.groupby("flag", sort=False)]
    bars = [Bar(f"{plain(r.flag)}: {plain(r.value).lower()}",
                0.0 if r.rate != r.rate else float(r.rate),
                "–" if r.rate != r.rate else f"{r.rate:.1%}", f"{r.leads:,} leads",
                FLAG_COLOURS[r.value]) for r in frame.itertuples()]
    return {"available": True,
            "rows": [[plain(f), plain(v), *rest] for f, v, *rest in
                     frame[["flag", "value", "leads", "share", "rate"]].values.tolist()],
            "shares": shares, "legend": [(c, plain(v)) for v, c in FLAG_COLOURS.items()],
            "rate_chart": BarChart("Conversion by BANT flag value", bars,
                                   [Reference(overall, f"overall {overall:.1%}")])}


def leakage(inputs: ReportInputs) -> Context:
    """The columns the leakage check flagged, with evidence and what was decided."""
    card = inputs.card
    flags = card.leakage_flags
    kept = set(card.kept_columns)
    columns = list(dict.fromkeys(f["column"] for f in flags))
    return {"dropped": [c for c in columns if c not in kept],
            "kept": [c for c in columns if c in kept],
            "rows": [[f["column"], f["reason"], f["evidence"],
                      "kept (--keep-column)" if f["column"] in kept else "dropped"]
                     for f in flags]}


def _run_facts(inputs: ReportInputs) -> Context:
    """Counts, dates and split of the training run, from the card (defaults where missing)."""
    card = inputs.card
    m, fp = card.metrics, card.data_fingerprint
    counts = ("n_labelled", "n_unlabelled", "n_train", "n_valid", "n_test")
    return {**{key: m.get(key, 0) for key in counts},
            **{key: fp.get(key, 0) for key in ("n_leads", "n_censored", "n_rejected")},
            "chosen_model": m.get("chosen_model", "?"), "calibration": m.get("calibration", "?"),
            "split": m.get("split", "?"), "out_of_time": m.get("split") == "out_of_time",
            "mql_from": str(fp.get("mql_from", "?"))[:10],
            "mql_to": str(fp.get("mql_to", "?"))[:10], "as_of": str(fp.get("as_of", "?"))[:10],
            "horizon_days": card.horizon_days, "source": Path(str(fp.get("source", "?"))).name,
            "time_column": fp.get("time_column"), "target": str(fp.get("target", "?"))}


def facts(inputs: ReportInputs) -> Context:
    """The model's identity, its training data and its test metrics at training."""
    card = inputs.card
    m = card.metrics
    rows = [[name, m.get(f"test_{key}"), m.get(f"points_{key}") if both else None,
             m.get(f"baseline_{key}")] for name, key, both in METRICS]
    headers = ["metric", "model", "points score", "default LogisticRegression"]
    kinds = ["text", "num", "num", "num"]
    keep = [0, 1, *([2] if inputs.points else []), *([3] if "baseline_auc" in m else [])]
    rows = [[r[i] for i in keep] for r in rows]
    headers, kinds = [headers[i] for i in keep], [kinds[i] for i in keep]
    low, high = m.get("test_auc_ci_low"), m.get("test_auc_ci_high")
    return {"model_name": card.model_name, "version": card.version, "alias": card.alias,
            "trained": str(card.trained_at or "?")[:19].replace("T", " "),
            "flat": inputs.shape == "flat", "run": _run_facts(inputs),
            "fingerprint": str(card.data_fingerprint.get("sha256", "?"))[:16],
            "data": inputs.scope.get("data", ""),
            "metric_headers": headers, "metric_kinds": kinds, "metric_rows": rows,
            "auc_interval": (low, high) if low is not None and high is not None else None,
            "newest": ((m["newest_month"], m["n_newest_month"], m["test_ece_newest_month"])
                       if "test_ece_newest_month" in m else None),
            "newest_baseline": m.get("baseline_ece_newest_month"),
            "newest_worse": bool(m.get("calibration_worse_than_baseline")),
            "choice": _choice(m)}


def _choice(m: dict[str, Any]) -> Context | None:
    """How the model was chosen: per validation fold, the chosen model's and the default
    LogisticRegression's ROC AUC (None for a card without folds)."""
    n = int(m.get("selection_folds", 0))
    if not n:
        return None
    rows = [[f"fold {k}", m.get(f"selection_fold{k}_span", ""),
             m.get(f"selection_fold{k}_rows"), m.get(f"chosen_fold{k}_auc"),
             m.get(f"baseline_fold{k}_auc")] for k in range(1, n + 1)]
    return {"n": n, "rows": rows, "default_chosen": bool(m.get("default_chosen")),
            "half_life": m.get("chosen_half_life_days") or None,
            "passed_over": int(m.get("candidates_passed_over", 0))}


def kpis(inputs: ReportInputs) -> Context:
    """The key numbers under the "what this means" box (no technical metric: those are in the
    model facts)."""
    n, sqls, rate = overall_rate(inputs.leads)
    evaluated = inputs.evaluated
    enough = len(evaluated) > 0 and evaluated["label"].nunique() == 2
    top = (top_decile_rates(evaluated) if enough
           else {"model": float("nan"), "points": float("nan")})
    hot = (tier_table(evaluated, inputs.tiers).set_index("tier").loc["hot"] if enough else None)
    return {"n": n, "sqls": sqls, "rate": rate, "benchmark": inputs.benchmark,
            "top_model": top["model"], "top_points": top["points"], "points": inputs.points,
            "hot_rate": float("nan") if hot is None or not hot["leads"] else float(hot["rate"]),
            "hot_share": float("nan") if hot is None else float(hot["share"]),
            "hot_from": round(inputs.tiers.hot * 100)}


def summary(inputs: ReportInputs) -> Context:
    """The "what this means" box (``report.insights.summary``)."""
    return insights.summary(inputs, insights.driver_insights(inputs))
