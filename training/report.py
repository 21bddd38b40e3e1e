"""The marketers' report: one self-contained HTML page about a model and the leads it learnt from.

What drives conversion (importances in business words, by family, with direction), conversion
rates by source, industry, company size band and MQL month against the 13% benchmark, how far to
trust the score (reliability per score band in plain sentences, lift against the points score),
the BANT picture, and the model's facts. Charts are PNG data URIs and the CSS is inline, so the
file opens offline and can be mailed; a print stylesheet makes it printable.

``build_report(inputs)`` is pure (``ReportInputs`` -> HTML text). ``inputs_from_run`` makes the
inputs from a training run (calibration and lift on the out-of-time test set);
``inputs_from_export`` from any CRM export scored by the champion (calibration on every labelled
lead of that export). Training writes the report into the champion bundle and logs it to MLflow.
"""

from __future__ import annotations

import html
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.bant import FLAGS, bant_flags
from features.rules import Rules
from training import report_charts as charts
from training.report_tables import (
    DIRECTION_WORDS,
    FAMILY_GROUPS,
    SEGMENTS,
    ReportInputs,
    bant_table,
    conversion_by,
    family_importances,
    lift_table,
    overall_rate,
    score_bands,
    top_decile_rates,
)

logger = logging.getLogger(__name__)

FEW_LEADS = 30  # score bands with fewer leads get a "read with care" note
VERSION_META = "leadconv-model-version"

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #3b6ea8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1160px; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 36px 0 8px;
     border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lede, .muted { color: var(--muted); }
nav { margin: 12px 0 8px; font-size: 14px; } nav a { margin-right: 14px; color: var(--accent); }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 200px;
       flex: 1; }
.kpi b { display: block; font-size: 22px; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.row > figure { flex: 1 1 560px; } .row > .side { flex: 1 1 300px; }
.row > figure.half { flex: 1 1 420px; }
figure { margin: 8px 0; } figure img { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
ul.bands li { margin: 2px 0; }
footer { margin-top: 40px; font-size: 13px; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2 { break-after: avoid; } figure, table, .kpi { break-inside: avoid; }
  section { break-before: auto; } a { color: inherit; text-decoration: none; }
}
"""

# Marks the page once every chart has decoded (the browser test reads it); logs broken ones.
CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute("data-charts", String(images.length));
  document.body.setAttribute("data-charts-broken", String(broken.length));
  if (broken.length) { console.error("report: " + broken.length + " chart(s) did not render"); }
});
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def pct(value: float, decimals: int = 1) -> str:
    """0.1234 -> "12.3%"; NaN -> "–"."""
    return "–" if value is None or not math.isfinite(value) else f"{value:.{decimals}%}"


def _num(value: object, fmt: str = "{:.3f}") -> str:
    if isinstance(value, (int, float, np.floating)) and math.isfinite(float(value)):
        return fmt.format(value)
    return "–"


def _figure(uri: str, alt: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<figure{klass}><img src="{uri}" alt="{_e(alt)}"></figure>'


def _table(table_id: str, headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{_e(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{_e(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _drivers(inputs: ReportInputs) -> str:
    imp = inputs.importances
    if imp.empty:
        return "<p>No importances were recorded for this model.</p>"
    families = family_importances(imp)
    top = imp.head(15)
    rows = [[r.label, FAMILY_GROUPS.get(r.family, "Other"),
             DIRECTION_WORDS.get(r.direction, r.direction), f"{r.importance:.4f}"]
            for r in top.itertuples()]
    share = families["importance"] / families["importance"].sum()
    summary = ", ".join(f"{g} {s:.0%}" for g, s in zip(families["group"], share, strict=True))
    return (
        "<p>Which facts about a lead the model relies on most, in the words of the CRM. "
        "Importance is how much worse the predictions get when that fact is shuffled between "
        "leads; ▲ means more of it makes conversion likelier, ▼ less likely, ◆ it depends on the "
        f"value (categories). Share of importance by family: {_e(summary)}.</p>"
        '<div class="row">'
        + _figure(charts.data_uri(charts.importance_chart(imp)), "top features by importance")
        + '<div class="side">'
        + _figure(charts.data_uri(charts.family_chart(families)), "importance by family")
        + "</div></div>"
        + _table("drivers", ["feature", "family", "effect", "importance"], rows, {3}))


def _conversion(inputs: ReportInputs) -> str:
    leads = inputs.leads
    n, sqls, rate = overall_rate(leads)
    censored = inputs.scope.get("n_censored")
    note = (f" {censored:,} more recent leads are left out: their horizon has not passed, so "
            "whether they convert is not known yet." if censored else "")
    parts = [f'<p id="overall-rate">Overall, <b>{sqls:,}</b> of <b>{n:,}</b> MQLs became SQLs: '
             f"<b>{pct(rate)}</b> (benchmark {pct(inputs.benchmark, 0)}).{_e(note)}</p>"]
    for segment, label in SEGMENTS.items():
        table = conversion_by(leads, segment)
        rows = [[v, f"{n_:,}", f"{s:,}", pct(r)] for v, n_, s, r in
                table[[segment, "leads", "sqls", "rate"]].itertuples(index=False)]
        fig = charts.conversion_chart(table, label, rate, inputs.benchmark,
                                      rotate=segment in ("industry", "mql_month"))
        parts.append(f"<h3>By {_e(label)}</h3>" + '<div class="row">'
                     + _figure(charts.data_uri(fig), f"conversion rate by {label}")
                     + '<div class="side">'
                     + _table(f"conv-{segment}", [label[0].upper() + label[1:], "MQLs", "SQLs",
                                                   "conversion"], rows, {1, 2, 3})
                     + "</div></div>")
    return "".join(parts)


def _trust(inputs: ReportInputs) -> str:
    evaluated = inputs.evaluated
    where = _e(inputs.scope.get("evaluated_on", "the evaluated leads"))
    if evaluated.empty or evaluated["label"].nunique() < 2:
        return f"<p>Not enough scored, labelled leads in {where} to judge the score.</p>"
    bands = score_bands(evaluated)
    sentences = []
    for row in bands.itertuples():
        care = " (few leads: read with care)" if row.leads < FEW_LEADS else ""
        sentences.append(f"<li>Of the {row.leads:,} leads scored {row.band}, "
                         f"<b>{pct(row.observed_rate, 0)}</b> became SQLs (the score said "
                         f"{pct(row.mean_predicted, 0)} on average){care}.</li>")
    y = evaluated["label"].to_numpy(dtype=float)
    lift = lift_table(y, {"model": evaluated["probability"].to_numpy(dtype=float),
                          "points score": evaluated["points_score"].to_numpy(dtype=float)})
    top = top_decile_rates(evaluated)
    ratio = (f"{top['model'] / top['overall']:.1f}x" if top["overall"] > 0 else "–")
    ratio_points = (f"{top['points'] / top['overall']:.1f}x" if top["overall"] > 0 else "–")
    return (
        f"<p>Measured on {where} ({len(evaluated):,} leads). The score is a probability in "
        "percent: a lead scored 30 should convert about 30% of the time. Points on the diagonal "
        "mean the score can be taken at face value.</p>"
        '<div class="row">'
        + _figure(charts.data_uri(charts.reliability_chart(bands)), "reliability diagram")
        + f'<div class="side"><ul class="bands" id="score-bands">{"".join(sentences)}</ul></div>'
        "</div><h3>The model against the points score</h3>"
        f'<p id="top-decile">The 10% of leads the model ranks highest converted at '
        f"<b>{pct(top['model'])}</b> ({ratio} the average of {pct(top['overall'])}); the 10% "
        f"with the highest points score at <b>{pct(top['points'])}</b> ({ratio_points}).</p>"
        + _figure(charts.data_uri(charts.lift_chart(lift, top["overall"])), "lift chart"))


def _bant(inputs: ReportInputs) -> str:
    table = bant_table(inputs.leads)
    _, _, overall = overall_rate(inputs.leads)
    rows = [[f, v, f"{n:,}", pct(s), pct(r)] for f, v, n, s, r in
            table[["flag", "value", "leads", "share", "rate"]].itertuples(index=False)]
    return (
        "<p>The four rule-based flags sales agreed on (from <code>rules.toml</code>): how often "
        "each is true, false or unknown (data missing), and how leads with each value "
        "converted.</p>"
        '<div class="row">'
        + _figure(charts.data_uri(charts.bant_share_chart(table)), "BANT flag shares", "half")
        + _figure(charts.data_uri(charts.bant_rate_chart(table, overall)),
                  "conversion by BANT flag value", "half")
        + "</div>"
        + _table("bant", ["flag", "value", "leads", "share", "conversion"], rows, {2, 3, 4}))


def _facts(inputs: ReportInputs) -> str:
    card = inputs.card
    m: dict[str, Any] = card.get("metrics", {}) or {}
    fp: dict[str, Any] = card.get("data_fingerprint", {}) or {}
    facts = [
        ("model", f"{card.get('model_name', 'lead-conversion')} v{card.get('version', '?')} "
                  f"({card.get('alias', '?')} when trained)"),
        ("trained", str(card.get("trained_at", "?"))[:19].replace("T", " ") + " UTC"),
        ("algorithm", f"{m.get('chosen_model', '?')}, {m.get('calibration', '?')} calibration"),
        ("trained on", f"{fp.get('n_leads', 0):,} leads with MQL dates "
                       f"{str(fp.get('mql_from', '?'))[:10]} to {str(fp.get('mql_to', '?'))[:10]}"
                       f", as of {str(fp.get('as_of', '?'))[:10]}"),
        ("labelled", f"{m.get('n_labelled', 0):,} leads (horizon "
                     f"{card.get('horizon_days', '?')} days; {fp.get('n_censored', 0):,} "
                     f"censored, {fp.get('n_rejected', 0):,} rejected rows)"),
        ("split", f"{m.get('split', '?')}: train {m.get('n_train', 0):,}, valid "
                  f"{m.get('n_valid', 0):,}, test {m.get('n_test', 0):,} (newest)"),
        ("data fingerprint", str(fp.get("sha256", "?"))[:16]),
        ("this page", _e(inputs.scope.get("data", ""))),
    ]
    metric_rows = [("ROC AUC", "auc", True), ("PR AUC", "pr_auc", True),
                   ("log loss", "log_loss", False), ("Brier", "brier", False),
                   ("ECE (10 bins)", "ece", False), ("top-decile rate", "top_decile_rate", True),
                   ("top-decile lift", "top_decile_lift", True)]
    rows = [[name, _num(m.get(f"test_{key}")), _num(m.get(f"points_{key}")) if both else "–"]
            for name, key, both in metric_rows]
    items = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return (f'<table id="facts">{items}</table><h3>Test metrics (out of time, at training)</h3>'
            + _table("metrics", ["metric", "model", "points score"], rows, {1, 2}))


def build_report(inputs: ReportInputs) -> str:
    """The whole report as one HTML document (charts embedded, no external resource)."""
    start = time.perf_counter()
    card = inputs.card
    version = _e(card.get("version", "?"))
    n, sqls, rate = overall_rate(inputs.leads)
    m = card.get("metrics", {}) or {}
    evaluated = inputs.evaluated
    top = (top_decile_rates(evaluated) if len(evaluated) and evaluated["label"].nunique() == 2
           else {"model": float("nan"), "points": float("nan")})
    kpis = [("conversion (SQLs / MQLs)", pct(rate), f"{sqls:,} of {n:,} MQLs"),
            ("benchmark", pct(inputs.benchmark, 0), "typical MQL → SQL rate"),
            ("top 10% by the model", pct(top["model"]), f"points score: {pct(top['points'])}"),
            ("ROC AUC (test)", _num(m.get("test_auc")), f"points score: "
                                                        f"{_num(m.get('points_auc'))}")]
    kpi_html = "".join(f'<div class="kpi">{_e(a)}<b>{_e(b)}</b><span class="muted">{_e(c)}'
                       f"</span></div>" for a, b, c in kpis)
    sections = [("drivers", "What drives conversion", _drivers(inputs)),
                ("conversion", "Conversion rate by segment", _conversion(inputs)),
                ("trust", "How far to trust the score", _trust(inputs)),
                ("bant", "The BANT picture", _bant(inputs)),
                ("facts", "Model facts", _facts(inputs))]
    nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(title)}</h2>{content}</section>'
                   for sid, title, content in sections)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="{VERSION_META}" content="{version}">
<meta name="leadconv-run-id" content="{_e(card.get('run_id', ''))}">
<title>Lead conversion report – model v{version}</title>
<style>{CSS}</style></head>
<body>
<header><h1>Which MQLs become SQLs</h1>
<p class="lede">Lead conversion model v{version}, trained
{_e(str(card.get('trained_at', '?'))[:10])}. {_e(inputs.scope.get('data', ''))}</p>
<nav>{nav}</nav></header>
<div class="kpis">{kpi_html}</div>
{body}
<footer>Conversion = became an SQL within {_e(card.get('horizon_days', 90))} days of the MQL date.
Generated by leadconv; a self-contained file: it opens offline and can be mailed or printed.
</footer>
<script>{CHECK_SCRIPT}</script>
</body></html>
"""
    logger.info("report for model v%s built in %.2fs (%d bytes)", card.get("version"),
                time.perf_counter() - start, len(page))
    return page


def _lead_frame(features: pd.DataFrame, mql_at: pd.Series, label: pd.Series,
                points: pd.Series, flags: pd.DataFrame, probability: pd.Series,
                test_ids: pd.Index) -> pd.DataFrame:
    ids = label.index
    frame = features.loc[ids, ["source", "industry", "company_size_band"]].copy()
    frame["mql_at"] = mql_at.reindex(ids)
    frame["label"] = label.astype(float)
    frame["points_score"] = points.reindex(ids).astype(float)
    frame["probability"] = probability.reindex(ids).astype(float)
    frame["is_test"] = ids.isin(test_ids)
    for flag in FLAGS:
        frame[f"bant_{flag}"] = flags[f"bant_{flag}"].reindex(ids)
    return frame


def inputs_from_run(crm: Any, prepared: Any, rules: Rules, p_test: np.ndarray,
                    importances: pd.DataFrame, card: dict[str, Any]) -> ReportInputs:
    """Report inputs of a training run: every labelled lead, scores on the out-of-time test set.

    Args:
        crm: the validated export (``features.contract.CrmData``) the run used.
        prepared: ``training.train.Prepared`` (features, labels, points, split).
        rules: the rules the run used (BANT flags).
        p_test: the calibrated model's probabilities for ``prepared.split.test``, in that order.
        importances: the run's global importances.
        card: the run's model card.
    """
    leads = crm.leads.set_index(pd.Index(crm.leads["lead_id"], name="lead_id"))
    flags = bant_flags(leads, rules)
    test = prepared.split.test
    frame = _lead_frame(prepared.x, leads["mql_at"], prepared.y, prepared.points, flags,
                        pd.Series(p_test, index=test), test)
    scope = {"data": f"Leads of the training export ({crm.source_dir}), MQL dates "
                     f"{crm.leads['mql_at'].min().date()} to {crm.leads['mql_at'].max().date()}.",
             "evaluated_on": f"the out-of-time test set (the newest labelled leads, MQLs "
                             f"{prepared.split.boundaries.get('test', '')})",
             "n_censored": prepared.labels.n_censored}
    return ReportInputs(frame, importances, card, scope)


def inputs_from_export(data_dir: str | Path, models_dir: str | Path = "models", *,
                       as_of: str | None = None, rules_path: str | Path | None = None
                       ) -> ReportInputs:
    """Report inputs of a CRM export scored by the champion in ``models_dir``.

    Conversion rates come from the export's labelled leads (horizon of the champion's card);
    calibration and lift are measured on all of them, each scored at its MQL time.
    """
    from features.contract import load_crm
    from features.rules import load_rules
    from features.table import lead_table
    from serving.scorer import Scorer
    from training.labels import make_labels

    rules = load_rules(rules_path)
    scorer = Scorer.from_bundle(Path(models_dir) / "champion", rules)
    crm = load_crm(data_dir, as_of=as_of)
    table = lead_table(crm.leads, crm.activities, None, rules=rules)
    labels = make_labels(table["scored_at"], crm.outcomes, crm.as_of,
                         int(scorer.card.get("horizon_days", 90)))
    labelled = labels.labelled
    ids = labelled.index
    probability = pd.Series(scorer.probabilities(table.loc[ids]), index=ids)
    leads = crm.leads.set_index(pd.Index(crm.leads["lead_id"], name="lead_id"))
    frame = _lead_frame(table, leads["mql_at"], labelled["label"], table["points_score"],
                        table, probability, ids)
    importances = pd.DataFrame(scorer.card.get("importances", []),
                               columns=["name", "label", "family", "importance", "std",
                                        "direction"])
    scope = {"data": f"Leads of the export {data_dir} (as of {crm.as_of.date()}), scored by "
                     f"the champion v{scorer.version} at their MQL time.",
             "evaluated_on": "every labelled lead of this export",
             "n_censored": labels.n_censored}
    return ReportInputs(frame, importances, scorer.card, scope)


def report_for_run(crm: Any, prepared: Any, rules: Rules, p_test: np.ndarray,
                   importances: pd.DataFrame, card: dict[str, Any]) -> str:
    """``build_report(inputs_from_run(...))``: the report training logs and exports."""
    return build_report(inputs_from_run(crm, prepared, rules, p_test, importances, card))


class ReportView:
    """Shows a report inside a notebook (an isolated iframe, so its CSS stays inside)."""

    def __init__(self, page: str, height: int = 900) -> None:
        self.page = page
        self.height = height

    @classmethod
    def of_champion(cls, models_dir: str | Path = "models") -> ReportView:
        """The report in the champion bundle of ``models_dir``."""
        from serving.store import REPORT_FILE

        return cls((Path(models_dir) / "champion" / REPORT_FILE).read_text(encoding="utf-8"))

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd"></iframe>')
