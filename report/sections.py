"""The sections of the marketers' report: each turns ``ReportInputs`` into the plain values of
its template (``report/templates/<section>.html.j2``): numbers, rows of tables, charts as data
URIs. The page is assembled by ``report.page.build_report``; the markup is the templates'.

Both data shapes go through the same functions: what a shape lacks (the points score and the
BANT flags of a flat export) is a flag of ``ReportInputs``, and the template says in one sentence
what does not apply instead of showing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report import charts
from report.tables import (
    DIRECTION_WORDS,
    ReportInputs,
    bant_table,
    conversion_by,
    family_importances,
    lift_table,
    overall_rate,
    score_bands,
    top_decile_rates,
)

FEW_LEADS = 30  # score bands with fewer leads get a "read with care" note
Context = dict[str, Any]
METRICS = (("ROC AUC", "auc", True), ("PR AUC", "pr_auc", True), ("log loss", "log_loss", False),
           ("Brier", "brier", False), ("ECE (10 bins)", "ece", False),
           ("top-decile rate", "top_decile_rate", True),
           ("top-decile lift", "top_decile_lift", True))  # (name, key, also for points score)


def drivers(inputs: ReportInputs) -> Context:
    """The top importances in business words, their share per family, and two charts."""
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
        "importance_chart": charts.data_uri(charts.importance_chart(imp, family_groups=groups)),
        "family_chart": charts.data_uri(charts.family_chart(families)),
    }


def conversion(inputs: ReportInputs) -> Context:
    """The overall conversion rate and one chart and table per segment."""
    leads = inputs.leads
    n, sqls, rate = overall_rate(leads)
    scope = inputs.scope
    segments = []
    for segment, label in inputs.segments.items():
        frame = conversion_by(leads, segment)
        fig = charts.conversion_chart(frame, label, rate, inputs.benchmark,
                                      rotate=segment in inputs.rotate)
        segments.append({"key": segment, "label": label, "chart": charts.data_uri(fig),
                         "rows": frame[[segment, "leads", "sqls", "rate"]].values.tolist()})
    return {"n": n, "sqls": sqls, "rate": rate, "benchmark": inputs.benchmark,
            "n_censored": scope.get("n_censored"), "n_unlabelled": scope.get("n_unlabelled"),
            "notes": [(key, scope[key]) for key in ("definition", "segment_rule")
                      if scope.get(key)],
            "segments": segments}


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
        "reliability_chart": charts.data_uri(charts.reliability_chart(bands)),
        "points": inputs.points,
        "top": {**top, "model_ratio": _ratio(top["model"], top["overall"]),
                "points_ratio": _ratio(top["points"], top["overall"])},
        "lift_chart": charts.data_uri(charts.lift_chart(lift, top["overall"])),
    }


def bant(inputs: ReportInputs) -> Context:
    """Share and conversion of each BANT flag value (event shape only)."""
    if not inputs.bant:
        return {"available": False}
    frame = bant_table(inputs.leads)
    _, _, overall = overall_rate(inputs.leads)
    return {"available": True,
            "rows": frame[["flag", "value", "leads", "share", "rate"]].values.tolist(),
            "share_chart": charts.data_uri(charts.bant_share_chart(frame)),
            "rate_chart": charts.data_uri(charts.bant_rate_chart(frame, overall))}


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
                       if "test_ece_newest_month" in m else None)}


def kpis(inputs: ReportInputs) -> Context:
    """The four key numbers under the page's title."""
    n, sqls, rate = overall_rate(inputs.leads)
    m = inputs.card.metrics
    evaluated = inputs.evaluated
    top = (top_decile_rates(evaluated) if len(evaluated) and evaluated["label"].nunique() == 2
           else {"model": float("nan"), "points": float("nan")})
    return {"n": n, "sqls": sqls, "rate": rate, "benchmark": inputs.benchmark,
            "top_model": top["model"], "top_points": top["points"], "points": inputs.points,
            "test_auc": m.get("test_auc"), "points_auc": m.get("points_auc"),
            "split": m.get("split", "?")}
