"""The sections of the marketers' report, each ``ReportInputs -> HTML``; the page is assembled by
``report.page.build_report``.

Both data shapes go through the same functions: what a shape lacks (the points score and the
BANT flags of a flat export) is a flag of ``ReportInputs``, and the section says in one sentence
what does not apply instead of showing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from report import charts
from report.html import esc, figure, num, pct, table
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
from scoring.card import ModelCard

FEW_LEADS = 30  # score bands with fewer leads get a "read with care" note


def drivers(inputs: ReportInputs) -> str:
    imp = inputs.importances
    if imp.empty:
        return "<p>No importances were recorded for this model.</p>"
    groups = inputs.family_groups
    families = family_importances(imp, groups)
    top = imp.head(15)
    rows = [[r.label, groups.get(r.family, "Other"),
             DIRECTION_WORDS.get(r.direction, r.direction), f"{r.importance:.4f}"]
            for r in top.itertuples()]
    share = families["importance"] / families["importance"].sum()
    summary = ", ".join(f"{g} {s:.0%}" for g, s in zip(families["group"], share, strict=True))
    note = inputs.scope.get("family_note")
    return (
        "<p>Which facts about a lead the model relies on most, in the words of the CRM. "
        "Importance is how much worse the predictions get when that fact is shuffled between "
        "leads; ▲ means more of it makes conversion likelier, ▼ less likely, ◆ it depends on the "
        f"value (categories). Share of importance by family: {esc(summary)}.</p>"
        + (f'<p class="muted">{esc(note)}</p>' if note else "")
        + '<div class="row">'
        + figure(charts.data_uri(charts.importance_chart(imp, family_groups=groups)),
                 "top features by importance")
        + '<div class="side">'
        + figure(charts.data_uri(charts.family_chart(families)), "importance by family")
        + "</div></div>"
        + table("drivers", ["feature", "family", "effect", "importance"], rows, {3}))


def conversion(inputs: ReportInputs) -> str:
    leads = inputs.leads
    n, sqls, rate = overall_rate(leads)
    scope = inputs.scope
    censored, blank = scope.get("n_censored"), scope.get("n_unlabelled")
    note = (f" {censored:,} more recent leads are left out: their horizon has not passed, so "
            "whether they convert is not known yet." if censored else "")
    if blank:
        note += f" {blank:,} rows with a blank label are left out."
    parts = [f'<p id="overall-rate">Overall, <b>{sqls:,}</b> of <b>{n:,}</b> MQLs became SQLs: '
             f"<b>{pct(rate)}</b> (benchmark {pct(inputs.benchmark, 0)}).{esc(note)}</p>"]
    parts += [f'<p class="muted" id="{key}">{esc(scope[key])}</p>'
              for key in ("definition", "segment_rule") if scope.get(key)]
    for segment, label in inputs.segments.items():
        frame = conversion_by(leads, segment)
        rows = [[v, f"{n_:,}", f"{s:,}", pct(r)] for v, n_, s, r in
                frame[[segment, "leads", "sqls", "rate"]].itertuples(index=False)]
        fig = charts.conversion_chart(frame, label, rate, inputs.benchmark,
                                      rotate=segment in inputs.rotate)
        parts.append(f"<h3>By {esc(label)}</h3>" + '<div class="row">'
                     + figure(charts.data_uri(fig), f"conversion rate by {label}")
                     + '<div class="side">'
                     + table(f"conv-{segment}", [label[0].upper() + label[1:], "MQLs", "SQLs",
                                                 "conversion"], rows, {1, 2, 3})
                     + "</div></div>")
    return "".join(parts)


def _against_points(inputs: ReportInputs) -> str:
    """Lift per decile of the model beside the points score, or of the model alone."""
    evaluated = inputs.evaluated
    y = evaluated["label"].to_numpy(dtype=float)
    scores = {"model": evaluated["probability"].to_numpy(dtype=float)}
    if inputs.points:
        scores["points score"] = evaluated["points_score"].to_numpy(dtype=float)
    lift = lift_table(y, scores)
    top = top_decile_rates(evaluated)
    ratio = (f"{top['model'] / top['overall']:.1f}x" if top["overall"] > 0 else "–")
    chart = figure(charts.data_uri(charts.lift_chart(lift, top["overall"])), "lift chart")
    model = (f'<p id="top-decile">The 10% of leads the model ranks highest converted at '
             f"<b>{pct(top['model'])}</b> ({ratio} the average of {pct(top['overall'])})")
    if not inputs.points:
        return ("<h3>The model's lift by decile</h3>" + model
                + '.</p><p id="no-baseline">A flat export has no rule-based points score, so '
                "there is no baseline to compare the model with: the chart shows the model's "
                "lift alone.</p>" + chart)
    ratio_points = (f"{top['points'] / top['overall']:.1f}x" if top["overall"] > 0 else "–")
    return ("<h3>The model against the points score</h3>" + model
            + f"; the 10% with the highest points score at <b>{pct(top['points'])}</b> "
            f"({ratio_points}).</p>" + chart)


def trust(inputs: ReportInputs) -> str:
    evaluated = inputs.evaluated
    where = esc(inputs.scope.get("evaluated_on", "the evaluated leads"))
    if evaluated.empty or evaluated["label"].nunique() < 2:
        return f"<p>Not enough scored, labelled leads in {where} to judge the score.</p>"
    bands = score_bands(evaluated)
    sentences = []
    for row in bands.itertuples():
        care = " (few leads: read with care)" if row.leads < FEW_LEADS else ""
        sentences.append(f"<li>Of the {row.leads:,} leads scored {row.band}, "
                         f"<b>{pct(row.observed_rate, 0)}</b> became SQLs (the score said "
                         f"{pct(row.mean_predicted, 0)} on average){care}.</li>")
    return (
        f"<p>Measured on {where} ({len(evaluated):,} leads). The score is a probability in "
        "percent: a lead scored 30 should convert about 30% of the time. Points on the diagonal "
        "mean the score can be taken at face value.</p>"
        '<div class="row">'
        + figure(charts.data_uri(charts.reliability_chart(bands)), "reliability diagram")
        + f'<div class="side"><ul class="bands" id="score-bands">{"".join(sentences)}</ul></div>'
        "</div>" + _against_points(inputs))


def bant(inputs: ReportInputs) -> str:
    if not inputs.bant:
        return ('<p id="no-bant">Not available for this model: a flat export has no BANT fields '
                "(the budget, authority, need and timeline flags are computed by the rules of "
                "<code>rules.toml</code> from the event-shape export).</p>")
    frame = bant_table(inputs.leads)
    _, _, overall = overall_rate(inputs.leads)
    rows = [[f, v, f"{n:,}", pct(s), pct(r)] for f, v, n, s, r in
            frame[["flag", "value", "leads", "share", "rate"]].itertuples(index=False)]
    return (
        "<p>The four rule-based flags sales agreed on (from <code>rules.toml</code>): how often "
        "each is true, false or unknown (data missing), and how leads with each value "
        "converted.</p>"
        '<div class="row">'
        + figure(charts.data_uri(charts.bant_share_chart(frame)), "BANT flag shares", "half")
        + figure(charts.data_uri(charts.bant_rate_chart(frame, overall)),
                 "conversion by BANT flag value", "half")
        + "</div>"
        + table("bant", ["flag", "value", "leads", "share", "conversion"], rows, {2, 3, 4}))


def leakage(inputs: ReportInputs) -> str:
    card = inputs.card
    flags = card.leakage_flags
    kept = set(card.kept_columns)
    intro = ("<p>Before fitting, every candidate column was checked on the training leads for "
             "signs that it was filled in after the outcome (sales fields such as tags, status "
             "or deal value): a model that reads them looks brilliant in testing and fails on "
             "new leads, where they are still empty. Flagged columns are dropped unless kept "
             "knowingly with <code>--keep-column</code>.</p>")
    if not flags:
        return intro + '<p id="no-leakage">No column was flagged: every column was used.</p>'
    columns = list(dict.fromkeys(f["column"] for f in flags))
    dropped = [c for c in columns if c not in kept]
    summary = (f'<p id="leakage-summary">Dropped: <b>{esc(", ".join(dropped) or "none")}</b>. '
               f'Kept knowingly: <b>{esc(", ".join(c for c in columns if c in kept) or "none")}'
               "</b>" + (" (the test metrics may be inflated)" if kept & set(columns) else "")
               + ".</p>")
    rows = [[f["column"], f["reason"], f["evidence"],
             "kept (--keep-column)" if f["column"] in kept else "dropped"] for f in flags]
    return intro + summary + table("leakage", ["column", "reason", "evidence", "decision"],
                                   rows, set())


def _event_facts(card: ModelCard, m: dict[str, Any], fp: dict[str, Any]) -> list:
    return [
        ("trained on", f"{fp.get('n_leads', 0):,} leads with MQL dates "
                       f"{str(fp.get('mql_from', '?'))[:10]} to {str(fp.get('mql_to', '?'))[:10]}"
                       f", as of {str(fp.get('as_of', '?'))[:10]}"),
        ("labelled", f"{m.get('n_labelled', 0):,} leads (horizon "
                     f"{card.horizon_days or '?'} days; {fp.get('n_censored', 0):,} "
                     f"censored, {fp.get('n_rejected', 0):,} rejected rows)"),
        ("split", f"{m.get('split', '?')}: train {m.get('n_train', 0):,}, valid "
                  f"{m.get('n_valid', 0):,}, test {m.get('n_test', 0):,} (newest)"),
    ]


def _flat_facts(card: ModelCard, m: dict[str, Any], fp: dict[str, Any]) -> list:
    time_column = fp.get("time_column")
    dates = (f", {time_column} {str(fp.get('mql_from', '?'))[:10]} to "
             f"{str(fp.get('mql_to', '?'))[:10]}" if time_column else " (no time column)")
    newest = "newest" if m.get("split") == "out_of_time" else "drawn at random"
    return [
        ("trained on", f"{fp.get('n_leads', 0):,} rows of the flat export "
                       f"{Path(str(fp.get('source', '?'))).name}{dates}"),
        ("labelled", f"{m.get('n_labelled', 0):,} rows with {fp.get('target', '?')!s} filled in "
                     f"({m.get('n_unlabelled', 0):,} blank, left out)"),
        ("split", f"{m.get('split', '?')}: train {m.get('n_train', 0):,}, valid "
                  f"{m.get('n_valid', 0):,}, test {m.get('n_test', 0):,} ({newest})"),
    ]


def facts(inputs: ReportInputs) -> str:
    card = inputs.card
    m: dict[str, Any] = card.metrics
    fp: dict[str, Any] = card.data_fingerprint
    shape_facts = _flat_facts if inputs.shape == "flat" else _event_facts
    rows_facts = [
        ("model", f"{card.model_name} v{card.version} "
                  f"({card.alias or '?'} when trained)"),
        ("trained", str(card.trained_at or "?")[:19].replace("T", " ") + " UTC"),
        ("algorithm", f"{m.get('chosen_model', '?')}, {m.get('calibration', '?')} calibration"),
        *shape_facts(card, m, fp),
        ("data fingerprint", str(fp.get("sha256", "?"))[:16]),
        ("this page", esc(inputs.scope.get("data", ""))),
    ]
    metric_rows = [("ROC AUC", "auc", True), ("PR AUC", "pr_auc", True),
                   ("log loss", "log_loss", False), ("Brier", "brier", False),
                   ("ECE (10 bins)", "ece", False), ("top-decile rate", "top_decile_rate", True),
                   ("top-decile lift", "top_decile_lift", True)]
    rows = [[name, num(m.get(f"test_{key}")), num(m.get(f"points_{key}")) if both else "–"]
            for name, key, both in metric_rows]
    headers = ["metric", "model", "points score"]
    if not inputs.points:
        rows, headers = [r[:2] for r in rows], headers[:2]
    when = "out of time" if m.get("split") == "out_of_time" else str(m.get("split", "?"))
    items = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows_facts)
    return (f'<table id="facts">{items}</table><h3>Test metrics ({esc(when)}, at training)</h3>'
            + table("metrics", headers, rows, {1, 2}))
